"""Known-answer vectors for plain text (CF 0), opaque (CF 42) and single-value CBOR (CF 60).

Text forms are those of OMA TS Core Appendix C (Table "Data Types") and §6.4.1; CBOR items are
RFC 8949 Appendix A examples and Zephyr's content_raw_cbor tests (retyped from fiumaralabs/lwm2m
spec/vectors/cbor.json).
"""

from __future__ import annotations

import pytest

from meterproof.errors import FormatError
from meterproof.lwm2m.formats import cbor, opaque, text
from meterproof.lwm2m.path import P
from meterproof.lwm2m.values import ObjLnk

from formats_model import MODEL

TEXT = [
    ("TS Core 1.0 §6.4.1 Read /3/0/0", "/3/0/0", "Open Mobile Alliance", "Open Mobile Alliance"),
    ("Appendix C Integer '-750'", "/9999/0/1", -750, "-750"),
    ("TS Core 1.1 Appendix C Unsigned Integer", "/9999/0/2", 18446744073709551615, "18446744073709551615"),
    ("Appendix C Float 6.667e-11 as '0.00000000006667'", "/9999/0/3", 6.667e-11, "0.00000000006667"),
    ("Appendix C Boolean '1'", "/9999/0/4", True, "1"),
    ("Appendix C Boolean '0'", "/9999/0/4", False, "0"),
    ("Appendix C Opaque 01..05 as 'AQIDBAU='", "/9999/0/5", bytes([1, 2, 3, 4, 5]), "AQIDBAU="),
    ("Appendix C Time 1476186613 (Tue 11-Oct-16 11:50:13 UTC)", "/9999/0/6", 1476186613, "1476186613"),
    ("Appendix C Objlnk 'oid:iid'", "/9999/0/7", ObjLnk(66, 0), "66:0"),
    ("TS Transport Figure 6.4.4.-1 Write /3/0/13", "/3/0/13", 1367491215, "1367491215"),
]


@pytest.mark.parametrize("source,base,value,txt", TEXT, ids=[t[0][:60] for t in TEXT])
def test_text(source: str, base: str, value: object, txt: str) -> None:
    assert text.encode({P(base): value}, P(base), MODEL) == txt.encode()
    assert text.decode(txt.encode(), P(base), MODEL) == {P(base): value}


@pytest.mark.parametrize("base,txt", [
    ("/9999/0/1", "1.5"), ("/9999/0/1", ""), ("/9999/0/1", "9223372036854775808"), ("/9999/0/2", "-1"),
    ("/9999/0/4", "true"), ("/9999/0/4", "2"), ("/9999/0/5", "AQIDBAU"), ("/9999/0/3", "1e999"),
    ("/9999/0/3", "nan"), ("/9999/0/7", "66"), ("/9999/0/20", ""), ("/3/0/7", "1"), ("/3/0", "x"),
])
def test_text_rejects(base: str, txt: str) -> None:
    with pytest.raises(FormatError):
        text.decode(txt.encode(), P(base), MODEL)


@pytest.mark.parametrize("base,txt,value", [
    ("/9999/0/1", "+5", 5), ("/9999/0/1", "-0", 0), ("/9999/0/2", "+200", 200),
    ("/9999/0/1", "0000000000000000000000042", 42),   # Appendix C "ASCII signed integer": no length limit on zeros
    ("/9999/0/3", "+2.5", 2.5),
])
def test_text_leniency(base: str, txt: str, value: object) -> None:
    assert text.decode(txt.encode(), P(base), MODEL) == {P(base): value}


def test_text_float_with_exponent_is_read() -> None:
    assert text.decode(b"6.667e-11", P("/9999/0/3"), MODEL) == {P("/9999/0/3"): 6.667e-11}


def test_opaque() -> None:
    # TS Core 1.0 §6.4.2: the raw octets of an Opaque resource
    assert opaque.decode(b"\x00\xff", P("/0/0/3"), MODEL) == {P("/0/0/3"): b"\x00\xff"}
    assert opaque.encode({P("/0/0/3"): b"\x00\xff"}, P("/0/0/3"), MODEL) == b"\x00\xff"
    with pytest.raises(FormatError):
        opaque.decode(b"x", P("/3/0/0"), MODEL)  # a String resource


CBOR = [
    ("RFC 8949 App. A: 0", "/9999/0/1", 0, "00"),
    ("RFC 8949 App. A: -1", "/9999/0/1", -1, "20"),
    ("RFC 8949 App. A: 18446744073709551615 (Unsigned)", "/9999/0/2", 18446744073709551615, "1bffffffffffffffff"),
    ("Zephyr content_raw_cbor main.c:269 put_s64 max", "/9999/0/1", (1 << 63) - 1, "1b7fffffffffffffff"),
    ("Zephyr content_raw_cbor main.c:277 put_s64 min", "/9999/0/1", -(1 << 63), "3b7fffffffffffffff"),
    ("Zephyr content_raw_cbor main.c:321 put_float 0.123 (double)", "/9999/0/3", 0.123, "fb3fbf7ced916872b0"),
    ("RFC 8949 App. A: true", "/9999/0/4", True, "f5"),
    ("Zephyr content_raw_cbor main.c:407 put_string", "/9999/0/0", "test_string", "6b746573745f737472696e67"),
    ("Zephyr content_raw_cbor main.c:542 put_opaque", "/9999/0/5", b"test_opaque", "4b746573745f6f7061717565"),
    ("TS Core 1.1 §7.4.6 Objlnk as text 'oid:iid'", "/9999/0/7", ObjLnk(1, 2), "63313a32"),
]


@pytest.mark.parametrize("source,base,value,hexs", CBOR, ids=[c[0][:60] for c in CBOR])
def test_cbor(source: str, base: str, value: object, hexs: str) -> None:
    assert cbor.decode(bytes.fromhex(hexs), P(base), MODEL) == {P(base): value}
    assert cbor.encode({P(base): value}, P(base), MODEL).hex() == hexs


@pytest.mark.parametrize("source,base,hexs,value", [
    ("RFC 8949 App. A half float 1.0", "/9999/0/3", "f93c00", 1.0),
    ("RFC 8949 App. A single float 100000.0", "/9999/0/3", "fa47c35000", 100000.0),
    ("RFC 8949 App. A tag 1 epoch 1363896240 (Time)", "/9999/0/6", "c11a514b67b0", 1363896240),
    ("Zephyr content_raw_cbor main.c:463 put_time: tag 0 '1970-01-01T00:00:01-00:00'", "/9999/0/6",
     "c07819313937302d30312d30315430303a30303a30312d30303a3030", 1),
])
def test_cbor_tolerated_forms(source: str, base: str, hexs: str, value: object) -> None:
    assert cbor.decode(bytes.fromhex(hexs), P(base), MODEL) == {P(base): value}


@pytest.mark.parametrize("source,base,hexs", [
    ("Zephyr content_raw_cbor main.c:603 objlnk with trailing NUL '0:0\\0'", "/9999/0/7", "64303a3000"),
    ("text for Integer", "/9999/0/1", "6131"),
    ("Unsigned negative", "/9999/0/2", "20"),
    ("two items", "/9999/0/1", "0101"),
    ("array", "/9999/0/1", "8101"),
    ("truncated", "/9999/0/0", "6b7465"),
    ("RFC 8949 App. A half float 1.0 for an Integer (TS Core Table C-2: major type 0/1)", "/9999/0/1", "f93c00"),
    ("RFC 8949 App. A single float 100000.0 for a Time", "/9999/0/6", "fa47c35000"),
    ("a float for an Unsigned Integer", "/9999/0/2", "fb4008000000000000"),
])
def test_cbor_rejects(source: str, base: str, hexs: str) -> None:
    with pytest.raises(FormatError):
        cbor.decode(bytes.fromhex(hexs), P(base), MODEL)
