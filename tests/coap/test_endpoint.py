"""The message layer (RFC 7252 §4-5), block-wise (RFC 7959) and Observe (RFC 7641) of
:class:`Endpoint`, over loopback UDP.

Two endpoints talk to each other, or one endpoint talks to a :class:`RawPeer` that a test
scripts byte by byte, so the rules about what goes on the wire are checked on the wire.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from aiocoap import Message
from aiocoap.numbers import codes
from aiocoap.optiontypes import BlockOption

from meterproof.coap import blockwise, wire
from meterproof.coap.endpoint import Endpoint, RequestTimeout, ResetError, WireEvent
from meterproof.coap.observe import observe
from meterproof.coap.params import TransmissionParams
from meterproof.coap.transport import UdpTransport
from meterproof.errors import ProtocolError

from coap_support import FAST, LossyTransport, aio, endpoint_pair, raw_peer

Block = BlockOption.BlockwiseTuple


async def echo(req: Message, remote: object) -> Message:
    return wire.new(codes.CONTENT, payload=b"echo:" + req.payload, content_format=0)


def get(*path: str, **opts: object) -> Message:
    return wire.new(codes.GET, uri_path=path, **opts)


def inbound(ep: Endpoint) -> list[WireEvent]:
    evs: list[WireEvent] = []
    ep.listeners.append(lambda ev: evs.append(ev) if ev.direction == "in" else None)
    return evs


# --------------------------------------------------------------------------- responses (RFC 7252 §5.2)
@aio
async def test_piggybacked_response() -> None:
    async with endpoint_pair(echo) as (server, client):
        seen = inbound(client)
        resp = await client.request(get("a"), server.local_address)
        assert resp.code == codes.CONTENT and resp.payload == b"echo:"
        assert [ev.message.mtype for ev in seen] == [wire.ACK]      # §5.2.1: response in the ACK
        assert seen[0].message.mid == seen[0].message.mid


@aio
async def test_separate_response_for_a_slow_handler() -> None:
    async def slow(req: Message, remote: object) -> Message:
        await asyncio.sleep(0.15)
        return wire.new(codes.CONTENT, payload=b"late")

    async with endpoint_pair(slow) as (server, client):
        seen = inbound(client)
        out: list[WireEvent] = []
        client.listeners.append(lambda ev: out.append(ev) if ev.direction == "out" else None)
        req = get("slow")
        resp = await client.request(req, server.local_address)
        assert resp.payload == b"late" and resp.token == req.token
        # §5.2.2: empty ACK first, then the response in its own CON, which the client ACKs
        # (on a loaded machine our CON may be retransmitted before the empty ACK comes: a second empty ACK)
        empty_ack = seen[0].message
        separate = next(ev.message for ev in seen if ev.message.mtype == wire.CON)
        assert (empty_ack.mtype, empty_ack.code, empty_ack.mid) == (wire.ACK, codes.EMPTY, req.mid)
        assert separate.mtype == wire.CON and separate.mid != req.mid
        await asyncio.sleep(0.01)
        ack = out[-1].message
        assert (ack.mtype, ack.code, ack.mid) == (wire.ACK, codes.EMPTY, separate.mid)


@aio
async def test_non_request_gets_non_response() -> None:
    async with endpoint_pair(echo) as (server, client):
        seen = inbound(client)
        resp = await client.request(get("n"), server.local_address, confirmable=False, timeout=1)
        assert resp.mtype == wire.NON and resp.code == codes.CONTENT   # §5.2.3
        assert len(seen) == 1


# --------------------------------------------------------------------------- retransmission (RFC 7252 §4.2)
@aio
async def test_con_retransmission_with_exponential_backoff() -> None:
    lossy = LossyTransport(drop_out=3)
    async with endpoint_pair(echo, client_transport=lossy) as (server, client):
        resp = await client.request(get("r"), server.local_address)
        assert resp.code == codes.CONTENT
        sends = [t for t, _, _ in lossy.sent]
        assert [d for _, _, d in lossy.sent] == [True, True, True, False]
        # §4.2: same bytes each time; timeout ACK_TIMEOUT (factor 1), doubled after each attempt
        assert len({raw for _, raw, _ in lossy.sent}) == 1
        gaps = [b - a for a, b in zip(sends, sends[1:])]
        for gap, expected in zip(gaps, (0.05, 0.1, 0.2)):
            assert expected - 0.005 <= gap <= expected + 0.04, gaps


@aio
async def test_initial_timeout_is_within_the_random_factor() -> None:
    params = TransmissionParams(ack_timeout=0.05, ack_random_factor=1.5, max_retransmit=1, max_latency=0.2)
    lossy = LossyTransport(drop_out=1)
    async with endpoint_pair(echo, params, client_transport=lossy) as (server, client):
        await client.request(get("r"), server.local_address)
        gap = lossy.sent[1][0] - lossy.sent[0][0]
        assert 0.05 - 0.005 <= gap <= 0.075 + 0.04   # §4.2: between ACK_TIMEOUT and ACK_TIMEOUT * ACK_RANDOM_FACTOR


@aio
async def test_request_timeout_after_max_retransmit() -> None:
    params = TransmissionParams(ack_timeout=0.03, ack_random_factor=1.0, max_retransmit=2, max_latency=0.2)
    async with raw_peer() as peer:  # never answers
        client = await Endpoint(UdpTransport(), params).start()
        try:
            t0 = client.loop.time()
            with pytest.raises(RequestTimeout):
                await client.request(get("x"), peer.address)
            elapsed = client.loop.time() - t0
        finally:
            client.close()
        n = peer.inbox.qsize()
        assert n == 3                                        # 1 + MAX_RETRANSMIT
        assert 0.03 * 7 - 0.01 <= elapsed <= 0.03 * 7 + 0.1  # ACK_TIMEOUT * (2^(MAX_RETRANSMIT+1) - 1)


# --------------------------------------------------------------------------- deduplication (RFC 7252 §4.5)
@aio
async def test_duplicate_con_is_answered_from_the_cache_and_handled_once() -> None:
    calls: list[bytes] = []

    async def count(req: Message, remote: object) -> Message:
        calls.append(req.token)
        return wire.new(codes.CONTENT, payload=str(len(calls)).encode())

    async with endpoint_pair(count) as (server, _), raw_peer() as peer:
        req = wire.encode(get("d", mtype=wire.CON, mid=0x4242, token=b"\x01\x02"))
        peer.send(req, server.local_address)
        first, raw1, _ = await peer.recv()
        peer.send(req, server.local_address)
        second, raw2, _ = await peer.recv()
        assert raw1 == raw2 and first.payload == b"1"
        assert calls == [b"\x01\x02"]


# --------------------------------------------------------------------------- rejection (RFC 7252 §4.2, §4.3)
@pytest.mark.parametrize("raw", [
    bytes.fromhex("4001abcd" "0f"),     # length nibble 15: aiocoap cannot decode it
    bytes.fromhex("4001abcd" "13" "61"),  # option runs past the datagram
])
@aio
async def test_unparsable_con_is_rejected_with_rst(raw: bytes) -> None:
    async with endpoint_pair(echo) as (server, _), raw_peer() as peer:
        peer.send(raw, server.local_address)
        rst, _, _ = await peer.recv()
        assert (rst.mtype, rst.code, rst.mid) == (wire.RST, codes.EMPTY, 0xABCD)
        assert server.violations and server.violations[0].raw == raw


@pytest.mark.parametrize("raw", [
    bytes.fromhex("4f01abcd"),             # TKL 15 (§3: "MUST be processed as a message format error")
    bytes.fromhex("4801abcd" "0102"),      # TKL 8 with a 2-byte token
    bytes.fromhex("4001abcd" "ff"),        # payload marker with an empty payload (§3)
    bytes.fromhex("40e0abcd"),             # reserved class 7 (§4.2 names it)
])
@aio
async def test_con_with_a_format_error_aiocoap_tolerates_is_rejected(raw: bytes) -> None:
    # §4.2: a CON that "has a message format error" or "uses a code with a reserved class" MUST be
    # rejected with RST; the handler must not run on it.
    calls: list[Message] = []

    async def record(req: Message, remote: object) -> Message:
        calls.append(req)
        return wire.new(codes.CONTENT)

    async with endpoint_pair(record) as (server, _), raw_peer() as peer:
        peer.send(raw, server.local_address)
        rst, _, _ = await peer.recv()
        assert (rst.mtype, rst.code, rst.mid) == (wire.RST, codes.EMPTY, 0xABCD)
        assert await peer.silent(0.05) and calls == []
        assert server.violations


@aio
async def test_con_response_with_unknown_token_is_rst() -> None:
    async with endpoint_pair(echo) as (server, _), raw_peer() as peer:
        peer.send(wire.new(codes.CONTENT, mtype=wire.CON, mid=0x0777, token=b"\xde\xad"), server.local_address)
        rst, _, _ = await peer.recv()
        assert (rst.mtype, rst.mid) == (wire.RST, 0x0777)   # §5.3.2 / §4.2


@aio
async def test_ping_gets_rst() -> None:
    async with endpoint_pair(echo) as (server, _), raw_peer() as peer:
        peer.send(wire.empty(wire.CON, 0x1111), server.local_address)
        rst, raw, _ = await peer.recv()
        assert raw == bytes.fromhex("70001111")              # §4.3: CoAP ping -> RST


@aio
async def test_unexpected_ack_and_rst_are_ignored() -> None:
    async with endpoint_pair(echo) as (server, _), raw_peer() as peer:
        peer.send(wire.empty(wire.ACK, 0x2222), server.local_address)
        peer.send(wire.empty(wire.RST, 0x2223), server.local_address)
        assert await peer.silent(0.1)                        # §4.2: silently ignored


@aio
async def test_token_mismatch_in_piggybacked_ack_is_a_protocol_error() -> None:
    async with raw_peer() as peer:
        peer.responder = lambda req, remote: [wire.new(codes.CONTENT, mtype=wire.ACK, mid=req.mid,
                                                       token=bytes(b ^ 0xFF for b in req.token))]
        client = await Endpoint(UdpTransport(), FAST).start()
        try:
            with pytest.raises(ProtocolError, match="§5.3.2"):
                await client.request(get("t"), peer.address)
        finally:
            client.close()


@aio
async def test_rst_to_a_request_raises_reset_error() -> None:
    async with raw_peer() as peer:
        peer.responder = lambda req, remote: [wire.empty(wire.RST, req.mid)]
        client = await Endpoint(UdpTransport(), FAST).start()
        try:
            with pytest.raises(ResetError):
                await client.request(get("t"), peer.address)
        finally:
            client.close()


@aio
async def test_separate_response_before_the_ack_completes_the_request() -> None:
    # §5.2.2: "the client MAY also... if a separate response arrives before the empty ACK" -- the
    # response is an implicit acknowledgement; the request must not keep retransmitting to a timeout.
    async with raw_peer() as peer:
        def respond(req: Message, remote: object) -> list:
            if req.mtype == wire.CON and req.code.is_request():
                return [wire.new(codes.CONTENT, mtype=wire.CON, mid=0x5555, token=req.token, payload=b"sep")]
            return []
        peer.responder = respond
        params = TransmissionParams(ack_timeout=0.05, ack_random_factor=1.0, max_retransmit=1, max_latency=0.2)
        client = await Endpoint(UdpTransport(), params).start()
        try:
            resp = await client.request(get("s"), peer.address)
            await asyncio.sleep(0.12)   # longer than the first retransmission timeout
        finally:
            client.close()
        assert resp.payload == b"sep"
        got = [wire.decode(peer.inbox.get_nowait()[0]) for _ in range(peer.inbox.qsize())]
        assert [(m.mtype, m.code) for m in got] == [(wire.CON, codes.GET), (wire.ACK, codes.EMPTY)]


# --------------------------------------------------------------------------- Block1 (RFC 7959 §2.3, §2.5, §2.9)
@aio
async def test_block1_upload() -> None:
    got: list[bytes] = []

    async def store(req: Message, remote: object) -> Message:
        got.append(req.payload)
        return wire.new(codes.CHANGED)

    body = bytes(range(256)) * 12  # 3072 bytes = 3 blocks of 1024
    async with endpoint_pair(store) as (server, client):
        ex: list = []
        resp = await blockwise.request(client, wire.new(codes.PUT, payload=body, uri_path=["f"]),
                                       server.local_address, exchanges=ex)
        assert resp.code == codes.CHANGED and got == [body]
        assert [r.code for _, r in ex] == [codes.CONTINUE, codes.CONTINUE, codes.CHANGED]
        assert [tuple(q.opt.block1) for q, _ in ex] == [(0, True, 6), (1, True, 6), (2, False, 6)]
        assert ex[0][0].opt.size1 == len(body)                       # §4: Size1 with the first block
        assert tuple(ex[-1][1].opt.block1) == (2, False, 6)          # §2.3: final response echoes Block1


@aio
async def test_block1_renegotiation_rfc7959_figure_5() -> None:
    # §3.2 Figure 5: 1:0/1/1024 -> 2.31 1:0/1/128 ; then 1:8/1/128, 1:9/1/128, 1:10/0/128 -> 2.04
    got: list[bytes] = []

    async def store(req: Message, remote: object) -> Message:
        got.append(req.payload)
        return wire.new(codes.CHANGED)

    body = b"x" * (1024 + 3 * 128)
    async with endpoint_pair(store, block_szx=3) as (server, client):
        ex: list = []
        await blockwise.request(client, wire.new(codes.PUT, payload=body, uri_path=["options"]),
                                server.local_address, exchanges=ex)
        assert [tuple(q.opt.block1) for q, _ in ex] == [(0, True, 6), (8, True, 3), (9, True, 3), (10, False, 3)]
        assert tuple(ex[0][1].opt.block1) == (0, True, 3) and ex[0][1].code == codes.CONTINUE
        assert got == [body]


@aio
async def test_block1_gap_is_4_08() -> None:
    async with endpoint_pair(echo) as (server, _), raw_peer() as peer:
        peer.send(wire.new(codes.PUT, mtype=wire.CON, mid=1, token=b"\x01", uri_path=["g"],
                           payload=b"a" * 64, block1=Block(0, True, 2)), server.local_address)
        cont, _, _ = await peer.recv()
        assert cont.code == codes.CONTINUE
        peer.send(wire.new(codes.PUT, mtype=wire.CON, mid=2, token=b"\x02", uri_path=["g"],
                           payload=b"a" * 64, block1=Block(2, True, 2)), server.local_address)
        gap, _, _ = await peer.recv()
        assert gap.code == codes.REQUEST_ENTITY_INCOMPLETE        # §2.9.2: 4.08


async def _block1_sequence(server: Endpoint, peer: Any, nums: list[tuple[int, bool]]) -> list[Message]:
    """PUT /r in 16-byte Block1 blocks numbered ``nums`` (block n carries 16 bytes of chr(ord('a') + n))."""
    out = []
    for i, (num, more) in enumerate(nums):
        peer.send(wire.new(codes.PUT, mtype=wire.CON, mid=10 + i, token=bytes([10 + i]), uri_path=["r"],
                           payload=bytes([ord("a") + num]) * 16, block1=Block(num, more, 0)), server.local_address)
        out.append((await peer.recv())[0])
    return out


@aio
async def test_block1_repeated_block_taken_once() -> None:
    # §2.5: a repeat of the block the transfer is at (a new request, not a retransmission) changes nothing
    got: list[bytes] = []

    async def store(req: Message, remote: object) -> Message:
        got.append(req.payload)
        return wire.new(codes.CHANGED)

    async with endpoint_pair(store) as (server, _), raw_peer() as peer:
        answers = await _block1_sequence(server, peer, [(0, True), (1, True), (1, True), (2, False)])
    assert [a.code for a in answers] == [codes.CONTINUE] * 3 + [codes.CHANGED]
    assert tuple(answers[2].opt.block1) == (1, True, 0)
    assert got == [b"a" * 16 + b"b" * 16 + b"c" * 16]


@aio
async def test_block1_final_block_after_gap_is_4_08_unless_numbers_ignored() -> None:
    for ignore, expected in ((False, codes.REQUEST_ENTITY_INCOMPLETE), (True, codes.CONTENT)):
        async with endpoint_pair(echo) as (server, _), raw_peer() as peer:
            server.block1.ignore_numbers = ignore      # the seeded defect block1-numbers-ignored
            answers = await _block1_sequence(server, peer, [(0, True), (2, False)])
        assert [a.code for a in answers] == [codes.CONTINUE, expected]


@aio
async def test_block1_size1_announcement_refused_with_own_limit() -> None:
    for echoed, size1 in ((False, 1000), (True, 5000)):
        async with endpoint_pair(echo, max_body=1000) as (server, _), raw_peer() as peer:
            server.block1.size1_echoed = echoed        # the seeded defect too-large-size1-echoed
            peer.send(wire.new(codes.PUT, mtype=wire.CON, mid=1, token=b"\x01", uri_path=["big"], payload=b"z" * 16,
                               block1=Block(0, True, 0), size1=5000), server.local_address)
            resp, _, _ = await peer.recv()
        assert resp.code == codes.REQUEST_ENTITY_TOO_LARGE and resp.opt.size1 == size1   # RFC 7252 §5.10.9


@aio
async def test_block1_too_large_is_4_13_with_size1() -> None:
    async with endpoint_pair(echo, max_body=1000) as (server, client):
        resp = await blockwise.request(client, wire.new(codes.PUT, payload=b"z" * 3000, uri_path=["big"]),
                                       server.local_address)
        assert resp.code == codes.REQUEST_ENTITY_TOO_LARGE and resp.opt.size1 == 1000   # §2.9.3 + §4


@aio
async def test_block1_szx_renegotiation_on_4_13() -> None:
    # §2.9.3: a 4.13 with a Block1 option of smaller SZX asks the client to retry with that size
    seen: list[tuple] = []

    def respond(req: Message, remote: object) -> list:
        b1 = req.opt.block1
        seen.append(tuple(b1))
        if b1.size_exponent > 4:
            return [wire.new(codes.REQUEST_ENTITY_TOO_LARGE, mtype=wire.ACK, mid=req.mid, token=req.token,
                             block1=Block(0, False, 4))]
        code = codes.CONTINUE if b1.more else codes.CHANGED
        return [wire.new(code, mtype=wire.ACK, mid=req.mid, token=req.token, block1=b1)]

    async with raw_peer() as peer:
        peer.responder = respond
        client = await Endpoint(UdpTransport(), FAST).start()
        try:
            resp = await blockwise.request(client, wire.new(codes.PUT, payload=b"q" * 2000), peer.address)
        finally:
            client.close()
    assert resp.code == codes.CHANGED
    assert seen[0] == (0, True, 6) and seen[1] == (0, True, 4) and seen[-1] == (7, False, 4)  # 2000 B = 8 x 256


# --------------------------------------------------------------------------- Block2 (RFC 7959 §2.4)
@aio
async def test_block2_download_with_size2() -> None:
    body = bytes(range(256)) * 10   # 2560 bytes

    async def big(req: Message, remote: object) -> Message:
        return wire.new(codes.CONTENT, payload=body, content_format=42)

    async with endpoint_pair(big) as (server, client):
        ex: list = []
        resp = await blockwise.request(client, get("big"), server.local_address, exchanges=ex)
        assert resp.payload == body and int(resp.opt.content_format) == 42 and resp.opt.block2 is None
        assert [tuple(r.opt.block2) for _, r in ex] == [(0, True, 6), (1, True, 6), (2, False, 6)]
        assert ex[0][1].opt.size2 == len(body)                        # §4: Size2 on the first block
        # an explicit Size2=0 request on a small resource gets its size (§4)
        small = await client.request(wire.new(codes.GET, uri_path=["s"], size2=0), server.local_address)
        assert small.opt.block2 is not None or small.opt.size2 == len(body)


@aio
async def test_block2_smaller_block_requested_by_the_client() -> None:
    body = b"b" * 300

    async def big(req: Message, remote: object) -> Message:
        return wire.new(codes.CONTENT, payload=body)

    async with endpoint_pair(big) as (server, client):
        resp = await client.request(get("b", block2=Block(1, False, 3)), server.local_address)
        assert tuple(resp.opt.block2) == (1, True, 3) and resp.payload == body[128:256]


@aio
async def test_block2_blocks_come_from_the_representation_the_transfer_started_with() -> None:
    """A value that moves between blocks (a clock) does not mix representations (RFC 7959 §2.4); the next
    transfer starts from the current one."""
    calls = [0]

    async def moving(req: Message, remote: object) -> Message:
        calls[0] += 1
        return wire.new(codes.CONTENT, payload=bytes([calls[0]]) * 2000)

    async with endpoint_pair(moving) as (server, client):
        first = await blockwise.request(client, get("clock"), server.local_address)
        assert calls[0] == 2 and first.payload == bytes([1]) * 2000     # the handler ran for both blocks
        again = await blockwise.request(client, get("clock"), server.local_address)
        assert again.payload == bytes([3]) * 2000


@aio
async def test_block2_etag_change_is_a_protocol_error() -> None:
    body = b"e" * 40

    def respond(req: Message, remote: object) -> list:
        num = req.opt.block2.block_number if req.opt.block2 else 0
        return [wire.new(codes.CONTENT, mtype=wire.ACK, mid=req.mid, token=req.token,
                         payload=body[num * 16:(num + 1) * 16], etag=bytes([num]),
                         block2=Block(num, (num + 1) * 16 < len(body), 0))]

    async with raw_peer() as peer:
        peer.responder = respond
        client = await Endpoint(UdpTransport(), FAST).start()
        try:
            with pytest.raises(ProtocolError, match="ETag"):
                await blockwise.request(client, get("e"), peer.address)
        finally:
            client.close()


# --------------------------------------------------------------------------- Observe (RFC 7641)
class Subject:
    """A server-side resource that remembers its observers (what the simulator does)."""

    def __init__(self, initial_seq: int = 1) -> None:
        self.initial_seq = initial_seq
        self.observers: list[tuple[object, bytes]] = []
        self.deregistered: list[bytes] = []

    async def handle(self, req: Message, remote: object) -> Message:
        if req.opt.observe == 0:
            self.observers.append((remote, req.token))
            return wire.new(codes.CONTENT, payload=b"v0", observe=self.initial_seq)
        if req.opt.observe == 1:
            self.deregistered.append(req.token)
            self.observers = [o for o in self.observers if o[1] != req.token]
        return wire.new(codes.CONTENT, payload=b"plain")


def note(seq: int, payload: bytes) -> Message:
    return wire.new(codes.CONTENT, payload=payload, observe=seq)


@aio
async def test_observe_notifications_in_order_and_stale_flagged() -> None:
    subject = Subject()
    async with endpoint_pair(subject.handle) as (server, client):
        obs = await observe(client, get("o"), server.local_address)
        assert obs.established and obs.initial.payload == b"v0"
        remote, token = subject.observers[0]
        assert await server.notify(note(2, b"v2"), remote, token, confirmable=True) == "acked"
        assert await server.notify(note(3, b"v3"), remote, token, confirmable=False) == "sent"
        assert await server.notify(note(2, b"old"), remote, token, confirmable=True) == "acked"
        got = [await obs.next(1) for _ in range(3)]
        assert [n.message.payload for n in got] == [b"v2", b"v3", b"old"]
        assert [n.seq for n in got] == [2, 3, 2]
        assert [n.fresh for n in got] == [True, True, False]           # §3.4
        assert [n.confirmable for n in got] == [True, False, True]
        assert [n.message.payload for n in obs.stale] == [b"old"]


@aio
async def test_observe_sequence_wraps_around() -> None:
    subject = Subject(initial_seq=(1 << 24) - 3)
    async with endpoint_pair(subject.handle) as (server, client):
        obs = await observe(client, get("o"), server.local_address)
        remote, token = subject.observers[0]
        for seq in ((1 << 24) - 1, 0, 1, (1 << 24) - 2):
            await server.notify(note(seq, b"w"), remote, token, confirmable=True)
        got = [await obs.next(1) for _ in range(4)]
        assert [n.fresh for n in got] == [True, True, True, False]   # §3.4 across the 2^24 wrap


@aio
async def test_observe_cancel_by_rst_and_late_notifications() -> None:
    subject = Subject()
    replies: list[tuple] = []
    async with endpoint_pair(subject.handle) as (server, client):
        server.on_notification_reply = lambda remote, token, reset: replies.append((token, reset))
        obs = await observe(client, get("o"), server.local_address)
        remote, token = subject.observers[0]
        cancel = asyncio.ensure_future(obs.cancel_by_reset(1))
        await asyncio.sleep(0)
        assert await server.notify(note(5, b"x"), remote, token, confirmable=True) == "reset"  # §3.6
        n = await cancel
        assert n.seq == 5 and obs.cancelled
        # late notifications after the cancel are RST (CON and NON) and recorded
        assert await server.notify(note(6, b"late"), remote, token, confirmable=True) == "reset"
        assert await server.notify(note(7, b"late"), remote, token, confirmable=False) == "sent"
        await asyncio.sleep(0.05)
        assert replies == [(token, True)]
        assert [a.seq for a in obs.after_cancel] == [5, 6, 7]


@aio
async def test_observe_cancel_by_get_observe_1() -> None:
    subject = Subject()
    async with endpoint_pair(subject.handle) as (server, client):
        obs = await observe(client, get("o"), server.local_address)
        remote, token = subject.observers[0]
        resp = await obs.cancel_by_get(1)
        assert resp.code == codes.CONTENT and subject.deregistered == [token]   # §3.6: same token
        assert await server.notify(note(9, b"late"), remote, token, confirmable=True) == "reset"
        assert [a.seq for a in obs.after_cancel] == [9]


@aio
async def test_observe_refused_is_not_established() -> None:
    async with endpoint_pair(echo) as (server, client):
        obs = await observe(client, get("o"), server.local_address)
        assert not obs.established and obs.cancelled                # §3.2: no Observe in the response


# --------------------------------------------------------------------------- IPv6, raw path
def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback(), reason="::1 is not available on this host")
@aio
async def test_ipv6_loopback() -> None:
    async with endpoint_pair(echo, host="::1") as (server, client):
        assert ":" in server.local_address[0]
        resp = await client.request(get("six"), server.local_address)
        assert resp.payload == b"echo:"


@aio
async def test_exchange_raw() -> None:
    async with endpoint_pair(echo) as (server, client):
        ex = await client.exchange_raw(bytes.fromhex("40009876"), server.local_address, 1.0)
        evs = ex.events
        assert len(evs) == 1 and evs[0].raw == bytes.fromhex("70009876") and evs[0].problems == []
        assert ex.answers == evs and len(ex.sent) == 1
        # a claimed reply is consumed quietly: no RST back to a response nobody asked for
        req = wire.encode(get("raw", mtype=wire.CON, mid=0x3333, token=b"\x77"))
        evs = (await client.exchange_raw(req, server.local_address, 1.0)).events
        assert evs[0].message.code == codes.CONTENT and evs[0].message.mid == 0x3333
        silent = await client.exchange_raw(b"\x00", server.local_address, 0.05)   # version 0: ignored
        assert silent.events == [] and silent.first_answer is None


@aio
async def test_listeners_see_both_directions_and_a_broken_listener_is_harmless() -> None:
    async with endpoint_pair(echo) as (server, client):
        evs: list[WireEvent] = []
        client.listeners.append(lambda ev: 1 / 0)
        client.listeners.append(evs.append)
        await client.request(get("l"), server.local_address)
        assert [e.direction for e in evs] == ["out", "in"]
        assert evs[0].summary.startswith("CON GET /l")


# --------------------------------------------------------------------------- tokens
@aio
async def test_new_token_skips_tokens_in_use_and_reuses_released_ones() -> None:
    import random
    from meterproof.coap.observe import Observation

    first = random.Random(7)
    first.randrange(0, 65536)                               # the endpoint draws its first MID first
    predicted = first.getrandbits(32).to_bytes(4, "big")
    ep = Endpoint(UdpTransport(), FAST, rng=random.Random(7))
    await ep.start()
    try:
        obs = Observation(ep, get("o", token=predicted), ("127.0.0.1", 9))
        ep.register_observation(obs)
        ep.register_observation(obs)                        # idempotent
        rng_state = ep._rng.getstate()
        assert ep.new_token() != predicted                  # in use by an observation (any remote)
        ep.forget_observation(obs)
        ep.forget_observation(obs)
        assert ep._token_use == {}
        ep._rng.setstate(rng_state)
        assert ep.new_token() == predicted                  # released: the same draw is now free
    finally:
        ep.close()


@aio
async def test_tokens_are_released_after_requests_and_timeouts() -> None:
    params = TransmissionParams(ack_timeout=0.01, ack_random_factor=1.0, max_retransmit=0, max_latency=0.1)
    async with endpoint_pair(echo) as (server, client), raw_peer() as peer:
        for _ in range(5):
            await client.request(get("a"), server.local_address)
        silent = Endpoint(UdpTransport(), params)
        await silent.start()
        try:
            with pytest.raises(RequestTimeout):
                await silent.request(get("x"), peer.address)
            assert silent._token_use == {} and silent._pending_resp == {} and silent._pending_con == {}
        finally:
            silent.close()
        assert client._token_use == {} and client._pending_resp == {}


# --------------------------------------------------------------------------- options (RFC 7252 §5.4.1)
@aio
async def test_unrecognised_critical_option_gets_4_02_and_never_reaches_the_handler() -> None:
    handled: list[Message] = []

    async def record(req: Message, remote: object) -> Message:
        handled.append(req)
        return await echo(req, remote)

    async with endpoint_pair(record) as (server, client):
        server.recognized_options = wire.RECOGNIZED_OPTIONS
        resp = await client.request(wire.add_option(get("c"), 65001, b"\x01"), server.local_address)
        assert resp.code == codes.BAD_OPTION and b"65001" in resp.payload and not handled
        with pytest.raises(RequestTimeout):          # a NON with one is silently ignored
            await client.request(wire.add_option(get("n"), 65001), server.local_address, confirmable=False,
                                 timeout=0.3)
        resp = await client.request(wire.add_option(get("e"), 65000, b"\x01"), server.local_address)
        assert resp.code == codes.CONTENT and len(handled) == 1      # an elective one is ignored


def test_unrecognized_critical_lists_odd_unknown_numbers_only() -> None:
    msg = wire.add_option(wire.add_option(get("a", accept=0), 65001), 65000)
    assert wire.unrecognized_critical(msg) == [65001]


def test_server_socket_asks_for_a_larger_receive_buffer() -> None:
    """A server's one socket takes a fleet's burst of Registers: it asks for SERVER_RECEIVE_BUFFER (the kernel may
    cap it at net.core.rmem_max, never below the default), a device's socket keeps the system's default."""
    import socket as _socket

    from meterproof.coap.transport import SERVER_RECEIVE_BUFFER, UdpTransport

    async def sizes() -> tuple[int, int]:
        plain, server = UdpTransport(), UdpTransport(receive_buffer=SERVER_RECEIVE_BUFFER)
        await plain.open()
        await server.open()
        try:
            return tuple(t._transport.get_extra_info("socket").getsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF)
                         for t in (plain, server))   # type: ignore[return-value, union-attr]
        finally:
            plain.close()
            server.close()
    default, asked = asyncio.run(sizes())
    with open("/proc/sys/net/core/rmem_max") as f:
        cap = int(f.read())
    assert asked >= min(SERVER_RECEIVE_BUFFER, cap) and asked >= default
