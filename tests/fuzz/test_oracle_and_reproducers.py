"""The oracle against the simulator: each seeded robustness defect is found, the device restarted,
the finding shrunk and saved; the conformant simulator gives no false finding."""

from __future__ import annotations

import functools
import json
import time

import pytest

from meterproof.fuzz import packets
from meterproof.fuzz import strategies_coap as sc
from meterproof.fuzz import strategies_payloads as sp
from meterproof.fuzz.campaign import hypothesis_cases
from meterproof.fuzz.corpus import POCS
from meterproof.fuzz.mutators import Mutator
from meterproof.fuzz.reproducer import Finding, RingBuffer, ddmin, load_findings, save_finding, shrink_bytes


@functools.lru_cache(maxsize=1)
def pool() -> tuple[bytes, ...]:
    return tuple([p.data for p in POCS if not sc.is_disruptive(p.data)] +
                 hypothesis_cases(sc.everything(sp.payloads()), 150))


def lab_cases(seed: int = 1):
    p = list(pool())
    yield from p
    yield from Mutator(p, seed, accept=lambda b: not sc.is_disruptive(b))


@pytest.mark.parametrize("defect", ["crash-on-reserved-option-nibble", "hang-on-lying-tlv-length",
                                    "crash-on-unexpected-ack"])
def test_campaign_finds_restarts_and_shrinks(make_target, tmp_path, defect):
    tgt = make_target(defect)
    c = tgt.campaign(probe_every=10, stop_on_finding=True, findings_dir=tmp_path, shrink_budget=20)
    t0 = time.monotonic()
    stats = c.run(lab_cases(), max_cases=5000)
    assert stats.findings, f"{defect} not found in {stats.cases} cases"
    f = stats.findings[0]
    assert f.kind == "silence" and f.reproduced is True
    assert stats.restarts >= 1 and c.probe().alive          # restarted through the driver, answering again
    assert len(f.steps) == 1 and len(f.case) <= 40, f.steps  # shrunk: one step, a short datagram
    assert f.shrink["to_bytes"] <= f.shrink["from_bytes"]
    assert time.monotonic() - t0 < 60
    d = stats.saved[0]
    meta = json.loads((d / "finding.json").read_text())
    assert meta["steps"] == f.steps and meta["device"]["defects"] == defect
    assert (d / "case.bin").read_bytes() == f.case and (d / "capture.pcap").stat().st_size > 0
    from scapy.utils import rdpcap
    assert bytes(rdpcap(str(d / "minimal.pcap"))[0]["Raw"].load) == f.case
    # the saved reproducer replays: it kills this device again, and the regression loader reads it
    (saved,) = list(load_findings(tmp_path))
    assert not c.replay(saved.step_bytes()).alive


def test_hang_is_told_from_crash(make_target):
    tgt = make_target("hang-on-lying-tlv-length")
    c = tgt.campaign(probe_every=1, hang_wait=6.0, shrink=False)
    write = packets.request(packets.POST, "/1/0", 4242, b"\x01", content_format=11542,
                            payload=bytes.fromhex("c8012000") + b"\x0e\x10")
    stats = c.run([write])
    assert [f.kind for f in stats.findings] == ["hang"] and stats.restarts == 0


def test_reboot_is_detected_by_re_registration(make_target):
    tgt = make_target()
    c = tgt.campaign(probe_every=1, shrink=False)
    c.attach()
    reboot = packets.request(packets.POST, "/3/0/4", 4243, b"\x02")        # Execute Reboot: a re-registration
    assert sc.is_disruptive(reboot)
    mark = tgt.server.mark()
    c.run([reboot])
    tgt.server.wait_event("registered", tgt.endpoint, since=mark, timeout=5)
    stats = c.run([packets.empty(packets.CON, 1)])
    assert stats.findings and stats.findings[0].kind == "reboot"


def test_conformant_simulator_gives_no_false_finding(make_target):
    tgt = make_target()
    c = tgt.campaign(probe_every=10)
    stats = c.run(lab_cases(seed=3), max_cases=2000)
    assert stats.cases == 2000 and not stats.findings, stats.summary()
    assert stats.reprobes == 0 and stats.histogram                 # answers of many kinds came back
    assert len([k for k in stats.histogram if k[0] in "245"]) >= 4


def test_ddmin_and_byte_shrinking():
    steps = [bytes([i]) for i in range(40)]
    assert ddmin(steps, lambda s: bytes([7]) in s and bytes([31]) in s) == [bytes([7]), bytes([31])]
    data = bytes.fromhex("4401aabb" "11223344" "b133" "f1" "00" "ff" "61626364")
    small = shrink_bytes(data, lambda b: any(x >> 4 == 15 and x != 0xFF for x in b))
    assert len(small) == 1 and small[0] >> 4 == 15


def test_ring_buffer_and_finding_roundtrip(tmp_path):
    r = RingBuffer(3)
    for i in range(5):
        r.add(bytes([i]), f"c{i}")
    assert [d for d, _ in r.snapshot()] == [b"\x02", b"\x03", b"\x04"]
    f = Finding("silence", "x", ["00000000004f"], ["aa", "00000000004f"], seed=5, device={"defects": "d"})
    d = save_finding(f, tmp_path, wire=[("out", b"\x40\x00\x00\x01", 1.0), ("in", b"\x70\x00\x00\x01", 1.001)],
                     harness=("127.0.0.1", 5683), device=("127.0.0.1", 40000))
    back = next(load_findings(tmp_path))
    assert back.steps == f.steps and back.seed == 5 and (d / "capture.pcap").exists()
