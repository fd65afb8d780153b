"""Is the device still alive?  The black-box oracles of a fuzz campaign.

* :class:`LivenessOracle` — a probe after every case or every N: a CoAP ping
  (empty CON, RFC 7252 §4.3: the peer answers RST) and, when its first wait
  goes unanswered, ``GET /3/0/0`` (Manufacturer) beside it.  Both are CONs and
  are retransmitted by CoAP's own rules (:mod:`meterproof.coap.raw`: the same
  bytes and message ID, the wait doubling from the probe timeout, MAX_RETRANSMIT
  times; a conformant device deduplicates and answers each copy).  *Any* ACK or
  RST carrying a probe's message ID counts as alive — a 4.04 or a 5.00 to the
  GET is an answer (reference §3.1: requiring 2.05 reports false crashes).  The
  device is declared unresponsive only when both schedules run out unanswered:
  2 × (1 + MAX_RETRANSMIT) datagrams, each of which a lossy link would have had
  to lose (at 10 % loss each way, about 6e-8), so packet loss is no finding;
  that takes timeout × (2^(MAX_RETRANSMIT+1) − 1) — 6.2 × ACK_TIMEOUT with the
  plugin's timeout of ACK_TIMEOUT/5, shorter than a stall worth reporting.
* :class:`RebootWatch` — a crash followed by a watchdog reset shows up as a
  new Register (or a De-register) from the same endpoint name in the server's
  event log, even when the next probe is answered.
* :class:`LatencyTrend` — leaks and slow degradation (C6, C12, D7) show as
  probe round-trip times that keep growing: the median of the last window
  against the median of the first.

A driver that sees the device end (its process exited, a modem announced a
fresh boot) tells the oracle through :meth:`LivenessOracle.device_ended`: the
probe under way returns "not alive" at once instead of waiting out its
schedule.

The probes run on the engine's event loop (they are coroutines); the
campaign (:mod:`.campaign`) decides what a silence means (crash, hang,
reboot), restarts the device through its driver and keeps the reproducer.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Sequence

from ..coap.endpoint import Endpoint, WireEvent
from ..coap.raw import RawExchange, exchange
from ..lwm2m.events import Event, EventLog
from . import packets

Remote = Hashable


@dataclass(slots=True)
class Probe:
    alive: bool
    rtt: float | None          # seconds, of the probe that was answered
    via: str                   # "ping", "get", "" (silent) or "driver" (cut short: the driver saw the device end)
    answer: str                # what came back: "RST", "2.05", ...
    took: float = 0.0          # seconds the probe lasted


def _answer_text(ev: WireEvent) -> str:
    m = ev.message
    if m is None:
        return "undecodable"
    if m.code == 0:
        return m.mtype.name if m.mtype is not None else "?"
    return m.code.dotted


class LivenessOracle:
    """Ping, then GET /3/0/0 beside it, both retransmitted by CoAP's rules; any answer is life."""

    def __init__(self, endpoint: Endpoint, remote: Callable[[], Remote], *, timeout: float = 0.1,
                 probe_path: Sequence[str] = ("3", "0", "0")) -> None:
        self.endpoint = endpoint
        self.remote = remote
        self.timeout = timeout
        self.probe_path = tuple(probe_path)
        #: Message IDs of recent probes: their answers (late copies included) are not a case's answers.
        self.mids: deque[int] = deque(maxlen=64)
        self.probes = 0
        self.reprobes = 0
        #: set (on the loop) when the device's driver saw it end: probes return "not alive" at once
        self.ended = False
        self._waiter: asyncio.Future[None] | None = None

    def attach(self) -> None:
        """Nothing to attach: each probe listens for the length of its own exchange."""

    def detach(self) -> None:
        """See :meth:`attach`."""

    def device_ended(self) -> None:
        """The driver saw the device end (loop thread): the probe under way, and every probe until
        :meth:`revive`, is answered "not alive" without waiting out its schedule."""
        self.ended = True
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def revive(self) -> None:
        """The device was started again (loop thread)."""
        self.ended = False

    def is_probe_answer(self, ev: WireEvent) -> bool:
        return len(ev.raw) >= 4 and int.from_bytes(ev.raw[2:4], "big") in self.mids

    def window(self, timeout: float | None = None, retransmit: int | None = None) -> float:
        """How long a probe of an unresponsive device takes: the whole back-off schedule."""
        t = self.timeout if timeout is None else timeout
        n = self.endpoint.params.max_retransmit if retransmit is None else retransmit
        return t * (2 ** (n + 1) - 1)

    def ping_bytes(self) -> bytes:
        return packets.empty(packets.CON, self.endpoint.next_mid())

    def get_bytes(self) -> bytes:
        opts = [(packets.URI_PATH, s.encode()) for s in self.probe_path]
        return packets.message(packets.CON, packets.GET, self.endpoint.next_mid(), self.endpoint.new_token(), opts)

    def _ask(self, data: bytes, first_wait: float, retransmit: int | None) -> "asyncio.Task[RawExchange]":
        self.mids.append(int.from_bytes(data[2:4], "big"))
        n = self.endpoint.params.max_retransmit if retransmit is None else retransmit
        return self.endpoint.loop.create_task(exchange(self.endpoint, data, self.remote(), first_wait * 2 ** n,
                                                       first_wait=first_wait, label="probe", max_retransmit=n))

    async def probe(self, timeout: float | None = None, retransmit: int | None = None) -> Probe:
        """Ping; if its first wait passes unanswered, GET the probe path beside it.  Never raises on silence.

        ``retransmit``: retransmissions of each (default MAX_RETRANSMIT; fewer only for a quick look whose
        verdict is confirmed later, as while shrinking)."""
        self.probes += 1
        loop = self.endpoint.loop
        t0 = loop.time()
        if self.ended:
            return Probe(False, None, "driver", "the device ended")
        t = self.timeout if timeout is None else timeout
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiter = waiter
        ping = self._ask(self.ping_bytes(), t, retransmit)
        tasks = {ping: "ping"}
        try:
            done, _ = await asyncio.wait([ping, waiter], timeout=t, return_when=asyncio.FIRST_COMPLETED)
            if waiter.done():
                return Probe(False, None, "driver", "the device ended", loop.time() - t0)
            if not (ping in done and ping.result().first_answer is not None):
                self.reprobes += 1
                tasks[self._ask(self.get_bytes(), t, retransmit)] = "get"
            pending: set[asyncio.Future[Any]] = set(tasks)
            while pending:
                done, pending = await asyncio.wait(pending | {waiter}, return_when=asyncio.FIRST_COMPLETED)
                pending.discard(waiter)
                for task in done:
                    if task is waiter:
                        continue
                    ex = task.result()
                    ans = ex.first_answer
                    if ans is not None:
                        return Probe(True, ex.answer_delay, tasks[task], _answer_text(ans), loop.time() - t0)
                if waiter.done():
                    return Probe(False, None, "driver", "the device ended", loop.time() - t0)
            return Probe(False, None, "", "", loop.time() - t0)
        finally:
            self._waiter = None
            for task in tasks:
                task.cancel()


class RebootWatch:
    """New Register / De-register events for one endpoint since the last :meth:`mark`."""

    KINDS = ("registered", "deregistered", "bootstrap")

    def __init__(self, events: EventLog, endpoint: str) -> None:
        self.events = events
        self.endpoint = endpoint
        self._since = events.mark()

    def mark(self) -> None:
        self._since = self.events.mark()

    def check(self) -> Event | None:
        ev = self.events.find(self.KINDS, self.endpoint, since=self._since)
        if ev is not None:
            self._since = ev.index + 1
        return ev


class LatencyTrend:
    """Probe round-trip times: degraded when the median of the latest window is ``factor`` times the
    baseline window's and at least ``min_increase`` seconds slower, ``confirm`` windows in a row."""

    def __init__(self, window: int = 50, factor: float = 5.0, min_increase: float = 0.005,
                 confirm: int = 3) -> None:
        self.window = window
        self.factor = factor
        self.min_increase = min_increase
        self.confirm = confirm
        self.baseline: float | None = None
        self._cur: list[float] = []
        self._bad = 0
        self.history: deque[float] = deque(maxlen=1000)   # window medians, for the summary

    def add(self, rtt: float) -> str | None:
        """Record one probe RTT; returns a description when degradation is confirmed."""
        self._cur.append(rtt)
        if len(self._cur) < self.window:
            return None
        med = statistics.median(self._cur)
        self._cur = []
        self.history.append(med)
        if self.baseline is None:
            self.baseline = med
            return None
        if med > self.baseline * self.factor and med - self.baseline >= self.min_increase:
            self._bad += 1
            if self._bad >= self.confirm:
                self._bad = 0
                msg = (f"probe round trip grew from a median of {self.baseline * 1000:.2f} ms to "
                       f"{med * 1000:.2f} ms over {self.confirm} windows of {self.window} probes")
                self.baseline = med            # report each further step once
                return msg
        else:
            self._bad = 0
        return None


__all__ = ["LatencyTrend", "LivenessOracle", "Probe", "RebootWatch"]
