"""Run-wide set-up of the project's own tests, for the xdist controller and its workers.

* Prints what the end-to-end tests measured (suite wall times, the defect-by-case matrix) in the terminal
  summary, also under pytest-xdist, whose workers' stdout is not shown.
* Nothing is written into the checkout: hypothesis keeps no example database, the end-to-end summary lives
  in a temporary folder, and at the end the controller fails the run if files appeared in the checkout
  that git does not track (bytecode caches and the set-up's own ``.venv`` and egg-info excepted).

It lives at the top of tests/ because the xdist controller, which writes the summary, loads only the
conftest files of the paths it is given, never those of sub-folders."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from support.e2e_report import ENV, summary_file

REPO = Path(__file__).resolve().parents[1]

settings.register_profile("meterproof-tests", database=None)
settings.load_profile("meterproof-tests")
set_hypothesis_home_dir(summary_file().parent / "hypothesis")   # its constants cache, not ./.hypothesis

#: What a test run may leave in the checkout: the README's set-up and Python's own bytecode caches.
_ALLOWED = (".venv/", "meterproof.egg-info/", "__pycache__/", ".pytest_cache/")


def _untracked() -> set[str] | None:
    """Files in the checkout git does not track (ignored ones included), or None outside a git checkout."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all", "-z",
                              "--", ".", ":(exclude).venv"], cwd=REPO, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    names = {e[3:] for e in out.stdout.decode("utf-8", "replace").split("\0") if e[:2] in ("??", "!!")}
    return {n for n in names if not any(a in f"/{n}" for a in (f"/{a}" for a in _ALLOWED))}


_BEFORE: set[str] | None = None


#: The longest tests (``pytest tests --durations``: the defect matrix, the npm clients, the lossy-link and driver
#: runs, the conformant and variant whole-suite runs), longest first.  They are handed out first, each followed
#: by one short test: the README's ``-n 6 --maxschedchunk 1`` makes xdist give each worker two tests to start
#: with, so every worker starts on one long test and takes the next long one when it asks for more (without the
#: option xdist's first chunks are ~70 consecutive tests, and every long test lands on the first worker).  The
#: conformant whole-suite runs the matrix is scored against come second, so that they run beside the matrix.
FIRST = ("tests/e2e/test_suites_vs_simulator.py::test_mutation_matrix",
         "tests/e2e/test_suites_vs_simulator.py::test_conformant_simulator_passes_every_applicable_case",
         "tests/interop/test_npm_clients.py::test_verdicts_match_the_expectation_file",
         "tests/e2e/test_suites_under_loss.py",
         "tests/e2e/test_drivers_e2e.py::test_whole_suite",
         "tests/e2e/test_suites_vs_simulator.py",
         "tests/e2e/test_suites_vs_variants.py",
         "tests/e2e/test_suites_vs_hostile_device.py",
         "tests/e2e/test_rpk_external_device.py",
         "tests/plugin/test_device_down.py",
         "tests/report/",
         "tests/cli/test_wheel.py")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(FIRST) if item.nodeid.startswith(prefix)), len(FIRST))
    long_ = sorted((i for i in items if rank(i) < len(FIRST)), key=rank)     # stable within a prefix
    short = [i for i in items if rank(i) == len(FIRST)]
    paired = [x for pair in zip(long_, short) for x in pair]
    items[:] = paired + long_[len(paired) // 2:] + short[len(paired) // 2:]


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        os.environ.pop(ENV, None)
        summary_file()              # the controller names the file; the workers it starts inherit the name


def pytest_sessionstart(session: pytest.Session) -> None:
    global _BEFORE
    if not hasattr(session.config, "workerinput"):
        _BEFORE = _untracked()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput") or _BEFORE is None:
        return
    after = _untracked()
    new = sorted((after or set()) - _BEFORE)
    if new:
        session.config.stash[_WROTE] = new
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_WROTE = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if hasattr(config, "workerinput"):
        return
    summary = summary_file()
    if summary.exists():
        terminalreporter.section("meterproof end-to-end measurements")
        for line in summary.read_text(encoding="utf-8").splitlines():
            terminalreporter.write_line(line)
    wrote = config.stash.get(_WROTE, [])
    if wrote:
        terminalreporter.section("files the tests wrote into the checkout", red=True)
        for name in wrote[:50]:
            terminalreporter.write_line(f"  {name}")
        terminalreporter.write_line("the project's tests must write only into temporary folders: "
                                    "give the writer a tmp_path (FAIL)")
