"""LwM2M 1.0 JSON (Content-Format 11543, ``application/vnd.oma.lwm2m+json``).

Follows OMA TS Core 1.0 §6.4.4 ("JSON", Table 22), the pre-RFC SenML draft format that
LwM2M 1.0 used and 1.1 servers must still read::

    {"bn":"/3/0/","bt":25462634,"e":[{"n":"0","sv":"Open Mobile Alliance"},
                                     {"n":"7/0","v":3800,"t":-5}, ...]}

Entry value keys: ``v`` (number: Integer, Unsigned, Float, Time), ``bv`` (Boolean), ``ov``
(Objlnk ``"oid:iid"``), ``sv`` (String, Corelnk and Opaque; Opaque as base64 per Appendix C).
A name is ``bn`` + ``n``.  Without a model an ``sv`` decodes to ``str``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ...errors import FormatError
from ..model.types import DataType
from ..path import Path
from ..values import ObjLnk, Value, ValueTree
from ._common import (
    encoding_type,
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


def decode(payload: bytes, base: Path, model: "TypeResolver | None" = None) -> ValueTree:
    doc = _load(payload)
    if type(doc) is not dict:
        raise FormatError("an OMA JSON payload is an object")
    bn = doc.get("bn", "")
    if type(bn) is not str:
        raise FormatError("OMA JSON bn must be a string")
    bt = doc.get("bt")
    if bt is not None and (type(bt) not in _NUMBER or not math.isfinite(bt)):
        raise FormatError("OMA JSON bt must be a number")
    entries = doc.get("e")
    if type(entries) is not list:
        raise FormatError("OMA JSON needs an 'e' array")
    tree: ValueTree = {}
    for e in entries:
        if type(e) is not dict:
            raise FormatError("an OMA JSON entry is an object")
        n = e.get("n", "")
        if type(n) is not str:
            raise FormatError("OMA JSON n must be a string")
        t = e.get("t")
        if t is not None and (type(t) not in _NUMBER or not math.isfinite(t)):
            raise FormatError("OMA JSON t must be a number")
        path = parse_name(bn + n)
        check_value_path(path, base)
        if path in tree:
            raise FormatError(f"{path} appears twice")
        value = _entry_value(e)
        rdef = resource_def(model, path)
        if rdef is not None:
            check_shape(path, rdef)
            if rdef.type is DataType.OPAQUE and type(value) is str:
                value = b64_std_decode(value, path)
            elif rdef.type is DataType.OBJLNK and type(value) is not ObjLnk:
                raise FormatError(f"{path} is an Objlnk and needs ov")
            value = to_type(value, rdef.type, path)
        tree[path] = value
    return tree


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


__all__ = ["encode", "decode"]
