"""The simulated meter as a DTLS client: it registers over coaps with a PSK and answers a Read
through the session; a wrong key never produces a registration."""

from __future__ import annotations

import asyncio

import pytest

from meterproof.dtls import DtlsServerTransport, DtlsSettings, Psk
from meterproof.lwm2m.server import Lwm2mServer
from meterproof.sim.meter import SimulatedMeter

from dtls_support import FAST, KEY, aio


async def _server() -> Lwm2mServer:
    return await Lwm2mServer(DtlsServerTransport(settings=DtlsSettings(psk_lookup={"sim-1": KEY}, **FAST))).start()


@aio
async def test_simulator_registers_and_is_read_over_dtls_psk() -> None:
    server = await _server()
    meter = SimulatedMeter(server.uri, "sim-1", dtls=DtlsSettings(psk=Psk("sim-1", KEY), **FAST))
    try:
        mark = server.events.mark()
        await meter.start()
        ev = await server.events.wait("registered", "sim-1", since=mark, timeout=3)
        assert ev["registration"].remote.psk_identity == "sim-1"
        res = await server.read("sim-1", "/3/0/0")
        assert res.code_text == "2.05"
    finally:
        await meter.stop()
        server.close()


@aio
async def test_simulator_with_a_wrong_key_never_registers() -> None:
    server = await _server()
    meter = SimulatedMeter(server.uri, "sim-1", dtls=DtlsSettings(psk=Psk("sim-1", bytes(16)), **FAST,
                                                                  handshake_deadline=0.5))
    try:
        with pytest.raises(Exception):
            await asyncio.wait_for(meter.start(), 1.2)
        assert "sim-1" not in server.registrations
        assert server.endpoint.transport.reports[-1].line().startswith("bad_record_mac after ClientKeyExchange")
    finally:
        meter.endpoint.close()
        server.close()


def test_coaps_uri_needs_dtls_settings() -> None:
    from meterproof.errors import ConfigError
    with pytest.raises(ConfigError):
        SimulatedMeter("coaps://127.0.0.1:5684", "x")
