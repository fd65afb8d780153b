"""Crash-aware fuzzing against a client process that crashes often (``benchmarks/crashy_client.py`` run by the
process driver, exactly as a vendor's client): a crash is recorded with its signal or exit status the moment
the driver sees the process end (no silence wait), a running but silent process is a hang, a failed batch
is bisected for its exact culprit, each distinct crash is reported once with its duplicate count (the same in
the summary and in the saved finding.json), and a bucket is set aside after ``aside_after`` duplicates."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from meterproof.coap.params import LOOPBACK
from meterproof.fuzz import packets
from meterproof.fuzz.targets import ProcessTarget

CLIENT = Path(__file__).resolve().parents[2] / "benchmarks" / "crashy_client.py"
SCALED = LOOPBACK.scaled(0.2)          # the probe's silent window 0.62 s: a hang is told quickly


def command(defects: str = "all") -> str:
    return f"{sys.executable} -S {CLIENT} --server {{server_uri}} --endpoint {{endpoint}} --defects {defects}"


def segv(i: int) -> bytes:
    """Variants of one bug: an option delta nibble of 15 after i harmless options."""
    return packets.message(packets.CON, packets.GET, 0x100 + i, b"\x01", [(11, b"3")] * i, tail=b"\xf1\x00")


def benign(n: int, start: int = 0) -> list[bytes]:
    return [packets.request(packets.GET, "/3/0/0", 0x2000 + start + k, bytes([k & 0xFF])) for k in range(n)]


ACK = [packets.empty(packets.ACK, 0x7700 + i) for i in range(3)]      # unknown message IDs: SIGABRT
RST = packets.empty(packets.RST, 0x7800)                               # exit status 3
NON = packets.empty(packets.NON, 0x7900)                               # the process hangs


@pytest.fixture
def crashy():
    with ProcessTarget(command(), endpoint="crashy-t", params=SCALED) as tgt:
        yield tgt


def test_a_crash_is_recorded_with_its_signal_without_waiting_out_the_probe(crashy):
    c = crashy.campaign(lab=True, probe_every=1, shrink=False)
    assert c.config.hang_wait > 0                        # lab mode would wait for a silence to end ...
    stats = c.run([benign(1)[0], segv(0), benign(1, 1)[0]])
    (f,) = stats.findings
    assert f.kind == "crash" and f.signal == "SIGSEGV" and f.exit_status is None, stats.summary()
    assert f.bucket == "crash SIGSEGV: coap malformed: option delta nibble 15 is reserved"
    assert f.steps == [segv(0).hex()] and f.oracle["driver"] == "killed by signal SIGSEGV (-11)"
    assert "hang_wait" not in f.oracle                   # ... but the driver said: ended; nothing waited
    assert stats.restarts == 1 and stats.cases == 3 and c.probe().alive


def test_distinct_crashes_once_each_with_their_duplicates_and_exact_culprits(crashy, tmp_path):
    """Three bugs hit 3, 2 and 1 times, each culprit in the middle of a batch of ten: three findings
    (SIGSEGV +2, SIGABRT +1, exit 3 +0), each reproducer the exact culprit found by bisection, the
    duplicate counts equal in the findings, the summary and the saved finding.json."""
    c = crashy.campaign(lab=True, probe_every=10, shrink=False, aside_after=5, findings_dir=tmp_path)
    cases: list[bytes] = []
    for k, bad in enumerate([segv(0), ACK[0], segv(1), RST, ACK[1], segv(2)]):
        cases += benign(4, 10 * k) + [bad] + benign(5, 10 * k + 5)
    stats = c.run(cases)
    by = {(f.signal or f"exit {f.exit_status}"): f for f in stats.findings}
    assert sorted(by) == ["SIGABRT", "SIGSEGV", "exit 3"], stats.summary()
    assert {k: f.duplicates for k, f in by.items()} == {"SIGSEGV": 2, "SIGABRT": 1, "exit 3": 0}
    assert by["SIGSEGV"].steps == [segv(0).hex()] and by["SIGABRT"].steps == [ACK[0].hex()]
    assert by["exit 3"].steps == [RST.hex()] and by["exit 3"].kind == "crash"
    assert all(f.reproduced for f in by.values())       # the bisected steps failed again on a fresh boot
    assert stats.duplicates == 3 and "+3 duplicates in known buckets" in stats.summary()
    assert stats.cases == len(cases) and stats.set_aside == 0
    saved = {json.loads((d / "finding.json").read_text())["signal"] or "exit 3":
             json.loads((d / "finding.json").read_text())["duplicates"] for d in stats.saved}
    assert saved == {"SIGSEGV": 2, "SIGABRT": 1, "exit 3": 0}


def test_a_bucket_is_set_aside_after_its_duplicates(crashy):
    c = crashy.campaign(lab=True, probe_every=1, shrink=False, aside_after=1)
    stats = c.run([segv(0), segv(1), segv(2), segv(3), benign(1)[0]])
    (f,) = stats.findings
    assert f.duplicates == 1 and stats.set_aside == 2 and stats.cases == 3, stats.summary()


def test_a_hang_is_told_apart_from_a_crash(crashy):
    """An empty NON makes the client stop answering while its process runs: a hang, told from the
    process's word (no wait for the silence to end), then restarted; an empty RST ends it: a crash."""
    c = crashy.campaign(lab=True, probe_every=1, shrink=True, shrink_budget=10)
    stats = c.run([NON, benign(1)[0], RST])
    hang, crash = stats.findings
    assert hang.kind == "hang" and not hang.signal and hang.exit_status is None, stats.summary()
    assert "alive but silent" in hang.summary and hang.oracle["driver_alive"] is True
    assert "hang_wait" not in hang.oracle and hang.bucket == "hang: coap NON empty" and hang.reproduced
    assert crash.kind == "crash" and crash.exit_status == 3 and crash.bucket == "crash exit 3: coap RST empty"
    assert crash.reproduced and len(crash.steps) == 1
    assert stats.restarts >= 2 and c.probe().alive
