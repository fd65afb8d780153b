"""SenML CBOR (Content-Format 112, ``application/senml+cbor``).

Follows RFC 8428 §6 (CBOR representation: integer labels bn -2, bt -3, n 0, v 2, vs 3,
vb 4, t 6, vd 8; ``vd`` is a byte string) as profiled by OMA TS Core 1.1 §7.4.5 (1.2
§7.5.7), which adds the string label ``"vlo"`` for object links.  Resolution and typing
live in :mod:`.senml`; CBOR parsing is cbor2's.

Same API as :mod:`.senml_json`: value-tree ``encode``/``decode``, ``encode_records`` /
``decode_records`` and ``encode_paths`` / ``decode_paths``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ...errors import FormatError
from ..path import Path
from ..values import ValueTree
from . import senml
from .cbor import dumps, loads
from .senml import CBOR_LABELS, Record

if TYPE_CHECKING:
    from ..model.types import TypeResolver


def _vd_decode(x: Any) -> bytes:
    if type(x) is not bytes:
        raise FormatError("SenML CBOR vd must be a byte string (RFC 8428 §6)")
    return x


def _vd_encode(b: bytes) -> bytes:
    return b


def encode(values: ValueTree, base: Path, model: "TypeResolver | None" = None) -> bytes:
    return dumps(senml.pack_from_tree(values, base, model, CBOR_LABELS, _vd_encode))


def decode(payload: bytes, base: Path, model: "TypeResolver | None" = None) -> ValueTree:
    return senml.tree_from_pack(loads(payload), CBOR_LABELS, _vd_decode, base, model)


def encode_records(records: Iterable[Record], model: "TypeResolver | None" = None) -> bytes:
    return dumps(senml.pack_from_records(records, model, CBOR_LABELS, _vd_encode))


def decode_records(payload: bytes, model: "TypeResolver | None" = None) -> list[Record]:
    return senml.records_from_pack(loads(payload), CBOR_LABELS, _vd_decode, model)


def encode_paths(paths: Sequence[Path]) -> bytes:
    return dumps(senml.pack_from_paths(paths, CBOR_LABELS))


def decode_paths(payload: bytes) -> list[Path]:
    return senml.paths_from_pack(loads(payload), CBOR_LABELS, _vd_decode)


__all__ = ["encode", "decode", "encode_records", "decode_records", "encode_paths", "decode_paths", "Record"]
