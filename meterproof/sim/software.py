"""The Software Management object /9: a simplified but consistent install/activate state machine.

Update State /9/x/7: 0 INITIAL, 1 DOWNLOAD STARTED, 2 DOWNLOADED, 3 DELIVERED,
4 INSTALLED.  Update Result /9/x/9: 0 initial, 1 downloading, 2 installed,
3 downloaded and verified, 53 integrity failure, 58 installation failure.

* a package written to /9/x/2 is checked (any non-empty bytes; a meterproof
  firmware image must also pass its SHA-256) -> DELIVERED / Result 3;
* Install (4) only when DELIVERED -> INSTALLED / Result 2, deactivated;
* Uninstall (6) when DELIVERED or INSTALLED -> INITIAL / Result 0, deactivated;
* Activate (10) / Deactivate (11) only when INSTALLED (Activation State /9/x/12);
* anything else is 4.05.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiocoap.numbers import codes

from ..lwm2m.path import Path
from .firmware_image import MAGIC, ImageError, parse_image

if TYPE_CHECKING:
    from .host import MeterHost

INITIAL, DOWNLOAD_STARTED, DOWNLOADED, DELIVERED, INSTALLED = range(5)
R_INITIAL, R_INSTALLED, R_VERIFIED, R_INTEGRITY = 0, 2, 3, 53


class SoftwareManager:
    def __init__(self, meter: "MeterHost") -> None:
        self.meter = meter

    def _p(self, iid: int, rid: int) -> Path:
        return Path((9, iid, rid))

    def _state(self, iid: int) -> int:
        return int(self.meter.store.get_path(self._p(iid, 7), INITIAL))

    def _set(self, iid: int, state: int, result: int, active: bool | None = None) -> None:
        store = self.meter.store
        store.set(self._p(iid, 7), state)
        store.set(self._p(iid, 9), result)
        if active is not None:
            store.set(self._p(iid, 12), active)

    def package_written(self, iid: int, data: bytes) -> None:
        if data in (b"", b"\0"):
            self._set(iid, INITIAL, R_INITIAL, False)
            return
        if data.startswith(MAGIC):
            try:
                parse_image(data)
            except ImageError:
                self._set(iid, INITIAL, R_INTEGRITY)
                return
        self._set(iid, DELIVERED, R_VERIFIED)

    def execute(self, iid: int, rid: int) -> codes.Code:
        state = self._state(iid)
        if rid == 4 and state == DELIVERED:
            self._set(iid, INSTALLED, R_INSTALLED, False)
        elif rid == 6 and state in (DELIVERED, INSTALLED):
            self._set(iid, INITIAL, R_INITIAL, False)
        elif rid in (10, 11) and state == INSTALLED:
            self.meter.store.set(self._p(iid, 12), rid == 10)
        else:
            return codes.METHOD_NOT_ALLOWED
        return codes.CHANGED


__all__ = ["SoftwareManager"]
