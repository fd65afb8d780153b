"""Regression: every saved reproducer and every published proof-of-concept input, replayed.

* ``MP-FUZZ-REPRO`` replays the reproducers shipped in ``suites/fuzz/corpus/``
  and every finding saved under the findings folder (``--fuzz-findings``,
  default ``reports/findings/``) on the device it was found on (its profile and,
  for the simulator, its build; ``--fuzz-replay-all`` replays them on any
  device): each one's minimal steps, then the liveness probe.  A finding that
  was fixed stays fixed.
* ``MP-FUZZ-POC`` sends the published proof-of-concept inputs of the bug
  corpus (:mod:`meterproof.fuzz.corpus`: Wakaama, mbed-coap, Contiki, RIOT,
  libcoap, OpenThread, CoAPthon, Anjay, Zephyr ... re-typed as facts), one at a
  time with a probe after each.

A device that stops answering or re-registers after one of them fails the
case; the failure lists every input that did it (the device is restarted
through its driver between them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from meterproof.fixtures import expect, mp
from meterproof.fixtures.security import UDP_DATAGRAMS, transport
from meterproof.fuzz.corpus import POCS
from meterproof.fuzz.reproducer import load_findings, same_device

pytestmark = transport("udp", reason=UDP_DATAGRAMS)

CORPUS = Path(__file__).parent / "corpus"
FUZZ = dict(epic="Robustness", feature="Fuzzing regressions")


def _replay_all(fuzz: Any, items: list[tuple[str, list[bytes]]]) -> list[str]:
    bad = []
    for name, steps in items:
        fuzz.watch.mark()
        probe = fuzz.replay(steps)
        reboot = fuzz.watch.check()
        if not probe.alive or reboot is not None:
            bad.append(f"{name} ({'silent' if not probe.alive else reboot.kind})")
    return bad


@mp("MP-FUZZ-REPRO", "Saved fuzz reproducers no longer kill the device", **FUZZ,
    clause="RFC 7252 §4.2/§4.3; every fuzz finding becomes a regression case")
def test_saved_reproducers(fuzz, request):
    """Replay the minimal steps of every shipped reproducer and of every finding saved on this device (its
    profile and, for the simulator, its build; ``--fuzz-replay-all``: every saved finding).
    Pass: the device answers the probe after each one and does not re-register."""
    items = [(f.id or f.summary, f.step_bytes()) for f in load_findings(CORPUS) if f.steps]
    expect.true(bool(items), "reproducers found", f"at least the shipped ones in {CORPUS}", "none")
    saved = [f for f in load_findings(Path(request.config.getoption("--fuzz-findings") or "reports/findings"))
             if f.steps]
    mine = saved if request.config.getoption("--fuzz-replay-all") else [
        f for f in saved if same_device(f.device, fuzz.config.device)]
    items += [(f.id or f.summary, f.step_bytes()) for f in mine]
    others = f" ({len(saved) - len(mine)} saved on other devices not replayed)" if len(mine) < len(saved) else ""
    bad = _replay_all(fuzz, items)
    expect.true(not bad, f"device alive after each of {len(items)} reproducers{others}", "alive after every one",
                ", ".join(bad))


@mp("MP-FUZZ-POC", "Published CoAP/LwM2M proof-of-concept inputs", **FUZZ,
    clause="RFC 7252 §3/§4.2 (reject malformed messages); bug corpus rows C1-C35, S3, P1-P9, D7")
def test_published_pocs(fuzz):
    """Send each published proof-of-concept input (short datagrams, TKL 9-15, nibble 15, wrapping deltas,
    the Contiki/CoAPthon inputs, lying TLV, SenML bn-only ...).  Pass: alive after each, no reboot."""
    bad = _replay_all(fuzz, [(f"{p.id} [{p.ref}]", [p.data]) for p in POCS])
    expect.true(not bad, f"device alive after each of {len(POCS)} published inputs", "alive after every one",
                ", ".join(bad))
