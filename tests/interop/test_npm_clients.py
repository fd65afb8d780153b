"""The whole suite against two independent, imperfect LwM2M clients from the npm registry, verdict by verdict.

meterproof's verdicts must hold on devices it has never seen. ``coap-node`` 0.2.5 and ``lwm2m-node-lib``
1.4.0 (pinned in tests/interop/npm/package-lock.json, installed by :mod:`support.npm_install` into a cache folder
outside the checkout) run behind our wrappers (tests/interop/npm/*_client.js) through the process driver
with the shipped profiles (tests/interop/profiles/). Each run is a real ``pytest suites -n 2`` subprocess;
every case's verdict must be the one its expectation file (tests/interop/expectations/) gives, with a
reason. A changed verdict, a case missing from the file, or a listed case that no longer runs fails, with
the list of differences.

To accept a change: rerun with ``METERPROOF_UPDATE_EXPECTATIONS=1`` (rewrites the files, marking new and
changed entries ``reason: TODO``), or ``python tests/interop/expectations.py update <client> <results.json>``;
then write each TODO's reason and clause: :func:`test_no_entry_left_to_explain` fails while one is left.
"""

from __future__ import annotations

import collections
import os
import time
from pathlib import Path

import pytest

import expectations
from support import npm_install
from support.e2e_report import report
from support.suites_run import run_suites

HERE = Path(__file__).resolve().parent
PROFILES = HERE / "profiles"
#: client name (= expectation and profile file name) -> the wrapper the profile starts
CLIENTS = {"coap-node": "coap_node_client.js", "lwm2m-node-lib": "lwm2m_node_lib_client.js"}
#: a hang guard for one whole run, not a speed check (no timed assertions in tests): lwm2m-node-lib drops about
#: ten requests without an ACK, and each costs the full MAX_TRANSMIT_WAIT before the suite may call it silence,
#: so a run takes ~270 s on 2 cores; the wall time is printed in the end-to-end measurements
HANG_GUARD_S = 1500


@pytest.fixture(scope="session")
def node_path() -> str:
    """The installed clients' node_modules (``npm ci`` once per lock file); skipped only without node/npm."""
    try:
        return str(npm_install.ensure_installed())
    except npm_install.NodeMissing as exc:
        pytest.skip(f"the npm interop clients need Node.js: {exc}")


def _wrappers_running(script: str) -> list[int]:
    """Processes still running our wrapper (node <script> started in tests/interop/npm/)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if script.encode() in argv and Path(cwd) == npm_install.INTEROP_CLIENTS:
            pids.append(int(proc.name))
    return pids


@pytest.mark.slow
@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_verdicts_match_the_expectation_file(client: str, node_path: str, tmp_path: Path) -> None:
    expected = expectations.load(expectations.path_for(client))
    t0 = time.monotonic()
    data, out = run_suites(tmp_path, client, "-n", "4", "--dut-profile", str(PROFILES / f"{client}.yaml"),
                           timeout=HANG_GUARD_S, env={"NODE_PATH": node_path})
    wall = time.monotonic() - t0
    cases = data["cases"]
    counts = collections.Counter(v["verdict"] for v in cases.values())
    report(f"whole suite against the npm client {client}: {len(cases)} cases in {wall:.1f}s ("
           + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) + ")")
    if os.environ.get("METERPROOF_UPDATE_EXPECTATIONS"):
        changed = expectations.update(client, cases)
        report(f"  {expectations.path_for(client).name} rewritten: {len(changed)} entries to explain: "
               + ", ".join(changed))
    left = _wrappers_running(CLIENTS[client])
    assert not left, f"{client}: wrapper processes still running after the run: {left}"
    diffs = expectations.compare(expected, cases)
    assert not diffs, (f"{client}: {len(diffs)} verdicts differ from {expectations.path_for(client)}:\n  "
                       + "\n  ".join(diffs) + f"\n--- end of the suite run's output:\n{out[-3000:]}")


def test_no_entry_left_to_explain() -> None:
    """Every entry of every expectation file has a reason and a clause (no TODO from an update)."""
    left = {c: expectations.todo_entries(expectations.load(expectations.path_for(c))) for c in CLIENTS}
    left = {c: keys for c, keys in left.items() if keys}
    assert not left, f"expectation entries still saying TODO (write their reason and clause): {left}"


def test_profiles_name_the_wrappers() -> None:
    """Each shipped profile starts its wrapper with node from the npm folder, whatever the cwd."""
    from meterproof.profile import load
    for client, script in CLIENTS.items():
        prof = load(PROFILES / f"{client}.yaml")
        assert prof.driver == "process" and prof.lwm2m_version == "1.0"
        assert Path(prof.driver_options["cwd"]).resolve() == npm_install.INTEROP_CLIENTS
        assert prof.driver_options["command"].split()[:2] == ["node", script]
        assert (npm_install.INTEROP_CLIENTS / script).is_file()
