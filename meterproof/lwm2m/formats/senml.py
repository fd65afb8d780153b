"""SenML logic shared by the JSON (CF 110) and CBOR (CF 112) codecs.

Follows RFC 8428 ("Sensor Measurement Lists") as profiled by OMA TS Core 1.1 §7.4.4/§7.4.5
(1.2 §7.5.6/§7.5.7):

* a pack is an array of records; each record's name is base name + name (RFC 8428 §4.5.1),
  the base name staying in force until the next ``bn``; its time is base time + time
  (§4.5.3), its value base value + value (``bv``, §4.1) and its sum base sum + sum (``bs``),
  each base field likewise staying in force until the next;
* ``bver`` (§4.1, §4.4) is checked: a pack newer than RFC 8428's version 10 "MUST NOT" be used,
  and all records of a pack "MUST have the same version number"; ``bu``, ``u`` and ``ut`` are
  accepted and checked for type, not used;
* a record has at most one value field: ``v`` (number), ``vs`` (string), ``vb`` (boolean),
  ``vd`` (data: base64url in JSON, a byte string in CBOR; §4.3) or LwM2M's ``vlo`` (object
  link ``"oid:iid"``); it may also carry a Sum ``s``;
* fields whose names end in ``_`` must be understood (§4.4): we understand none, so reject;
  other unknown fields are ignored (§4.4, §12.3.1);
* LwM2M names are absolute paths.  Both base-name spellings met in the field resolve by
  plain concatenation: ``bn:"/3/0/", n:"0"`` and ``bn:"/3/0", n:"/0"`` both name ``/3/0/0``;
* a name may come back in several records: a time series (RFC 8428 §4.5.3; TS Core 1.1
  §7.4.4 historical notifications, §6.4 Notification Storing, Send).  The value tree holds
  each path's most recent value (:func:`..values.latest`); :func:`series_from_pack` keeps
  every record.

Numbers: SenML JSON has one Number type, so ``3.0`` for an Integer and ``3`` for a Float
are both fine (TS Core Table C-2: "Represented as a number").  SenML CBOR keeps integers and
floats apart; RFC 8428 §6 lets a CBOR Number be an integer, a float or a decimal fraction
(tag 4), so an integer for a Float is accepted, but TS Core Appendix C Table C-2 maps
Integer, Unsigned Integer and Time to CBOR integers, so a float there is a finding
(:func:`._common.float_for_integer`).  A Time may also come as a CBOR date/time (tag 0 or 1;
TS Core 1.1.1 Table C-2: "date/time strings, as defined in Section 2.4.1 of [RFC7049]").

The two codecs differ only in how labels are spelled (:data:`JSON_LABELS`,
:data:`CBOR_LABELS`: the integer labels of RFC 8428 §6 Table 6), how ``vd`` is carried and how
the pack is (de)serialised.
"""

from __future__ import annotations

import math
import time as _time
import weakref
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Iterable, NamedTuple, Sequence, Union

from ...errors import FormatError
from ..model.types import DataType
from ..path import Path
from ..values import ObjLnk, Record, Value, ValueTree, latest
from ._common import (
    INT64_MAX,
    INT64_MIN,
    INTEGRAL,
    UINT64_MAX,
    check_shape,
    check_value_path,
    datetime_seconds,
    encoding_type,
    float_for_integer,
    objlnk_from_text,
    parse_name,
    resource_def,
    to_type,
)

if TYPE_CHECKING:
    from ..model.types import ResourceDef, TypeResolver

Label = Union[str, int]

#: RFC 8428 §4.5.3: times below 2**28 are relative to "now"; from 2**28 on, Unix seconds.
RELATIVE_TIME_LIMIT = 1 << 28
#: RFC 8428 §4.4: the version this specification defines ("defaults to 10").
SENML_VERSION = 10


class Labels(NamedTuple):
    """How one SenML serialisation spells the fields, and whether its numbers are typed."""

    bn: Label
    bt: Label
    n: Label
    v: Label
    vs: Label
    vb: Label
    vd: Label
    t: Label
    vlo: Label
    bver: Label
    bu: Label
    bv: Label
    bs: Label
    u: Label
    s: Label
    ut: Label
    #: CBOR keeps integers and floats apart (TS Core Table C-2): a float for an Integer is a finding
    cbor: bool = False


JSON_LABELS = Labels("bn", "bt", "n", "v", "vs", "vb", "vd", "t", "vlo", "bver", "bu", "bv", "bs", "u", "s", "ut")
#: RFC 8428 §6 Table 6 integer labels; ``vlo`` has none and stays a string (TS Core 1.1 §7.4.5).
CBOR_LABELS = Labels(-2, -3, 0, 2, 3, 4, 8, 6, "vlo", -1, -4, -5, -6, 1, 5, 7, True)

#: the labels each serialisation understands (§4.4: other labels ending in "_" reject the pack)
_KNOWN = {False: frozenset(JSON_LABELS[:16]), True: frozenset(CBOR_LABELS[:16])}

_NUMBER = (int, float)
#: data types whose decoded Python type needs no further check or conversion
_EXACT: dict[DataType, type] = {
    DataType.STRING: str, DataType.CORELNK: str, DataType.FLOAT: float, DataType.BOOLEAN: bool,
    DataType.OPAQUE: bytes, DataType.OBJLNK: ObjLnk,
}


#: Integer types a plain int already fits when in the signed 64-bit range (to_type's own check, inlined).
_INT64 = frozenset({DataType.INTEGER, DataType.TIME})


def _number(x: Any, what: str) -> int | float:
    """A SenML Number that is not a plain finite int/float: a CBOR decimal fraction or bigfloat
    (RFC 8428 §6 allows tag 4) becomes a float; anything else is an error.  Plain ints of any
    size are numbers too (math.isfinite would overflow on them)."""
    t = type(x)
    if t is int:
        return x  # type: ignore[no-any-return]
    if t is Decimal and x.is_finite():
        f = float(x)
        if math.isfinite(f):
            return f
    raise FormatError(f"SenML {what} must be a finite number, got {x!r:.40}")


def _check_number(x: Any, what: str) -> int | float:
    t = type(x)
    if t is int or (t is float and math.isfinite(x)):
        return x  # type: ignore[no-any-return]
    return _number(x, what)


def _add(base: Any, x: Any, what: str) -> int | float:
    """``base + x`` for the base fields of RFC 8428 §4.1; a sum no double can hold is an error."""
    try:
        r = base + x
    except OverflowError:
        raise FormatError(f"SenML {what}: {base!r:.30} + {x!r:.30} is out of range") from None
    if type(r) is float and not math.isfinite(r):
        raise FormatError(f"SenML {what}: {base!r:.30} + {x!r:.30} is out of range")
    return r  # type: ignore[no-any-return]


def _rare_fields(rec: dict[Any, Any], labels: Labels, bv: Any, bs: Any, version: int | None
                 ) -> tuple[Any, Any, int | None, Any]:
    """The fields a Read rarely carries: ``bv``, ``bs``, ``bver`` (RFC 8428 §4.1), ``bu``, ``u``,
    ``ut``, ``s`` (§4.2), and the must-understand rule for the rest (§4.4).  ``version`` is the
    pack's version so far (None before its first record).  Returns the new bv, bs, version and
    the record's resolved sum (bs + s, or None)."""
    x = rec.get(labels.bv)
    if x is not None:
        bv = _check_number(x, "bv")
    x = rec.get(labels.bs)
    if x is not None:
        bs = _check_number(x, "bs")
    x = rec.get(labels.bver)
    if x is not None:
        if type(x) is not int or x < 1:
            raise FormatError(f"SenML bver must be a positive integer (RFC 8428 §4.1, §6), got {x!r:.40}")
        if x > SENML_VERSION:
            raise FormatError(f"SenML bver {x} is newer than version {SENML_VERSION} (RFC 8428): "
                              f"such a pack must not be used (RFC 8428 §4.4)")
        if version is not None and x != version:
            raise FormatError(f"SenML bver changes from {version} to {x} within one pack "
                              f"(RFC 8428 §4.4: all records have the same version)")
        version = x
    for label, what in ((labels.bu, "bu"), (labels.u, "u")):
        x = rec.get(label)
        if x is not None and type(x) is not str:
            raise FormatError(f"SenML {what} must be a string")
    x = rec.get(labels.ut)
    if x is not None:
        _check_number(x, "ut")
    s = None
    x = rec.get(labels.s)
    if x is not None:
        s = _add(bs, _check_number(x, "s"), "bs + s")
    known = _KNOWN[labels.cbor]
    for k in rec:
        if k not in known and type(k) is str and k.endswith("_"):
            raise FormatError(f"SenML must-understand field {k!r:.40} is not supported (RFC 8428 §4.4)")
    return bv, bs, version, s


def _resolve(pack: Any, labels: Labels, vd_decode: Callable[[Any], bytes]) -> list[tuple[str, Any, Any, Any]]:
    """Resolve the base fields over a decoded pack (RFC 8428 §4.6): ``(name, value, time, sum)``
    per record, the value typed by its field but not yet by the object model."""
    if type(pack) is not list:
        raise FormatError("a SenML pack is an array of records")
    L_bn, L_bt, L_n, L_v, L_vs, L_vb, L_vd, L_t, L_vlo = labels[:9]
    cbor = labels.cbor
    bn = ""
    bt: float | int = 0
    bv: float | int = 0
    bs: float | int = 0
    version: int | None = None
    out: list[tuple[str, Any, Any, Any]] = []
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
            bt = _check_number(x, "bt")
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
            t = _check_number(t, "t")
            seen += 1
        value: Value | None = None
        nvals = 0
        rest = len(rec) - seen  # keys left: value fields (or other fields)
        if rest:
            x = rec.get(L_v)
            if x is not None:
                if type(x) is float:
                    if not math.isfinite(x):
                        raise FormatError(f"SenML v must be a finite number, got {x!r:.40}")
                elif type(x) is not int:
                    x = datetime_seconds(x, name) if cbor and type(x) is datetime else _number(x, "v")
                value = x
                nvals = 1
            if nvals < rest:
                x = rec.get(L_vs)
                if x is not None:
                    if type(x) is not str:
                        if not (cbor and type(x) is datetime):
                            raise FormatError("SenML vs must be a string")
                        x = datetime_seconds(x, name)  # tag 0 date/time string (TS Core 1.1.1 Table C-2)
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
        if t is not None:
            t = _add(bt, t, "bt + t")
        elif bt:
            t = bt
        if rest > nvals:
            # the rarer fields (RFC 8428 §4.1 base fields, §4.2 u, s, ut), then §4.4 must-understand
            bv, bs, version, s = _rare_fields(rec, labels, bv, bs, version if version is not None or not out
                                              else SENML_VERSION)
            if bv and type(value) in _NUMBER and rec.get(L_v) is not None:
                value = _add(bv, value, "bv + v")
            append((name, value, t, s))
            continue
        if bv and type(value) in _NUMBER and rec.get(L_v) is not None:
            value = _add(bv, value, "bv + v")
        append((name, value, t, None))
    return out


def resolve(pack: Any, labels: Labels, vd_decode: Callable[[Any], bytes]) -> list[tuple[str, Any, Any]]:
    """Resolved ``(name, value, time)`` per record (RFC 8428 §4.6), values not yet typed by a model."""
    return [(name, value, t) for name, value, t, _ in _resolve(pack, labels, vd_decode)]


def absolute_time(t: float | int | None, now: float | None) -> float | int | None:
    """RFC 8428 §4.5.3: a resolved time below 2**28 is relative to "now"; with ``now`` known it
    becomes Unix seconds, without it stays as sent.  None (no time) stays None."""
    if t is None or now is None or t >= RELATIVE_TIME_LIMIT:
        return t
    return _add(now, t, "now + t")


def _coerce(value: Any, path: Path, rdef: "ResourceDef", cbor: bool) -> Value:
    """Type a value whose Python type is not already the one of ``rdef.type``."""
    dtype = rdef.type
    if dtype is DataType.OBJLNK:
        raise FormatError(f"{path} is an Objlnk and needs vlo")
    if cbor and type(value) is float and dtype in INTEGRAL:
        raise float_for_integer(path, dtype, f"the non-integer CBOR number {value!r} (a float, major type 7, "
                                             f"or a decimal fraction, tag 4)")
    return to_type(value, dtype, path)


def _typed(value: Any, path: Path, model: "TypeResolver | None", cbor: bool) -> Value:
    rdef = resource_def(model, path)
    if rdef is None:
        return value  # type: ignore[no-any-return]
    check_shape(path, rdef)
    if _EXACT.get(rdef.type) is type(value):
        return value  # type: ignore[no-any-return]
    return _coerce(value, path, rdef, cbor)


def _no_value(path: Path, s: Any) -> FormatError:
    if s is not None:
        return FormatError(f"SenML record {path} carries only a Sum; an LwM2M value travels in "
                           f"v, vs, vb, vd or vlo (TS Core 1.1 §7.4.4)")
    return FormatError(f"SenML record {path} has no value")


def series_from_pack(pack: Any, labels: Labels, vd_decode: Callable[[Any], bytes], base: Path = Path(),
                     model: "TypeResolver | None" = None, now: float | None = None) -> list[Record]:
    """Every record, in pack order: absolute path (under ``base``), value typed by the model when
    it knows the resource, time (absolute when ``now`` is given, see :func:`absolute_time`), sum."""
    out = []
    cbor = labels.cbor
    for name, value, t, s in _resolve(pack, labels, vd_decode):
        path = parse_name(name)
        check_value_path(path, base)
        if value is None:
            raise _no_value(path, s)
        out.append(Record(path, _typed(value, path, model, cbor), absolute_time(t, now), s))
    return out


def records_from_pack(pack: Any, labels: Labels, vd_decode: Callable[[Any], bytes],
                      model: "TypeResolver | None" = None) -> list[Record]:
    """Records with values (Send, notifications): :func:`series_from_pack` at the root, times as sent."""
    return series_from_pack(pack, labels, vd_decode, Path(), model)


#: Per model, per base path, per base name and name: what :func:`_plain_tree` needs to know about a name it has
#: already met -- its path, the Python type its resource's values need no conversion from (None: unknown
#: resource, any value; :class:`_Converted`: none, every value goes through the general path), and the
#: range a plain int may take as it is (integral types).  Weak on the model: a registration's model goes
#: with it.
_NamePlan = tuple[Path, "type | None", "tuple[int, int] | None"]

#: Names remembered per base name: a device's objects have a few hundred resources at most, a fuzzer sends any.
_PLANS_PER_NAME = 4096


class _Converted:
    """Matches no decoded value's type: a resource whose values always take :func:`to_type`'s path."""


#: Integral data types whose plain int values need only a range check (:func:`._common.to_type`).
_INT_RANGE = {DataType.INTEGER: (INT64_MIN, INT64_MAX), DataType.TIME: (INT64_MIN, INT64_MAX),
              DataType.UNSIGNED_INTEGER: (0, UINT64_MAX)}
_PLANS: "weakref.WeakKeyDictionary[Any, dict[Path, dict[str, dict[str, _NamePlan]]]]" = weakref.WeakKeyDictionary()


def _plan(name: str, base: Path, model: "TypeResolver") -> _NamePlan | None:
    """The plan of a name that is a well-formed resource (instance) path under ``base`` whose shape matches
    its definition; None for anything else (the general path then gives the finding)."""
    if not name.startswith("/"):
        return None
    try:
        path = parse_name(name)
    except FormatError:
        return None
    ids = path.ids
    if len(ids) < 3 or ids[:len(base.ids)] != base.ids:
        return None
    rdef = model.resource_def(path)
    if rdef is None:
        return path, None, None
    if (len(ids) == 4) is not rdef.multiple:
        return None
    return path, _EXACT.get(rdef.type, _Converted), _INT_RANGE.get(rdef.type)


def _plain_tree(pack: Any, labels: Labels, base: Path, model: "TypeResolver") -> ValueTree | None:
    """The value tree of the pack almost every Read answer is, or None when this pack is anything else.

    "Plain" means: records with ``bn`` and ``n`` only as names (RFC 8428 §4.5.1) and exactly one ``v``, ``vs``
    or ``vb`` each, no time, no base value/sum/version, no repeated name, every value already of the
    Python type its resource's definition decodes to.  Everything else -- other fields, bad types,
    anything to convert or report -- returns None and :func:`tree_from_pack`'s general path decides, so
    this adds no verdict of its own: it only skips work the general path would do to the same result
    (tests/formats/test_properties.py holds both to one answer)."""
    if type(pack) is not list:
        return None
    try:
        per_base = _PLANS[model]
    except KeyError:
        per_base = {}
        _PLANS[model] = per_base
    except TypeError:      # a model that cannot be weakly referenced: no memo, the general path
        return None
    per_bn = per_base.get(base)
    if per_bn is None:
        per_bn = per_base[base] = {}
    L_bn, L_n, L_v, L_vs, L_vb = labels.bn, labels.n, labels.v, labels.vs, labels.vb
    isfinite = math.isfinite
    bn = ""
    plans = per_bn.get(bn)
    if plans is None:
        plans = per_bn[bn] = {}
    tree: ValueTree = {}
    count = 0
    for rec in pack:
        if type(rec) is not dict:
            return None
        k = len(rec)
        x = rec.get(L_bn)
        if x is not None:
            if type(x) is not str:
                return None
            bn = x
            plans = per_bn.get(bn)
            if plans is None:
                plans = per_bn[bn] = {}
            k -= 1
        n = rec.get(L_n)
        if n is None:
            n = ""
        elif type(n) is str:
            k -= 1
        else:
            return None
        if k != 1:
            return None
        v = rec.get(L_v)
        if v is None:
            v = rec.get(L_vs)
            if v is None:
                v = rec.get(L_vb)
                if type(v) is not bool:
                    return None
            elif type(v) is not str:
                return None
        else:
            tv = type(v)
            if tv is float:
                if not isfinite(v):
                    return None
            elif tv is not int:
                return None
        plan = plans.get(n)
        if plan is None:
            plan = _plan(bn + n, base, model)
            if plan is None:
                return None
            if len(plans) < _PLANS_PER_NAME:
                plans[n] = plan
        path, exact, ints = plan
        if exact is not None and type(v) is not exact and not (
                ints is not None and type(v) is int and ints[0] <= v <= ints[1]):
            return None
        tree[path] = v
        count += 1
        if len(tree) != count:
            return None     # a time series: the general path keeps the latest
    return tree


def tree_from_pack(pack: Any, labels: Labels, vd_decode: Callable[[Any], bytes],
                   base: Path, model: "TypeResolver | None" = None, now: float | None = None) -> ValueTree:
    """A value tree (Read, Write, Write-Composite ...), all paths under ``base``; a path that comes
    back several times (a time series) holds its most recent value (:func:`..values.latest`,
    relative times taken against ``now``, by default the clock at decoding)."""
    if model is not None:
        plain = _plain_tree(pack, labels, base, model)
        if plain is not None:
            return plain
    return general_tree(pack, labels, vd_decode, base, model, now)


def general_tree(pack: Any, labels: Labels, vd_decode: Callable[[Any], bytes],
                 base: Path, model: "TypeResolver | None" = None, now: float | None = None) -> ValueTree:
    """:func:`tree_from_pack` for every pack, record by record (the reference :func:`_plain_tree` agrees with)."""
    tree: ValueTree = {}
    base_ids = base.ids
    nb = len(base_ids)
    n = 0
    cbor = labels.cbor
    resolved = _resolve(pack, labels, vd_decode)
    for name, value, _, s in resolved:
        path = parse_name(name)
        ids = path.ids
        if len(ids) < 3 or ids[:nb] != base_ids:
            check_value_path(path, base)
        if value is None:
            raise _no_value(path, s)
        if model is not None:
            rdef = model.resource_def(path)
            if rdef is not None:
                if (len(ids) == 4) is not rdef.multiple:
                    check_shape(path, rdef)
                vt = type(value)
                if _EXACT.get(rdef.type) is not vt and not (
                        vt is int and rdef.type in _INT64 and INT64_MIN <= value <= INT64_MAX):
                    value = _coerce(value, path, rdef, cbor)
        tree[path] = value
        n += 1
        if len(tree) != n:
            # a time series: the rare case, typed again record by record
            ref = _time.time() if now is None else now
            return latest(series_from_pack(pack, labels, vd_decode, base, model, ref), ref)
    return tree


def paths_from_pack(pack: Any, labels: Labels, vd_decode: Callable[[Any], bytes]) -> list[Path]:
    """Paths of a Read-Composite / Observe-Composite request body (records with only names)."""
    out = []
    for name, value, _, s in _resolve(pack, labels, vd_decode):
        if value is not None or s is not None:
            raise FormatError(f"a composite request record carries only a name, {name!r:.60} has a value")
        out.append(parse_name(name))
    return out


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
    "Record", "Labels", "JSON_LABELS", "CBOR_LABELS", "RELATIVE_TIME_LIMIT", "SENML_VERSION", "resolve",
    "absolute_time", "records_from_pack", "series_from_pack", "tree_from_pack", "paths_from_pack", "pack_from_tree", "pack_from_records", "pack_from_paths",
    "value_field",
]
