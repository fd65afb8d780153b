"""Content negotiation and (de)serialisation of the meter's values, with the format defects.

Which Content-Formats a meter serves depends on its LwM2M version (TS Core
1.0 §6.4, 1.1 §7.4, 1.2 §7.5): text 0, opaque 42, TLV 11542 and OMA JSON 11543
always; CBOR 60, SenML JSON 110 and SenML CBOR 112 from 1.1; LwM2M CBOR 11544
from 1.2.  Without Accept a single resource of a simple type is text (opaque
resources: 42), anything else TLV for 1.0 and SenML CBOR for 1.1+.  An Accept
we do not serve, or cannot use for that shape (text for an instance), is 4.06;
a write in a format we do not read is 4.15; a payload that does not decode 4.00.

Variants (:mod:`.variants`): ``senml-cbor-default`` answers everything without
Accept in the meter's preferred multi-value format (SenML CBOR, 1.0: TLV), single
resources included; ``composite-reordered`` writes SenML records last path first.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import cbor2
from aiocoap.numbers import codes

from ..errors import FormatError
from ..lwm2m import formats
from ..lwm2m.contentformat import CF
from ..lwm2m.formats import tlv
from ..lwm2m.model.types import DataType, ResourceDef
from ..lwm2m.path import Path
from ..lwm2m.values import ValueTree
from .store import StoreError

if TYPE_CHECKING:
    from ..lwm2m.model.types import TypeResolver

SINGLE_VALUE = (CF.TEXT, CF.OPAQUE, CF.CBOR)
SENML = (CF.SENML_JSON, CF.SENML_CBOR)


def served(lwm2m: str) -> tuple[int, ...]:
    out = [CF.TEXT, CF.OPAQUE, CF.TLV, CF.OMA_JSON]
    if lwm2m != "1.0":
        out += [CF.CBOR, CF.SENML_JSON, CF.SENML_CBOR]
    if lwm2m == "1.2":
        out.append(CF.LWM2M_CBOR)
    return tuple(out)


def _usable(cf: int, single: ResourceDef | None) -> bool:
    """Can ``cf`` carry this shape? ``single``: the definition when the target is one value."""
    if cf == CF.OPAQUE:
        return single is not None and single.type is DataType.OPAQUE
    if cf in (CF.TEXT, CF.CBOR):
        return single is not None and single.type is not DataType.NONE
    return True


def single_value_def(base: Path, model: "TypeResolver") -> ResourceDef | None:
    """The resource definition when ``base`` names exactly one value, else None."""
    if len(base) < 3:
        return None
    rdef = model.resource_def(base)
    if rdef is None:
        return None
    if len(base) == 3 and rdef.multiple:
        return None
    return rdef


def choose(accept: int | None, base: Path, model: "TypeResolver", lwm2m: str, defects: frozenset[str],
           variants: frozenset[str] = frozenset()) -> int:
    """The Content-Format to answer a read of ``base`` with; StoreError 4.06 if none fits."""
    single = single_value_def(base, model)
    if accept is None:
        return _default(single, lwm2m, variants)
    if accept in served(lwm2m) and _usable(accept, single):
        return int(accept)
    if "unsupported-accept-not-406" in defects or (accept == CF.TEXT and "text-accept-answered-in-default" in defects):
        return _default(single, lwm2m, variants)     # ignores Accept and answers anyway
    raise StoreError(codes.NOT_ACCEPTABLE, f"cannot answer {base} in content format {accept}")


def _default(single: ResourceDef | None, lwm2m: str, variants: frozenset[str] = frozenset()) -> int:
    """The meter's own preferred format (TS Core 1.1 §7.4: used when the server sends no Accept)."""
    if single is not None and "senml-cbor-default" not in variants:
        return CF.OPAQUE if single.type is DataType.OPAQUE else CF.TEXT
    return CF.TLV if lwm2m == "1.0" else CF.SENML_CBOR


def encode(cf: int, values: ValueTree, base: Path, model: "TypeResolver", defects: frozenset[str],
           variants: frozenset[str] = frozenset()) -> bytes:
    """Encode a read / notification payload; defects shape the bytes as the vendor bug would."""
    if cf in SENML and "composite-reordered" in variants:
        values = dict(reversed(list(values.items())))      # RFC 8428: records in any order
    try:
        if cf == CF.TEXT and "text-boolean-words" in defects and len(values) == 1:
            (value,) = values.values()
            if isinstance(value, bool):
                return b"true" if value else b"false"
        if cf == CF.CBOR and "cbor-boolean-as-int" in defects:
            values = {p: int(v) if isinstance(v, bool) else v for p, v in values.items()}
            return formats.encode(cf, values, base, None)
        if cf == CF.SENML_CBOR and "cbor-float-truncated" in defects:
            values = {p: int(v) if isinstance(v, float) else v for p, v in values.items()}
            payload = formats.encode(cf, values, base, None)
        else:
            payload = formats.encode(cf, values, base, model)
        if cf in SENML and len(base) and "senml-basename-wrong" in defects:
            payload = _strip_basename_slash(cf, payload)
        if cf == CF.TLV and "tlv-length-off-by-one" in defects:
            payload = _tlv_lengths_plus_one(payload)
        return payload
    except FormatError as exc:
        raise StoreError(codes.INTERNAL_SERVER_ERROR, f"cannot encode {base}: {exc}") from None


def wire_format(cf: int, defects: frozenset[str]) -> int:
    """The Content-Format number put on the answer (the vendor bug: pre-IANA 1541 for text)."""
    if cf == CF.TEXT and "legacy-text-content-format" in defects:
        return CF.LEGACY_TEXT
    return cf


def decode(cf: int | None, payload: bytes, base: Path, model: "TypeResolver", lwm2m: str,
           defects: frozenset[str] = frozenset()) -> ValueTree:
    """Decode a write payload; StoreError 4.15 for a format we do not read, 4.00 if it does not decode."""
    if cf is None:
        raise StoreError(codes.BAD_REQUEST, "a Write needs a Content-Format")
    if cf not in served(lwm2m):
        if "unsupported-format-read-as-text" not in defects:
            raise StoreError(codes.UNSUPPORTED_CONTENT_FORMAT, f"content format {cf} is not supported")
        cf = CF.TEXT                     # the vendor parses any format it does not know as plain text
    if cf == CF.TEXT and "lenient-text-numbers" in defects:
        payload = _strtol_prefix(payload, base, model)
    if cf in SINGLE_VALUE and single_value_def(base, model) is None:
        raise StoreError(codes.BAD_REQUEST, f"content format {cf} carries one value; {base} is not one")
    try:
        return formats.decode(cf, payload, base, model)
    except FormatError as exc:
        raise StoreError(codes.BAD_REQUEST, f"payload does not decode: {exc}") from None


def _strtol_prefix(payload: bytes, base: Path, model: "TypeResolver") -> bytes:
    """The vendor's text parser reads a number as strtol() does: the leading digits, the rest ignored."""
    rdef = single_value_def(base, model)
    if rdef is None or rdef.type not in (DataType.INTEGER, DataType.UNSIGNED_INTEGER, DataType.TIME):
        return payload
    n = len(payload) - len(payload.lstrip(b"-+"))
    while n < len(payload) and payload[n:n + 1].isdigit():
        n += 1
    return payload[:n] or payload


def _strip_basename_slash(cf: int, payload: bytes) -> bytes:
    if cf == CF.SENML_CBOR:
        pack = cbor2.loads(payload)
        for rec in pack:
            if isinstance(rec.get(-2), str):
                rec[-2] = rec[-2].rstrip("/")
        return cbor2.dumps(pack)
    pack = json.loads(payload)
    for rec in pack:
        if isinstance(rec.get("bn"), str):
            rec["bn"] = rec["bn"].rstrip("/")
    return json.dumps(pack, separators=(",", ":")).encode()


def _tlv_lengths_plus_one(payload: bytes) -> bytes:
    def emit(records: tuple) -> bytes:
        out = bytearray()
        for kind, ident, value in records:
            if isinstance(value, (bytes, bytearray)):
                body = bytes(value)
                length = len(body) + (1 if kind in (tlv.TlvType.RESOURCE, tlv.TlvType.RESOURCE_INSTANCE) else 0)
            else:
                body = emit(value)
                length = len(body)
            out += tlv.tlv_header(int(kind), ident, length) + body
        return bytes(out)
    return emit(tuple(tlv.decode_tlv_records(payload)))


def tlv_overruns(payload: bytes) -> bool:
    """True when a TLV's length field claims more bytes than the payload holds."""
    try:
        tlv.decode_tlv_records(payload)
    except FormatError as exc:
        text = str(exc)
        return "claims" in text or "truncated" in text
    return False


__all__ = ["choose", "decode", "encode", "served", "single_value_def", "tlv_overruns"]
