"""The liveness oracle under packet loss: a lossy but alive device is never called dead, a dead one
still is, and within the probe's own back-off schedule (meterproof/fuzz/oracle.py)."""

from __future__ import annotations

import time

from meterproof.coap.impair import Impairment
from meterproof.coap.params import LOOPBACK
from meterproof.fuzz import strategies_coap as sc
from meterproof.fuzz.campaign import hypothesis_cases
from meterproof.fuzz.targets import SimTarget

FAST = LOOPBACK.scaled(0.2)                 # ACK_TIMEOUT 0.1 s: the probe's first wait 0.02 s
LOSSY = Impairment(loss=10, dup=5, reorder=10)


def test_a_lossy_but_alive_device_is_never_called_dead() -> None:
    with SimTarget(params=FAST, impairment=LOSSY, seed="oracle") as tgt:
        c = tgt.campaign(probe_every=1, timeout=FAST.ack_timeout / 5, shrink=False)
        probes = [c.probe() for _ in range(300)]
        assert all(p.alive for p in probes)
        imp = tgt.server.aio.endpoint.transport.impairer
        lost = imp.out.stats.dropped + imp.inn.stats.dropped
        assert lost > 20, imp.summary()                     # the link did lose: the retransmissions covered it
        assert sum(p.via == "get" for p in probes) > 0      # some pings went unanswered at first


def test_a_fuzz_run_over_a_lossy_link_finds_nothing_in_a_conformant_device() -> None:
    cases = hypothesis_cases(sc.unexpected_messages(), 40) + hypothesis_cases(sc.safe(sc.datagrams()), 40)
    with SimTarget(params=FAST, impairment=LOSSY, seed="campaign") as tgt:
        stats = tgt.campaign(probe_every=1, timeout=FAST.ack_timeout / 5, shrink=False).run(cases)
        assert stats.cases == len(cases) and not stats.findings, stats.summary()


def test_a_dead_device_is_still_called_dead_within_the_probe_schedule() -> None:
    with SimTarget(["crash-on-reserved-option-nibble"], params=FAST, impairment=LOSSY, seed="dead") as tgt:
        c = tgt.campaign(probe_every=1, timeout=FAST.ack_timeout / 5, shrink=False)
        assert c.probe().alive
        for mid in range(4):                          # NON GET with option nibble 15; sent again in case it is lost
            tgt.server.raw_send(tgt.endpoint, bytes([0x50, 0x01, 0x12, mid]) + b"\xf1\x00", timeout=0.0)
        t0 = time.monotonic()
        p = c.probe()
        assert not p.alive
        assert time.monotonic() - t0 < 1.2 * c.oracle.window() + 0.2 < 10 * FAST.ack_timeout
