"""OSCORE (RFC 8613) on the endpoint's path: meterproof.coap.oscore over loopback UDP.

A client endpoint and a server endpoint each hold one side of a context made from /21-style parameters;
requests, responses and notifications go protected; replays, unknown kids, tampered ciphertext and a
rebooted server's uninitialised replay window (Echo, Appendix B.1.2) are refused as §7.4 and §8.2 say.
"""

from __future__ import annotations

from aiocoap import Message
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.endpoint import WireEvent
from meterproof.coap.oscore import OscoreLayer, OscoreParams, SecurityContext

from coap_support import aio, endpoint_pair


async def echo(req: Message, remote: object) -> Message:
    return wire.new(codes.CONTENT, payload=b"echo:" + req.payload + b":" + "/".join(req.opt.uri_path).encode(),
                    content_format=0)


def layers(params: OscoreParams, *, server_replay: str = "fresh") -> tuple[OscoreLayer, OscoreLayer,
                                                                           SecurityContext, SecurityContext]:
    srv, cli = OscoreLayer(bind_on_request=True), OscoreLayer()
    sctx = srv.add(SecurityContext(params, replay=server_replay))
    cctx = cli.add(SecurityContext(params.peer()))
    return srv, cli, sctx, cctx


P = OscoreParams.fresh(b"\x01", b"")


def test_params_round_trip_through_a_21_instance() -> None:
    p = OscoreParams.fresh(b"\x01", b"\x02", id_context=b"ctx")
    assert OscoreParams.from_instance(p.instance()) == p
    assert "master_secret" not in repr(p) and p.master_secret.hex() not in repr(p)


@aio
async def test_protected_request_and_response() -> None:
    async with endpoint_pair(echo) as (server, client):
        server.oscore, client.oscore, _, cctx = layers(P)
        client.oscore.bind(server.local_address, cctx)
        out: list[WireEvent] = []
        client.listeners.append(lambda ev: out.append(ev) if ev.direction == "out" else None)
        r = await client.request(wire.new(codes.GET, uri_path=("3", "0")), server.local_address)
        assert r.code == codes.CONTENT and r.payload == b"echo::3/0"
        sent = out[0].message
        assert sent.opt.oscore is not None and sent.code == codes.POST and not sent.opt.uri_path


@aio
async def test_replayed_request_is_refused_with_4_01() -> None:
    async with endpoint_pair(echo) as (server, client):
        server.oscore, client.oscore, _, cctx = layers(P)
        client.oscore.bind(server.local_address, cctx)
        out: list[WireEvent] = []
        client.listeners.append(lambda ev: out.append(ev) if ev.direction == "out" else None)
        await client.request(wire.new(codes.GET, uri_path=("3",)), server.local_address)
        replay = _out(wire.decode(out[0].raw))
        replay.mid, replay.token = client.next_mid(), b"\x99"
        client.oscore.unbind(server.local_address)
        r = await client.request(replay, server.local_address)
        assert r.code == codes.UNAUTHORIZED and r.opt.oscore is None
        assert [x.reason for x in server.oscore.refused] == ["replay"]


@aio
async def test_unknown_kid_and_tampered_ciphertext_are_refused() -> None:
    async with endpoint_pair(echo) as (server, client):
        server.oscore, client.oscore, _, _ = layers(P)
        stranger = SecurityContext(OscoreParams(P.master_secret, b"\x07", b"\x01", master_salt=P.master_salt))
        client.oscore.bind(server.local_address, stranger)
        r = await client.request(wire.new(codes.GET, uri_path=("3",)), server.local_address)
        assert r.code == codes.UNAUTHORIZED
        good = SecurityContext(P.peer())
        outer, _ = good.protect(_out(wire.new(codes.GET, uri_path=("3",))))
        outer.payload = outer.payload[:-1] + bytes([outer.payload[-1] ^ 1])
        client.oscore.unbind(server.local_address)
        r = await client.request(outer, server.local_address)
        assert r.code == codes.BAD_REQUEST
        assert [x.reason for x in server.oscore.refused] == ["no-context", "decrypt"]


@aio
async def test_echo_recovery_after_server_reboot() -> None:
    async with endpoint_pair(echo) as (server, client):
        server.oscore, client.oscore, _, cctx = layers(P, server_replay="unknown")
        client.oscore.bind(server.local_address, cctx)
        r = await client.request(wire.new(codes.GET, uri_path=("3",)), server.local_address)
        assert r.code == codes.CONTENT      # the 4.01 Echo was answered by repeating the request with the Echo
        assert [x.reason for x in server.oscore.refused] == ["echo"]


@aio
async def test_unprotected_request_from_a_required_peer_is_refused() -> None:
    async with endpoint_pair(echo) as (server, client):
        server.oscore = OscoreLayer()
        server.oscore.required.add(client.local_address)
        r = await client.request(wire.new(codes.GET, uri_path=("3",)), server.local_address)
        assert r.code == codes.UNAUTHORIZED


def _out(m: Message) -> Message:
    from aiocoap.oscore import Direction
    m.direction = Direction.OUTGOING
    return m
