"""The console summary's protocol-hygiene lines: each broken rule once per device, with the first case."""

from __future__ import annotations

from meterproof.fixtures.verdicts import CaseRecord, VerdictCollector, summary_lines


def test_each_rule_once_per_device() -> None:
    c = VerdictCollector()
    tok = "COAP-TOKEN-PIGGYBACKED (MUST, RFC 7252 §5.3.2): response token 01 to our request with token 0102 [ACK]"
    c.cases["a"] = CaseRecord("MP-A", "failed", hygiene=[tok], device="meter 1")
    c.cases["b"] = CaseRecord("MP-B", "failed", hygiene=[tok], device="meter 1")
    c.cases["c"] = CaseRecord("MP-C", "passed", hygiene=[], device="meter 1")
    c.cases["d"] = CaseRecord("MP-A", "failed", hygiene=[tok], device="meter 2")
    lines = [line for line in summary_lines(c) if "COAP-TOKEN-PIGGYBACKED" in line]
    assert len(lines) == 2
    assert lines[0].strip().startswith("COAP-TOKEN-PIGGYBACKED [meter 1]: in 2 case(s), first MP-A:")
    assert "[meter 2]: in 1 case(s)" in lines[1]


def test_no_hygiene_section_without_breaches() -> None:
    c = VerdictCollector()
    c.cases["a"] = CaseRecord("MP-A", "passed")
    assert not any("protocol hygiene" in line for line in summary_lines(c))
