"""SenML logic shared by the JSON (CF 110) and CBOR (CF 112) codecs.

Follows RFC 8428 ("Sensor Measurement Lists") as profiled by OMA TS Core 1.1 §7.4.4/§7.4.5
(1.2 §7.5.6/§7.5.7):

* a pack is an array of records; each record's name is base name + name (RFC 8428 §4.5.1),
  the base name staying in force until the next ``bn``; its time is base time + time
  (§4.5.3), likewise;
* a record has at most one value field: ``v`` (number), ``vs`` (string), ``vb`` (boolean),
  ``vd`` (data: base64url in JSON, a byte string in CBOR; §4.3) or LwM2M's ``vlo`` (object
  link ``"oid:iid"``);
* fields whose names end in ``_`` must be understood (§4.4): we understand none, so reject;
  other unknown fields are ignored;
* LwM2M names are absolute paths.  Both base-name spellings met in the field resolve by
  plain concatenation: ``bn:"/3/0/", n:"0"`` and ``bn:"/3/0", n:"/0"`` both name ``/3/0/0``.

The two codecs differ only in how labels are spelled (:data:`JSON_LABELS`,
:data:`CBOR_LABELS`: the integer labels of RFC 8428 §6), how ``vd`` is carried and how the
pack is (de)serialised.  Times are returned as the resolved number (base time + time);
RFC 8428 "relative to now" values (< 2**28) are left to the caller, which knows "now".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, NamedTuple, Sequence, Union

from ...errors import FormatError
from ..model.types import DataType
from ..path import Path
from ..values import ObjLnk, Value, ValueTree
from ._common import (
    encoding_type,
    check_shape,
    check_value_path,
    objlnk_from_text,
    parse_name,
    resource_def,
    to_type,
)

if TYPE_CHECKING:
    from ..model.types import TypeResolver

Label = Union[str, int]


@dataclass(frozen=True, slots=True)
class Record:
    """One resolved SenML record: absolute path, value (None in path-only records), time."""

    path: Path
    value: Value | None = None
    time: float | int | None = None


class Labels(NamedTuple):
    """How one SenML serialisation spells the fields LwM2M uses."""

    bn: Label
    bt: Label
    n: Label
    v: Label
    vs: Label
    vb: Label
    vd: Label
    t: Label
    vlo: Label


JSON_LABELS = Labels("bn", "bt", "n", "v", "vs", "vb", "vd", "t", "vlo")
#: RFC 8428 §6 Table 6 integer labels; ``vlo`` has none and stays a string (TS Core 1.1 §7.4.5).
CBOR_LABELS = Labels(-2, -3, 0, 2, 3, 4, 8, 6, "vlo")

_NUMBER = (int, float)
#: data types whose decoded Python type needs no further check or conversion
_EXACT: dict[DataType, type] = {
    DataType.STRING: str, DataType.CORELNK: str, DataType.FLOAT: float, DataType.BOOLEAN: bool,
    DataType.OPAQUE: bytes, DataType.OBJLNK: ObjLnk,
}


def resolve(pack: Any, labels: Labels, vd_decode: Callable[[Any], bytes]) -> list[tuple[str, Any, Any]]:
    """Resolve base name and base time over a decoded pack; type each value field."""
    if type(pack) is not list:
        raise FormatError("a SenML pack is an array of records")
    L_bn, L_bt, L_n, L_v, L_vs, L_vb, L_vd, L_t, L_vlo = labels
    known = set(labels)
    bn = ""
    bt: float | int = 0
    out: list[tuple[str, Any, Any]] = []
    append = out.append
    for rec in pack:
        if type(rec) is not dict:
            raise FormatError("a SenML record is a map")
        seen = 0
        x = rec.get(L_bn)
        if x is not None:
            if type(x) is not str:
                raise FormatError("SenML bn must be a string")
            bn = x
            seen += 1
        x = rec.get(L_bt)
        if x is not None:
            if type(x) not in _NUMBER or not math.isfinite(x):
                raise FormatError("SenML bt must be a number")
            bt = x
            seen += 1
        n = rec.get(L_n)
        if n is None:
            name = bn
        elif type(n) is str:
            name = bn + n
            seen += 1
        else:
            raise FormatError("SenML n must be a string")
        t = rec.get(L_t)
        if t is not None:
            if type(t) not in _NUMBER or not math.isfinite(t):
                raise FormatError("SenML t must be a number")
            seen += 1
            t = bt + t
        elif bt:
            t = bt
        value: Value | None = None
        nvals = 0
        rest = len(rec) - seen  # keys left: value fields (or unknown fields)
        if rest:
            x = rec.get(L_v)
            if x is not None:
                if type(x) not in _NUMBER or (type(x) is float and not math.isfinite(x)):
                    raise FormatError(f"SenML v must be a finite number, got {x!r:.40}")
                value = x
                nvals = 1
            if nvals < rest:
                x = rec.get(L_vs)
                if x is not None:
                    if type(x) is not str:
                        raise FormatError("SenML vs must be a string")
                    value = x
                    nvals += 1
            if nvals < rest:
                x = rec.get(L_vb)
                if x is not None:
                    if type(x) is not bool:
                        raise FormatError("SenML vb must be a boolean")
                    value = x
                    nvals += 1
            if nvals < rest:
                x = rec.get(L_vd)
                if x is not None:
                    value = vd_decode(x)
                    nvals += 1
            if nvals < rest:
                x = rec.get(L_vlo)
                if x is not None:
                    value = objlnk_from_text(x)
                    nvals += 1
        if nvals > 1:
            raise FormatError(f"SenML record {name!r:.60} has {nvals} value fields")
        if rest > nvals:
            for k in rec:
                if k not in known and type(k) is str and k.endswith("_"):
                    raise FormatError(f"SenML must-understand field {k!r:.40} is not supported (RFC 8428 §4.4)")
        append((name, value, t))
    return out


def records_from_pack(pack: Any, labels: Labels, vd_decode: Callable[[Any], bytes],
                      model: "TypeResolver | None" = None) -> list[Record]:
    """Records with values (Send, notifications): typed by the model when it knows them."""
    out = []
    for name, value, t in resolve(pack, labels, vd_decode):
        path = parse_name(name)
        if value is None:
            raise FormatError(f"SenML record {path} has no value")
        check_value_path(path, Path())
        out.append(Record(path, _typed(value, path, model), t))
    return out


def tree_from_pack(pack: Any, labels: Labels, vd_decode: Callable[[Any], bytes],
                   base: Path, model: "TypeResolver | None" = None) -> ValueTree:
    """A value tree (Read, Write, Write-Composite ...): every path once, all under ``base``."""
    tree: ValueTree = {}
    base_ids = base.ids
    nb = len(base_ids)
    n = 0
    for name, value, _ in resolve(pack, labels, vd_decode):
        path = parse_name(name)
        ids = path.ids
        if len(ids) < 3 or ids[:nb] != base_ids:
            check_value_path(path, base)
        if value is None:
            raise FormatError(f"SenML record {path} has no value")
        if model is not None:
            rdef = model.resource_def(path)
            if rdef is not None:
                if (len(ids) == 4) is not rdef.multiple:
                    check_shape(path, rdef)
                t = rdef.type
                if _EXACT.get(t) is not type(value):
                    if t is DataType.OBJLNK:
                        raise FormatError(f"{path} is an Objlnk and needs vlo")
                    value = to_type(value, t, path)
        tree[path] = value
        n += 1
        if len(tree) != n:
            raise FormatError(f"{path} appears twice in the pack")
    return tree


def paths_from_pack(pack: Any, labels: Labels, vd_decode: Callable[[Any], bytes]) -> list[Path]:
    """Paths of a Read-Composite / Observe-Composite request body (records with only names)."""
    out = []
    for name, value, _ in resolve(pack, labels, vd_decode):
        if value is not None:
            raise FormatError(f"a composite request record carries only a name, {name!r:.60} has a value")
        out.append(parse_name(name))
    return out


def _typed(value: Value, path: Path, model: "TypeResolver | None") -> Value:
    rdef = resource_def(model, path)
    if rdef is None:
        return value
    check_shape(path, rdef)
    if rdef.type is DataType.OBJLNK and type(value) is not ObjLnk:
        raise FormatError(f"{path} is an Objlnk and needs vlo")
    return to_type(value, rdef.type, path)


# --------------------------------------------------------------------------- encoding


def value_field(value: Value, dtype: DataType, labels: Labels,
                vd_encode: Callable[[bytes], Any]) -> tuple[Label, Any]:
    """The (label, item) pair that carries a type-checked value."""
    if dtype is DataType.BOOLEAN:
        return labels.vb, value
    if dtype is DataType.STRING or dtype is DataType.CORELNK:
        return labels.vs, value
    if dtype is DataType.OPAQUE:
        return labels.vd, vd_encode(value)  # type: ignore[arg-type]
    if dtype is DataType.OBJLNK:
        return labels.vlo, str(value)
    if dtype is DataType.FLOAT and not math.isfinite(value):  # type: ignore[arg-type]
        raise FormatError(f"SenML cannot carry a non-finite number: {value!r}")
    return labels.v, value


def _field(path: Path, value: Value, model: "TypeResolver | None", labels: Labels,
           vd_encode: Callable[[bytes], Any]) -> tuple[Label, Any]:
    typed, dtype = encoding_type(path, value, model)
    return value_field(typed, dtype, labels, vd_encode)


def pack_from_tree(values: ValueTree, base: Path, model: "TypeResolver | None", labels: Labels,
                   vd_encode: Callable[[bytes], Any]) -> list[dict[Label, Any]]:
    """Records for a value tree: ``bn`` = the base path (with a trailing ``/`` unless the
    tree is the single value at ``base``) on the first record, relative ``n`` on each; at
    the root (composite) absolute names and no ``bn`` (TS Core 1.1 §7.4.4 examples)."""
    pack: list[dict[Label, Any]] = []
    nb = len(base.ids)
    prefix = str(base) + "/" if nb else ""
    first = True
    for path, value in values.items():
        check_value_path(path, base)
        rec: dict[Label, Any] = {}
        if nb == 0:
            rec[labels.n] = str(path)
        elif path == base:
            if first:
                rec[labels.bn] = str(base)
            else:
                raise FormatError(f"{base} cannot carry both its own value and values below it")
        else:
            if first:
                rec[labels.bn] = prefix
            rec[labels.n] = "/".join(map(str, path.ids[nb:]))
        first = False
        k, v = _field(path, value, model, labels, vd_encode)
        rec[k] = v
        pack.append(rec)
    return pack


def pack_from_records(records: Iterable[Record], model: "TypeResolver | None", labels: Labels,
                      vd_encode: Callable[[bytes], Any]) -> list[dict[Label, Any]]:
    """Records with absolute names and absolute times (Send, timestamped notifications)."""
    pack: list[dict[Label, Any]] = []
    for r in records:
        rec: dict[Label, Any] = {labels.n: str(r.path)}
        if r.value is not None:
            check_value_path(r.path, Path())
            k, v = _field(r.path, r.value, model, labels, vd_encode)
            rec[k] = v
        if r.time is not None:
            if type(r.time) not in _NUMBER or not math.isfinite(r.time):
                raise FormatError(f"record time must be a finite number: {r.time!r}")
            rec[labels.t] = r.time
        pack.append(rec)
    return pack


def pack_from_paths(paths: Sequence[Path], labels: Labels) -> list[dict[Label, Any]]:
    """Name-only records (Read-Composite / Observe-Composite request bodies)."""
    return [{labels.n: str(Path.parse(p))} for p in paths]


__all__ = [
    "Record", "Labels", "JSON_LABELS", "CBOR_LABELS", "resolve", "records_from_pack",
    "tree_from_pack", "paths_from_pack", "pack_from_tree", "pack_from_records", "pack_from_paths",
    "value_field",
]
