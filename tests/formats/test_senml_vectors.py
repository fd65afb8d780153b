"""Known-answer vectors for SenML JSON (CF 110) and SenML CBOR (CF 112), each with its source.

LwM2M examples are from OMA TS Core 1.2.2 §7.5.6 / §7.5.7 / Appendix M (same examples as
TS Core 1.1 §7.4.4-§7.4.5), retyped from fiumaralabs/lwm2m spec/vectors/spec-examples.json
and checked byte-for-byte here; RFC examples are from RFC 8428 §5 and §6.
"""

from __future__ import annotations

import json

import cbor2
import pytest

from meterproof.errors import FormatError
from meterproof.lwm2m.formats import senml, senml_cbor, senml_json
from meterproof.lwm2m.formats._common import b64url_decode
from meterproof.lwm2m.formats.senml import Record
from meterproof.lwm2m.path import P, Path
from meterproof.lwm2m.values import NULL_OBJLNK, ObjLnk, tree

from formats_model import MODEL
from test_tlv_vectors import DEVICE_TREE

DEVICE_JSON = (
    '[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"1","vs":"Lightweight M2M Client"},'
    '{"n":"2","vs":"345000123"},{"n":"3","vs":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},'
    '{"n":"7/0","v":3800},{"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},'
    '{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},'
    '{"n":"14","vs":"+02:00"},{"n":"16","vs":"U"}]'
)

# TS Core 1.2.2 §7.5.7 and Appendix M (196 bytes): Read /3/0 in SenML CBOR.
DEVICE_CBOR = (
    "90a321652f332f302f00613003744f70656e204d6f62696c6520416c6c69616e6365a200613103764c6967687477"
    "6569676874204d324d20436c69656e74a20061320369333435303030313233a20061330363312e30a20063362f30"
    "0201a20063362f310205a20063372f3002190ed8a20063372f3102191388a20063382f3002187da20063382f3102"
    "190384a2006139021864a200623130020fa2006431312f300200a200623133021a5182428fa20062313403662b30"
    "323a3030a200623136036155"
)


def test_device_json_decode_and_encode() -> None:
    # TS Core 1.2.2 §7.5.6 Table 7.5.6.-2 (TS Core 1.1 §7.4.4): Read /3/0 in SenML JSON
    assert senml_json.decode(DEVICE_JSON.encode(), P("/3/0"), MODEL) == DEVICE_TREE
    assert senml_json.decode(DEVICE_JSON.encode(), P("/3/0")) == DEVICE_TREE
    assert json.loads(senml_json.encode(DEVICE_TREE, P("/3/0"), MODEL)) == json.loads(DEVICE_JSON)


def test_device_cbor_decode_and_encode_bytes() -> None:
    # TS Core 1.2.2 §7.5.7 / Appendix M, 196 bytes: our encoder reproduces them exactly.
    assert len(bytes.fromhex(DEVICE_CBOR)) == 196
    assert senml_cbor.decode(bytes.fromhex(DEVICE_CBOR), P("/3/0"), MODEL) == DEVICE_TREE
    assert senml_cbor.encode(DEVICE_TREE, P("/3/0"), MODEL).hex() == DEVICE_CBOR


def test_historical_notification_times() -> None:
    # TS Core 1.2.2 §7.5.6 Table 7.5.6.-3: bt + t per record (RFC 8428 §4.5.3)
    text = ('[{"bn":"/72/","bt":25462634,"n":"1/2","v":22.4,"t":-5},'
            '{"n":"1/2","v":22.9,"t":-30},{"n":"1/2","v":24.1,"t":-50}]')
    assert senml_json.decode_records(text.encode(), MODEL) == [
        Record(P("/72/1/2"), 22.4, 25462629), Record(P("/72/1/2"), 22.9, 25462604),
        Record(P("/72/1/2"), 24.1, 25462584),
    ]
    # one path three times is a time series: the tree keeps the most recent value (greatest time)
    assert senml_json.decode(text.encode(), P("/72"), MODEL) == {P("/72/1/2"): 22.4}
    # 25462629 < 2**28: RFC 8428 §4.5.3 reads it as seconds from "now"
    now = 1_700_000_000
    assert [r.time for r in senml_json.decode_series(text.encode(), P("/72"), MODEL, now)] == \
        [now + 25462629, now + 25462604, now + 25462584]


def test_object_link_hierarchy_with_hex_null_link() -> None:
    # TS Core 1.2.2 §7.5.6 Table 7.5.6.-4 (breadth-first via bn "/"); "FFFF:FFFF" read as the null link
    text = ('[{"bn":"/","n":"65/0/0/0","vlo":"66:0"},{"n":"65/0/0/1","vlo":"66:1"},'
            '{"n":"65/0/1","vs":"8613800755500"},{"n":"65/0/2","v":1},{"n":"66/0/0","vs":"myService1"},'
            '{"n":"66/0/1","vs":"Internet.15.234"},{"n":"66/0/2","vlo":"67:0"},{"n":"66/1/0","vs":"myService2"},'
            '{"n":"66/1/1","vs":"Internet.15.235"},{"n":"66/1/2","vlo":"FFFF:FFFF"},'
            '{"n":"67/0/0","vs":"85.76.76.84"},{"n":"67/0/1","vs":"85.76.255.255"}]')
    got = senml_json.decode(text.encode(), P("/"), MODEL)
    assert got[P("/65/0/0/1")] == ObjLnk(66, 1)
    assert got[P("/66/1/2")] == NULL_OBJLNK
    assert got[P("/67/0/1")] == "85.76.255.255"
    assert len(got) == 12


def test_single_resource_in_bn() -> None:
    # TS Core 1.2.2 §7.5.6 Table 7.5.6.-5: full path in bn, no n
    text = b'[{"bn":"/3/0/0","vs":"Open Mobile Alliance"}]'
    assert senml_json.decode(text, P("/3/0/0"), MODEL) == tree({"/3/0/0": "Open Mobile Alliance"})
    assert senml_json.encode(tree({"/3/0/0": "Open Mobile Alliance"}), P("/3/0/0"), MODEL) == text


@pytest.mark.parametrize("text", [
    '[{"bn":"/3/0/","n":"0","vs":"x"}]',   # TS Core 1.1 §7.4.4 examples
    '[{"bn":"/3/0","n":"/0","vs":"x"}]',   # spelling seen from field clients
    '[{"n":"/3/0/0","vs":"x"}]',           # TS Core 1.2.2 Table 7.5.6.-7 (absolute n)
])
def test_both_base_name_spellings(text: str) -> None:
    assert senml_json.decode(text.encode(), P("/3/0"), MODEL) == tree({"/3/0/0": "x"})


def test_read_composite_request_paths() -> None:
    # TS Core 1.2.2 Table 7.5.6.-6, -8, -10, -12
    assert senml_json.decode_paths(b'[{"n":"/3/0/0"},{"n":"/3/0/9"},{"n":"/1/0/1"}]') == \
        [P("/3/0/0"), P("/3/0/9"), P("/1/0/1")]
    assert senml_json.decode_paths(b'[{"bn":"/4/0/","n":"0"},{"n":"1"},{"n":"2"},{"bn":"/6/","n":"0"}]') == \
        [P("/4/0/0"), P("/4/0/1"), P("/4/0/2"), P("/6/0")]
    assert senml_json.decode_paths(b'[{"n":"/"}]') == [Path()]
    assert senml_json.decode_paths(b'[{"n":"/1/0"},{"n":"/1/2"}]') == [P("/1/0"), P("/1/2")]
    assert senml_json.encode_paths([P("/3/0/0"), P("/1")]) == b'[{"n":"/3/0/0"},{"n":"/1"}]'
    assert senml_cbor.decode_paths(senml_cbor.encode_paths([P("/3/0/0"), Path()])) == [P("/3/0/0"), Path()]


def test_read_composite_response_and_write_composite() -> None:
    # TS Core 1.2.2 Table 7.5.6.-7 (note the space in {"n" :...}) and Table 7.5.6.-9
    text = b'[{"n":"/3/0/0", "vs":"Open Mobile Alliance"},\n{"n" :"/3/0/9", "v":95},\n{"n":"/1/0/1", "v":86400}]'
    expect = tree({"/3/0/0": "Open Mobile Alliance", "/3/0/9": 95, "/1/0/1": 86400})
    assert senml_json.decode(text, Path(), MODEL) == expect
    assert json.loads(senml_json.encode(expect, Path(), MODEL)) == json.loads(text)
    wc = (b'[{"n":"/3311/0/5850", "vb":false},{"n":"/3311/1/5850", "vb":false},'
          b'{"n":"/3311/2/5851", "v":20},{"n":"/3308/0/5900", "v":18}]')
    assert senml_json.decode(wc, Path()) == tree({"/3311/0/5850": False, "/3311/1/5850": False,
                                                   "/3311/2/5851": 20, "/3308/0/5900": 18})


def test_bootstrap_pack_vd_base64url_without_padding() -> None:
    # TS Core 1.2.2 §6.1.7.7 Table 6.1.7.7.-2 (excerpt): vd is base64url, no padding (RFC 8428 §4.3)
    text = (b'[{"bn":"/0/1/", "n":"0","vs":"coaps://server1.example.com"},{"n":"1","vb":false},'
            b'{"n":"2","v":0},{"n":"3","vd":"YjMxM2NjMjItZjk2OS00MmVjLWFkNDI"},{"n":"4","vd":""},'
            b'{"n":"5","vd":"HKICjXGXx3jprvXvaQgr6g"},{"n":"10","v":101},'
            b'{"bn":"/1/0/", "n":"0","v":101},{"n":"1","v":86400},{"n":"6","vb":true},{"n":"7","vs":"U"}]')
    got = senml_json.decode(text, Path(), MODEL)
    assert got[P("/0/1/3")] == b"b313cc22-f969-42ec-ad42"
    assert got[P("/0/1/4")] == b""
    assert got[P("/0/1/5")] == bytes.fromhex("1ca2028d7197c778e9aef5ef69082bea")
    assert got[P("/1/0/6")] is True
    assert senml_json.decode(senml_json.encode(got, Path(), MODEL), Path(), MODEL) == got
    assert b"=" not in senml_json.encode({P("/0/1/3"): b"ab"}, P("/0/1"), MODEL)


def test_send_payload_records() -> None:
    # TS Transport 1.2.2 §8.3.4 diagnostic [{-2:"/3/0/", 0:"9", 2:15}, {0:"20", 2:4}] (bytes re-encoded)
    payload = bytes.fromhex("82a321652f332f302f006139020fa2006232300204")
    assert senml_cbor.decode_records(payload) == [Record(P("/3/0/9"), 15), Record(P("/3/0/20"), 4)]
    out = senml_cbor.encode_records([Record(P("/3/0/9"), 15, 1700000000)])
    assert cbor2.loads(out) == [{0: "/3/0/9", 2: 15, 6: 1700000000}]


def test_rfc8428_resolution_and_cbor_labels() -> None:
    # RFC 8428 §5.1.2 example (JSON); then the same pack written with the RFC 8428 §6 Table 6
    # integer labels (bn -2, n 0, u 1, v 2) -- bytes built here from that table, not copied.
    text = ('[{"bn":"urn:dev:ow:10e2073a01080063:","n":"voltage","u":"V","v":120.1},'
            '{"n":"current","u":"A","v":1.2}]')
    expect = [("urn:dev:ow:10e2073a01080063:voltage", 120.1), ("urn:dev:ow:10e2073a01080063:current", 1.2)]
    resolved = senml.resolve(json.loads(text), senml.JSON_LABELS, b64url_decode)
    assert [(name, value) for name, value, _ in resolved] == expect
    cbor_pack = cbor2.loads(bytes.fromhex(
        "82 a4 21 78 1c 75726e3a6465763a6f773a313065323037336130313038303036333a"
        " 00 67 766f6c74616765 01 61 56 02 fb 405e066666666666"
        " a3 00 67 63757272656e74 01 61 41 02 fb 3ff3333333333333".replace(" ", "")))
    resolved_cbor = senml.resolve(cbor_pack, senml.CBOR_LABELS, bytes)
    assert [(name, value) for name, value, _ in resolved_cbor] == expect


BAD = [
    ("RFC 8428 §4.4 must-understand field", '[{"n":"/3/0/9","v":1,"foo_":1}]'),
    ("two value fields", '[{"n":"/3/0/9","v":1,"vs":"1"}]'),
    ("no value in a value tree", '[{"n":"/3/0/9"}]'),
    ("relative name with no base name", '[{"n":"3/0/9","v":1}]'),
    ("TS Gateway 1.1.1 §10 erratum: bn '/d01/3/0/' + n '/9'", '[{"bn":"/3/0/","n":"/9","v":1}]'),
    ("path outside the request", '[{"n":"/3/1/9","v":1}]'),
    ("object instance path carries no value", '[{"n":"/3/0","v":1}]'),
    ("vd with padding (RFC 8428 §4.3)", '[{"n":"/3/0/9","vd":"AQ=="}]'),
    ("string for an Integer resource", '[{"n":"/3/0/9","vs":"100"}]'),
    ("Integer resource with a fraction", '[{"n":"/3/0/9","v":1.5}]'),
    ("single resource addressed as an instance", '[{"n":"/3/0/9/0","v":1}]'),
    ("multiple resource without instance", '[{"n":"/3/0/7","v":1}]'),
    ("NaN literal", '[{"n":"/3/0/9","v":NaN}]'),
    ("overflowing number", '[{"n":"/3/0/9","v":1e400}]'),
    ("not an array", '{"n":"/3/0/9","v":1}'),
    ("record not a map", '[1]'),
    ("bad objlnk", '[{"n":"/66/0/2","vlo":"66"}]'),
]


@pytest.mark.parametrize("what,text", BAD, ids=[b[0] for b in BAD])
def test_json_rejects(what: str, text: str) -> None:
    with pytest.raises(FormatError):
        senml_json.decode(text.encode(), P("/3/0") if "/66/" not in text else P("/66/0"), MODEL)


def test_cbor_rejects() -> None:
    with pytest.raises(FormatError):  # a single resource always has a value (an empty answer is not one)
        senml_cbor.decode(b"", P("/3/0/9"), MODEL)
    for bad in (b"\xa0", b"\x81\x01", bytes.fromhex("81a20063332f30" "08" "6141"),  # vd as text
                bytes.fromhex("81a200662f332f302f390263313030")):  # v as text
        with pytest.raises(FormatError):
            senml_cbor.decode(bad, P("/3/0"), MODEL)
