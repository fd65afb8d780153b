"""End to end: the suites through the real-meter drivers give the built-in driver's verdicts, and several
devices in one xdist run land in one results folder.

* the process driver runs ``meterproof simulate`` as an external program (as a vendor runs its client);
* the modem driver talks AT over a pty to the virtual modem, with the simulator behind it;
* both must give, case by case, the verdicts of the built-in simulator driver on the registration and
  device-management cases (the whole suite differs only where a driver cannot reach inside the client:
  trigger-send, and queue mode for the modem — see docs/DEVICES.md);
* four simulated meters (two built-in, one process, one virtual modem) with ``-n 2`` produce one
  JSON results file and one Allure folder, with the batch-level uniqueness check over all four.

Each run is a real ``pytest suites`` subprocess, as a user runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROFILES = REPO / "fixtures" / "profiles"
SUBSET = ["int-101", "int-102", "int-103", "int-104", "int-105", "int-201", "int-203", "int-205", "int-221",
          "int-222", "int-224", "int-241", "int-260", "MP-DM-404"]


def run_suites(tmp: Path, name: str, *args: str, timeout: float = 300) -> tuple[dict, str]:
    results = tmp / f"{name}.json"
    cmd = [sys.executable, "-m", "pytest", "suites", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           f"--meterproof-results={results}", *args]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1",
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)
    out = proc.stdout[-6000:] + proc.stderr[-2000:]
    if not results.exists():
        raise AssertionError(f"suite run {name} wrote no results (exit {proc.returncode}):\n{out}")
    return json.loads(results.read_text()), out


def by_case(data: dict) -> dict[str, str]:
    return {v["case"]: v["verdict"] for v in data["cases"].values()}


def test_process_and_virtual_modem_give_the_builtin_verdicts(tmp_path: Path) -> None:
    cases = [a for c in SUBSET for a in ("--case", c)]
    runs = {"builtin": [], "process": ["--dut-profile", str(PROFILES / "examples" / "sim-process.yaml")],
            "modem": ["--dut-profile", str(PROFILES / "examples" / "sim-virtual-modem.yaml")]}
    with ThreadPoolExecutor(max_workers=3) as pool:
        done = dict(zip(runs, pool.map(lambda kv: run_suites(tmp_path, kv[0], *cases, *kv[1]), runs.items())))
    expected = by_case(done["builtin"][0])
    assert set(expected) == set(SUBSET), expected
    assert all(v == "passed" for v in expected.values()), done["builtin"][1]
    for name in ("process", "modem"):
        got = by_case(done[name][0])
        diff = {c: (expected.get(c), got.get(c)) for c in set(expected) | set(got) if expected.get(c) != got.get(c)}
        assert not diff, f"{name} driver: verdicts differ from the built-in driver (built-in, {name}): {diff}\n" \
                         f"{done[name][1]}"


def test_four_meters_two_workers_one_report(tmp_path: Path) -> None:
    profiles = [PROFILES / "sim-electricity-1_1.yaml", PROFILES / "sim-gas-1_1.yaml",
                PROFILES / "examples" / "sim-process.yaml", PROFILES / "examples" / "sim-virtual-modem.yaml"]
    allure_dir = tmp_path / "allure"
    args = ["-n", "2", "--alluredir", str(allure_dir), "--case", "int-101", "--case", "int-203", "--case", "int-221"]
    for p in profiles:
        args += ["--dut-profile", str(p)]
    data, out = run_suites(tmp_path, "fleet", *args)

    assert len(data["cases"]) == 12, out
    assert all(v["verdict"] == "passed" for v in data["cases"].values()), out
    per_device: dict[str, set[str]] = {}
    owner: dict[str, set[str]] = {}
    for v in data["cases"].values():
        per_device.setdefault(v["device"], set()).add(v["case"])
        owner.setdefault(v["device"], set()).add(v["worker"])
    assert len(per_device) == 4 and all(c == {"int-101", "int-203", "int-221"} for c in per_device.values())
    assert all(len(w) == 1 for w in owner.values()), f"a device's cases ran on several workers: {owner}"
    assert set().union(*owner.values()) == {"gw0", "gw1"}, "both workers own devices"

    devices = data["devices"]
    assert [d["index"] for d in devices] == ["0", "1", "2", "3"]
    assert {d["driver"] for d in devices} == {"simulator", "process", "modem"}
    assert {d["worker"] for d in devices} <= {"gw0", "gw1"}
    assert len({d["serial"] for d in devices}) == 4, devices
    assert data["batch"] == {"MP-BATCH-UNIQUE": "passed", "findings": []}
    assert "batch: 4 devices; MP-BATCH-UNIQUE passed" in out

    results = [json.loads(p.read_text()) for p in allure_dir.glob("*-result.json")]
    batch = [r for r in results if r["fullName"] == "meterproof.batch.MP-BATCH-UNIQUE"]
    assert len(batch) == 1 and batch[0]["status"] == "passed"
    cases = [r for r in results if r not in batch]
    assert len(cases) == 12 and {r["status"] for r in cases} == {"passed"}
    tags = {lb["value"] for r in cases for lb in r["labels"] if lb["name"] == "tag"}
    assert {"device:sim-electricity-1_1", "device:sim-gas-1_1", "device:sim-process",
            "device:sim-virtual-modem"} <= tags
    env = (allure_dir / "environment.properties").read_text()
    assert "devices=" in env and "profile.digest=" in env
