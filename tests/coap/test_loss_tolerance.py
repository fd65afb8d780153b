"""What the message layer does so that packet loss, duplication and reordering are never a finding:
duplicate detection for every CON and NON message (RFC 7252 §4.5), raw exchanges retransmitted by
CoAP's rules (meterproof/coap/raw.py), safe requests repeated after a lost exchange, and a
notification that crosses a cancelling GET (RFC 7641 §3.6)."""

from __future__ import annotations

import asyncio

from aiocoap import Message
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.endpoint import Endpoint, RequestTimeout, WireEvent
from meterproof.coap.observe import observe

from coap_support import FAST, LossyTransport, aio, endpoint_pair, raw_peer


def get(*path: str, **opts: object) -> Message:
    return wire.new(codes.GET, uri_path=path, **opts)


def drain(peer: object) -> None:
    """Forget what a scripted peer has received so far (its responder's requests land in the inbox too)."""
    while not peer.inbox.empty():  # type: ignore[attr-defined]
        peer.inbox.get_nowait()  # type: ignore[attr-defined]


def wire_log(ep: Endpoint) -> list[WireEvent]:
    evs: list[WireEvent] = []
    ep.listeners.append(evs.append)
    return evs


# --------------------------------------------------------------------------- duplicates (RFC 7252 §4.5)
@aio
async def test_a_duplicate_non_request_is_handled_once_and_not_answered_again() -> None:
    calls: list[bytes] = []

    async def count(req: Message, remote: object) -> Message:
        calls.append(req.token)
        return wire.new(codes.CONTENT, payload=b"%d" % len(calls))

    async with endpoint_pair(count) as (server, _), raw_peer() as peer:
        seen = wire_log(server)
        req = wire.encode(get("d", mtype=wire.NON, mid=0x5151, token=b"\x05"))
        peer.send(req, server.local_address)
        first, _, _ = await peer.recv()
        peer.send(req, server.local_address)                      # the network delivers it twice
        assert first.mtype == wire.NON and first.payload == b"1"
        assert await peer.silent(0.1) and calls == [b"\x05"]
        assert [ev.label for ev in seen if ev.direction == "in"] == ["", "duplicate"]
        assert server._dedup[(peer.address, 0x5151)].expiry - server.loop.time() <= FAST.non_lifetime


@aio
async def test_a_duplicated_non_notification_reaches_the_observation_once() -> None:
    async with endpoint_pair() as (_, client), raw_peer() as peer:
        peer.responder = lambda m, r: [wire.new(codes.CONTENT, mtype=wire.ACK, mid=m.mid, token=m.token,
                                                payload=b"v0", observe=1)]
        seen = wire_log(client)
        obs = await observe(client, get("o"), peer.address)
        peer.responder = None
        drain(peer)
        dup = wire.encode(wire.new(codes.CONTENT, mtype=wire.NON, mid=0x0707, token=obs.token, payload=b"v1",
                                   observe=2))
        peer.send(dup, client.local_address)
        peer.send(dup, client.local_address)
        await obs.next(1)
        await asyncio.sleep(0.05)
        assert [n.seq for n in obs.notifications] == [2] and obs.drain() == []
        assert [ev.label for ev in seen if ev.direction == "in" and ev.message.mid == 0x0707] == ["", "duplicate"]
        assert await peer.silent(0.05)                            # no RST for the copy: it was simply dropped


@aio
async def test_a_duplicated_separate_response_completes_the_exchange_once() -> None:
    async with endpoint_pair() as (_, client), raw_peer() as peer:
        seen = wire_log(client)
        task = asyncio.ensure_future(client.request(get("s"), peer.address))
        req, _, _ = await peer.recv()
        peer.send(wire.empty(wire.ACK, req.mid), client.local_address)
        con = wire.encode(wire.new(codes.CONTENT, mtype=wire.CON, mid=0x0909, token=req.token, payload=b"late"))
        non = wire.encode(wire.new(codes.CONTENT, mtype=wire.NON, mid=0x0A0A, token=b"\xee", payload=b"x"))
        peer.send(con, client.local_address)
        peer.send(con, client.local_address)                      # the response CON, duplicated
        resp = await task
        assert resp.payload == b"late"
        acks = [await peer.recv() for _ in range(2)]
        assert [(m.mtype, m.mid) for m, _, _ in acks] == [(wire.ACK, 0x0909)] * 2   # the copy gets the same ACK
        peer.send(non, client.local_address)
        peer.send(non, client.local_address)                      # a NON nobody wants, duplicated: one RST
        rst, _, _ = await peer.recv()
        assert rst.mtype == wire.RST and await peer.silent(0.05)
        labels = [ev.label for ev in seen if ev.direction == "in" and ev.message.mid in (0x0909, 0x0A0A)]
        assert labels == ["", "duplicate", "", "duplicate"]


@aio
async def test_a_notification_crossing_the_cancelling_get_is_no_answer_to_it() -> None:
    async with endpoint_pair() as (_, client), raw_peer() as peer:
        peer.responder = lambda m, r: [wire.new(codes.CONTENT, mtype=wire.ACK, mid=m.mid, token=m.token,
                                                payload=b"v0", observe=1)]
        obs = await observe(client, get("o"), peer.address)
        peer.responder = None
        drain(peer)
        cancel = asyncio.ensure_future(obs.cancel_by_get(2))
        first, _, _ = await peer.recv()                           # the GET with Observe=1 ...
        assert first.opt.observe == 1
        late = wire.new(codes.CONTENT, mtype=wire.NON, mid=0x0B0B, token=obs.token, payload=b"v5", observe=5)
        peer.send(late, client.local_address)                     # ... crossed by a notification
        again, _, _ = await peer.recv()                           # RST to the unwanted notification
        if again.mtype == wire.RST:
            again, _, _ = await peer.recv()
        assert again.mid == first.mid and again.opt.observe == 1  # the GET was still retransmitted
        peer.send(wire.new(codes.CONTENT, mtype=wire.ACK, mid=first.mid, token=obs.token, payload=b"plain"),
                  client.local_address)
        resp = await cancel
        assert resp.payload == b"plain" and resp.opt.observe is None
        assert [n.seq for n in obs.after_cancel] == [5]


@aio
async def test_observation_records_when_it_was_asked_for_and_answered() -> None:
    async with endpoint_pair() as (_, client), raw_peer() as peer:
        answered = 0

        def lose_first(m: Message, r: object) -> list:
            nonlocal answered
            answered += 1
            return [] if answered == 1 else [wire.new(codes.CONTENT, mtype=wire.ACK, mid=m.mid, token=m.token,
                                                      payload=b"v0", observe=1)]
        peer.responder = lose_first
        obs = await observe(client, get("o"), peer.address)
        assert obs.requested_at is not None and obs.established_at is not None
        assert obs.established_at - obs.requested_at >= FAST.ack_timeout     # one copy lost: a retransmission later


# --------------------------------------------------------------------------- safe requests repeated
@aio
async def test_a_safe_request_is_repeated_once_its_exchange_lost_every_copy_and_a_post_is_not() -> None:
    async def ok(req: Message, remote: object) -> Message:
        return wire.new(codes.CONTENT if req.code == codes.GET else codes.CHANGED)

    lossy = LossyTransport(drop_out=1 + FAST.max_retransmit)   # the whole first exchange is lost
    async with endpoint_pair(ok, client_transport=lossy) as (server, client):
        client.repeat_idempotent = 1
        resp = await client.request(get("r"), server.local_address)
        assert resp.code == codes.CONTENT
        mids = [int.from_bytes(d[2:4], "big") for _, d, _ in lossy.sent]
        assert len(set(mids)) == 2 and len(mids) == 2 + FAST.max_retransmit     # a new exchange: a new MID
        lossy.drop_out = 1 + FAST.max_retransmit
        try:
            await client.request(wire.new(codes.POST, uri_path=("r",)), server.local_address)
            raise AssertionError("a POST must not be repeated")
        except RequestTimeout:
            pass


# --------------------------------------------------------------------------- raw exchanges
@aio
async def test_a_raw_con_is_retransmitted_with_the_same_bytes_and_mid_until_answered() -> None:
    lossy = LossyTransport(drop_out=2)
    async with endpoint_pair(client_transport=lossy) as (server, client):
        raw = wire.encode(get("x", mtype=wire.CON, mid=0x1234, token=b"\x01"))
        ex = await client.exchange_raw(raw, server.local_address, 1.0)
        assert [d for _, d, _ in lossy.sent] == [raw] * 3                 # lost, lost, answered
        gaps = [b - a for a, b in zip(ex.sent, ex.sent[1:])]
        assert gaps[0] >= FAST.ack_timeout - 0.01 and gaps[1] >= 2 * FAST.ack_timeout - 0.01   # back-off
        assert ex.first_answer is not None and ex.first_answer.message.mid == 0x1234
        assert ex.answer_delay is not None and ex.answer_delay < FAST.ack_timeout           # after the copy that arrived
        assert "3 transmission(s)" in ex.describe()


@aio
async def test_a_raw_con_nobody_answers_goes_out_one_plus_max_retransmit_times() -> None:
    async with endpoint_pair() as (_, client), raw_peer() as peer:
        raw = wire.encode(get("x", mtype=wire.CON, mid=0x2222, token=b"\x02"))
        ex = await client.exchange_raw(raw, peer.address, 0.05)
        assert len(ex.sent) == 1 + FAST.max_retransmit and ex.first_answer is None
        assert ex.end - ex.sent[-1] < 0.1                                   # the last wait capped by timeout
        assert ex.silence == ex.end - ex.start


@aio
async def test_non_and_stray_messages_go_out_once() -> None:
    async with endpoint_pair() as (_, client), raw_peer() as peer:
        for raw in (wire.encode(get("n", mtype=wire.NON, mid=0x3333, token=b"\x03")),
                    wire.encode(wire.empty(wire.ACK, 0x4444))):
            ex = await client.exchange_raw(raw, peer.address, 0.05)
            assert len(ex.sent) == 1
        peer.responder = lambda m, r: [wire.empty(wire.RST, m.mid)] if m.mtype == wire.CON and m.code == codes.EMPTY else []
        stray = await client.exchange_raw(wire.encode(wire.empty(wire.RST, 0x4545)), peer.address, 0.2, heartbeat=0.02)
        assert stray.heartbeats and stray.end - stray.start >= 0.2      # answers to pings do not end the wait
        peer.responder = None
        con = wire.encode(get("c", mtype=wire.CON, mid=0x5555, token=b"\x05"))
        assert len((await client.exchange_raw(con, peer.address, 0.0)).sent) == 1   # timeout 0: fire and forget


@aio
async def test_heartbeat_tells_a_stalled_device_from_a_lossy_link() -> None:
    async with endpoint_pair() as (_, client), raw_peer() as peer:
        raw = wire.encode(get("h", mtype=wire.CON, mid=0x6666, token=b"\x06"))

        # a lossy link: the input's first copies are lost, every ping is answered
        copies = 0

        def lossy(m: Message, r: object) -> list:
            nonlocal copies
            if m.code == codes.EMPTY:
                return [wire.empty(wire.RST, m.mid)]
            copies += 1
            return [] if copies < 3 else [wire.new(codes.BAD_REQUEST, mtype=wire.ACK, mid=m.mid, token=m.token)]
        peer.responder = lossy
        ex = await client.exchange_raw(raw, peer.address, 1.0, heartbeat=0.02)
        assert ex.first_answer is not None and len(ex.sent) == 3 and ex.heartbeats
        assert ex.silence < 0.1                                            # alive throughout

        # a stall: nothing at all is answered for a while, then the input is
        loop = asyncio.get_running_loop()
        wake = loop.time() + 0.4

        def stalled(m: Message, r: object) -> list:
            if loop.time() < wake:
                return []
            if m.code == codes.EMPTY:
                return [wire.empty(wire.RST, m.mid)]
            return [wire.new(codes.BAD_REQUEST, mtype=wire.ACK, mid=m.mid, token=m.token)]
        peer.responder = stalled
        raw2 = wire.encode(get("h", mtype=wire.CON, mid=0x7777, token=b"\x07"))
        ex2 = await client.exchange_raw(raw2, peer.address, 1.0, heartbeat=0.02)
        assert ex2.first_answer is not None and ex2.silence >= 0.35       # silent to the input and every ping
