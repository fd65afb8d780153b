"""CoAP Content-Format numbers used by LwM2M (IANA CoAP registry; OMA TS Core §7.1 / Transport)."""

from __future__ import annotations

import enum


class CF(enum.IntEnum):
    TEXT = 0
    LINK = 40
    OPAQUE = 42
    CBOR = 60
    SENML_JSON = 110
    SENML_CBOR = 112
    SENML_ETCH_JSON = 320
    SENML_ETCH_CBOR = 322
    TLV = 11542
    OMA_JSON = 11543
    LWM2M_CBOR = 11544
    # Pre-IANA numbers some old 1.0 clients still send.
    LEGACY_TEXT = 1541
    LEGACY_TLV = 1542
    LEGACY_JSON = 1543

    @property
    def media_type(self) -> str:
        return _MEDIA[self]


_MEDIA = {
    CF.TEXT: "text/plain;charset=utf-8",
    CF.LINK: "application/link-format",
    CF.OPAQUE: "application/octet-stream",
    CF.CBOR: "application/cbor",
    CF.SENML_JSON: "application/senml+json",
    CF.SENML_CBOR: "application/senml+cbor",
    CF.SENML_ETCH_JSON: "application/senml-etch+json",
    CF.SENML_ETCH_CBOR: "application/senml-etch+cbor",
    CF.TLV: "application/vnd.oma.lwm2m+tlv",
    CF.OMA_JSON: "application/vnd.oma.lwm2m+json",
    CF.LWM2M_CBOR: "application/vnd.oma.lwm2m+cbor",
    CF.LEGACY_TEXT: "text/plain (pre-IANA 1541)",
    CF.LEGACY_TLV: "application/vnd.oma.lwm2m+tlv (pre-IANA 1542)",
    CF.LEGACY_JSON: "application/vnd.oma.lwm2m+json (pre-IANA 1543)",
}


#: Formats a client MUST serve, per LwM2M release: TS 1.0 §6.4 ("The LwM2M Client MUST support the TLV data
#: format"; plain text, opaque and JSON are MAY) and TS Core 1.1 §7.4 / 1.2 §7.4 ("The LwM2M Client MUST support
#: plain text, opaque, and CoRE Link data formats and it SHOULD support at least one of SenML CBOR or SenML JSON").
MANDATORY_FORMATS: dict[str, tuple[CF, ...]] = {
    "1.0": (CF.TLV,),
    "1.1": (CF.TEXT, CF.OPAQUE, CF.LINK),
    "1.2": (CF.TEXT, CF.OPAQUE, CF.LINK),
}
#: TS Core 1.1 §7.4: a client SHOULD support at least one of these (1.0: none).
SHOULD_ONE_OF: dict[str, tuple[CF, ...]] = {"1.1": (CF.SENML_CBOR, CF.SENML_JSON), "1.2": (CF.SENML_CBOR, CF.SENML_JSON)}


def mandatory(cf: int, lwm2m_version: str) -> bool:
    """Whether a client of ``lwm2m_version`` must serve content format ``cf`` whatever its profile says."""
    return cf in MANDATORY_FORMATS.get(lwm2m_version, ())


def name(cf: int | None) -> str:
    if cf is None:
        return "none"
    try:
        return CF(cf).name
    except ValueError:
        return str(cf)
