"""OMA TLV (Content-Format 11542, ``application/vnd.oma.lwm2m+tlv``).

Follows OMA TS Core 1.0 §6.4.3 / 1.1 §7.4.3 ("TLV", Table 21 / 7.4.3-1) and the binary
value forms of Appendix C.  Each entry is::

    Type (1 byte)  bits 7-6: 00 Object Instance, 01 Resource Instance,
                             10 Multiple Resource, 11 Resource with Value
                   bit 5:    identifier is 16 bits (else 8)
                   bits 4-3: 00 length in bits 2-0, 01/10/11 an 8/16/24-bit Length field
    Identifier (1 or 2 bytes), Length (0-3 bytes), Value (Length bytes)

Nesting (Figure 17 "TLV nesting"): an Object Instance holds Resources and Multiple
Resources; a Multiple Resource holds Resource Instances; nothing else nests.

What a payload holds depends on the request path (``base``): ``/o`` -> Object Instance
TLVs; ``/o/i`` -> Resource and Multiple Resource TLVs; ``/o/i/r`` -> one Resource or one
Multiple Resource TLV with id ``r``; ``/o/i/r/ri`` -> one Resource Instance TLV with id ``ri``.
Values are typed by the model; a resource the model does not know decodes to ``bytes``.

What the decoder leaves to the device, as TS Core leaves it: the order of resources and of
resource instances; a Multiple Resource with one instance or none; non-minimal Identifier and
Length fields (bits 2-0 of the Type are ignored when a Length field follows, Table 7.4.3-1);
integers of 1, 2, 4 or 8 bytes and floats of 4 or 8 (Appendix C); Opaque and String values of
zero bytes; an empty payload where the request path holds no value of its own (an object
without instances, :func:`._common.holds_no_value`).  What it holds the device to: the
nesting of Figure 17, lengths that fit, Appendix C value sizes (a 3-byte integer, a 2-byte
float, a Boolean other than 0/1 are findings), one value per path.

The encoder writes the shortest identifier and length fields and the narrowest integer
(1/2/4/8 bytes) and float (4 bytes when exact) encodings.  :func:`encode_tlv_records`,
:func:`decode_tlv_records` and :func:`tlv_header` work on records, below value trees (for the
fuzzer and for negative tests that need non-minimal headers).
"""

from __future__ import annotations

import enum
import struct
from typing import TYPE_CHECKING, Callable, NamedTuple, Sequence, Union

from ...errors import FormatError
from ..model.types import DataType
from ..path import Path
from ..values import ObjLnk, Value, ValueTree
from ._common import (
    INT64_MAX, INT64_MIN, UINT64_MAX, check_value_path, holds_no_value, kind_of, make_path, resource_def, to_type,
)

if TYPE_CHECKING:
    from ..model.types import ResourceDef, TypeResolver


class TlvType(enum.IntEnum):
    """Bits 7-6 of the Type byte."""

    OBJECT_INSTANCE = 0
    RESOURCE_INSTANCE = 1
    MULTIPLE_RESOURCE = 2
    RESOURCE = 3


_OI, _RI, _MR, _RES = 0, 1, 2, 3
#: kinds allowed inside a kind (Figure 17); None = holds a value, not TLVs
_CHILDREN: dict[int, frozenset[int] | None] = {
    _OI: frozenset((_RES, _MR)),
    _MR: frozenset((_RI,)),
    _RI: None,
    _RES: None,
}
_ANY = frozenset((_OI, _RI, _MR, _RES))
MAX_LENGTH = (1 << 24) - 1


class TlvRecord(NamedTuple):
    """One TLV: its kind, identifier, and value bytes or nested records."""

    type: TlvType
    id: int
    value: Union[bytes, tuple["TlvRecord", ...]]


# --------------------------------------------------------------------------- records


def _parse(buf: bytes, start: int, end: int, allowed: frozenset[int]) -> list[tuple[int, int, object]]:
    """Parse TLVs in ``buf[start:end]`` into ``(kind, id, bytes | list)`` tuples."""
    out: list[tuple[int, int, object]] = []
    append = out.append
    i = start
    while i < end:
        t = buf[i]
        kind = t >> 6
        if kind not in allowed:
            raise FormatError(f"TLV type {TlvType(kind).name} not allowed here (offset {i})")
        if t & 0x20:
            ident_end = i + 3
            if ident_end > end:
                raise FormatError(f"TLV header truncated at offset {i}")
            ident = (buf[i + 1] << 8) | buf[i + 2]
        else:
            ident_end = i + 2
            if ident_end > end:
                raise FormatError(f"TLV header truncated at offset {i}")
            ident = buf[i + 1]
        lt = t & 0x18
        if lt == 0:
            length = t & 7
            vstart = ident_end
        else:
            vstart = ident_end + (lt >> 3)
            if vstart > end:
                raise FormatError(f"TLV length field truncated at offset {i}")
            length = int.from_bytes(buf[ident_end:vstart], "big")
        vend = vstart + length
        if vend > end:
            raise FormatError(f"TLV at offset {i} claims {length} bytes but only {end - vstart} remain")
        children = _CHILDREN[kind]
        if children is None:
            append((kind, ident, buf[vstart:vend]))
        else:
            append((kind, ident, _parse(buf, vstart, vend, children)))
        i = vend
    return out


def _to_records(raw: list[tuple[int, int, object]]) -> list[TlvRecord]:
    return [
        TlvRecord(TlvType(k), ident, v if type(v) is bytes else tuple(_to_records(v)))  # type: ignore[arg-type]
        for k, ident, v in raw
    ]


def decode_tlv_records(payload: bytes) -> list[TlvRecord]:
    """Parse a TLV payload into records, enforcing lengths and Figure 17 nesting only."""
    try:
        buf = bytes(payload)
    except TypeError:
        raise FormatError("TLV payload is not bytes") from None
    return _to_records(_parse(buf, 0, len(buf), _ANY))


def tlv_header(kind: int, ident: int, length: int, *, id_size: int | None = None,
               length_size: int | None = None) -> bytes:
    """The Type, Identifier and Length bytes of one TLV.

    By default the shortest forms; ``id_size`` (1 or 2) and ``length_size`` (0 to 3 bytes of
    Length field) force others, e.g. for negative tests.
    """
    if not 0 <= kind <= 3:
        raise FormatError(f"TLV type {kind} is not 0..3")
    if id_size is None:
        id_size = 1 if ident <= 0xFF else 2
    if not 0 <= ident < (1 << (8 * id_size)) or id_size not in (1, 2):
        raise FormatError(f"TLV identifier {ident} does not fit {id_size} byte(s)")
    if length_size is None:
        length_size = 0 if length < 8 else 1 if length <= 0xFF else 2 if length <= 0xFFFF else 3
    if length_size == 0:
        if not 0 <= length < 8:
            raise FormatError(f"TLV length {length} does not fit the type byte")
        t = (kind << 6) | length
        tail = b""
    else:
        if length_size > 3 or not 0 <= length < (1 << (8 * length_size)):
            raise FormatError(f"TLV length {length} does not fit {length_size} byte(s)")
        t = (kind << 6) | (length_size << 3)
        tail = length.to_bytes(length_size, "big")
    if id_size == 2:
        t |= 0x20
    return bytes((t,)) + ident.to_bytes(id_size, "big") + tail


def _emit(kind: int, ident: int, body: bytes) -> bytes:
    n = len(body)
    if n > MAX_LENGTH:
        raise FormatError(f"TLV value of {n} bytes exceeds the 24-bit length field")
    if ident > 0xFF:
        if not 0 <= ident <= 0xFFFF:
            raise FormatError(f"TLV identifier {ident} out of range")
        t = (kind << 6) | 0x20
        idb = ident.to_bytes(2, "big")
    else:
        t = kind << 6
        idb = _BYTE[ident]
    if n < 8:
        return _BYTE[t | n] + idb + body
    if n <= 0xFF:
        return _BYTE[t | 0x08] + idb + _BYTE[n] + body
    if n <= 0xFFFF:
        return _BYTE[t | 0x10] + idb + n.to_bytes(2, "big") + body
    return _BYTE[t | 0x18] + idb + n.to_bytes(3, "big") + body


_BYTE = [bytes((b,)) for b in range(256)]


def encode_tlv_records(records: Sequence[TlvRecord | tuple[int, int, object]]) -> bytes:
    """Serialise records (nested values are sequences of records), shortest headers.

    Nesting is not checked here, so the fuzzer can build any structure.
    """
    parts: list[bytes] = []
    for kind, ident, value in records:
        if isinstance(value, (bytes, bytearray, memoryview)):
            body = bytes(value)
        else:
            body = encode_tlv_records(value)  # type: ignore[arg-type]
        parts.append(_emit(int(kind), ident, body))
    return b"".join(parts)


# --------------------------------------------------------------------------- values

_F32 = struct.Struct(">f")
_F64 = struct.Struct(">d")
_OBJLNK = struct.Struct(">HH")


def _int_bytes(v: int) -> bytes:
    if -0x80 <= v <= 0x7F:
        n = 1
    elif -0x8000 <= v <= 0x7FFF:
        n = 2
    elif -0x80000000 <= v <= 0x7FFFFFFF:
        n = 4
    elif INT64_MIN <= v <= INT64_MAX:
        n = 8
    else:
        raise FormatError(f"integer {v} does not fit 64 bits")
    return v.to_bytes(n, "big", signed=True)


def _uint_bytes(v: int) -> bytes:
    if not 0 <= v <= UINT64_MAX:
        raise FormatError(f"unsigned integer {v} out of range")
    n = 1 if v <= 0xFF else 2 if v <= 0xFFFF else 4 if v <= 0xFFFFFFFF else 8
    return v.to_bytes(n, "big")


def _float_bytes(v: float) -> bytes:
    try:
        b = _F32.pack(v)
        if _F32.unpack(b)[0] == v or v != v:
            return b
    except OverflowError:
        pass
    return _F64.pack(v)


def value_bytes(value: Value, dtype: DataType) -> bytes:
    """The Appendix C binary form of a type-checked value."""
    if dtype is DataType.STRING or dtype is DataType.CORELNK:
        return value.encode("utf-8")  # type: ignore[union-attr]
    if dtype is DataType.INTEGER or dtype is DataType.TIME:
        return _int_bytes(value)  # type: ignore[arg-type]
    if dtype is DataType.UNSIGNED_INTEGER:
        return _uint_bytes(value)  # type: ignore[arg-type]
    if dtype is DataType.FLOAT:
        return _float_bytes(value)  # type: ignore[arg-type]
    if dtype is DataType.BOOLEAN:
        return b"\x01" if value else b"\x00"
    if dtype is DataType.OPAQUE:
        return value  # type: ignore[return-value]
    if dtype is DataType.OBJLNK:
        return _OBJLNK.pack(value.object_id, value.instance_id)  # type: ignore[union-attr]
    raise FormatError(f"no TLV value form for data type {dtype.value}")


def _dec_int(b: bytes, path: Path) -> int:
    if len(b) not in (1, 2, 4, 8):
        raise FormatError(f"TLV integer at {path} is {len(b)} bytes, not 1, 2, 4 or 8")
    return int.from_bytes(b, "big", signed=True)


def _dec_uint(b: bytes, path: Path) -> int:
    if len(b) not in (1, 2, 4, 8):
        raise FormatError(f"TLV unsigned integer at {path} is {len(b)} bytes, not 1, 2, 4 or 8")
    return int.from_bytes(b, "big")


def _dec_float(b: bytes, path: Path) -> float:
    if len(b) == 8:
        return _F64.unpack(b)[0]  # type: ignore[no-any-return]
    if len(b) == 4:
        return _F32.unpack(b)[0]  # type: ignore[no-any-return]
    raise FormatError(f"TLV float at {path} is {len(b)} bytes, not 4 or 8")


def _dec_bool(b: bytes, path: Path) -> bool:
    if b == b"\x01":
        return True
    if b == b"\x00":
        return False
    raise FormatError(f"TLV boolean at {path} must be one byte 0 or 1, got {b.hex()}")


def _dec_str(b: bytes, path: Path) -> str:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"TLV string at {path} is not UTF-8") from None


def _dec_objlnk(b: bytes, path: Path) -> ObjLnk:
    if len(b) != 4:
        raise FormatError(f"TLV object link at {path} is {len(b)} bytes, not 4")
    return ObjLnk(*_OBJLNK.unpack(b))


def _dec_opaque(b: bytes, path: Path) -> bytes:
    return b


def _dec_none(b: bytes, path: Path) -> Value:
    raise FormatError(f"resource {path} is executable: it has no value, and a value for it (such as this one) is not a valid representation")


_DECODERS: dict[DataType, Callable[[bytes, Path], Value]] = {
    DataType.STRING: _dec_str,
    DataType.CORELNK: _dec_str,
    DataType.INTEGER: _dec_int,
    DataType.TIME: _dec_int,
    DataType.UNSIGNED_INTEGER: _dec_uint,
    DataType.FLOAT: _dec_float,
    DataType.BOOLEAN: _dec_bool,
    DataType.OPAQUE: _dec_opaque,
    DataType.OBJLNK: _dec_objlnk,
    DataType.NONE: _dec_none,
}


def value_from_bytes(b: bytes, dtype: DataType | None, path: Path) -> Value:
    """Decode one TLV value of type ``dtype`` (bytes when the type is unknown)."""
    if dtype is None:
        return b
    return _DECODERS[dtype](b, path)


# --------------------------------------------------------------------------- value trees


def _resource_into(tree: ValueTree, oid: int, iid: int, rec: tuple[int, int, object],
                   model: "TypeResolver | None") -> None:
    kind, rid, value = rec
    rpath = make_path((oid, iid, rid))  # ids come from the base path and 8/16-bit TLV fields
    rdef = model.resource_def(rpath) if model is not None else None
    dec = _DECODERS[rdef.type] if rdef is not None else _dec_opaque
    n = len(tree)
    if kind == _RES:
        if rdef is not None and rdef.multiple:
            raise FormatError(f"{rpath} is a multiple resource but came as a single Resource TLV")
        tree[rpath] = dec(value, rpath)  # type: ignore[arg-type]
        if len(tree) == n:
            raise FormatError(f"{rpath} appears twice")
        return
    if rdef is not None and not rdef.multiple:
        raise FormatError(f"{rpath} is a single resource but came as a Multiple Resource TLV")
    for _, riid, v in value:  # type: ignore[union-attr]
        p = make_path((oid, iid, rid, riid))
        tree[p] = dec(v, p)
        n += 1
        if len(tree) != n:
            raise FormatError(f"{p} appears twice")


def decode(payload: bytes, base: Path, model: "TypeResolver | None" = None) -> ValueTree:
    try:
        buf = bytes(payload)
    except TypeError:
        raise FormatError("TLV payload is not bytes") from None
    ids = base.ids
    depth = len(ids)
    tree: ValueTree = {}
    if depth == 1:
        oid = ids[0]
        seen: set[int] = set()
        for _, iid, resources in _parse(buf, 0, len(buf), frozenset((_OI,))):
            if iid in seen:
                raise FormatError(f"object instance /{oid}/{iid} appears twice")
            seen.add(iid)
            for rec in resources:  # type: ignore[union-attr]
                _resource_into(tree, oid, iid, rec, model)
    elif depth == 2:
        oid, iid = ids
        if buf and buf[0] >> 6 == _OI:
            # The ETS (int-203 pass criteria) shows a Read of /o/i answered as one Object Instance
            # TLV wrapping the resources; TS Core's own example sends the resources bare.  Both are
            # in the field, so both decode, as long as the wrapper names the requested instance.
            wrapped = _parse(buf, 0, len(buf), frozenset((_OI,)))
            if len(wrapped) != 1 or wrapped[0][1] != iid:
                raise FormatError(f"a TLV for {base} may wrap its resources in one Object Instance {iid}, "
                                  f"got {[w[1] for w in wrapped]}")
            for rec in wrapped[0][2]:  # type: ignore[union-attr]
                _resource_into(tree, oid, iid, rec, model)
            return tree
        for rec in _parse(buf, 0, len(buf), frozenset((_RES, _MR))):
            _resource_into(tree, oid, iid, rec, model)
    elif depth == 3:
        if not buf and holds_no_value(base, model):
            return tree  # a multiple resource without instances, sent as nothing at all
        recs = _parse(buf, 0, len(buf), frozenset((_RES, _MR)))
        if len(recs) != 1:
            raise FormatError(f"a TLV for {base} holds exactly one Resource or Multiple Resource, got {len(recs)}")
        if recs[0][1] != ids[2]:
            raise FormatError(f"TLV resource id {recs[0][1]} does not match the requested {base}")
        _resource_into(tree, ids[0], ids[1], recs[0], model)
    elif depth == 4:
        recs = _parse(buf, 0, len(buf), frozenset((_RI,)))
        if len(recs) != 1:
            raise FormatError(f"a TLV for {base} holds exactly one Resource Instance, got {len(recs)}")
        _, riid, value = recs[0]
        if riid != ids[3]:
            raise FormatError(f"TLV resource instance id {riid} does not match the requested {base}")
        rdef = resource_def(model, base)
        if rdef is not None and not rdef.multiple:
            raise FormatError(f"{base.resource_path} is a single resource; it has no instances")
        tree[base] = value_from_bytes(value, rdef.type if rdef is not None else None, base)  # type: ignore[arg-type]
    else:
        raise FormatError("TLV needs an object, instance, resource or resource-instance path, not /")
    return tree


def _value_body(path: Path, value: Value, rdef: "ResourceDef | None") -> bytes:
    dtype = rdef.type if rdef is not None else kind_of(value)
    return value_bytes(to_type(value, dtype, path), dtype)


def _resource_tlv(rpath: Path, items: list[tuple[Path, Value]], model: "TypeResolver | None") -> bytes:
    rdef = resource_def(model, rpath)
    rid = rpath.ids[2]
    single = len(items) == 1 and len(items[0][0].ids) == 3
    if single:
        if rdef is not None and rdef.multiple:
            raise FormatError(f"{rpath} is a multiple resource: give values per resource instance")
        return _emit(_RES, rid, _value_body(rpath, items[0][1], rdef))
    if rdef is not None and not rdef.multiple:
        raise FormatError(f"{rpath} is a single resource; it has no instances")
    parts = []
    for p, v in items:
        if len(p.ids) != 4:
            raise FormatError(f"{rpath} has both a value and resource-instance values")
        parts.append(_emit(_RI, p.ids[3], _value_body(p, v, rdef)))
    return _emit(_MR, rid, b"".join(parts))


def _instance_body(items: dict[Path, list[tuple[Path, Value]]], model: "TypeResolver | None") -> bytes:
    return b"".join(_resource_tlv(rpath, its, model) for rpath, its in items.items())


def encode(values: ValueTree, base: Path, model: "TypeResolver | None" = None) -> bytes:
    depth = len(base.ids)
    if depth == 0:
        raise FormatError("TLV needs an object, instance, resource or resource-instance path, not /")
    if depth == 4:
        if len(values) != 1 or base not in values:
            raise FormatError(f"a TLV for {base} carries exactly the value at {base}")
        rdef = resource_def(model, base)
        if rdef is not None and not rdef.multiple:
            raise FormatError(f"{base.resource_path} is a single resource; it has no instances")
        return _emit(_RI, base.ids[3], _value_body(base, values[base], rdef))
    # group: instance -> resource -> [(path, value)]
    groups: dict[int, dict[Path, list[tuple[Path, Value]]]] = {}
    for path, value in values.items():
        check_value_path(path, base)
        groups.setdefault(path.ids[1], {}).setdefault(Path(path.ids[:3]), []).append((path, value))
    if depth == 1:
        return b"".join(_emit(_OI, iid, _instance_body(res, model)) for iid, res in groups.items())
    if depth == 2:
        return b"".join(_instance_body(res, model) for res in groups.values())
    # depth 3: one resource
    if not values:
        rdef = resource_def(model, base)
        if rdef is not None and rdef.multiple:
            return _emit(_MR, base.ids[2], b"")
        raise FormatError(f"no value for {base}")
    ((_, res),) = groups.items()
    return _instance_body(res, model)


__all__ = [
    "TlvType", "TlvRecord", "encode", "decode", "encode_tlv_records", "decode_tlv_records",
    "tlv_header", "value_bytes", "value_from_bytes",
]
