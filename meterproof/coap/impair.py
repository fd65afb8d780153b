"""Network impairment: lose, duplicate, reorder and delay datagrams, seeded, in both directions.

A lab runs meterproof over real links that do all four; ``--net-impair`` makes a run do it on
purpose so that one can see every verdict stay the same (packet loss is never a device finding).

* :class:`Impairment` — the settings, parsed from ``loss=10,dup=5,reorder=10,delay=5-40ms``
  (percentages; ``delay`` optional, one value or a ``MIN-MAX`` range in ms);
* :class:`Impairer` — applies them to every datagram: one seeded random stream per direction, so
  the same traffic meets the same fate on every run with the same seed; counts what it did
  (:class:`LinkStats`);
* :class:`ImpairedTransport` — a :class:`~.transport.DatagramTransport` decorator.  On a socket
  transport (UDP, and DTLS in :mod:`meterproof.dtls.transport`) the impairer is installed as the
  socket's :class:`~.transport.SocketFilter`, i.e. *under* DTLS: it hits records, and DTLS's own
  handshake retransmission (RFC 6347 §4.2.4) has to cope, as it must on a real link.  Any other
  transport is impaired at its ``send`` / ``on_datagram`` boundary.

What each knob does to one datagram, in this order (each drawn independently):

1. ``loss`` %: dropped;
2. ``dup`` %: forwarded twice (each copy gets its own delay);
3. ``reorder`` %: held back until the next datagram in the same direction has gone, so the two
   swap (at most :attr:`Impairment.hold` seconds when no other datagram follows);
4. ``delay``: forwarded after a uniform random delay in [MIN, MAX] (which reorders too).
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .transport import DatagramHandler, DatagramTransport, Remote, SocketTransport

Forward = Callable[[bytes, Any], None]

#: What to write, for the one-line error of a bad value.
SYNTAX = "loss=PCT,dup=PCT,reorder=PCT[,delay=MIN-MAXms] (percentages 0-100, e.g. loss=10,dup=5,reorder=10,delay=5-40ms)"
_PCT_KEYS = ("loss", "dup", "reorder")


@dataclass(frozen=True, slots=True)
class Impairment:
    """What happens to datagrams on the impaired link (percentages; delays in seconds)."""

    loss: float = 0.0
    dup: float = 0.0
    reorder: float = 0.0
    delay_min: float = 0.0
    delay_max: float = 0.0

    def __post_init__(self) -> None:
        for k in _PCT_KEYS:
            v = getattr(self, k)
            if not 0 <= v <= 100:
                raise ValueError(f"{k}={v:g}: a percentage must be between 0 and 100; write {SYNTAX}")
        if not 0 <= self.delay_min <= self.delay_max:
            raise ValueError(f"delay: MIN must not exceed MAX and neither be negative; write {SYNTAX}")

    @classmethod
    def parse(cls, text: str) -> "Impairment":
        """``loss=10,dup=5,reorder=10,delay=5-40ms``; ValueError (one line saying what to write) otherwise."""
        vals: dict[str, float] = {}
        for part in (p.strip() for p in text.split(",")):
            key, sep, value = part.partition("=")
            key, value = key.strip().lower(), value.strip().lower()
            if not sep or not value:
                raise ValueError(f"{part!r} is not KEY=VALUE; write {SYNTAX}")
            if key in vals or (key == "delay" and "delay_min" in vals):
                raise ValueError(f"{key} is given twice; write {SYNTAX}")
            if key in _PCT_KEYS:
                m = re.fullmatch(r"(\d+(?:\.\d+)?)%?", value)
                if m is None:
                    raise ValueError(f"{key}={value}: expected a percentage such as {key}=10; write {SYNTAX}")
                vals[key] = float(m.group(1))
            elif key == "delay":
                m = re.fullmatch(r"(\d+(?:\.\d+)?)(?:ms)?(?:-(\d+(?:\.\d+)?)(?:ms)?)?", value)
                if m is None or not value.endswith("ms"):
                    raise ValueError(f"delay={value}: expected milliseconds such as delay=5-40ms; write {SYNTAX}")
                lo = float(m.group(1))
                hi = float(m.group(2)) if m.group(2) is not None else lo
                vals["delay_min"], vals["delay_max"] = lo / 1000, hi / 1000
            else:
                raise ValueError(f"unknown setting {key!r}; write {SYNTAX}")
        if not vals:
            raise ValueError(f"nothing to impair; write {SYNTAX}")
        return cls(**vals)

    @property
    def active(self) -> bool:
        return bool(self.loss or self.dup or self.reorder or self.delay_max)

    @property
    def hold(self) -> float:
        """Longest a reordered datagram waits for a successor (then it goes anyway)."""
        return max(0.02, 2 * self.delay_max)

    def __str__(self) -> str:
        text = f"loss={self.loss:g},dup={self.dup:g},reorder={self.reorder:g}"
        if self.delay_max:
            lo, hi = self.delay_min * 1000, self.delay_max * 1000
            text += f",delay={lo:g}-{hi:g}ms" if lo != hi else f",delay={lo:g}ms"
        return text


@dataclass(slots=True)
class LinkStats:
    """What the impairer did to one direction's datagrams."""

    seen: int = 0
    dropped: int = 0
    duplicated: int = 0
    reordered: int = 0
    delayed: int = 0

    def line(self) -> str:
        return (f"{self.seen} datagrams: {self.dropped} dropped, {self.duplicated} duplicated, "
                f"{self.reordered} reordered, {self.delayed} delayed")


@dataclass(slots=True)
class _Held:
    data: bytes
    addr: Any
    forward: Forward
    timer: asyncio.TimerHandle | None = None


@dataclass
class _Link:
    """One direction: decisions from its own random stream, timers on the running loop."""

    imp: Impairment
    rng: random.Random
    stats: LinkStats = field(default_factory=LinkStats)
    _held: list[_Held] = field(default_factory=list)
    _timers: set[asyncio.TimerHandle] = field(default_factory=set)
    closed: bool = False

    def push(self, data: bytes, addr: Any, forward: Forward) -> None:
        imp, rng, st = self.imp, self.rng, self.stats
        st.seen += 1
        # always the same five draws per datagram: its fate depends only on the seed and its position
        lost, dup, held = rng.random() * 100, rng.random() * 100, rng.random() * 100
        delays = (rng.uniform(imp.delay_min, imp.delay_max), rng.uniform(imp.delay_min, imp.delay_max))
        if lost < imp.loss:
            st.dropped += 1
            return
        copies = 2 if dup < imp.dup else 1
        if copies == 2:
            st.duplicated += 1
        if held < imp.reorder:
            st.reordered += 1
        for i in range(copies):
            if held < imp.reorder:
                self._hold(data, addr, forward)
            else:
                self._after(delays[i] if imp.delay_max else 0.0, data, addr, forward)

    def _after(self, delay: float, data: bytes, addr: Any, forward: Forward) -> None:
        if delay <= 0:
            self._deliver(data, addr, forward)
            return
        self.stats.delayed += 1
        loop = asyncio.get_running_loop()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(handle)
            self._deliver(data, addr, forward)
        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    def _deliver(self, data: bytes, addr: Any, forward: Forward) -> None:
        if self.closed:
            return
        forward(data, addr)
        held, self._held = self._held, []      # the datagrams held back go right after this one
        for h in held:
            if h.timer is not None:
                h.timer.cancel()
            h.forward(h.data, h.addr)

    def _hold(self, data: bytes, addr: Any, forward: Forward) -> None:
        h = _Held(data, addr, forward)

        def timeout() -> None:
            if h in self._held:
                self._held.remove(h)
                if not self.closed:
                    h.forward(h.data, h.addr)
        h.timer = asyncio.get_running_loop().call_later(self.imp.hold, timeout)
        self._held.append(h)

    def close(self) -> None:
        self.closed = True
        for t in list(self._timers):
            t.cancel()
        for h in self._held:
            if h.timer is not None:
                h.timer.cancel()
        self._timers.clear()
        self._held.clear()


class Impairer:
    """A :class:`~.transport.SocketFilter` applying an :class:`Impairment`, seeded per direction."""

    def __init__(self, impairment: Impairment, seed: int | str = 0) -> None:
        self.impairment = impairment
        self.seed = seed
        self.out = _Link(impairment, random.Random(f"meterproof-impair:{seed}:out"))
        self.inn = _Link(impairment, random.Random(f"meterproof-impair:{seed}:in"))

    def outgoing(self, data: bytes, addr: Any, forward: Forward) -> None:
        self.out.push(data, addr, forward)

    def incoming(self, data: bytes, addr: Any, forward: Forward) -> None:
        self.inn.push(data, addr, forward)

    def summary(self) -> str:
        return f"{self.impairment}: out {self.out.stats.line()}; in {self.inn.stats.line()}"

    def close(self) -> None:
        self.out.close()
        self.inn.close()


class ImpairedTransport(DatagramTransport):
    """Any transport, with an :class:`Impairer` on its link (see the module docstring).

    Everything not about moving datagrams (``sessions``, ``send_record``, ``plaintext`` of a DTLS
    server ...) is the wrapped transport's, reached through this one."""

    def __init__(self, inner: DatagramTransport, impairment: Impairment, *, seed: int | str = 0) -> None:
        self.__dict__["inner"] = inner
        self.__dict__["impairer"] = Impairer(impairment, seed)
        self.__dict__["_handler"] = None
        at_socket = isinstance(inner, SocketTransport)
        self.__dict__["at_socket"] = at_socket
        if at_socket:
            inner.socket_filter = self.impairer
        else:
            inner.on_datagram = self._incoming

    # the two datagram paths ---------------------------------------------------------------
    @property  # type: ignore[override]
    def on_datagram(self) -> DatagramHandler | None:
        return self.inner.on_datagram if self.at_socket else self._handler

    @on_datagram.setter
    def on_datagram(self, handler: DatagramHandler | None) -> None:
        if self.at_socket:
            self.inner.on_datagram = handler
        else:
            self.__dict__["_handler"] = handler

    def _incoming(self, data: bytes, remote: Remote) -> None:
        self.impairer.incoming(data, remote, self._up)

    def _up(self, data: bytes, remote: Remote) -> None:
        if self._handler is not None:
            self._handler(data, remote)

    def send(self, data: bytes, remote: Remote) -> None:
        if self.at_socket:
            self.inner.send(data, remote)
        else:
            self.impairer.outgoing(data, remote, self.inner.send)

    # everything else is the inner transport's ------------------------------------------------
    async def open(self) -> None:
        await self.inner.open()

    def close(self) -> None:
        self.impairer.close()
        self.inner.close()

    @property
    def local_address(self) -> tuple[str, int]:
        return self.inner.local_address

    @property
    def scheme(self) -> str:
        return self.inner.scheme

    @property  # type: ignore[override]
    def on_error(self) -> Any:
        return self.inner.on_error

    @on_error.setter
    def on_error(self, handler: Any) -> None:
        self.inner.on_error = handler

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["inner"], name)

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)
        else:
            setattr(self.inner, name, value)


__all__ = ["ImpairedTransport", "Impairer", "Impairment", "LinkStats", "SYNTAX"]
