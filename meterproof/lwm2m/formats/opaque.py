"""Opaque (Content-Format 42, ``application/octet-stream``): one Opaque value, the raw bytes.

Follows OMA TS Core 1.0 §6.4.2 / 1.1 §7.4.2 ("Opaque"): used for Read and Write of a
single resource (or resource instance) whose value is a sequence of octets, such as a
firmware image.  With a model, the resource must be of type Opaque.  Zero bytes are a valid
Opaque value (Appendix C sets no minimum length); at a path without a value of its own (a Read
of an object with no instances, :func:`._common.holds_no_value`) they are an empty value tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import FormatError
from ..model.types import DataType
from ..path import Path
from ..values import ValueTree
from ._common import holds_no_value, single_def, single_entry

if TYPE_CHECKING:
    from ..model.types import TypeResolver


def _check(model: "TypeResolver | None", base: Path) -> None:
    rdef = single_def(model, base)
    if rdef is not None and rdef.type is not DataType.OPAQUE:
        raise FormatError(f"{base} is of type {rdef.type.value}, not Opaque")


def encode(values: ValueTree, base: Path, model: "TypeResolver | None" = None) -> bytes:
    _, value = single_entry(values, base)
    _check(model, base)
    if type(value) is not bytes:
        raise FormatError(f"the opaque format carries bytes, not {type(value).__name__}")
    return value


def decode(payload: bytes, base: Path, model: "TypeResolver | None" = None) -> ValueTree:
    if not payload and holds_no_value(base, model):
        return {}
    _check(model, base)
    try:
        return {base: bytes(payload)}
    except TypeError:
        raise FormatError("payload is not bytes") from None
