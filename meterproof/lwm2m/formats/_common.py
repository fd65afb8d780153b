"""Helpers every content-format codec shares: value typing against the object model, path checks.

Private to :mod:`meterproof.lwm2m.formats`.  The type rules come from OMA TS Core
Appendix C (data types) and its 1.1 additions (Unsigned Integer, Corelnk): a value
is checked against the resource's :class:`DataType` when the model knows the
resource, and is otherwise taken by its Python type (see :mod:`..values`).

Every check raises :class:`FormatError`, never anything else, so decoders can call
these on hostile input.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from ...errors import FormatError
from ..model.types import DataType
from ..path import MAX_ID, Path
from ..values import ObjLnk, Value, ValueTree

if TYPE_CHECKING:
    from ..model.types import ResourceDef, TypeResolver

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1

#: Data types whose values are integers on the wire.
INTEGRAL = frozenset((DataType.INTEGER, DataType.UNSIGNED_INTEGER, DataType.TIME))

_B64_STD = re.compile(r"[A-Za-z0-9+/]*={0,2}\Z")
_B64_URL = re.compile(r"[A-Za-z0-9_-]*\Z")


def make_path(ids: tuple[int, ...]) -> Path:
    """A Path from ids the caller has already range-checked (skips re-validation; hot paths)."""
    return Path.trusted(ids)


class MemoResolver:
    """A TypeResolver that remembers another's answers per (object id, resource id).

    Resolving through a catalog (versions, pins) costs microseconds per call; a server that
    has fixed a device's object versions wraps its resolver once per registration and
    decodes through this.  It assumes the wrapped model does not change meanwhile.
    """

    __slots__ = ("_model", "_memo")

    def __init__(self, model: "TypeResolver") -> None:
        self._model = model
        self._memo: dict[tuple[int, int], "ResourceDef | None"] = {}

    def resource_def(self, path: Path) -> "ResourceDef | None":
        ids = path.ids
        if len(ids) < 3:
            return self._model.resource_def(path)
        key = (ids[0], ids[2])
        try:
            return self._memo[key]
        except KeyError:
            r = self._memo[key] = self._model.resource_def(path)
            return r


def resource_def(model: "TypeResolver | None", path: Path) -> "ResourceDef | None":
    """The model's definition of the resource at ``path`` (None without a model or if unknown)."""
    if model is None:
        return None
    return model.resource_def(path)


def kind_of(value: object) -> DataType:
    """The data type a Python value stands for when no model says otherwise."""
    t = type(value)
    if t is bool:
        return DataType.BOOLEAN
    if t is int:
        return DataType.INTEGER
    if t is float:
        return DataType.FLOAT
    if t is str:
        return DataType.STRING
    if t is bytes:
        return DataType.OPAQUE
    if t is ObjLnk:
        return DataType.OBJLNK
    raise FormatError(f"not an LwM2M value: {value!r} ({t.__name__})")


def _fail(value: object, dtype: DataType, path: Path | None) -> FormatError:
    where = f" at {path}" if path is not None else ""
    return FormatError(f"{type(value).__name__} value {value!r:.60} does not fit data type {dtype.value}{where}")


def to_type(value: object, dtype: DataType, path: Path | None = None) -> Value:
    """Check a decoded or to-be-encoded value against ``dtype`` and normalise it.

    Normalisations (all lossless): an int for a Float becomes a float; an integral float
    for an Integer/Unsigned/Time becomes an int; an aware ``datetime`` (CBOR tags 0/1) for a
    Time becomes integer seconds.
    """
    t = type(value)
    if dtype is DataType.STRING or dtype is DataType.CORELNK:
        if t is str:
            return value  # type: ignore[return-value]
    elif dtype is DataType.INTEGER or dtype is DataType.TIME:
        if t is float and value.is_integer():  # type: ignore[union-attr]
            value, t = int(value), int  # type: ignore[arg-type]
        elif t is datetime and dtype is DataType.TIME:
            value, t = datetime_seconds(value, path), int  # type: ignore[arg-type]
        if t is int:
            if INT64_MIN <= value <= INT64_MAX:  # type: ignore[operator]
                return value  # type: ignore[return-value]
            raise FormatError(f"integer {value} out of the signed 64-bit range at {path}")
    elif dtype is DataType.UNSIGNED_INTEGER:
        if t is float and value.is_integer():  # type: ignore[union-attr]
            value, t = int(value), int  # type: ignore[arg-type]
        if t is int:
            if 0 <= value <= UINT64_MAX:  # type: ignore[operator]
                return value  # type: ignore[return-value]
            raise FormatError(f"unsigned integer {value} out of range 0..2^64-1 at {path}")
    elif dtype is DataType.FLOAT:
        if t is float:
            return value  # type: ignore[return-value]
        if t is int:
            try:
                return float(value)  # type: ignore[arg-type]
            except OverflowError:
                raise FormatError(f"integer {value} too large for a Float at {path}") from None
    elif dtype is DataType.BOOLEAN:
        if t is bool:
            return value  # type: ignore[return-value]
    elif dtype is DataType.OPAQUE:
        if t is bytes:
            return value  # type: ignore[return-value]
    elif dtype is DataType.OBJLNK:
        if t is ObjLnk:
            return value  # type: ignore[return-value]
    elif dtype is DataType.NONE:
        raise FormatError(f"resource {path} is executable: it has no value, and a value for it (such as this one) is not a valid representation")
    raise _fail(value, dtype, path)


def natural(value: object, path: Path | None = None) -> Value:
    """Check a value with no model information: it must be one of the Python value types."""
    t = type(value)
    if t is datetime:
        return datetime_seconds(value, path)  # type: ignore[arg-type]
    kind_of(value)
    return value  # type: ignore[return-value]


def typed(value: object, rdef: "ResourceDef | None", path: Path) -> Value:
    """``to_type`` when the model knows the resource, else ``natural``."""
    if rdef is None:
        return natural(value, path)
    return to_type(value, rdef.type, path)


def datetime_seconds(value: datetime, path: "Path | str | None") -> int:
    if value.tzinfo is None:
        raise FormatError(f"date/time without a time zone at {path}")
    try:
        ts = value.timestamp()
    except (OverflowError, ValueError, OSError):
        raise FormatError(f"date/time out of range at {path}") from None
    if not ts.is_integer():
        raise FormatError(f"Time with fractional seconds at {path}: {value}")
    return int(ts)


def float_for_integer(path: Path, dtype: DataType, received: str) -> FormatError:
    """The finding for a CBOR floating-point value where the model wants an integer.

    TS Core 1.1.1 Appendix C Table C-2 "Data Type Mapping" (1.2: Table C.-2, column "CBOR,
    LwM2M CBOR, and SenML CBOR Formats") maps Integer, Unsigned Integer and Time to CBOR
    integers (major type 0, 1), Float to CBOR floating point (major type 7).  CBOR, unlike
    JSON, keeps the two apart on the wire, so an integer resource sent as 3.0 is the device's
    error, not an encoding choice.  (The row text is quoted here from secondary sources: Leshan's
    maintainer reads the table as requiring CBOR integers for Integer, eclipse-leshan/leshan#1170,
    and made Leshan's SenML CBOR decoder strict on it, #1176; OMA_LwM2M_for_Developers#537 quotes
    its Time row.)
    """
    return FormatError(f"{path} is of type {dtype.value} but carries {received}; TS Core Appendix C "
                       f"Table C-2 wants a CBOR integer (major type 0 or 1)")


def holds_no_value(base: Path, model: "TypeResolver | None") -> bool:
    """True when ``base`` has no value of its own, so an empty answer means "nothing there".

    A Read of an object without instances (or of an instance without readable resources, or
    of a multiple resource without instances) answers 2.05 with nothing to report: TS
    Transport 1.1 §6.4.4 Table 6.4.4-1 gives 2.05 as the Read outcome, and on an Object the
    client returns "all the Object Instances for which the LwM2M Server has 'Read' access
    right", aggregated (TS Core 1.1 draft §7.1.2.4, "Operation on Object"), which may be none.
    A single resource (or resource instance) always has a value, so an empty answer there
    stays whatever the format makes of zero bytes (an empty string, empty opaque, or an error).
    """
    n = len(base.ids)
    if n < 3:
        return True
    if n == 3:
        rdef = resource_def(model, base)
        return rdef is not None and rdef.multiple
    return False


def check_shape(path: Path, rdef: "ResourceDef | None") -> None:
    """A multiple resource is addressed per instance, a single one never is."""
    if rdef is None:
        return
    if len(path.ids) == 3 and rdef.multiple:
        raise FormatError(f"{path} is a multiple resource: its values need resource-instance paths")
    if len(path.ids) == 4 and not rdef.multiple:
        raise FormatError(f"{path} addresses an instance of single resource {path.resource_path}")


def check_value_path(path: Path, base: Path) -> None:
    """A value-tree key: a resource or resource-instance path under ``base``."""
    n = len(path.ids)
    if n < 3:
        raise FormatError(f"a value needs a resource or resource-instance path, got {path}")
    if path.ids[: len(base.ids)] != base.ids:
        raise FormatError(f"{path} is outside the requested path {base}")


def single_entry(values: ValueTree, base: Path) -> tuple[Path, Value]:
    """The one value of a single-value format (text, opaque, CBOR): it must sit at ``base``."""
    if len(base.ids) < 3:
        raise FormatError(f"a single-value format needs a resource or resource-instance path, got {base}")
    if len(values) != 1:
        raise FormatError(f"a single-value format carries exactly one value, got {len(values)}")
    ((path, value),) = values.items()
    if path != base:
        raise FormatError(f"value at {path} does not sit at the requested path {base}")
    return path, value


def single_def(model: "TypeResolver | None", base: Path) -> "ResourceDef | None":
    """Model definition for a single-value format's base, refusing a whole multiple resource."""
    if len(base.ids) < 3:
        raise FormatError(f"a single-value format needs a resource or resource-instance path, got {base}")
    rdef = resource_def(model, base)
    check_shape(base, rdef)
    return rdef


@lru_cache(maxsize=8192)
def parse_name(name: str) -> Path:
    """An absolute LwM2M path written as a SenML/JSON name (``/3/0/1``); cached."""
    if not name.startswith("/"):
        raise FormatError(f"LwM2M names are absolute paths starting with '/': {name!r:.80}")
    return Path.parse(name)


def objlnk_from_text(text: object, path: Path | None = None) -> ObjLnk:
    """``"oid:iid"`` (TS Core Appendix C).  ``FFFF:FFFF`` (as in the JSON examples of
    TS Core 1.0 §6.4.4 / 1.2 §7.5.6) is read as the null link 65535:65535."""
    if type(text) is not str:
        raise FormatError(f"object link must be a string 'oid:iid' at {path}: {text!r:.60}")
    if text.upper() == "FFFF:FFFF":
        return ObjLnk(MAX_ID, MAX_ID)
    o, sep, i = text.partition(":")
    if not sep or not (o.isdigit() and i.isdigit() and o.isascii() and i.isascii()) or len(o) > 5 or len(i) > 5:
        raise FormatError(f"not an object link 'oid:iid' at {path}: {text!r:.60}")
    return ObjLnk(int(o), int(i))


def b64_std_decode(text: str, path: Path | None = None) -> bytes:
    """RFC 4648 §4 base64 with padding (TS Core Appendix C, Opaque in text/JSON)."""
    if not _B64_STD.match(text) or len(text) % 4:
        raise FormatError(f"not base64 (RFC 4648 §4) at {path}: {text!r:.60}")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise FormatError(f"not base64 at {path}: {text!r:.60}") from None


def b64_std_encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64url_decode(text: object, path: Path | None = None) -> bytes:
    """RFC 4648 §5 base64url without padding (RFC 8428 §4.3, SenML ``vd``)."""
    if type(text) is not str or not _B64_URL.match(text) or len(text) % 4 == 1:
        raise FormatError(f"vd must be base64url without padding (RFC 8428 §4.3): {text!r:.60}")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise FormatError(f"not base64url: {text!r:.60}") from None


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def group_by_resource(paths: Iterable[Path]) -> dict[Path, list[Path]]:
    """Resource path -> the value paths under it, in first-seen order."""
    out: dict[Path, list[Path]] = {}
    for p in paths:
        out.setdefault(Path(p.ids[:3]), []).append(p)
    return out


def encoding_type(path: Path, value: Value, model: "TypeResolver | None") -> tuple[Value, DataType]:
    """``value`` converted to the data type it is encoded as, and that type: the model's when it knows
    the resource (whose single/multiple shape is checked), else the one the Python value implies."""
    rdef = resource_def(model, path)
    if rdef is not None:
        check_shape(path, rdef)
        dtype = rdef.type
    else:
        dtype = kind_of(value)
    return to_type(value, dtype, path), dtype
