"""Cases cite public clauses: every ``@regulation`` provision and every case's ``clause=`` names a public document
(an ETSI EN 303 645 provision, an ETSI TS 103 701 test case, an EN 18031 requirement, a UK PSTI paragraph, an EU CRA
annex point, an OMA LwM2M or RFC clause), never one of our notes (``regulatory-checks.md``) nor one of our own check
ids (``REG-UPD-04``); every regulatory case carries provisions.  Read from the sources with :mod:`ast`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from meterproof.declaration.documentary import ITEMS
from meterproof.report.provisions import regulation_of

SUITES = Path(__file__).resolve().parents[2] / "suites"
INTERNAL = re.compile(r"\.md\b|regulatory-checks|\bREG-[A-Z]+-\d|shared/reference")


def _text(node: ast.AST) -> str | None:
    """A string literal (or a concatenation of them); None for anything computed."""
    try:
        v = ast.literal_eval(node)
    except ValueError:
        return None
    return v if isinstance(v, str) else None


def _calls(name: str) -> list[tuple[str, ast.Call]]:
    found = []
    for path in sorted(SUITES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
                found.append((f"{path.relative_to(SUITES)}:{node.lineno}", node))
    return found


def test_regulation_markers_cite_public_clauses() -> None:
    bad = []
    calls = _calls("regulation")
    assert len(calls) >= 15
    for where, call in calls:
        for arg in call.args:
            text = _text(arg)
            if text is None:
                continue
            if INTERNAL.search(text) or regulation_of(text) == "other":
                bad.append(f"{where}: {text!r}")
    assert bad == []


def test_case_clauses_cite_no_internal_note() -> None:
    bad = []
    for name in ("mp", "ets"):
        for where, call in _calls(name):
            for kw in call.keywords:
                text = _text(kw.value) if kw.arg == "clause" else None
                if text and INTERNAL.search(text):
                    bad.append(f"{where}: {text!r}")
    assert bad == []


def test_every_regulatory_case_carries_provisions() -> None:
    """Every @mp("REG-...") function has @regulation; every documentary item cites public clauses, an EN 303 645
    provision among them."""
    missing = []
    for path in sorted((SUITES / "regulatory").glob("test_*.py")):
        for fn in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(fn, ast.FunctionDef):
                continue
            names = {d.func.id for d in fn.decorator_list if isinstance(d, ast.Call) and isinstance(d.func, ast.Name)}
            if "mp" in names and "regulation" not in names:
                missing.append(f"{path.name}::{fn.name}")
    assert missing == []
    for item in ITEMS:
        assert item.case.startswith("REG-DOC-") and item.cites, item.case
        assert any(c.startswith("ETSI EN 303 645") for c in item.cites), item.case
        assert all(regulation_of(c) != "other" and not INTERNAL.search(c) for c in item.cites), item.cites


def test_the_checks_find_an_internal_citation() -> None:
    assert INTERNAL.search("regulatory-checks.md REG-TLS-06(b)") and INTERNAL.search("REG-UPD-04")
    assert not INTERNAL.search("ETSI TS 103 701 5.3-2-1") and not INTERNAL.search("OMA LwM2M TS Transport §5.2.1")
