"""Runs ``pytest suites`` as a user runs it, in a subprocess, and returns its verdicts.

The end-to-end tests (tests/e2e/) and the interop tests against independent clients (tests/interop/) all
judge meterproof by what a real run writes to ``--meterproof-results``: this is the one place that starts
such a run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

REPO = Path(__file__).resolve().parents[2]
#: Verdicts that are not a problem: the device conforms, or the case does not apply to it.
OK = ("passed", "passed with warnings", "not applicable")


def run_suites(tmp: Path, name: str, *args: str, timeout: float = 900,
               env: Mapping[str, str] | None = None, cases: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    """Run the suites with ``args``; return the results JSON (``cases``: node id -> verdict record) and the
    tail of the run's output. ``env`` adds variables to the run's environment (e.g. NODE_PATH for a client
    program the profile starts). The venv's bin folder comes first on PATH, so ``meterproof`` resolves.
    ``cases``: node ids as the results JSON names them (``suites/...::test_x``) to run only those."""
    results = tmp / f"{name}.json"
    targets = [str(REPO / c) for c in cases] or [str(REPO / "suites")]
    cmd = [sys.executable, "-m", "pytest", *targets, "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           f"--meterproof-results={results}", *args]
    full_env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
                    PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    full_env.update(env or {})
    proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=timeout, env=full_env)
    out = proc.stdout[-6000:] + proc.stderr[-2000:]
    if not results.exists():
        raise AssertionError(f"suite run {name} wrote no results (exit {proc.returncode}):\n{out}")
    return json.loads(results.read_text()), out
