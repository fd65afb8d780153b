"""CoAP over DTLS: the engine's Endpoint on both sides, the session handle as the remote, the raw path
inside a session, and the LwM2M Server role on a coaps transport."""

from __future__ import annotations

import asyncio

from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.endpoint import Endpoint, WireEvent
from meterproof.dtls import DtlsServerTransport, DtlsSession, DtlsSettings

from dtls_support import FAST, KEY, LossyServer, aio, psk_client, psk_server


async def _echo(req, remote):  # type: ignore[no-untyped-def]
    return wire.new(codes.CONTENT, payload=b"echo:" + req.payload)


@aio
async def test_coap_request_and_response_through_dtls_endpoints() -> None:
    server = await psk_server()
    seen: list[object] = []

    async def handler(req, remote):  # type: ignore[no-untyped-def]
        seen.append(remote)
        return await _echo(req, remote)

    sep = Endpoint(server, handler=handler)
    await sep.start()
    cep = Endpoint(await psk_client())
    await cep.start()
    try:
        assert server.scheme == "coaps"
        for i in range(3):
            resp = await cep.request(wire.new(codes.POST, payload=b"%d" % i, uri_path=("rd",)), server.local_address)
            assert resp.code == codes.CONTENT and resp.payload == b"echo:%d" % i
        assert len(set(map(id, seen))) == 1 and isinstance(seen[0], DtlsSession)
        # the server can start requests toward the session handle too
        sess = seen[0]
        cep.handler = _echo
        resp = await sep.request(wire.new(codes.GET, payload=b"s", uri_path=("3", "0")), sess)
        assert resp.payload == b"echo:s"
    finally:
        cep.close(); sep.close()


@aio
async def test_raw_path_is_encrypted_inside_the_session() -> None:
    server = LossyServer(settings=DtlsSettings(psk_lookup={"meter-0001": KEY}, **FAST))
    sep = Endpoint(server, handler=_echo)
    await sep.start()
    client = await psk_client()
    cep = Endpoint(client, handler=_echo)
    await cep.start()
    got: list[WireEvent] = []
    cep.listeners.append(lambda ev: got.append(ev) if ev.direction == "in" else None)
    try:
        await cep.request(wire.new(codes.GET, uri_path=("x",)), server.local_address)
        sess = next(iter(server.sessions.values()))
        junk = b"\x40\x01\x12\x34\xff" + b"MARKER-RAW" * 3      # CON GET, 0xFF then payload: well, junk
        before = len(server.wire)
        events = (await sep.exchange_raw(junk, sess, timeout=1.0)).events
        assert any(ev.raw == junk for ev in got)                 # arrived decrypted at the client
        assert all(b"MARKER-RAW" not in d for d, _ in server.wire[before:])   # never in clear on the wire
        assert events and events[0].remote is sess               # the client's reply came back in-session
    finally:
        cep.close(); sep.close()


@aio
async def test_lwm2m_server_role_registers_a_client_over_dtls() -> None:
    from meterproof.lwm2m.server import Lwm2mServer
    transport = DtlsServerTransport(settings=DtlsSettings(psk_lookup={"meter-0001": KEY}, **FAST))
    server = await Lwm2mServer(transport).start()
    cep = Endpoint(await psk_client())
    await cep.start()
    try:
        assert server.uri.startswith("coaps://127.0.0.1:")
        msg = wire.new(codes.POST, payload=b"</3/0>", uri_path=("rd",), uri_query=("ep=meter-0001", "lt=60"))
        msg.opt.content_format = 40
        resp = await cep.request(msg, server.address)
        assert resp.code == codes.CREATED
        reg = server.registrations["meter-0001"]
        assert isinstance(reg.remote, DtlsSession) and reg.remote.psk_identity == "meter-0001"
    finally:
        cep.close(); server.close()
        await asyncio.sleep(0)
