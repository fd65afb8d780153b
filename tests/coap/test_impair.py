"""Network impairment (meterproof/coap/impair.py): the option's syntax, seeded and repeatable decisions,
what each knob does to the order and timing of datagrams, and the transport decorator over UDP, DTLS
(under the records) and any other transport."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.endpoint import Endpoint
from meterproof.coap.impair import ImpairedTransport, Impairer, Impairment
from meterproof.coap.transport import DatagramTransport, Remote, UdpTransport

from coap_support import FAST, aio


# --------------------------------------------------------------------------- the option's value
@pytest.mark.parametrize("text, expected", [
    ("loss=10,dup=5,reorder=10", Impairment(10, 5, 10)),
    ("loss=10,dup=5,reorder=10,delay=5-40ms", Impairment(10, 5, 10, 0.005, 0.040)),
    ("loss=2.5%, delay=7ms", Impairment(loss=2.5, delay_min=0.007, delay_max=0.007)),
])
def test_parse(text: str, expected: Impairment) -> None:
    assert Impairment.parse(text) == expected
    assert Impairment.parse(str(expected)) == expected          # str() writes what parse() reads


@pytest.mark.parametrize("text, says", [
    ("loss=150", "between 0 and 100"), ("loss", "is not KEY=VALUE"), ("jitter=3", "unknown setting 'jitter'"),
    ("delay=5-40", "milliseconds"), ("delay=40-5ms", "MIN must not exceed MAX"), ("loss=1,loss=2", "given twice"),
    ("loss=ten", "expected a percentage"),
])
def test_bad_values_say_what_to_write(text: str, says: str) -> None:
    with pytest.raises(ValueError) as info:
        Impairment.parse(text)
    msg = str(info.value)
    assert says in msg and "loss=PCT,dup=PCT,reorder=PCT[,delay=MIN-MAXms]" in msg and "\n" not in msg


# --------------------------------------------------------------------------- decisions
async def _through(imp: Impairment, seed: Any, n: int, settle: float = 0.0) -> tuple[Impairer, list[bytes]]:
    """Push ``n`` numbered datagrams out through an Impairer; what came out, in order."""
    got: list[bytes] = []
    imp_ = Impairer(imp, seed)
    for i in range(n):
        imp_.outgoing(i.to_bytes(2, "big"), ("h", 1), lambda d, a: got.append(d))
    await asyncio.sleep(settle or imp.hold + imp.delay_max + 0.05)
    return imp_, got


@aio
async def test_seeded_counts_repeat_exactly_and_match_the_percentages() -> None:
    imp = Impairment(loss=10, dup=5, reorder=10)
    a, got_a = await _through(imp, 42, 2000)
    b, got_b = await _through(imp, 42, 2000)
    c, _ = await _through(imp, 43, 2000)
    s = a.out.stats
    assert (s.seen, s.dropped, s.duplicated, s.reordered) == (2000, 205, 91, 166)     # seed 42, every run
    assert got_a == got_b and b.out.stats == s                                       # same seed: same fate
    assert c.out.stats != s                                                         # another seed: another
    assert len(got_a) == s.seen - s.dropped + s.duplicated                          # nothing else lost
    assert 160 < s.dropped < 240 and 60 < s.duplicated < 130 and 140 < s.reordered < 240


@aio
async def test_directions_have_their_own_random_streams() -> None:
    imp_ = Impairer(Impairment(loss=50), "s")
    out_fate, in_fate = [], []
    for i in range(200):
        imp_.outgoing(b"x", None, lambda d, a: out_fate.append(i))
        imp_.incoming(b"x", None, lambda d, a: in_fate.append(i))
    assert out_fate != in_fate and imp_.out.stats.dropped + imp_.inn.stats.dropped > 150


@aio
async def test_a_reordered_datagram_goes_right_after_its_successor() -> None:
    imp = Impairment(reorder=100)
    got: list[bytes] = []
    imp_ = Impairer(imp, 1)
    imp_.outgoing(b"A", None, lambda d, a: got.append(d))         # held back ...
    imp_.inn.imp = imp_.out.imp = Impairment()                    # ... the next one passes untouched
    imp_.outgoing(b"B", None, lambda d, a: got.append(d))
    assert got == [b"B", b"A"]
    imp_.out.imp = imp
    imp_.outgoing(b"C", None, lambda d, a: got.append(d))         # nothing follows: goes after the hold time
    assert got == [b"B", b"A"]
    await asyncio.sleep(imp.hold + 0.05)
    assert got == [b"B", b"A", b"C"]


@aio
async def test_delay_stays_within_its_range() -> None:
    loop = asyncio.get_running_loop()
    imp = Impairment(delay_min=0.02, delay_max=0.04)
    t0, times = loop.time(), []
    imp_ = Impairer(imp, 7)
    for _ in range(20):
        imp_.outgoing(b"d", None, lambda d, a: times.append(loop.time() - t0))
    await asyncio.sleep(0.1)
    assert len(times) == 20 and all(0.019 <= t <= 0.06 for t in times) and imp_.out.stats.delayed == 20


@aio
async def test_close_drops_what_is_still_in_flight() -> None:
    got: list[bytes] = []
    imp_ = Impairer(Impairment(delay_min=0.05, delay_max=0.05, reorder=0), 1)
    imp_.outgoing(b"late", None, lambda d, a: got.append(d))
    imp_.close()
    await asyncio.sleep(0.1)
    assert got == []


# --------------------------------------------------------------------------- the transport decorator
async def echo(req: Any, remote: object) -> Any:
    return wire.new(codes.CONTENT, payload=b"echo:" + req.payload)


@aio
async def test_udp_endpoints_talk_through_heavy_loss_and_the_counts_show_it() -> None:
    imp = Impairment(loss=30, dup=10, reorder=20, delay_min=0.001, delay_max=0.005)
    inner = UdpTransport()
    lossy = ImpairedTransport(inner, imp, seed="udp")
    assert inner.socket_filter is lossy.impairer                 # at the socket: under everything
    server = await Endpoint(UdpTransport(), FAST, handler=echo).start()
    client = await Endpoint(lossy, FAST).start()
    try:
        for i in range(20):
            resp = await client.request(wire.new(codes.GET, uri_path=("x",), payload=b"%d" % i), server.local_address)
            assert resp.payload == b"echo:%d" % i
        st = lossy.impairer
        assert st.out.stats.seen >= 20 and st.out.stats.dropped + st.inn.stats.dropped > 0
        assert lossy.local_address == inner.local_address and lossy.scheme == "coap"
    finally:
        client.close()
        server.close()


@aio
async def test_dtls_records_are_impaired_under_the_session_and_the_handshake_copes() -> None:
    from meterproof.dtls import DtlsClientTransport, DtlsServerTransport, DtlsSettings, Psk
    key = bytes(range(16))
    fast = dict(handshake_timeout_min=0.05, handshake_timeout_max=0.4)
    inner = DtlsServerTransport(settings=DtlsSettings(psk_lookup={"m": key}, **fast))
    lossy = ImpairedTransport(inner, Impairment(loss=20, dup=10, reorder=20), seed="dtls")
    server = await Endpoint(lossy, FAST, handler=echo).start()
    client = await Endpoint(DtlsClientTransport(settings=DtlsSettings(psk=Psk("m", key), **fast)), FAST).start()
    client.repeat_idempotent = 2
    try:
        await client.transport.connect(server.local_address)    # the handshake, its flights lost and resent
        for _ in range(5):
            resp = await client.request(wire.new(codes.GET, uri_path=("s",)), server.local_address)
            assert resp.payload == b"echo:"
        assert inner.socket_filter is lossy.impairer
        assert lossy.sessions and all(s.established for s in lossy.sessions.values())   # the inner's, reached through
        seen = lossy.impairer.inn.stats.seen
        assert seen > 5 and lossy.impairer.inn.stats.line().startswith(f"{seen} datagrams")
        assert any(r.retransmissions for r in inner.reports) or lossy.impairer.out.stats.dropped + \
            lossy.impairer.inn.stats.dropped > 0
    finally:
        client.close()
        server.close()


class _Pipe(DatagramTransport):
    """A transport that is no socket: sends land in ``wire``; ``deliver`` plays an incoming datagram."""

    def __init__(self) -> None:
        self.wire: list[bytes] = []
        self.errors = "inner's"

    async def open(self) -> None:
        pass

    def send(self, data: bytes, remote: Remote) -> None:
        self.wire.append(data)

    def close(self) -> None:
        pass

    @property
    def local_address(self) -> tuple[str, int]:
        return ("pipe", 0)

    def deliver(self, data: bytes) -> None:
        assert self.on_datagram is not None
        self.on_datagram(data, "peer")


@aio
async def test_any_other_transport_is_impaired_at_its_send_and_receive() -> None:
    pipe = _Pipe()
    t = ImpairedTransport(pipe, Impairment(loss=100), seed=0)
    got: list[bytes] = []
    t.on_datagram = lambda d, r: got.append(d)
    t.send(b"out", "peer")
    pipe.deliver(b"in")
    assert pipe.wire == [] and got == [] and t.impairer.out.stats.dropped == t.impairer.inn.stats.dropped == 1
    assert t.errors == "inner's"                                     # everything else is the wrapped transport's
