"""Lab mode: fuzz the device for a time budget (``--fuzz-budget 10m``), find, shrink and keep.

The campaign starts with a pool drawn by every strategy family of
:mod:`meterproof.fuzz` (seeded by the run's ``--meterproof-seed``), plus the
published proof-of-concept inputs, then mutates that pool at full speed
(:class:`~meterproof.fuzz.mutators.Mutator`) until the budget runs out.  A
probe runs every ``--fuzz-probe-every`` cases; each crash, hang or reboot is
shrunk against the device and saved under ``--fuzz-findings`` (default
``reports/findings``).  A progress line shows while it runs; the summary
(cases, cases/s, findings, response-code histogram) is printed at the end.
"""

from __future__ import annotations

import itertools

import pytest

from meterproof.fixtures import expect, mp
from meterproof.fixtures.security import UDP_DATAGRAMS, transport
from meterproof.fixtures.fuzzing import fuzz_budget, progress_printer
from meterproof.fuzz import strategies_coap as sc
from meterproof.fuzz import strategies_payloads as sp
from meterproof.fuzz.campaign import hypothesis_cases
from meterproof.fuzz.corpus import POCS
from meterproof.fuzz.mutators import Mutator

pytestmark = transport("udp", reason=UDP_DATAGRAMS)


@pytest.mark.fuzz_lab
@mp("MP-FUZZ-LAB", "Time-boxed fuzz campaign (lab mode)", epic="Robustness", feature="Fuzzing",
    clause="RFC 7252 §4.2/§4.3; a meter must survive any input")
def test_fuzz_lab(fuzz, request):
    """Fuzz for --fuzz-budget.  Pass: no crash, hang, reboot or degradation found."""
    budget = fuzz_budget(request.config)
    if budget is None:
        pytest.skip("lab mode: pass --fuzz-budget (e.g. 10m) to run the time-boxed campaign")
    seed = fuzz.config.seed or 0
    families = [sc.safe(sc.datagrams()), sc.unexpected_messages(), sc.safe(sc.block_requests()),
                sc.safe(sc.attribute_requests()), sc.safe(sc.lwm2m_requests(sp.payloads()))]
    pool = [p.data for p in POCS if not sc.is_disruptive(p.data)]
    for i, fam in enumerate(families):
        pool += hypothesis_cases(fam, 120, seed=seed + i)
    mutants = Mutator(pool, seed, accept=lambda b: not sc.is_disruptive(b))
    stats = fuzz.run(itertools.chain(((d, "pool") for d in pool), ((m, "mutant") for m in mutants)),
                     budget=budget, progress=progress_printer(request.config))
    found = [f"{f.kind}: {f.case.hex()} ({f.summary})" for f in stats.findings]
    expect.true(not found, f"device alive through {stats.cases} fuzz cases", "no finding",
                "; ".join(found[:10]) + (f" ... {len(found)} in all" if len(found) > 10 else ""))
