"""``expect.all_criteria``: a case checks every pass criterion and reports every failed one.

A case whose first criterion fails still judges the others (issue 16: a broken client's second non-conformance
hid behind the first); the first failure is the verdict, the others are listed in the message and in the
results JSON (``criteria``); a supporting step that fails inside one check leaves only that criterion unjudged.
"""

from __future__ import annotations

import json

import pytest

from meterproof.fixtures import expect

pytest_plugins = ["pytester"]


def test_every_failed_criterion_is_reported_first_one_is_the_verdict() -> None:
    seen = []
    with pytest.raises(expect.CriteriaFailed) as info:
        with expect.all_criteria() as criteria:
            with criteria.check("code"):
                expect.equal("2.04", "4.05", "Write /1/0/0 response code", clause="TS X")
            with criteria.check("value"):
                seen.append("value checked")
                expect.equal(7, 1, "value of /1/0/0")
            with criteria.check("third"):
                seen.append("third checked")
    exc = info.value
    assert seen == ["value checked", "third checked"]
    assert (exc.what, exc.clause) == ("Write /1/0/0 response code", "TS X")
    assert [o.what for o in exc.others] == ["value of /1/0/0"]
    assert "1 more failed criteria" in str(exc) and "value of /1/0/0" in str(exc)
    assert len(exc.lines()) == 2


def test_all_passing_criteria_pass() -> None:
    with expect.all_criteria() as criteria:
        with criteria.check("a"):
            expect.equal(1, 1, "one")
    assert not criteria.failed()


def test_a_failed_supporting_step_leaves_one_criterion_unjudged() -> None:
    with pytest.raises(expect.CriteriaFailed) as info:
        with expect.all_criteria() as criteria:
            with criteria.check("read-back of /3/0/0"):
                with expect.supporting("read /3/0/0 back", "int-224"):
                    expect.equal(1, 2, "Read /3/0/0 response code")
            with criteria.check("code"):
                expect.equal(1, 2, "Execute /3/0/0 response code")
    assert info.value.what == "Execute /3/0/0 response code"
    assert info.value.unjudged and "read-back of /3/0/0" in info.value.unjudged[0]


def test_nothing_judged_is_inconclusive() -> None:
    with pytest.raises(pytest.skip.Exception, match="inconclusive"):
        with expect.all_criteria() as criteria:
            with criteria.check("only"):
                expect.inconclusive("read", "int-224", "4.00")


def test_a_failure_outweighs_a_later_not_applicable() -> None:
    with pytest.raises(expect.CriteriaFailed):
        with expect.all_criteria() as criteria:
            with criteria.check("code"):
                expect.equal(1, 2, "code")
            expect.not_applicable("the device lacks /3/0/7")


def test_not_applicable_inside_a_check_ends_the_case() -> None:
    with pytest.raises(pytest.skip.Exception, match="not applicable"):
        with expect.all_criteria() as criteria:
            with criteria.check("x"):
                expect.not_applicable("no such object")


CASE = '''
from meterproof.fixtures import mp, expect

@mp("MP-X-TWO", "two criteria", epic="E", feature="F", clause="TS X")
def test_two():
    with expect.all_criteria() as criteria:
        with criteria.check():
            expect.equal(1, 2, "first")
        with criteria.check():
            expect.equal(3, 4, "second")
'''


def test_results_json_lists_every_failed_criterion(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_cases=CASE)
    results = pytester.path / "verdicts.json"
    pytester.runpytest("-p", "meterproof.fixtures.plugin", f"--meterproof-results={results}")
    (rec,) = json.loads(results.read_text())["cases"].values()
    assert rec["verdict"] == "failed"
    assert rec["message"].startswith("first: expected 2, received 1") and "second" in rec["message"]
    assert [c.split(":")[0] for c in rec["criteria"]] == ["first", "second"]


def test_a_failed_step_leaves_what_it_leads_to_unjudged() -> None:
    with expect.all_criteria() as criteria:
        with criteria.step("Discover /3/0"):
            expect.equal(1, 2, "Discover /3/0 response code")
        with criteria.check("code"):
            expect.equal(1, 1, "code")
    assert criteria.unjudged == ["Discover /3/0: Discover /3/0 response code: expected 2, received 1"]
