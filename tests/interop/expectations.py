"""Expectation files for independent clients: every case's expected verdict, with its reason and clause.

Like tlsfuzzer's per-implementation expectation files, ``tests/interop/expectations/<client>.yaml`` lists
every case a suite run against that client reports::

    client: coap-node 0.2.5 (npm) through tests/interop/npm/coap_node_client.js
    profile: ../profiles/coap-node.yaml
    cases:
      int-101:
        verdict: failed
        reason: "registers without /1 in the object list"
        clause: "OMA TS Core 1.0 §5.3.1: ... MUST be part of the registration payload"

:func:`compare` lists every difference between a file and a run (a changed verdict, a case the file does not
list, a listed case that no longer runs), so that any change of verdict fails CI until the file is updated
with a reason. :func:`update` rewrites a file from a run's ``--meterproof-results`` JSON, keeping the reason
and clause of every entry whose verdict did not change and writing ``reason: TODO`` for new or changed ones,
which :func:`todo_entries` finds (a test fails while any is left)::

    python tests/interop/expectations.py update coap-node results.json
    python tests/interop/expectations.py check coap-node results.json

Entries whose failure is meterproof's own mistake, not the client's, say ``reason: "SUITE BUG: ..."``
(listed with the evidence in the project notes) until the suite is fixed and the file regenerated.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, Mapping

import yaml

DIR = Path(__file__).resolve().parent / "expectations"
TODO = "TODO"
PASSED = "conforms"
VERDICTS = ("passed", "passed with warnings", "failed", "inconclusive", "not applicable", "waived", "broken",
            "passed (waiver not needed)", "skipped")


class ExpectationError(ValueError):
    """An expectation file that is not in the format above (one line naming the file and the entry)."""


def path_for(client: str) -> Path:
    return DIR / f"{client}.yaml"


def case_keys(results: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """node id -> the key of its entry: the case id, or ``<case id>[<parameters>]`` when several node ids of
    one run share a case id (e.g. MP-SEC-CERT-USAGE-0[usage0-exact] and [usage0-sha256])."""
    count: dict[str, int] = {}
    for rec in results.values():
        count[rec["case"]] = count.get(rec["case"], 0) + 1
    keys = {}
    for node, rec in results.items():
        key = rec["case"]
        if count[key] > 1:
            m = re.search(r"(\[[^\]]*\])$", node)
            key += m.group(1) if m else f"[{node}]"
        keys[node] = key
    return keys


def by_case(results: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The run's verdict records keyed as the expectation file keys them."""
    keys = case_keys(results)
    return {keys[node]: rec for node, rec in results.items()}


def load(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExpectationError(f"{path}: no such expectation file; create it with "
                               f"`python tests/interop/expectations.py update <client> <results.json>`") from None
    except yaml.YAMLError as exc:
        raise ExpectationError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), dict):
        raise ExpectationError(f"{path}: needs a 'cases' mapping (case id -> verdict, reason, clause)")
    for key, entry in data["cases"].items():
        if not isinstance(entry, dict) or entry.get("verdict") not in VERDICTS:
            raise ExpectationError(f"{path}: cases.{key}: needs 'verdict' (one of {', '.join(VERDICTS)})")
        for field in ("reason", "clause"):
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                raise ExpectationError(f"{path}: cases.{key}: needs '{field}' (write {TODO} if unknown yet)")
        also = entry.get("also", [])
        if not isinstance(also, list) or any(v not in VERDICTS for v in also):
            raise ExpectationError(f"{path}: cases.{key}: 'also' lists other verdicts this client may give (one of "
                                   f"{', '.join(VERDICTS)}), with the reason saying why")
    return data


def accepts(entry: Mapping[str, Any], verdict: str | None) -> bool:
    """Whether ``verdict`` is the entry's, or one it also accepts (``also``: an outcome of the client that depends
    on timing, which the reason explains)."""
    return verdict == entry["verdict"] or verdict in entry.get("also", [])


def _received(rec: Mapping[str, Any]) -> str:
    """The run's verdict and, when the results carry them, its message, expected and received values."""
    text = str(rec.get("verdict"))
    details = [f"{k}: {rec[k]}" for k in ("message", "expected", "received", "clause") if rec.get(k)]
    return text + (f" ({'; '.join(details)})" if details else "")


def compare(expected: Mapping[str, Any], results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every difference between an expectation file's cases and a run, one line each; empty when they agree."""
    exp = expected["cases"]
    got = by_case(results)
    out = []
    for key in sorted(set(exp) | set(got)):
        e, g = exp.get(key), got.get(key)
        if e is None:
            assert g is not None
            out.append(f"{key}: not in the expectation file; received {_received(g)}")
        elif g is None:
            out.append(f"{key}: expected {e['verdict']} ({e['reason']}), but the case did not run")
        elif not accepts(e, g.get("verdict")):
            out.append(f"{key}: expected {e['verdict']} ({e['reason']}), received {_received(g)}")
    return out


def todo_entries(expected: Mapping[str, Any]) -> list[str]:
    """Entries a human still has to explain (reason or clause TODO)."""
    return sorted(k for k, e in expected["cases"].items()
                  if TODO in (str(e.get("reason", "")).strip(), str(e.get("clause", "")).strip()))


def updated(expected: Mapping[str, Any] | None, results: Mapping[str, Mapping[str, Any]],
            header: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The expectation data for a run: unchanged verdicts keep their reason (the clause is refreshed from the
    run, which cites the device's release); new and changed
    entries get ``reason: TODO`` (a passed case gets "conforms"), the clause the results give, else TODO.
    Returns the data and the keys that changed."""
    old = dict(expected["cases"]) if expected else {}
    cases: dict[str, Any] = {}
    changed = []
    for key, rec in sorted(by_case(results).items()):
        verdict = rec["verdict"]
        prev = old.get(key)
        if prev is not None and accepts(prev, verdict):     # the clause is the case's, the reason a person's
            cases[key] = {**prev, "clause": rec.get("clause") or prev["clause"]}
            continue
        clause = rec.get("clause") or (prev or {}).get("clause") or TODO
        cases[key] = {"verdict": verdict, "reason": PASSED if verdict == "passed" else TODO, "clause": clause}
        changed.append(key)
    changed += sorted(set(old) - set(cases))
    data = {k: v for k, v in (expected or {}).items() if k != "cases"}
    data.update({k: v for k, v in header.items() if k not in data})
    data["cases"] = cases
    return data, changed


HEADER = ("# Expected verdict of every case for one independent client, each with its reason and clause.\n"
          "# Kept by tests/interop/expectations.py (update / check); tests/interop/test_npm_clients.py compares.\n")


def dump(data: Mapping[str, Any]) -> str:
    head = HEADER + "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in data.items() if k != "cases")
    body = ["cases:"]
    for key, e in data["cases"].items():
        body.append(f"  {key}:")
        for field in ("verdict", "also", "reason", "clause"):
            if field in e:
                body.append(f"    {field}: {json.dumps(e[field], ensure_ascii=False)}")
    return head + "\n".join(body) + "\n"


def update(client: str, results: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Rewrite ``expectations/<client>.yaml`` from a run; returns the keys a human must look at."""
    path = path_for(client)
    old = load(path) if path.exists() else None
    data, changed = updated(old, results, {"client": client, "profile": f"../profiles/{client}.yaml"})
    path.write_text(dump(data), encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python tests/interop/expectations.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=("update", "check"))
    ap.add_argument("client", help="the expectation file's name, e.g. coap-node")
    ap.add_argument("results", type=Path, help="a run's --meterproof-results JSON")
    a = ap.parse_args(argv)
    try:
        results = json.loads(a.results.read_text(encoding="utf-8"))["cases"]
    except (OSError, ValueError, KeyError) as exc:
        print(f"{a.results}: not a --meterproof-results file ({exc})", file=sys.stderr)
        return 2
    try:
        if a.command == "update":
            changed = update(a.client, results)
            print(f"{path_for(a.client)}: {len(changed)} entries new, changed or gone"
                  + "".join(f"\n  {k}" for k in changed))
            left = todo_entries(load(path_for(a.client)))
            if left:
                print(f"write the reason and clause of {len(left)} TODO entries before committing")
            return 1 if left else 0
        diffs = compare(load(path_for(a.client)), results)
        print("\n".join(diffs) if diffs else f"{a.client}: every verdict as expected")
        return 1 if diffs else 0
    except ExpectationError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
