"""The regulatory group (suites/regulatory): every case names the provisions it evidences, the regulator view
folds verdicts per provision, the public-default dictionary is versioned and hashed, and the batch check
(REG-PW-02) catches simulated meters that ship one shared PSK by what they present on the wire."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

from meterproof.declaration.documentary import ITEMS
from meterproof.dtls import default_credentials
from meterproof.dut.fleet import presented_findings
from meterproof.report.provisions import fold, regulation_of, regulator_view
from meterproof.sim.defects import DEFECTS

from support.suites_run import run_suites

REPO = Path(__file__).resolve().parents[2]
REGULATORY = REPO / "suites" / "regulatory"
PROFILES = REPO / "fixtures" / "profiles"


def _cases() -> dict[str, tuple[str, list[str]]]:
    """Case id -> (test function, provisions of its @regulation), read from the sources."""
    out: dict[str, tuple[str, list[str]]] = {}
    for path in sorted(REGULATORY.glob("test_*.py")):
        for fn in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(fn, ast.FunctionDef) or not fn.name.startswith("test_"):
                continue
            case, provs = None, []
            for dec in fn.decorator_list:
                if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Name):
                    if dec.func.id == "mp":
                        case = ast.literal_eval(dec.args[0])
                    elif dec.func.id == "regulation":
                        provs = [ast.literal_eval(a) for a in dec.args]
            if case is None and any("parametrize" in ast.unparse(d) for d in fn.decorator_list):
                continue     # the documentary items: one case per entry of their table, added below
            assert case is not None, f"{path.name}::{fn.name} has no @mp case id"
            out[case] = (fn.name, provs)
    for item in ITEMS:
        out[item.case] = ("test_documentary_provision", list(item.cites))
    return out


def test_every_regulatory_case_carries_its_provisions() -> None:
    cases = _cases()
    assert len(cases) >= 9
    for case, (fn, provs) in cases.items():
        assert case.startswith("REG-"), f"{fn}: regulatory case ids are REG-..., got {case}"
        assert provs, f"{case} ({fn}) names no provision (@regulation)"
        assert any(p.startswith("ETSI EN 303 645") for p in provs), f"{case}: no EN 303 645 provision"
        assert all(regulation_of(p) != "other" for p in provs), f"{case}: a provision of no known regulation {provs}"
        assert not any(".md" in p for p in provs), f"{case}: cites an internal file"


def test_every_regulatory_case_has_a_seeded_defect() -> None:
    """Wire checks fail against a seeded defect of the simulator; the documentary items (REG-DOC-*) judge the
    declaration, not the device, and fail against a broken declaration instead (tests/regulatory/
    test_declaration.py)."""
    targeted = {t for d in DEFECTS.values() for t in d.targets}
    missing = sorted(c for c in set(_cases()) - targeted if not c.startswith("REG-DOC-"))
    assert not missing, f"regulatory cases no seeded defect targets: {missing}"


def test_regulator_view_folds_the_worst_verdict() -> None:
    rows = regulator_view([("REG-A", "passed", ["ETSI EN 303 645 5.1-1", "EU CRA Annex I Part I (2)(b)"]),
                           ("REG-B", "failed", ["ETSI EN 303 645 5.1-1"]),
                           ("REG-C", "not applicable", ["EU CRA Annex I Part I (2)(b)", "UK PSTI Sch.1 ¶1"])])
    by = {r["provision"]: r for r in rows}
    assert by["ETSI EN 303 645 5.1-1"]["verdict"] == "failed"
    assert by["EU CRA Annex I Part I (2)(b)"]["verdict"] == "passed"
    assert by["UK PSTI Sch.1 ¶1"]["verdict"] == "not applicable"
    assert [c["case"] for c in by["ETSI EN 303 645 5.1-1"]["cases"]] == ["REG-A", "REG-B"]
    assert rows[0]["regulation"].startswith("ETSI EN 303 645")
    assert fold(["passed with warnings", "passed"]) == "passed with warnings"


def test_dictionary_is_versioned_and_hashed() -> None:
    d = default_credentials.load()
    assert d.version >= 1
    assert d.sha256 == hashlib.sha256(default_credentials.DICTIONARY_FILE.read_bytes()).hexdigest()
    assert d.identity_matches("sesame") and not d.identity_matches("meter-7f3a")
    assert d.identity_matches("testlwm2mclient-3")
    ev = d.evidence()
    assert ev["sha256"] == d.sha256 and "key" not in str(ev).lower().replace("keys", "")


def test_presented_findings_compare_devices_not_starts() -> None:
    same = {0: {"profile": "a", "psk_identities": ["X", "a-1"], "spki_sha256": []},
            1: {"profile": "b", "psk_identities": ["X"], "spki_sha256": []}}
    assert presented_findings(same) == ["2 devices presented the same PSK identity 'X': #0 a, #1 b"]
    fine = {0: {"profile": "a", "psk_identities": ["a-1", "a-2"], "spki_sha256": ["h1"]},
            1: {"profile": "b", "psk_identities": ["b-1"], "spki_sha256": ["h2"]}}
    assert presented_findings(fine) == []


def test_batch_sharing_one_psk_fails_by_what_it_presents(tmp_path: Path) -> None:
    """Two simulated meters (two profiles, neither declaring a credential): conformant, the batch passes REG-PW-02;
    with ``universal-psk`` both present the factory identity and the batch fails, with the provisions listed."""
    profiles = [f"--dut-profile={PROFILES / 'sim-electricity-1_1.yaml'}", f"--dut-profile={PROFILES / 'sim-gas-1_1.yaml'}"]
    good, out = run_suites(tmp_path, "batch-good", *profiles, "--security", "psk", "--case", "REG-PW-02",
                           "--case", "REG-TLS-01", timeout=120)
    batch = good["batch_credentials"]
    assert batch["verdict"] == "passed", out
    assert len(batch["presented"]) == 2 and all(r["psk_identities"] for r in batch["presented"].values())
    assert "ETSI EN 303 645 5.1-1" in batch["provisions"]
    per_case = [c for c in good["cases"].values() if c["case"] == "REG-TLS-01"]
    assert per_case and all("ETSI EN 303 645 5.5-1" in c["provisions"] for c in per_case)
    row = next(r for r in good["regulator"] if r["provision"] == "ETSI EN 303 645 5.5-1")
    assert row["verdict"] == "passed" and {c["case"] for c in row["cases"]} == {"REG-TLS-01"}
    assert "regulator view" in out
    bad, out = run_suites(tmp_path, "batch-universal", *profiles, "--security", "psk", "--case", "REG-PW-02",
                          "--sim-defect", "universal-psk", timeout=120)
    batch = bad["batch_credentials"]
    assert batch["verdict"] == "failed", out
    assert "2 devices presented the same PSK identity 'SM-FACTORY'" in batch["findings"][0]
    row = next(r for r in bad["regulator"] if r["provision"] == "ETSI EN 303 645 5.1-1")
    assert row["verdict"] == "failed"
