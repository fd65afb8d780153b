"""A Read of an object without instances: an empty answer is an empty value tree, in every format.

TS Transport 1.1 §6.4.4 Table 6.4.4-1 gives 2.05 Content as the Read outcome, and a Read of an
Object returns "all the Object Instances for which the LwM2M Server has 'Read' access right"
(TS Core 1.1 draft §7.1.2.4), of which there may be none.  Each format's own "nothing": SenML ``[]`` (RFC 8428 §11's CDDL asks for one
record or more, but SenML has no other way to say "no instances"),
zero TLVs (TS Core 1.1 §7.4.3), LwM2M 1.0 JSON ``{"e":[]}`` with or without ``bn`` (TS Core 1.0
§6.4.4), LwM2M CBOR ``{}`` (TS Core 1.2 §7.5.4), and in all formats zero bytes.  A path that
holds a value of its own (a single resource) keeps the format's reading of zero bytes.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meterproof.errors import FormatError
from meterproof.lwm2m import formats
from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.formats import cbor, lwm2m_cbor, oma_json, opaque, senml_cbor, senml_json, text, tlv
from meterproof.lwm2m.path import P, Path

from formats_model import MODEL

ALL = [text, opaque, cbor, tlv, senml_json, senml_cbor, oma_json, lwm2m_cbor]
NO_VALUE = [P("/3"), P("/3/0"), Path(), P("/3/0/7")]   # object, instance, root, multiple resource


@pytest.mark.parametrize("base", NO_VALUE, ids=str)
@pytest.mark.parametrize("codec", ALL, ids=lambda c: c.__name__.rsplit(".", 1)[1])
def test_zero_bytes_is_an_empty_tree(codec, base: Path) -> None:
    model = MODEL if base == P("/3/0/7") else None  # only the model knows /3/0/7 is multiple
    if codec is tlv and base == Path():
        pytest.skip("TLV has no representation for the root (no composite operations in TLV)")
    assert codec.decode(b"", base, model) == {}


@pytest.mark.parametrize("codec,payload", [
    (senml_json, b"[]"), (senml_cbor, b"\x80"),
    (oma_json, b'{"e":[]}'), (oma_json, b'{"bn":"/3/","e":[]}'), (oma_json, b'{"bn":"/3/","bt":5,"e":[]}'),
    (lwm2m_cbor, b"\xa0"), (lwm2m_cbor, b"\xa1\x03\xa0"),                 # {} and {3: {}}
    (tlv, b""),
])
def test_each_formats_empty_document(codec, payload: bytes) -> None:
    assert codec.decode(payload, P("/3"), MODEL) == {}


def test_empty_multiple_resource_tlv() -> None:
    # TS Core 1.1 §7.4.3: a Multiple Resource TLV with no Resource Instances (0x88 id 7 length 0)
    assert tlv.decode(bytes.fromhex("8007"), P("/3/0/7"), MODEL) == {}


def test_single_resources_keep_their_reading_of_zero_bytes() -> None:
    assert text.decode(b"", P("/3/0/0"), MODEL) == {P("/3/0/0"): ""}       # an empty String
    assert opaque.decode(b"", P("/0/0/3"), MODEL) == {P("/0/0/3"): b""}    # an empty Opaque
    for codec in (text, cbor, tlv, senml_json, senml_cbor, oma_json, lwm2m_cbor):
        with pytest.raises(FormatError):
            codec.decode(b"", P("/3/0/9"), MODEL)                          # an Integer has a value


def test_oma_json_still_needs_its_resource_array() -> None:
    # TS Core 1.0 Table 22: "e" is mandatory
    with pytest.raises(FormatError):
        oma_json.decode(b'{"bn":"/3/"}', P("/3"), MODEL)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([CF.TEXT, CF.OPAQUE, CF.CBOR, CF.TLV, CF.SENML_JSON, CF.SENML_CBOR, CF.OMA_JSON,
                        CF.LWM2M_CBOR]), st.integers(0, 65534), st.one_of(st.none(), st.integers(0, 65534)))
def test_property_empty_everywhere_above_resources(cf: int, oid: int, iid: int | None) -> None:
    base = Path((oid,) if iid is None else (oid, iid))
    assert formats.decode(cf, b"", base, MODEL) == {}
    assert formats.decode_series(cf, b"", base, MODEL) == []
