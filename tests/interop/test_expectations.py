"""The expectation-file logic on its own (no client, no suite run): differences, keys, update, TODO."""

from __future__ import annotations

from pathlib import Path

import pytest

import expectations as E

RUN = {
    "suites/a.py::test_reg": {"case": "int-101", "verdict": "failed", "message": "no /1 in the object list"},
    "suites/a.py::test_read": {"case": "int-201", "verdict": "passed"},
    "suites/s.py::test_usage[usage0-exact]": {"case": "MP-SEC-CERT-USAGE-0", "verdict": "not applicable"},
    "suites/s.py::test_usage[usage0-sha256]": {"case": "MP-SEC-CERT-USAGE-0", "verdict": "not applicable"},
}
FILE = {"client": "x", "cases": {
    "int-101": {"verdict": "failed", "reason": "registers without /1", "clause": "TS 1.0 §5.3.1"},
    "int-201": {"verdict": "passed", "reason": "conforms", "clause": "int-201 pass criteria"},
    "MP-SEC-CERT-USAGE-0[usage0-exact]": {"verdict": "not applicable", "reason": "nosec", "clause": "c"},
    "MP-SEC-CERT-USAGE-0[usage0-sha256]": {"verdict": "not applicable", "reason": "nosec", "clause": "c"},
}}


def test_shared_case_ids_are_told_apart_by_their_parameters() -> None:
    assert sorted(E.by_case(RUN)) == sorted(FILE["cases"])


def test_agreement_is_no_difference() -> None:
    assert E.compare(FILE, RUN) == []


def test_every_kind_of_difference_is_listed_with_reason_and_message() -> None:
    run = dict(RUN)
    run["suites/a.py::test_reg"] = {"case": "int-101", "verdict": "passed"}
    del run["suites/a.py::test_read"]
    run["suites/a.py::test_new"] = {"case": "int-999", "verdict": "failed", "message": "boom"}
    diffs = E.compare(FILE, run)
    assert diffs == ["int-101: expected failed (registers without /1), received passed",
                     "int-201: expected passed (conforms), but the case did not run",
                     "int-999: not in the expectation file; received failed (message: boom)"]


def test_update_keeps_unchanged_reasons_and_marks_the_rest_todo() -> None:
    run = dict(RUN)
    run["suites/a.py::test_read"] = {"case": "int-201", "verdict": "failed", "clause": "TS 1.0 §8"}
    run["suites/a.py::test_new"] = {"case": "int-999", "verdict": "passed"}
    data, changed = E.updated(FILE, run, {"client": "y"})
    assert data["client"] == "x"                      # the file's header stays
    assert data["cases"]["int-101"] == FILE["cases"]["int-101"]
    assert data["cases"]["int-201"] == {"verdict": "failed", "reason": E.TODO, "clause": "TS 1.0 §8"}
    assert data["cases"]["int-999"] == {"verdict": "passed", "reason": E.PASSED, "clause": E.TODO}
    assert sorted(changed) == ["int-201", "int-999"]
    assert E.todo_entries(data) == ["int-201", "int-999"]


def test_dump_reads_back(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(E.dump(FILE), encoding="utf-8")
    assert E.load(p) == FILE


def test_a_broken_file_is_one_line_naming_the_entry(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("cases:\n  int-101: {verdict: failed, reason: x}\n", encoding="utf-8")
    with pytest.raises(E.ExpectationError, match=r"cases\.int-101: needs 'clause'"):
        E.load(p)


def test_command_line_check_and_update(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    import json
    monkeypatch.setattr(E, "DIR", tmp_path)
    results = tmp_path / "r.json"
    results.write_text(json.dumps({"cases": RUN}), encoding="utf-8")
    assert E.main(["update", "c", str(results)]) == 1      # new entries: failed and n/a ones need a reason
    assert "TODO" in capsys.readouterr().out
    assert E.main(["check", "c", str(results)]) == 0


def test_an_entry_may_also_accept_a_timing_dependent_verdict() -> None:
    entry = {"verdict": "failed", "also": ["passed"], "reason": "which reproducer kills it first depends on timing",
             "clause": "RFC 7252 §4.2"}
    assert E.accepts(entry, "failed") and E.accepts(entry, "passed")
    assert not E.accepts(entry, "broken")
    assert not E.accepts({"verdict": "failed", "reason": "r", "clause": "c"}, "passed")
