"""Documentary provisions (REG-DOC-*): what no wire test can check, judged from the vendor declaration.

ETSI TS 103 701 V1.1.1 assesses most ETSI EN 303 645 V2.1.1 provisions *conceptually* (test cases
``<provision>-1``: the test lab reads the ICS and the IXIT).  Each case below is one group of provisions -- a
published vulnerability disclosure policy (5.2-1), the defined support period (5.3-13), the model designation
(5.3-16), constrained-device justifications (5.1-5, 5.3-2, 5.3-14/15), personal-data information (6-1 .. 6-5) ... --
judged from ``--declaration`` (meterproof.declaration.documentary says how): passed (declared, with the answers
the provision needs), passed with warnings (a recommendation not fulfilled, justified), not applicable
(declared not applicable with a justification), failed (not justified, missing, or an answer that contradicts
the provision).  The conceptual verdict itself stays the assessor's; these items check that the declaration
can carry it.  Without a declaration every item is not applicable, never passed.
"""

from __future__ import annotations

import json

import pytest

from meterproof.declaration.documentary import ITEMS, NO_DECLARATION, Item, judge

from meterproof.fixtures import expect, mp, regulation

REG = dict(epic="Regulatory", feature="Documentary provisions (vendor declaration)")


def _case(item: Item):  # type: ignore[no-untyped-def]
    return pytest.param(item, id=item.case, marks=[
        mp(item.case, item.title, clause="; ".join(item.cites[:2]) + " (conceptual assessment of the ICS/IXIT)",
           level=item.level, **REG),
        regulation(*item.cites)])


@pytest.mark.parametrize("item", [_case(i) for i in ITEMS])
def test_documentary_provision(item: Item, declaration) -> None:  # type: ignore[no-untyped-def]
    """The declaration's ICS rows for the item's provisions and the IXIT answers they need."""
    if declaration is None:
        expect.not_applicable(NO_DECLARATION)
    outcome = judge(item, declaration.doc)
    try:
        import allure
        allure.attach(json.dumps({"declaration": declaration.evidence(), "verdict": outcome.verdict,
                                  "message": outcome.message, **outcome.evidence}, indent=1, default=str),
                      name="declared answers", attachment_type=allure.attachment_type.JSON)
    except Exception:   # the report must not depend on it
        pass
    if outcome.verdict == "not applicable":
        expect.not_applicable(outcome.message)
    if outcome.verdict == "failed":
        expect.fail(f"vendor declaration for provision {', '.join(item.ics)}", outcome.expected, outcome.message)
    for w in outcome.warnings:
        expect.should(False, "declaration", "the recommendation fulfilled", w)
