"""End to end: an OSCORE device that is not the built-in simulator.

The device is ``meterproof simulate --oscore-*`` run as an external program through the process driver with a
factory OSCORE context of its own (Master Secret from an environment variable, Sender ID 0a01, empty Recipient
ID, a Master Salt; its Sender Sequence Number persisted across starts, RFC 8613 Appendix B.1.1) and a profile
that declares that context (tests/support/oscore_device.py), as a lab describes a vendor's OSCORE meter:

* the run's server holds the peer view of the profile's context: the device registers protected (int-101),
  answers protected reads and writes (int-203), the OSCORE cases that only need the device as it is pass
  (MP-OSCORE-REPLAY, MP-OSCORE-SEQ-REBOOT through Execute /3/0/4), and int-11 and int-405 (which start the
  device with accounts and contexts of the harness's own) are not applicable with the reason;
* a device holding another Master Secret never registers, and the set-up error says why in one OSCORE line;
* ``--security oscore`` with a profile that declares no context is a one-line usage error naming the field.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support import oscore_device
from support.suites_run import REPO, run_suites

CASES = ("int-101", "int-203", "MP-OSCORE-REPLAY", "MP-OSCORE-SEQ-REBOOT", "int-11", "int-405")
#: int-11 and int-405 give the device accounts of the harness's choosing (only the simulator driver can)
EXPECTED = {**{c: "passed" for c in CASES}, "int-11": "not applicable", "int-405": "not applicable"}


def _cases(*ids: str) -> list[str]:
    return [a for c in ids for a in ("--case", c)]


def test_external_oscore_device_with_the_profile_context(tmp_path: Path) -> None:
    dev = oscore_device.write(tmp_path / "dev")
    data, out = run_suites(tmp_path, "oscore", "--security", "oscore", "--dut-profile", str(dev.profile),
                           *_cases(*CASES), timeout=120, env=dev.env)
    verdicts = {v["case"]: v["verdict"] for v in data["cases"].values()}
    assert verdicts == EXPECTED, f"{verdicts}\n{out}"
    assert "only meterproof's simulator driver" in str(data["cases"]), data["cases"]


def test_a_device_with_another_master_secret_never_registers(tmp_path: Path) -> None:
    dev = oscore_device.write(tmp_path / "wrong", wrong_secret=True, registration_timeout=12)
    data, out = run_suites(tmp_path, "wrong", "--security", "oscore", "--dut-profile", str(dev.profile),
                           *_cases("int-101"), timeout=120, env=dev.env)
    (v,) = data["cases"].values()
    assert v["verdict"] in ("broken", "error", "failed"), (v, out)
    assert "OSCORE: the server refused" in out and "Master Secret" in out, out
    assert dev.master_secret.hex() not in out and dev.env[oscore_device.DEVICE_ENV] not in out


def test_oscore_with_a_profile_without_a_context_is_a_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", str(REPO / "suites"), "-q", "-p", "no:cacheprovider",
                           "--security", "oscore", "--dut-profile",
                           str(REPO / "fixtures" / "profiles" / "examples" / "sim-process.yaml")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
                                   PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")))
    err = proc.stdout + proc.stderr
    assert proc.returncode == 4, err
    assert "security.oscore" in err and "sim-process.yaml" in err, err
