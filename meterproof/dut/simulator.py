"""Driver for meterproof's built-in simulated meter, run on the harness's own event loop."""

from __future__ import annotations

import os
import tempfile
from typing import Any, Iterable

from ..coap.params import LOOPBACK, TransmissionParams
from ..lwm2m.sync import LoopThread
from .base import Driver, TriggerUnavailable


class SimulatorDriver(Driver):
    kind = "simulator"
    triggers = frozenset({"reboot", "power-cycle", "factory-reset", "start-registration", "trigger-update",
                          "trigger-send", "set-value"})

    def __init__(self, lt: LoopThread, *, meter: str = "electricity", lwm2m: str = "1.1",
                 defects: Iterable[str] = (), params: TransmissionParams = LOOPBACK, lifetime: int = 86400,
                 queue_mode: bool = False, state_file: str | None = None, seed: int = 0,
                 variants: Iterable[str] = (), clock: float = 1.0, hostile: float = 0.0) -> None:
        self.lt = lt
        self.options: dict[str, Any] = dict(meter=meter, lwm2m=lwm2m, defects=tuple(defects), params=params,
                                            lifetime=lifetime, queue_mode=queue_mode, state_file=state_file,
                                            seed=seed, variants=tuple(variants), clock=clock,
                                            hostile=hostile)
        self.clock = clock
        self.meter: Any = None
        self._flash: tempfile.TemporaryDirectory[str] | None = None    # a power-cycled meter's state file

    def start(self, server_uri: str, endpoint: str) -> None:
        from ..sim.meter import SimulatedMeter

        async def _start() -> Any:
            m = SimulatedMeter(server_uri, endpoint, **self.options)
            await m.start()
            return m

        self.meter = self.lt.run(_start(), timeout=30)

    def stop(self) -> None:
        if self.meter is None:
            return
        m, self.meter = self.meter, None
        try:
            self.lt.run(m.stop(deregister=False), timeout=10)
        except Exception:
            pass
        if self._flash is not None:
            self._flash.cleanup()
            self._flash = None

    def _power_cycle(self) -> None:
        """Cut the power (the meter keeps what it persists, in its state file or a temporary one) and bring it
        back: a new meter process on the same state, as after a real power loss."""
        m = self.meter
        state = self.options["state_file"]
        if state is None:
            self._flash = self._flash or tempfile.TemporaryDirectory(prefix="meterproof-flash-")
            state = os.path.join(self._flash.name, "state.json")
        self.lt.run(m.power_cut(state), timeout=10)
        self.meter = None
        self.options["state_file"] = m.state_file
        self.start(m.server_uri, m.endpoint_name)

    def trigger(self, name: str, **kwargs: Any) -> None:
        m = self.meter
        if m is None:
            raise TriggerUnavailable("the simulated meter is not running")
        if name == "reboot":
            self.lt.run(m.reboot(), timeout=30)
        elif name == "power-cycle":
            self._power_cycle()
        elif name == "trigger-update":
            self.lt.run(m.trigger_update(), timeout=30)
        elif name == "trigger-send":
            self.lt.run(m.trigger_send(kwargs.get("paths")), timeout=30)
        elif name == "set-value":
            self.lt.call(m.set_value, kwargs["path"], kwargs["value"])
        else:
            raise TriggerUnavailable(f"the simulator driver has no trigger {name!r}")

    def describe(self) -> dict[str, str]:
        return {"driver": self.kind, "meter": str(self.options["meter"]), "lwm2m": str(self.options["lwm2m"]),
                "defects": ",".join(self.options["defects"]) or "none",
                "variants": ",".join(self.options["variants"]) or "none"}
