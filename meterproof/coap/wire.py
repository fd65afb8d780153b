"""CoAP messages on the wire: encode/decode via aiocoap, plus a strict RFC 7252 §3 check.

aiocoap's decoder is lenient (it accepts a token shorter than TKL, an empty
payload after the 0xFF marker, ...).  A conformance harness must flag those, so
:func:`check` walks the raw bytes itself and returns every rule the datagram
breaks; :func:`decode` never raises anything but :class:`ProtocolError`.
"""

from __future__ import annotations

import warnings
from typing import Iterable

from aiocoap import Message
from aiocoap.numbers import codes, types

from ..errors import ProtocolError

CON, NON, ACK, RST = types.CON, types.NON, types.ACK, types.RST
Code = codes.Code

warnings.filterwarnings("ignore", category=DeprecationWarning, module="aiocoap")

#: Options an endpoint that serves LwM2M requests acts on: RFC 7252 §5.10 (If-Match, Uri-Host, ETag,
#: If-None-Match, Uri-Port, Location-Path, Uri-Path, Content-Format, Max-Age, Uri-Query, Accept,
#: Location-Query, Size1), RFC 7641 (Observe), RFC 7959 (Block1, Block2, Size2), RFC 7967 (No-Response).
#: Proxy-Uri / Proxy-Scheme (a forward proxy's) and OSCORE (RFC 8613) are not among them.
RECOGNIZED_OPTIONS = frozenset({1, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 17, 20, 23, 27, 28, 60, 258})


def add_option(msg: Message, number: int, value: bytes = b"") -> Message:
    """Add option ``number`` (any number, one aiocoap does not know included) with an opaque ``value``."""
    from aiocoap.numbers.optionnumbers import OptionNumber
    from aiocoap.optiontypes import OpaqueOption
    msg.opt.add_option(OpaqueOption(OptionNumber(number), value))
    return msg


def unrecognized_critical(msg: Message, recognized: frozenset[int] = RECOGNIZED_OPTIONS) -> list[int]:
    """Numbers of the critical options (odd numbers, RFC 7252 §5.4.6) in ``msg`` that are not ``recognized``."""
    return sorted({int(o.number) for o in msg.opt.option_list()
                   if int(o.number) & 1 and int(o.number) not in recognized})


def _extended(raw: bytes, pos: int, nibble: int) -> tuple[int, int]:
    """An option delta or length nibble with its extension bytes (RFC 7252 §3.1: 13 -> one byte + 13,
    14 -> two bytes + 269); returns (value, next position), value -1 when the extension is cut off."""
    if nibble == 13:
        return (raw[pos] + 13, pos + 1) if pos < len(raw) else (-1, pos)
    if nibble == 14:
        return (int.from_bytes(raw[pos:pos + 2], "big") + 269, pos + 2) if pos + 2 <= len(raw) else (-1, pos)
    return nibble, pos


def check(raw: bytes) -> list[str]:
    """Every RFC 7252 §3 message-format rule ``raw`` breaks (empty list if none)."""
    problems: list[str] = []
    n = len(raw)
    if n < 4:
        return [f"datagram of {n} bytes is shorter than the 4-byte CoAP header (RFC 7252 §3)"]
    ver = raw[0] >> 6
    mtype = (raw[0] >> 4) & 3
    tkl = raw[0] & 0x0F
    code = raw[1]
    if ver != 1:
        problems.append(f"version {ver}, must be 1 (RFC 7252 §3)")
    if tkl > 8:
        problems.append(f"token length {tkl} is reserved (9-15) (RFC 7252 §3)")
        return problems
    if 4 + tkl > n:
        problems.append(f"token length {tkl} but only {n - 4} bytes follow the header (RFC 7252 §3)")
        return problems
    cls = code >> 5
    if code == 0:
        if n > 4 or tkl:
            problems.append("empty message (code 0.00) must have no token, options or payload (RFC 7252 §4.1)")
    elif cls in (1, 6, 7):
        problems.append(f"code {cls}.{code & 31:02d} is from a reserved class (RFC 7252 §12.1)")
    if mtype == 2 and cls == 0 and code != 0:
        problems.append("ACK carrying a request code (RFC 7252 §4.2)")
    if mtype == 3 and code != 0:
        problems.append("RST must be empty (RFC 7252 §4.2)")
    problems.extend(option_problems(raw, 4 + tkl))
    return problems


def option_problems(raw: bytes, pos: int) -> list[str]:
    """Every RFC 7252 §3.1 option/payload-marker rule the bytes from ``pos`` on break: the options and payload
    of a message, whatever header came before them (RFC 8323 §3.2 keeps this part as it is over TCP)."""
    problems: list[str] = []
    n = len(raw)
    number = 0
    while pos < n:
        b = raw[pos]
        if b == 0xFF:
            if pos + 1 == n:
                problems.append("payload marker followed by a zero-length payload (RFC 7252 §3)")
            break
        pos += 1
        delta, length = b >> 4, b & 0x0F
        for label, nib in (("delta", delta), ("length", length)):
            if nib == 15:
                problems.append(f"option {label} nibble 15 is reserved (RFC 7252 §3.1)")
                return problems
        delta, pos = _extended(raw, pos, delta)
        if delta < 0:
            problems.append("truncated option delta extension (RFC 7252 §3.1)")
            return problems
        length, pos = _extended(raw, pos, length)
        if length < 0:
            problems.append("truncated option length extension (RFC 7252 §3.1)")
            return problems
        number += delta
        if number > 0xFFFF:
            problems.append(f"option number {number} exceeds 65535 (RFC 7252 §3.1)")
            return problems
        if pos + length > n:
            problems.append(f"option {number} value runs {pos + length - n} bytes past the datagram (RFC 7252 §3.1)")
            return problems
        pos += length
    return problems


def decode(raw: bytes, remote: object = None) -> Message:
    """Decode a datagram; any failure becomes :class:`ProtocolError`."""
    try:
        return Message.decode(bytes(raw), remote)
    except Exception as exc:  # aiocoap raises several types; all mean "unparsable"
        raise ProtocolError(f"unparsable CoAP message: {exc}") from None


def encode(msg: Message) -> bytes:
    return msg.encode()


def new(code: Code, *, mtype: types.Type | None = None, mid: int | None = None, token: bytes | None = None,
        payload: bytes = b"", uri_path: Iterable[str] | None = None, **opts: object) -> Message:
    """Build a message without aiocoap's deprecated constructor arguments."""
    msg = Message(code=code, payload=payload)
    if uri_path is not None:
        msg.opt.uri_path = tuple(uri_path)
    for k, v in opts.items():
        if v is not None:
            setattr(msg.opt, k, v)
    if mtype is not None:
        msg.mtype = mtype
    if mid is not None:
        msg.mid = mid
    if token is not None:
        msg.token = token
    return msg


def empty(mtype: types.Type, mid: int) -> Message:
    return new(codes.EMPTY, mtype=mtype, mid=mid, token=b"")


def summary(msg: Message) -> str:
    """One line for transcripts: ``CON GET /3/0 mid=12 tok=ab12 Accept=11542`` (over TCP, RFC 8323, no type and
    no message ID: ``GET /3/0 tok=ab12``; signals name their options: ``7.01 CSM max-message-size=1152``)."""
    if msg.mtype is None and msg.mid is None:
        parts = [str(msg.code)]
    else:
        parts = [msg.mtype.name if msg.mtype is not None else "?", str(msg.code)]
    if msg.code.is_request():
        path = "/" + "/".join(msg.opt.uri_path)
        if msg.opt.uri_query:
            path += "?" + "&".join(msg.opt.uri_query)
        parts.append(path)
    if msg.mid is not None or msg.mtype is not None:
        parts.append(f"mid={msg.mid}")
    if msg.token:
        parts.append(f"tok={msg.token.hex()}")
    for name in ("observe", "content_format", "accept", "block1", "block2", "size1", "size2"):
        v = getattr(msg.opt, name, None)
        if v is not None:
            parts.append(f"{name}={int(v) if name in ('content_format', 'accept') else v}")
    if msg.opt.location_path:
        parts.append("loc=/" + "/".join(msg.opt.location_path))
    if msg.payload:
        parts.append(f"{len(msg.payload)}B")
    return " ".join(parts)
