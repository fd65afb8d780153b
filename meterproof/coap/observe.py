"""Observe (RFC 7641) as the observer: establishing, receiving in order, cancelling.

An :class:`Observation` keeps *every* notification with its arrival time, the
Observe sequence number and whether it was fresh by the §3.4 rule, so a suite
can assert on ordering ("sequence numbers increase"), timing (pmin/pmax) and
silence after a cancellation — the things a device gets wrong.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Hashable, Protocol

from aiocoap import Message
from aiocoap.numbers import codes

from ..errors import ProtocolError, TimeoutError_
from . import blockwise, wire

if TYPE_CHECKING:
    from .exchange_types import Requester

    class ObservingEndpoint(Requester, Protocol):
        """An endpoint that keeps observations: it routes their notifications (what this module uses)."""

        @property
        def loop(self) -> asyncio.AbstractEventLoop: ...

        def new_token(self, length: int = 4) -> bytes: ...

        def register_observation(self, obs: Observation) -> None: ...

        def forget_observation(self, obs: Observation) -> None: ...

SEQ_MODULUS = 1 << 24
FRESHNESS_WINDOW = 128.0  # seconds, RFC 7641 §3.4


def is_fresher(v1: int, t1: float, v2: int, t2: float) -> bool:
    """RFC 7641 §3.4: is notification 2 (seq v2 at t2) newer than notification 1?"""
    return (v1 < v2 and v2 - v1 < (1 << 23)) or (v1 > v2 and v1 - v2 > (1 << 23)) or t2 > t1 + FRESHNESS_WINDOW


@dataclass(slots=True)
class Notification:
    message: Message
    time: float          # loop time of arrival
    seq: int | None      # Observe option value (None if the device left it out)
    fresh: bool          # passed the §3.4 ordering rule against the previous fresh one
    confirmable: bool


class Observation:
    """One observation relationship the harness holds on a device resource."""

    def __init__(self, endpoint: "ObservingEndpoint", request: Message, remote: Hashable) -> None:
        self.endpoint = endpoint
        self.request = request
        self.remote = remote
        self.token: bytes = request.token
        self.initial: Message | None = None
        self.notifications: list[Notification] = []
        self.after_cancel: list[Notification] = []
        self.cancelled = False
        self.reset_next = False
        #: Loop times bracketing when the device took the observation on: the registration request's first
        #: transmission and the arrival of its answer.  On a lossy link they differ by the retransmissions
        #: needed; a pmin check counts from the first (never earlier than the device's own start), a pmax
        #: check from the second (never later).
        self.requested_at: float | None = None
        self.established_at: float | None = None
        self._queue: asyncio.Queue[Notification] = asyncio.Queue()
        self._last_fresh: tuple[int, float] | None = None

    @property
    def established(self) -> bool:
        return self.initial is not None and self.initial.opt.observe is not None

    @property
    def stale(self) -> list[Notification]:
        """Notifications that arrived out of order (not fresher than an earlier one)."""
        return [n for n in self.notifications if not n.fresh]

    def deliver(self, msg: Message, now: float) -> bool:
        """Called by the endpoint for a response carrying our token. Returns False to RST it."""
        seq = msg.opt.observe
        fresh = True
        if seq is not None and self._last_fresh is not None:
            fresh = is_fresher(self._last_fresh[0], self._last_fresh[1], seq, now)
        n = Notification(msg, now, seq, fresh, msg.mtype == wire.CON)
        if self.cancelled:
            self.after_cancel.append(n)
            return False
        if self.reset_next:
            self.reset_next = False
            self.cancelled = True
            self.after_cancel.append(n)
            self._queue.put_nowait(n)
            return False
        if fresh and seq is not None:
            self._last_fresh = (seq, now)
        self.notifications.append(n)
        self._queue.put_nowait(n)
        return True

    async def next(self, timeout: float) -> Notification:
        """The next notification, or :class:`TimeoutError_` after ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError_(f"no notification for {self.path} within {timeout:.1f}s") from None

    def drain(self) -> list[Notification]:
        out = []
        while not self._queue.empty():
            out.append(self._queue.get_nowait())
        return out

    @property
    def path(self) -> str:
        return "/" + "/".join(self.request.opt.uri_path)

    async def cancel_by_reset(self, timeout: float) -> Notification:
        """Answer the next notification with RST (RFC 7641 §3.6); returns that notification."""
        self.drain()
        self.reset_next = True
        n = await self.next(timeout)
        return n

    async def cancel_by_get(self, timeout: float | None = None) -> Message:
        """Deregister with a GET carrying Observe=1 and the same token (RFC 7641 §3.6)."""
        req = blockwise._clone(self.request)
        req.opt.observe = 1
        req.token = self.token
        self.cancelled = True
        resp = await self.endpoint.request(req, self.remote, timeout=timeout)
        return resp

    def forget(self) -> None:
        """Stop accepting notifications locally (later ones are recorded and RST)."""
        self.cancelled = True


async def observe(ep: "ObservingEndpoint", msg: Message, remote: Hashable, *, timeout: float | None = None) -> Observation:
    """Send ``msg`` (a GET or FETCH) with Observe=0 and return the observation.

    The observation is registered before the request goes out so that a
    notification racing the response is not lost.  If the response has no
    Observe option the observation is returned unestablished and forgotten."""
    msg.opt.observe = 0
    msg.token = msg.token or ep.new_token()
    obs = Observation(ep, msg, remote)
    ep.register_observation(obs)
    obs.requested_at = ep.loop.time()
    try:
        resp = await ep.request(msg, remote, timeout=timeout)
    except Exception:
        ep.forget_observation(obs)
        raise
    obs.established_at = ep.loop.time()
    if resp.opt.block2 is not None and resp.opt.block2.more:
        try:
            full = await blockwise._collect_block2(ep, msg, resp, remote, timeout, [])
        except ProtocolError:
            full = resp
        obs.initial = full
    else:
        obs.initial = resp
    if resp.opt.observe is None or not resp.code.is_successful():
        ep.forget_observation(obs)
        obs.cancelled = True
    elif resp.opt.observe is not None:
        obs._last_fresh = (resp.opt.observe, ep.loop.time())
    return obs


__all__ = ["Notification", "Observation", "is_fresher", "observe", "codes"]
