"""Hypothesis strategies for malformed LwM2M payloads: TLV, SenML JSON/CBOR, link format, text.

The well-formed value trees live in :mod:`.strategies_values`; this module draws
the shapes a device's decoders choke on (reference §3.3 and the payload rows
P1-P15 of the bug corpus):

* :func:`tlv_payloads` — records of every type (object instance, resource
  instance, multiple resource, resource), 8- and 16-bit identifiers (ids >= 256
  with 24-bit lengths, P11), every length type (in-type 0-7, 8-, 16-, 24-bit,
  non-minimal included), nesting up to three levels, declared lengths that lie
  (0, true±1, 255/256/65535/65536, 2^24-1: P1/P3), integers of 0/3/5 bytes and
  floats of 1-3 bytes (P4), truncated last records;
* :func:`senml_json_payloads` / :func:`senml_cbor_payloads` — records without
  ``n``, ``bn`` only (P8), int64 and float edges (P6/P10), NaN/inf, text vs
  integer CBOR labels (P14), truncated documents, payloads > 255 bytes (P4);
* :func:`link_payloads` — CoRE link format with unterminated ``<``, stray
  ``,]`` (P14), attributes without value, huge numbers, quotes left open;
* :func:`text_payloads` — plain-text numbers at the int64 edges (P6), NaN.

``payloads()`` draws ``(content format, bytes)`` pairs, including type
confusion: a body declared as another format than it is (P7).
"""

from __future__ import annotations

import json
import math
import struct

import cbor2
from hypothesis import strategies as st

from ..lwm2m.contentformat import CF

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
LYING_LENGTHS = (0, 1, 7, 8, 255, 256, 65535, 65536, (1 << 24) - 1)
EDGE_INTS = (0, -1, 1, 127, 128, -128, -129, 255, 256, 65535, 65536, INT64_MIN, INT64_MAX, INT64_MIN + 1,
             (1 << 64) - 1, 1 << 64, -(1 << 64))
EDGE_FLOATS = (0.0, -0.0, 1e308, -1e308, 5e-324, math.inf, -math.inf, math.nan, 3.4028235e38, 1.5)


# --------------------------------------------------------------------------- TLV
def tlv_type_byte(kind: int, id16: bool, length_type: int, inline_len: int = 0) -> int:
    """Bits 7-6 kind, bit 5 identifier width, bits 4-3 length type, bits 2-0 in-type length."""
    return (kind << 6) | (int(id16) << 5) | (length_type << 3) | (inline_len & 7)


@st.composite
def tlv_value(draw: st.DrawFn) -> bytes:
    """A value body: proper ints/floats/strings and the wrong-width ones (P4)."""
    return draw(st.one_of(
        st.sampled_from([b"", b"\x00", b"\x01\x02\x03", b"\x00" * 5, b"\x3f", b"\x3f\x80", b"\x3f\x80\x00",
                         b"\x00\x00\x00\x00\x00\x00\x00\x80", b"\x80" + b"\x00" * 7, b"\xff" * 8, b"\x00\x01\x00",
                         struct.pack(">d", math.nan), struct.pack(">f", math.inf)]),
        st.binary(max_size=12), st.text(max_size=8).map(lambda t: t.encode("utf-8", "surrogatepass"))))


@st.composite
def tlv_record(draw: st.DrawFn, depth: int = 0) -> bytes:
    """One TLV record whose header may use any identifier width, any length type and a lying length."""
    kind = draw(st.integers(0, 3))
    ident = draw(st.one_of(st.integers(0, 10), st.sampled_from([0, 255, 256, 65534, 65535]), st.integers(0, 65535)))
    id16 = ident > 255 or draw(st.integers(0, 7)) == 0
    if kind in (0, 2) and depth < 3 and draw(st.booleans()):
        body = b"".join(draw(st.lists(tlv_record(depth + 1), max_size=3)))
    else:
        body = draw(tlv_value())
    true_len = len(body)
    length = draw(st.one_of(st.just(true_len), st.just(true_len), st.sampled_from(LYING_LENGTHS),
                            st.sampled_from([max(0, true_len - 1), true_len + 1])))
    lt = draw(st.one_of(st.just(0 if length < 8 else 1 if length < 256 else 2 if length < 65536 else 3),
                        st.integers(0, 3)))
    if lt == 0:
        head = bytes((tlv_type_byte(kind, id16, 0, length),))
        if length > 7:
            # in-type length cannot say it: the header lies by construction (length & 7)
            pass
    else:
        head = bytes((tlv_type_byte(kind, id16, lt),))
    head += (ident & 0xFFFF).to_bytes(2 if id16 else 1, "big")
    if lt:
        head += (length & ((1 << (8 * lt)) - 1)).to_bytes(lt, "big")
    if draw(st.integers(0, 9)) == 0:
        body = body[:draw(st.integers(0, len(body)))] if body else b""  # cut the value short
    return head + body


@st.composite
def tlv_payloads(draw: st.DrawFn) -> bytes:
    """A TLV payload: one to four records, sometimes with the last one truncated mid-header (P3)."""
    out = b"".join(draw(st.lists(tlv_record(), min_size=1, max_size=4)))
    if draw(st.integers(0, 7)) == 0 and out:
        out = out[:draw(st.integers(1, len(out)))]
    return out


def lying_tlv(ident: int = 1, claimed: int = 32, body: bytes = b"\x0e\x10") -> bytes:
    """A resource TLV whose length field claims ``claimed`` bytes while ``body`` follows (P1/P3)."""
    lt = 1 if claimed < 256 else 2 if claimed < 65536 else 3
    return bytes((tlv_type_byte(3, ident > 255, lt),)) + ident.to_bytes(2 if ident > 255 else 1, "big") + \
        claimed.to_bytes(lt, "big") + body


# --------------------------------------------------------------------------- SenML
_SENML_NAMES = st.one_of(st.sampled_from(["/3/0/0", "/3/0/9", "0", "", "/", "//", "/3/0/", "/65535/65535/65535",
                                          "/3/0/11/0", "/a/b", "/3/-1/0", "/99999999/0/0"]), st.text(max_size=10))
_SENML_VALUES = st.one_of(st.sampled_from(EDGE_INTS), st.sampled_from(EDGE_FLOATS), st.booleans(), st.none(),
                          st.text(max_size=10), st.lists(st.integers(), max_size=2))


@st.composite
def senml_records(draw: st.DrawFn, cbor_labels: bool) -> list[dict]:
    """A SenML pack (list of dicts) with missing, extra, duplicated and mistyped fields."""
    pack = []
    for _ in range(draw(st.integers(0, 4))):
        rec: dict = {}
        for label in draw(st.lists(st.sampled_from(["bn", "bt", "n", "v", "vs", "vb", "vd", "vlo", "t", "bv", "u",
                                                    "x"]), max_size=4, unique=True)):
            if label in ("bn", "n", "vs", "vlo", "u"):
                rec[label] = draw(_SENML_NAMES)
            elif label == "vb":
                rec[label] = draw(st.one_of(st.booleans(), st.integers(0, 2)))
            elif label == "vd":
                rec[label] = draw(st.one_of(st.text(max_size=8), st.binary(max_size=8)))
            else:
                rec[label] = draw(_SENML_VALUES)
        pack.append(rec)
    if not pack or draw(st.integers(0, 5)) == 0:
        pack.append({"bn": "/3/0/"})                             # bn only (P8)
    if draw(st.integers(0, 7)) == 0:
        pack.extend({"n": f"/3/0/{i % 10}", "v": i} for i in range(30))   # > 255 bytes (P4)
    return pack


_CBOR_LABELS = {"bn": -2, "bt": -3, "n": 0, "u": 1, "v": 2, "vs": 3, "vb": 4, "vd": 8, "t": 6, "bv": -5,
                "vlo": "vlo"}


@st.composite
def senml_json_payloads(draw: st.DrawFn) -> bytes:
    pack = draw(senml_records(False))
    try:
        text = json.dumps([{k: (v.hex() if isinstance(v, bytes) else v) for k, v in r.items()} for r in pack],
                          allow_nan=True)
    except (TypeError, ValueError):
        text = "[]"
    mode = draw(st.sampled_from(["ok", "ok", "ok", "cut", "object", "junk"]))
    if mode == "cut" and text:
        text = text[:draw(st.integers(0, len(text) - 1))]           # unterminated strings/arrays
    elif mode == "object":
        text = text[1:-1] or "{}"
    elif mode == "junk":
        text = text + draw(st.sampled_from(["]", ",", '"', "\x00", "}"]))
    return text.encode("utf-8", "surrogatepass")


@st.composite
def senml_cbor_payloads(draw: st.DrawFn) -> bytes:
    pack = draw(senml_records(True))
    text_labels = draw(st.integers(0, 4)) == 0                       # "0" instead of 0 (P14)
    items = [{(str(_CBOR_LABELS.get(k, k)) if text_labels else _CBOR_LABELS.get(k, k)): v for k, v in r.items()}
             for r in pack]
    try:
        raw = cbor2.dumps(items)
    except (TypeError, ValueError, OverflowError, cbor2.CBOREncodeError):
        raw = b"\x80"
    if draw(st.integers(0, 5)) == 0 and raw:
        raw = raw[:draw(st.integers(0, len(raw) - 1))]              # truncated
    if draw(st.integers(0, 9)) == 0:
        raw = draw(st.sampled_from([b"\x9f", b"\xbf", b"\x5b" + b"\xff" * 8, b"\x7b\x00\x00\x00\x01\x00\x00\x00",
                                    b"\xc6" * 64 + b"\x00", b"\x81" * 200 + b"\x00"]))   # indefinite, huge, deep
    return raw


# --------------------------------------------------------------------------- link format, text
@st.composite
def link_payloads(draw: st.DrawFn) -> bytes:
    """CoRE link format (RFC 6690) as a device or server emits it, and broken variants."""
    links = []
    for _ in range(draw(st.integers(0, 5))):
        target = draw(st.one_of(st.sampled_from(["/1/0", "/3/0", "/", "/3/0/0", "/65535/65535", "/-1",
                                                 "/3/0/0/0/0", "", "/a b", "/3/0>"]), st.text(max_size=8)))
        attrs = draw(st.lists(st.one_of(
            st.sampled_from(['ver=1.1', 'ver="1.1"', 'rt="oma.lwm2m"', "rt=oma.lwm2m", 'ct=11542', "ct=",
                             "pmin", "pmin=", "pmax=99999999999999999999", 'dim=-1', 'ssid="', "lt=NaN",
                             "gt=1e999", "=", ";"]),
            st.text(max_size=6)), max_size=3))
        links.append("<" + target + ">" + "".join(";" + a for a in attrs))
    text = ",".join(links)
    tail = draw(st.sampled_from(["", "", ",", ",]", "<", "<\x00>", ";", '"', ">"]))
    return (text + tail).encode("utf-8", "surrogatepass")


TEXT_NUMBERS = ("-9223372036854775808", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                "18446744073709551615", "18446744073709551616", "0", "-0", "1e999", "NaN", "-inf", "", " ",
                "0x10", "1.", ".5", "--1", "+1", "1_000")


def text_payloads() -> st.SearchStrategy[bytes]:
    return st.one_of(st.sampled_from(TEXT_NUMBERS).map(str.encode), st.binary(max_size=16))


# --------------------------------------------------------------------------- (content format, body)
def payloads() -> st.SearchStrategy[tuple[int, bytes]]:
    """``(content format, body)``: each format with its own malformed bodies, plus type confusion."""
    right = st.one_of(
        tlv_payloads().map(lambda b: (int(CF.TLV), b)),
        senml_json_payloads().map(lambda b: (int(CF.SENML_JSON), b)),
        senml_cbor_payloads().map(lambda b: (int(CF.SENML_CBOR), b)),
        text_payloads().map(lambda b: (int(CF.TEXT), b)),
        st.binary(max_size=16).map(lambda b: (int(CF.OPAQUE), b)),
    )
    bodies = st.one_of(tlv_payloads(), senml_json_payloads(), senml_cbor_payloads(), link_payloads(),
                       text_payloads())
    confused = st.tuples(st.sampled_from([int(CF.TLV), int(CF.SENML_JSON), int(CF.SENML_CBOR), int(CF.TEXT),
                                          int(CF.LINK), 60, 11543, 11544, 65535]), bodies)
    return st.one_of(right, right, confused)


def senml_payloads() -> st.SearchStrategy[tuple[int, bytes]]:
    """SenML JSON and CBOR bodies under their own content format, or declared as another (P7)."""
    bodies = st.one_of(senml_json_payloads().map(lambda b: (int(CF.SENML_JSON), b)),
                       senml_cbor_payloads().map(lambda b: (int(CF.SENML_CBOR), b)))
    return st.one_of(bodies, bodies, bodies, st.tuples(
        st.sampled_from([int(CF.TLV), int(CF.SENML_CBOR), int(CF.SENML_JSON), int(CF.TEXT)]),
        st.one_of(senml_json_payloads(), senml_cbor_payloads())))


__all__ = ["EDGE_FLOATS", "EDGE_INTS", "LYING_LENGTHS", "TEXT_NUMBERS", "link_payloads", "lying_tlv", "payloads",
           "senml_cbor_payloads", "senml_json_payloads", "senml_payloads", "senml_records", "text_payloads",
           "tlv_payloads", "tlv_record", "tlv_type_byte", "tlv_value"]
