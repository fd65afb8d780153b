"""Interval and event data delivery as the SEW delivery objects define it: the Latest Payload of every
Interval Data Delivery instance (10262/x/2) and the Latest Eventlog of every Event Data Delivery instance
(10263/x/2) is delivered -- notified to the Server observing it -- at the times its Delivery Schedule
(10264, linked by resource 3) gives:

* deliveries start ``Schedule Start Time`` (10264/y/0) seconds after midnight in ``Schedule UTC Offset``
  (/1; empty: the Device's UTC offset /3/0/14, else UTC) and follow every ``Delivery Frequency`` (/2)
  seconds, on the meter's own clock (/3/0/13, which a Server may set);
* each is put off by a seeded random share of the ``Randomised Delivery Window`` (/3; absent: 0, "the
  Notification should be sent immediately");
* a delivery is a notification even when no new data exists ("an empty Opaque value should be provided",
  10262/x/2), so it is pushed to the observers (:meth:`.reporting.Reporter.deliver`), not left to change
  detection.

Nothing runs until a Server observes a delivery object (a meter that only registers builds none of these
instances); a write to a Delivery Schedule or to the clock plans the next delivery anew.  The seeded
defect ``delivery-schedule-ignored`` plans from the factory schedule, whatever a Server wrote.
"""

from __future__ import annotations

import asyncio
import random
import re
import struct
import time
from typing import TYPE_CHECKING, Any

from ..lwm2m.path import Path
from ..lwm2m.values import ObjLnk

if TYPE_CHECKING:
    from .host import MeterHost

DELIVERY_OBJECTS = (10262, 10263)
SCHEDULE = 10264
DAY = 86400
_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{1,2})(?::?(\d{2}))?$")


def utc_offset_seconds(text: Any) -> int | None:
    """``+02:00`` / ``UTC-05`` / ``Z`` as seconds east of UTC; None when it is empty or not an offset."""
    if not isinstance(text, str) or not text.strip():
        return None
    t = text.strip()
    if t in ("Z", "UTC", "+00:00"):
        return 0
    m = _OFFSET.match(t)
    if m is None:
        return None
    sign = -1 if m.group(1) == "-" else 1
    return sign * (int(m.group(2)) * 3600 + int(m.group(3) or 0) * 60)


def next_delivery(now: float, start: int, frequency: int, offset: int) -> float:
    """The first delivery time after ``now`` (UNIX seconds) of a schedule starting ``start`` seconds after local
    midnight (``offset`` seconds east of UTC) and repeating every ``frequency`` seconds within each day."""
    local = now + offset
    midnight = local - local % DAY
    first = midnight + start
    if local < first:
        return first - offset
    k = int((local - first) // frequency) + 1
    t = first + k * frequency
    if t >= midnight + DAY:               # the day's series is over: the next one starts tomorrow
        t = midnight + DAY + start
    return t - offset


class Delivery:
    def __init__(self, meter: "MeterHost") -> None:
        self.meter = meter
        self._handle: asyncio.TimerHandle | None = None
        self._active = False
        self._rng: random.Random | None = None     # made at the first delivery planned: 2.5 KiB a meter otherwise
        self._count = 0

    # ------------------------------------------------------------------ hooks
    def observed(self, paths: tuple[Path, ...]) -> None:
        """An observation began: deliveries start once a delivery object is observed."""
        if not self._active and any(p.object_id in DELIVERY_OBJECTS or p.is_root for p in paths):
            self._active = True
            self._plan()

    def schedule_changed(self) -> None:
        """A Delivery Schedule or the clock was written: plan the next delivery anew."""
        if self._active:
            self._plan()

    def stop(self) -> None:
        self._active = False
        self._cancel()

    # ------------------------------------------------------------------ planning
    def _cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _clock(self) -> float:
        return time.time() + self.meter.ctx.time_offset

    def _schedule(self, link: Any) -> dict[int, Any] | None:
        store = self.meter.store
        if not isinstance(link, ObjLnk) or link.object_id != SCHEDULE or not store.has_instance(SCHEDULE, link.instance_id):
            return None
        if self.meter.has("delivery-schedule-ignored"):
            # the vendor's task took the schedule once, from the factory configuration
            return self.meter.profile.objects[SCHEDULE].defaults(self.meter.ctx, link.instance_id)
        return {rid: store.get_path(Path((SCHEDULE, link.instance_id, rid))) for rid in range(6)}

    def _due(self) -> list[tuple[float, Path]]:
        """(time, Latest Payload path) of the next delivery of every delivery instance with a schedule."""
        store, now = self.meter.store, self._clock()
        out = []
        for oid in DELIVERY_OBJECTS:
            if not store.has_object(oid):
                continue
            for iid in store.instance_ids(oid):
                sched = self._schedule(store.get_path(Path((oid, iid, 3))))
                if sched is None:
                    continue
                freq = sched.get(2)
                if not isinstance(freq, int) or freq <= 0:
                    continue
                offset = utc_offset_seconds(sched.get(1))
                if offset is None:
                    offset = utc_offset_seconds(store.get_path(Path((3, 0, 14)))) or 0
                start = sched.get(0) if isinstance(sched.get(0), int) else 0
                window = sched.get(3) if isinstance(sched.get(3), int) and sched.get(3) > 0 else 0
                at = next_delivery(now, start % DAY, freq, offset)
                if self._rng is None:
                    self._rng = random.Random(self.meter.ctx.seed ^ 0x5EED)
                out.append((at + self._rng.uniform(0, min(window, freq)), Path((oid, iid, 2))))
        return out

    def _plan(self) -> None:
        self._cancel()
        if not self._active or not self.meter.running:
            return
        due = self._due()
        if not due:
            return
        when = min(t for t, _ in due)
        paths = [p for t, p in due if t <= when + 0.001]
        self._handle = asyncio.get_running_loop().call_later(max(0.0, when - self._clock()), self._deliver, paths)

    def _deliver(self, paths: list[Path]) -> None:
        self._handle = None
        if not self.meter.running:
            return
        self._count += 1
        store = self.meter.store
        for path in paths:
            links = store.get_path(path.parent.child(1), {})
            payload = {riid: struct.pack(">4sIQ", b"MPDL", self._count, int(self._clock()))
                       if path.object_id == 10262 else b"" for riid in (links if isinstance(links, dict) else {0: None})}
            store.set(path, payload, notify=False)
            self.meter.reporter.deliver(path)
        self._plan()


__all__ = ["DELIVERY_OBJECTS", "Delivery", "next_delivery", "utc_offset_seconds"]
