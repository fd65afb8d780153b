"""The report's parts without a run: escaping of device text, pcap framing, links, notification timing,
messages without class names."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiocoap import Message
from aiocoap.numbers import codes

from meterproof.errors import ProtocolError, TimeoutError_, describe
from meterproof.report.conformance import write_report
from meterproof.report.html import el, safe_url
from meterproof.report.links import clause_link, ets_link
from meterproof.report.pcap import Datagram, write_pcap
from meterproof.report.reporting import notification_timing
from meterproof.report.runs import load

EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_device_text_is_escaped_everywhere(tmp_path: Path) -> None:
    """A device's manufacturer string and the value it returned are attacker-controlled: no HTML injection."""
    results = {
        "format": 2, "run": {"date": "2026-01-01T00:00:00+00:00", "command_line": "pytest suites"},
        "devices": [{"index": "0", "profile": "meter " + EVIL, "manufacturer": EVIL, "model": EVIL, "serial": EVIL,
                     "firmware": EVIL, "slug": "m"}],
        "cases": {"suites/x.py::test_a": {"case": "int-203", "title": "read", "verdict": "failed", "device_index": 0,
                                          "message": f"value: expected 1, received {EVIL}", "expected": "1",
                                          "received": EVIL, "clause": "RFC 7252 §5.10",
                                          "links": {"clause": "javascript:alert(3)"},
                                          "evidence": {"transcript": "/etc/passwd",
                                                       "pcap": "../../../../../../../../etc/passwd"}}}}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(results))
    html_path, _ = write_report(load([path]), tmp_path / "out")
    page = html_path.read_text()
    assert "<script" not in page and "<img" not in page and "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "javascript:" not in page
    assert not list((tmp_path / "out").rglob("passwd")), "evidence is copied only from inside the run's folder"


def test_safe_url_and_el() -> None:
    assert safe_url("javascript:alert(1)") == "#" and safe_url(" JaVaScRiPt:x") == "#"
    assert safe_url("data:text/html,x") == "#" and safe_url("//evil.example/") == "#"
    assert safe_url("https://www.rfc-editor.org/rfc/rfc7252#section-4.2").startswith("https://")
    assert safe_url("evidence/column0/a-1/transcript.txt") == "evidence/column0/a-1/transcript.txt"
    assert el("a", {"href": 'x" onclick="y'}, "<b>") == '<a href="x&quot; onclick=&quot;y">&lt;b&gt;</a>'


def test_pcap_opens_as_ip_udp(tmp_path: Path) -> None:
    from scapy.layers.inet import IP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.utils import rdpcap
    now = time.time()
    path = write_pcap(tmp_path / "c.pcap", [Datagram(now, ("127.0.0.1", 5683), ("127.0.0.2", 40000), b"\x40\x01\x00\x01"),
                                            Datagram(now + 0.5, ("::1", 5684), ("::1", 40001), b"\x16\xfe\xfd" + b"x" * 50)])
    p4, p6 = rdpcap(str(path))
    assert p4[IP].src == "127.0.0.1" and p4[UDP].dport == 40000 and bytes(p4[UDP].payload) == b"\x40\x01\x00\x01"
    assert p6[IPv6].src == "::1" and p6[UDP].sport == 5684 and len(bytes(p6[UDP].payload)) == 53
    for pkt, layer in ((p4, IP), (p6, IPv6)):     # checksums as a capture on the interface has them
        udp_sum = pkt[UDP].chksum
        fresh = layer(bytes(pkt[layer]))
        del fresh[UDP].chksum
        assert layer(bytes(fresh))[UDP].chksum == udp_sum
    assert abs(float(p6.time) - (now + 0.5)) < 1e-5


def test_links_point_at_the_exact_case_and_clause() -> None:
    assert ets_link("LightweightM2M-1.1-int-203").endswith("#search=%22LightweightM2M-1.1-int-203%22")
    assert ets_link("MP-ROB-OPT") == ""
    assert clause_link("RFC 7252 §4.2/§4.3; something") == "https://www.rfc-editor.org/rfc/rfc7252#section-4.2"
    assert clause_link("RFC 7641 §3.4 and §4.4") == "https://www.rfc-editor.org/rfc/rfc7641#section-3.4"
    assert "Core-V1_1-20180710-A.html" in clause_link("OMA TS Core 1.1 §6.2.1 Table 'Registration parameters'")
    assert "Transport-V1_2" in clause_link("OMA TS Transport 1.2 §6.4")
    assert "V1_0_2" in clause_link("OMA TS 1.0 §5.3.1 (LwM2M Version)")
    assert clause_link("regulatory-checks.md REG-PW-01") == ""


@dataclass
class Ev:
    direction: str
    message: Any
    mono_time: float
    label: str = ""
    problems: list[str] = field(default_factory=list)


def _msg(token: bytes, **kw: Any) -> Message:
    m = Message(**kw)
    m.token = token
    return m


def test_notification_timing_from_the_exchange() -> None:
    wa = _msg(b"w", code=codes.PUT, uri="coap://h/3/0/9?pmin=1&pmax=2")
    obs = _msg(b"t", code=codes.GET, uri="coap://h/3/0/9", observe=0)
    events = [Ev("out", wa, 0.0), Ev("out", obs, 0.1)]
    for i, t in enumerate((0.12, 1.2, 3.5)):
        events.append(Ev("in", _msg(b"t", code=codes.CONTENT, observe=i + 2, payload=b"1"), t))
    events.append(Ev("in", _msg(b"t", code=codes.CONTENT, observe=9, payload=b"1"), 3.6, "duplicate"))
    (o,) = notification_timing(events)
    assert o["path"] == "/3/0/9"
    assert [(n["interval"], n["pmin"], n["pmax"]) for n in o["notifications"]] == [(1.08, 1.0, 2.0), (2.3, 1.0, 2.0)]


def test_messages_name_no_python_class() -> None:
    assert describe(TimeoutError_("no response within 3s")) == "timeout: no response within 3s"
    assert describe(ProtocolError("bad token")) == "protocol error: bad token"
    assert describe(KeyError("x")) == "harness error: 'x'"


def test_results_written_before_the_run_and_devices_layout_still_load(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"cases": {"suites/x.py::test_a": {"case": "int-101", "verdict": "passed"},
                                          "suites/x.py::test_b": {"case": "int-203", "verdict": "failed",
                                                                  "message": "m: expected 1, received 2 [c]"}}}))
    html_path, summary_path = write_report(load([tmp_path]), tmp_path / "out")   # a folder of results
    summary = json.loads(summary_path.read_text())
    assert len(summary["columns"]) == 1 and [f["case"] for f in summary["findings"]] == ["int-203"]
    assert "m: expected 1, received 2" in html_path.read_text()


def _reg_run(path: Path, date: str, verdicts: dict[str, tuple[str, str]], batch: str | None = None) -> Path:
    """A results file of two devices: case -> (verdict on device 0, verdict on device 1)."""
    provisions = {"REG-AC-01": ["ETSI EN 303 645 5.4-1", "EU CRA Annex I Part I (2)(e)"],
                  "REG-AC-03": ["ETSI EN 303 645 5.4-1", "ETSI EN 303 645 5.6-2", EVIL],
                  "REG-AC-04": ["UK PSTI Sch.1 ¶1(2)(a)"], "int-203": []}
    cases = {}
    for case, per_device in verdicts.items():
        for i, v in enumerate(per_device):
            cases[f"suites/x.py::test_{case}[m{i}]"] = {
                "case": case, "verdict": v, "device_index": i, "provisions": provisions[case],
                "evidence": {"transcript": f"ev/{case}-{i}/transcript.txt", "pcap": f"ev/{case}-{i}/capture.pcap"}}
            for name in ("transcript.txt", "capture.pcap"):
                (path.parent / "ev" / f"{case}-{i}").mkdir(parents=True, exist_ok=True)
                (path.parent / "ev" / f"{case}-{i}" / name).write_text("x")
    data = {"format": 2, "run": {"date": date}, "cases": cases,
            "devices": [{"index": str(i), "profile": f"meter {i}", "slug": f"m{i}"} for i in (0, 1)]}
    if batch:
        data["batch_credentials"] = {"case": "REG-PW-02", "verdict": batch, "provisions": ["EN 18031-1 AUM-5"]}
    path.write_text(json.dumps(data))
    return path


def test_regulator_view_one_row_per_provision_a_column_per_device_and_run(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _reg_run(tmp_path / "a" / "r.json", "2026-01-01", {
        "REG-AC-01": ("passed", "failed"), "REG-AC-03": ("passed", "passed"), "REG-AC-04": ("not applicable", "passed"),
        "int-203": ("passed", "passed")}, batch="failed")
    second = _reg_run(tmp_path / "b" / "r.json", "2026-02-01", {
        "REG-AC-01": ("passed", "passed"), "REG-AC-03": ("inconclusive", "passed")})
    html_path, summary_path = write_report(load([first, second]), tmp_path / "out")
    summary, page = json.loads(summary_path.read_text()), html_path.read_text()
    rows = {r["provision"]: r for r in summary["regulator"]}
    assert set(rows) == {"ETSI EN 303 645 5.4-1", "ETSI EN 303 645 5.6-2", "EU CRA Annex I Part I (2)(e)",
                         "UK PSTI Sch.1 ¶1(2)(a)", "EN 18031-1 AUM-5", EVIL}
    assert [r["provision"] for r in summary["regulator"]][:2] == ["ETSI EN 303 645 5.4-1", "ETSI EN 303 645 5.6-2"]
    assert rows["ETSI EN 303 645 5.4-1"]["verdicts"] == ["passed", "failed", "inconclusive", "passed"]
    assert rows["ETSI EN 303 645 5.4-1"]["verdict"] == "failed"
    assert rows["UK PSTI Sch.1 ¶1(2)(a)"]["verdicts"] == ["not applicable", "passed", None, None]
    assert rows["UK PSTI Sch.1 ¶1(2)(a)"]["regulation"] == "UK PSTI (SI 2023/1007)"
    assert rows["EN 18031-1 AUM-5"]["verdicts"] == ["failed", "failed", None, None], "the batch check counts per run"
    cell = rows["ETSI EN 303 645 5.4-1"]["cases"][1]
    assert [(c["case"], c["verdict"]) for c in cell] == [("REG-AC-01", "failed"), ("REG-AC-03", "passed")]
    for c in cell:          # each case links its details, which exist in the page
        assert f'href="#{c["anchor"]}"' in page and f'id="{c["anchor"]}"' in page
    assert f'id="{rows["ETSI EN 303 645 5.4-1"]["anchor"]}"' in page and 'id="regulator-view"' in page
    assert 'href="evidence/column1/REG-AC-01-1/capture.pcap"' in page, "each case links its pcap"
    assert "REG-PW-02 (batch)" in page and "int-203" not in json.dumps(summary["regulator"])
    # the device could name a provision: it is text, never markup
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert f'href="#{rows[EVIL]["anchor"]}"' in page, "a case's provisions link their rows"


def test_regulator_view_absent_without_provisions(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"cases": {"suites/x.py::test_a": {"case": "int-101", "verdict": "passed"}}}))
    html_path, summary_path = write_report(load([path]), tmp_path / "out")
    assert json.loads(summary_path.read_text())["regulator"] == []
    assert "no case of these runs evidences a regulatory provision" in html_path.read_text()
