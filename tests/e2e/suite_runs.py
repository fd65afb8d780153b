"""Running the conformance suites as a user does, for the end-to-end tests: a ``pytest suites`` subprocess
whose verdicts come back through ``--meterproof-results``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
#: Verdicts that are not a problem: the device conforms, or the case does not apply to it.
OK = ("passed", "passed with warnings", "not applicable")


def suite_results(tmp: Path, name: str, *args: str, timeout: float = 900) -> tuple[dict[str, Any], str]:
    """Run ``pytest suites`` with ``args``: the whole results JSON and the tail of the run's output.

    The venv's scripts come first on PATH, so a process driver finds ``meterproof simulate``."""
    results = tmp / f"{name}.json"
    cmd = [sys.executable, "-m", "pytest", "suites", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           f"--meterproof-results={results}", *args]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)
    out = proc.stdout[-6000:] + proc.stderr[-2000:]
    if not results.exists():
        raise AssertionError(f"suite run {name} wrote no results (exit {proc.returncode}):\n{out}")
    return json.loads(results.read_text()), out


def run_suites(tmp: Path, name: str, *args: str, timeout: float = 900) -> tuple[dict[str, dict[str, str]], str]:
    """As :func:`suite_results`; the verdict of every case (by node id) and the tail of the output."""
    data, out = suite_results(tmp, name, *args, timeout=timeout)
    return data["cases"], out
