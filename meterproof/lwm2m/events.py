"""An append-only event log that can be awaited: "wait for the next Update from meter-0001".

Suites never sleep; they take a :meth:`EventLog.mark` before causing something
and then :meth:`EventLog.wait` for the first matching event *after* the mark,
with a timeout derived from protocol parameters.  Because the log is
append-only, an event that arrives before the wait starts is never missed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import TimeoutError_


@dataclass(slots=True)
class Event:
    kind: str                 # "registered", "updated", "deregistered", "expired", "send", "bootstrap", ...
    endpoint: str | None
    time: float               # loop time
    wall_time: float
    data: dict[str, Any] = field(default_factory=dict)
    index: int = 0

    def __getitem__(self, key: str) -> Any:
        return self.data[key]


class EventLog:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self._cond: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._cond is None:
            self._cond = asyncio.Condition()
        return self._cond

    def mark(self) -> int:
        return len(self.events)

    def emit(self, kind: str, endpoint: str | None, **data: Any) -> Event:
        loop = asyncio.get_running_loop()
        ev = Event(kind, endpoint, loop.time(), time.time(), data, len(self.events))
        self.events.append(ev)
        cond = self._condition()

        async def _notify() -> None:
            async with cond:
                cond.notify_all()

        loop.create_task(_notify())
        return ev

    def find(self, kind: str | tuple[str, ...], endpoint: str | None = None, since: int = 0,
             where: Callable[[Event], bool] | None = None) -> Event | None:
        kinds = (kind,) if isinstance(kind, str) else kind
        for ev in self.events[since:]:
            if ev.kind in kinds and (endpoint is None or ev.endpoint == endpoint) and (where is None or where(ev)):
                return ev
        return None

    def all(self, kind: str | tuple[str, ...], endpoint: str | None = None, since: int = 0) -> list[Event]:
        kinds = (kind,) if isinstance(kind, str) else kind
        return [ev for ev in self.events[since:] if ev.kind in kinds and (endpoint is None or ev.endpoint == endpoint)]

    async def wait(self, kind: str | tuple[str, ...], endpoint: str | None = None, *, since: int = 0,
                   timeout: float, where: Callable[[Event], bool] | None = None) -> Event:
        """First matching event at index >= ``since``; TimeoutError_ after ``timeout`` s."""
        cond = self._condition()
        deadline = asyncio.get_running_loop().time() + timeout
        async with cond:
            while True:
                ev = self.find(kind, endpoint, since, where)
                if ev is not None:
                    return ev
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    raise TimeoutError_(f"no {kind!r} event{' from ' + endpoint if endpoint else ''} "
                                        f"within {timeout:.1f}s")
                try:
                    await asyncio.wait_for(cond.wait(), remaining)
                except asyncio.TimeoutError:
                    pass
