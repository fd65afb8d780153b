"""Interleaved rounds and their statistics: the one helper every benchmark shares.

A figure measured alone on a shared, noisy machine says as much about the neighbours as about
the code; a ratio of two phases measured one after the other (all of A, then all of B) swings as
much as the machine's speed drifts between the phases.  So every figure here is a ratio of a
measurement ``A`` to its anchor ``B`` (the floor set by a library or by a bare socket), taken in
rounds that alternate ``A, B, A, B, ...`` in the same process and the same run: each round gives
one ratio from two measurements a fraction of a second apart, and the table shows the minimum
(the least disturbed round) and the median of those ratios, with the anchor's own median for
context.

A measurement is a callable returning the *cost* of one unit of work in seconds (seconds per
decode, per round trip, per handshake ...), so a ratio above 1 reads "A is that many times
slower than its anchor".
"""

from __future__ import annotations

import asyncio

import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

Measure = Callable[[], float]


@dataclass
class Row:
    """One line of the table: ``name`` measured against ``anchor``, one ratio per round."""

    name: str
    anchor: str
    ratios: list[float] = field(default_factory=list)
    #: the anchor's absolute figure per round, in ``unit`` (for context: how fast the floor itself was)
    anchor_values: list[float] = field(default_factory=list)
    unit: str = ""
    note: str = ""

    @property
    def min(self) -> float:
        return min(self.ratios)

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def anchor_median(self) -> float:
        return statistics.median(self.anchor_values) if self.anchor_values else float("nan")


def per_unit(fn: Callable[[], object], n: int) -> Measure:
    """A measurement that runs ``fn`` ``n`` times and returns seconds per call."""

    def measure() -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) / n

    return measure


def interleave(name: str, a: Measure, anchor_name: str, anchor: Measure, rounds: int, *,
               warmup: int = 1, unit: str = "", scale: Callable[[float], float] = lambda s: s,
               note: str = "") -> Row:
    """``rounds`` rounds of ``a`` then ``anchor``; each round's ratio is a's cost over the anchor's.

    ``warmup`` rounds run first and are not counted (imports, caches, the first socket).  ``scale``
    turns the anchor's cost per unit into the figure shown in the table (e.g. ``lambda s: 1 / s``
    for a rate)."""
    if rounds < 1:
        raise ValueError("at least one round")
    for _ in range(warmup):
        a()
        anchor()
    row = Row(name, anchor_name, unit=unit, note=note)
    for _ in range(rounds):
        cost_a = a()
        cost_b = anchor()
        row.ratios.append(cost_a / cost_b)
        row.anchor_values.append(scale(cost_b))
    return row


def single(name: str, anchor_name: str, pairs: list[tuple[float, float]], *, unit: str = "",
           scale: Callable[[float], float] = lambda s: s, note: str = "") -> Row:
    """A row from (a, anchor) pairs that were measured together elsewhere (in a subprocess, or
    where a and its anchor come from the same run, as a suite's wall time and its waits)."""
    row = Row(name, anchor_name, unit=unit, note=note)
    for a, b in pairs:
        row.ratios.append(a / b)
        row.anchor_values.append(scale(b))
    return row


def _fmt(v: float) -> str:
    if v != v:   # NaN
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def table(rows: list[Row]) -> str:
    """The rows as one Markdown table (it reads in a terminal and pastes into the README as is)."""
    head = ("measured", "anchor", "ratio min", "ratio median", "rounds", "anchor (median)")
    lines = [head]
    for r in rows:
        lines.append((r.name, r.anchor, f"{r.min:.2f}x", f"{r.median:.2f}x", str(len(r.ratios)),
                      f"{_fmt(r.anchor_median)} {r.unit}".strip()))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for k, line in enumerate(lines):
        cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))]
        out.append("| " + " | ".join(cells) + " |")
        if k == 0:
            out.append("|" + "|".join("-" * (w + 2) if i < 2 else "-" * (w + 1) + ":"
                                      for i, w in enumerate(widths)) + "|")
    notes = [f"- {r.name}: {r.note}" for r in rows if r.note]
    return "\n".join(out + ([""] + notes if notes else []))


class UdpEcho(asyncio.DatagramProtocol):
    """A bare UDP echo: the anchor the endpoint and fleet benchmarks measure against."""

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:  # type: ignore[no-untyped-def]
        self.transport.sendto(data, addr)
