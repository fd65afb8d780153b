"""Message-layer hygiene: every datagram a peer sends, judged against the rules of RFC 7252 and RFC 7641 that
hold whatever the exchange was for.

A :class:`HygieneWatch` sees every datagram of one endpoint (both directions, as :class:`~.exchange_types.WireEvent`
records) for a whole session and returns, for each datagram the *peer* sent, the rules it breaks.  What the
watch remembers of our own datagrams is the context those rules need: the Message IDs of our CON and NON
messages (an ACK echoes the ID of a CON, RFC 7252 §4.2; a NON is never acknowledged, §4.3) and the tokens of our
requests (a response carries its request's token, §5.3.2).  The rules are data (:data:`RULES`), each with its
level: a MUST breach fails the case it happened in, a SHOULD breach is a warning.

What the watch does not blame:

* answers to what we sent malformed on purpose (a robustness or fuzz case's raw bytes): a request whose token
  could not be read cannot be echoed, so a reply with that Message ID, and a separate response while such a
  request may still be answered, are left to the case that sent it;
* an empty ACK followed by a separate response, RST to anything, notifications as NON, ETags, Block options:
  all allowed, nothing to judge here;
* on a network that reorders datagrams (``reordering``), the Observe order of arrival (RFC 7641 §4.4 orders
  notifications by their Observe values precisely because the network may reorder them).

Pure: no sockets, no clock of its own (times come from the events), so it is tested with hand-built events.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Hashable

from aiocoap import Message
from aiocoap.numbers import codes

from . import wire
from .exchange_types import WireEvent
from .observe import is_fresher
from .params import DEFAULT


@dataclass(frozen=True)
class Rule:
    id: str
    level: str          # "MUST" (a failure) or "SHOULD" (a warning)
    clause: str
    text: str


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("COAP-FORMAT", "MUST", "RFC 7252 §3 (message format)", "a datagram that is not a well-formed CoAP message"),
    Rule("COAP-NON-EMPTY", "MUST", "RFC 7252 §4.3", "a Non-confirmable message MUST NOT be Empty"),
    Rule("COAP-ACK-MID", "MUST", "RFC 7252 §4.2",
         "an Acknowledgement MUST echo the Message ID of the Confirmable message it acknowledges"),
    Rule("COAP-ACK-NON", "MUST", "RFC 7252 §4.3", "a Non-confirmable message MUST NOT be acknowledged"),
    Rule("COAP-VERSION-IGNORED", "MUST", "RFC 7252 §3 (Version)",
         "messages with unknown version numbers MUST be silently ignored"),
    Rule("COAP-TOKEN-PIGGYBACKED", "MUST", "RFC 7252 §5.3.2",
         "in a piggybacked response the tokens of the response and the original request MUST match"),
    Rule("COAP-TOKEN-SEPARATE", "MUST", "RFC 7252 §5.3.2 (RFC 7641 §3.2 for notifications)",
         "in a separate response (or a notification) the tokens of the response and the original request MUST "
         "match"),
    Rule("COAP-MID-REUSE", "MUST", "RFC 7252 §4.4",
         "the same Message ID MUST NOT be reused with the same endpoint within EXCHANGE_LIFETIME"),
    Rule("OBSERVE-ORDER", "MUST", "RFC 7641 §4.4 (the notifier's sequence numbers; as MP-IR-SEQ)",
         "each notification of an observation carries an Observe value fresher than the previous one"),
    Rule("BLOCK-SZX-RESERVED", "MUST", "RFC 7959 §2.2",
         "the value 7 for SZX is reserved: it MUST NOT be sent (over UDP; RFC 8323 §6 gives it to BERT on TCP)"),
)}


@dataclass(frozen=True)
class Breach:
    """One datagram of the peer breaking one rule."""

    rule: Rule
    time: float          # loop time of the datagram
    datagram: str        # its one-line summary
    detail: str

    def __str__(self) -> str:
        return f"{self.rule.id} ({self.rule.level}, {self.rule.clause}): {self.detail} [{self.datagram}]"


@dataclass
class _Sent:
    mtype: int
    token: bytes | None     # None: no token to compare with (malformed on purpose, or the Message ID used twice)
    request: bool
    time: float
    raw: bytes
    version: int = 1


def _header(raw: bytes) -> tuple[int, int, int, bytes | None] | None:
    """Version, type, Message ID and token of our own datagram, read from its bytes (None: not even a header)."""
    if len(raw) < 4:
        return None
    tkl = raw[0] & 0x0F
    token = raw[4:4 + tkl] if tkl <= 8 and 4 + tkl <= len(raw) else None
    return raw[0] >> 6, (raw[0] >> 4) & 3, int.from_bytes(raw[2:4], "big"), token


class HygieneWatch:
    """The session-long context of one endpoint and the rules each peer datagram breaks."""

    def __init__(self, exchange_lifetime: float, non_lifetime: float, *, reordering: bool = False,
                 max_tokens: int = 200_000) -> None:
        self.exchange_lifetime = exchange_lifetime
        #: how long our own Message IDs are remembered: the peer's EXCHANGE_LIFETIME, which may be the RFC's
        #: default however short ours is (a peer's deduplication answers a reused ID from its cache that long)
        self.memory = max(exchange_lifetime, DEFAULT.exchange_lifetime)
        self.non_lifetime = non_lifetime
        self.reordering = reordering
        self.max_tokens = max_tokens
        self._sent: OrderedDict[tuple[Hashable, int], _Sent] = OrderedDict()     # our CON/NON by (remote, MID)
        self._tokens: OrderedDict[tuple[Hashable, bytes], float] = OrderedDict()  # our request tokens
        self._malformed: dict[Hashable, float] = {}     # remote -> when we last sent it unreadable bytes
        self._received: OrderedDict[tuple[Hashable, int], tuple[bytes, float, bool]] = OrderedDict()
        self._observe: dict[tuple[Hashable, bytes], tuple[int, float]] = {}

    # ------------------------------------------------------------------ our datagrams: context
    def _ours(self, ev: WireEvent) -> None:
        head = _header(ev.raw)
        if head is None:
            self._malformed[ev.remote] = ev.mono_time
            return
        version, mtype, mid, token = head
        msg = ev.message
        if msg is None:
            try:
                msg = wire.decode(ev.raw)
            except Exception:
                msg = None
        broken = bool(ev.problems) or msg is None or token is None
        if broken:
            self._malformed[ev.remote] = ev.mono_time
        request = msg is not None and msg.code.is_request()
        if version != 1 or mtype in (wire.CON, wire.NON):     # any type: a message of another version is no CoAP
            key = (ev.remote, mid)
            before = self._sent.get(key)
            # Our own Message ID used again for another message (a fuzz case's hand-built datagrams, replayed as it
            # shrinks an input): the peer rightly answers a duplicate with the answer it cached for the first
            # (RFC 7252 §4.5), so while that may be so the token is not judged.
            reused = before is not None and ev.mono_time - before.time <= self.memory \
                and (before.raw != ev.raw or before.token is None)
            self._sent[key] = _Sent(mtype, None if broken or reused else token, request, ev.mono_time, bytes(ev.raw),
                                    version)
            self._sent.move_to_end(key)
        if request and not broken and token is not None:
            self._tokens[(ev.remote, token)] = ev.mono_time
            self._tokens.move_to_end((ev.remote, token))
            if msg is not None and msg.opt.observe == 0:
                self._observe.pop((ev.remote, token), None)     # a new registration starts a new sequence
        self._expire(ev.mono_time)

    def _expire(self, now: float) -> None:
        while self._sent:
            key, s = next(iter(self._sent.items()))
            if now - s.time <= self.memory:
                break
            del self._sent[key]
        while self._received:
            key, (_, t, _) = next(iter(self._received.items()))
            if now - t <= self.exchange_lifetime:
                break
            del self._received[key]
        while len(self._tokens) > self.max_tokens:
            self._tokens.popitem(last=False)

    def _recently_malformed(self, remote: Hashable, now: float) -> bool:
        t = self._malformed.get(remote)
        return t is not None and now - t <= self.exchange_lifetime

    # ------------------------------------------------------------------ the peer's datagrams: judged
    def feed(self, ev: WireEvent) -> list[Breach]:
        """Take one datagram (either direction); the rules it breaks if the peer sent it."""
        if ev.direction == "out":
            self._ours(ev)
            return []
        out: list[Breach] = []

        def breach(rule: str, detail: str) -> None:
            out.append(Breach(RULES[rule], ev.mono_time, ev.summary, detail))

        if ev.problems:
            breach("COAP-FORMAT", "; ".join(ev.problems))
            return out
        msg = ev.message
        if msg is None:
            return out
        now, remote = ev.mono_time, ev.remote
        if msg.mtype == wire.NON and msg.code == codes.EMPTY:
            breach("COAP-NON-EMPTY", "an empty NON message")
        if msg.mtype in (wire.ACK, wire.RST) and self._answers_other_version(msg, ev, breach):
            return out
        if msg.mtype == wire.ACK:
            self._judge_ack(msg, ev, breach)
        elif msg.mtype in (wire.CON, wire.NON) and msg.code != codes.EMPTY:
            self._judge_mid(msg, ev, breach)
            if msg.code.is_response() and (remote, msg.token) not in self._tokens \
                    and not self._recently_malformed(remote, now):
                breach("COAP-TOKEN-SEPARATE", f"a {msg.mtype.name} {msg.code.dotted} response with token "
                       f"{msg.token.hex() or '(empty)'}, which no request of ours carried")
        if msg.code.is_response() and msg.opt.observe is not None and ev.label != "duplicate":
            self._judge_observe(msg, ev, breach)
        for name in ("block1", "block2"):
            block = getattr(msg.opt, name)
            if block is not None and block.size_exponent == 7 and msg.mtype is not None:   # mtype None: TCP
                breach("BLOCK-SZX-RESERVED", f"{name.capitalize()} {block.block_number}/{int(block.more)}/SZX 7")
        return out

    def _answers_other_version(self, msg: Message, ev: WireEvent, breach) -> bool:  # type: ignore[no-untyped-def]
        """An ACK or RST carrying the Message ID of a datagram of ours whose Version was not 1: that datagram was no
        CoAP message of any type, and answering it at all breaks RFC 7252 §3 (judged instead of the ACK rules)."""
        sent = self._sent.get((ev.remote, msg.mid))
        if sent is None or sent.version == 1:
            return False
        breach("COAP-VERSION-IGNORED", f"{'an ACK' if msg.mtype == wire.ACK else 'a RST'} answering our datagram "
               f"{msg.mid} of CoAP version {sent.version}")
        return True

    def _judge_ack(self, msg: Message, ev: WireEvent, breach) -> None:  # type: ignore[no-untyped-def]
        sent = self._sent.get((ev.remote, msg.mid))
        if sent is None:
            if not self._recently_malformed(ev.remote, ev.mono_time):
                breach("COAP-ACK-MID", f"an ACK with Message ID {msg.mid}, which no CON of ours carried")
            return
        if sent.mtype == wire.NON:
            breach("COAP-ACK-NON", f"an ACK to our NON message {msg.mid}")
            return
        if msg.code.is_response() and sent.request and sent.token is not None and msg.token != sent.token:
            breach("COAP-TOKEN-PIGGYBACKED", f"response token {msg.token.hex() or '(empty)'} to our request with "
                   f"token {sent.token.hex() or '(empty)'}")

    def _judge_mid(self, msg: Message, ev: WireEvent, breach) -> None:  # type: ignore[no-untyped-def]
        key = (ev.remote, msg.mid)
        notification = msg.code.is_response() and msg.opt.observe is not None
        prev = self._received.get(key)
        lifetime = self.exchange_lifetime if msg.mtype == wire.CON else self.non_lifetime
        if prev is not None and ev.mono_time - prev[1] <= lifetime and prev[0] != ev.raw \
                and not (notification or prev[2]):
            breach("COAP-MID-REUSE", f"Message ID {msg.mid} reused {ev.mono_time - prev[1]:.2f}s after a "
                   f"different message carried it")
        if prev is None or prev[0] != ev.raw:
            self._received[key] = (ev.raw, ev.mono_time, notification)
            self._received.move_to_end(key)

    def _judge_observe(self, msg: Message, ev: WireEvent, breach) -> None:  # type: ignore[no-untyped-def]
        key = (ev.remote, msg.token)
        seq = int(msg.opt.observe)
        prev = self._observe.get(key)
        if prev is not None and not self.reordering and not is_fresher(prev[0], prev[1], seq, ev.mono_time):
            breach("OBSERVE-ORDER", f"Observe {seq} after Observe {prev[0]} ({ev.mono_time - prev[1]:.2f}s "
                   f"earlier) for token {msg.token.hex()}")
        if prev is None or is_fresher(prev[0], prev[1], seq, ev.mono_time):
            self._observe[key] = (seq, ev.mono_time)


__all__ = ["Breach", "HygieneWatch", "RULES", "Rule"]
