"""End to end: a Raw Public Key device that is not the built-in simulator (issue 13, "so that a meter claiming
them can be certified").

The device is ``meterproof simulate --rpk-key --server-rpk`` run as an external program through the process
driver, with key files of its own and a profile that declares its public key and the key pair of the server it
pins (tests/support/rpk_device.py), as a lab describes a vendor's RPK meter:

* provisioning ``profile``: the run's LwM2M Server presents the profile's key pair and accepts the device's key;
  the device registers over DTLS-RPK and its ClientHello passes REG-TLS-01; MP-SEC-RPK and REG-TLS-07 start it
  toward servers of their own (every server of the run accepts its key) and pass, and REG-TLS-07 fails when the
  device program takes any server key (seeded defect ``rpk-any-server-key``);
* provisioning ``bootstrap``: the device holds only its Bootstrap-Server account (those keys); the harness's
  Bootstrap-Server writes the LwM2M Server account (a fresh key pair in /0/x/3 and /0/x/5, the harness's own
  server key in /0/x/4) and the device registers with it (MP-SEC-RPK is not applicable: the harness cannot give
  the program another account);
* a device that pinned another key than the profile's pair never registers, and the set-up error says why
  in one DTLS line;
* ``--security rpk`` with a profile that declares no raw public keys is a one-line usage error naming the
  fields.

Each run is a real ``pytest suites`` subprocess of a few cases (a few seconds each).
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from support import rpk_device
from support.suites_run import REPO, run_suites

CASES = ("int-101", "REG-TLS-01", "int-203", "MP-SEC-RPK", "REG-TLS-07")
#: what each run must give, case by case
EXPECTED = {
    "profile": {c: "passed" for c in CASES},
    "bootstrap": {**{c: "passed" for c in CASES}, "MP-SEC-RPK": "not applicable", "REG-TLS-07": "not applicable"},
    "any-key": {**{c: "passed" for c in CASES}, "REG-TLS-07": "failed"},
}


def _cases(*ids: str) -> list[str]:
    return [a for c in ids for a in ("--case", c)]


def test_external_rpk_device_with_profile_keys_and_bootstrapped_keys(tmp_path: Path) -> None:
    devices = {p: rpk_device.write(tmp_path / p, provisioning=p, name=f"rpk{p[:2]}") for p in ("profile", "bootstrap")}
    devices["any-key"] = rpk_device.write(tmp_path / "any-key", name="rpkak", defects=("rpk-any-server-key",))

    def go(p: str) -> tuple[dict, str]:
        return run_suites(tmp_path, p, "--security", "rpk", "--dut-profile", str(devices[p].profile), *_cases(*CASES),
                          timeout=120)

    with ThreadPoolExecutor(max_workers=3) as pool:
        done = dict(zip(devices, pool.map(go, devices)))
    for p, (data, out) in done.items():
        verdicts = {v["case"]: v["verdict"] for v in data["cases"].values()}
        assert verdicts == EXPECTED[p], f"{p}: {verdicts}\n{out}"


def test_a_device_pinning_another_server_key_never_registers(tmp_path: Path) -> None:
    dev = rpk_device.write(tmp_path / "wrong", pinned="other", registration_timeout=12)
    data, out = run_suites(tmp_path, "wrong", "--security", "rpk", "--dut-profile", str(dev.profile),
                           *_cases("int-101"), timeout=120)
    (v,) = data["cases"].values()
    assert v["verdict"] in ("broken", "error", "failed"), (v, out)
    assert "server raw public key refused" in out, out


def test_rpk_with_a_profile_without_keys_is_a_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", str(REPO / "suites"), "-q", "-p", "no:cacheprovider",
                           "--security", "rpk", "--dut-profile",
                           str(REPO / "fixtures" / "profiles" / "examples" / "sim-process.yaml")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
                                   PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")))
    err = proc.stdout + proc.stderr
    assert proc.returncode == 4, err
    lines = [ln for ln in err.splitlines() if "security mode rpk" in ln]
    assert len(lines) == 1 and "security.public_key" in lines[0] and "security.server_key_pair" in lines[0], err
