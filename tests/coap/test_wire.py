"""Known-answer vectors for the CoAP wire layer: :func:`wire.check`, encode/decode, the Block
option value (RFC 7959) and the Observe freshness rule (RFC 7641).

Every vector names its source beside it.  The hypothesis tests pin the two promises of
:mod:`meterproof.coap.wire`: ``check`` never raises on any bytes, ``decode`` raises nothing
but :class:`ProtocolError`.
"""

from __future__ import annotations

import pytest
from aiocoap.numbers import codes
from aiocoap.optiontypes import BlockOption
from hypothesis import given, settings
from hypothesis import strategies as st

from meterproof.coap import blockwise, wire
from meterproof.coap.observe import FRESHNESS_WINDOW, is_fresher
from meterproof.errors import ProtocolError

Block = BlockOption.BlockwiseTuple
H = bytes.fromhex


# --------------------------------------------------------------------------- RFC 7252 §3 header
# RFC 7252 Appendix A, Figure 16 ("Confirmable Request; Piggybacked Response"):
#   CON [0x7d34] GET /temperature  ->  ACK [0x7d34] 2.05 Content "22.3 C"
RFC7252_A_REQUEST = H("40017d34" "bb" + b"temperature".hex())
RFC7252_A_RESPONSE = H("60457d34" "ff" + b"22.3 C".hex())


def test_header_layout_rfc7252_appendix_a_request() -> None:
    # §3: Ver=01 T=00 (CON) TKL=0000 | Code 0.01 | Message ID 0x7d34; §3.1 Uri-Path (11), length 11 -> 0xbb
    msg = wire.new(codes.GET, mtype=wire.CON, mid=0x7D34, token=b"", uri_path=["temperature"])
    assert wire.encode(msg) == RFC7252_A_REQUEST
    assert wire.check(RFC7252_A_REQUEST) == []
    back = wire.decode(RFC7252_A_REQUEST)
    assert (back.mtype, back.code, back.mid, back.token, back.opt.uri_path) == \
        (wire.CON, codes.GET, 0x7D34, b"", ("temperature",))


def test_header_layout_rfc7252_appendix_a_piggybacked_response() -> None:
    # §3: T=10 (ACK) -> 0x60; Code 2.05 = 0b010_00101 = 0x45; 0xFF payload marker then the payload
    msg = wire.new(codes.CONTENT, mtype=wire.ACK, mid=0x7D34, token=b"", payload=b"22.3 C")
    assert wire.encode(msg) == RFC7252_A_RESPONSE
    assert wire.check(RFC7252_A_RESPONSE) == []
    back = wire.decode(RFC7252_A_RESPONSE)
    assert (back.mtype, back.code, back.payload) == (wire.ACK, codes.CONTENT, b"22.3 C")


@pytest.mark.parametrize("first, mtype, tkl", [
    (0x40, wire.CON, 0), (0x51, wire.NON, 1), (0x64, wire.ACK, 4), (0x78, wire.RST, 8),  # RFC 7252 §3: Ver|T|TKL
])
def test_first_byte_fields(first: int, mtype: object, tkl: int) -> None:
    code = 0x45 if mtype in (wire.ACK,) else (0x01 if mtype != wire.RST else 0x00)
    raw = bytes([first, code, 0x12, 0x34]) + bytes(range(1, tkl + 1))
    if mtype == wire.RST:
        raw = bytes([0x70, 0x00, 0x12, 0x34])   # RST is always Empty (RFC 7252 §4.2)
        tkl = 0
    msg = wire.decode(raw)
    assert msg.mtype == mtype and len(msg.token) == tkl and msg.mid == 0x1234
    assert wire.check(raw) == []


@pytest.mark.parametrize("raw, fragment", [
    (H(""), "shorter than the 4-byte"),                        # RFC 7252 §3: fixed 4-byte header
    (H("400100"), "shorter than the 4-byte"),
    (H("00017d34"), "version 0"),                              # RFC 7252 §3: Ver MUST be 1
    (H("80017d34"), "version 2"),
    (H("49017d34" "0102030405060708" "09"), "token length 9 is reserved"),  # §3: TKL 9-15 reserved
    (H("4f017d34"), "token length 15 is reserved"),
    (H("48017d34" "0102"), "token length 8 but only 2 bytes"),  # §3: token shorter than TKL
])
def test_header_errors(raw: bytes, fragment: str) -> None:
    problems = wire.check(raw)
    assert any(fragment in p for p in problems), problems


# --------------------------------------------------------------------------- RFC 7252 §3.1 options
@pytest.mark.parametrize("raw, number, value", [
    # §3.1: delta/length 0-12 in the nibble
    (H("40017d34" "b3" "616263"), 11, b"abc"),
    # §3.1 nibble 13: "An 8-bit unsigned integer follows ... the Option Delta minus 13" (23 = 13 + 10)
    (H("40017d34" "d1" "0a" "0b"), 23, b"\x0b"),
    # §3.1 nibble 13 for the length: 13-byte value -> length nibble 13, extension 0
    (H("40017d34" "bd" "00" + b"abcdefghijklm".hex()), 11, b"abcdefghijklm"),
    # §3.1 nibble 14: "A 16-bit unsigned integer ... minus 269" (option 269 = 269 + 0x0000)
    (H("40017d34" "e1" "0000" "07"), 269, b"\x07"),
    # §3.1 nibble 14 for the length: 269-byte value -> length nibble 14, extension 0x0000
    (H("40017d34" "be" "0000" + "61" * 269), 11, b"a" * 269),
])
def test_option_delta_and_length_extensions(raw: bytes, number: int, value: bytes) -> None:
    assert wire.check(raw) == []
    msg = wire.decode(raw)
    opts = {o.number: o for o in msg.opt.option_list()}
    assert int(number) in {int(n) for n in opts}
    if number == 11:
        assert msg.opt.uri_path == (value.decode(),)
        assert wire.encode(wire.new(codes.GET, mtype=wire.CON, mid=0x7D34, token=b"",
                                    uri_path=[value.decode()])) == raw


def test_encode_uses_delta_extension_for_block2() -> None:
    # §3.1: Block2 is option 23 -> first option delta 23 = nibble 13 + 0x0a; RFC 7959 §2.2 value 0x0b
    msg = wire.new(codes.GET, mtype=wire.CON, mid=0x1234, token=b"", block2=Block(0, True, 3))
    assert wire.encode(msg) == H("40011234" "d1" "0a" "0b")


@pytest.mark.parametrize("raw, fragment", [
    (H("40017d34" "f0"), "delta nibble 15 is reserved"),      # §3.1: 15 is the payload marker; else format error
    (H("40017d34" "0f"), "length nibble 15 is reserved"),     # §3.1: length 15 "MUST be processed as a message format error"
    (H("40017d34" "d1"), "truncated option delta extension"),  # §3.1: the 8-bit extension is missing
    (H("40017d34" "e1" "00"), "truncated option delta extension"),  # the 16-bit extension is cut
    (H("40017d34" "1d"), "truncated option length extension"),
    (H("40017d34" "1e" "00"), "truncated option length extension"),
    (H("40017d34" "13" "6162"), "value runs 1 bytes past the datagram"),
    # §3.1: the option number is the sum of deltas; more than 65535 cannot be an option
    (H("40017d34" "e0" "ffff" "e0" "ffff"), "exceeds 65535"),
])
def test_option_format_errors(raw: bytes, fragment: str) -> None:
    problems = wire.check(raw)
    assert any(fragment in p for p in problems), problems


# --------------------------------------------------------------------------- RFC 7252 §3 payload marker
def test_payload_marker_with_empty_payload_is_a_format_error() -> None:
    # §3: "The presence of a marker followed by a zero-length payload MUST be processed as a
    # message format error."  aiocoap's decoder accepts it; check() must not.
    raw = H("40017d34" "ff")
    assert any("zero-length payload" in p for p in wire.check(raw))
    assert wire.decode(raw).payload == b""  # (aiocoap is lenient: the reason check() exists)


def test_no_marker_without_payload() -> None:
    # §3: "If no payload is present, the Payload Marker MUST NOT be present" -> encoder omits it
    raw = wire.encode(wire.new(codes.CONTENT, mtype=wire.ACK, mid=1, token=b"", payload=b""))
    assert raw == H("60450001")


# --------------------------------------------------------------------------- RFC 7252 §4.1 empty message
def test_empty_message() -> None:
    # §4.1: code 0.00, TKL 0, nothing after the Message ID
    ping = wire.encode(wire.empty(wire.CON, 0x0102))
    assert ping == H("40000102")
    assert wire.check(ping) == []
    assert wire.encode(wire.empty(wire.RST, 0x0102)) == H("70000102")
    assert wire.encode(wire.empty(wire.ACK, 0xBEEF)) == H("6000beef")


@pytest.mark.parametrize("raw", [
    H("41000102" "aa"),        # §4.1: an Empty message with a token
    H("40000102" "b1" "61"),   # §4.1: ... with an option
    H("60000102" "ff" "00"),   # §4.1: ... with a payload
])
def test_empty_message_with_bytes_is_a_format_error(raw: bytes) -> None:
    assert any("empty message" in p for p in wire.check(raw))


# --------------------------------------------------------------------------- RFC 7252 §12.1 code classes
@pytest.mark.parametrize("code, reserved", [
    (0x01, False), (0x45, False), (0x84, False), (0xA0, False),   # 0.01 GET, 2.05, 4.04, 5.00
    (0x20, True), (0x3F, True), (0xC0, True), (0xE0, True),       # classes 1, 6, 7 are reserved
])
def test_reserved_code_classes(code: int, reserved: bool) -> None:
    mtype = 0x40 if code < 0x20 else 0x60  # requests as CON, responses as ACK
    problems = wire.check(bytes([mtype, code, 0, 1]))
    assert any("reserved class" in p for p in problems) is reserved, problems


def test_message_type_rules() -> None:
    assert any("ACK carrying a request code" in p for p in wire.check(H("60010001")))  # §4.2
    assert any("RST must be empty" in p for p in wire.check(H("70450001")))           # §4.2


# --------------------------------------------------------------------------- RFC 7959 §2.2 Block option
# Value = NUM << 4 | M << 3 | SZX, a 0-3 byte uint (RFC 7252 §3.2); block size 2**(SZX + 4).
@pytest.mark.parametrize("block, value", [
    (Block(0, False, 0), b""),              # §2.2: all three zero -> "a zero-byte integer will be sent"
    (Block(0, True, 3), H("0b")),           # §3 Figure 2: "2:0/1/128"
    (Block(1, True, 3), H("1b")),           # §3 Figure 2: "2:1/1/128"
    (Block(2, False, 3), H("23")),          # §3 Figure 2: "2:2/0/128" (last block)
    (Block(0, True, 6), H("0e")),           # §3 Figure 5: "1:0/1/1024"
    (Block(8, True, 3), H("8b")),           # §3 Figure 5: "1:8/1/128" (after renegotiation)
    (Block(10, False, 3), H("a3")),         # §3 Figure 5: "1:10/0/128"
    (Block(16, False, 6), H("0106")),       # §2.2: NUM > 15 needs a second byte
    (Block((1 << 20) - 1, True, 6), H("fffffe")),  # §2.2: NUM is at most 20 bits (3 bytes)
])
def test_block_option_value(block: Block, value: bytes) -> None:
    raw = wire.encode(wire.new(codes.GET, mtype=wire.CON, mid=0x1234, token=b"", block2=block))
    # option 23 = delta nibble 13 + extension 10; the length nibble is the value's length
    assert raw == H("40011234") + bytes([0xD0 | len(value), 0x0A]) + value
    back = wire.decode(raw).opt.block2
    assert (back.block_number, back.more, back.size_exponent) == tuple(block)


@pytest.mark.parametrize("szx, size", [(0, 16), (3, 128), (6, 1024)])  # §2.2: 2**(SZX + 4)
def test_block_size(szx: int, size: int) -> None:
    assert blockwise.block_size(szx) == size


# --------------------------------------------------------------------------- RFC 7641 §3.4 freshness
# (V1 < V2 and V2 - V1 < 2^23) or (V1 > V2 and V1 - V2 > 2^23) or (T2 > T1 + 128 seconds)
@pytest.mark.parametrize("v1, v2, fresher", [
    (1, 2, True), (2, 1, False), (7, 7, False),
    (0, (1 << 23) - 1, True),          # just inside the half window
    (0, 1 << 23, False),               # V2 - V1 == 2^23 is not "< 2^23"
    ((1 << 24) - 1, 0, True),          # wrap-around: 2^24-1 -> 0 is newer
    ((1 << 24) - 10, 5, True),
    (5, (1 << 24) - 10, False),        # ... and the reverse is older
    (1 << 23, 0, False),               # V1 - V2 == 2^23 is not "> 2^23"
    ((1 << 23) + 1, 0, True),
])
def test_observe_freshness_sequence(v1: int, v2: int, fresher: bool) -> None:
    assert is_fresher(v1, 100.0, v2, 100.0) is fresher


def test_observe_freshness_time() -> None:
    assert FRESHNESS_WINDOW == 128.0
    assert is_fresher(10, 0.0, 3, 128.5) is True     # T2 > T1 + 128 s: newer whatever the number
    assert is_fresher(10, 0.0, 3, 128.0) is False    # strictly greater


# --------------------------------------------------------------------------- properties
@settings(max_examples=600, deadline=None)
@given(st.binary(max_size=64) | st.builds(lambda h, t: h + t, st.binary(min_size=4, max_size=4), st.binary(max_size=40)))
def test_check_never_raises_and_decode_raises_only_protocol_error(raw: bytes) -> None:
    problems = wire.check(raw)
    assert isinstance(problems, list)
    try:
        wire.decode(raw)
    except ProtocolError:
        pass


@st.composite
def messages(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    mtype = draw(st.sampled_from([wire.CON, wire.NON, wire.ACK]))
    code = draw(st.sampled_from([codes.GET, codes.POST, codes.PUT, codes.FETCH]) if mtype != wire.ACK
                else st.sampled_from([codes.CONTENT, codes.CHANGED, codes.NOT_FOUND]))
    return wire.new(code, mtype=mtype, mid=draw(st.integers(0, 0xFFFF)), token=draw(st.binary(max_size=8)),
                    payload=draw(st.binary(max_size=300)),
                    uri_path=draw(st.lists(st.text(max_size=20), max_size=4)),
                    uri_query=tuple(draw(st.lists(st.text(max_size=300), max_size=2))),
                    content_format=draw(st.none() | st.integers(0, 65535)),
                    observe=draw(st.none() | st.integers(0, (1 << 24) - 1)),
                    block2=draw(st.none() | st.builds(Block, st.integers(0, (1 << 20) - 1), st.booleans(),
                                                      st.integers(0, 6))))


@settings(max_examples=300, deadline=None)
@given(messages())
def test_encoded_messages_pass_check_and_round_trip(msg) -> None:  # type: ignore[no-untyped-def]
    raw = wire.encode(msg)
    assert wire.check(raw) == []
    back = wire.decode(raw)  # (aiocoap refuses to re-encode an incoming message, so compare fields)
    assert [(o.number, o.encode()) for o in back.opt.option_list()] == \
        [(o.number, o.encode()) for o in msg.opt.option_list()]
    assert (back.mtype, back.code, back.mid, back.token, back.payload) == \
        (msg.mtype, msg.code, msg.mid, msg.token, msg.payload)
