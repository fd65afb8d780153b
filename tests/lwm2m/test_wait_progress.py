"""Long waits are announced: LoopThread.run tells its ``progress`` callback what it waits for and how long is
left, once a wait given a ``what`` outlasts PROGRESS_AFTER_S (the console line of fixtures/session.py)."""

from __future__ import annotations

import asyncio
from typing import Iterator

import pytest

from meterproof.lwm2m import sync
from meterproof.lwm2m.sync import LoopThread


@pytest.fixture
def lt(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopThread]:
    monkeypatch.setattr(sync, "PROGRESS_AFTER_S", 0.05)
    monkeypatch.setattr(sync, "PROGRESS_EVERY_S", 0.05)
    t = LoopThread()
    yield t
    t.stop()


def _until_announced(lt: LoopThread, times: int) -> tuple[list[tuple[str, float, float | None]], asyncio.Event]:
    """A progress callback that records each announcement and ends the wait after ``times`` of them."""
    heard: list[tuple[str, float, float | None]] = []
    done = lt.call(asyncio.Event)

    def progress(what: str, waited: float, left: float | None) -> None:
        heard.append((what, waited, left))
        if len(heard) == times:
            lt.loop.call_soon_threadsafe(done.set)
    lt.progress = progress
    return heard, done


def test_a_long_wait_says_what_it_waits_for_and_how_long_is_left(lt: LoopThread) -> None:
    heard, done = _until_announced(lt, 2)
    assert lt.run(done.wait(), timeout=30, what="the device's Update", limit=25) is True
    assert [w for w, _, _ in heard] == ["the device's Update"] * 2
    (_, first, left1), (_, second, left2) = heard
    assert 0 < first < second and left1 is not None and left2 is not None
    assert left1 == pytest.approx(25 - first) and left2 == pytest.approx(25 - second)


def test_a_wait_without_a_name_is_not_announced(lt: LoopThread) -> None:
    heard, done = _until_announced(lt, 1)

    async def later() -> bool:
        await asyncio.sleep(0.3)        # several announcement periods
        return True
    assert lt.run(later(), timeout=30) is True
    assert heard == []


def test_the_wait_still_ends_at_its_timeout(lt: LoopThread) -> None:
    heard, done = _until_announced(lt, 1000)
    with pytest.raises(sync.TimeoutError_):
        lt.run(asyncio.Event().wait(), timeout=0.3, what="a notification of /3/0/9")
    assert heard and all(w == "a notification of /3/0/9" for w, _, _ in heard)
