"""The conformance report: one or more runs as one self-contained HTML file and a JSON summary.

``meterproof report RESULTS... -o DIR`` (tools/report.py) calls :func:`write_report`.  The HTML opens from
disk with no server, no script and nothing fetched (style sheet and plots inline); the cases' evidence is
copied beside it (``DIR/evidence/``) and linked, the transcript of every failed, broken or inconclusive case
inline.  Sections:

1. the runs and their devices: identity read from the device (/3/0), profile, meterproof version and commit,
   date, command line, security mode, seed;
2. verdicts per group (plot) and per device;
3. the comparison: cases as rows, devices (of each run) as columns, as Autobahn|Testsuite's report does;
   a row whose verdict changed for the same device between runs is highlighted ``changed``, one where devices
   differ ``differs``;
4. the regulator view (anchor ``regulator``): one row per provision the cases evidence (ETSI EN 303 645,
   ETSI TS 103 701, EN 18031, UK PSTI, EU CRA, OMA LwM2M, RFCs; anchor ``provision-<slug>``), per device column
   its verdict and the cases with links to them and their evidence (:mod:`.regulator_table`);
5. findings per device: every failed and broken case with its message, clause, expected and received, and the
   provisions it evidences; then the waived, inconclusive, not-applicable and not-run cases with their reasons,
   and the ETS errata applied;
6. every case of every device: its verdict and evidence (anchor ``case-<column>-<row>``), and for reporting
   cases the notification timing against pmin/pmax.

Everything a device said is escaped (:mod:`.html`): a device is not trusted.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from .. import __version__
from . import regulator_table
from .html import Markup, el, join, raw
from .runs import Column, Run, changed_rows, columns
from .svg import COLOURS, timing_plot, verdict_bars

#: Verdict order in tables and plots.
ORDER = ("passed", "passed with warnings", "failed", "broken", "inconclusive", "not applicable", "not run",
         "waived", "passed (waiver not needed)", "skipped")
#: Verdicts whose transcript the report shows inline (the others link theirs).
INLINE = ("failed", "broken", "inconclusive")
#: A transcript longer than this is linked, not inlined.
INLINE_LIMIT = 64 * 1024

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5em;color:#222;max-width:1400px}
h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;
text-align:left;font-size:.9em}th{background:#f3f3f3}
.v{color:#fff;font-weight:600;white-space:nowrap}.v a{color:#fff}
tr.changed td:first-child{border-left:6px solid #c62828}tr.changed{background:#fff3e0}
tr.differs td:first-child{border-left:6px solid #ef6c00}
.tag{display:inline-block;font-size:.75em;padding:0 .4em;border-radius:3px;background:#c62828;color:#fff}
.tag.differs{background:#ef6c00}
pre{background:#f7f7f7;border:1px solid #ddd;padding:.5em;overflow:auto;max-height:30em;font-size:.8em}
.finding{border:1px solid #ddd;border-left:6px solid #c62828;padding:.4em .8em;margin:.6em 0}
.finding.broken{border-left-color:#6a1b9a}
dl{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;margin:.3em 0}dt{font-weight:600}dd{margin:0}
.legend span{display:inline-block;padding:0 .5em;margin-right:.3em;color:#fff;font-size:.8em}
.muted{color:#666}.case{border-top:1px solid #eee;padding:.3em 0}
ul.cases{margin:.2em 0;padding-left:1.2em}
"""


def _slug(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def anchor(ci: int, row: str) -> str:
    return f"case-{ci}-{_slug(row)}"


def _verdict_cell(verdict: str, href: str | None = None) -> Markup:
    body = el("a", {"href": href}, verdict) if href else verdict
    return el("td", {"class": "v", "style": f"background:{COLOURS.get(verdict, '#9e9e9e')}"}, body)


def _copy_evidence(col: Column, ci: int, rec: dict[str, Any], outdir: Path) -> dict[str, str]:
    """Copy a case's evidence files into the report folder; name -> path relative to the report.  Only files
    inside the run's folder are copied (a results file naming ``/etc/passwd`` gets no evidence)."""
    out: dict[str, str] = {}
    base = col.run.base.resolve()
    for name, rel in (rec.get("evidence") or {}).items():
        src = (Path(rel) if os.path.isabs(rel) else base / rel).resolve()
        if name == "error" or not src.is_file() or not src.is_relative_to(base):
            continue
        dest = outdir / "evidence" / f"column{ci}" / Path(rel).parent.name / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            shutil.copyfile(src, dest)
        out[name] = dest.relative_to(outdir).as_posix()
    return out


def _identity_table(cols: list[Column], several_runs: bool) -> Markup:
    rows = [("device (profile)", lambda c: c.name), ("manufacturer", lambda c: c.device.get("manufacturer")),
            ("model", lambda c: c.device.get("model")), ("serial number", lambda c: c.device.get("serial")),
            ("firmware version", lambda c: c.device.get("firmware")),
            ("LwM2M version (registered / profile)",
             lambda c: f"{c.device.get('lwm2m') or '?'} / {c.device.get('lwm2m_profile') or '?'}"),
            ("profile file (digest)", lambda c: f"{c.device.get('source', '')} ({c.device.get('digest', '')})"),
            ("driver", lambda c: c.device.get("driver")),
            ("could not be brought up", lambda c: c.device.get("down")),
            ("security mode", lambda c: c.device.get("security") or c.run.facts.get("security")),
            ("meterproof", lambda c: f"{c.run.facts.get('meterproof_version', '?')} "
                                     f"{c.run.facts.get('git_commit', '')}".strip()),
            ("date (UTC)", lambda c: c.run.facts.get("date")), ("seed", lambda c: c.run.facts.get("seed")),
            ("seeded defects (simulator)", lambda c: c.device.get("defects") or ", ".join(
                c.run.facts.get("defects") or c.run.data.get("defects") or [])),
            ("command line", lambda c: c.run.facts.get("command_line")),
            ("results file", lambda c: str(c.run.path))]
    head = el("tr", {}, el("th", {}, ""), [el("th", {}, c.heading(several_runs)) for c in cols])
    body = [el("tr", {}, el("th", {}, label), [el("td", {}, "" if f(c) in (None, "") else str(f(c))) for c in cols])
            for label, f in rows if any(f(c) not in (None, "", " / ") for c in cols)]
    return el("table", {"id": "devices"}, head, body)


def _counts(col: Column) -> dict[str, int]:
    out: dict[str, int] = {}
    for rec in col.cases.values():
        out[rec.get("verdict", "")] = out.get(rec.get("verdict", ""), 0) + 1
    return out


def _groups(col: Column) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for rec in col.cases.values():
        g = out.setdefault(rec.get("group") or "other", {})
        g[rec.get("verdict", "")] = g.get(rec.get("verdict", ""), 0) + 1
    return dict(sorted(out.items()))


def _link(url: str | None, text: str) -> Markup | str:
    return el("a", {"href": url}, text) if url else text


def _provision_links(rec: dict[str, Any]) -> Markup:
    """The provisions a case evidences, each linking its row of the regulator view."""
    return join([join([", " if i else "", el("a", {"href": f"#{regulator_table.provision_anchor(str(p), _slug)}"},
                                               str(p))]) for i, p in enumerate(regulator_table.provisions_of(rec))])


def _finding(ci: int, col: Column, row: str, rec: dict[str, Any]) -> Markup:
    links = rec.get("links") or {}
    items = [("device", col.name), ("case", join([_link(links.get("ets") or links.get("case"),
                                                        rec.get("ets_id") or rec.get("case", "")),
                                                  " ", rec.get("title", "")])),
             ("message", rec.get("message", "")),
             ("clause", _link(links.get("clause"), rec.get("clause", ""))),
             ("expected", rec.get("expected", "")), ("received", rec.get("received", "")),
             ("requirement", rec.get("level", "")), ("provisions", _provision_links(rec)),
             ("evidence", el("a", {"href": f"#{anchor(ci, row)}"}, "transcript and capture"))]
    return el("div", {"class": f"finding {rec.get('verdict', '')}", "id": f"finding-{ci}-{_slug(row)}"},
              el("strong", {}, f"{rec.get('verdict', '').upper()} {rec.get('case', '')}"),
              el("dl", {}, [join([el("dt", {}, k), el("dd", {}, v)]) for k, v in items if v not in ("", None)]))


def _reasons(ci: int, col: Column) -> Markup:
    parts = []
    for verdict in ("waived", "inconclusive", "not applicable", "not run"):
        rows = [(k, r) for k, r in sorted(col.cases.items()) if r.get("verdict") == verdict]
        if rows:
            parts.append(el("h4", {}, f"{verdict} ({len(rows)})"))
            parts.append(el("table", {}, [el("tr", {}, el("td", {}, el("a", {"href": f"#{anchor(ci, k)}"}, k)),
                                                el("td", {}, r.get("reason") or r.get("message", "")))
                                          for k, r in rows]))
    errata = [(k, e) for k, r in sorted(col.cases.items()) for e in r.get("errata", [])]
    if errata:
        parts.append(el("h4", {}, f"test-specification errata applied ({len(errata)})"))
        parts.append(el("table", {}, [el("tr", {}, el("td", {}, k), el("td", {}, e)) for k, e in errata]))
    return join(parts)


def _case_detail(ci: int, col: Column, row: str, rec: dict[str, Any], outdir: Path, ev: dict[str, str]) -> Markup:
    links = rec.get("links") or {}
    fields = [("message", rec.get("message")), ("clause", _link(links.get("clause"), rec.get("clause", ""))),
              ("expected", rec.get("expected")), ("received", rec.get("received")), ("reason", rec.get("reason")),
              ("SHOULD-level deviations", "; ".join(rec.get("warnings", []))),
              ("errata applied", "; ".join(rec.get("errata", []))),
              ("ETS" if links.get("ets") else "case", _link(links.get("ets") or links.get("case"),
                                                            rec.get("ets_id", "")) if rec.get("ets_id") else ""),
              ("group", f"{rec.get('group', '')} / {rec.get('feature', '')}".strip(" /")),
              ("requirement", rec.get("level")), ("provisions", _provision_links(rec)),
              ("duration", f"{rec.get('duration', 0):.3f} s"), ("node", col.nodes.get(row, "")),
              ("evidence", join([el("a", {"href": ev[k]}, label) if k in ev else ""
                                 for k, label in (("transcript", "transcript "), ("pcap", "capture (pcap) "),
                                                  ("dtls", "DTLS records"))]) if ev else "")]
    body: list[Any] = [el("dl", {}, [join([el("dt", {}, k), el("dd", {}, v)]) for k, v in fields if v])]
    t = ev.get("transcript")
    if t and rec.get("verdict") in INLINE and (outdir / t).stat().st_size <= INLINE_LIMIT:
        body.append(el("details", {"open": True}, el("summary", {}, "transcript"),
                       el("pre", {}, (outdir / t).read_text(encoding="utf-8", errors="replace"))))
    for obs in rec.get("notifications", []):
        body.append(el("p", {}, f"notification timing of {obs.get('path', '')}: interval since the previous "
                                f"notification against pmin and pmax"))
        body.append(timing_plot(obs))
    return el("div", {"class": "case", "id": anchor(ci, row)},
              el("strong", {}, f"{row} — {rec.get('title', '')}"), " ",
              el("span", {"class": "v", "style": f"background:{COLOURS.get(rec.get('verdict', ''), '#999')};"
                                                  f"padding:0 .4em"}, rec.get("verdict", "")),
              body)


def build(runs: list[Run], outdir: Path) -> tuple[str, dict[str, Any]]:
    """The HTML page and the JSON summary of ``runs``; evidence is copied under ``outdir``."""
    cols = columns(runs)
    several_runs = len(runs) > 1
    marks = changed_rows(cols)
    meta: dict[str, dict[str, Any]] = {}
    for c in cols:
        for k, r in c.cases.items():
            meta.setdefault(k, {"case": r.get("case", k), "title": r.get("title", ""), "group": r.get("group", ""),
                                "level": r.get("level", "")})
    rows = sorted(meta, key=lambda k: (meta[k]["group"], _natural(k)))
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")

    legend = el("p", {"class": "legend"}, [el("span", {"style": f"background:{COLOURS[v]}"}, v) for v in ORDER
                                           if v in COLOURS])
    summary_rows = [el("tr", {}, el("th", {}, "verdict"), [el("th", {}, c.heading(several_runs)) for c in cols])]
    counts = [_counts(c) for c in cols]
    for v in [*ORDER, *sorted({k for cn in counts for k in cn} - set(ORDER))]:
        if any(v in cn for cn in counts):
            summary_rows.append(el("tr", {}, el("th", {}, v), [el("td", {}, cn.get(v, 0)) for cn in counts]))
    plots = [join([el("h3", {}, c.heading(several_runs)), verdict_bars(_groups(c), ORDER)]) for c in cols]

    matrix = [el("tr", {}, el("th", {}, "case"), el("th", {}, "title"), el("th", {}, "level"),
                 [el("th", {}, c.heading(several_runs)) for c in cols])]
    for k in rows:
        mark = marks.get(k, "")
        cells = [(_verdict_cell(c.cases[k].get("verdict", ""), f"#{anchor(ci, k)}") if k in c.cases
                  else el("td", {"class": "muted"}, "—")) for ci, c in enumerate(cols)]
        matrix.append(el("tr", {"class": mark or None, "id": f"row-{_slug(k)}"},
                         el("td", {}, k, " ", el("span", {"class": f"tag {mark}"}, mark) if mark else ""),
                         el("td", {}, meta[k]["title"]), el("td", {}, meta[k]["level"]), cells))

    findings = []
    for ci, c in enumerate(cols):
        bad = [(k, c.cases[k]) for k in rows if k in c.cases and c.cases[k].get("verdict") in ("failed", "broken")]
        findings.append(el("h3", {}, f"{c.heading(several_runs)}: {len(bad)} failed or broken"))
        findings.extend(_finding(ci, c, k, r) for k, r in bad)
        findings.append(_reasons(ci, c))

    evidence = {(ci, k): _copy_evidence(c, ci, c.cases[k], outdir) for ci, c in enumerate(cols) for k in rows
                if k in c.cases}
    details = []
    for ci, c in enumerate(cols):
        details.append(el("h3", {}, c.heading(several_runs)))
        details.extend(_case_detail(ci, c, k, c.cases[k], outdir, evidence[(ci, k)]) for k in rows if k in c.cases)

    regulator = regulator_table.rows(cols)
    reg_table = regulator_table.table(
        regulator, [c.heading(several_runs) for c in cols],
        lambda ci, k: f"#{anchor(ci, k)}" if k in cols[ci].cases else None,
        lambda ci, k: evidence.get((ci, k), {}), _slug)

    changed = [k for k in rows if marks.get(k) == "changed"]
    page = join([Markup("<!DOCTYPE html>\n"), el("html", {"lang": "en"},
        el("head", {}, el("meta", {"charset": "utf-8"}), el("title", {}, "meterproof conformance report"),
           el("style", {}, raw(_CSS))),
        el("body", {},
           el("h1", {}, "meterproof conformance report"),
           el("p", {"class": "muted"}, f"written {now} by meterproof {__version__} from {len(runs)} run(s), "
                                       f"{len(cols)} device column(s), {len(rows)} case(s)"),
           el("h2", {"id": "runs"}, "Devices and runs"), _identity_table(cols, several_runs),
           el("h2", {"id": "summary"}, "Verdicts"), legend, el("table", {}, summary_rows),
           el("h3", {}, "Verdicts per group"), plots,
           el("h2", {"id": "comparison"}, "Comparison"),
           el("p", {}, f"{len(changed)} case(s) changed verdict between runs for the same device"
                       if several_runs else "cases (rows) by device (columns)"),
           el("table", {"id": "matrix"}, matrix),
           el("h2", {"id": "regulator"}, "Regulator view"),
           el("p", {}, f"{len(regulator)} provision(s) evidenced by the cases: per device, the provision's verdict "
                       f"(the worst of its cases) and the cases, linking their entry and evidence"
                       if regulator else "no case of these runs evidences a regulatory provision"),
           reg_table if regulator else "",
           el("h2", {"id": "findings"}, "Findings"), findings,
           el("h2", {"id": "cases"}, "Every case"), details))])
    summary = {
        "generated": now, "meterproof_version": __version__,
        "runs": [{"path": str(r.path), "label": r.label, **r.facts} for r in runs],
        "columns": [{"run": c.run.label, "heading": c.heading(several_runs), **c.device, "counts": counts[i],
                     "groups": _groups(c)} for i, c in enumerate(cols)],
        "cases": [{"row": k, **meta[k], "verdicts": [c.cases[k].get("verdict") if k in c.cases else None
                                                      for c in cols], "mark": marks.get(k, "")} for k in rows],
        "changed": changed,
        "findings": [{"column": ci, "row": k, "device": c.name, **{f: c.cases[k].get(f, "") for f in
                      ("case", "verdict", "message", "clause", "expected", "received", "level")},
                      "provisions": regulator_table.provisions_of(c.cases[k]),
                      "anchor": anchor(ci, k)}
                     for ci, c in enumerate(cols) for k in rows
                     if k in c.cases and c.cases[k].get("verdict") in ("failed", "broken")],
        "regulator": [{**r, "anchor": regulator_table.provision_anchor(r["provision"], _slug),
                       "cases": [[{**e, "anchor": anchor(ci, e["row"]) if e["row"] in cols[ci].cases else None}
                                  for e in per_col] for ci, per_col in enumerate(r["cases"])]} for r in regulator],
    }
    return str(page), summary


def _natural(key: str) -> tuple[Any, ...]:
    import re
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key))


def write_report(runs: list[Run], outdir: Path) -> tuple[Path, Path]:
    """Write ``outdir/report.html`` and ``outdir/summary.json``; returns their paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    page, summary = build(runs, outdir)
    html_path, json_path = outdir / "report.html", outdir / "summary.json"
    html_path.write_text(page, encoding="utf-8")
    json_path.write_text(json.dumps(summary, indent=1, default=str), encoding="utf-8")
    return html_path, json_path
