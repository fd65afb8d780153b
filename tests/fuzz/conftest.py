"""Fixtures of the fuzzer's own tests: simulated targets on loopback, one per seeded defect."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from meterproof.fuzz.targets import SimTarget


@pytest.fixture
def make_target() -> Iterator[Callable[..., SimTarget]]:
    targets: list[SimTarget] = []

    def make(*defects: str) -> SimTarget:
        t = SimTarget(defects)
        targets.append(t)
        return t

    yield make
    for t in targets:
        t.close()
