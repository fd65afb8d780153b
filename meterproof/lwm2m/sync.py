"""A synchronous façade over the asyncio engine, for pytest.

:class:`LoopThread` runs one event loop in a daemon thread; :meth:`LoopThread.run`
submits a coroutine and blocks for its result.  :class:`SyncServer` exposes every
coroutine method of :class:`~meterproof.lwm2m.server.Lwm2mServer` as a plain
method (same name, same arguments) and adds event waits, so a suite case reads
``server.read(ep, "/3/0", accept=TLV)`` with no ``await``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import threading
import time
from typing import Any, Awaitable, Callable, Coroutine, TypeVar

from ..coap.observe import Notification
from ..errors import TimeoutError_
from .events import Event
from .server import Lwm2mServer, ObservationHandle, OpResult

T = TypeVar("T")

#: an event kind as a person waiting for it would say it (progress lines)
EVENT_NAMES = {"registered": "Register", "updated": "Update", "deregistered": "De-register",
               "expired": "the registration's expiry", "rejected": "a refused Register", "send": "Send",
               "bootstrap-request": "Bootstrap-Request", "bootstrap-done": "the end of bootstrap",
               "bootstrap-finished": "Bootstrap-Finish", "bootstrap-pack": "Bootstrap-Pack-Request"}


#: a wait longer than this is announced to :attr:`LoopThread.progress` (then again every :data:`PROGRESS_EVERY_S`)
PROGRESS_AFTER_S = 3.0
PROGRESS_EVERY_S = 5.0
#: what a long wait is announced to: (what is awaited, seconds waited, seconds left or None)
Progress = Callable[[str, float, "float | None"], None]


class LoopThread:
    """An asyncio event loop running in its own daemon thread.

    ``progress`` (set by whoever shows a console) hears about every wait given a ``what`` that lasts longer than
    :data:`PROGRESS_AFTER_S`: what is awaited and how long is left, so a person watching a slow device knows the
    run is waiting on purpose."""

    progress: Progress | None = None

    def __init__(self, name: str = "meterproof-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._main, name=name, daemon=True)
        self.thread.start()
        self._ready.wait()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T] | Awaitable[T], timeout: float | None = None, *,
            what: str | None = None, limit: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result (re-raising its exception). ``what`` names what a
        long wait is for, and ``limit`` how long the coroutine itself may wait, for :attr:`progress`."""
        if threading.current_thread() is self.thread:
            raise RuntimeError("LoopThread.run called from the loop thread itself")
        fut = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        try:
            if what is not None and self.progress is not None:
                return self._announced(fut, timeout, what, limit if limit is not None else timeout)
            return fut.result(timeout)
        except TimeoutError:
            if fut.done():
                raise   # the coroutine's own TimeoutError (e.g. RequestTimeout), not our wait running out
            fut.cancel()
            raise TimeoutError_(f"operation did not finish within {timeout}s") from None

    def _announced(self, fut: "concurrent.futures.Future[T]", timeout: float | None, what: str,
                   limit: float | None) -> T:
        """``fut.result(timeout)``, telling :attr:`progress` about the wait once it is long."""
        t0 = time.monotonic()
        step = PROGRESS_AFTER_S
        while True:
            waited = time.monotonic() - t0
            slice_ = step if timeout is None else min(step, max(timeout - waited, 0.0))
            try:
                return fut.result(slice_)
            except concurrent.futures.TimeoutError:
                waited = time.monotonic() - t0
                if fut.done() or (timeout is not None and waited >= timeout):
                    raise
            progress = self.progress
            if progress is not None:
                progress(what, waited, None if limit is None else max(limit - waited, 0.0))
            step = PROGRESS_EVERY_S

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a plain function on the loop thread (to touch loop-owned state safely)."""
        async def _c() -> T:
            return fn(*args)
        return self.run(_c())

    def stop(self) -> None:
        if self.loop.is_closed():
            return

        async def _shutdown() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.run(_shutdown(), timeout=5)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        if not self.thread.is_alive():
            self.loop.close()


class SyncObservation:
    """Blocking view of an :class:`ObservationHandle`."""

    def __init__(self, handle: ObservationHandle, lt: LoopThread) -> None:
        self.handle = handle
        self._lt = lt

    @property
    def first(self) -> OpResult:
        return self.handle.first

    @property
    def established(self) -> bool:
        return self.handle.established

    @property
    def requested_at(self) -> float | None:
        """Loop time of the Observe request's first transmission (see Observation.requested_at)."""
        return self.handle.observation.requested_at

    @property
    def established_at(self) -> float | None:
        """Loop time its answer arrived (see Observation.established_at)."""
        return self.handle.observation.established_at

    @property
    def notifications(self) -> list[Notification]:
        return list(self.handle.observation.notifications)

    @property
    def after_cancel(self) -> list[Notification]:
        return list(self.handle.observation.after_cancel)

    @property
    def stale(self) -> list[Notification]:
        return self.handle.observation.stale

    def next(self, timeout: float) -> Notification:
        return self._lt.run(self.handle.observation.next(timeout),
                            what=f"a notification of {self.handle.observation.path}", limit=timeout)

    def decode(self, n: Notification) -> tuple[Any, str | None]:
        return self.handle.decode(n)

    def drain(self) -> list[Notification]:
        """Set aside every notification already queued (the next :meth:`next` waits for a new one)."""
        return self._lt.call(self.handle.observation.drain)

    def decode_series(self, n: Notification) -> tuple[Any, str | None]:
        """Every value of a notification with its time (see ObservationHandle.decode_series)."""
        return self.handle.decode_series(n)

    def now(self) -> float:
        return self._lt.loop.time()


class SyncServer:
    """Blocking wrapper around an :class:`Lwm2mServer` running on a :class:`LoopThread`."""

    def __init__(self, server: Lwm2mServer, lt: LoopThread) -> None:
        self.aio = server
        self.lt = lt

    @classmethod
    def start(cls, lt: LoopThread, **kwargs: Any) -> "SyncServer":
        async def _mk() -> Lwm2mServer:
            return await Lwm2mServer(**kwargs).start()
        return cls(lt.run(_mk()), lt)

    def close(self) -> None:
        self.lt.call(self.aio.close)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.aio, name)
        if inspect.iscoroutinefunction(attr):
            @functools.wraps(attr)
            def call(*args: Any, **kwargs: Any) -> Any:
                res = self.lt.run(attr(*args, **kwargs))
                if isinstance(res, ObservationHandle):
                    return SyncObservation(res, self.lt)
                return res
            return call
        return attr

    def begin(self, name: str, *args: Any, **kwargs: Any) -> "concurrent.futures.Future[Any]":
        """Start the operation ``name`` (e.g. ``"read"``) and return at once; its result comes with
        ``.result(timeout)``.  For a request the server holds back (a queue-mode client asleep, int-109)."""
        return asyncio.run_coroutine_threadsafe(getattr(self.aio, name)(*args, **kwargs), self.lt.loop)

    # observation helpers need the handle unwrapped
    def cancel_observation(self, obs: SyncObservation, *, mode: str = "get",
                           timeout: float | None = None) -> OpResult | None:
        return self.lt.run(self.aio.cancel_observation(obs.handle, mode=mode, timeout=timeout))

    # events ---------------------------------------------------------------
    def mark(self) -> int:
        return self.aio.events.mark()

    def wait_event(self, kind: str | tuple[str, ...], endpoint: str | None = None, *, since: int = 0,
                   timeout: float, where: Callable[[Event], bool] | None = None) -> Event:
        kinds = " or ".join(EVENT_NAMES.get(k, k) for k in ((kind,) if isinstance(kind, str) else kind))
        return self.lt.run(self.aio.events.wait(kind, endpoint, since=since, timeout=timeout, where=where),
                           what=f"the device's {kinds}", limit=timeout)

    def events(self, kind: str | tuple[str, ...], endpoint: str | None = None, since: int = 0) -> list[Event]:
        return self.aio.events.all(kind, endpoint, since)

    def no_event(self, kind: str | tuple[str, ...], endpoint: str | None = None, *, since: int,
                 within: float) -> bool:
        """True when no such event arrives within ``within`` seconds (a bounded, event-driven wait)."""
        try:
            self.wait_event(kind, endpoint, since=since, timeout=within)
        except TimeoutError_:
            return True
        return False

    def now(self) -> float:
        return self.lt.loop.time()
