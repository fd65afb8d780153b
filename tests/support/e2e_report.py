"""Where the end-to-end and interop tests put what they measured; ``tests/conftest.py`` prints it in the
terminal summary."""

from __future__ import annotations

from pathlib import Path

SUMMARY = Path(__file__).resolve().parents[2] / "reports" / "out" / "e2e-summary.txt"


def report(text: str) -> None:
    """Add lines to the end-to-end summary printed at the end of the run (xdist workers included)."""
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    with SUMMARY.open("a", encoding="utf-8") as f:
        f.write(text.rstrip("\n") + "\n")
