"""The regulator view: one row per regulatory provision, its verdict and the cases that evidence it.

Cases name the public provisions they evidence (``@regulation("ETSI EN 303 645 5.1-1", ...)``): ETSI EN 303 645
provisions, ETSI TS 103 701 test cases, EN 18031 requirements, UK PSTI (SI 2023/1007) paragraphs, EU CRA
(Regulation 2024/2847) Annex I points, OMA LwM2M clauses and RFCs.  An auditor reads the run by provision:
:func:`regulator_view` folds the case verdicts into one verdict per provision -- the worst verdict of the cases
evidencing it (a failure anywhere fails the provision), where "not applicable" and "not run" only count when
nothing else judged it.  The results JSON's ``regulator`` list and the console's regulator section are this view.
"""

from __future__ import annotations

from typing import Any, Iterable

#: Provision prefixes -> the regulation (or standard) they belong to, longest first.
REGULATIONS: tuple[tuple[str, str], ...] = (
    ("ETSI EN 303 645", "ETSI EN 303 645 (consumer IoT security)"),
    ("ETSI TS 103 701", "ETSI TS 103 701 (conformance assessment of EN 303 645)"),
    ("EN 18031-1", "EN 18031-1 (RED delegated act, internet-connected radio equipment)"),
    ("EN 18031-2", "EN 18031-2 (RED delegated act, personal data)"),
    ("UK PSTI", "UK PSTI (SI 2023/1007)"),
    ("EU CRA", "EU Cyber Resilience Act (Regulation (EU) 2024/2847)"),
    ("OMA LwM2M", "OMA LightweightM2M"),
    ("RFC", "IETF RFC"),
)
#: Worst first: the verdict a provision takes is the first of these that one of its cases has.
PRECEDENCE = ("failed", "broken", "inconclusive", "passed with warnings", "passed", "passed (waiver not needed)",
              "waived", "not applicable", "not run", "skipped")


def regulation_of(provision: str) -> str:
    for prefix, name in REGULATIONS:
        if provision.startswith(prefix):
            return name
    return "other"


def fold(verdicts: Iterable[str]) -> str:
    vs = set(verdicts)
    for v in PRECEDENCE:
        if v in vs:
            return v
    return sorted(vs)[0] if vs else "not run"


def regulator_view(cases: Iterable[tuple[str, str, Iterable[str]]]) -> list[dict[str, Any]]:
    """``cases``: (case id, verdict, provisions) -> rows {provision, regulation, verdict, cases: [{case, verdict}]},
    sorted by regulation then provision.  A case seen on several devices or parameters appears once per verdict."""
    rows: dict[str, dict[str, Any]] = {}
    for case, verdict, provisions in cases:
        for p in provisions:
            row = rows.setdefault(p, {"provision": p, "regulation": regulation_of(p), "cases": []})
            entry = {"case": case, "verdict": verdict}
            if entry not in row["cases"]:
                row["cases"].append(entry)
    out = []
    for row in rows.values():
        row["verdict"] = fold(c["verdict"] for c in row["cases"])
        out.append(row)
    order = [name for _, name in REGULATIONS]
    return sorted(out, key=lambda r: (order.index(r["regulation"]) if r["regulation"] in order else 99,
                                      r["provision"]))


def view_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The console form: one line per provision, grouped by regulation."""
    lines: list[str] = []
    current = None
    for r in rows:
        if r["regulation"] != current:
            current = r["regulation"]
            lines.append(f"  {current}")
        cases = ", ".join(f"{c['case']} {c['verdict']}" for c in r["cases"])
        lines.append(f"    {r['provision']:<40} {r['verdict'].upper():<22} {cases}")
    return lines


__all__ = ["PRECEDENCE", "REGULATIONS", "fold", "regulation_of", "regulator_view", "view_lines"]
