"""Hand-built CoAP datagrams at the byte level, for negative tests and the fuzzer.

aiocoap's :class:`~aiocoap.Message` refuses to encode what RFC 7252 §3 forbids,
so the messages a robustness case needs (a reserved option nibble, an ACK for
a message nobody sent) are built here from their fields, byte by byte.  Every
function returns ``bytes``; nothing here touches a socket (send them with
``Endpoint.send_raw`` / ``SyncServer.raw_send``).

Field layout (RFC 7252 §3)::

    Ver(2) T(2) TKL(4) | Code(8) | Message ID(16) | Token(TKL) | Options | 0xFF Payload

Options are delta-encoded (§3.1): a nibble of 13 or 14 announces a 1- or
2-byte extension, 15 is reserved for the payload marker and is a message
format error anywhere else.
"""

from __future__ import annotations

from typing import Iterable, Sequence

# message types (RFC 7252 §3)
CON, NON, ACK, RST = 0, 1, 2, 3
# codes as (class << 5) | detail
EMPTY, GET, POST, PUT, DELETE = 0x00, 0x01, 0x02, 0x03, 0x04
# option numbers (RFC 7252 §5.10, RFC 7959, RFC 7641)
OBSERVE, URI_PATH, CONTENT_FORMAT, URI_QUERY, ACCEPT = 6, 11, 12, 15, 17
PAYLOAD_MARKER = 0xFF
RESERVED_NIBBLE = 15


def header(mtype: int, code: int, mid: int, token: bytes = b"", *, version: int = 1,
           tkl: int | None = None) -> bytes:
    """The 4-byte header plus the token; ``tkl`` may lie about the token length."""
    n = len(token) if tkl is None else tkl
    if not 0 <= mtype <= 3 or not 0 <= n <= 15 or not 0 <= version <= 3:
        raise ValueError("type 0..3, token length 0..15, version 0..3")
    return bytes(((version << 6) | (mtype << 4) | n, code & 0xFF)) + (mid & 0xFFFF).to_bytes(2, "big") + token


def _nibble(x: int) -> tuple[int, bytes]:
    if x < 13:
        return x, b""
    if x < 269:
        return 13, bytes((x - 13,))
    if x < 65805:
        return 14, (x - 269).to_bytes(2, "big")
    raise ValueError(f"option delta/length {x} does not fit 16 bits + 269")


def option(delta: int, value: bytes = b"") -> bytes:
    """One well-formed option: its delta from the previous option number and its value."""
    dn, dext = _nibble(delta)
    ln, lext = _nibble(len(value))
    return bytes(((dn << 4) | ln,)) + dext + lext + value


def raw_option(delta_nibble: int, length_nibble: int, rest: bytes = b"") -> bytes:
    """An option byte with arbitrary nibbles (e.g. 15, reserved) followed by ``rest`` as is."""
    if not 0 <= delta_nibble <= 15 or not 0 <= length_nibble <= 15:
        raise ValueError("nibbles are 0..15")
    return bytes(((delta_nibble << 4) | length_nibble,)) + rest


def options(opts: Iterable[tuple[int, bytes]]) -> bytes:
    """Options given as (number, value), sorted by number and delta-encoded."""
    out, prev = [], 0
    for number, value in sorted(opts, key=lambda o: o[0]):
        out.append(option(number - prev, value))
        prev = number
    return b"".join(out)


def uint(v: int) -> bytes:
    """A uint option value (RFC 7252 §3.2): shortest big-endian form, 0 is empty."""
    return b"" if v == 0 else v.to_bytes((v.bit_length() + 7) // 8, "big")


def path_options(path: str) -> list[tuple[int, bytes]]:
    return [(URI_PATH, seg.encode()) for seg in path.strip("/").split("/") if seg]


def message(mtype: int, code: int, mid: int, token: bytes = b"", opts: Sequence[tuple[int, bytes]] = (),
            payload: bytes = b"", *, tail: bytes = b"") -> bytes:
    """A whole message; ``tail`` is appended after the options (before the payload marker) as is."""
    body = options(opts) + tail
    return header(mtype, code, mid, token) + body + ((bytes((PAYLOAD_MARKER,)) + payload) if payload else b"")


def request(code: int, path: str, mid: int, token: bytes = b"", *, mtype: int = CON,
            content_format: int | None = None, accept: int | None = None, payload: bytes = b"") -> bytes:
    """A well-formed request on an LwM2M path."""
    opts = path_options(path)
    if content_format is not None:
        opts.append((CONTENT_FORMAT, uint(content_format)))
    if accept is not None:
        opts.append((ACCEPT, uint(accept)))
    return message(mtype, code, mid, token, opts, payload)


def empty(mtype: int, mid: int) -> bytes:
    """An empty message (ACK, RST, or a CON ping)."""
    return header(mtype, EMPTY, mid)


def get_with_reserved_delta(path: str, mid: int, token: bytes = b"") -> bytes:
    """A CON GET on ``path`` followed by an option whose delta nibble is 15 (RFC 7252 §3.1:
    a message format error), e.g. ``... b4 '0' | f1 00``."""
    return message(CON, GET, mid, token, path_options(path), tail=raw_option(RESERVED_NIBBLE, 1, b"\x00"))


__all__ = ["ACCEPT", "ACK", "CON", "CONTENT_FORMAT", "DELETE", "EMPTY", "GET", "NON", "OBSERVE", "POST", "PUT",
           "RESERVED_NIBBLE", "RST", "URI_PATH", "URI_QUERY", "empty", "get_with_reserved_delta", "header",
           "message", "option", "options", "path_options", "raw_option", "request", "uint"]
