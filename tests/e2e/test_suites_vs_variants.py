"""End to end: the whole suite against the simulator's legal variations (fixtures/profiles/variants).

A variant meter is conformant -- it differs from the default simulator only in what the specifications leave
to the device (meterproof/sim/variants.py: its Server instance and SSID, no ``b=``, its preferred content
format, only mandatory resources, other object versions, record order, instance ids, the root link, an
alternate path).  So no case may fail or break against it: a case that does assumes something the device
decides (DESIGN.md, "Facts the device decides are read from the device, never assumed").

Each run is a real ``pytest suites`` subprocess with ``--dut-profile`` set to one variant profile.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from support.e2e_report import report
from support.suites_run import OK, REPO, run_suites

VARIANT_PROFILES = sorted((REPO / "fixtures" / "profiles" / "variants").glob("sim-*.yaml"))
#: Every variant in NoSec; the combined ones also over DTLS with certificates, where the accounts the harness
#: provisions must fit the device's Security object version (a 1.0 one has no Certificate Usage).
RUNS = [pytest.param(p, "nosec", id=f"{p.stem}-nosec") for p in VARIANT_PROFILES] + \
       [pytest.param(p, "cert", id=f"{p.stem}-cert") for p in VARIANT_PROFILES if "combined" in p.stem]


@pytest.mark.parametrize("profile, security", RUNS)
def test_no_case_fails_against_a_legal_variation(tmp_path: Path, profile: Path, security: str) -> None:
    t0 = time.monotonic()
    data, out = run_suites(tmp_path, profile.stem, "-n", "2", "--dut-profile", str(profile), "--security", security)
    cases = data["cases"]
    bad = {v["case"]: v["verdict"] for v in cases.values() if v["verdict"] not in OK}
    report(f"whole suite against the variant profile {profile.stem} ({security}): {len(cases)} cases in "
           f"{time.monotonic() - t0:.1f}s, {len(bad)} failed or broken")
    assert cases, out
    assert not bad, f"{profile.stem}: cases that fail or break against a legal variation: {bad}\n{out}"
