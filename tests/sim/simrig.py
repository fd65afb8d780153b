"""Helpers for the simulator tests: a harness server and a simulated meter talking over loopback.

``make_rig(**meter_options)`` starts an :class:`Lwm2mServer` on port 0 (on the
session's :class:`LoopThread`), a :class:`SimulatedMeter` pointed at it, and
returns once the meter is registered.  Everything goes through the engine:
the tests see what a suite would see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Coroutine, Iterator

from meterproof.coap.params import TransmissionParams
from meterproof.lwm2m.model import default_catalog
from meterproof.lwm2m.registration import Registration
from meterproof.lwm2m.sync import LoopThread, SyncServer
from meterproof.sim.meter import SimulatedMeter
from meterproof.sim.profiles import CORE_VERSIONS

#: Loopback timing with a short MAX_TRANSMIT_WAIT (3 s) so queue-mode tests stay quick.
FAST = TransmissionParams(ack_timeout=0.2, ack_random_factor=1.5, max_retransmit=3, max_latency=0.5)

_CATALOG = default_catalog()


def model_for(reg: Registration | None) -> Any:
    if reg is None:
        return _CATALOG
    pins = {oid: v for oid, v in reg.objects.objects.items() if v}
    for oid, ver in CORE_VERSIONS[reg.lwm2m_version].items():
        pins.setdefault(oid, ver)
    return _CATALOG.for_versions(pins)


@dataclass
class Rig:
    lt: LoopThread
    server: SyncServer
    meter: SimulatedMeter
    ep: str

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 20) -> Any:
        return self.lt.run(coro, timeout=timeout)

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.lt.call(fn, *args)

    @property
    def aio(self) -> Any:
        return self.server.aio

    def refused_attempts(self, count: int, timeout: float = 5.0) -> list[float]:
        """Refuse every Register with 5.03, make the meter register again (its Update answered 4.04), and return
        the arrival times of its first ``count`` Register attempts (the retry procedure, TS Core 1.1 §6.2.1.1)."""
        from meterproof.lwm2m.registration import RegistrationRejected
        self.aio.reject_register = lambda q: RegistrationRejected("5.03", "refused by the test")
        self.call(self.aio.forget_at_next_update, self.ep)
        mark = self.server.mark()
        self.run(self.meter.trigger_update())
        times, since = [], mark
        for _ in range(count):
            ev = self.server.wait_event("rejected", None, since=since, timeout=timeout)
            times.append(ev.time)
            since = ev.index + 1
        return times

    def restart(self, **options: Any) -> None:
        """Stop the meter without de-registering and start a new one with the same endpoint."""
        self.run(self.meter.stop(deregister=False))
        self.meter = _start_meter(self.lt, self.server, self.ep, options)


def _start_meter(lt: LoopThread, server: SyncServer, ep: str, options: dict[str, Any]) -> SimulatedMeter:
    async def go() -> SimulatedMeter:
        options.setdefault("params", FAST)
        m = SimulatedMeter(server.aio.uri, ep, **options)
        await m.start()
        return m
    return lt.run(go(), timeout=20)


