"""End to end: the conformance suites against the built-in simulator, conformant and with every seeded defect.

These tests are what "every suite case can fail" rests on:

* against the conformant simulator every applicable case passes (per LwM2M version);
* the mutation matrix: each seeded defect makes at least one of the cases it
  targets fail, and each case that passes against the conformant simulator is
  failed by at least one defect (mutation score 100 %).  The matrix is printed.

Each run is a real ``pytest suites`` subprocess, exactly as a user runs it, with
``--meterproof-results`` giving the verdicts as JSON.  A defect's run is limited
to the cases its catalog entry targets (``--case``), in the first channel mode
(nosec, psk, cert, rpk) where they apply, which keeps the matrix to a few minutes; the claim "fails at least one case" is proven by those
runs, and the per-case claim by the union over all defects.  A defect whose targets are all LwM2M 1.2 cases
(not applicable to the default 1.1 simulator, e.g. int-12 Bootstrap-Pack) runs once more against the 1.2
simulator (``--sim-lwm2m 1.2``).  A CoAP-over-TCP defect (area ``tcp``) runs with ``--transport tcp`` (nosec),
then ``--transport tls`` (psk, cert); an OSCORE defect (area ``oscore``) with ``--security oscore``, the mode the
conformant whole-suite runs also cover.  A defect only the vendor declaration exposes (:data:`WITH_DECLARATION`)
runs with the simulator's own declaration.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from meterproof.declaration import example_path
from meterproof.dtls import RPK_SUPPORTED
from meterproof.sim.defects import DEFECTS

from support.e2e_report import report
from support.suites_run import OK, run_suites


#: Lab-mode budget for defects only a fuzzing campaign finds (a degradation needs many cases).
LAB_BUDGET = "20s"

#: Defects that a targeted case sees only against what the vendor declaration says (REG-RES-03 judges a random
#: retry delay where the declaration declares one): their runs get the simulator's own declaration.
WITH_DECLARATION = frozenset({"no-reconnect-jitter"})

#: Channel modes the suites run in; security cases are not applicable outside the mode they need (rpk: where the
#: system GnuTLS is found, which .ci/run makes sure of).
MODES = ("nosec", "psk", "cert") + (("rpk",) if RPK_SUPPORTED else ())
#: The conformant whole-suite runs: the channel modes, and OSCORE (RFC 8613) over plain UDP.
CONFORMANT_MODES = (*MODES, "oscore")


@pytest.fixture(scope="module")
def conformant_11(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The whole suite against the conformant 1.1 simulator in every channel mode (see :func:`_conformant_11`),
    run once per test run: under xdist the first worker to need it runs it and the others read its result."""
    uid = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if uid is None:
        return _conformant_11(tmp_path_factory)
    shared = tmp_path_factory.getbasetemp().parent          # one folder for every worker of this run
    cache = shared / f"conformant-11-{uid}.json"
    with open(shared / f"conformant-11-{uid}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if cache.exists():
            return json.loads(cache.read_text())
        cases = _conformant_11(tmp_path_factory)
        cache.write_text(json.dumps(cases))
        return cases


def _conformant_11(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The whole suite against the conformant 1.1 simulator in every channel mode; the nosec run
    writes Allure results. Returns the nosec verdicts plus, per case, whether it passed in any mode."""
    tmp = tmp_path_factory.mktemp("conformant")
    merged: dict[str, dict[str, str]] = {}
    for mode in CONFORMANT_MODES:
        t0 = time.monotonic()
        extra = ("--alluredir", str(tmp / "allure")) if mode == "nosec" else ()
        data, out = run_suites(tmp, f"conformant-1.1-{mode}", "-n", "2", "--security", mode, *extra)
        cases = data["cases"]
        wall = time.monotonic() - t0
        report(f"whole suite against the conformant simulator (LwM2M 1.1, {mode}): {len(cases)} cases in {wall:.1f}s")
        bad = {n: v["verdict"] for n, v in cases.items() if v["verdict"] not in OK}
        assert not bad, f"{mode}: cases not passing against the conformant simulator: {bad}\n{out}"
        for n, v in cases.items():
            if n not in merged or v["verdict"].startswith("passed"):
                merged[n] = dict(v, mode=mode)
    cases = merged
    allure_dir = tmp / "allure"
    assert (allure_dir / "environment.properties").is_file()
    assert (allure_dir / "categories.json").is_file()
    env = (allure_dir / "environment.properties").read_text()
    assert ".manufacturer=" in env and ".profile.digest=" in env and "seed=" in env, env
    return cases


def test_conformant_simulator_passes_every_applicable_case(conformant_11: dict[str, dict[str, str]]) -> None:
    passed = [n for n, v in conformant_11.items() if v["verdict"] in ("passed", "passed with warnings")]
    assert len(passed) >= 90


@pytest.mark.parametrize("version", ["1.0", "1.2"])
def test_conformant_simulator_other_versions(tmp_path: Path, version: str) -> None:
    t0 = time.monotonic()
    data, out = run_suites(tmp_path, f"conformant-{version}", "-n", "2", "--sim-lwm2m", version)
    cases = data["cases"]
    report(f"whole suite against the conformant simulator (LwM2M {version}, nosec): {len(cases)} cases in "
           f"{time.monotonic() - t0:.1f}s")
    bad = {n: v["verdict"] for n, v in cases.items() if v["verdict"] not in OK}
    assert not bad, f"LwM2M {version}: cases not passing against the conformant simulator: {bad}\n{out}"


@pytest.mark.parametrize("transport,mode", [("tcp", "nosec"), ("tls", "psk"), ("tls", "cert")])
def test_conformant_simulator_over_tcp(tmp_path: Path, transport: str, mode: str) -> None:
    """CoAP over TCP and TLS (RFC 8323, binding T): the whole suite, the simulator registering over the harness's
    TCP or TLS listener; cases that need UDP say so (not applicable), none may fail."""
    t0 = time.monotonic()
    data, out = run_suites(tmp_path, f"conformant-1.1-{transport}-{mode}", "-n", "2", "--transport", transport,
                           "--security", mode)
    cases = data["cases"]
    report(f"whole suite against the conformant simulator (LwM2M 1.1, {transport}, {mode}): {len(cases)} cases in "
           f"{time.monotonic() - t0:.1f}s, {sum(v['verdict'].startswith('passed') for v in cases.values())} passed")
    bad = {n: v["verdict"] for n, v in cases.items() if v["verdict"] not in OK}
    assert not bad, f"{transport}/{mode}: cases not passing against the conformant simulator: {bad}\n{out}"
    assert any(v["case"].startswith("MP-TCP-") and v["verdict"].startswith("passed") for v in cases.values())


def test_mutation_matrix(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The defects' runs start at once; the conformant runs they are scored against (:func:`conformant_11`, ~10
    minutes in CI) are asked for only after them, so under xdist another worker runs those meanwhile rather than
    this one running both, one after the other (the run's longest path)."""
    def one(name: str) -> tuple[str, dict[str, str], str]:
        """Run the defect's targets; security defects are tried in the channel modes they need."""
        d = DEFECTS[name]
        args = ["--sim-defect", name]
        for t in d.targets:
            args += ["--case", t]
        if name in WITH_DECLARATION:
            args += ["--declaration", str(example_path())]
        if "MP-FUZZ-LAB" in d.targets:
            # only the time-boxed lab campaign can see this one (a latency trend over many cases)
            args += ["--fuzz-budget", LAB_BUDGET]
        verdicts: dict[str, str] = {}
        out = ""
        # a CoAP-over-TCP defect (area "tcp") shows only on TCP: clear text, then TLS with PSK and certificates
        runs = [("tcp", "nosec"), ("tls", "psk"), ("tls", "cert")] if d.area == "tcp" else \
            [("udp", "oscore")] if d.area == "oscore" else [("udp", m) for m in MODES]
        for transport, mode in runs:
            data, out = run_suites(tmp_path, f"defect-{name}-{transport}-{mode}", *args, "--security", mode,
                                   "--transport", transport)
            for v in data["cases"].values():
                if verdicts.get(v["case"]) != "failed":
                    verdicts[v["case"]] = v["verdict"]
            if "failed" in verdicts.values() or all(v != "not applicable" for v in verdicts.values()):
                break
        if verdicts and all(v == "not applicable" for v in verdicts.values()):
            # every target needs a LwM2M 1.2 device (e.g. int-12): the 1.2 simulator, nosec channel
            data, out = run_suites(tmp_path, f"defect-{name}-1.2", *args, "--sim-lwm2m", "1.2", "--security", "nosec")
            verdicts = {v["case"]: v["verdict"] for v in data["cases"].values()}
        return name, verdicts, out

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:      # each run mostly waits on protocol timers
        runs = list(pool.map(one, sorted(DEFECTS)))
    wall = time.monotonic() - t0
    conformant_11: dict[str, dict[str, str]] = request.getfixturevalue("conformant_11")
    passing = {v["case"] for v in conformant_11.values() if v["verdict"] in ("passed", "passed with warnings")}

    failed_by: dict[str, list[str]] = {c: [] for c in passing}
    lines = [f"defect-by-case matrix ({len(runs)} defects, {wall:.1f}s); F = case failed, . = passed, "
             f"- = not applicable/other"]
    undetected = []
    for name, verdicts, out in runs:
        row = []
        caught = False
        for case in DEFECTS[name].targets:
            v = verdicts.get(case, "not run")
            mark = "F" if v == "failed" else "." if v.startswith("passed") else "-"
            if v == "failed":
                caught = True
                failed_by.setdefault(case, []).append(name)
            row.append(f"{case}:{mark}")
        lines.append(f"  {name:<36} {' '.join(row)}")
        if not caught:
            undetected.append((name, verdicts, out[-1500:]))
    uncovered = sorted(c for c, ds in failed_by.items() if not ds and c in passing)
    score = 100.0 * (len(passing) - len(uncovered)) / max(1, len(passing))
    lines.append(f"mutation score: {score:.0f}% of {len(passing)} passing cases fail against at least one defect; "
                 f"{len(runs) - len(undetected)}/{len(runs)} defects detected")
    ets = sorted({c for c in passing if c.startswith("int-") and failed_by.get(c)},
                 key=lambda c: int(c.split("-")[1]))
    lines.append(f"OMA ETS cases that pass against the conformant 1.1 simulator (in some channel mode) and fail against "
                 f"at least one seeded defect: {len(ets)} distinct IDs ({', '.join(ets)})")
    report("\n".join(lines))
    assert not undetected, "defects no targeted case detects:\n" + "\n".join(
        f"{n}: {v}\n{o}" for n, v, o in undetected)
    assert not uncovered, f"cases that no seeded defect makes fail: {uncovered}"
