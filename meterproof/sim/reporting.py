"""Information Reporting on the client side: observations, attribute-driven notifications, cancelling.

Each :class:`Observation` remembers the last values it notified and the last
values it sampled.  One ticker per meter (running only while something is
observed) samples every :data:`TICK` seconds — sensor values change on their
own, so waiting for writes is not enough — and on every local change:

* a *condition* arises when the value changes; with gt/lt set, only when a
  threshold is crossed; with st set, only when the value moved by at least st
  from the last notified value (TS Core 1.1 §5.1.2);
* a notification goes out when a condition is pending and pmin has passed
  since the last notification, or when pmax has passed without one (pmax is
  ignored when it is smaller than pmin);
* epmin throttles sampling;
* Observe sequence numbers strictly increase; notifications are NON unless
  /1/x/26 says CON, and every 10th one is CON (RFC 7641 §4.5 wants one now
  and then);
* an RST to a notification (CON or NON) or a GET/FETCH with Observe=1 cancels.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Hashable

from aiocoap import Message
from aiocoap.numbers import codes
from aiocoap.numbers.types import NON

from ..coap import wire
from ..lwm2m.metering import METERING_OBJECTS
from ..lwm2m.path import Path
from ..lwm2m.values import ValueTree
from .attributes import NUMERIC_TYPES
from .store import StoreError

if TYPE_CHECKING:
    from .host import MeterHost

log = logging.getLogger(__name__)

TICK = 0.05
SEQ_MOD = 1 << 24
CON_EVERY = 10


@dataclass(eq=False)
class Observation:
    remote: Hashable
    token: bytes
    paths: tuple[Path, ...]
    composite: bool
    cf: int
    last_values: ValueTree = field(default_factory=dict)
    last_sample: ValueTree = field(default_factory=dict)
    last_time: float = 0.0
    last_eval: float = 0.0
    pending: bool = False
    urgent: bool = False          # defect pmin-ignored-on-change: a local change notifies at once
    seq: int = 0
    count: int = 0
    #: LwM2M 1.2: <NOTIFICATION> attributes given as query parameters of the Observe request; they apply to this
    #: observation only and take precedence over the attached ones (TS Core 1.2 Observe; ETS int-313)
    params: dict[str, float | None] = field(default_factory=dict)
    cancelled: bool = False
    #: the object instances the observation's values came from when it began
    started_with: frozenset[Path] = frozenset()

    @property
    def base(self) -> Path:
        return Path() if self.composite else self.paths[0]


class Reporter:
    """All observations of one meter."""

    def __init__(self, meter: "MeterHost") -> None:
        self.meter = meter
        self.observations: list[Observation] = []
        self._seq = 0
        self._ticker: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None

    # ------------------------------------------------------------------ establishing / cancelling
    def establish(self, remote: Hashable, token: bytes, paths: tuple[Path, ...], composite: bool, cf: int,
                  values: ValueTree, params: dict[str, float | None] | None = None) -> int:
        """Register an observation whose first response carries ``values``; returns its Observe value."""
        self.cancel(remote, token)
        now = self.meter.loop_time()
        obs = Observation(remote, token, paths, composite, cf, dict(values), dict(values), now, now,
                          params=dict(params or {}), started_with=frozenset(k.truncate(2) for k in values))
        obs.seq = self._next_seq()
        self.observations.append(obs)
        self._ensure_ticker()
        self.meter.delivery.observed(paths)
        return obs.seq

    def cancel(self, remote: Hashable, token: bytes) -> bool:
        found = False
        for obs in list(self.observations):
            if obs.remote == remote and obs.token == token:
                self._drop(obs)
                found = True
        return found

    def cancel_request(self, remote: Hashable, token: bytes, paths: tuple[Path, ...]) -> None:
        """GET/FETCH with Observe=1: by token (RFC 7641 §3.6), else by the same path(s)."""
        if self.meter.has("notify-after-cancel-get"):
            return    # answers the GET but keeps notifying
        if not self.cancel(remote, token):
            for obs in list(self.observations):
                if obs.remote == remote and obs.paths == paths:
                    self._drop(obs)

    def on_reply(self, remote: Hashable, token: bytes, reset: bool) -> None:
        """Endpoint hook: RST (or ACK) to a NON notification we sent."""
        if reset and not self.meter.has("notify-after-cancel-reset"):
            self.cancel(remote, token)

    def clear(self) -> None:
        for obs in list(self.observations):
            self._drop(obs)

    def drop_observing(self, path: Path) -> None:
        """Forget, without a word to the server, every observation naming ``path`` or a path under it."""
        for obs in list(self.observations):
            if any(p.startswith(path) for p in obs.paths):
                self._drop(obs)

    def _drop(self, obs: Observation) -> None:
        obs.cancelled = True
        if obs in self.observations:
            self.observations.remove(obs)

    # ------------------------------------------------------------------ change detection
    def changed(self, path: Path) -> None:
        """A local change (write, set_value, instance create/delete): evaluate soon."""
        if self.meter.has("pmin-ignored-on-change"):
            for obs in self.observations:
                if any(path.startswith(p) or p.startswith(path) for p in obs.paths):
                    obs.urgent = True
        if self.observations and self._wake is not None:
            self._wake.set()

    def deliver(self, path: Path) -> None:
        """A scheduled delivery (:mod:`.delivery`) of ``path``: every observation covering it notifies (after its
        pmin), changed or not."""
        for obs in self.observations:
            if any(path.startswith(p) or p.startswith(path) for p in obs.paths):
                obs.pending = True
        self.changed(path)

    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) % SEQ_MOD
        return self._seq

    def _ensure_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._wake = asyncio.Event()
            self._ticker = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    async def _run(self) -> None:
        assert self._wake is not None
        while self.observations:
            try:
                await asyncio.wait_for(self._wake.wait(), TICK)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            if not self.meter.alive:
                continue
            for obs in list(self.observations):
                try:
                    self._evaluate(obs)
                except Exception:   # never let one observation stop the others
                    log.exception("evaluating observation %s failed", obs.paths)

    def _sample(self, obs: Observation) -> ValueTree | None:
        if obs.composite:
            values = self.meter.dm.composite_values(obs.paths, obs.remote)
            if self.meter.has("composite-observation-fixed-instances"):
                # the vendor resolves the paths to instances once, when the observation begins
                values = {k: v for k, v in values.items() if k.truncate(2) in obs.started_with}
            return values
        try:
            return self.meter.dm.read_values(obs.paths[0], obs.remote)
        except StoreError:
            return None

    def _evaluate(self, obs: Observation) -> None:
        m = self.meter
        now = m.loop_time()
        epmin = self._attr(obs, "epmin")
        if epmin is not None and now - obs.last_eval < epmin:
            return
        obs.last_eval = now
        values = self._sample(obs)
        if values is None:
            self._send_gone(obs)
            return
        if values != obs.last_sample:
            if self._condition(obs, values):
                obs.pending = True
            obs.last_sample = values
        pmin = self._attr(obs, "pmin", m.default_pmin(obs.remote)) or 0
        pmax = self._attr(obs, "pmax", m.default_pmax(obs.remote))
        since = now - obs.last_time
        if m.has("pmin-ignored") or (obs.urgent and obs.pending):
            pmin = 0
        obs.urgent = False
        due = obs.pending and since >= pmin
        if not due and pmax and pmax >= pmin and since >= pmax and not m.has("pmax-ignored"):
            due = True
        if due:
            self._notify(obs, values)

    def _attr(self, obs: Observation, name: str, default: float | None = None) -> float | None:
        if obs.params.get(name) is not None:
            return obs.params[name]
        attrs = self.meter.attributes_for(obs.remote)
        if not obs.composite:
            return attrs.effective(obs.paths[0], name, default)
        found = [v for p in obs.paths if len(p) and (v := attrs.effective(p, name)) is not None]
        if not found:
            return default
        return max(found) if name in ("pmin", "epmin") else min(found)

    def _condition(self, obs: Observation, values: ValueTree) -> bool:
        if obs.composite or len(obs.paths[0]) < 3:
            return True
        path = obs.paths[0]
        rdef = self.meter.store.resource_def(path)
        if rdef is None or rdef.type not in NUMERIC_TYPES:
            return True
        attrs = self.meter.attributes_for(obs.remote)
        gt, lt, st = (attrs.effective(path, n) for n in ("gt", "lt", "st"))
        if gt is None and lt is None and st is None:
            return True
        if st is not None and self.meter.has("step-ignored"):
            return True
        for p, cur in values.items():
            prev = obs.last_sample.get(p)
            if not isinstance(cur, (int, float)) or isinstance(cur, bool):
                continue
            for threshold in (gt, lt):
                if threshold is not None and isinstance(prev, (int, float)) and (prev > threshold) != (cur > threshold):
                    outward = cur > threshold if threshold == gt else cur < threshold
                    if outward or not self.meter.has("threshold-return-ignored"):
                        return True
            last = obs.last_values.get(p)
            if self.meter.has("step-from-last-sample"):
                last = prev
            if st is not None and (not isinstance(last, (int, float)) or abs(cur - last) >= st):
                return True
        return False

    # ------------------------------------------------------------------ sending
    def _notify(self, obs: Observation, values: ValueTree) -> None:
        m = self.meter
        obs.pending = False
        obs.last_time = m.loop_time()
        obs.last_values = dict(values)
        obs.count += 1
        if m.has("observe-seq-not-increasing") and obs.count % 2 == 0:
            seq = obs.seq                     # repeats the previous value
        else:
            seq = obs.seq = self._next_seq()
        try:
            payload = m.dm.encode(obs.cf, values, obs.base)
        except StoreError:
            return
        msg = wire.new(codes.CONTENT, payload=payload, content_format=obs.cf, observe=seq)
        self._send(obs, msg)
        if m.has("metering-mirrored-in-clear") and obs.base.object_id in METERING_OBJECTS:
            self._mirror_in_clear(obs, payload)

    def _mirror_in_clear(self, obs: Observation, payload: bytes) -> None:
        """The vendor's debug mirror: the notification again as plain CoAP (NON) beside the DTLS session."""
        transport = self.meter.endpoint.transport
        peer = getattr(obs.remote, "peer", obs.remote)
        sendto = getattr(transport, "_sendto", None)
        if sendto is None or not isinstance(peer, tuple):
            return
        msg = wire.new(codes.CONTENT, mtype=NON, mid=obs.count & 0xFFFF, token=obs.token, payload=payload,
                       content_format=obs.cf)
        sendto(wire.encode(msg), (peer[0], peer[1]))

    def _send_gone(self, obs: Observation) -> None:
        """The observed path disappeared: a final 4.04 notification without Observe ends it."""
        self._drop(obs)
        self._send(obs, wire.new(codes.NOT_FOUND))

    def _send(self, obs: Observation, msg: Message) -> None:
        m = self.meter
        con = m.notification_mode(obs.remote) == 1 or obs.count % CON_EVERY == 0
        if m.hostile is not None:
            msg = m.hostile.notification(msg)
        m.wake()
        task = asyncio.get_running_loop().create_task(m.endpoint.notify(msg, obs.remote, obs.token, confirmable=con))
        if con:
            def done(t: asyncio.Task[str]) -> None:
                if t.cancelled() or t.exception() is not None:
                    return
                if t.result() == "timeout" or (t.result() == "reset" and not m.has("notify-after-cancel-reset")):
                    self._drop(obs)
            task.add_done_callback(done)
        m.track(task)


__all__ = ["Observation", "Reporter", "TICK"]
