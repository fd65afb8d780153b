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
from meterproof.coap.params import LOOPBACK
from meterproof.fuzz.campaign import CampaignConfig, hypothesis_cases, lab_config
from meterproof.fuzz.targets import SimTarget
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


SCALED = LOOPBACK.scaled(0.2)       # ACK_TIMEOUT 0.1 s: MAX_TRANSMIT_WAIT 4.65 s, the seeded hang 1 s
TIMES: dict[str, float] = {}


@pytest.mark.slow
@pytest.mark.parametrize("defect,kind", [("crash-on-reserved-option-nibble", "silence"),
                                         ("hang-on-lying-tlv-length", "hang"),
                                         ("crash-on-unexpected-ack", "silence")])
def test_lab_campaign_finds_and_shrinks_each_robustness_defect(tmp_path, defect, kind):
    """Evidence for issue 7: the lab-mode campaign (lab_config: the plugin's defaults, from the
    transmission parameters) finds each seeded robustness defect, tells hang from crash, restarts
    the device, shrinks the input to a one-step reproducer and saves it, within 60 s."""
    t0 = time.monotonic()
    with SimTarget([defect], params=SCALED) as tgt:
        c = tgt.campaign(lab=True, findings_dir=tmp_path, stop_on_finding=True)
        stats = c.run(lab_cases(), budget=60)
        elapsed = time.monotonic() - t0
        TIMES[defect] = elapsed
        print(f"{defect}: found+shrunk in {elapsed:.1f}s ({stats.cases} cases) {stats.findings[:1]}")
        assert stats.findings, f"{defect} not found in {stats.cases} cases"
        f = stats.findings[0]
        assert f.kind == kind and f.reproduced is True, (f.kind, f.summary)
        assert c.config.hang_wait == pytest.approx(SCALED.max_transmit_wait)
        assert stats.restarts >= 1 and c.probe().alive          # restarted through the driver, answering again
        assert len(f.steps) == 1 and len(f.case) <= 40, f.steps  # shrunk: one step, a short datagram
        assert f.shrink["to_bytes"] <= f.shrink["from_bytes"] and f.bucket.startswith(kind)
        assert elapsed < 60
        d = stats.saved[0]
        meta = json.loads((d / "finding.json").read_text())
        assert meta["steps"] == f.steps and meta["device"]["defects"] == defect
        assert (d / "case.bin").read_bytes() == f.case and (d / "capture.pcap").stat().st_size > 0
        from scapy.layers.inet import UDP   # loads the IP layers a LINKTYPE_RAW capture is read with
        from scapy.utils import rdpcap
        assert bytes(rdpcap(str(d / "minimal.pcap"))[0][UDP].payload) == f.case
        # the saved reproducer replays: it silences this device again, and the regression loader reads it
        (saved,) = list(load_findings(tmp_path))
        assert not c.replay(saved.step_bytes()).alive


LYING = packets.request(packets.POST, "/1/0", 4242, b"\x01", content_format=11542,
                        payload=bytes.fromhex("c8012000") + b"\x0e\x10")


def test_lab_default_hang_wait_comes_from_protocol_parameters():
    """The lab default waits MAX_TRANSMIT_WAIT (re-probing with back-off) before calling a silence a
    crash: the seeded hang (10 x ACK_TIMEOUT) is longer than the old 2 x ACK_TIMEOUT default."""
    for p in (LOOPBACK, SCALED, LOOPBACK.scaled(4)):
        cfg = lab_config(p)
        assert cfg.hang_wait == pytest.approx(p.max_transmit_wait) and cfg.hang_wait > 10 * p.ack_timeout
        assert cfg.timeout == pytest.approx(p.ack_timeout / 5)
        # the probe's whole back-off schedule (ping and GET) ends before the seeded 10 x ACK_TIMEOUT hang does
        assert cfg.timeout * (2 ** (p.max_retransmit + 1) - 1) < 10 * p.ack_timeout
        assert cfg.hang_probe_interval == pytest.approx(p.ack_timeout / 5) and not cfg.stop_on_finding


def test_lab_defaults_tell_hang_from_crash():
    with SimTarget(["hang-on-lying-tlv-length", "crash-on-unexpected-ack"], params=SCALED) as tgt:
        c = tgt.campaign(lab=True, probe_every=1, shrink=False)
        t0 = time.monotonic()
        hang = c.run([LYING]).findings[-1]
        assert hang.kind == "hang" and c.stats.restarts == 0 and time.monotonic() - t0 < SCALED.max_transmit_wait
        assert "answered again by itself" in hang.summary and hang.oracle["hang_wait"] == c.config.hang_wait
        t0 = time.monotonic()
        crash = c.run([bytes([0x60, 0x00, 0xBE, 0xEF])]).findings[-1]      # ACK, unknown MID
        assert crash.kind == "silence" and "(crash)" in crash.summary and c.stats.restarts == 1
        assert time.monotonic() - t0 >= SCALED.max_transmit_wait          # waited it out, then restarted
        assert c.probe().alive


def test_findings_are_bucketed_and_set_aside(make_target):
    """A second variant of a known bug is counted in its bucket, not shrunk and saved again, and later
    cases with the same input signature are set aside so the campaign keeps exploring."""
    tgt = make_target("crash-on-reserved-option-nibble")
    c = tgt.campaign(probe_every=1, shrink=True, shrink_budget=10)
    v1 = bytes([0x50, 0x01, 0x12, 0x34]) + b"\xf1\x00"        # nibble 15 in the first option
    v2 = bytes([0x40, 0x01, 0x12, 0x35]) + b"\xb1\x33\xf2"    # ... in the second one
    stats = c.run([v1, packets.empty(packets.CON, 7), v2, v1, packets.empty(packets.CON, 8)])
    assert len(stats.findings) == 1, stats.summary()
    f = stats.findings[0]
    assert f.bucket == "silence: coap malformed: option delta nibble 15 is reserved", f.bucket
    assert stats.set_aside + f.duplicates >= 2 and stats.duplicates == f.duplicates
    assert "cases set aside" in stats.summary()


def test_degradation_oracle_flags_a_slowing_device():
    """slows-down-under-load: each datagram handled makes the next answer 20 us slower.  The latency
    trend (window medians against the first window) flags it; the conformant meter is not flagged."""
    benign = [packets.request(packets.GET, "/3/0/0", i, b"\x07") for i in range(3000)]
    with SimTarget(["slows-down-under-load"]) as tgt:
        c = tgt.campaign(lab=True, shrink=False, stop_on_finding=True)
        t0 = time.monotonic()
        stats = c.run(benign, max_cases=3000)
        deg = [f for f in stats.findings if f.kind == "degradation"]
        assert deg, (stats.summary(), list(c.trend.history))
        assert "grew from a median of" in deg[0].summary and deg[0].bucket.startswith("degradation")
        assert time.monotonic() - t0 < 20
        TIMES["slows-down-under-load"] = time.monotonic() - t0
        print(f"slows-down-under-load: flagged after {stats.cases} cases in {TIMES['slows-down-under-load']:.1f}s")
    with SimTarget() as tgt:
        stats = tgt.campaign(lab=True, shrink=False).run(benign, max_cases=1500)
        assert not stats.findings, stats.summary()


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


def test_saved_findings_replay_only_on_the_device_they_were_found_on() -> None:
    from meterproof.fuzz.reproducer import same_device
    sim = {"profile": "meterproof simulated meter", "driver": "simulator", "meter": "electricity", "lwm2m": "1.1",
           "defects": "crash-on-unexpected-ack", "variants": "none", "endpoint": "ep-1"}
    assert same_device(sim, dict(sim, endpoint="ep-2"))                  # another run of the same build
    assert not same_device(sim, dict(sim, defects="none"))               # the conformant build
    assert not same_device(sim, dict(sim, profile="Wakaama lwm2mclient"))
    wk = {"profile": "Wakaama", "driver": "process", "command": "lwm2mclient -p 40001", "restarts": "2"}
    assert same_device(wk, {"profile": "Wakaama", "driver": "process", "command": "lwm2mclient -p 40077"})
    assert not same_device({}, sim)                                      # an old finding naming no device
