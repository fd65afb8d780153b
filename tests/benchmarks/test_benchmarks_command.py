"""``python -m benchmarks --quick`` runs and prints its one table with every row (no speed is judged)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROWS = ("SenML CBOR decode", "bare UDP echo", "aiocoap client GET", "DTLS PSK handshake", "fuzz cases/s",
        "firmware push 1 MiB", "firmware pull 1 MiB by CoAP", "firmware pull 1 MiB by HTTP",
        "meters register", "memory per meter", "wall time, pytest -n 2")


@pytest.mark.slow
def test_quick_run_prints_every_row_with_numeric_ratios() -> None:
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--rounds", "1"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)   # a hang guard, not a speed check
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("| ") and not ln.startswith("| measured")]
    for row in ROWS:
        hits = [ln for ln in lines if row in ln]
        assert hits, f"no row {row!r} in:\n{proc.stdout}"
        for ln in hits:
            cells = [c.strip() for c in ln.strip("|").split("|")]
            assert re.fullmatch(r"\d+\.\d\dx", cells[2]) and re.fullmatch(r"\d+\.\d\dx", cells[3]), ln
            assert float(cells[2][:-1]) > 0 and cells[4].isdigit(), ln
