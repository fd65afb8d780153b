"""LwM2M content formats: one module per format, pure functions between bytes and value trees.

Every value-tree codec module exposes the same two functions::

    encode(values: ValueTree, base: Path, model: TypeResolver | None = None) -> bytes
    decode(payload: bytes, base: Path, model: TypeResolver | None = None) -> ValueTree

``base`` is the path the payload answers (the request URI: ``/3``, ``/3/0``,
``/3/0/7`` or ``/3/0/7/1``); keys of the value tree are absolute resource or
resource-instance paths under it.  ``model`` types the values of formats that
are not self-describing (TLV, text, opaque) and checks types of those that are.
The one exception a decoder raises, on any input whatsoever, is
:class:`meterproof.errors.FormatError`.

This package's registry maps Content-Format numbers to modules, so callers say
``formats.decode(CF.TLV, payload, base, model)``.

Formats that carry time-stamped values (SenML JSON/CBOR, LwM2M 1.0 JSON) also expose
``decode_series(payload, base, model, now) -> list[Record]``: every record in payload order
with its time.  :func:`decode_series` here works for every format (the others give one
untimed record per value), and :func:`..values.latest` folds a series into a value tree.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from ...errors import FormatError
from ..contentformat import CF
from ..values import Record, latest
from ._common import holds_no_value

if TYPE_CHECKING:
    from ..model.types import TypeResolver
    from ..path import Path
    from ..values import ValueTree


def _registry() -> dict[int, ModuleType]:
    from . import cbor, lwm2m_cbor, oma_json, opaque, senml_cbor, senml_json, text, tlv

    return {
        CF.TEXT: text,
        CF.LEGACY_TEXT: text,
        CF.OPAQUE: opaque,
        CF.CBOR: cbor,
        CF.TLV: tlv,
        CF.LEGACY_TLV: tlv,
        CF.OMA_JSON: oma_json,
        CF.LEGACY_JSON: oma_json,
        CF.SENML_JSON: senml_json,
        CF.SENML_CBOR: senml_cbor,
        CF.LWM2M_CBOR: lwm2m_cbor,
    }


_CODECS: dict[int, ModuleType] | None = None


def codec(cf: int) -> ModuleType:
    """The codec module for a Content-Format number; FormatError if we have none."""
    global _CODECS
    if _CODECS is None:
        _CODECS = _registry()
    try:
        return _CODECS[int(cf)]
    except (KeyError, ValueError, TypeError):
        raise FormatError(f"no value codec for content format {cf!r}") from None


def supported() -> list[int]:
    codec(CF.TEXT)
    assert _CODECS is not None
    return sorted(_CODECS)


def encode(cf: int, values: "ValueTree", base: "Path", model: "TypeResolver | None" = None) -> bytes:
    return codec(cf).encode(values, base, model)


def decode(cf: int, payload: bytes, base: "Path", model: "TypeResolver | None" = None) -> "ValueTree":
    return codec(cf).decode(payload, base, model)


def decode_series(cf: int, payload: bytes, base: "Path", model: "TypeResolver | None" = None,
                  now: float | None = None) -> list[Record]:
    """Every value of a payload with its time, in payload order (see the module docstring);
    ``now`` (the receiver's clock, Unix seconds) turns relative times into absolute ones."""
    mod = codec(cf)
    series = getattr(mod, "decode_series", None)
    if series is not None:
        return series(payload, base, model, now)  # type: ignore[no-any-return]
    return [Record(p, v) for p, v in mod.decode(payload, base, model).items()]


__all__ = ["codec", "supported", "encode", "decode", "decode_series", "holds_no_value", "latest", "Record"]
