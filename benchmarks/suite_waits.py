"""A pytest plugin (``-p benchmarks.suite_waits``) that adds up the waits the protocol requires of a suite run.

A case against a device that answers at once still has to wait for whatever the protocol puts on a
clock: a notification at pmin/pmax, an Update before the lifetime ends, the quiet window that shows a
device ignores an input or sends nothing after a cancellation.  Those waits are the blocking waits of
the synchronous façade -- :meth:`SyncObservation.next` and :meth:`SyncServer.wait_event` (which
``expect.notification``, ``expect.event`` and ``expect.no_event`` use) -- and the raw exchanges that
got no answer (their whole timeout is the wait).  Waits for the answer to a request are round trips,
harness and device work, and are not counted.

Every xdist worker adds up its own waits per test phase and hands them to the controller on the test
reports; the controller writes the sum to the JSON file named by ``MP_BENCH_WAITS`` at the end.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Callable

import pytest

from meterproof.coap import raw
from meterproof.lwm2m import sync

_waited = 0.0


def _timed(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _waited
        t0 = time.monotonic()
        try:
            return fn(*args, **kwargs)
        finally:
            _waited += time.monotonic() - t0
    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


def _timed_exchange(fn: Callable[..., Any]) -> Callable[..., Any]:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        global _waited
        ex = await fn(*args, **kwargs)
        if ex.first_answer is None:      # silence: the whole window was a wait
            _waited += ex.end - ex.start
        return ex
    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


sync.SyncObservation.next = _timed(sync.SyncObservation.next)  # type: ignore[method-assign]
sync.SyncServer.wait_event = _timed(sync.SyncServer.wait_event)  # type: ignore[method-assign]
raw.exchange = _timed_exchange(raw.exchange)
try:
    from meterproof.fuzz import oracle as _oracle
    _oracle.exchange = raw.exchange  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    pass

_KEY = "meterproof_required_wait"
_total = 0.0
_phases = 0


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    global _waited
    outcome = yield
    rep = outcome.get_result()
    rep.user_properties.append((f"{_KEY}_{call.when}", _waited))
    _waited = 0.0


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _total, _phases
    for k, v in report.user_properties:
        if k == f"{_KEY}_{report.when}":
            _total += v
            _phases += 1


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get("MP_BENCH_WAITS")
    if path and not hasattr(session.config, "workerinput"):
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"required_wait": _total, "phases": _phases}, f)


# ----------------------------------------------------------------------------- python -m benchmarks rows
def suite_rows(quick: bool, workers: int = 2) -> list[Any]:
    """Whole suite wall time (``pytest suites -n 2`` against the simulator, a subprocess) against the sum
    of the waits the protocol requires of it shared over the workers: the run's wall time if the harness
    cost nothing and the waits were spread evenly.  ``quick``: two information reporting cases (a smoke test of the measure, not a figure to quote)."""
    import subprocess
    import sys
    import tempfile

    from .rounds import single

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = (["suites/oma/test_information_reporting.py", "-k", "notification_at_pmax or int_301"] if quick
              else ["suites"])
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "waits.json")
        cmd = [sys.executable, "-m", "pytest", *target, "-q", "-n", str(workers), "-p", "no:cacheprovider",
               "-p", "benchmarks.suite_waits", f"--meterproof-results={os.path.join(tmp, 'results.json')}"]
        env = dict(os.environ, MP_BENCH_WAITS=out, PYTHONDONTWRITEBYTECODE="1")
        t0 = time.monotonic()
        proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=1800, env=env)
        wall = time.monotonic() - t0
        if not os.path.exists(out):
            raise RuntimeError(f"suite run wrote no waits (exit {proc.returncode}): {proc.stdout[-2000:]}")
        with open(out, encoding="utf-8") as f:
            waits = json.load(f)["required_wait"]
    what = "2 reporting cases" if quick else "whole suite"
    return [single(f"{what} wall time, pytest -n {workers}, simulator", f"required waits / {workers} workers",
                   [(wall, waits / workers)], unit="s",
                   note=f"one run: wall {wall:.1f}s, required waits {waits:.1f}s in all (pytest start-up "
                        f"and collection included in the wall time)")]
