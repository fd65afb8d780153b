"""``meterproof report`` over real runs (issue 15, "Reports auditors trust").

* one run against two simulated meters, the gas meter started with two seeded defects: the HTML report shows
  each failure with its device, clause, expected and received values and a link to its evidence (the page is
  parsed, not grepped), and the evidence it links is there (transcript, a pcap scapy reads back);
* a second run of the gas meter without the defects: over both runs the report highlights exactly the cases
  whose verdict changed;
* the results JSON of the run carries the device identities and the run's provenance;
* the Allure results of the run: one result per case per device, the device in the title and as a parameter,
  severity, the exact ETS link, plain messages, no plumbing fixture in the set-up view, executor.json.

Each run is a real ``pytest suites`` subprocess (a handful of cases, a few seconds).
"""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from support.suites_run import REPO, run_suites

PROFILES = REPO / "fixtures" / "profiles"
CASES = ["int-101", "int-201", "int-203", "int-221", "int-301"]
DEFECTS = {"security-object-readable": "int-221", "legacy-text-content-format": "int-201"}
SEED = "7"


class Page(HTMLParser):
    """Elements by id, the text under each, the hrefs under each, and the class of each table row."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.text: dict[str, list[str]] = {}
        self.hrefs: dict[str, list[str]] = {}
        self.row_class: dict[str, str] = {}
        self.ids: set[str] = set()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.add(a["id"])
            if tag == "tr":
                self.row_class[a["id"]] = a.get("class") or ""
        if tag in ("meta", "br", "hr", "img", "input", "link"):
            return
        self.stack.append((tag, a.get("id")))
        if tag == "a" and a.get("href"):
            for _, i in self.stack:
                if i:
                    self.hrefs.setdefault(i, []).append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, i in self.stack:
            if i:
                self.text.setdefault(i, []).append(data)

    def of(self, ident: str) -> str:
        return " ".join("".join(self.text.get(ident, [])).split())


def _parse(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def _report(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "meterproof.tools.cli", "report", *args], capture_output=True,
                          text=True, timeout=60, cwd=REPO)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("runs")
    gas = yaml.safe_load((PROFILES / "sim-gas-1_1.yaml").read_text())
    gas["driver"]["defects"] = sorted(DEFECTS)
    defective = tmp / "sim-gas-defective.yaml"
    defective.write_text(yaml.safe_dump(gas))
    case_args = [a for c in CASES for a in ("--case", c)]
    allure = tmp / "allure"
    two, out_two = run_suites(tmp, "two-meters", "-n", "2", "--meterproof-seed", SEED, "--alluredir", str(allure),
                              "--dut-profile", str(PROFILES / "sim-electricity-1_1.yaml"),
                              "--dut-profile", str(defective), *case_args, timeout=120)
    fixed, out_fixed = run_suites(tmp, "gas-fixed", "--meterproof-seed", SEED,
                                  "--dut-profile", str(PROFILES / "sim-gas-1_1.yaml"), *case_args, timeout=120)
    return {"tmp": tmp, "two": two, "fixed": fixed, "allure": allure, "out": out_two + out_fixed}


def test_report_shows_each_failure_with_device_clause_expected_received_and_evidence(runs) -> None:
    tmp: Path = runs["tmp"]  # type: ignore[assignment]
    res = _report(str(tmp / "two-meters.json"), "-o", str(tmp / "report-one"))
    assert res.returncode == 0, res.stderr
    page = _parse(tmp / "report-one" / "report.html")
    summary = json.loads((tmp / "report-one" / "summary.json").read_text())

    failures = summary["findings"]
    assert {(f["case"], f["device"]) for f in failures} == {
        (case, "meterproof simulated gas meter (LwM2M 1.1)") for case in DEFECTS.values()}, runs["out"]
    for f in failures:
        ident = f"finding-{f['column']}-{f['anchor'].rsplit('-', 1)[1]}"
        text = page.of(ident)
        assert "meterproof simulated gas meter" in text and f["case"] in text
        assert f["clause"] and f["clause"] in text
        squeezed = text.replace(" ", "")
        assert f"expected{f['expected']}".replace(" ", "") in squeezed, text
        assert f"received{f['received']}".replace(" ", "") in squeezed, text
        assert f"#{f['anchor']}" in page.hrefs[ident], "the finding links its evidence"
        evidence = page.hrefs[f["anchor"]]
        pcap = [h for h in evidence if h.endswith(".pcap")]
        transcript = [h for h in evidence if h.endswith("transcript.txt")]
        assert pcap and transcript, evidence
        assert "<-" in page.of(f["anchor"]), "the failed case's transcript is inline"
        from scapy.layers.inet import UDP
        from scapy.utils import rdpcap
        packets = rdpcap(str(tmp / "report-one" / pcap[0]))
        assert packets and all(UDP in p for p in packets)
    # the conformant meter's column passes everything; the plot and the timing plot are inline SVG
    assert "failed" not in summary["columns"][0]["counts"]
    assert page.tags.count("svg") >= 3 and "script" not in page.tags
    assert not [t for t in page.tags if t == "link"], "nothing fetched: no external style sheet"


def test_report_over_two_runs_highlights_the_changed_cases(runs) -> None:
    tmp: Path = runs["tmp"]  # type: ignore[assignment]
    res = _report(str(tmp / "two-meters.json"), str(tmp / "gas-fixed.json"), "-o", str(tmp / "report-two"))
    assert res.returncode == 0, res.stderr
    summary = json.loads((tmp / "report-two" / "summary.json").read_text())
    assert sorted(summary["changed"]) == sorted(DEFECTS.values()), summary["cases"]
    page = _parse(tmp / "report-two" / "report.html")
    for row in summary["cases"]:
        rid = next(i for i in page.row_class if page.of(i).startswith(row["row"] + " ") or page.of(i) == row["row"]
                   or page.of(i).startswith(row["row"]))
        assert ("changed" in page.row_class[rid]) == (row["row"] in DEFECTS.values()), (row, page.row_class[rid])
    assert len(summary["columns"]) == 3 and summary["columns"][2]["run"].startswith("run 2")


def test_results_json_carries_identity_and_provenance(runs) -> None:
    data = runs["two"]
    run = data["run"]  # type: ignore[index]
    assert run["meterproof_version"] and run["date"] and run["seed"] == int(SEED) and run["security"] == "nosec"
    assert "--dut-profile" in run["command_line"]
    devices = data["devices"]  # type: ignore[index]
    assert [d["model"] for d in devices] == ["MP-E100", "MP-G200"]
    assert all(d["manufacturer"] and d["serial"] and d["firmware"] for d in devices)
    rec = next(r for r in data["cases"].values() if r["case"] == "int-221" and r["device_index"] == 1)  # type: ignore
    assert rec["verdict"] == "failed" and rec["level"] == "MUST" and rec["group"] and rec["ets_id"].endswith("int-221")
    assert rec["stopped"] >= rec["started"] > 0 and rec["evidence"]["pcap"].endswith(".pcap")
    timing = next(r for r in data["cases"].values() if r["case"] == "int-301" and r["device_index"] == 0)  # type: ignore
    notes = timing["notifications"][0]["notifications"]
    assert notes and all(n["pmin"] is not None and n["pmax"] is not None for n in notes)


def test_allure_results_one_per_case_and_device_told_apart_by_name(runs) -> None:
    allure: Path = runs["allure"]  # type: ignore[assignment]
    results = [json.loads(p.read_text()) for p in allure.glob("*-result.json")]
    cases = [r for r in results if not r["fullName"].startswith("meterproof.batch")]
    assert len(cases) == 2 * len(CASES)
    names = {r["name"] for r in cases}
    assert "int-221: Attempt to perform operations on Security [meterproof simulated gas meter (LwM2M 1.1)]" in names
    for r in cases:
        params = {p["name"]: p["value"] for p in r["parameters"]}
        assert "meterproof_device" not in params and params["device"] in r["name"]
        labels = {lb["name"]: lb["value"] for lb in r["labels"]}
        assert labels["severity"] == "critical" and labels["parentSuite"] == params["device"]
        case = r["name"].split(":")[0]
        assert any(ln["url"].endswith(f"int-{case.split('-')[1]}%22") for ln in r["links"]), r["links"]
        message = (r.get("statusDetails") or {}).get("message", "")
        assert "NonConformance" not in message and "meterproof." not in message, message
    failed = [r for r in cases if r["status"] == "failed"]
    assert {r["name"].split(":")[0] for r in failed} == set(DEFECTS.values())
    assert all("expected" in r["statusDetails"]["trace"] and "Traceback" not in r["statusDetails"]["trace"]
               for r in failed)
    assert all(any(a["name"] == "capture (pcap)" for a in r["attachments"]) for r in cases
               if r["status"] in ("passed", "failed"))
    befores = [b["name"] for p in allure.glob("*-container.json") for b in json.loads(p.read_text()).get("befores", [])]
    assert not {"loop_thread", "server", "transcript", "redactor", "dut", "pytestconfig"} & set(befores), befores
    assert json.loads((allure / "executor.json").read_text())["name"] == "meterproof"
    env = (allure / "environment.properties").read_text()
    assert "device.sim-electricity-1_1.model=MP-E100" in env and "device.sim-gas-defective.model=MP-G200" in env
    assert "\ndevice.model=" not in env, "no field without its device"
