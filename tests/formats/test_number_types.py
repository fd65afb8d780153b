"""Integer and Float on the wire: CBOR keeps them apart, JSON cannot.

TS Core 1.1.1 Appendix C Table C-2 "Data Type Mapping" (1.2: one column for CBOR, LwM2M CBOR
and SenML CBOR) maps Integer, Unsigned Integer and Time to CBOR integers (major types 0/1) and
Float to CBOR floating point (major type 7); RFC 8428 §6 lets a SenML CBOR Number be an
integer, a float or a decimal fraction (tag 4).  So in the CBOR formats a float for an Integer
resource is a finding, even 3.0, and an integer for a Float is read as that float.  In SenML
JSON and LwM2M 1.0 JSON a number is a number (Table C-2 "Represented as a number"): 3.0 for an
Integer and 3 for a Float both decode; 3.5 for an Integer does not.
"""

from __future__ import annotations

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meterproof.errors import FormatError
from meterproof.lwm2m.formats import cbor, lwm2m_cbor, oma_json, senml_cbor, senml_json
from meterproof.lwm2m.path import P

from formats_model import MODEL

# eclipse-leshan/leshan#694 (2019): a SenML CBOR Read /3/0 from an early Leshan encoder that
# wrote every Integer resource as a single-precision float ({0: "6/0", 2: 1.0} ...).  Its bn
# "/3/0" also lacks the "/" that plain concatenation needs (RFC 8428 §4.5.1: "/3/0" + "0" is
# "/3/00"); that second bug is mended below so that the numbers are what is tested.
_LESHAN_694 = (
    "90a321642f332f3000613003744f70656e204d6f62696c6520416c6c69616e6365a200613103764c6967687477656967"
    "6874204d324d20436c69656e74a20061320369333435303030313233a20061330363312e30a20063362f3002fa3f8000"
    "00a20063362f3102fa40a00000a20063372f3002fa456d8000a20063372f3102fa459c4000a20063382f3002fa42fa00"
    "00a20063382f3102fa44610000a200613902fa42c80000a20062313002fa41700000a20062313102fa00000000a20062"
    "3133021a5182428fa20062313403662b30323a3030a200623136036155"
)
LESHAN_694 = _LESHAN_694.replace("21642f332f3000", "21652f332f302f00", 1)


def test_floats_for_integers_in_senml_cbor_are_a_finding() -> None:
    with pytest.raises(FormatError) as err:
        senml_cbor.decode(bytes.fromhex(LESHAN_694), P("/3/0"), MODEL)
    msg = str(err.value)
    assert "/3/0/6/0" in msg and "Integer" in msg and "major type 7" in msg
    # without a model nothing says what the numbers should be: they stay floats
    assert senml_cbor.decode(bytes.fromhex(LESHAN_694), P("/3/0"))[P("/3/0/9")] == 100.0


@pytest.mark.parametrize("path,item", [
    ("/3/0/9", 100.0), ("/3/0/13", 1367491215.0), ("/9999/0/2", 3.0),   # Integer, Time, Unsigned Integer
])
def test_floats_for_integers_in_cbor_and_lwm2m_cbor(path: str, item: float) -> None:
    p = P(path)
    with pytest.raises(FormatError, match="major type 7"):
        cbor.decode(cbor2.dumps(item), p, MODEL)
    with pytest.raises(FormatError, match="major type 7"):
        lwm2m_cbor.decode(cbor2.dumps({p.ids[0]: {p.ids[1]: {p.ids[2]: item}}}), P(path), MODEL)
    with pytest.raises(FormatError, match="major type 7"):
        senml_cbor.decode(cbor2.dumps([{0: path, 2: item}]), p, MODEL)


@pytest.mark.parametrize("item,value", [
    (230, 230.0), (-1, -1.0), (1 << 53, float(1 << 53)), (cbor2.dumps(230.5), 230.5),
])
def test_integers_for_floats_are_accepted_everywhere(item, value: float) -> None:
    if isinstance(item, bytes):
        item = cbor2.loads(item)
    p = P("/3421/0/1")  # Float
    for got in (cbor.decode(cbor2.dumps(item), p, MODEL),
                lwm2m_cbor.decode(cbor2.dumps({3421: {0: {1: item}}}), p, MODEL),
                senml_cbor.decode(cbor2.dumps([{0: "/3421/0/1", 2: item}]), p, MODEL)):
        assert got == {p: value} and type(got[p]) is float


def test_senml_cbor_decimal_fraction() -> None:
    # RFC 8428 §6: "the CBOR representation can use integers, floating-point numbers, or decimal
    # fractions (CBOR Tag 4)": 4([-1, 2305]) = 230.5
    pack = cbor2.dumps([{0: "/3421/0/1", 2: cbor2.CBORTag(4, [-1, 2305])}])
    assert senml_cbor.decode(pack, P("/3421/0"), MODEL) == {P("/3421/0/1"): 230.5}
    with pytest.raises(FormatError, match="tag 4"):  # not an integer (major type 0/1) for an Integer
        senml_cbor.decode(cbor2.dumps([{0: "/3/0/9", 2: cbor2.CBORTag(4, [0, 100])}]), P("/3/0"), MODEL)


def test_senml_cbor_time_as_date_time() -> None:
    # TS Core 1.1.1 Table C-2: Time in SenML CBOR "Represented as date/time strings, as defined
    # in Section 2.4.1 of [RFC7049]" (tag 0); 1.2 also "an unsigned integer"; tag 1 is the same
    # section's epoch form
    tag0 = cbor2.dumps([{0: "/3/0/13", 3: cbor2.CBORTag(0, "2013-05-02T10:40:15Z")}])
    tag1 = cbor2.dumps([{0: "/3/0/13", 2: cbor2.CBORTag(1, 1367491215)}])
    for payload in (tag0, tag1):
        assert senml_cbor.decode(payload, P("/3/0"), MODEL) == {P("/3/0/13"): 1367491215}


@pytest.mark.parametrize("codec,text", [
    (senml_json, b'[{"n":"/3/0/9","v":3.0},{"n":"/3421/0/1","v":230}]'),
    (oma_json, b'{"e":[{"n":"/3/0/9","v":3.0},{"n":"/3421/0/1","v":230}]}'),
])
def test_json_numbers_are_just_numbers(codec, text: bytes) -> None:
    got = codec.decode(text, P("/"), MODEL)
    assert got == {P("/3/0/9"): 3, P("/3421/0/1"): 230.0}
    assert type(got[P("/3/0/9")]) is int and type(got[P("/3421/0/1")]) is float
    with pytest.raises(FormatError):  # a fraction is no Integer in any format
        codec.decode(text.replace(b"3.0", b"3.5"), P("/"), MODEL)


@settings(max_examples=100, deadline=None)
@given(st.integers(-(1 << 53), 1 << 53))
def test_property_integral_values_by_format(n: int) -> None:
    # CBOR: an int is fine for an Integer and a Float, a float only for a Float; JSON: either
    as_int, as_float = cbor2.dumps(n), cbor2.dumps(float(n))
    assert cbor.decode(as_int, P("/3/0/9"), MODEL) == {P("/3/0/9"): n}
    assert cbor.decode(as_int, P("/3421/0/1"), MODEL) == {P("/3421/0/1"): float(n)}
    assert cbor.decode(as_float, P("/3421/0/1"), MODEL) == {P("/3421/0/1"): float(n)}
    with pytest.raises(FormatError):
        cbor.decode(as_float, P("/3/0/9"), MODEL)
    for v in (n, float(n)):
        assert senml_json.decode(senml_json._dump([{"n": "/3/0/9", "v": v}]), P("/3/0"), MODEL) == {P("/3/0/9"): n}
