"""Allure results as an auditor reads them: finished from the run's verdict records once the run is over.

allure-pytest writes what pytest knows: a title from the test name, a trailing parameter index for each
device, the exception's class name in the message, every fixture as a set-up step, one link for all.  At the
end of the run (the controller, every worker done) :func:`finish` rewrites each case's result from its
:class:`~meterproof.fixtures.verdicts.CaseRecord` (the same record the results JSON holds), found by the
``meterproof_node`` label the plugin put on it:

* the title ``<id>: <title>``, with the device's name when the run has several devices; a ``device``
  parameter (the device's name) instead of allure-pytest's ``meterproof_device`` index;
* Suites tab per device (parent suite = device, suite = interface, sub-suite = group);
* severity from the requirement level (:func:`severity`);
* links to the exact ETS case and to the document of the clause (:mod:`.links`);
* the message is the verdict's one line (``<what>: expected <x>, received <y> [<clause>]``, or
  ``inconclusive: ...``), never a Python class name; a device non-conformance's trace is the expected,
  received and clause, not the harness's traceback (a broken case keeps its traceback: it is for whoever
  fixes the harness);
* fixture plumbing leaves the set-up view: a fixture of the plugin (or of pytest), and the pseudo-fixture of
  each parameter (already a parameter of the result), is hidden unless it failed; what it attached (a driver
  log) moves to the case.

* a ``historyId`` (and ``testCaseId``) from the case ID and the device's name, so that Allure's trend and
  retries follow one case on one device from run to run, whatever order the devices were given in.

It also writes ``executor.json`` (who produced the results) and, given the report of an earlier run, copies its
``history/`` folder into the results (:func:`carry_history`): Allure then shows each case's trend across runs.
Files it does not recognise stay as they are.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, Iterable

#: The label the plugin puts on each case's result: the pytest node id, the key of the results JSON.
NODE_LABEL = "meterproof_node"


def severity(level: str, regulated: bool = False) -> str:
    """Allure severity of a case from its requirement level: MUST is critical (blocker when the case
    evidences a regulator provision), SHOULD minor."""
    if level == "SHOULD":
        return "minor"
    return "blocker" if regulated else "critical"


def message(rec: dict[str, Any]) -> str:
    """The one line Allure shows (and its categories match) for a verdict record."""
    verdict = rec.get("verdict", "")
    if verdict in ("inconclusive", "not applicable", "not run"):
        return f"{verdict}: {rec.get('reason') or rec.get('message', '')}"
    if verdict == "waived":
        why = rec.get("reason") or rec.get("message") or ""
        return why if why.startswith("waived by the device profile") else f"waived by the device profile: {why}"
    if verdict == "passed with warnings":
        return "passed with warnings: " + "; ".join(rec.get("warnings", []))
    return rec.get("message", "")


def _trace(rec: dict[str, Any], old: str) -> str:
    if rec.get("verdict") != "failed" or not (rec.get("expected") or rec.get("received")):
        return old
    lines = [f"expected: {rec.get('expected', '')}", f"received: {rec.get('received', '')}",
             f"clause:   {rec.get('clause', '')}"]
    if rec.get("evidence"):
        lines.append("evidence: the transcript and the capture (pcap) attached to this case")
    return "\n".join(lines)


def _labels(result: dict[str, Any], rec: dict[str, Any], device: str) -> list[dict[str, str]]:
    replaced = {"parentSuite", "suite", "subSuite", "severity"}     # the node label stays: finish() can run again
    labels = [lb for lb in result.get("labels", []) if lb.get("name") not in replaced]
    labels += [{"name": "parentSuite", "value": device}, {"name": "suite", "value": rec.get("group", "")},
               {"name": "subSuite", "value": rec.get("feature", "")},
               {"name": "severity", "value": severity(rec.get("level", "MUST"), bool(rec.get("regulation")))}]
    return labels


def _links(rec: dict[str, Any]) -> list[dict[str, str]]:
    links = rec.get("links", {})
    out = []
    if links.get("ets"):
        out.append({"type": "tms", "url": links["ets"], "name": f"ETS {rec.get('ets_id', rec.get('case', ''))}"})
    if links.get("case"):
        out.append({"type": "link", "url": links["case"], "name": rec.get("case", "")})
    if links.get("clause"):
        out.append({"type": "link", "url": links["clause"], "name": rec.get("clause", "")[:120]})
    return out


def finish_result(result: dict[str, Any], rec: dict[str, Any], several_devices: bool) -> dict[str, Any]:
    """``result`` (an Allure ``*-result.json``) rewritten from its verdict record ``rec``."""
    device = rec.get("device", "")
    result["name"] = f"{rec.get('case', '')}: {rec.get('title', '')}" + (f" [{device}]" if several_devices else "")
    params = [p for p in result.get("parameters", []) if p.get("name") != "meterproof_device"]
    result["parameters"] = [{"name": "device", "value": device}, *params] if device else params
    key = f"{rec.get('case', '')}|{device}|" + "|".join(f"{p.get('name')}={p.get('value')}" for p in params)
    result["historyId"] = hashlib.md5(key.encode()).hexdigest()
    result["testCaseId"] = hashlib.md5(str(rec.get("case", "")).encode()).hexdigest()
    result["labels"] = _labels(result, rec, device)
    result["links"] = _links(rec) or result.get("links", [])
    details = dict(result.get("statusDetails") or {})
    text = message(rec)
    if text:
        details["message"] = text
    if "trace" in details or rec.get("verdict") == "failed":
        details["trace"] = _trace(rec, details.get("trace", ""))
    result["statusDetails"] = details
    return result


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def finish(outdir: Path, records: dict[str, dict[str, Any]], plumbing: Iterable[str], *,
           several_devices: bool, executor: dict[str, str] | None = None) -> int:
    """Rewrite the Allure results in ``outdir`` (see the module docstring); returns how many case results
    were rewritten."""
    outdir = Path(outdir)
    plumbing = set(plumbing)
    results: dict[str, dict[str, Any]] = {}
    paths: dict[str, Path] = {}
    originals: dict[str, dict[str, Any]] = {}
    for path in outdir.glob("*-result.json"):
        res = _load(path)
        if not isinstance(res, dict):
            continue
        node = next((lb.get("value") for lb in res.get("labels", []) if lb.get("name") == NODE_LABEL), None)
        if node is None or node not in records:
            continue
        originals[res.get("uuid", "")] = {"parameters": list(res.get("parameters", []))}
        results[res.get("uuid", "")] = finish_result(res, records[node], several_devices)
        paths[res.get("uuid", "")] = path
    # a parametrized case's parameters show as fixtures too (containers of their own, without children): they
    # are the results' parameters already
    hidden = plumbing | {"meterproof_device"} | {p.get("name") for r in originals.values()
                                                 for p in r.get("parameters", [])}
    for path in outdir.glob("*-container.json"):
        cont = _load(path)
        if not isinstance(cont, dict):
            continue
        children = [c for c in cont.get("children", []) if c in results]
        changed = False
        for key in ("befores", "afters"):
            kept = []
            for fx in cont.get(key, []):
                name = str(fx.get("name", "")).split("::")[0]
                if name not in hidden or fx.get("status") in ("failed", "broken"):
                    kept.append(fx)
                    continue
                changed = True
                if fx.get("attachments") and len(children) == 1:   # a driver log: it belongs to the case
                    results[children[0]].setdefault("attachments", []).extend(fx["attachments"])
                elif fx.get("attachments"):
                    kept.append(fx)
            cont[key] = kept
        if changed:
            path.write_text(json.dumps(cont), encoding="utf-8")
    for uuid, res in results.items():
        paths[uuid].write_text(json.dumps(res), encoding="utf-8")
    if executor:
        (outdir / "executor.json").write_text(json.dumps(executor, indent=1), encoding="utf-8")
    return len(results)


def carry_history(outdir: Path, previous_report: Path) -> int:
    """Copy ``history/`` of an earlier run's generated Allure report (``allure generate`` output) into the
    results folder ``outdir``, as Allure expects for trends; returns how many files were copied (0: the
    report has no history, which is no error: a first run has none)."""
    src = Path(previous_report) / "history"
    if not src.is_dir():
        return 0
    dst = Path(outdir) / "history"
    dst.mkdir(parents=True, exist_ok=True)
    n = 0
    for f in src.iterdir():
        if f.is_file():
            shutil.copyfile(f, dst / f.name)
            n += 1
    return n
