"""A device that cannot be brought up is judged once, and a device that crashes during a case fails that case.

Real ``pytest suites`` runs (subprocesses, ``-n 2``) against a simulated meter that:

* sends a Register the server must refuse (seeded defect ``register-rejected-binding``, the simulator run as its
  own process): int-101 fails with the server's reason, every other case is *not run* with that reason, and the
  device was started once for the whole run (no case waits for it again);
* never registers (a process driver whose command never speaks LwM2M): int-101 is broken with the diagnosis,
  the rest not run, and the program was started once.

"Once" is counted, not timed: each start of the device's program adds a line to a file, so the tests hold on a
loaded machine as on a quiet one.
* runs as its own process and dies by SIGSEGV on a reserved option nibble (``process-crash-on-reserved-option-
  nibble``): the case that sent it fails with "device crashed" and the signal in its message.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import yaml

from support.suites_run import run_suites

NOT_JUDGED = ("not run", "not applicable")


def _verdicts(data: dict) -> dict[str, dict]:
    return {v["case"]: v for v in data["cases"].values()}


def _counted(tmp: Path, command: str) -> tuple[str, Path]:
    """``command`` wrapped so that each start of the device's program appends a line to the returned file."""
    starts = tmp / "starts"
    return f"sh -c {shlex.quote(f'echo start >> {shlex.quote(str(starts))}; exec {command}')}", starts


def _started(starts: Path) -> int:
    return len(starts.read_text().splitlines()) if starts.exists() else 0


def test_rejected_register_is_judged_once(tmp_path: Path) -> None:
    sim = (f"{Path(sys.executable).parent / 'meterproof'} simulate --server {{server_uri}} --endpoint {{endpoint}} "
           f"--defect register-rejected-binding")
    command, starts = _counted(tmp_path, sim)
    data, out = run_suites(tmp_path, "rejected", "-n", "2", "--dut-profile", str(_profile(tmp_path, command,
                                                                                           registration_timeout=20)))
    cases = _verdicts(data)
    judged = {c: v for c, v in cases.items() if v["verdict"] not in NOT_JUDGED}
    assert list(judged) == ["int-101"], out
    assert judged["int-101"]["verdict"] == "failed"
    assert "4.00" in judged["int-101"]["received"] and "binding 'UQ'" in judged["int-101"]["received"]
    not_run = [v for v in cases.values() if v["verdict"] == "not run"]
    assert len(not_run) > 50
    assert all("Register was rejected" in v["reason"] for v in not_run)
    assert _started(starts) == 1, out
    assert "DEVICE DOWN" in out


def _profile(tmp: Path, command: str, **timing: float) -> Path:
    prof = {"name": "a client under test", "endpoint": "down-{worker}{n}", "lwm2m_version": "1.1",
            "content_formats": ["text", "tlv", "senml-cbor"], "triggers": ["reboot"],
            "timing": {"transmission": "loopback", **timing},
            "driver": {"type": "process", "command": command, "restart_on_crash": False}}
    path = tmp / "device.yaml"
    path.write_text(yaml.safe_dump(prof), encoding="utf-8")
    return path


def test_device_that_never_registers_is_judged_once(tmp_path: Path) -> None:
    command, starts = _counted(tmp_path, f"{sys.executable} -c 'import time; time.sleep(600)'")
    prof = _profile(tmp_path, command, registration_timeout=3)
    data, out = run_suites(tmp_path, "silent", "-n", "2", "--dut-profile", str(prof))
    cases = _verdicts(data)
    judged = {c: v for c, v in cases.items() if v["verdict"] not in NOT_JUDGED}
    assert list(judged) == ["int-101"], out
    assert judged["int-101"]["verdict"] == "broken"
    assert "did not register" in judged["int-101"]["message"]
    assert sum(v["verdict"] == "not run" for v in cases.values()) > 50
    assert _started(starts) == 1, out


def test_a_crash_during_a_case_is_named(tmp_path: Path) -> None:
    sim = (f"{Path(sys.executable).parent / 'meterproof'} simulate --server {{server_uri}} --endpoint {{endpoint}} "
           f"--defect process-crash-on-reserved-option-nibble")
    prof = _profile(tmp_path, sim, registration_timeout=20)
    data, out = run_suites(tmp_path, "crash", "--dut-profile", str(prof), "--case", "MP-ROB-OPT")
    rec = _verdicts(data)["MP-ROB-OPT"]
    assert rec["verdict"] == "failed", out
    assert rec["message"].startswith("device crashed during the case"), rec
    assert "killed by signal SIGSEGV" in rec["received"]
    # judged against what the case checks (MP-ROB-OPT's own clause) and liveness, never a clause of another case
    assert "RFC 7252" in rec["clause"] and "liveness" in rec["clause"], rec


def test_driver_run_device_provisioned_by_the_bootstrap_server(tmp_path: Path) -> None:
    """security.provisioning: bootstrap with the process driver: the device holds only its Bootstrap-Server
    account ({bootstrap_uri}); meterproof's Bootstrap-Server gives it the server account, and the cases run."""
    sim = (f"{Path(sys.executable).parent / 'meterproof'} simulate --bootstrap {{bootstrap_uri}} "
           f"--endpoint {{endpoint}}")
    prof = _profile(tmp_path, sim, registration_timeout=20)
    raw = yaml.safe_load(prof.read_text())
    raw["security"] = {"mode": "nosec", "provisioning": "bootstrap"}
    prof.write_text(yaml.safe_dump(raw), encoding="utf-8")
    data, out = run_suites(tmp_path, "bootstrapped", "--dut-profile", str(prof), "--case", "int-101",
                           "--case", "int-223", "--case", "int-104")
    cases = _verdicts(data)
    assert {c: v["verdict"] for c, v in cases.items()} == {"int-101": "passed", "int-223": "passed",
                                                          "int-104": "passed"}, out
