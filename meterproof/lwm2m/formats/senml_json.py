"""SenML JSON (Content-Format 110, ``application/senml+json``).

Follows RFC 8428 §4-§5 (JSON representation) as profiled by OMA TS Core 1.1 §7.4.4 (1.2
§7.5.6): a JSON array of records; ``vd`` is base64url without padding (RFC 8428 §4.3);
object links travel in LwM2M's ``vlo``.  Resolution and typing live in :mod:`.senml`.

JSON has a single Number type, so ``3.0`` for an Integer and ``3`` for a Float both decode
(TS Core Appendix C Table C-2: "Represented as a number"); a fraction for an Integer does not.

Besides the value-tree ``encode``/``decode``: :func:`decode_series` (every record with its
time: historical notifications, Send), :func:`decode_records`/:func:`encode_records`
(Send and notifications with timestamps) and :func:`decode_paths`/:func:`encode_paths`
(Read-Composite and Observe-Composite request bodies).  Write-Composite bodies are value
trees with absolute names: ``encode(tree, Path())``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ...errors import FormatError
from ..path import Path
from ..values import ValueTree
from . import senml
from ._common import b64url_decode, b64url_encode, holds_no_value
from .senml import JSON_LABELS, Record

if TYPE_CHECKING:
    from ..model.types import TypeResolver


def _reject_constant(name: str) -> Any:
    raise FormatError(f"JSON constant {name} is not allowed")


def _load(payload: bytes) -> Any:
    try:
        text = bytes(payload).decode("utf-8")
        return json.loads(text, parse_constant=_reject_constant)
    except FormatError:
        raise
    except (UnicodeDecodeError, ValueError, TypeError, RecursionError) as e:
        raise FormatError(f"not SenML JSON: {e}"[:200]) from None


def _dump(pack: Any) -> bytes:
    try:
        return json.dumps(pack, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (ValueError, TypeError) as e:
        raise FormatError(f"cannot encode SenML JSON: {e}") from None


def encode(values: ValueTree, base: Path, model: "TypeResolver | None" = None) -> bytes:
    return _dump(senml.pack_from_tree(values, base, model, JSON_LABELS, b64url_encode))


def decode(payload: bytes, base: Path, model: "TypeResolver | None" = None) -> ValueTree:
    """The value tree under ``base``; a path sent several times holds its most recent value."""
    if not payload and holds_no_value(base, model):
        return {}  # nothing to report (see _common.holds_no_value)
    # "[]" decodes to {} as well: RFC 8428 §11's CDDL wants one record or more, but a Read of an
    # object without instances has no other SenML for "nothing"
    return senml.tree_from_pack(_load(payload), JSON_LABELS, b64url_decode, base, model)


def decode_series(payload: bytes, base: Path = Path(), model: "TypeResolver | None" = None,
                  now: float | None = None) -> list[Record]:
    """Every record in payload order, with its time; relative times (RFC 8428 §4.5.3) become
    Unix seconds when ``now`` (the receiver's clock) is given."""
    if not payload and holds_no_value(base, model):
        return []
    return senml.series_from_pack(_load(payload), JSON_LABELS, b64url_decode, base, model, now)


def encode_records(records: Iterable[Record], model: "TypeResolver | None" = None) -> bytes:
    return _dump(senml.pack_from_records(records, model, JSON_LABELS, b64url_encode))


def decode_records(payload: bytes, model: "TypeResolver | None" = None) -> list[Record]:
    return senml.records_from_pack(_load(payload), JSON_LABELS, b64url_decode, model)


def encode_paths(paths: Sequence[Path]) -> bytes:
    return _dump(senml.pack_from_paths(paths, JSON_LABELS))


def decode_paths(payload: bytes) -> list[Path]:
    return senml.paths_from_pack(_load(payload), JSON_LABELS, b64url_decode)


__all__ = ["encode", "decode", "decode_series", "encode_records", "decode_records", "encode_paths", "decode_paths", "Record"]
