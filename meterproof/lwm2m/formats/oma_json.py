"""LwM2M 1.0 JSON (Content-Format 11543, ``application/vnd.oma.lwm2m+json``).

Follows OMA TS Core 1.0 §6.4.4 ("JSON", Table 22), the pre-RFC SenML draft format that
LwM2M 1.0 used and 1.1 servers must still read::

    {"bn":"/3/0/","bt":25462634,"e":[{"n":"0","sv":"Open Mobile Alliance"},
                                     {"n":"7/0","v":3800,"t":-5}, ...]}

Entry value keys: ``v`` (number: Integer, Unsigned, Float, Time), ``bv`` (Boolean), ``ov``
(Objlnk ``"oid:iid"``), ``sv`` (String, Corelnk and Opaque; Opaque as base64 per Appendix C).
A name is ``bn`` + ``n``.  Without a model an ``sv`` decodes to ``str``.

Times: ``bt`` + ``t`` per entry (:func:`decode_series`), the historical values of TS Core 1.0
§6.4.4 (Notification Storing When Disabled or Offline, Appendix D.2); the value tree holds
each path's most recent value.  Numbers: JSON has one Number type, so ``3.0`` for an Integer
and ``3`` for a Float both decode (TS Core 1.0 Table 22: ``v`` is the value of every numeric
type).  Empty: ``{"e":[]}`` (with or without ``bn``) is an empty value tree although the
description speaks of "a mandatory Resource Array having one or more entries": an object
without instances has nothing else to send; an empty payload at a path holding no value of
its own reads the same.  ``e`` itself stays mandatory.
"""

from __future__ import annotations

import math
import time as _clock
from typing import TYPE_CHECKING, Any

from ...errors import FormatError
from ..model.types import DataType
from ..path import Path
from ..values import ObjLnk, Record, Value, ValueTree, latest
from ._common import (
    encoding_type,
    holds_no_value,
    b64_std_decode,
    b64_std_encode,
    check_shape,
    check_value_path,
    objlnk_from_text,
    parse_name,
    resource_def,
    to_type,
)
from .senml_json import _dump, _load

if TYPE_CHECKING:
    from ..model.types import TypeResolver

_NUMBER = (int, float)


def _entry_value(e: dict[str, Any]) -> Value:
    found: list[Value] = []
    x = e.get("v")
    if x is not None:
        if type(x) not in _NUMBER or (type(x) is float and not math.isfinite(x)):
            raise FormatError("OMA JSON v must be a finite number")
        found.append(x)
    x = e.get("sv")
    if x is not None:
        if type(x) is not str:
            raise FormatError("OMA JSON sv must be a string")
        found.append(x)
    x = e.get("bv")
    if x is not None:
        if type(x) is not bool:
            raise FormatError("OMA JSON bv must be a boolean")
        found.append(x)
    x = e.get("ov")
    if x is not None:
        found.append(objlnk_from_text(x))
    if len(found) != 1:
        raise FormatError(f"an OMA JSON entry has exactly one of v/sv/bv/ov, got {len(found)}")
    return found[0]


def _entries(doc: Any, base: Path, model: "TypeResolver | None") -> list[tuple[Path, Value, Any]]:
    """``(path, typed value, resolved time or None)`` per entry, in payload order."""
    if type(doc) is not dict:
        raise FormatError("an OMA JSON payload is an object")
    bn = doc.get("bn", "")
    if type(bn) is not str:
        raise FormatError("OMA JSON bn must be a string")
    bt = _time(doc.get("bt"), "bt")
    entries = doc.get("e")
    if type(entries) is not list:
        raise FormatError("OMA JSON needs an 'e' array (TS Core 1.0 Table 22)")
    out: list[tuple[Path, Value, Any]] = []
    for e in entries:
        if type(e) is not dict:
            raise FormatError("an OMA JSON entry is an object")
        n = e.get("n", "")
        if type(n) is not str:
            raise FormatError("OMA JSON n must be a string")
        t = _time(e.get("t"), "t")
        path = parse_name(bn + n)
        check_value_path(path, base)
        value = _entry_value(e)
        rdef = resource_def(model, path)
        if rdef is not None:
            check_shape(path, rdef)
            if rdef.type is DataType.OPAQUE and type(value) is str:
                value = b64_std_decode(value, path)
            elif rdef.type is DataType.OBJLNK and type(value) is not ObjLnk:
                raise FormatError(f"{path} is an Objlnk and needs ov")
            value = to_type(value, rdef.type, path)
        # "a missing attribute is considered to have a value of zero" (TS Core 1.0 §6.4.4): with
        # neither bt nor t the entry has no time at all
        out.append((path, value, None if t is None and bt is None else _sum(bt or 0, t or 0)))
    return out


def _sum(a: int | float, b: int | float) -> int | float:
    try:
        r = a + b
    except OverflowError:
        r = math.inf
    if type(r) is float and not math.isfinite(r):
        raise FormatError(f"OMA JSON bt + t is out of range: {a!r:.30} + {b!r:.30}")
    return r


def _time(x: Any, what: str) -> int | float | None:
    if x is None or type(x) is int:
        return x  # type: ignore[no-any-return]
    if type(x) is not float or not math.isfinite(x):
        raise FormatError(f"OMA JSON {what} must be a number")
    return x  # type: ignore[no-any-return]


def absolute_time(t: float | int | None, now: float | None) -> float | int | None:
    """TS Core 1.0 §6.4.4, quoting the SenML draft it builds on: "Positive values (>0) represent
    an absolute time relative to the unix epoch, while negative values (<= 0) represent a
    relative time in the past from the current time".  With ``now`` a relative time becomes
    Unix seconds; without, it stays as sent.  (RFC 8428 later moved the limit to 2**28.)"""
    if t is None or now is None or t > 0:
        return t
    return _sum(now, t)


def decode(payload: bytes, base: Path, model: "TypeResolver | None" = None) -> ValueTree:
    """The value tree under ``base``.  A name that comes back several times (historical values,
    TS Core 1.0 §6.4.4 "multiple versions of representations") holds its most recent value."""
    if not payload and holds_no_value(base, model):
        return {}
    entries = _entries(_load(payload), base, model)
    tree: ValueTree = {path: value for path, value, _ in entries}
    if len(tree) == len(entries):
        return tree
    now = _clock.time()
    return latest((Record(p, v, absolute_time(t, now)) for p, v, t in entries), now)


def decode_series(payload: bytes, base: Path = Path(), model: "TypeResolver | None" = None,
                  now: float | None = None) -> list[Record]:
    """Every entry in payload order with its resolved time (bt + t), absolute when ``now`` is given.

    TS Core 1.0 §6.4.4 says the time fields "MUST only be used when sending notifications"; the
    decoder does not know which operation answered, so it reads them wherever they come."""
    if not payload and holds_no_value(base, model):
        return []
    return [Record(p, v, absolute_time(t, now)) for p, v, t in _entries(_load(payload), base, model)]


def encode(values: ValueTree, base: Path, model: "TypeResolver | None" = None) -> bytes:
    nb = len(base.ids)
    entries: list[dict[str, Any]] = []
    whole = list(values) == [base]
    for path, value in values.items():
        check_value_path(path, base)
        value, dtype = encoding_type(path, value, model)
        e: dict[str, Any] = {} if whole else {"n": "/".join(map(str, path.ids[nb:]))}
        if dtype is DataType.BOOLEAN:
            e["bv"] = value
        elif dtype is DataType.OBJLNK:
            e["ov"] = str(value)
        elif dtype is DataType.OPAQUE:
            e["sv"] = b64_std_encode(value)  # type: ignore[arg-type]
        elif dtype is DataType.STRING or dtype is DataType.CORELNK:
            e["sv"] = value
        else:
            e["v"] = value
        entries.append(e)
    bn = str(base) if whole else (str(base) + "/" if nb else "/")
    return _dump({"bn": bn, "e": entries})


__all__ = ["encode", "decode", "decode_series", "absolute_time"]
