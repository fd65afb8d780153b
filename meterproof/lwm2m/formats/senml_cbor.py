"""SenML CBOR (Content-Format 112, ``application/senml+cbor``).

Follows RFC 8428 §6 (CBOR representation; Table 6 integer labels bver -1, bn -2, bt -3, bu -4,
bv -5, bs -6, n 0, u 1, v 2, vs 3, vb 4, s 5, t 6, ut 7, vd 8; ``vd`` is a byte string; other
fields keep their string labels) as profiled by OMA TS Core 1.1 §7.4.5 (1.2 §7.5.7), which adds
the string label ``"vlo"`` for object links.  Resolution and typing
live in :mod:`.senml`; CBOR parsing is cbor2's.

Same API as :mod:`.senml_json`: value-tree ``encode``/``decode``, ``decode_series`` (every
record with its time), ``encode_records`` / ``decode_records`` and ``encode_paths`` /
``decode_paths``.  Unlike SenML JSON, numbers are typed: a float where the model wants an
Integer, Unsigned Integer or Time is a finding (TS Core Appendix C Table C-2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ...errors import FormatError
from ..path import Path
from ..values import ValueTree
from . import senml
from ._common import holds_no_value
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
    """The value tree under ``base``; a path sent several times holds its most recent value."""
    if not payload and holds_no_value(base, model):
        return {}  # nothing to report (see _common.holds_no_value)
    # "[]" decodes to {} as well: RFC 8428 §11's CDDL wants one record or more, but a Read of an
    # object without instances has no other SenML for "nothing"
    return senml.tree_from_pack(loads(payload), CBOR_LABELS, _vd_decode, base, model)


def decode_series(payload: bytes, base: Path = Path(), model: "TypeResolver | None" = None,
                  now: float | None = None) -> list[Record]:
    """Every record in payload order, with its time; relative times (RFC 8428 §4.5.3) become
    Unix seconds when ``now`` (the receiver's clock) is given."""
    if not payload and holds_no_value(base, model):
        return []
    return senml.series_from_pack(loads(payload), CBOR_LABELS, _vd_decode, base, model, now)


def encode_records(records: Iterable[Record], model: "TypeResolver | None" = None) -> bytes:
    return dumps(senml.pack_from_records(records, model, CBOR_LABELS, _vd_encode))


def decode_records(payload: bytes, model: "TypeResolver | None" = None) -> list[Record]:
    return senml.records_from_pack(loads(payload), CBOR_LABELS, _vd_decode, model)


def encode_paths(paths: Sequence[Path]) -> bytes:
    return dumps(senml.pack_from_paths(paths, CBOR_LABELS))


def decode_paths(payload: bytes) -> list[Path]:
    return senml.paths_from_pack(loads(payload), CBOR_LABELS, _vd_decode)


__all__ = ["encode", "decode", "decode_series", "encode_records", "decode_records", "encode_paths", "decode_paths", "Record"]
