"""The meter as its parts see it: what registration, bootstrap, device management, reporting, firmware,
software and security may call on the meter, and on each other through it.

:class:`~.meter.SimulatedMeter` builds its parts and hands itself to each; the parts never import the meter,
not even for annotations.  They name it :class:`MeterHost`, a :class:`typing.Protocol` the meter satisfies,
and reach another part only through the few methods named here (:class:`Values`, :class:`Observations`,
:class:`Reregistration`, :class:`SecuritySettings`).  So the simulator's imports run one way:
meter -> parts -> host -> store, attributes, profiles (and the engine's coap and lwm2m packages).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable, Hashable, Protocol

if TYPE_CHECKING:
    from aiocoap import Message
    from aiocoap.numbers import codes

    from ..coap.endpoint import Endpoint
    from ..coap.params import TransmissionParams
    from ..lwm2m.path import Path
    from ..lwm2m.values import ValueTree
    from .attributes import AttributeStore
    from .profiles import MeterContext, Profile
    from .store import ObjectStore


class Values(Protocol):
    """Device management as other parts use it: read and encode values, answer a request (:mod:`.dm`)."""

    async def handle(self, req: Message, remote: Hashable) -> Message | None: ...

    def read_values(self, path: Path, remote: Hashable | None = None) -> ValueTree: ...

    def encode(self, cf: int, values: ValueTree, base: Path) -> bytes: ...

    def choose(self, accept: int | None, path: Path) -> int: ...

    def composite_values(self, paths: tuple[Path, ...], remote: Hashable | None = None) -> ValueTree: ...


class Observations(Protocol):
    """Reporting as device management uses it: observations begun, cancelled, values changed (:mod:`.reporting`)."""

    def establish(self, remote: Hashable, token: bytes, paths: tuple[Path, ...], composite: bool, cf: int,
                  values: ValueTree, params: dict[str, float | None] | None = None) -> int: ...

    def cancel_request(self, remote: Hashable, token: bytes, paths: tuple[Path, ...]) -> None: ...

    def changed(self, path: Path) -> None: ...


class Deliveries(Protocol):
    """Interval and event data delivery as reporting and writes drive it (:mod:`.delivery`)."""

    def observed(self, paths: tuple[Path, ...]) -> None: ...

    def schedule_changed(self) -> None: ...


class Reregistration(Protocol):
    """The registration client as bootstrap uses it (:mod:`.registration_client`)."""

    def reregister(self, delay: float = 0.0) -> None: ...


class SecuritySettings(Protocol):
    """The meter's DTLS settings and trust store (:class:`.security.MeterSecurity`)."""

    dtls: dict[str, Any]
    trust_store: tuple[bytes, ...]


class MeterHost(Protocol):
    """Everything a part of the simulated meter uses of the meter (:class:`~.meter.SimulatedMeter` is one)."""

    # what the meter is
    endpoint_name: str
    lwm2m: str
    profile: Profile
    ctx: MeterContext
    defects: frozenset[str]
    variants: frozenset[str]
    params: TransmissionParams
    queue_mode: bool
    clock: float
    bootstrap_pack: bool
    # what it has
    endpoint: Endpoint
    store: ObjectStore
    attributes: AttributeStore
    security: SecuritySettings
    dm: Values
    reporter: Observations
    delivery: Deliveries
    reg: Reregistration
    # where it talks to
    server_uri: str
    server_remote: Hashable
    running: bool
    _account_in_use: Any
    #: OSCORE security contexts in use, by their /21 parameters (``oscore_client``)
    oscore_contexts: dict[Any, Any]
    oscore_resume: dict[str, int]

    def has(self, defect: str) -> bool: ...

    def varies(self, variant: str) -> bool: ...

    @property
    def secure(self) -> bool: ...

    @property
    def alive(self) -> bool: ...

    def loop_time(self) -> float: ...

    def track(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]: ...

    def later(self, fn: Callable[[], Any], delay: float = ...) -> None: ...

    def wake(self) -> None: ...

    def sleep_now(self) -> None: ...

    def on_registered(self) -> None: ...

    def attributes_for(self, remote: Hashable) -> AttributeStore: ...

    def requester(self, remote: Hashable) -> int | None: ...

    async def reboot(self) -> None: ...

    def server_value(self, rid: int, default: Any = None) -> Any: ...

    def default_pmin(self, remote: Hashable | None = None) -> float: ...

    def default_pmax(self, remote: Hashable | None = None) -> float | None: ...

    def notification_mode(self, remote: Hashable | None = None) -> int: ...

    def is_sink(self, rp: Path) -> bool: ...

    def after_write(self, rp: Path, value: Any) -> None: ...

    def instances_changed(self) -> None: ...

    def execute(self, path: Path, args: bytes) -> codes.Code: ...

    def install_firmware(self, version: str) -> None: ...

    def _save_state(self) -> None: ...
