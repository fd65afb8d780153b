"""Allure trends across runs: a case on a device keeps its historyId from run to run (whatever the devices' order
or the results' uuids), and an earlier report's history/ is carried into the next run's results."""

from __future__ import annotations

import json
from pathlib import Path

from meterproof.report.allure_post import carry_history, finish_result


def _result(index: int) -> dict:
    return {"uuid": f"u{index}", "name": "test_x", "parameters": [{"name": "meterproof_device", "value": str(index)}],
            "labels": [], "statusDetails": {}}


def _rec(device: str, case: str = "int-203") -> dict:
    return {"case": case, "title": "Read", "device": device, "verdict": "passed", "level": "MUST"}


def test_history_id_follows_case_and_device_not_order() -> None:
    gas_first = finish_result(_result(0), _rec("gas meter"), several_devices=True)
    gas_second = finish_result(_result(1), _rec("gas meter"), several_devices=True)    # listed second next time
    water = finish_result(_result(0), _rec("water meter"), several_devices=True)
    other_case = finish_result(_result(0), _rec("gas meter", "int-204"), several_devices=True)
    assert gas_first["historyId"] == gas_second["historyId"]
    assert len({gas_first["historyId"], water["historyId"], other_case["historyId"]}) == 3
    assert gas_first["testCaseId"] == water["testCaseId"] != other_case["testCaseId"]


def test_earlier_history_is_carried_into_the_results(tmp_path: Path) -> None:
    report, results = tmp_path / "report", tmp_path / "results"
    (report / "history").mkdir(parents=True)
    (report / "history" / "history.json").write_text(json.dumps({"abc": {"items": []}}))
    (report / "history" / "history-trend.json").write_text("[]")
    results.mkdir()
    assert carry_history(results, report) == 2
    assert json.loads((results / "history" / "history.json").read_text()) == {"abc": {"items": []}}
    assert carry_history(results, tmp_path / "first-run-has-no-report") == 0
