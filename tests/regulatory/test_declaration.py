"""The vendor declaration (ETSI TS 103 701 ICS and IXIT): typed validation with one-line errors naming the field,
the published schema, the example shipped for the simulator, the documentary items' four outcomes (each item can
fail), the wire checks that a declaration contradicts, and ``--declaration`` in a run."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from meterproof.declaration import contradictions, example_path, json_schema, load, validate
from meterproof.declaration.documentary import ITEMS, NO_DECLARATION, items, judge
from meterproof.errors import ConfigError

from support.suites_run import run_suites

EXAMPLE = example_path()


def example() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def _by(case: str):  # type: ignore[no-untyped-def]
    return next(i for i in ITEMS if i.case == case)


def test_the_example_ships_beside_the_profiles_and_matches_the_schema() -> None:
    assert EXAMPLE.is_file() and EXAMPLE.parent.name == "declarations"
    d = load(EXAMPLE)
    assert len(d.sha256) == 64 and d.doc.product.manufacturer == "meterproof"
    jsonschema = pytest.importorskip("jsonschema")
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(example())]
    assert errors == []


def test_the_schema_command_writes_it(tmp_path: Path) -> None:
    out = tmp_path / "declaration.schema.json"
    res = subprocess.run([sys.executable, "-m", "meterproof.tools.cli", "schema", "declaration", "-o", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert json.loads(out.read_text())["title"].startswith("meterproof vendor declaration")


@pytest.mark.parametrize("change, where, says", [
    (lambda d: d["ixit"].update(comunication={}), "ixit.comunication", "did you mean 'communication'"),
    (lambda d: d["ics"][0].update(status="X"), "ics[0].status", "must be one of M, R, M C, R C"),
    (lambda d: d["ics"][0].update(provision="5.1.1"), "ics[0].provision", "provision number"),
    (lambda d: d["ics"].append(dict(d["ics"][0])), "ics", "answered twice"),
    (lambda d: d["ixit"]["communication"]["cipher_suites"].append("AES please"), "ixit.communication.cipher_suites[6]",
     "IANA name"),
    (lambda d: d["ixit"]["user_info"]["support_period"].update(end="end of 2031"),
     "ixit.user_info.support_period.end", "YYYY-MM-DD"),
    (lambda d: d["ixit"]["user_info"]["vulnerability_disclosure"].update(policy_url="our website"),
     "ixit.user_info.vulnerability_disclosure.policy_url", "a URL"),
    (lambda d: d.pop("product"), "product", "required"),
    (lambda d: d["constrained_device"].update(constrained="maybe"), "constrained_device.constrained", "true or false"),
    (lambda d: d["ixit"]["resilience"]["retry_policy"].update(retry_count=0),
     "ixit.resilience.retry_policy.retry_count", "greater than or equal to 1"),
    (lambda d: d["ixit"]["resilience"].update(random_delay="sometimes"), "ixit.resilience.random_delay",
     "true or false"),
])
def test_errors_are_one_line_naming_the_field(change: Callable[[dict], Any], where: str, says: str) -> None:
    d = example()
    change(d)
    with pytest.raises(ConfigError) as ei:
        validate(d, "x.yaml")
    msg = str(ei.value)
    assert "\n" not in msg and msg.startswith(f"declaration x.yaml: {where}: "), msg
    assert says in msg, msg


def test_a_missing_or_broken_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("product: [\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: line \d+: not valid YAML"):
        load(bad)


def test_unquoted_yes_and_code_points_are_read_as_meant() -> None:
    d = example()
    d["ics"][0]["support"] = True                       # YAML 1.1 reads an unquoted yes as true
    d["ixit"]["communication"]["cipher_suites"] = [0xC0A8, "0xC0AE"]
    doc = validate(d)
    assert doc.ics[0].support == "yes"
    assert doc.ixit.communication.cipher_suites == ["TLS_PSK_WITH_AES_128_CCM_8", "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"]


def test_the_example_passes_or_is_justified() -> None:
    doc = load(EXAMPLE).doc
    verdicts = {i.case: judge(i, doc).verdict for i in ITEMS}
    assert set(verdicts.values()) <= {"passed", "passed with warnings", "not applicable"}, verdicts
    assert verdicts["REG-DOC-SECBOOT"] == "passed with warnings"      # 5.7-1 (R) not fulfilled, justified
    assert verdicts["REG-DOC-NO-UPDATE"] == "not applicable"          # an updatable device
    assert verdicts["REG-DOC-CONSENT"] == "not applicable"            # 6-2/6-3 declared n/a with a justification
    assert verdicts["REG-DOC-VDP"] == "passed"


#: One change to the example per item that makes it fail: the item judges something.
BREAKS: dict[str, Callable[[dict], Any]] = {
    "REG-DOC-ICS": lambda d: [r.update(support="no", justification="later") for r in d["ics"]
                              if r["provision"] == "5.1-3"],
    "REG-DOC-VDP": lambda d: d["ixit"]["user_info"]["vulnerability_disclosure"].pop("policy_url"),
    "REG-DOC-VULN": lambda d: d["ixit"]["vulnerability_monitoring"].pop("process"),
    "REG-DOC-SUPPORT": lambda d: d["ixit"]["user_info"]["support_period"].update(end="2020-01-01"),
    "REG-DOC-MODEL": lambda d: d["product"].update(model_designation_shown=[]),
    "REG-DOC-CONSTRAINED": lambda d: [r.update(support="not applicable", justification="no") for r in d["ics"]
                                      if r["provision"] == "5.1-5"],
    "REG-DOC-NO-UPDATE": lambda d: d["constrained_device"].update(constrained=True, software_updatable=False,
                                                                  justification="a battery meter"),
    "REG-DOC-UPDATE": lambda d: d["ixit"]["update"].pop("authenticity"),
    "REG-DOC-ROLLBACK": lambda d: d["ixit"].update(rollback={"allowed": True}),
    "REG-DOC-SECPARAM": lambda d: d["ixit"]["security_parameters"][0].update(unique_per_device=False),
    "REG-DOC-CRYPTO": lambda d: d["ixit"]["communication"]["nosec"].pop("justification"),
    "REG-DOC-INTERFACES": lambda d: d["ixit"]["interfaces"][1].update(enabled=True),
    "REG-DOC-SECBOOT": lambda d: [r.pop("justification") for r in d["ics"] if r["provision"] == "5.7-1"],
    "REG-DOC-PERSDATA": lambda d: d["ixit"]["user_info"].pop("personal_data_information"),
    "REG-DOC-CONSENT": lambda d: [r.update(support="yes") for r in d["ics"] if r["provision"] in ("6-2", "6-3")],
    "REG-DOC-DELETION": lambda d: d["ixit"].pop("deletion"),
    "REG-DOC-SETUP": lambda d: [r.update(support="not applicable") for r in d["ics"] if r["provision"] == "5.12-2"],
}


def test_every_item_has_a_break() -> None:
    assert set(BREAKS) == {i.case for i in ITEMS}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_every_item_fails_against_a_broken_declaration(case: str) -> None:
    d = copy.deepcopy(example())
    BREAKS[case](d)
    out = judge(_by(case), validate(d))
    assert out.verdict == "failed" and out.message, (case, out)


def test_the_four_outcomes() -> None:
    base = example()
    vdp = _by("REG-DOC-VDP")
    assert judge(vdp, validate(base)).verdict == "passed"
    d = copy.deepcopy(base)
    d["ics"] = [r for r in d["ics"] if r["provision"] != "5.2-1"]
    out = judge(vdp, validate(d))
    assert out.verdict == "failed" and out.message == "missing: the ICS does not answer provision 5.2-1"
    d = copy.deepcopy(base)
    [r.update(status="R", support="not applicable", justification=None) for r in d["ics"] if r["provision"] == "5.2-1"]
    out = judge(vdp, validate(d))
    assert out.verdict == "failed" and out.message.startswith("not justified: 5.2-1 (R, not applicable)")
    [r.update(justification="sold only to utilities with their own policy") for r in d["ics"]
     if r["provision"] == "5.2-1"]
    out = judge(vdp, validate(d))
    assert out.verdict == "not applicable" and "sold only to utilities" in out.message
    assert NO_DECLARATION == "no vendor declaration given (--declaration)"


def test_a_support_period_ends_by_the_date_of_the_run() -> None:
    doc = load(EXAMPLE).doc
    later = {i.case: i for i in items(today=lambda: dt.date(2032, 1, 1))}["REG-DOC-SUPPORT"]
    assert judge(later, doc).message == "the declared support period ended on 2031-12-31"


def test_contradictions_name_the_field_and_the_value() -> None:
    doc = load(EXAMPLE).doc
    assert contradictions.undeclared_suites(doc, [0xC0A8, 0x00FF]) == []       # the SCSV is no suite
    assert contradictions.undeclared_suites(doc, [0x008C]) == [
        "offered TLS_PSK_WITH_AES_128_CBC_SHA (0x008C), which ixit.communication.cipher_suites does not list"]
    assert contradictions.undeclared_objects(doc, [3, 3421]) == []
    assert contradictions.undeclared_objects(doc, [3, 33]) == [
        "registered /33, which ixit.interfaces[0].lwm2m_objects does not list"]
    assert not contradictions.nosec_unsupported(doc)


def wrong_declaration(tmp_path: Path) -> Path:
    """The example with three answers the simulator contradicts on the wire."""
    d = example()
    d["ixit"]["communication"]["cipher_suites"] = ["TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"]   # PSK suites left out
    d["ixit"]["communication"]["nosec"] = {"supported": False}
    d["ixit"]["interfaces"][0]["lwm2m_objects"] = [1, 2, 3, 4, 5]
    f = tmp_path / "wrong.yaml"
    f.write_text(yaml.safe_dump(d, sort_keys=False))
    return f


WIRE = ("--case", "REG-TLS-01", "--case", "REG-TLS-05", "--case", "REG-AC-03")


def _by_case(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["case"]: c for c in results["cases"].values()}


def test_a_run_judges_the_declaration_and_the_wire_against_it(tmp_path: Path) -> None:
    """With the example: the wire checks pass and the documentary items are judged; with a declaration the
    simulator contradicts: REG-TLS-01, REG-TLS-05 and REG-AC-03 fail naming the field and what was seen; without:
    every documentary item is not applicable, none passed."""
    good, out = run_suites(tmp_path, "example", "--security", "psk", "--declaration", str(EXAMPLE), *WIRE,
                           "--case", "REG-DOC-VDP", "--case", "REG-DOC-SECBOOT", timeout=120)
    cases = _by_case(good)
    assert {c: v["verdict"] for c, v in cases.items()} == {
        "REG-TLS-01": "passed", "REG-TLS-05": "passed", "REG-AC-03": "passed", "REG-DOC-VDP": "passed",
        "REG-DOC-SECBOOT": "passed with warnings"}, out
    row = next(r for r in good["regulator"] if r["provision"] == "ETSI EN 303 645 5.2-1")
    assert row["verdict"] == "passed" and row["cases"] == [{"case": "REG-DOC-VDP", "verdict": "passed"}]
    assert "sim-meter.yaml" in good.get("environment", {}).get("declaration", ""), good.get("environment")
    bad, out = run_suites(tmp_path, "wrong", "--security", "psk", "--declaration", str(wrong_declaration(tmp_path)),
                          *WIRE, timeout=120)
    cases = _by_case(bad)
    assert {c: v["verdict"] for c, v in cases.items()} == dict.fromkeys(("REG-TLS-01", "REG-TLS-05", "REG-AC-03"),
                                                                          "failed"), out
    assert "ixit.communication.cipher_suites" in cases["REG-TLS-01"]["message"]
    assert "TLS_PSK_WITH_AES_128_CCM_8 (0xC0A8)" in cases["REG-TLS-01"]["message"]
    assert "ixit.communication.nosec.supported: false" in cases["REG-TLS-05"]["message"]
    assert "registered in clear" in cases["REG-TLS-05"]["message"]
    assert "ixit.interfaces[0].lwm2m_objects" in cases["REG-AC-03"]["message"]
    none, out = run_suites(tmp_path, "none", "--case", "REG-DOC-VDP", "--case", "REG-DOC-ICS", timeout=120)
    assert [(c["verdict"], c["reason"]) for c in none["cases"].values()] == [
        ("not applicable", NO_DECLARATION)] * 2, out


def test_declaration_count_must_match_the_devices(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "pytest", str(Path(__file__).resolve().parents[2] / "suites"), "-q",
                          "-p", "no:cacheprovider", "--declaration", str(EXAMPLE), "--declaration", str(EXAMPLE),
                          "--case", "REG-DOC-VDP"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    assert "--declaration: given 2 times for 1 devices" in res.stderr + res.stdout, res.stderr[-2000:]
