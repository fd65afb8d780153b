"""Runs as ``meterproof report`` reads them: results JSON files (``--meterproof-results``) and their evidence.

A run is one results JSON; a folder given on the command line stands for every results JSON directly in it.
Each run has devices (``devices``: identity records, see :func:`meterproof.dut.fleet.device_record`) and
cases (``cases``: node id -> verdict record, see :class:`meterproof.fixtures.verdicts.CaseRecord`).  A
*column* of a comparison is one device of one run; a *row* is one case (its id, plus any parameter other than
the device).  Results written before the ``run``/``devices`` layout still load: their devices are made up
from the cases' device names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..errors import ConfigError


@dataclass
class Run:
    path: Path                           # the results JSON
    data: dict[str, Any]
    label: str = ""                      # "run 1" ... in a comparison

    @property
    def base(self) -> Path:
        """The folder evidence paths are relative to."""
        return self.path.parent

    @property
    def facts(self) -> dict[str, Any]:
        return dict(self.data.get("run") or {})

    @property
    def cases(self) -> dict[str, dict[str, Any]]:
        return dict(self.data.get("cases") or {})

    def devices(self) -> list[dict[str, Any]]:
        devs = [dict(d) for d in self.data.get("devices") or []]
        known = {int(d.get("index", i)) for i, d in enumerate(devs)}
        for rec in self.cases.values():         # an old results file, or a device that never came up
            i = int(rec.get("device_index", 0))
            if i not in known:
                devs.append({"index": str(i), "profile": rec.get("device") or "device"})
                known.add(i)
        return sorted(devs, key=lambda d: int(d.get("index", 0)))


@dataclass
class Column:
    run: Run
    device: dict[str, Any]
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)   # row key -> (record, node id)
    nodes: dict[str, str] = field(default_factory=dict)              # row key -> node id

    @property
    def index(self) -> int:
        return int(self.device.get("index", 0))

    @property
    def name(self) -> str:
        return str(self.device.get("profile") or f"device {self.index}")

    @property
    def kind(self) -> tuple[str, str, str]:
        """What makes two columns the same device across runs (firmware and serial may change)."""
        return (str(self.device.get("manufacturer", "")), str(self.device.get("model", "")), self.name)

    def heading(self, several_runs: bool) -> str:
        fw, sec = self.device.get("firmware"), self.run.facts.get("security")
        parts = [self.name] + ([f"firmware {fw}"] if fw else []) + ([f"{sec}", self.run.label] if several_runs and sec
                                                                  else [self.run.label] if several_runs else [])
        return " / ".join(parts)


def load(paths: Iterable[str | Path]) -> list[Run]:
    """Every run named by ``paths`` (a results JSON, or a folder of them), in the order given."""
    runs: list[Run] = []
    for p in map(Path, paths):
        files = sorted(p.glob("*.json")) if p.is_dir() else [p]
        found = 0
        for f in files:
            try:
                data = json.loads(f.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise ConfigError(f"{f}: no such results file") from None
            except (OSError, ValueError) as exc:
                if p.is_dir():
                    continue
                raise ConfigError(f"{f}: not a meterproof results JSON ({exc})") from None
            if not isinstance(data, dict) or not isinstance(data.get("cases"), dict):
                if p.is_dir():
                    continue
                raise ConfigError(f"{f}: not a meterproof results JSON (no 'cases'); write one with "
                                  f"--meterproof-results")
            runs.append(Run(f, data))
            found += 1
        if p.is_dir() and not found:
            raise ConfigError(f"{p}: no meterproof results JSON in this folder")
    for i, r in enumerate(runs, 1):
        r.label = f"run {i}" + (f" ({r.facts['date']})" if r.facts.get("date") else "")
    return runs


def _row_key(nodeid: str, rec: dict[str, Any], slug: str) -> str:
    """The case id plus the node's parameters other than the device (a parametrized case has several rows)."""
    m = re.search(r"\[([^\]]*)\]$", nodeid)
    params = m.group(1) if m else ""
    if slug:
        params = re.sub(rf"(^|-){re.escape(slug)}(?=-|$)", "", params).strip("-")
    case = rec.get("case") or nodeid
    return f"{case}[{params}]" if params else str(case)


def columns(runs: list[Run]) -> list[Column]:
    cols: list[Column] = []
    for run in runs:
        devs = run.devices()
        by_index = {int(d.get("index", 0)): Column(run, d) for d in devs}
        for nodeid, rec in run.cases.items():
            col = by_index.setdefault(int(rec.get("device_index", 0)),
                                      Column(run, {"index": str(rec.get("device_index", 0)),
                                                   "profile": rec.get("device", "")}))
            key = _row_key(nodeid, rec, str(col.device.get("slug", "")))
            col.cases[key] = rec
            col.nodes[key] = nodeid
        cols.extend(by_index[i] for i in sorted(by_index))
    return cols


def changed_rows(cols: list[Column]) -> dict[str, str]:
    """Row key -> "changed" (the same device's verdict differs between runs) or "differs" (devices differ)."""
    rows = {k for c in cols for k in c.cases}
    out: dict[str, str] = {}
    for key in rows:
        by_kind: dict[tuple[str, str, str], dict[int, str]] = {}
        verdicts = set()
        for c in cols:
            if key in c.cases:
                v = c.cases[key].get("verdict", "")
                by_kind.setdefault(c.kind, {})[id(c.run)] = v
                verdicts.add(v)
        if any(len(set(per_run.values())) > 1 for per_run in by_kind.values()):
            out[key] = "changed"
        elif len(verdicts) > 1:
            out[key] = "differs"
    return out
