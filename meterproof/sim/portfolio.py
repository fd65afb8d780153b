"""The Portfolio object /16 of the simulated meter: the host-device identities it stands for.

Object 16 (OMNA 16.xml v1.0, LwM2M 1.0; objects/16.xml): multi-instance, optional.  Resources: 0 Identity
(RW, multiple, mandatory, String), 1 GetAuthData (E), 2 AuthData (R, multiple, Opaque), 3 AuthStatus (R,
Integer 0..2).  The factory instance holds the identities of ETS configuration C.12
(OMA-ETS-LightweightM2M_INT-V1_2 Appendix C.12: /16/0/0/0..3, printed with a typo and leading spaces, kept
as printed), so the Portfolio cases (int-228, 230, 233, 234, 308, 309, 1630, 1635) find the C.12 state.
Its instance id follows the meter's numbering (:class:`.profiles.Layout`).

GetAuthData has no service behind it here: executing it produces no data and sets AuthStatus to 2 (ERROR_STATE,
"an error occurred"), the object's way of saying so; AuthData stays empty (AuthStatus 0 IDLE_STATE before).
"""

from __future__ import annotations

from typing import Any, Protocol

from aiocoap.numbers import codes

from ..lwm2m.path import Path


class _Store(Protocol):
    """What GetAuthData needs of the meter's object store (:class:`.store.ObjectStore`); the module imports no
    other part of the simulator, so the profiles can take its factory values without a cycle."""

    def implemented(self, path: Path) -> bool: ...

    def set(self, path: Path, value: Any, *, notify: bool = True) -> None: ...


PORTFOLIO = 16
IDENTITY, GET_AUTH_DATA, AUTH_DATA, AUTH_STATUS = 0, 1, 2, 3
#: ETS Appendix C.12, as printed
C12_IDENTITY = ("Host Device ID #1", " Host Develce Manufacturer #1", " Host Device Model #1",
                " Host Device Software Version #1")
AUTH_IDLE, AUTH_DATA_AVAILABLE, AUTH_ERROR = 0, 1, 2     # 16.xml AuthStatus


def defaults(ctx: Any, iid: int) -> dict[int, Any]:
    """The factory Portfolio instance: the C.12 identities, no authentication data yet (AuthStatus idle)."""
    return {IDENTITY: dict(enumerate(C12_IDENTITY)), GET_AUTH_DATA: None, AUTH_DATA: {}, AUTH_STATUS: AUTH_IDLE}


def execute(store: _Store, iid: int, rid: int) -> codes.Code:
    """GetAuthData: no authentication service is attached, so the process fails at once (AuthStatus 2)."""
    if rid != GET_AUTH_DATA:
        return codes.METHOD_NOT_ALLOWED
    if store.implemented(Path((PORTFOLIO, iid, AUTH_STATUS))):
        store.set(Path((PORTFOLIO, iid, AUTH_STATUS)), AUTH_ERROR)
    return codes.CHANGED


__all__ = ["C12_IDENTITY", "PORTFOLIO", "defaults", "execute"]
