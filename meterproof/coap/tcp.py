"""CoAP over reliable transports (RFC 8323): the message framing on a byte stream and the signalling messages.

Sans-IO, as :mod:`.wire` is for datagrams: pure functions from bytes to messages and back, and a
:class:`FrameBuffer` that cuts a TCP (or TLS) byte stream into messages.  The byte layout is
aiocoap's (``aiocoap.transports.tcp``: ``_serialize``, ``_decode_message``, ``_extract_message_size``);
this module adds what a conformance harness needs on top of it:

* :func:`check` -- every RFC 8323 §3.2 framing rule one message breaks (reserved TKL 9-15, a Len that
  disagrees with the bytes, and the RFC 7252 §3.1 option rules :func:`.wire.option_problems` checks);
* the signalling messages of §5 (codes 7.01-7.05) with their options: :func:`csm` builds a
  Capabilities and Settings Message (§5.3: Max-Message-Size §5.3.1, Block-Wise-Transfer §5.3.2),
  :func:`ping`, :func:`pong`, :func:`release`, :func:`abort`; :class:`PeerSettings` is what a peer's
  CSMs said (Max-Message-Size defaults to 1152 bytes, §5.3.1; BERT is in use when the peer claims
  Block-Wise-Transfer and a Max-Message-Size above 1152, §5.3.2 / §6).

There are no message types and no message IDs (§3.2): a response is matched to its request by the
token alone; :func:`summary` of :mod:`.wire` prints such a message without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiocoap import Message
from aiocoap.numbers import codes
from aiocoap.optiontypes import OpaqueOption, UintOption
from aiocoap.transports.tcp import _decode_message, _extract_message_size, _serialize

from ..errors import ProtocolError
from . import wire

CSM, PING, PONG, RELEASE, ABORT = codes.CSM, codes.PING, codes.PONG, codes.RELEASE, codes.ABORT
SIGNALS = frozenset({CSM, PING, PONG, RELEASE, ABORT})

#: §5.3.1: the Max-Message-Size a peer assumes until the other's CSM says otherwise (1024 + 128).
BASE_MAX_MESSAGE_SIZE = 1152
#: §5.3: option numbers inside a 7.01 CSM
OPT_MAX_MESSAGE_SIZE, OPT_BLOCK_WISE = 2, 4
#: §5.4: Custody in 7.02 Ping / 7.03 Pong
OPT_CUSTODY = 2
#: §5.5: Alternative-Address, Hold-Off in 7.04 Release; §5.6: Bad-CSM-Option in 7.05 Abort
OPT_ALTERNATIVE_ADDRESS, OPT_HOLD_OFF, OPT_BAD_CSM_OPTION = 2, 4, 2
#: The signalling options each code defines (RFC 8323 §5.3-§5.6); any other critical (odd) one is an error.
KNOWN_SIGNAL_OPTIONS = {CSM: {OPT_MAX_MESSAGE_SIZE, OPT_BLOCK_WISE}, PING: {OPT_CUSTODY}, PONG: {OPT_CUSTODY},
                        RELEASE: {OPT_ALTERNATIVE_ADDRESS, OPT_HOLD_OFF}, ABORT: {OPT_BAD_CSM_OPTION}}


def frame_length(buf: bytes) -> int | None:
    """The length of the whole message at the start of ``buf`` (header, token, options and payload), or None
    when ``buf`` does not yet hold its Len and Extended Length fields (§3.2)."""
    parts = _extract_message_size(bytes(buf[:5]))
    if parts is None:
        return None
    offset, tkl, length = parts
    return offset + tkl + length


def check(frame: bytes) -> list[str]:
    """Every RFC 8323 §3.2 framing rule one whole message breaks (empty list if none)."""
    parts = _extract_message_size(bytes(frame[:5])) if frame else None
    if parts is None:
        return [f"message of {len(frame)} bytes is shorter than its Len/Extended Length field (RFC 8323 §3.2)"]
    offset, tkl, length = parts
    if tkl > 8:
        return [f"token length {tkl} is reserved (9-15) (RFC 8323 §3.2, RFC 7252 §3)"]
    if offset + tkl > len(frame):
        return [f"token length {tkl} but only {len(frame) - offset} bytes follow the header (RFC 8323 §3.2)"]
    if offset + tkl + length != len(frame):
        return [f"Len says {length} bytes of options and payload, the message holds {len(frame) - offset - tkl} "
                f"(RFC 8323 §3.2)"]
    problems: list[str] = []
    code = frame[offset - 1]
    cls = code >> 5
    if code == 0:
        problems.append("code 0.00 has no meaning over a reliable transport: there is no empty message "
                        "(RFC 8323 §3.2, §4.4)")
    elif cls in (1, 6) or (cls == 7 and code not in SIGNALS):
        problems.append(f"code {cls}.{code & 31:02d} is reserved (RFC 7252 §12.1, RFC 8323 §11.1)")
    problems.extend(wire.option_problems(frame, offset + tkl))
    return problems


def decode(frame: bytes) -> Message:
    """One whole message (as :class:`FrameBuffer` cuts it); any failure becomes :class:`ProtocolError`."""
    try:
        return _decode_message(bytes(frame))
    except Exception as exc:  # aiocoap raises several types; all mean "unparsable"
        raise ProtocolError(f"unparsable CoAP-over-TCP message: {exc}") from None


def encode(msg: Message) -> bytes:
    """The RFC 8323 §3.2 bytes of ``msg`` (its type and message ID, if any, are not on the wire)."""
    return _serialize(msg)


def _signal(code: codes.Code, options: dict[int, int | bytes], token: bytes = b"", payload: bytes = b"") -> Message:
    msg = Message(code=code, payload=payload)
    msg.token = token
    for number, value in options.items():
        if isinstance(value, int):
            msg.opt.add_option(UintOption(number, value))
        else:
            msg.opt.add_option(OpaqueOption(number, value))
    return msg


def csm(max_message_size: int | None = BASE_MAX_MESSAGE_SIZE, block_wise: bool = True) -> Message:
    """A 7.01 CSM (§5.3): Max-Message-Size (left out when None: the peer then assumes 1152) and the
    Block-Wise-Transfer option (empty: elective, its presence is the claim)."""
    opts: dict[int, int | bytes] = {}
    if max_message_size is not None:
        opts[OPT_MAX_MESSAGE_SIZE] = max_message_size
    if block_wise:
        opts[OPT_BLOCK_WISE] = b""
    return _signal(CSM, opts)


def ping(token: bytes = b"", custody: bool = False) -> Message:
    """A 7.02 Ping (§5.4); the peer MUST answer with a Pong carrying the same token."""
    return _signal(PING, {OPT_CUSTODY: b""} if custody else {}, token)


def pong(to: Message) -> Message:
    """The 7.03 Pong answering the Ping ``to`` (§5.4: same token)."""
    return _signal(PONG, {}, to.token)


def release(hold_off: int | None = None) -> Message:
    """A 7.04 Release (§5.5): the sender will close the connection."""
    return _signal(RELEASE, {OPT_HOLD_OFF: hold_off} if hold_off is not None else {})


def abort(reason: str = "", bad_csm_option: int | None = None) -> Message:
    """A 7.05 Abort (§5.6) with a diagnostic payload."""
    return _signal(ABORT, {OPT_BAD_CSM_OPTION: bad_csm_option} if bad_csm_option is not None else {},
                   payload=reason.encode()[:200])


def signal_options(msg: Message) -> dict[int, bytes]:
    """A signalling message's options by number (their meaning depends on the code, §5.2)."""
    return {int(o.number): bytes(o.encode()) for o in msg.opt.option_list()}


@dataclass
class PeerSettings:
    """What a peer's CSMs said (§5.3): later CSMs update what earlier ones set (§5.3, "updates")."""

    csm_received: bool = False
    max_message_size: int = BASE_MAX_MESSAGE_SIZE
    block_wise: bool = False
    #: unknown critical options in a CSM: a connection error (§5.3: "MUST ... abort")
    problems: list[str] = field(default_factory=list)

    @property
    def bert(self) -> bool:
        """The peer takes BERT blocks (§5.3.2: Block-Wise-Transfer and Max-Message-Size above 1152)."""
        return self.block_wise and self.max_message_size > BASE_MAX_MESSAGE_SIZE

    def update(self, msg: Message) -> None:
        """Take in one 7.01 CSM."""
        self.csm_received = True
        for number, value in signal_options(msg).items():
            if number == OPT_MAX_MESSAGE_SIZE:
                self.max_message_size = int.from_bytes(value, "big")
            elif number == OPT_BLOCK_WISE:
                self.block_wise = True
            elif number & 1:
                self.problems.append(f"CSM carries unknown critical option {number} (RFC 8323 §5.3)")

    def describe(self) -> str:
        if not self.csm_received:
            return "no CSM"
        return (f"CSM Max-Message-Size {self.max_message_size}"
                f"{', Block-Wise-Transfer' if self.block_wise else ''}{' (BERT)' if self.bert else ''}")


class FrameBuffer:
    """Cuts a byte stream into whole messages (§3.2), refusing one longer than ``max_size`` bytes."""

    def __init__(self, max_size: int = 8 * 1024 * 1024) -> None:
        self.max_size = max_size
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Every whole message ``data`` completes; raises :class:`ProtocolError` when a message announces more
        than ``max_size`` bytes (the stream cannot be resynchronised: the connection must go)."""
        self._buf += data
        out: list[bytes] = []
        while True:
            n = frame_length(self._buf)
            if n is None:
                break
            if n > self.max_size:
                raise ProtocolError(f"a message announces {n} bytes, more than the {self.max_size} this side takes "
                                    f"(RFC 8323 §5.3.1)")
            if len(self._buf) < n:
                break
            out.append(bytes(self._buf[:n]))
            del self._buf[:n]
        return out

    @property
    def pending(self) -> int:
        """Bytes of an incomplete message held back."""
        return len(self._buf)


__all__ = ["ABORT", "BASE_MAX_MESSAGE_SIZE", "CSM", "FrameBuffer", "PING", "PONG", "PeerSettings", "RELEASE",
           "SIGNALS", "abort", "check", "csm", "decode", "encode", "frame_length", "ping", "pong", "release",
           "signal_options"]
