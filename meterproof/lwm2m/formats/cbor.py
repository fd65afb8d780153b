"""CBOR (Content-Format 60, ``application/cbor``): one resource or resource-instance value.

Follows OMA TS Core 1.1 §7.4.6 ("CBOR"; 1.2 §7.5.3) and RFC 8949: a single CBOR data item
per value, typed as follows:

* Integer: major type 0 or 1; Unsigned Integer: major type 0; Time: major type 0 or 1;
* Float: major type 7 (half, single or double); Boolean: simple values true/false;
* String and Corelnk: text string (major 3); Opaque: byte string (major 2);
* Objlnk: text string ``"oid:iid"``.

Decoding also tolerates a Time written with CBOR tag 1 (epoch) or tag 0 (RFC 3339 text), as
some clients do (e.g. Zephyr writes tag 0; TS Core 1.1.1 Appendix C Table C-2 describes Time in
CBOR as "date/time strings, as defined in Section 2.4.1 of [RFC7049]", 1.2 as "an unsigned
integer or a date/time string"); we always write a plain integer.

Numbers follow TS Core Appendix C Table C-2 (one column for CBOR, LwM2M CBOR and SenML CBOR
in 1.2): a float (major type 7) where the model says Integer, Unsigned Integer or Time is a
finding, even 3.0 (:func:`._common.float_for_integer`); an integer (major type 0/1) where it
says Float is accepted and read as that float: the conversion loses nothing up to 2**53, RFC
8428 §6 allows it outright in SenML CBOR, and Zephyr (PR #76721) and Leshan accept it too.

An empty payload at a path that holds no value of its own (an object without instances, see
:func:`._common.holds_no_value`) is an empty value tree; anywhere else it is not CBOR.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import cbor2

from ...errors import FormatError
from ..model.types import DataType
from ..path import Path
from ..values import ValueTree
from ._common import (
    INTEGRAL, float_for_integer, holds_no_value, kind_of, natural, objlnk_from_text, single_def, single_entry, to_type,
)

if TYPE_CHECKING:
    from ..model.types import TypeResolver

#: Nesting deeper than this is never LwM2M (LwM2M CBOR needs 5 levels); stops stack games.
MAX_DEPTH = 16


def loads(payload: bytes) -> Any:
    """Exactly one CBOR data item (RFC 8949 §5.1: a well-formed item, nothing after it).

    Raises only FormatError; rejects deep nesting, duplicate map keys and trailing bytes.
    """
    try:
        fp = io.BytesIO(payload)
        item = cbor2.CBORDecoder(fp, max_depth=MAX_DEPTH, allow_duplicate_keys=False).decode()
        end = fp.tell()
    except Exception as e:  # cbor2 raises CBORDecodeError, but tags can raise almost anything
        raise FormatError(f"not CBOR: {type(e).__name__}: {e}"[:200]) from None
    if end != len(payload):
        raise FormatError(f"{len(payload) - end} bytes after the CBOR data item")
    return item


def dumps(obj: Any) -> bytes:
    try:
        return cbor2.dumps(obj)
    except Exception as e:
        raise FormatError(f"cannot encode as CBOR: {e}"[:200]) from None


def to_cbor_item(value: object, dtype: DataType) -> object:
    """The CBOR item for a type-checked value (Objlnk becomes its text form)."""
    if dtype is DataType.OBJLNK:
        return str(value)
    return value


def from_cbor_item(item: object, dtype: DataType | None, path: Path) -> object:
    """Type a decoded CBOR item: check it against ``dtype`` when known."""
    if dtype is None:
        return natural(item, path)
    if dtype is DataType.OBJLNK:
        return objlnk_from_text(item, path)
    if type(item) is float and dtype in INTEGRAL:
        raise float_for_integer(path, dtype, f"the CBOR float {item!r} (major type 7)")
    return to_type(item, dtype, path)


def encode(values: ValueTree, base: Path, model: "TypeResolver | None" = None) -> bytes:
    path, value = single_entry(values, base)
    rdef = single_def(model, base)
    dtype = rdef.type if rdef is not None else kind_of(value)
    value = to_type(value, dtype, path)
    return dumps(to_cbor_item(value, dtype))


def decode(payload: bytes, base: Path, model: "TypeResolver | None" = None) -> ValueTree:
    if not payload and holds_no_value(base, model):
        return {}
    rdef = single_def(model, base)
    item = loads(payload)
    return {base: from_cbor_item(item, rdef.type if rdef is not None else None, base)}  # type: ignore[dict-item]


__all__ = ["encode", "decode", "loads", "dumps"]
