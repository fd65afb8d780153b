"""Where the end-to-end and interop tests put what they measured; ``tests/conftest.py`` prints it in the
terminal summary.  The file lives in a temporary folder the controller names in ``MP_E2E_SUMMARY`` (the
xdist workers inherit it): the project's tests never write into the checkout."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV = "MP_E2E_SUMMARY"


def summary_file() -> Path:
    """This run's summary file (a fresh temporary one for a process that was not given one)."""
    name = os.environ.get(ENV)
    if not name:
        name = os.environ[ENV] = str(Path(tempfile.mkdtemp(prefix="meterproof-e2e-")) / "e2e-summary.txt")
    return Path(name)


def report(text: str) -> None:
    """Add lines to the end-to-end summary printed at the end of the run (xdist workers included)."""
    with summary_file().open("a", encoding="utf-8") as f:
        f.write(text.rstrip("\n") + "\n")
