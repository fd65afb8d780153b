"""Fuzz targets on loopback: a harness server and one device behind a driver, ready for a campaign.

* :class:`SimTarget` — the simulated meter on the harness's own event loop (the fuzzer's tests, the
  benchmarks, ``meterproof`` CLI use); it cannot say that it crashed, so the campaign's oracle decides.
* :class:`ProcessTarget` — any client program run by the process driver (the "crashes often" test
  client of ``benchmarks/crashy_client.py``, a vendor's binary): its driver reports the moment the
  process ends, with the signal or exit status, so crashes cost no silence wait.
"""

from __future__ import annotations

from typing import Any, Iterable

from .campaign import Campaign, driver_restart, lab_config, CampaignConfig


class _Target:
    """A loop thread, a harness server on loopback, one device registered as ``endpoint`` through ``driver``."""

    driver: Any

    def __init__(self, *, endpoint: str, params: Any = None, impairment: Any = None, seed: int | str = 0,
                 register_timeout: float = 10.0) -> None:
        """``impairment``: a :class:`~meterproof.coap.impair.Impairment` on the harness's socket (seeded)."""
        from ..coap.params import LOOPBACK
        from ..coap.transport import UdpTransport
        from ..lwm2m.model.catalog import default_catalog
        from ..lwm2m.sync import LoopThread, SyncServer

        self.lt = LoopThread("fuzz-target")
        p = params or LOOPBACK
        catalog = default_catalog()
        transport: Any = UdpTransport()
        if impairment is not None:
            from ..coap.impair import ImpairedTransport
            transport = ImpairedTransport(transport, impairment, seed=seed)
        self.server = SyncServer.start(self.lt, transport=transport, params=p, model=lambda reg: catalog)
        self.endpoint = endpoint
        self.params = p
        self.register_timeout = register_timeout
        try:
            self.driver = self._make_driver()
            mark = self.server.mark()
            self.driver.start(self.server.aio.uri, endpoint)
            self.server.wait_event("registered", endpoint, since=mark, timeout=register_timeout)
        except BaseException:
            self.close()
            raise
        self.restart = driver_restart(self.driver, self.server, endpoint, timeout=register_timeout)

    def _make_driver(self) -> Any:
        raise NotImplementedError

    def _describe(self) -> dict[str, str]:
        return dict(self.driver.describe())

    def campaign(self, *, lab: bool = False, **config: Any) -> Campaign:
        """A campaign on this target; ``lab=True`` starts from :func:`lab_config` (the plugin's lab mode)."""
        if lab:
            cfg = lab_config(self.params, **{"findings_dir": None, **config})
        else:
            cfg = CampaignConfig(**{"findings_dir": None, **config})
        cfg.device = cfg.device or self._describe()
        return Campaign(self.server, self.endpoint, restart=self.restart, config=cfg, driver=self.driver)

    def close(self) -> None:
        try:
            driver = getattr(self, "driver", None)
            if driver is not None:
                driver.stop()
        finally:
            self.server.close()
            self.lt.stop()

    def __enter__(self) -> "_Target":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class SimTarget(_Target):
    """A harness server and a simulated meter on loopback (tests, benchmarks, ``meterproof`` CLI use)."""

    def __init__(self, defects: Iterable[str] = (), *, endpoint: str = "fuzz-0001", lwm2m: str = "1.1",
                 params: Any = None, impairment: Any = None, seed: int | str = 0) -> None:
        self.defects = tuple(defects)
        self.lwm2m = lwm2m
        super().__init__(endpoint=endpoint, params=params, impairment=impairment, seed=seed)

    def _make_driver(self) -> Any:
        from ..dut.simulator import SimulatorDriver
        return SimulatorDriver(self.lt, lwm2m=self.lwm2m, defects=self.defects, params=self.params)

    def _describe(self) -> dict[str, str]:
        return {"driver": "simulator", "defects": ",".join(self.defects) or "none"}

    def __enter__(self) -> "SimTarget":
        return self


class ProcessTarget(_Target):
    """A harness server and a client program run by the process driver (``command`` as in a profile's
    ``driver.command``: ``{server_uri}``, ``{endpoint}``, ... are filled in).  The driver does not
    restart the client by itself: the campaign does, through it."""

    def __init__(self, command: str, *, endpoint: str = "fuzz-proc-0001", params: Any = None,
                 register_timeout: float = 15.0) -> None:
        self.command = command
        super().__init__(endpoint=endpoint, params=params, register_timeout=register_timeout)

    def _make_driver(self) -> Any:
        from ..dut.process import ProcessDriver
        return ProcessDriver(self.command, restart_on_crash=False, stop_timeout=2.0)

    def __enter__(self) -> "ProcessTarget":
        return self


__all__ = ["ProcessTarget", "SimTarget"]
