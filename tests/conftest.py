"""Prints what the end-to-end tests measured (suite wall times, the defect-by-case matrix) in the
terminal summary, also under pytest-xdist, whose workers' stdout is not shown.

It lives at the top of tests/ because the xdist controller, which writes the summary, loads only the
conftest files of the paths it is given, never those of sub-folders."""

from __future__ import annotations

import pytest

from support.e2e_report import SUMMARY


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):
        SUMMARY.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if hasattr(config, "workerinput") or not SUMMARY.exists():
        return
    terminalreporter.section("meterproof end-to-end measurements")
    for line in SUMMARY.read_text(encoding="utf-8").splitlines():
        terminalreporter.write_line(line)
