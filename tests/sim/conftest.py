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

    def make(ep: str = "meter-0001", tcp: bool = False, **options: Any) -> Rig:
        """``tcp``: the server listens on TCP (RFC 8323) and the meter registers over coap+tcp."""
        kw: dict[str, Any] = {}
        if tcp:
            from meterproof.coap.stream import StreamTransport
            kw["transport"] = StreamTransport()
        server = SyncServer.start(loop_thread_sim, params=FAST, model=model_for, **kw)
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
