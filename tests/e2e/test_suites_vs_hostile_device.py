"""End to end: the whole suite against a hostile simulated meter, which mangles half of its answers and
notifications (meterproof/sim/hostile.py: wrong codes and Content-Formats, truncated, bit-flipped, random or
foreign payloads, notifications without Observe).

Many cases fail or are inconclusive against it — that is the device's doing.  None may end "broken": a case
that crashes on what a device sent is a harness bug ("bad input from a device is a finding, never a crash of
the harness").  Its helper-level counterpart is tests/fuzz/test_suite_helpers.py (hypothesis)."""

from __future__ import annotations

import collections
import time
from pathlib import Path

import pytest

from support.e2e_report import report
from support.suites_run import run_suites


#: one run in CI (the DTLS layer adds nothing a device's data reaches: the same decoders and cases run); more
#: seeds and modes by hand: pytest suites --sim-hostile 0.5 --meterproof-seed N --security psk|cert
@pytest.mark.parametrize("security, seed", [("nosec", 21)])
def test_a_hostile_device_never_breaks_a_case(tmp_path: Path, security: str, seed: int) -> None:
    t0 = time.monotonic()
    data, out = run_suites(tmp_path, f"hostile-{security}", "-n", "2", "--sim-hostile", "0.5",
                           "--meterproof-seed", str(seed), "--security", security)
    cases = data["cases"]
    counts = collections.Counter(v["verdict"] for v in cases.values())
    broken = {v["case"]: v.get("message", "") for v in cases.values() if v["verdict"] in ("broken", "skipped")}
    report(f"whole suite against a hostile simulator ({security}, half of its answers mangled, seed {seed}): "
           f"{len(cases)} cases in {time.monotonic() - t0:.1f}s, " +
           ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    assert cases, out
    assert not broken, f"cases the device's data broke (harness errors): {broken}\n{out}"
