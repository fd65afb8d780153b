"""Raw exchanges: bytes the message layer would never build, sent with CoAP's own retransmission rules.

Negative tests and fuzzing put arbitrary bytes on an endpoint's transport
(:meth:`.endpoint.Endpoint.send_raw`) and judge what comes back.  On a lossy link one send can
vanish, so :func:`exchange` sends a raw datagram that *is* a CON (readable header: version 1,
type CON) the way RFC 7252 §4.2 sends every CON: the same bytes with the same message ID, again
after ACK_TIMEOUT × a random factor (or ``first_wait``), the wait doubling each time, at most
MAX_RETRANSMIT times.  A conformant peer deduplicates the copies (§4.5) and answers each with the
same ACK or RST.  The exchange ends at the first ACK/RST carrying the message ID.  Anything else
goes out once, and the exchange ends with the first datagram from the peer (or ``timeout``).

A check judges what it is about, apart from loss (:class:`RawExchange`):

* ``answer_delay`` — the first answer minus the last transmission before it: how long the
  device took to answer the copy that reached it, however many copies the link lost;
* ``silence`` — with a ``heartbeat`` (a CoAP ping, §4.3, every so many seconds while waiting),
  the longest time nothing at all came back from the peer.  A device that stops answering
  (a stall, a hang) is silent for as long as it stalls; a lossy link is not, unless it loses
  every ping too.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import wire

if TYPE_CHECKING:
    from .exchange_types import RawEndpoint, WireEvent
    from .transport import Remote


def is_con(data: bytes) -> bool:
    """The bytes start with a readable CoAP header of a Confirmable message (RFC 7252 §3)."""
    return len(data) >= 4 and data[0] >> 6 == 1 and (data[0] >> 4) & 3 == 0


def _answers(ev: "WireEvent", mid: int) -> bool:
    """An ACK or RST (type bits 2/3) with message ID ``mid``: the peer's answer to that CON."""
    raw = ev.raw
    return len(raw) >= 4 and (raw[0] >> 4) & 3 in (2, 3) and int.from_bytes(raw[2:4], "big") == mid


@dataclass
class RawExchange:
    """One raw exchange as the wire saw it (loop times)."""

    data: bytes
    mid: int | None                        # the message ID of ``data`` (None: shorter than a header)
    con: bool                              # sent as a CON, retransmitted: only an ACK/RST answers it
    start: float
    end: float = 0.0
    sent: list[float] = field(default_factory=list)          # each transmission: the first, then retransmissions
    events: list["WireEvent"] = field(default_factory=list)  # every datagram from the peer, heartbeats' RST too
    heartbeats: set[int] = field(default_factory=set)        # message IDs of the heartbeat pings

    @property
    def answers(self) -> list["WireEvent"]:
        """The peer's datagrams that answer ``data``: carrying its message ID (an ACK or RST when it is a CON)."""
        mid = self.mid
        if mid is None:
            return []
        if self.con:
            return [ev for ev in self.events if _answers(ev, mid)]
        return [ev for ev in self.events if len(ev.raw) >= 4 and int.from_bytes(ev.raw[2:4], "big") == mid]

    @property
    def first_answer(self) -> "WireEvent | None":
        a = self.answers
        return a[0] if a else None

    @property
    def answer_delay(self) -> float | None:
        """Seconds from the last transmission before the first answer to that answer."""
        first = self.first_answer
        if first is None:
            return None
        before = [t for t in self.sent if t <= first.mono_time]
        return first.mono_time - (before[-1] if before else self.start)

    @property
    def silence(self) -> float:
        """The longest time nothing came back from the peer while the exchange was waiting."""
        points = [self.start] + sorted(ev.mono_time for ev in self.events) + [self.end]
        return max(b - a for a, b in zip(points, points[1:]))

    def describe(self) -> str:
        """One line for a report: transmissions, answer, delay, silence."""
        first = self.first_answer
        ans = f"first answer {first.summary} {self.answer_delay:.2f}s after the last copy" if first else "no answer"
        hb = f", {len(self.heartbeats)} heartbeat pings, longest silence {self.silence:.2f}s" if self.heartbeats else ""
        return f"{len(self.sent)} transmission(s) in {self.end - self.start:.2f}s, {ans}{hb}"


async def exchange(ep: "RawEndpoint", data: bytes, remote: "Remote", timeout: float, *, retransmit: bool = True,
                   first_wait: float | None = None, heartbeat: float | None = None,
                   label: str = "raw", max_retransmit: int | None = None) -> RawExchange:
    """Send ``data`` to ``remote`` on ``ep`` and collect what comes back (see the module docstring).

    ``timeout``: the longest wait after the last transmission (0: send once and return at once);
    ``retransmit``: False sends even a CON only once; ``heartbeat``: ping interval while waiting;
    ``label``: how the transmissions show up to wire listeners (transcripts); ``max_retransmit``:
    instead of the endpoint's MAX_RETRANSMIT (fewer for a quick, less certain look)."""
    loop = ep.loop
    data = bytes(data)
    mid = int.from_bytes(data[2:4], "big") if len(data) >= 4 else None
    con = retransmit and timeout > 0 and is_con(data)
    ex = RawExchange(data, mid, con, loop.time())
    done: asyncio.Future[None] = loop.create_future()

    def listen(ev: "WireEvent") -> None:
        if ev.direction != "in" or ev.remote != remote:
            return
        ex.events.append(ev)
        heartbeat_answer = len(ev.raw) >= 4 and int.from_bytes(ev.raw[2:4], "big") in ex.heartbeats
        if not done.done() and not heartbeat_answer and (not con or (mid is not None and _answers(ev, mid))):
            done.set_result(None)

    async def pinger() -> None:
        assert heartbeat is not None
        while True:
            await asyncio.sleep(heartbeat)
            ping = ep.next_mid()
            ex.heartbeats.add(ping)
            ep.send_raw(wire.encode(wire.empty(wire.CON, ping)), remote, claim=False, label="heartbeat")

    ep.listeners.append(listen)
    beat = loop.create_task(pinger()) if heartbeat and timeout > 0 else None
    try:
        wait = first_wait if first_wait is not None else ep.params.initial_timeout(ep._rng)
        retransmits = ep.params.max_retransmit if max_retransmit is None else max_retransmit
        copies = 1 + retransmits if con else 1
        for k in range(copies):
            ex.sent.append(loop.time())
            ep.send_raw(data, remote, label=label if k == 0 else f"{label} retransmission")
            if timeout <= 0:
                break
            w = timeout if not con else min(wait, timeout) if k == copies - 1 else wait
            try:
                await asyncio.wait_for(asyncio.shield(done), w)
                break
            except asyncio.TimeoutError:
                wait *= 2
    finally:
        if beat is not None:
            beat.cancel()
        ep.listeners.remove(listen)
        ex.end = loop.time()
    return ex


__all__ = ["RawExchange", "exchange", "is_con"]
