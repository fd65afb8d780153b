"""Helpers shared by the driver tests."""

from __future__ import annotations

import time
from typing import Callable


def wait_for(cond: Callable[[], object], timeout: float = 10.0) -> None:
    """Poll ``cond`` (a process, a pty, a log file: nothing to await) until true or ``timeout``."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
