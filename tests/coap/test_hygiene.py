"""The message-layer hygiene checker (meterproof.coap.hygiene) on hand-built datagram sequences: each rule seen
breaking, and what the specifications allow left alone."""

from __future__ import annotations

from aiocoap import Message
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.exchange_types import WireEvent
from meterproof.coap.hygiene import HygieneWatch

PEER = ("127.0.0.1", 5683)


class Wire:
    """A conversation with the peer: our datagrams and the peer's, with times."""

    def __init__(self, **kw: object) -> None:
        self.watch = HygieneWatch(10.0, 5.0, **kw)  # type: ignore[arg-type]
        self.t = 0.0
        self.found: list[str] = []

    def _ev(self, direction: str, msg: Message | None, raw: bytes | None = None, label: str = "") -> list[str]:
        self.t += 0.01
        raw = raw if raw is not None else wire.encode(msg)   # type: ignore[arg-type]
        problems = wire.check(raw) if direction == "in" or msg is None else []
        decoded = msg if msg is not None else (None if problems else wire.decode(raw))
        got = [b.rule.id for b in self.watch.feed(WireEvent(direction, PEER, raw, decoded, 0.0, self.t, problems,
                                                           label))]
        self.found.extend(got)
        return got

    def out(self, msg: Message | None = None, raw: bytes | None = None) -> list[str]:
        return self._ev("out", msg, raw, "raw" if msg is None else "")

    def inn(self, msg: Message | None = None, raw: bytes | None = None, label: str = "") -> list[str]:
        return self._ev("in", msg, raw, label)


def get(mid: int, token: bytes, mtype=wire.CON, observe: int | None = None) -> Message:
    return wire.new(codes.GET, mtype=mtype, mid=mid, token=token, uri_path=("3", "0", "0"), observe=observe)


def resp(mtype, mid: int, token: bytes, code=codes.CONTENT, observe: int | None = None) -> Message:
    return wire.new(code, mtype=mtype, mid=mid, token=token, payload=b"x", content_format=0, observe=observe)


def test_conformant_exchanges_break_nothing():
    w = Wire()
    w.out(get(1, b"\x01\x02"))
    w.inn(resp(wire.ACK, 1, b"\x01\x02"))                    # piggybacked
    w.out(get(2, b"\x03"))
    w.inn(wire.empty(wire.ACK, 2))                           # empty ACK, then a separate response
    w.inn(resp(wire.CON, 700, b"\x03"))
    w.out(wire.empty(wire.ACK, 700))
    w.out(get(3, b"\x04", observe=0))
    w.inn(resp(wire.ACK, 3, b"\x04", observe=5))
    w.inn(resp(wire.NON, 701, b"\x04", observe=6))           # notifications as NON
    w.inn(resp(wire.NON, 701, b"\x04", observe=6), label="duplicate")   # the network duplicated it
    w.inn(resp(wire.CON, 702, b"\x04", observe=7))
    w.out(get(4, b"\x05"))
    w.inn(wire.empty(wire.RST, 4))                           # RST to anything is allowed
    w.inn(wire.new(codes.POST, mtype=wire.CON, mid=703, token=b"\x09", uri_path=("rd",)))   # the peer's request
    assert w.found == []


def test_token_not_echoed_piggybacked_and_separate():
    w = Wire()
    w.out(get(1, b"\x01\x02\x03\x04\x05\x06\x07\x08"))
    assert w.inn(resp(wire.ACK, 1, b"\x01\x02\x03\x04")) == ["COAP-TOKEN-PIGGYBACKED"]
    w.out(get(2, b"\x0a"))
    w.inn(wire.empty(wire.ACK, 2))
    assert w.inn(resp(wire.CON, 900, b"\x0b")) == ["COAP-TOKEN-SEPARATE"]


def test_ack_rules_and_empty_non():
    w = Wire()
    assert w.inn(wire.empty(wire.ACK, 77)) == ["COAP-ACK-MID"]          # we never sent 77
    w.out(get(5, b"\x01", mtype=wire.NON))
    assert w.inn(resp(wire.ACK, 5, b"\x01")) == ["COAP-ACK-NON"]


def test_an_answer_to_a_datagram_of_another_version():
    """RFC 7252 §3: a message whose Version is not 1 is silently ignored, so any ACK or RST carrying its Message ID
    breaks that rule (and not the ACK rules: what was sent was no NON or CON at all)."""
    w = Wire()
    non_v0 = bytes([0x14, 0x85, 0xFF, 0xFE, 1, 2, 3, 4])      # version 0, type NON, TKL 4, MID 65534
    w.out(raw=non_v0)
    assert w.inn(resp(wire.ACK, 0xFFFE, b"")) == ["COAP-VERSION-IGNORED"]
    rst_v2 = bytes([0xB0, 0x00, 0x00, 0xC7])                  # version 2, type RST, MID 199
    w.out(raw=rst_v2)
    assert w.inn(wire.empty(wire.RST, 199)) == ["COAP-VERSION-IGNORED"]
    w.out(get(6, b"\x01"))
    assert w.inn(resp(wire.ACK, 6, b"\x01")) == []            # version 1 as before
    assert w.inn(raw=bytes([0x50, 0x00, 0x00, 0x09])) == ["COAP-NON-EMPTY"]


def test_malformed_datagram_and_mid_reuse():
    w = Wire()
    assert w.inn(raw=bytes([0x49, 0x45, 0x00, 0x01])) == ["COAP-FORMAT"]     # TKL 9
    post = wire.new(codes.POST, mtype=wire.CON, mid=40, token=b"\x01", uri_path=("rd",))
    other = wire.new(codes.POST, mtype=wire.CON, mid=40, token=b"\x02", uri_path=("dp",))
    w.inn(post)
    assert w.inn(post) == []                                   # a retransmission: the same bytes
    assert w.inn(other) == ["COAP-MID-REUSE"]


def test_observe_order_and_reordering_network():
    w = Wire()
    w.out(get(3, b"\x04", observe=0))
    w.inn(resp(wire.ACK, 3, b"\x04", observe=9))
    w.inn(resp(wire.NON, 10, b"\x04", observe=10))
    assert w.inn(resp(wire.NON, 11, b"\x04", observe=10)) == ["OBSERVE-ORDER"]
    r = Wire(reordering=True)
    r.out(get(3, b"\x04", observe=0))
    r.inn(resp(wire.ACK, 3, b"\x04", observe=9))
    assert r.inn(resp(wire.NON, 11, b"\x04", observe=8)) == []


def test_answers_to_what_we_sent_malformed_are_not_blamed():
    w = Wire()
    w.out(raw=bytes([0x49, 0x01, 0x00, 0x2a]) + b"\x01" * 9)   # TKL 9: no token to echo
    assert w.inn(resp(wire.ACK, 0x2a, b"")) == []
    assert w.inn(resp(wire.NON, 901, b"\xee")) == []           # a separate answer to it, token unreadable
    w2 = Wire()
    first = get(8, b"\x01\x01")
    w2.out(first)
    w2.out(get(8, b"\x00\x00"))                                # our own MID used again (a fuzz replay)
    assert w2.inn(resp(wire.ACK, 8, b"\x01\x01")) == []        # the peer's cached answer to the first
    w2.out(get(8, b"\x00\x00"))
    assert w2.inn(resp(wire.ACK, 8, b"\x01\x01")) == []


def test_reserved_block_size_exponent():
    """RFC 7959 §2.2: SZX 7 MUST NOT be sent; SZX 6 (1024 bytes) is the largest block."""
    w = Wire()
    w.out(get(9, b"\x09"))
    reserved = resp(wire.ACK, 9, b"\x09")
    reserved.opt.block2 = (0, True, 7)
    assert w.inn(reserved) == ["BLOCK-SZX-RESERVED"]
    w.out(get(10, b"\x0a"))
    largest = resp(wire.ACK, 10, b"\x0a")
    largest.opt.block2 = (0, True, 6)
    assert w.inn(largest) == []
