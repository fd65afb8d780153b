"""End to end: the suites through the real-meter drivers give the built-in driver's verdicts, and several
devices in one xdist run land in one results folder.

* the process driver runs ``meterproof simulate`` as an external program (as a vendor runs its client);
* the modem driver talks AT over a pty to the virtual modem, with the simulator behind it;
* over the **whole** suite (``pytest suites``, every case) both must give, case by case, the verdicts of
  the built-in simulator driver, with the same run seed.  Send, Update and set-value reach the external
  simulator through its stdin control channel (``meterproof simulate --control stdin``), queue mode and Send
  the virtual modem through the ``meterproof`` family's AT+MPLWQM / AT+MPLWSEND.  The only exclusions are the
  cases that start the device with accounts and credentials the harness chooses (``dut_factory``): only the
  built-in driver can be provisioned that way, so they are listed below and must be *not applicable* with
  that reason through the other drivers;
* four simulated meters (two built-in, one process, one virtual modem) with ``-n 2`` produce one
  JSON results file and one Allure folder, with the batch-level uniqueness check over all four.

Each run is a real ``pytest suites`` subprocess, as a user runs it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from support.suites_run import REPO, run_suites

PROFILES = REPO / "fixtures" / "profiles"
#: cases that need the simulator driver by design: they start the device with a Bootstrap-Server account and
#: credentials the harness chooses per case (fixtures/security.py DeviceFactory); with the default nosec
#: profile these are the bootstrap cases (the security cases are not applicable for every driver alike)
SIMULATOR_ONLY = {"int-0", "int-4", "int-5", "int-7", "int-8", "int-9", "REG-AC-04", "REG-CRT-03", "REG-DATA-02",
                  "int-950", "int-951", "REG-AC-05", "REG-UPD-08"}      # these start the device with two accounts
SIMULATOR_ONLY_REASON = "which only meterproof's simulator driver can set up; the {} driver starts the device as it is"
#: cases that change the meter's values through the profile's set-value trigger, which the AT modem driver lacks
DRIVEN_CHANGE = {"MP-IR-GT-LT", "MP-IR-STEP-CHANGE", "MP-IR-PMIN-CHANGE"}
#: cases that cut the meter's power through the profile's power-cycle trigger, which the AT modem driver lacks
POWER_CUT = {"REG-RES-02"}
SEED = "1"   # one seed for the three runs: the external simulators get it too (METERPROOF_SEED, virtual modem)


def by_case(data: dict) -> dict[str, str]:
    return {v["case"]: v["verdict"] for v in data["cases"].values()}


def skip_reasons(junit: Path, data: dict) -> dict[str, str]:
    """case id -> the skip message (the not-applicable reason) from the run's JUnit XML."""
    by_node = {}
    for tc in ET.parse(junit).getroot().iter("testcase"):
        skipped = tc.find("skipped")
        if skipped is not None:
            by_node[(tc.get("classname"), tc.get("name"))] = skipped.get("message", "")
    out = {}
    for node, v in data["cases"].items():
        path, _, name = node.partition("::")
        key = (path.removesuffix(".py").replace("/", "."), name)
        if key in by_node:
            out[v["case"]] = by_node[key]
    return out


def test_whole_suite_process_and_virtual_modem_give_the_builtin_verdicts(tmp_path: Path) -> None:
    runs = {"builtin": [], "process": ["--dut-profile", str(PROFILES / "examples" / "sim-process.yaml")],
            "modem": ["--dut-profile", str(PROFILES / "examples" / "sim-virtual-modem.yaml")]}

    def go(name: str) -> tuple[dict, str]:
        return run_suites(tmp_path, name, "-n", "2", "--meterproof-seed", SEED,
                             f"--junitxml={tmp_path / (name + '.xml')}", *runs[name], timeout=900)   # a hang guard

    with ThreadPoolExecutor(max_workers=3) as pool:
        done = dict(zip(runs, pool.map(go, runs)))
    expected = by_case(done["builtin"][0])
    assert len(expected) > 100, f"the whole suite, not a subset: {len(expected)} cases\n{done['builtin'][1]}"
    assert not [c for c, v in expected.items() if v in ("failed", "error")], done["builtin"][1]
    assert {expected[c] for c in SIMULATOR_ONLY} == {"passed"}, \
        {c: expected.get(c) for c in SIMULATOR_ONLY}
    for name in ("process", "modem"):
        data, out = done[name]
        got = by_case(data)
        reasons = skip_reasons(tmp_path / f"{name}.xml", data)
        excluded = {c: (got.get(c), reasons.get(c, "")) for c in SIMULATOR_ONLY}
        assert all(v == "not applicable" and SIMULATOR_ONLY_REASON.format(name) in r for v, r in excluded.values()), \
            f"{name} driver: the simulator-only cases must be not applicable, with the reason: {excluded}"
        diff = {c: (expected.get(c), got.get(c), reasons.get(c, "")) for c in set(expected) | set(got)
                if c not in SIMULATOR_ONLY and expected.get(c) != got.get(c)
                # a modem has no way to change the meter's values: the driven-change cases say so
                and not (name == "modem" and c in DRIVEN_CHANGE and got.get(c) == "not applicable"
                         and "offers no 'set-value' trigger" in reasons.get(c, ""))
                and not (name == "modem" and c in POWER_CUT and got.get(c) == "not applicable"
                         and "offers no power-cycle trigger" in reasons.get(c, ""))}
        assert not diff, f"{name} driver: verdicts differ from the built-in driver (built-in, {name}, reason): " \
                         f"{diff}\n{out}"


def test_four_meters_two_workers_one_report(tmp_path: Path) -> None:
    profiles = [PROFILES / "sim-electricity-1_1.yaml", PROFILES / "sim-gas-1_1.yaml",
                PROFILES / "examples" / "sim-process.yaml", PROFILES / "examples" / "sim-virtual-modem.yaml"]
    allure_dir = tmp_path / "allure"
    args = ["-n", "2", "--alluredir", str(allure_dir), "--case", "int-101", "--case", "int-203", "--case", "int-221"]
    for p in profiles:
        args += ["--dut-profile", str(p)]
    data, out = run_suites(tmp_path, "fleet", *args, timeout=300)

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
    # REG-PW-02 over the batch (credentials the devices presented) is not applicable in a nosec run: the
    # results JSON carries it with the reason, Allure gets no result for it
    assert data["batch_credentials"]["verdict"] == "not applicable"
    cases = [r for r in results if r not in batch]
    assert len(cases) == 12 and {r["status"] for r in cases} == {"passed"}
    tags = {lb["value"] for r in cases for lb in r["labels"] if lb["name"] == "tag"}
    assert {"device:sim-electricity-1_1", "device:sim-gas-1_1", "device:sim-process",
            "device:sim-virtual-modem"} <= tags
    env = (allure_dir / "environment.properties").read_text()
    for slug in ("sim-electricity-1_1", "sim-gas-1_1", "sim-process", "sim-virtual-modem"):
        assert f"device.{slug}.profile.digest=" in env and f"device.{slug}.serial=" in env, env
