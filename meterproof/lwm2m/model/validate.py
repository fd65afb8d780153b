"""Check values against their object definitions.

Nothing here raises on a bad value: every rule that does not hold becomes an
:class:`Issue` (path, rule, expected, received), so a suite can report all of
them at once and a fuzz campaign can feed anything in.

Rules
=====

* ``type`` — the Python type must match the data type (see :mod:`..values`):
  ``bool`` is *not* an Integer, an ``int`` is accepted for a Float, Opaque is
  ``bytes``/``bytearray``, Objlnk is :class:`~meterproof.lwm2m.values.ObjLnk`.
* ``integer-size`` — Integer fits a signed 64-bit, Unsigned Integer an unsigned
  64-bit value (TS Core §C).  ``unsigned`` — Unsigned Integer is never negative.
* ``utf8`` — a String must be encodable as UTF-8 (no lone surrogates).
* ``range`` / ``enumeration`` / ``length`` — from ``<RangeEnumeration>``.
* ``executable`` — an executable resource carries no value.

``<RangeEnumeration>`` in the registry is free text.  :func:`parse_range`
understands every form the OMNA registry uses (surveyed from its 67 object
files) and ignores the rest:

=========================  ===============================================
form                       meaning
=========================  ===============================================
``0..255``, ``-1..1``,     numeric range (Integer, Unsigned, Float, Time);
``0.0..86400.0``,          for String/Opaque: a length range in bytes
``1-65534``, ``0 - 1``
``0,1,2`` / ``0..3, 7``    union of numbers and ranges
``U, T, S, N``/``ON;OFF``  enumeration of String values (ignored for numbers)
``0..255 bytes``,          length range of String/Opaque; ``N bytes`` alone
``32 bytes``, ``6``        means "at most N bytes"; ``16-32-48 bytes`` and
``16,32,48``               ``16,32,48`` on Opaque list the allowed lengths
``1 bytes``, ``16-bit``,   Integer size: fits N bits, signed or unsigned
``8-Bits``
``255`` (Integer)          ambiguous (exact value? maximum?): ignored
prose                      ignored
=========================  ===============================================

Units are informative only and never checked.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Mapping

from ..path import Path
from ..values import ObjLnk
from .types import DataType, ObjectDef, Operations, ResourceDef, TypeResolver

__all__ = [
    "Constraint", "Issue", "check_instance", "is_executable", "is_readable", "is_writable",
    "operations", "parse_range", "validate_value",
]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
UINT64_MAX = 2**64 - 1

_NUMERIC = (DataType.INTEGER, DataType.UNSIGNED_INTEGER, DataType.FLOAT, DataType.TIME)
_SIZED = (DataType.STRING, DataType.OPAQUE, DataType.CORELNK)


@dataclass(frozen=True, slots=True)
class Issue:
    """One rule a value (or an instance) breaks."""

    path: Path | None
    rule: str
    expected: str
    received: str

    def __str__(self) -> str:
        where = str(self.path) if self.path is not None else "(value)"
        return f"{where}: {self.rule}: expected {self.expected}, received {self.received}"


@dataclass(frozen=True, slots=True)
class Constraint:
    """A parsed ``<RangeEnumeration>``.

    ``kind`` is ``"values"`` (numbers in ``intervals``), ``"length"`` (byte
    lengths in ``intervals``), ``"enum"`` (allowed strings in ``words``) or
    ``"bits"`` (an integer of ``bits`` bits, signed or unsigned).
    """

    kind: str
    text: str
    intervals: tuple[tuple[float, float], ...] = ()
    words: tuple[str, ...] = ()
    bits: int = 0

    def allows_number(self, x: float) -> bool:
        return any(lo <= x <= hi for lo, hi in self.intervals)


_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_RANGE = re.compile(rf"^({_NUM})\s*(?:\.\.|–|-|to)\s*({_NUM})$")
_NUMBER = re.compile(rf"^{_NUM}$")
_BYTES = re.compile(r"^(.*?)\s*bytes?$", re.IGNORECASE)
_BITS = re.compile(r"^(\d+)\s*-?\s*bits?$", re.IGNORECASE)
_WORD = re.compile(r"^[A-Za-z0-9_.+-]{1,32}$")


def _num(text: str) -> float:
    v = float(text)
    return int(v) if v.is_integer() and "." not in text else v


def _intervals(text: str) -> tuple[tuple[float, float], ...] | None:
    """``"0..3, 7"`` -> ((0, 3), (7, 7)); None unless every part is a number or range."""
    out: list[tuple[float, float]] = []
    for part in re.split(r"\s*[,;]\s*", text.strip()):
        if _NUMBER.match(part):
            out.append((_num(part), _num(part)))
            continue
        m = _RANGE.match(part)
        if not m:
            return None
        lo, hi = _num(m.group(1)), _num(m.group(2))
        if lo > hi:
            return None
        out.append((lo, hi))
    return tuple(out) or None


@functools.lru_cache(maxsize=1024)
def parse_range(text: str, dtype: DataType) -> Constraint | None:
    """Parse a ``<RangeEnumeration>`` for a resource of type ``dtype``; None if not checkable."""
    t = " ".join((text or "").split())
    if not t or dtype in (DataType.NONE, DataType.BOOLEAN, DataType.OBJLNK):
        return None
    if dtype in _NUMERIC:
        bits = _BITS.match(t)
        if bits and dtype is not DataType.FLOAT:
            return Constraint("bits", t, bits=int(bits.group(1)))
        nbytes = _BYTES.match(t)
        if nbytes and dtype is not DataType.FLOAT and nbytes.group(1).isdigit():
            return Constraint("bits", t, bits=8 * int(nbytes.group(1)))
        if _NUMBER.match(t):
            return None  # a lone number ("255"): exact value or maximum? ambiguous
        iv = _intervals(t)
        return Constraint("values", t, intervals=iv) if iv else None
    # String / Opaque / Corelnk
    nbytes = _BYTES.match(t)
    body = nbytes.group(1) if nbytes else t
    if nbytes or dtype is DataType.OPAQUE:
        if re.fullmatch(r"\d+(\s*-\s*\d+){2,}", body):  # "16-32-48 bytes": allowed lengths
            return Constraint("length", t, intervals=tuple((int(n), int(n)) for n in body.split("-")))
    if _NUMBER.match(body) and body.isdigit():
        return Constraint("length", t, intervals=((0, int(body)),))  # "32 bytes", "6": at most N
    iv = _intervals(body)
    if iv and all(isinstance(lo, int) and lo >= 0 for lo, _ in iv):
        return Constraint("length", t, intervals=iv)
    if dtype is DataType.STRING and not nbytes:
        words = tuple(w for w in re.split(r"\s*[,;|]\s*", t))
        if len(words) > 1 and all(_WORD.match(w) for w in words):
            return Constraint("enum", t, words=words)
    return None


def _type_ok(dtype: DataType, value: object) -> bool:
    if dtype in (DataType.INTEGER, DataType.UNSIGNED_INTEGER, DataType.TIME):
        return isinstance(value, int) and not isinstance(value, bool)
    if dtype is DataType.FLOAT:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if dtype is DataType.BOOLEAN:
        return isinstance(value, bool)
    if dtype in (DataType.STRING, DataType.CORELNK):
        return isinstance(value, str)
    if dtype is DataType.OPAQUE:
        return isinstance(value, (bytes, bytearray))
    if dtype is DataType.OBJLNK:
        return isinstance(value, ObjLnk)
    return False


_PY_NAMES = {
    DataType.STRING: "str", DataType.INTEGER: "int", DataType.UNSIGNED_INTEGER: "int >= 0",
    DataType.FLOAT: "float", DataType.BOOLEAN: "bool", DataType.OPAQUE: "bytes",
    DataType.TIME: "int (Unix seconds)", DataType.OBJLNK: "ObjLnk", DataType.CORELNK: "str (link format)",
}


def _show(value: object, limit: int = 60) -> str:
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ must not break validation
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fmt(x: float) -> str:
    return str(int(x)) if isinstance(x, int) else repr(x)


def _describe(iv: tuple[tuple[float, float], ...]) -> str:
    return ", ".join(_fmt(lo) if lo == hi else f"{_fmt(lo)}..{_fmt(hi)}" for lo, hi in iv)


def validate_value(rdef: ResourceDef, value: object, path: Path | None = None) -> list[Issue]:
    """Issues of one value (of a single resource or one resource instance) against ``rdef``."""
    dtype = rdef.type
    if dtype is DataType.NONE:
        return [Issue(path, "executable", "no value (executable resource)", _show(value))]
    if not _type_ok(dtype, value):
        return [Issue(path, "type", f"{dtype.value} ({_PY_NAMES[dtype]})",
                      f"{type(value).__name__} {_show(value)}")]
    issues: list[Issue] = []
    if dtype is DataType.INTEGER and not INT64_MIN <= value <= INT64_MAX:  # type: ignore[operator]
        issues.append(Issue(path, "integer-size", "a signed 64-bit integer", _show(value)))
    if dtype is DataType.UNSIGNED_INTEGER:
        if value < 0:  # type: ignore[operator]
            issues.append(Issue(path, "unsigned", "an integer >= 0", _show(value)))
        elif value > UINT64_MAX:  # type: ignore[operator]
            issues.append(Issue(path, "integer-size", "an unsigned 64-bit integer", _show(value)))
    if dtype is DataType.STRING or dtype is DataType.CORELNK:
        try:
            value.encode("utf-8")  # type: ignore[union-attr]
        except UnicodeEncodeError:
            issues.append(Issue(path, "utf8", "a string encodable as UTF-8", _show(value)))
    constraint = parse_range(rdef.range_enumeration, dtype)
    if constraint is not None:
        issue = _check_constraint(constraint, value, path)
        if issue is not None:
            issues.append(issue)
    return issues


def _check_constraint(c: Constraint, value: object, path: Path | None) -> Issue | None:
    if c.kind == "values":
        x = value  # numeric, type already checked
        if not c.allows_number(x):  # type: ignore[arg-type]  (NaN is in no interval)
            return Issue(path, "range", f"a value in {_describe(c.intervals)} ({c.text!r})", _show(value))
    elif c.kind == "bits":
        lo, hi = -(2 ** (c.bits - 1)), 2**c.bits - 1
        if not lo <= value <= hi:  # type: ignore[operator]
            return Issue(path, "range", f"an integer that fits {c.bits} bits ({c.text!r})", _show(value))
    elif c.kind == "length":
        if isinstance(value, str):
            n = len(value.encode("utf-8", "surrogatepass"))
        else:
            n = len(value)  # type: ignore[arg-type]
        if not c.allows_number(n):
            return Issue(path, "length", f"a length in bytes of {_describe(c.intervals)} ({c.text!r})",
                         f"{n} bytes")
    elif c.kind == "enum":
        if value not in c.words:
            return Issue(path, "enumeration", f"one of {', '.join(c.words)}", _show(value))
    return None


# -- instances ----------------------------------------------------------------

def _is_id(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 65535


def _entries(objdef: ObjectDef, values: Mapping[object, object], iid: int | None
             ) -> tuple[list[tuple[Path | None, int, int | None, object]], list[Issue]]:
    """Normalise a ValueTree or ``{rid: value | {riid: value}}`` into (path, rid, riid, value)."""
    out: list[tuple[Path | None, int, int | None, object]] = []
    issues: list[Issue] = []
    for key, value in values.items():
        if isinstance(key, Path):
            if len(key) < 3:
                issues.append(Issue(key, "not-a-resource", "a resource or resource-instance path", str(key)))
            elif key.ids[0] != objdef.id or (iid is not None and key.ids[1] != iid):
                where = f"/{objdef.id}/{iid}" if iid is not None else f"/{objdef.id}"
                issues.append(Issue(key, "wrong-instance", f"a path under {where}", str(key)))
            else:
                out.append((key, key.ids[2], key.ids[3] if len(key) == 4 else None, value))
        elif _is_id(key):
            rid: int = key  # type: ignore[assignment]
            base = Path((objdef.id, iid, rid)) if iid is not None else None
            if not isinstance(value, Mapping):
                out.append((base, rid, None, value))
                continue
            for riid, v in value.items():
                if _is_id(riid):
                    out.append((base.child(riid) if base is not None else None, rid, riid, v))
                else:
                    issues.append(Issue(base, "not-a-resource", "a resource instance id 0..65535", _show(riid)))
        else:
            issues.append(Issue(None, "not-a-resource", "a Path or a resource id 0..65535", _show(key)))
    return out, issues


def check_instance(objdef: ObjectDef, values: Mapping[object, object],
                   instance_id: int | None = None) -> list[Issue]:
    """Issues of one object instance's values against ``objdef``.

    ``values`` is a value tree of that instance (``{Path("/3/0/0"): "Acme",
    Path("/3/0/7/0"): 3800}``) or a plain mapping ``{0: "Acme", 7: {0: 3800}}``.
    Checks: every mandatory readable resource is present, a single resource is
    not given instances (or a multiple one a bare value), no unknown resource
    ids, no executable resource carries a value, and every value's type/range.
    ``instance_id`` defaults to the instance of the first path.
    """
    if instance_id is None:
        instance_id = next((k.ids[1] for k in values if isinstance(k, Path) and len(k) >= 2), None)
    entries, issues = _entries(objdef, values, instance_id)
    present: set[int] = set()
    shape_reported: set[int] = set()
    for path, rid, riid, value in entries:
        rdef = objdef.resources.get(rid)
        where = path if path is not None else (
            Path((objdef.id, instance_id, rid)) if instance_id is not None else None)
        if rdef is None:
            if rid not in present:
                issues.append(Issue(where, "unknown-resource",
                                    f"a resource of object {objdef.id} {objdef.version}", f"resource {rid}"))
            present.add(rid)
            continue
        present.add(rid)
        if riid is not None and not rdef.multiple and rid not in shape_reported:
            shape_reported.add(rid)
            issues.append(Issue(where, "single-as-multiple", f"{rdef.name!r} as one value", "resource instances"))
        elif riid is None and rdef.multiple and rid not in shape_reported:
            shape_reported.add(rid)
            issues.append(Issue(where, "multiple-as-single", f"{rdef.name!r} as resource instances",
                                "one value"))
        issues.extend(validate_value(rdef, value, where))
    for rdef in objdef.resources.values():
        if rdef.mandatory and rdef.operations.readable and rdef.id not in present:
            where = Path((objdef.id, instance_id, rdef.id)) if instance_id is not None else None
            issues.append(Issue(where, "mandatory-missing", f"mandatory resource {rdef.id} {rdef.name!r}",
                                "absent"))
    return issues


# -- operations ---------------------------------------------------------------

def _resolver(resolver: TypeResolver | None) -> TypeResolver:
    return resolver if resolver is not None else _default_resolver()


@functools.lru_cache(maxsize=1)
def _default_resolver() -> TypeResolver:
    from .catalog import default_catalog  # local: validate stays importable without objects/
    return default_catalog()


def operations(path: Path, resolver: TypeResolver | None = None) -> Operations | None:
    """Operations the definition allows on the resource at ``path``; None when unknown."""
    rdef = _resolver(resolver).resource_def(path) if len(path) >= 3 else None
    return rdef.operations if rdef is not None else None


def is_readable(path: Path, resolver: TypeResolver | None = None) -> bool:
    """True when the resource at ``path`` is defined and allows Read (False if unknown)."""
    ops = operations(path, resolver)
    return ops is not None and ops.readable


def is_writable(path: Path, resolver: TypeResolver | None = None) -> bool:
    """True when the resource at ``path`` is defined and allows Write."""
    ops = operations(path, resolver)
    return ops is not None and ops.writable


def is_executable(path: Path, resolver: TypeResolver | None = None) -> bool:
    """True when the resource at ``path`` is defined and allows Execute."""
    ops = operations(path, resolver)
    return ops is not None and ops.executable
