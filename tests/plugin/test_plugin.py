"""The pytest plugin itself: options, profile errors, applicability, verdicts, Allure metadata.

Runs throwaway test files through pytester, so no device is involved: these pin
what the plugin does with a case, not what a device does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CASES = '''
import pytest
from meterproof.fixtures import ets, mp, requires, expect, CF

@ets("LightweightM2M-1.1-int-201", "conformant")
def test_pass():
    expect.equal(1, 1, "one")

@ets("LightweightM2M-1.1-int-203", "non-conformant")
def test_fail():
    expect.equal(2, 1, "the value of /3/0/9")

@ets("LightweightM2M-1.1-int-204", "harness problem")
def test_broken():
    raise RuntimeError("socket exploded")

@ets("LightweightM2M-1.1-int-211", "needs LwM2M CBOR")
@requires(content_format=CF.LWM2M_CBOR)
def test_not_applicable():
    raise AssertionError("must not run")

@mp("MP-X-WARN", "should-level", epic="E", feature="F", clause="TS X")
def test_warn():
    expect.should(False, "a SHOULD", "yes", "no")

@ets("LightweightM2M-1.1-int-222", "device silent")
def test_device_timeout():
    from meterproof.coap.endpoint import RequestTimeout
    raise RequestTimeout("no ACK")

@ets("LightweightM2M-1.1-int-223", "a supporting step fails")
def test_inconclusive():
    with expect.supporting("read /1/3 for reference", "int-224"):
        expect.equal(4, 5, "the reference value")
    raise AssertionError("must not get here")
'''


def _run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict]:
    pytester.makepyfile(test_cases=CASES)
    results = pytester.path / "verdicts.json"
    res = pytester.runpytest("-p", "meterproof.fixtures.plugin", f"--meterproof-results={results}", *args)
    data = json.loads(results.read_text())["cases"] if results.exists() else {}
    return res, {k.split("::")[-1]: v for k, v in data.items()}


def test_verdicts(pytester: pytest.Pytester) -> None:
    res, v = _run(pytester)
    assert v["test_pass"]["verdict"] == "passed"
    assert v["test_fail"]["verdict"] == "failed"
    assert v["test_broken"]["verdict"] == "broken"
    assert v["test_not_applicable"]["verdict"] == "not applicable"
    assert v["test_warn"]["verdict"] == "passed with warnings"
    assert v["test_device_timeout"]["verdict"] == "failed", "a silent device is a finding, not a harness error"
    assert v["test_fail"]["case"] == "int-203"
    assert v["test_inconclusive"]["verdict"] == "inconclusive"
    assert "read /1/3 for reference" in v["test_inconclusive"]["reason"]
    assert "int-224" in v["test_inconclusive"]["reason"]
    out = res.stdout.str()
    assert "meterproof conformance summary" in out
    assert "expected 1, received 2" in out


def test_results_json_holds_what_a_lab_triages(pytester: pytest.Pytester) -> None:
    """Per case: the outcome, the message, the clause, expected and received values, the reason, the duration."""
    _, v = _run(pytester)
    fail = v["test_fail"]
    assert fail["expected"] == "1" and fail["received"] == "2"
    assert fail["message"].startswith("the value of /3/0/9: expected 1, received 2")
    assert "int-203" in fail["clause"]
    assert fail["title"] == "non-conformant"
    assert isinstance(fail["duration"], float)
    assert v["test_not_applicable"]["reason"].startswith("the device does not claim content format LWM2M_CBOR")
    assert v["test_warn"]["warnings"] and "a SHOULD" in v["test_warn"]["warnings"][0]
    assert v["test_broken"]["message"] == "harness error: socket exploded", "words, not a Python class name"


def test_case_selection(pytester: pytest.Pytester) -> None:
    res, v = _run(pytester, "--case", "int-201", "--case", "MP-X-WARN")
    assert set(v) == {"test_pass", "test_warn"}


def test_allure_metadata(pytester: pytest.Pytester) -> None:
    out = pytester.path / "allure"
    _run(pytester, "--alluredir", str(out))
    env = (out / "environment.properties").read_text()
    for key in ("meterproof.version=", "profile.digest=", "seed=", "profile.lwm2m=1.1"):
        assert key in env
    cats = json.loads((out / "categories.json").read_text())
    assert {c["name"] for c in cats} >= {"Device non-conformance", "Timeout (the device did not answer in time)",
                                        "Set-up failure or harness problem (not the device's fault)",
                                        "Inconclusive (a supporting step failed)"}
    results = [json.loads(p.read_text()) for p in out.glob("*-result.json")]
    by_name = {r["name"]: r for r in results}
    fail = by_name["int-203: non-conformant"]
    labels = {(lb["name"], lb["value"]) for lb in fail["labels"]}
    assert ("epic", "Device Management and Service Enablement") in labels
    assert ("feature", "DM & SE interface") in labels
    assert ("story", "non-conformant") in labels
    assert ("as_id", "LightweightM2M-1.1-int-203") in labels or ("id", "LightweightM2M-1.1-int-203") in labels \
        or any(v == "LightweightM2M-1.1-int-203" for _, v in labels)
    assert ("tag", "int-203") in labels
    assert fail["status"] == "failed"
    assert by_name["int-204: harness problem"]["status"] == "broken"
    assert by_name["int-211: needs LwM2M CBOR"]["status"] == "skipped"


@pytest.mark.parametrize("content, message", [
    ("name: x\nendpoint: e\n", "lwm2m_version: is required"),
    ("name: x\nendpoint: e\nlwm2m_version: '2.0'\n", "lwm2m_version: must be one of 1.0, 1.1, 1.2"),
    ("name: x\nendpoint: e\nlwm2m_version: '1.1'\ncontent_formats: [tlvv]\n", "content_formats: unknown format"),
    ("name: x\nendpoint: e\nlwm2m_version: '1.1'\ntiming: {scale: -1}\n", "timing.scale: must be a positive"),
    ("name: x\nendpoint: e\nlwm2m_version: '1.1'\nwaivers: [{case: int-1}]\n", "waivers[0]: needs"),
    ("name: [unclosed\n", "not valid YAML"),
    ("name: x\nendpoint: e\nlwm2m_version: '1.1'\nbogus: 1\n", "bogus: unknown field"),
])
def test_profile_errors_are_one_clear_line(pytester: pytest.Pytester, content: str, message: str) -> None:
    prof = pytester.path / "device.yaml"
    prof.write_text(content)
    pytester.makepyfile(test_x="def test_x(): pass\n")
    res = pytester.runpytest("-p", "meterproof.fixtures.plugin", f"--dut-profile={prof}")
    err = res.stderr.str()
    assert res.ret != 0
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert any(message in ln and "device.yaml" in ln for ln in lines), err
    assert "Traceback" not in err


def test_unknown_sim_variant_is_one_clear_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x(): pass\n")
    res = pytester.runpytest("-p", "meterproof.fixtures.plugin", "--sim-variant", "bogus")
    assert res.ret != 0
    assert "unknown variant 'bogus'; see meterproof simulate --list-variants" in res.stderr.str()
    assert "Traceback" not in res.stderr.str()
    res = pytester.runpytest("-p", "meterproof.fixtures.plugin", "--sim-variant", "no-root-link", "--sim-lwm2m", "1.0")
    assert res.ret != 0 and "needs LwM2M 1.1 or 1.2; this meter is 1.0" in res.stderr.str()


def test_missing_profile_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x(): pass\n")
    res = pytester.runpytest("-p", "meterproof.fixtures.plugin", "--dut-profile=nowhere.yaml")
    assert res.ret != 0
    assert "nowhere.yaml: file not found" in res.stderr.str()


def test_builtin_profiles_load() -> None:
    from meterproof.profile import BUILTIN_DIR, load
    files = sorted(BUILTIN_DIR.glob("*.yaml"))
    assert len(files) == 9
    for f in files:
        p = load(f)
        assert p.driver == "simulator"
        assert len(p.digest) == 16


def test_profile_digest_excludes_secrets() -> None:
    from meterproof.profile import from_dict
    a = from_dict({"name": "x", "endpoint": "e", "lwm2m_version": "1.1",
                   "security": {"mode": "psk", "psk_identity": "id", "psk_key": "00112233"}})
    b = from_dict({"name": "x", "endpoint": "e", "lwm2m_version": "1.1",
                   "security": {"mode": "psk", "psk_identity": "id", "psk_key": "ffffffff"}})
    assert a.digest == b.digest


def test_redactor_masks_every_spelling() -> None:
    from meterproof.report.redact import Redactor
    r = Redactor()
    r.add(b"\x01\x02\x03\x04secret")
    text = "hex 0102030473656372657 key=0102030473656372657401 b64 AQIDBHNlY3JldA"
    masked = r.text(text + " " + bytes.fromhex("0102030473656372657").hex() if False else text)
    assert "AQIDBHNlY3JldA" not in masked
    assert r.bytes(b"xx\x01\x02\x03\x04secretyy") == b"xx" + b"\0" * 10 + b"yy"
    assert Path  # keep import used


def test_disruptive_executes_unclaimed_says_which_feature_to_claim() -> None:
    """A case that resets the radio or changes the SIM on a profile without ``disruptive-executes``: not applicable,
    with the reason naming what to claim; a profile that claims it lets the case run."""
    import dataclasses

    from meterproof.fixtures.applicability import _not_applicable
    from meterproof.profile import from_dict

    class Item:
        def get_closest_marker(self, name: str) -> pytest.Mark | None:
            return pytest.mark.meterproof_requires(obj=501, feature="disruptive-executes").mark

    profile = from_dict({"name": "bench meter", "endpoint": "m-{n}", "lwm2m_version": "1.1",
                         "driver": {"type": "simulator"}})
    assert _not_applicable(Item(), profile) == ("the profile does not allow executes that reset the radio or change "
                                                "the SIM: claim feature disruptive-executes")
    assert _not_applicable(Item(), dataclasses.replace(profile, features=("disruptive-executes",))) is None
