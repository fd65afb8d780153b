"""End to end: a vendor's own object is covered by the object-model group with no change to meterproof.

The simulator's ``vendor-object`` variant implements object 32769, which only the vendor's DDF file
(fixtures/profiles/variants/vendor-ddf/32769.xml) defines; its profile names that folder in ``ddf_dirs``, as a
lab does with a device's files.  ``MP-OBJ-32769`` must then exist, pass against the conformant meter, and judge
by the lab's definition: the same meter fails it when the lab's DDF says otherwise (a narrower range), and a
seeded defect that breaks every TLV read fails it as it fails every other MP-OBJ case.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from support.suites_run import REPO, run_suites

VARIANTS = REPO / "fixtures" / "profiles" / "variants"
PROFILE = VARIANTS / "sim-vendor-object-1_1.yaml"
CASE = "MP-OBJ-32769"


def _verdict(data: dict, case: str) -> str:
    found = [v["verdict"] for v in data["cases"].values() if v["case"] == case]
    assert found, f"{case} was not run: {sorted(v['case'] for v in data['cases'].values())}"
    return found[0]


def test_vendor_object_is_covered_and_passes(tmp_path: Path) -> None:
    data, out = run_suites(tmp_path, "vendor", "--dut-profile", str(PROFILE), "--case", CASE)
    assert _verdict(data, CASE) == "passed", out


def test_vendor_object_is_judged_by_the_labs_ddf(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    shutil.copytree(VARIANTS / "vendor-ddf", lab / "vendor-ddf")
    ddf = lab / "vendor-ddf" / "32769.xml"
    ddf.write_text(ddf.read_text().replace("<RangeEnumeration>1..4</RangeEnumeration>",
                                           "<RangeEnumeration>2..4</RangeEnumeration>"))
    shutil.copy(PROFILE, lab / PROFILE.name)
    data, out = run_suites(tmp_path, "vendor-lab-ddf", "--dut-profile", str(lab / PROFILE.name), "--case", CASE)
    assert _verdict(data, CASE) == "failed", out
    assert "32769/0/1" in out, out


def test_vendor_object_fails_with_a_seeded_defect(tmp_path: Path) -> None:
    data, out = run_suites(tmp_path, "vendor-defect", "--dut-profile", str(PROFILE), "--case", CASE,
                           "--sim-defect", "tlv-length-off-by-one")
    assert _verdict(data, CASE) == "failed", out
