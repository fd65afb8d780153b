"""The regulator view of ``meterproof report``: one row per provision, one column per device of each run.

A provision is a public clause a case evidences (``@regulation``: ETSI EN 303 645 provisions, ETSI TS 103 701
tests, EN 18031 requirements, UK PSTI paragraphs, EU CRA Annex I points, OMA LwM2M clauses, RFCs).  Each cell
holds the provision's verdict on that device (the worst of the cases evidencing it, folded as the results JSON's
``regulator`` list and the console's regulator section fold it: :mod:`.provisions`) and the cases with their
verdicts, each linking the case's entry in the report and its evidence (transcript, capture).  A run of several
devices also judges REG-PW-02 over the batch (``batch_credentials`` in the results JSON): its provisions count in
every column of that run, with no per-device evidence to link.

Everything here comes from results files, so everything is escaped (:func:`.html.el`).
"""

from __future__ import annotations

from typing import Any, Callable

from .html import Markup, el, join
from .provisions import REGULATIONS, fold, regulation_of, regulator_view
from .runs import Column
from .svg import COLOURS

#: The row key a batch-level record takes in a column (it is no case of the device, so it has no anchor).
BATCH_SUFFIX = " (batch)"


def provisions_of(rec: dict[str, Any]) -> list[str]:
    """The provisions a case record evidences (``regulation`` in results written before ``provisions``)."""
    return [str(p) for p in rec.get("provisions") or rec.get("regulation") or []]


def _entries(col: Column) -> list[tuple[str, str, list[str]]]:
    """(row key, verdict, provisions) of the column's cases, and of its run's batch check."""
    out = [(row, str(rec.get("verdict", "")), provisions_of(rec)) for row, rec in sorted(col.cases.items())]
    batch = col.run.data.get("batch_credentials")
    if isinstance(batch, dict) and batch.get("provisions"):
        out.append((f"{batch.get('case', 'batch')}{BATCH_SUFFIX}", str(batch.get("verdict", "")),
                    [str(p) for p in batch["provisions"]]))
    return out


def rows(cols: list[Column]) -> list[dict[str, Any]]:
    """One row per provision any column evidences: ``verdicts`` (one per column, None where the column has no
    case evidencing it), ``cases`` (per column: [{row, case, verdict}]) and the overall ``verdict``."""
    per_col = [{r["provision"]: r for r in regulator_view(_entries(c))} for c in cols]
    names = {p for view in per_col for p in view}
    order = [name for _, name in REGULATIONS]
    out = []
    for p in names:
        cells = [view.get(p) for view in per_col]
        cases = [[{"row": e["case"], "case": str(c.cases.get(e["case"], {}).get("case") or e["case"]),
                   "verdict": e["verdict"]} for e in (cell["cases"] if cell else [])]
                 for c, cell in zip(cols, cells)]
        verdicts = [cell["verdict"] if cell else None for cell in cells]
        out.append({"provision": p, "regulation": regulation_of(p), "verdict": fold(v for v in verdicts if v),
                    "verdicts": verdicts, "cases": cases})
    return sorted(out, key=lambda r: (order.index(r["regulation"]) if r["regulation"] in order else 99,
                                      r["provision"]))


def provision_anchor(provision: str, slug: Callable[[str], str]) -> str:
    return f"provision-{slug(provision)}"


def table(view: list[dict[str, Any]], headings: list[str], case_href: Callable[[int, str], str | None],
          evidence: Callable[[int, str], dict[str, str]], slug: Callable[[str], str]) -> Markup:
    """The HTML table of :func:`rows`: regulation, provision, then per column the verdict and its cases, each case
    linking its entry (``case_href``: None for a batch record) and its evidence files (``evidence``: name ->
    path relative to the report)."""
    head = el("tr", {}, el("th", {}, "regulation"), el("th", {}, "provision"), [el("th", {}, h) for h in headings])
    body = []
    for r in view:
        cells = []
        for ci, (verdict, cases) in enumerate(zip(r["verdicts"], r["cases"])):
            if verdict is None:
                cells.append(el("td", {"class": "muted"}, "—"))
                continue
            items = []
            for c in cases:
                href = case_href(ci, c["row"])
                ev = evidence(ci, c["row"]) if href else {}
                items.append(el("li", {}, el("a", {"href": href}, c["row"]) if href else c["row"], " ",
                                c["verdict"],
                                [join([" · ", el("a", {"href": ev[k]}, label)]) for k, label in
                                 (("transcript", "transcript"), ("pcap", "pcap")) if k in ev]))
            cells.append(el("td", {}, el("span", {"class": "v", "style": f"background:"
                                                  f"{COLOURS.get(verdict, '#9e9e9e')};padding:0 .4em"}, verdict),
                            el("ul", {"class": "cases"}, items)))
        body.append(el("tr", {"id": provision_anchor(r["provision"], slug)}, el("td", {}, r["regulation"]),
                       el("td", {}, r["provision"]), cells))
    return el("table", {"id": "regulator-view"}, head, body)


__all__ = ["BATCH_SUFFIX", "provision_anchor", "provisions_of", "rows", "table"]
