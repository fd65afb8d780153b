"""Notification timing of a case, from its exchange: when each notification came against pmin and pmax.

Read off the datagrams a transcript recorded (no case has to report it): a Write-Attributes (PUT with
``pmin=``/``pmax=`` in the query, OMA TS Core §5.1.2) sets the attributes of a path; an Observe (GET or FETCH
with Observe 0) starts an observation; every later response from the device with the observation's token and
an Observe option is a notification (RFC 7641 §4.2).  Each notification's interval since the one before is
what pmin (not earlier) and pmax (not later) bound, with the attributes of the observed path, or of its
nearest parent that has some (TS Core §5.1.2: attributes are inherited), as they were at that moment.
"""

from __future__ import annotations

from typing import Any, Iterable

from aiocoap.numbers import codes

#: Labels of datagrams that are not a new message (the endpoint marks them).
_REPEATS = ("duplicate", "retransmission")


def _query(m: Any) -> dict[str, str]:
    out = {}
    for q in m.opt.uri_query or ():
        k, _, v = str(q).partition("=")
        out[k] = v
    return out


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def _effective(attrs: dict[str, dict[str, float | None]], path: str) -> dict[str, float | None]:
    """pmin/pmax for ``path``: its own, else its nearest parent's (an attribute set nowhere is None)."""
    parts = [p for p in path.split("/") if p]
    out: dict[str, float | None] = {"pmin": None, "pmax": None}
    for n in range(len(parts), -1, -1):
        own = attrs.get("/" + "/".join(parts[:n]), {})
        for k in out:
            if out[k] is None and own.get(k) is not None:
                out[k] = own[k]
    return out


def notification_timing(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Every observation of the exchange with at least one notification after its first response:
    ``{"path", "notifications": [{"t", "interval", "pmin", "pmax"}]}`` (seconds since the Observe)."""
    attrs: dict[str, dict[str, float | None]] = {}
    observations: dict[bytes, dict[str, Any]] = {}
    for ev in events:
        m = ev.message
        if m is None or ev.label in _REPEATS:
            continue
        if ev.direction == "out" and m.code.is_request():
            path = "/" + "/".join(m.opt.uri_path)
            q = _query(m)
            if m.code == codes.PUT and not m.payload and ("pmin" in q or "pmax" in q):
                own = attrs.setdefault(path, {})
                for k in ("pmin", "pmax"):
                    if k in q:
                        own[k] = _number(q[k])
            elif m.code in (codes.GET, codes.FETCH) and m.opt.observe == 0:
                observations[m.token] = {"path": path, "t0": ev.mono_time, "last": None, "notifications": []}
        elif ev.direction == "in" and m.code.is_response() and m.token in observations \
                and m.opt.observe is not None:
            o = observations[m.token]
            if o["last"] is not None:
                o["notifications"].append({"t": round(ev.mono_time - o["t0"], 3),
                                           "interval": round(ev.mono_time - o["last"], 3),
                                           **_effective(attrs, o["path"])})
            o["last"] = ev.mono_time
    return [{"path": o["path"], "notifications": o["notifications"]} for o in observations.values()
            if o["notifications"]]
