"""Is the device still alive?  The black-box oracles of a fuzz campaign.

* :class:`LivenessOracle` — a probe after every case or every N: a CoAP ping
  (empty CON, RFC 7252 §4.3: the peer answers RST) and, when that goes
  unanswered, a re-probe with ``GET /3/0/0`` (Manufacturer) and a longer wait.
  *Any* datagram carrying the probe's message ID counts as alive — a 4.04 or a
  5.00 to the GET is an answer (reference §3.1: requiring 2.05 reports false
  crashes).  Only when both stay silent is the device declared unresponsive.
* :class:`RebootWatch` — a crash followed by a watchdog reset shows up as a
  new Register (or a De-register) from the same endpoint name in the server's
  event log, even when the next probe is answered.
* :class:`LatencyTrend` — leaks and slow degradation (C6, C12, D7) show as
  probe round-trip times that keep growing: the median of the last window
  against the median of the first.

The probes run on the engine's event loop (they are coroutines); the
campaign (:mod:`.campaign`) decides what a silence means (crash, hang,
reboot), restarts the device through its driver and keeps the reproducer.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import deque
from dataclasses import dataclass
from typing import Callable, Hashable, Sequence

from ..coap.endpoint import Endpoint, WireEvent
from ..lwm2m.events import Event, EventLog
from . import packets

Remote = Hashable


@dataclass(slots=True)
class Probe:
    alive: bool
    rtt: float | None          # seconds, of the probe that was answered
    via: str                   # "ping", "get" or "" (silent)
    answer: str                # what came back: "RST", "2.05", ...


def _answer_text(ev: WireEvent) -> str:
    m = ev.message
    if m is None:
        return "undecodable"
    if m.code == 0:
        return m.mtype.name if m.mtype is not None else "?"
    return m.code.dotted


class LivenessOracle:
    """Ping, then GET /3/0/0 with a longer wait; any answer with the probe's message ID is life."""

    def __init__(self, endpoint: Endpoint, remote: Callable[[], Remote], *, timeout: float = 0.1,
                 retry_timeout: float = 0.5, probe_path: Sequence[str] = ("3", "0", "0")) -> None:
        self.endpoint = endpoint
        self.remote = remote
        self.timeout = timeout
        self.retry_timeout = retry_timeout
        self.probe_path = tuple(probe_path)
        self._waiting: dict[int, asyncio.Future[WireEvent]] = {}
        self.probes = 0
        self.reprobes = 0

    def attach(self) -> None:
        self.endpoint.listeners.append(self._listen)

    def detach(self) -> None:
        try:
            self.endpoint.listeners.remove(self._listen)
        except ValueError:
            pass

    def _listen(self, ev: WireEvent) -> None:
        if ev.direction != "in" or len(ev.raw) < 4 or not self._waiting:
            return
        fut = self._waiting.get(int.from_bytes(ev.raw[2:4], "big"))
        if fut is not None and not fut.done():
            fut.set_result(ev)

    async def _ask(self, data: bytes, timeout: float) -> tuple[WireEvent | None, float]:
        loop = self.endpoint.loop
        mid = int.from_bytes(data[2:4], "big")
        fut: asyncio.Future[WireEvent] = loop.create_future()
        self._waiting[mid] = fut
        t0 = loop.time()
        try:
            self.endpoint.send_raw(data, self.remote(), claim=True, label="probe")
            try:
                ev = await asyncio.wait_for(fut, timeout)
            except asyncio.TimeoutError:
                return None, loop.time() - t0
            return ev, loop.time() - t0
        finally:
            self._waiting.pop(mid, None)

    def ping_bytes(self) -> bytes:
        return packets.empty(packets.CON, self.endpoint.next_mid())

    def get_bytes(self) -> bytes:
        opts = [(packets.URI_PATH, s.encode()) for s in self.probe_path]
        return packets.message(packets.CON, packets.GET, self.endpoint.next_mid(), self.endpoint.new_token(), opts)

    async def probe(self, timeout: float | None = None, retry_timeout: float | None = None) -> Probe:
        """Ping; if silent, GET the probe path and wait longer.  Never raises on silence."""
        self.probes += 1
        ev, rtt = await self._ask(self.ping_bytes(), self.timeout if timeout is None else timeout)
        if ev is not None:
            return Probe(True, rtt, "ping", _answer_text(ev))
        self.reprobes += 1
        ev, rtt = await self._ask(self.get_bytes(), self.retry_timeout if retry_timeout is None else retry_timeout)
        if ev is not None:
            return Probe(True, rtt, "get", _answer_text(ev))
        return Probe(False, None, "", "")


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
