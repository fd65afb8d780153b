"""Fixtures of the simulator tests (helpers live in simrig.py)."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from meterproof.lwm2m.sync import LoopThread, SyncServer
from simrig import FAST, Rig, _start_meter, model_for


@pytest.fixture(scope="session")
def loop_thread_sim() -> Iterator[LoopThread]:
    lt = LoopThread("sim-tests")
    yield lt
    lt.stop()


@pytest.fixture
def make_rig(loop_thread_sim: LoopThread) -> Iterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def make(ep: str = "meter-0001", tcp: bool = False, oscore: bool = False, **options: Any) -> Rig:
        """``tcp``: the server listens on TCP (RFC 8323) and the meter registers over coap+tcp; ``oscore``: the
        meter's server account links a fresh /21 context the server holds (RFC 8613)."""
        kw: dict[str, Any] = {}
        if tcp:
            from meterproof.coap.stream import StreamTransport
            kw["transport"] = StreamTransport()
        server = SyncServer.start(loop_thread_sim, params=FAST, model=model_for, **kw)
        if oscore:
            from meterproof.coap.oscore import OscoreLayer, OscoreParams, SecurityContext
            from meterproof.sim.security import Credentials, MeterSecurity
            params = OscoreParams.fresh(b"\x01", b"")
            server.aio.endpoint.oscore = OscoreLayer(bind_on_request=True)
            server.aio.endpoint.oscore.add(SecurityContext(params.peer()))
            options["security"] = MeterSecurity(server=Credentials(oscore=params))
        try:
            meter = _start_meter(loop_thread_sim, server, ep, options)
        except BaseException:
            server.close()
            raise
        rig = Rig(loop_thread_sim, server, meter, ep)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        try:
            rig.run(rig.meter.stop(deregister=False), timeout=5)
        finally:
            rig.server.close()


@pytest.fixture
def rig(make_rig: Callable[..., Rig]) -> Rig:
    """A conformant LwM2M 1.1 electricity meter."""
    return make_rig()
