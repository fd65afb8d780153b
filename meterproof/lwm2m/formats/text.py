"""Plain text (Content-Format 0, ``text/plain;charset=utf-8``): one resource or resource-instance value.

Follows OMA TS Core 1.0 §6.4.1 / 1.1 §7.4.1 ("Plain Text") with the per-type text forms of
TS Core Appendix C:

* Integer, Unsigned Integer, Time: ASCII decimal integer (``-750``, ``1476186613``);
* Float: ASCII decimal number (``0.00000000006667``); we write positional notation and
  read an optional exponent too;
* Boolean: ``1`` or ``0``;
* Opaque: base64 with padding (RFC 4648 §4; ``AQIDBAU=``);
* Objlnk: ``oid:iid``; String and Corelnk: the UTF-8 text itself.

Plain text is not self-describing: without a model the value is returned as ``str``.

Leniency, each where Appendix C leaves room: a sign ``+`` before a number and leading zeros
("ASCII signed integer" says nothing against either); an exponent in a Float.  Strictness,
where Appendix C is exact: a Boolean is ``1`` or ``0`` (not ``true``), Opaque is padded
base64.  An empty payload at a path without a value of its own (a Read of an object with no
instances, :func:`._common.holds_no_value`) is an empty value tree.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from ...errors import FormatError
from ..model.types import DataType
from ..path import Path
from ..values import Value, ValueTree
from ._common import (
    b64_std_decode,
    b64_std_encode,
    holds_no_value,
    kind_of,
    objlnk_from_text,
    single_def,
    single_entry,
    to_type,
)

if TYPE_CHECKING:
    from ..model.types import TypeResolver

_INT = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


def format_float(x: float) -> str:
    """Shortest round-tripping positional decimal (no exponent), as Appendix C shows."""
    if not math.isfinite(x):
        raise FormatError(f"plain text cannot carry a non-finite Float: {x!r}")
    s = repr(x)
    if "e" in s or "E" in s:
        s = format(Decimal(s), "f")
    return s


def value_to_text(value: Value, dtype: DataType) -> str:
    """The Appendix C text form of an already type-checked value."""
    if dtype is DataType.BOOLEAN:
        return "1" if value else "0"
    if dtype is DataType.FLOAT:
        return format_float(value)  # type: ignore[arg-type]
    if dtype is DataType.OPAQUE:
        return b64_std_encode(value)  # type: ignore[arg-type]
    if dtype is DataType.OBJLNK:
        return str(value)
    if dtype in (DataType.INTEGER, DataType.UNSIGNED_INTEGER, DataType.TIME):
        return str(int(value))  # type: ignore[arg-type]
    return value  # type: ignore[return-value]  # String, Corelnk


def text_to_value(text: str, dtype: DataType, path: Path | None = None) -> Value:
    """Read the Appendix C text form of a value of type ``dtype``."""
    if dtype in (DataType.STRING, DataType.CORELNK):
        return text
    if dtype in (DataType.INTEGER, DataType.UNSIGNED_INTEGER, DataType.TIME):
        if not _INT.match(text) or len(text.lstrip("+-").lstrip("0")) > 20:
            raise FormatError(f"not a decimal integer at {path}: {text!r:.60}")
        return to_type(int(text), dtype, path)
    if dtype is DataType.FLOAT:
        if not _FLOAT.match(text) or len(text) > 400:
            raise FormatError(f"not a decimal number at {path}: {text!r:.60}")
        x = float(text)
        if not math.isfinite(x):
            raise FormatError(f"Float out of range at {path}: {text!r:.60}")
        return x
    if dtype is DataType.BOOLEAN:
        if text == "1":
            return True
        if text == "0":
            return False
        raise FormatError(f"a Boolean in plain text is '1' or '0' at {path}: {text!r:.60}")
    if dtype is DataType.OPAQUE:
        return b64_std_decode(text, path)
    if dtype is DataType.OBJLNK:
        return objlnk_from_text(text, path)
    raise FormatError(f"resource {path} is executable: it has no value, and a value for it (such as this one) is not a valid representation")


def encode(values: ValueTree, base: Path, model: "TypeResolver | None" = None) -> bytes:
    path, value = single_entry(values, base)
    rdef = single_def(model, base)
    dtype = rdef.type if rdef is not None else kind_of(value)
    value = to_type(value, dtype, path)
    return value_to_text(value, dtype).encode("utf-8")


def decode(payload: bytes, base: Path, model: "TypeResolver | None" = None) -> ValueTree:
    if not payload and holds_no_value(base, model):
        return {}
    rdef = single_def(model, base)
    try:
        text = bytes(payload).decode("utf-8")
    except (UnicodeDecodeError, TypeError):
        raise FormatError("plain text payload is not UTF-8") from None
    if rdef is None:
        return {base: text}
    return {base: text_to_value(text, rdef.type, base)}


__all__ = ["encode", "decode", "format_float", "value_to_text", "text_to_value"]
