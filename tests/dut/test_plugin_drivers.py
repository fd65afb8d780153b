"""The plugin with real-meter drivers: the --dut command shortcut, manual-mode applicability, driver logs on
failure, and several --dut-profile devices in one run (batch record)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CASES = '''
from meterproof.fixtures import ets, requires, expect

@ets("LightweightM2M-1.1-int-101", "registers")
def test_registers(dut, registration):
    expect.equal(registration.endpoint, dut.endpoint, "endpoint")

@ets("LightweightM2M-1.1-int-241", "needs a reboot")
@requires(trigger="reboot")
def test_reboot(dut):
    dut.trigger("reboot")

@ets("LightweightM2M-1.1-int-203", "fails on purpose")
def test_fails(dut):
    expect.equal(1, 2, "a value")
'''


def _run(pytester: pytest.Pytester, *args: str, env: dict[str, str] | None = None) -> tuple[pytest.RunResult, dict]:
    pytester.makepyfile(test_cases=CASES)
    results = pytester.path / "verdicts.json"
    for k, v in (env or {}).items():
        pytester._monkeypatch.setenv(k, v)  # type: ignore[attr-defined]
    res = pytester.runpytest_subprocess("-p", "meterproof.fixtures.plugin", "-p", "no:cacheprovider",
                                        f"--meterproof-results={results}", *args)
    data = json.loads(results.read_text()) if results.exists() else {}
    return res, data


def _verdicts(data: dict) -> dict[str, str]:
    return {k.split("::")[-1]: v["verdict"] for k, v in data.get("cases", {}).items()}


def test_dut_command_shortcut_uses_the_process_driver(pytester: pytest.Pytester) -> None:
    out = pytester.path / "allure"
    res, data = _run(pytester, "--dut", "meterproof simulate --server {server_uri} --endpoint {endpoint}",
                     "--alluredir", str(out))
    v = _verdicts(data)
    assert v == {"test_registers": "passed", "test_reboot": "passed", "test_fails": "failed"}, res.stdout.str()
    assert "driver process" in res.stdout.str()
    logs = [json.loads(p.read_text()) for p in out.glob("*-result.json")]
    failed = next(r for r in logs if r["status"] == "failed")
    names = [a["name"] for a in failed.get("attachments", [])]
    assert any(n.startswith("driver log (process)") for n in names), names
    att = next(a for a in failed["attachments"] if a["name"].startswith("driver log"))
    log = (out / att["source"]).read_text()   # the client's own output may still be on its way: not checked
    assert "driver start: meterproof simulate --server coap://127.0.0.1:" in log and "driver pid " in log


def test_sim_variant_reaches_the_simulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_variant='''
from meterproof.fixtures import ets, expect

@ets("LightweightM2M-1.1-int-101", "registers with its own Server instance")
def test_server_instance(dut, registration):
    expect.equal(sorted(str(p) for p in registration.objects.instances if p.object_id == 1), ["/1/3"], "/1")
    expect.equal("b" in registration.query.params, False, "b= in the Register")
''')
    results = pytester.path / "verdicts.json"
    res = pytester.runpytest_subprocess("-p", "meterproof.fixtures.plugin", "-p", "no:cacheprovider", "test_variant.py",
                                        f"--meterproof-results={results}", "--sim-variant", "server-instance",
                                        "--sim-variant", "no-binding-param")
    data = json.loads(results.read_text())
    assert _verdicts(data) == {"test_server_instance": "passed"}, res.stdout.str()
    assert data["variants"] == ["server-instance", "no-binding-param"]


def test_manual_meter_in_ci_makes_hand_cases_not_applicable(pytester: pytest.Pytester) -> None:
    prof = Path(__file__).resolve().parents[2] / "fixtures" / "profiles" / "examples" / "manual-meter.yaml"
    res, data = _run(pytester, f"--dut-profile={prof}", "-k", "reboot", "-rs", env={"CI": "true"})
    assert _verdicts(data) == {"test_reboot": "not applicable"}, res.stdout.str()
    res.stdout.fnmatch_lines(["*needs an operator at the meter, and this is a CI run (CI=true)*"])


def test_several_profiles_batch_record(pytester: pytest.Pytester) -> None:
    base = Path(__file__).resolve().parents[2] / "fixtures" / "profiles"
    res, data = _run(pytester, f"--dut-profile={base / 'sim-electricity-1_1.yaml'}",
                     f"--dut-profile={base / 'sim-gas-1_1.yaml'}", "-k", "registers")
    v = _verdicts(data)
    assert v == {"test_registers[sim-electricity-1_1]": "passed", "test_registers[sim-gas-1_1]": "passed"}, v
    assert {c["device"] for c in data["cases"].values()} == {"meterproof simulated electricity meter (LwM2M 1.1)",
                                                             "meterproof simulated gas meter (LwM2M 1.1)"}
    assert [d["index"] for d in data["devices"]] == ["0", "1"]
    assert data["batch"]["MP-BATCH-UNIQUE"] == "passed"
    res.stdout.fnmatch_lines(["batch: 2 devices; MP-BATCH-UNIQUE passed*"])


def test_uniqueness_findings() -> None:
    from meterproof.dut.fleet import uniqueness_findings
    recs = [{"index": str(i), "profile": f"m{i}", "endpoint": "", "serial": s, "psk_identity": "", "psk_fingerprint": f}
            for i, (s, f) in enumerate([("A1", "k1"), ("A2", "k1"), ("A1", "k3")])]
    found = uniqueness_findings(recs)
    assert "2 devices share the serial number (/3/0/2) 'A1': #0 m0, #2 m2" in found
    assert "2 devices share the pre-shared key (same key): #0 m0, #1 m1" in found
    assert all("k1" not in f for f in found), "a finding never shows the key (nor its fingerprint)"


def test_device_of_nodeid() -> None:
    from meterproof.fixtures.plugin import _device_of_nodeid
    slugs = ["sim-gas-1_1", "sim-gas-1_1-2", "modem"]
    assert _device_of_nodeid("s.py::test_x[sim-gas-1_1]", slugs) == 0
    assert _device_of_nodeid("s.py::test_x[sim-gas-1_1-2]", slugs) == 1
    assert _device_of_nodeid("s.py::test_x[tlv-modem]@device-2", slugs) == 2
    assert _device_of_nodeid("s.py::test_x", slugs) is None


def test_batch_check_across_separate_runs(tmp_path: Path) -> None:
    from meterproof.dut.fleet import main
    rec = {"profile": "m", "endpoint": "", "endpoint_pattern": "m-{n}", "serial": "S1", "driver": "process",
           "psk_identity": "", "psk_fingerprint": "", "index": "0", "worker": ""}
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"cases": {}, "devices": [rec]}))
    b.write_text(json.dumps({"cases": {}, "devices": [{**rec, "serial": "S2"}]}))
    assert main([str(a), str(b)]) == 0
    b.write_text(json.dumps({"cases": {}, "devices": [rec]}))
    assert main([str(a), str(b)]) == 1
