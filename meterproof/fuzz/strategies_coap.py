"""Hypothesis strategies for CoAP datagrams at the byte level, as a device's parser sees them.

Every strategy draws ``bytes``.  The shapes come from the bug corpus
(shared/reference/fuzzing-bug-classes.md §1.1-1.2 and the checklist in §6):

* :func:`datagrams` — header fields drawn independently (version 0-3, type,
  TKL 0-15 independent of the token bytes that follow, any code byte, any
  message ID), options as raw ``(delta nibble, length nibble, extension bytes,
  value)`` so nibble 13/14/15, missing or extra extension bytes, wrapping
  deltas (``E0 FE F2 C0``), lengths past the end, repeated options, more than
  40 options and numbers at bitmap edges are all reachable, then an odd tail
  (nothing, ``FF``, ``FF`` + payload, ``F0``, ``0F``, junk) — plus datagrams
  shorter than the header;
* :func:`unexpected_messages` — ACK, RST and responses with message IDs and
  tokens the device never used, every response code (assigned or not), 4.13
  with and without Size1, 2.31 Continue, responses with a truncated option;
* :func:`block_requests` — Block1/Block2 with SZX 7 (BERT, reserved over UDP),
  NUM up to 2^20-1, M on the last block, option values of 0-4 and >4 bytes,
  Size1/Size2 that lie, payloads shorter or longer than the block size;
* :func:`attribute_requests` — Write-Attributes / Discover with fuzzed URI
  queries (unknown names, names without ``=``, truncated percent escapes,
  int64 edges, NaN), some with malformed Uri-Query encodings;
* :func:`lwm2m_requests` — well-formed requests on the device's LwM2M paths
  carrying fuzzed payloads (TLV, SenML, text, CBOR, type confusion), which
  reach the deep code a random datagram never gets to.

Requests that a *conformant* device must act on in a disruptive way (reboot,
factory reset, disable, bootstrap, firmware update, writing the Server or
Security objects, deleting core instances) are never drawn: their effects
would read as crashes.  :func:`is_disruptive` is that filter.
"""

from __future__ import annotations

from typing import Sequence

from hypothesis import strategies as st

from ..coap import wire
from ..errors import ProtocolError
from . import packets
from .packets import ACK, CON, NON, RST

# --------------------------------------------------------------------------- vocabulary
#: Option numbers worth hitting: every registered one LwM2M uses, bitmap edges (39/40/41, 2048,
#: 65000, 65535; C2/C4/C17), the first critical/elective/unsafe of each kind, No-Response.
INTERESTING_OPTIONS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 17, 20, 23, 27, 28, 35, 39, 40, 41, 60,
                       63, 64, 258, 259, 292, 2048, 2049, 65000, 65535)
#: Codes: requests (1-7 incl. FETCH/PATCH/iPATCH), every assigned response, reserved classes 1/6/7.
REQUEST_CODES = (1, 2, 3, 4, 5, 6, 7)
RESPONSE_CODES = (0x41, 0x42, 0x43, 0x44, 0x45, 0x5F,                       # 2.01-2.05, 2.31
                  0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x88, 0x8C, 0x8D, 0x8F, 0x9D,  # 4.xx, 4.29
                  0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5)                       # 5.00-5.05
RESERVED_CODES = (0x20, 0x3F, 0xC0, 0xDF, 0xE0, 0xFF)
#: Object/instance/resource paths of a smart meter that are safe to poke (reads, writes of values).
SAFE_PATHS = ("/3/0/0", "/3/0/1", "/3/0/9", "/3/0/13", "/3/0/14", "/3/0", "/3", "/1/0/2", "/1/0/3",
              "/5/0/3", "/5/0/5", "/5/0", "/4/0", "/6/0", "/3303/0/5700", "/10242/0", "/10242/0/4",
              "/10243/0", "/10262/0", "/", "/99/0", "/3/7", "/3/0/99", "/3/0/11/0", "/.well-known/core")
#: (method code, path) pairs a conformant device turns into a reboot, a de-registration or a new
#: registration.  ``None`` as method = any method; a path ending in ``*`` is a prefix.
DISRUPTIVE = (
    (packets.POST, "/3/0/4"), (packets.POST, "/3/0/5"), (packets.POST, "/1/*"), (packets.POST, "/5/0/2"),
    (packets.POST, "/9/*"), (packets.POST, "/0/*"), (packets.POST, "/1"), (packets.POST, "/0"),
    (packets.POST, "/5/0"), (packets.POST, "/5/0/0"), (packets.POST, "/5/0/1"),
    (packets.PUT, "/1/*"), (packets.PUT, "/0/*"), (packets.PUT, "/1"), (packets.PUT, "/0"), (packets.PUT, "/"),
    (packets.PUT, "/5/0"), (packets.PUT, "/5/0/0"), (packets.PUT, "/5/0/1"), (packets.PUT, "/9/*"),
    (packets.DELETE, "*"), (7, "*"), (6, "*"),                    # DELETE, iPATCH, PATCH anywhere
)


def _disruptive_path(code: int, path: str) -> bool:
    for c, pat in DISRUPTIVE:
        if c != code:
            continue
        if pat == "*" or pat == path or (pat.endswith("/*") and (path + "/").startswith(pat[:-1])):
            return True
    return False


def is_disruptive(raw: bytes, root: Sequence[str] = ()) -> bool:
    """True for a request a conformant device would *obey* in a way that looks like a crash
    (reboot, factory reset, disable, bootstrap, firmware install, rewriting its servers).

    ``root`` is the device's alternate path (TS Core §6.2.1), stripped before matching."""
    if len(raw) < 4 or wire.check(raw):
        return False                       # malformed: a conformant device rejects it
    code = raw[1]
    if not 1 <= code <= 31:
        return False
    try:
        msg = wire.decode(raw)
    except ProtocolError:
        return False
    if code == packets.PUT and not msg.payload:
        return False                       # Write-Attributes (or an empty Write the device rejects)
    segs = list(msg.opt.uri_path)
    if root and segs[:len(root)] == list(root):
        segs = segs[len(root):]
    return _disruptive_path(code, "/" + "/".join(segs))


# --------------------------------------------------------------------------- options
def _ext_for(nibble: int, value: int) -> bytes:
    if nibble == 13:
        return bytes((value & 0xFF,))
    if nibble == 14:
        return (value & 0xFFFF).to_bytes(2, "big")
    return b""


@st.composite
def raw_option(draw: st.DrawFn, max_value: int = 24) -> bytes:
    """One option as raw bytes: any delta/length nibble (0-15), extension bytes that match the
    nibble, are cut short or overlong, and a value whose length may lie about the declared one."""
    dn = draw(st.one_of(st.integers(0, 12), st.sampled_from([13, 14, 15]), st.integers(0, 15)))
    ln = draw(st.one_of(st.integers(0, 12), st.sampled_from([13, 14, 15]), st.integers(0, 15)))
    dval = draw(st.one_of(st.integers(0, 255), st.sampled_from([0, 1, 0xFE, 0xFF, 0xFEF2, 0xFEF3, 0xFFFF]),
                          st.integers(0, 0xFFFF)))
    lval = draw(st.one_of(st.integers(0, 32), st.sampled_from([0, 1, 0xFF, 0xFEF3, 0xFFFF]), st.integers(0, 0xFFFF)))
    dext, lext = _ext_for(dn, dval), _ext_for(ln, lval)
    ext_mode = draw(st.sampled_from(["ok", "ok", "ok", "cut", "extra"]))
    ext = dext + lext
    if ext_mode == "cut" and ext:
        ext = ext[:draw(st.integers(0, len(ext) - 1))]
    elif ext_mode == "extra":
        ext += draw(st.binary(min_size=1, max_size=2))
    declared = ln if ln < 13 else lval + (13 if ln == 13 else 269) if ln < 15 else 0
    vlen = draw(st.one_of(st.just(min(declared, max_value)), st.integers(0, max_value)))
    return bytes(((dn << 4) | ln,)) + ext + draw(st.binary(min_size=vlen, max_size=vlen))


@st.composite
def wellformed_options(draw: st.DrawFn, max_options: int = 6) -> bytes:
    """Correctly encoded options with interesting numbers (repeats, > 40 options now and then)."""
    count = draw(st.one_of(st.integers(0, max_options), st.sampled_from([41, 45])))
    numbers = draw(st.lists(st.one_of(st.sampled_from(INTERESTING_OPTIONS), st.integers(0, 65535)),
                            min_size=count, max_size=count))
    big = st.binary(min_size=13, max_size=300) if count <= max_options else st.binary(max_size=2)
    opts = [(n, draw(st.one_of(st.binary(max_size=8), st.sampled_from([b"", b"0", b"3", b"\xff" * 4]), big)))
            for n in numbers]
    return packets.options(opts)


#: The option sequences the corpus names explicitly (C12/C25/C28 wrap, C13 zero-length last, C35).
SPECIAL_OPTION_BYTES = (
    bytes.fromhex("E0FEF2C0"),          # delta 65535 then delta 12: wraps to Uri-Path (C28)
    bytes.fromhex("E0FEF2E0FEF2"),      # two deltas of 65535: number 131070 (C12/C25)
    bytes.fromhex("D01B"),              # option number exactly 40, empty (C2)
    bytes.fromhex("F0"), bytes.fromhex("0F"), bytes.fromhex("FF"),   # nibble 15 / marker (C3)
    bytes.fromhex("D101"),              # nibble 13 with ext byte 01 (C35)
    bytes.fromhex("0EFEF3"),            # length 14 + 0xFEF3: 65536 bytes announced (C14)
    bytes.fromhex("D0"), bytes.fromhex("0D"), bytes.fromhex("E0FE"),  # extension cut at the end (C9/C15/C30)
    bytes.fromhex("F100"),              # reserved delta with a length (get_with_reserved_delta)
    bytes.fromhex("F1") + b"\x00",
    bytes.fromhex("B0"),                # zero-length Uri-Path (C33)
    bytes.fromhex("F0") * 3,
)

TAILS = st.one_of(
    st.just(b""), st.just(b"\xff"), st.just(b"\xf0"), st.just(b"\x0f"),
    st.sampled_from([b"\xd0", b"\x0d", b"\xe0\xfe", b"\x0e\x01", b"\xdd\x01"]),   # extension cut at the end
    st.binary(min_size=1, max_size=32).map(lambda p: b"\xff" + p),
    st.binary(max_size=8),
)


@st.composite
def options_bytes(draw: st.DrawFn) -> bytes:
    """The option part: well-formed, raw, special sequences, or a mix of them."""
    parts = draw(st.lists(st.one_of(wellformed_options(), raw_option(), st.sampled_from(SPECIAL_OPTION_BYTES)),
                          max_size=4))
    return b"".join(parts)


# --------------------------------------------------------------------------- whole datagrams
@st.composite
def header_fields(draw: st.DrawFn) -> tuple[int, int, int, int, int]:
    """(version, type, TKL, code, message ID), each drawn on its own."""
    ver = draw(st.one_of(st.just(1), st.integers(0, 3)))
    mtype = draw(st.integers(0, 3))
    tkl = draw(st.one_of(st.integers(0, 8), st.integers(9, 15)))
    code = draw(st.one_of(st.sampled_from(REQUEST_CODES), st.sampled_from(RESPONSE_CODES),
                          st.sampled_from(RESERVED_CODES), st.just(0), st.integers(0, 255)))
    mid = draw(st.integers(0, 0xFFFF))
    return ver, mtype, tkl, code, mid


@st.composite
def datagrams(draw: st.DrawFn) -> bytes:
    """Any CoAP-shaped datagram (see the module docstring); a few in eight are not even a header."""
    if draw(st.integers(0, 15)) == 0:
        return draw(st.binary(max_size=3))                       # shorter than the header (C1/C17)
    ver, mtype, tkl, code, mid = draw(header_fields())
    token_len = draw(st.one_of(st.just(min(tkl, 8)), st.integers(0, 16), st.just(tkl)))
    token = draw(st.binary(min_size=token_len, max_size=token_len))
    head = bytes(((ver << 6) | (mtype << 4) | tkl, code)) + mid.to_bytes(2, "big") + token
    shape = draw(st.integers(0, 7))
    if shape == 0:
        return head                                              # ends after header/token (C8/C22)
    if shape == 1:                                               # a clean start, then an extension cut at the end
        clean = bytes(((1 << 6) | (mtype << 4) | min(len(token), 8), code)) + mid.to_bytes(2, "big") + token[:8]
        return clean + draw(st.sampled_from([b"\xd0", b"\x0d", b"\xe0\xfe", b"\x0e\x01", b"\x1d", b"\x1e\x00"]))
    return head + draw(options_bytes()) + draw(TAILS)


# --------------------------------------------------------------------------- unexpected messages
def _token() -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(min_size=0, max_size=8), st.binary(min_size=4, max_size=4))


@st.composite
def unexpected_messages(draw: st.DrawFn) -> bytes:
    """Messages the device never asked for: stray ACK/RST, responses to nothing, odd response forms."""
    mid = draw(st.integers(0, 0xFFFF))
    kind = draw(st.sampled_from(["ack", "rst", "piggy", "separate", "non", "413", "231", "truncated", "rst-token"]))
    if kind == "ack":
        return packets.empty(ACK, mid)
    if kind == "rst":
        return packets.empty(RST, mid)
    if kind == "rst-token":                                      # RST that is not empty (C3 class)
        return packets.header(RST, 0, mid, draw(_token()))
    code = draw(st.one_of(st.sampled_from(RESPONSE_CODES), st.integers(0x40, 0xBF)))
    token = draw(_token())
    opts: list[tuple[int, bytes]] = []
    if draw(st.booleans()):
        opts.append((12, packets.uint(draw(st.sampled_from([0, 40, 42, 60, 110, 112, 11542, 11543, 65535])))))
    payload = draw(st.binary(max_size=24))
    if kind == "413":
        code = 0x8D
        if draw(st.booleans()):
            opts.append((60, packets.uint(draw(st.integers(0, 2**32 - 1)))))        # Size1
    elif kind == "231":
        code = 0x5F
        opts.append((27, packets.uint(draw(st.integers(0, 2**24 - 1)))))           # Block1
    mtype = {"piggy": ACK, "separate": CON, "non": NON}.get(kind, draw(st.sampled_from([ACK, CON, NON])))
    msg = packets.message(mtype, code, mid, token, opts, payload)
    if kind == "truncated":                                      # option announces 1 value byte, none follows (S2)
        msg = packets.header(mtype, code, mid, token) + packets.options(opts) + b"\x61"
    return msg


# --------------------------------------------------------------------------- block-wise
def block_value(num: int, more: bool, szx: int, *, length: int | None = None) -> bytes:
    """A Block1/Block2 option value (RFC 7959 §2.2); ``length`` forces the byte count (0-4 legal,
    more is the C21 shape)."""
    v = (num << 4) | (int(more) << 3) | (szx & 7)
    if length is None:
        return packets.uint(v)
    return (v & ((1 << (8 * length)) - 1)).to_bytes(length, "big")


@st.composite
def block_requests(draw: st.DrawFn, paths: Sequence[str] = SAFE_PATHS) -> bytes:
    """GET/PUT/POST/FETCH with block options at their edges (§6 item 7 of the reference)."""
    code = draw(st.sampled_from([packets.GET, packets.PUT, packets.POST, 5]))
    path = draw(st.sampled_from(list(paths)))
    num = draw(st.one_of(st.integers(0, 3), st.sampled_from([13, 0xFFFF, 2**20 - 1]), st.integers(0, 2**20 - 1)))
    szx = draw(st.one_of(st.integers(0, 6), st.just(7)))
    more = draw(st.booleans())
    length = draw(st.one_of(st.none(), st.integers(0, 6)))
    number = draw(st.sampled_from([23, 27]))                     # Block2, Block1
    opts = packets.path_options(path)
    opts.append((number, block_value(num, more, szx, length=length)))
    if draw(st.booleans()):
        opts.append((draw(st.sampled_from([60, 28])), packets.uint(draw(st.one_of(
            st.integers(0, 2048), st.sampled_from([0, 2**32 - 1]), st.integers(0, 2**32 - 1))))))
    if code in (packets.PUT, packets.POST, 5):
        opts.append((12, packets.uint(draw(st.sampled_from([0, 42, 11542, 110, 112])))))
    size = 1 << (min(szx, 6) + 4)
    plen = draw(st.one_of(st.just(size), st.integers(0, size + 16), st.just(size - 1)))
    payload = draw(st.binary(min_size=plen, max_size=plen)) if code != packets.GET else b""
    return packets.message(draw(st.sampled_from([CON, CON, NON])), code, draw(st.integers(0, 0xFFFF)),
                           draw(_token()), opts, payload)


# --------------------------------------------------------------------------- queries / attributes
ATTRIBUTE_NAMES = ("pmin", "pmax", "gt", "lt", "st", "epmin", "epmax", "con", "hqmax", "edge", "dim", "ver",
                   "depth", "foo", "PMIN", "", "=", "pmin ", "\u00e9")
ATTRIBUTE_VALUES = st.one_of(
    st.integers(-10, 100).map(str), st.sampled_from(["", "-1", "0", "1.5", "NaN", "inf", "-inf", "1e999",
                                                     "9223372036854775807", "-9223372036854775808",
                                                     "18446744073709551616", "0x10", " 5", "5 ", "%", "%A",
                                                     "%4", "%zz", "1%00", "\u0000"]),
    st.text(max_size=12))


@st.composite
def query_items(draw: st.DrawFn) -> list[bytes]:
    """Uri-Query values: ``name=value``, a name without ``=`` (P9), odd bytes, truncated escapes (P13)."""
    items = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(st.one_of(st.sampled_from(ATTRIBUTE_NAMES), st.text(max_size=6)))
        form = draw(st.sampled_from(["kv", "kv", "k", "raw"]))
        if form == "kv":
            items.append(f"{name}={draw(ATTRIBUTE_VALUES)}".encode("utf-8", "surrogatepass"))
        elif form == "k":
            items.append(name.encode("utf-8", "surrogatepass"))
        else:
            items.append(draw(st.binary(max_size=16)))
    return items


@st.composite
def attribute_requests(draw: st.DrawFn, paths: Sequence[str] = SAFE_PATHS) -> bytes:
    """Write-Attributes (PUT without payload) and Discover (GET Accept 40) carrying fuzzed queries;
    one in six with a Uri-Query whose length nibble is reserved or overruns the datagram (C10/C13)."""
    path = draw(st.sampled_from(list(paths)))
    code = draw(st.sampled_from([packets.PUT, packets.PUT, packets.GET]))
    opts = packets.path_options(path) + [(packets.URI_QUERY, q) for q in draw(query_items())]
    if code == packets.GET:
        opts.append((packets.ACCEPT, packets.uint(40)))
    mid = draw(st.integers(0, 0xFFFF))
    msg = packets.message(CON, code, mid, draw(_token()), opts)
    if draw(st.integers(0, 5)) == 0:
        # append a malformed Uri-Query after the last option (its delta relative to the last number)
        last = max((n for n, _ in opts), default=0)
        delta = max(0, packets.URI_QUERY - last)
        nib = draw(st.sampled_from([15, 13, 14, 2]))
        msg += bytes(((min(delta, 12) << 4) | nib,)) + draw(st.binary(max_size=2))
    return msg


# --------------------------------------------------------------------------- LwM2M requests with payloads
@st.composite
def lwm2m_requests(draw: st.DrawFn, payloads: st.SearchStrategy[tuple[int, bytes]],
                   paths: Sequence[str] = SAFE_PATHS, methods: Sequence[int] = (packets.PUT, packets.POST, 5)
                   ) -> bytes:
    """A well-formed request (Write, Write-Partial/Create/Execute, FETCH) on a device path whose
    payload comes from ``payloads`` (``(content format, bytes)`` pairs, see strategies_payloads)."""
    path = draw(st.sampled_from(list(paths)))
    cf, body = draw(payloads)
    code = draw(st.sampled_from(list(methods)))
    return packets.request(code, path, draw(st.integers(0, 0xFFFF)), draw(_token()), content_format=cf,
                           payload=body, mtype=draw(st.sampled_from([CON, CON, NON])))


def safe(strategy: st.SearchStrategy[bytes], root: Sequence[str] = ()) -> st.SearchStrategy[bytes]:
    """``strategy`` without the requests a conformant device obeys disruptively (:func:`is_disruptive`)."""
    return strategy.filter(lambda raw: not is_disruptive(raw, root))


def everything(payloads: st.SearchStrategy[tuple[int, bytes]] | None = None) -> st.SearchStrategy[bytes]:
    """The lab mix: raw datagrams, unexpected messages, block edges, attributes and (given payload
    strategies) LwM2M writes, all without disruptive requests."""
    parts = [datagrams(), datagrams(), unexpected_messages(), block_requests(), attribute_requests()]
    if payloads is not None:
        parts.append(lwm2m_requests(payloads))
    return safe(st.one_of(*parts))


__all__ = ["ATTRIBUTE_NAMES", "DISRUPTIVE", "INTERESTING_OPTIONS", "RESPONSE_CODES", "SAFE_PATHS",
           "SPECIAL_OPTION_BYTES", "attribute_requests", "block_requests", "block_value", "datagrams",
           "everything", "header_fields", "is_disruptive", "lwm2m_requests", "options_bytes", "query_items",
           "raw_option", "safe", "unexpected_messages", "wellformed_options"]
