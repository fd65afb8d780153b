"""Known-answer vectors for OMA TLV (CF 11542), each with its source.

Spec bytes are retyped from OMA TS Core 1.0/1.1 §6.4.3.x (omadm/omaoriginal TS_Core markdown);
where the printed bytes contain an erratum we keep the literal bytes as a *must reject*
vector and add the corrected bytes as the known answer, saying what was corrected.
"""

from __future__ import annotations

import pytest

from meterproof.errors import FormatError
from meterproof.lwm2m.formats import tlv
from meterproof.lwm2m.formats.tlv import TlvRecord, TlvType
from meterproof.lwm2m.path import P
from meterproof.lwm2m.values import NULL_OBJLNK, ObjLnk, tree

from formats_model import MODEL


def h(s: str) -> bytes:
    return bytes.fromhex(s)


DEVICE_RESOURCES = (
    "C8 00 14 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65"
    " C8 01 16 4C 69 67 68 74 77 65 69 67 68 74 20 4D 32 4D 20 43 6C 69 65 6E 74"  # corrected: 'h' (68) restored
    " C8 02 09 33 34 35 30 30 30 31 32 33"
    " C3 03 31 2E 30"
    " 86 06 41 00 01 41 01 05"
    " 88 07 08 42 00 0E D8 42 01 13 88"
    " 87 08 41 00 7D 42 01 03 84"
    " C1 09 64 C1 0A 0F"
    " 83 0B 41 00 00"
    " C4 0D 51 82 42 8F"
    " C6 0E 2B 30 32 3A 30 30"
    " C1 10 55"
)
# As printed in TS Core 1.0/1.1 §6.4.3.1: Model Number reads "Lightweigt M2M Client" (21 bytes)
# under a length byte of 0x16 (22), so the payload is 120 bytes, not the stated 121.
DEVICE_RESOURCES_AS_PRINTED = DEVICE_RESOURCES.replace("67 68 74 20 4D", "67 74 20 4D")

DEVICE_TREE = tree({
    "/3/0/0": "Open Mobile Alliance", "/3/0/1": "Lightweight M2M Client", "/3/0/2": "345000123",
    "/3/0/3": "1.0", "/3/0/6/0": 1, "/3/0/6/1": 5, "/3/0/7/0": 3800, "/3/0/7/1": 5000,
    "/3/0/8/0": 125, "/3/0/8/1": 900, "/3/0/9": 100, "/3/0/10": 15, "/3/0/11/0": 0,
    "/3/0/13": 1367491215, "/3/0/14": "+02:00", "/3/0/16": "U",
})

ACL_TREE = tree({
    "/2/0/0": 1, "/2/0/1": 0, "/2/0/2/127": 7, "/2/0/3": 127,
    "/2/2/0": 3, "/2/2/1": 0, "/2/2/2/127": 7, "/2/2/2/310": 1, "/2/2/3": 127,
})

SERVER_TREE = tree({"/1/0/0": 1, "/1/0/1": 86400, "/1/0/6": True, "/1/0/7": "U"})

OBJ65_TREE = {**tree({"/65/0/1": "8613800755500", "/65/0/2": 0x12345678}),
              P("/65/0/0/0"): ObjLnk(66, 0), P("/65/0/0/1"): ObjLnk(66, 1)}
OBJ65_TREE = {k: OBJ65_TREE[k] for k in sorted(OBJ65_TREE)}

OBJ66_TREE = tree({
    "/66/0/0": "myService 1", "/66/0/1": "Internet.15.234", "/66/0/2": ObjLnk(67, 0),
    "/66/1/0": "myService 2", "/66/1/1": "Internet.15.235", "/66/1/2": NULL_OBJLNK,
})
OBJ66 = ("08 00 {n} C8 00 0B 6D 79 53 65 72 76 69 63 65 20 31"
         " C8 01 0F 49 6E 74 65 72 6E 65 74 2E 31 35 2E 32 33 34 C4 02 00 43 00 00"
         " 08 01 {n} C8 00 0B 6D 79 53 65 72 76 69 63 65 20 32"
         " C8 01 0F 49 6E 74 65 72 6E 65 74 2E 31 35 2E 32 33 35 C4 02 FF FF FF FF")

# (source, base, hex, expected tree) -- decode with the model, and encode must give the same bytes
KNOWN = [
    ("TS Core 1.0 §6.4.3.1 Read /3/0, Device object (corrected Model Number, see DEVICE_RESOURCES_AS_PRINTED)",
     "/3/0", DEVICE_RESOURCES, DEVICE_TREE),
    ("TS Core 1.0 §6.4.3.2 A Read /3, Object Instance TLV 08 00 79 (same correction)",
     "/3", "08 00 79 " + DEVICE_RESOURCES, DEVICE_TREE),
    ("TS Core 1.0 §6.4.3.2 B Read /2, Access Control (corrected: ACL of instance 2 is 87 02, printed 86 02)",
     "/2", "08 00 0E C1 00 01 C1 01 00 83 02 41 7F 07 C1 03 7F"
           " 08 02 12 C1 00 03 C1 01 00 87 02 41 7F 07 61 01 36 01 C1 03 7F", ACL_TREE),
    ("TS Core 1.0 §6.4.3.2 C Read /1, Server (corrected: instance length 0F, printed 0D)",
     "/1", "08 00 0F C1 00 01 C4 01 00 01 51 80 C1 06 01 C1 07 55", SERVER_TREE),
    ("TS Core 1.0 §6.4.3.3 Example 1 Read /65/0, Objlnk multiple resource",
     "/65/0", "88 00 0C 44 00 00 42 00 00 44 01 00 42 00 01"
              " C8 01 0D 38 36 31 33 38 30 30 37 35 35 35 30 30 C4 02 12 34 56 78", OBJ65_TREE),
    ("TS Core 1.0 §6.4.3.3 Example 2 Read /66 (corrected: instance lengths 26, printed 23)",
     "/66", OBJ66.format(n="26"), OBJ66_TREE),
    ("ETS LwM2M 1.0 int-215 Write /1/0/2 = 101", "/1/0/2", "C1 02 65", tree({"/1/0/2": 101})),
    ("ETS LwM2M 1.0 int-215 Write /1/0/3 = 1010", "/1/0/3", "C2 03 03 F2", tree({"/1/0/3": 1010})),
    ("ETS LwM2M 1.0 int-215 Write /1/0/5 = 2000", "/1/0/5", "C2 05 07 D0", tree({"/1/0/5": 2000})),
    ("ETS LwM2M 1.0 int-215 Write /1/0/6 = true", "/1/0/6", "C1 06 01", tree({"/1/0/6": True})),
    ("ETS LwM2M 1.0 int-215 Write /1/0/7 = 'U'", "/1/0/7", "C1 07 55", tree({"/1/0/7": "U"})),
    ("ETS LwM2M 1.0 int-215 the five writes as one instance body", "/1/0",
     "C1 02 65 C2 03 03 F2 C2 05 07 D0 C1 06 01 C1 07 55",
     tree({"/1/0/2": 101, "/1/0/3": 1010, "/1/0/5": 2000, "/1/0/6": True, "/1/0/7": "U"})),
    ("ETS LwM2M 1.0 int-651 Write /3/0/13 Current Time = 1367491215", "/3/0/13", "C4 0D 51 82 42 8F",
     tree({"/3/0/13": 1367491215})),
]

# As printed in the spec; each has a lying length and must be rejected.
ERRATA = [
    ("TS Core 1.0 §6.4.3.1 as printed (Model Number 21 bytes under length 22)", "/3/0", DEVICE_RESOURCES_AS_PRINTED),
    ("TS Core 1.0 §6.4.3.2 A as printed", "/3", "08 00 79 " + DEVICE_RESOURCES_AS_PRINTED),
    ("TS Core 1.0 §6.4.3.2 B as printed (86 02 holds 7 bytes)", "/2",
     "08 00 0E C1 00 01 C1 01 00 83 02 41 7F 07 C1 03 7F"
     " 08 02 12 C1 00 03 C1 01 00 86 02 41 7F 07 61 01 36 01 C1 03 7F"),
    ("TS Core 1.0 §6.4.3.2 C as printed (08 00 0D holds 15 bytes)", "/1",
     "08 00 0D C1 00 01 C4 01 00 01 51 80 C1 06 01 C1 07 55"),
    ("TS Core 1.0 §6.4.3.3 Example 2 as printed (08 00 23 holds 38 bytes)", "/66", OBJ66.format(n="23")),
]


@pytest.mark.parametrize("source,base,hexs,expected", KNOWN, ids=[k[0][:60] for k in KNOWN])
def test_known_answer_decode(source: str, base: str, hexs: str, expected: dict) -> None:
    got = tlv.decode(h(hexs), P(base), MODEL)
    assert got == expected
    assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}


@pytest.mark.parametrize("source,base,hexs,expected", KNOWN, ids=[k[0][:60] for k in KNOWN])
def test_known_answer_encode(source: str, base: str, hexs: str, expected: dict) -> None:
    assert tlv.encode(expected, P(base), MODEL).hex() == h(hexs).hex()


@pytest.mark.parametrize("source,base,hexs", ERRATA, ids=[e[0][:60] for e in ERRATA])
def test_spec_errata_as_printed_are_rejected(source: str, base: str, hexs: str) -> None:
    with pytest.raises(FormatError):
        tlv.decode(h(hexs), P(base), MODEL)


def test_without_model_values_are_bytes() -> None:
    # TS Core 1.0 §6.4.3: "the format is self-describing, thus a parser can skip TLVs for which
    # the Resource is not known" -- structure without types.
    got = tlv.decode(h("C1 02 65 C2 03 03 F2"), P("/1/0"))
    assert got == {P("/1/0/2"): b"\x65", P("/1/0/3"): b"\x03\xf2"}


RECORDS = [
    ("ETS LwM2M 1.1 int-1202 (corrected bytes) resource 14 = 2", "C1 0E 02",
     [TlvRecord(TlvType.RESOURCE, 14, b"\x02")]),
    ("Zephyr content_oma_tlv main.c:126 put_s8 -128, 16-bit id 0xAABB (via fiumaralabs/lwm2m tlv.json)",
     "E1 AA BB 80", [TlvRecord(TlvType.RESOURCE, 0xAABB, b"\x80")]),
    ("Zephyr content_oma_tlv main.c:342 put_s64 max, 8-bit length field", "C8 AA 08 7F FF FF FF FF FF FF FF",
     [TlvRecord(TlvType.RESOURCE, 0xAA, h("7F FF FF FF FF FF FF FF"))]),
    ("TS Core 1.0 §6.4.3.2 B ACL[310]: Resource Instance with 16-bit id (type 0x61)", "61 01 36 01",
     [TlvRecord(TlvType.RESOURCE_INSTANCE, 310, b"\x01")]),
]


@pytest.mark.parametrize("source,hexs,records", RECORDS, ids=[r[0][:60] for r in RECORDS])
def test_records(source: str, hexs: str, records: list) -> None:
    assert tlv.decode_tlv_records(h(hexs)) == records
    assert tlv.encode_tlv_records(records) == h(hexs)


# Appendix C value forms, single Resource TLV at /9999/0/<id> of the all-types object.
VALUES = [
    ("Appendix C Integer 8-bit", "/9999/0/1", -128, "C1 01 80"),
    ("Appendix C Integer 16-bit (128 needs 2 bytes)", "/9999/0/1", 128, "C2 01 00 80"),
    ("Appendix C Integer 32-bit", "/9999/0/1", -32769, "C4 01 FF FF 7F FF"),
    ("Appendix C Integer 64-bit", "/9999/0/1", 1 << 31, "C8 01 08 00 00 00 00 80 00 00 00"),
    ("TS Core 1.1 Appendix C Unsigned Integer 1 byte (200)", "/9999/0/2", 200, "C1 02 C8"),
    ("TS Core 1.1 Appendix C Unsigned Integer 2^64-1", "/9999/0/2", (1 << 64) - 1,
     "C8 02 08 FF FF FF FF FF FF FF FF"),
    ("Appendix C Float binary32 when exact", "/9999/0/3", 1.5, "C4 03 3F C0 00 00"),
    ("Zephyr content_oma_tlv main.c:488 Float 0.123 binary64", "/9999/0/3", 0.123,
     "C8 03 08 3F BF 7C ED 91 68 72 B0"),
    ("Appendix C Boolean false", "/9999/0/4", False, "C1 04 00"),
    ("Appendix C Objlnk 66:1", "/9999/0/7", ObjLnk(66, 1), "C4 07 00 42 00 01"),
    ("Appendix C Time as Integer", "/9999/0/6", 1476186613, "C4 06 57 FC D1 F5"),
    ("Appendix C Opaque raw, empty", "/9999/0/5", b"", "C0 05"),
    ("Zephyr content_oma_tlv main.c:873 4-byte UTF-8", "/9999/0/0", "👨👩🤡",
     "C8 00 0C F0 9F 91 A8 F0 9F 91 A9 F0 9F A4 A1"),
]


@pytest.mark.parametrize("source,base,value,hexs", VALUES, ids=[v[0][:60] for v in VALUES])
def test_value_forms(source: str, base: str, value: object, hexs: str) -> None:
    assert tlv.encode({P(base): value}, P(base), MODEL) == h(hexs)
    assert tlv.decode(h(hexs), P(base), MODEL) == {P(base): value}


HEADERS = [  # TS Core 1.0 §6.4.3 Table 21: the shortest Length encoding
    (7, "C7 05"), (8, "C8 05 08"), (255, "C8 05 FF"), (256, "D0 05 01 00"),
    (65535, "D0 05 FF FF"), (65536, "D8 05 01 00 00"),
]


@pytest.mark.parametrize("n,prefix", HEADERS)
def test_shortest_length_field(n: int, prefix: str) -> None:
    out = tlv.encode({P("/9999/0/5"): b"x" * n}, P("/9999/0/5"), MODEL)
    assert out[: len(h(prefix))] == h(prefix)
    assert len(out) == n + len(h(prefix))
    assert tlv.decode(out, P("/9999/0/5"), MODEL) == {P("/9999/0/5"): b"x" * n}


def test_identifier_width() -> None:
    assert tlv.tlv_header(3, 255, 1) == h("C1 FF")
    assert tlv.tlv_header(3, 256, 1) == h("E1 01 00")
    assert tlv.tlv_header(3, 5, 1, id_size=2, length_size=2) == h("F0 00 05 00 01")


BAD = [
    ("truncated type/id", "/3/0", "C8"),
    ("lying 8-bit length", "/3/0", "C8 00 05 41 42"),
    ("lying 16-bit length", "/3/0", "D0 00 01 00 41"),
    ("truncated length field", "/3/0", "D8 00 01"),
    ("trailing garbage after a valid TLV", "/3/0/9", "C1 09 64 00"),
    ("two resources where one is asked", "/3/0/9", "C1 09 64 C1 09 65"),
    ("resource id outside the requested path", "/3/0/9", "C1 0A 64"),
    ("resource instance id outside the requested path", "/3/0/6/1", "41 00 01"),
    ("object instance inside object instance", "/3", "08 00 03 00 01 00"),
    ("resource instance at instance level", "/3/0", "41 00 01"),
    ("resource inside multiple resource", "/3/0", "86 06 C1 00 01 C1 01 05"),
    ("object instance wrapper naming another instance", "/3/0", "08 01 03 C1 09 64"),
    ("resource where object instances are expected", "/3", "C1 09 64"),
    ("duplicate resource", "/3/0", "C1 09 64 C1 09 64"),
    ("duplicate object instance", "/3", "00 00 00 00"),
    ("integer of 3 bytes", "/3/0/9", "C3 09 00 00 01"),
    ("boolean of value 2", "/1/0/6", "C1 06 02"),
    ("float of 2 bytes", "/72/0/2", "C2 02 00 00"),
    ("objlnk of 3 bytes", "/66/0/2", "C3 02 00 00 01"),
    ("invalid UTF-8 string", "/3/0/0", "C1 00 FF"),
    ("multiple resource sent as single Resource TLV", "/3/0", "C1 06 01"),
    ("single resource sent as Multiple Resource TLV", "/3/0", "83 09 41 00 64"),
    ("TLV at the root path", "/", "C1 09 64"),
    ("empty payload for one resource", "/3/0/9", ""),
]


@pytest.mark.parametrize("what,base,hexs", BAD, ids=[b[0] for b in BAD])
def test_rejects(what: str, base: str, hexs: str) -> None:
    with pytest.raises(FormatError):
        tlv.decode(h(hexs), P(base), MODEL)


def test_ignored_length_bits() -> None:
    # TS Core 1.0 Table 21: with a Length field, "Bits 2-0 MUST be ignored".
    assert tlv.decode(h("CF 09 01 64"), P("/3/0/9"), MODEL) == {P("/3/0/9"): 100}


def test_empty_multiple_resource() -> None:
    # TS Core 1.0 §6.4.3: "the Multiple Resource TLV MUST be used whatever the number of Instances (0, 1 or more)"
    assert tlv.encode({}, P("/3/0/11"), MODEL) == h("80 0B")
    assert tlv.decode(h("80 0B"), P("/3/0/11"), MODEL) == {}


def test_instance_read_wrapped_in_object_instance_decodes() -> None:
    """ETS int-203 pass criteria describe a Read of /3/0 answered as one Object Instance TLV (bits 7-6 = 00)
    wrapping the Resource TLVs; TS Core 1.0 §6.4.3.1 sends the resources bare. Both decode to the same tree."""
    from meterproof.lwm2m.formats import tlv
    from meterproof.lwm2m.path import Path
    bare = tlv.decode(bytes.fromhex("C10964"), Path.parse("/3/0"), None)
    wrapped = tlv.decode(bytes.fromhex("080003C10964"), Path.parse("/3/0"), None)
    assert bare == wrapped == {Path.parse("/3/0/9"): b"\x64"}


@pytest.mark.parametrize("source,base,hexs,expected", [
    ("resource instances in any order (TS Core 1.0 §6.4.3 sets none)", "/3/0/7",
     "88 07 08 42 05 13 88 42 00 0E D8", {"/3/0/7/5": 5000, "/3/0/7/0": 3800}),
    ("a Multiple Resource holding one instance", "/3/0/7", "84 07 42 00 0E D8", {"/3/0/7/0": 3800}),
    ("resources in any order within an instance", "/3/0", "C1 0A 0F C1 09 64", {"/3/0/10": 15, "/3/0/9": 100}),
    ("16-bit identifier for a small id (Table 21 bit 5 is the sender's choice)", "/3/0/9", "E1 00 09 64",
     {"/3/0/9": 100}),
    ("16-bit Length field for a 1-byte value", "/3/0/9", "D0 09 00 01 64", {"/3/0/9": 100}),
    ("8-byte integer (Appendix C: 1, 2, 4 or 8 bytes)", "/3/0/9", "C8 09 08 00 00 00 00 00 00 00 64",
     {"/3/0/9": 100}),
    ("4-byte float where 8 would do (Appendix C: 4 or 8 bytes)", "/72/0/2", "C4 02 41 B3 33 33",
     {"/72/0/2": 22.399999618530273}),
    ("Opaque of length 0", "/0/0/3", "C0 03", {"/0/0/3": b""}),
    ("String of length 0", "/3/0/0", "C0 00", {"/3/0/0": ""}),
    ("nothing at all for a multiple resource without instances", "/3/0/7", "", {}),
])
def test_leniency(source: str, base: str, hexs: str, expected: dict) -> None:
    assert tlv.decode(h(hexs), P(base), MODEL) == tree(expected)
