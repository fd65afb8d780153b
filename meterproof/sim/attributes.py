"""Write-Attributes on the client side: parsing, validity rules, storage and precedence.

Facts (TS Core 1.1 §5.1.2, oma-ets-cases.md §3.4):

* ``<NOTIFICATION>`` attributes: pmin, pmax, gt, lt, st (1.0); epmin, epmax (1.1+).
  A parameter without a value unsets the attribute.
* gt/lt/st apply to numeric resources (and their instances) only; ``lt < gt`` and
  ``lt + 2*st < gt`` must hold, otherwise 4.00.  ``pmax < pmin`` is accepted and the
  maximum period is then ignored.
* Precedence: resource instance > resource > instance > object > the Server
  object's defaults ``/1/x/2`` (pmin) and ``/1/x/3`` (pmax).
"""

from __future__ import annotations

from typing import Iterable

from ..lwm2m.model.types import DataType, ResourceDef
from ..lwm2m.path import Path

NOTIFICATION_1_0 = ("pmin", "pmax", "gt", "lt", "st")
NOTIFICATION_1_1 = NOTIFICATION_1_0 + ("epmin", "epmax")
INTEGER_ATTRS = ("pmin", "pmax", "epmin", "epmax")
NUMERIC_TYPES = (DataType.INTEGER, DataType.UNSIGNED_INTEGER, DataType.FLOAT, DataType.TIME)

Attrs = dict[str, float]


class AttributeError_(Exception):
    """An invalid Write-Attributes request (answer 4.00)."""


def parse_query(query: Iterable[str], lwm2m: str) -> dict[str, float | None]:
    """``["pmin=5", "st"]`` -> ``{"pmin": 5, "st": None}``; AttributeError_ on anything else."""
    allowed = NOTIFICATION_1_0 if lwm2m == "1.0" else NOTIFICATION_1_1
    out: dict[str, float | None] = {}
    for item in query:
        name, sep, text = item.partition("=")
        if name not in allowed:
            raise AttributeError_(f"unknown attribute {name!r}")
        if name in out:
            raise AttributeError_(f"attribute {name!r} given twice")
        if not sep or text == "":
            out[name] = None
            continue
        try:
            value = float(text)
        except ValueError:
            raise AttributeError_(f"attribute {name}={text!r} is not a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise AttributeError_(f"attribute {name}={text!r} is not a finite number")
        if name in INTEGER_ATTRS:
            if not value.is_integer() or value < 0:
                raise AttributeError_(f"attribute {name} must be a non-negative integer")
        elif name == "st" and value < 0:
            raise AttributeError_("st must not be negative")
        out[name] = value
    return out


def merge(current: Attrs, update: dict[str, float | None], path: Path, rdef: ResourceDef | None) -> Attrs:
    """The attributes of ``path`` after applying ``update``; AttributeError_ if invalid."""
    merged = dict(current)
    for k, v in update.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    if any(k in update and update[k] is not None for k in ("gt", "lt", "st")):
        if len(path) < 3 or rdef is None or rdef.type not in NUMERIC_TYPES:
            raise AttributeError_(f"gt/lt/st apply to numeric resources only, not {path}")
    gt, lt, st = merged.get("gt"), merged.get("lt"), merged.get("st")
    if gt is not None and lt is not None:
        if lt >= gt:
            raise AttributeError_("lt must be less than gt")
        if st is not None and lt + 2 * st >= gt:
            raise AttributeError_("lt + 2*st must be less than gt")
    if merged.get("epmin") is not None and merged.get("epmax") is not None and merged["epmin"] > merged["epmax"]:
        raise AttributeError_("epmin must not exceed epmax")
    return merged


class AttributeStore:
    """Attributes one server attached, by path (we have one server; per-server scoping is a dict away)."""

    def __init__(self) -> None:
        self.by_path: dict[Path, Attrs] = {}

    def get(self, path: Path) -> Attrs:
        return self.by_path.get(path, {})

    def set(self, path: Path, attrs: Attrs) -> None:
        if attrs:
            self.by_path[path] = attrs
        else:
            self.by_path.pop(path, None)

    def clear(self) -> None:
        self.by_path.clear()

    def drop_under(self, prefix: Path) -> None:
        for p in [p for p in self.by_path if p.startswith(prefix)]:
            del self.by_path[p]

    def effective(self, path: Path, name: str, default: float | None = None) -> float | None:
        """The attribute in force at ``path`` (nearest level wins), else ``default``."""
        for depth in range(len(path), 0, -1):
            v = self.by_path.get(path.truncate(depth), {}).get(name)
            if v is not None:
                return v
        return default

    def inherited(self, path: Path, *, include_own: bool = True) -> Attrs:
        """Every attribute in force at ``path`` (Discover shows inherited ones at resource level)."""
        out: Attrs = {}
        start = len(path) if include_own else len(path) - 1
        for depth in range(1, start + 1):
            out.update(self.by_path.get(path.truncate(depth), {}))
        return out


def fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


__all__ = ["AttributeError_", "AttributeStore", "NUMERIC_TYPES", "fmt", "merge", "parse_query"]
