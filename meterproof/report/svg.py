"""The report's plots as inline SVG (no script, no external file): verdicts per group, notification timing.

Built with :func:`~.html.el`, so every label (a group name, a device's name) is escaped like the rest of the
report.
"""

from __future__ import annotations

from typing import Any, Sequence

from .html import Markup, el, join

#: Verdict -> fill colour (the report's legend uses the same).
COLOURS = {
    "passed": "#2e7d32", "passed with warnings": "#9e9d24", "failed": "#c62828", "broken": "#6a1b9a",
    "inconclusive": "#ef6c00", "not applicable": "#90a4ae", "not run": "#546e7a", "waived": "#0277bd",
    "passed (waiver not needed)": "#00838f", "skipped": "#b0bec5",
}


def colour(verdict: str) -> str:
    return COLOURS.get(verdict, "#9e9e9e")


def verdict_bars(groups: dict[str, dict[str, int]], order: Sequence[str], *, width: int = 720) -> Markup:
    """One horizontal stacked bar per group: how many of its cases ended in each verdict."""
    if not groups:
        return Markup("")
    row_h, gap = 18, 6
    label_w = min(420, 7 * max(len(g) for g in groups) + 16)      # ~7 px a character at 12 px
    bar_w = width - label_w - 60
    most = max(sum(c.values()) for c in groups.values()) or 1
    height = len(groups) * (row_h + gap) + gap
    parts = []
    for i, (group, counts) in enumerate(groups.items()):
        y = gap + i * (row_h + gap)
        parts.append(el("text", {"x": label_w - 8, "y": y + row_h - 4, "text-anchor": "end",
                                 "font-size": 12}, group))
        x = float(label_w)
        for verdict in [*order, *sorted(set(counts) - set(order))]:
            n = counts.get(verdict, 0)
            if not n:
                continue
            w = bar_w * n / most
            parts.append(el("rect", {"x": f"{x:.1f}", "y": y, "width": f"{w:.1f}", "height": row_h,
                                     "fill": colour(verdict)}, el("title", {}, f"{group}: {n} {verdict}")))
            x += w
        parts.append(el("text", {"x": f"{x + 4:.1f}", "y": y + row_h - 4, "font-size": 11},
                        str(sum(counts.values()))))
    return el("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": width, "height": height,
                      "role": "img", "class": "plot"}, join(parts))


def timing_plot(observation: dict[str, Any], *, width: int = 520, height: int = 160) -> Markup:
    """Each notification's interval since the one before (dots) against pmin and pmax (dashed lines)."""
    notes = observation.get("notifications") or []
    if not notes:
        return Markup("")
    values = [n["interval"] for n in notes] + [n[k] for n in notes for k in ("pmin", "pmax") if n.get(k)]
    top = max(values) * 1.15 or 1.0
    left, right, pad = 48, 10, 14
    plot_w, plot_h = width - left - right, height - 2 * pad

    def y(v: float) -> float:
        return pad + plot_h * (1 - v / top)

    def x(i: int) -> float:
        return left + plot_w * (i + 0.5) / len(notes)

    parts = [el("line", {"x1": left, "y1": pad, "x2": left, "y2": height - pad, "stroke": "#555"}),
             el("line", {"x1": left, "y1": height - pad, "x2": width - right, "y2": height - pad, "stroke": "#555"}),
             el("text", {"x": 4, "y": pad + 4, "font-size": 10}, f"{top:.1f}s"),
             el("text", {"x": 4, "y": height - pad, "font-size": 10}, "0s")]
    for key, col in (("pmin", "#0277bd"), ("pmax", "#c62828")):
        pts = [(x(i), y(n[key])) for i, n in enumerate(notes) if n.get(key) is not None]
        if pts:
            d = " ".join(f"{'M' if j == 0 else 'L'}{px:.1f},{py:.1f}" for j, (px, py) in enumerate(pts))
            parts.append(el("path", {"d": d, "stroke": col, "stroke-dasharray": "4 3", "fill": "none"},
                            el("title", {}, key)))
            parts.append(el("text", {"x": width - right - 30, "y": f"{pts[-1][1] - 3:.1f}", "font-size": 10,
                                     "fill": col}, key))
    for i, n in enumerate(notes):
        late = n.get("pmax") is not None and n["interval"] > n["pmax"]
        early = n.get("pmin") is not None and n["interval"] < n["pmin"]
        outside = " - outside [pmin, pmax]" if late or early else ""
        parts.append(el("circle", {"cx": f"{x(i):.1f}", "cy": f"{y(n['interval']):.1f}", "r": 4,
                                   "fill": "#ef6c00" if outside else "#2e7d32"},
                        el("title", {}, f"notification {i + 1}: {n['interval']:.3f}s after the one before"
                                        f" (pmin {n.get('pmin')}, pmax {n.get('pmax')}){outside}")))
    return el("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": width, "height": height, "role": "img",
                      "class": "plot"}, join(parts))
