"""Value and instance validation: every RangeEnumeration form, type rules, instance shape, operations."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meterproof.lwm2m.model import Catalog, Issue, check_instance, default_catalog, validate_value
from meterproof.lwm2m.model.types import DataType, ObjectDef, Operations, ResourceDef
from meterproof.lwm2m.model.validate import (
    is_executable, is_readable, is_writable, operations, parse_range,
)
from meterproof.lwm2m.path import P, Path
from meterproof.lwm2m.values import ObjLnk

T = DataType


def rdef(dtype: DataType, rng: str = "", ops: Operations = Operations.RW, multiple: bool = False,
         mandatory: bool = False, rid: int = 0) -> ResourceDef:
    return ResourceDef(rid, f"r{rid}", ops, multiple, mandatory, dtype, rng)


def rules(r: ResourceDef, value: object) -> list[str]:
    return [i.rule for i in validate_value(r, value)]


# -- RangeEnumeration forms (each one seen in the OMNA registry, plus the ones the spec uses) -------

@pytest.mark.parametrize("text, dtype, ok, bad", [
    ("0..255", T.INTEGER, [0, 255], [-1, 256]),
    ("-128..127", T.INTEGER, [-128, 127], [-129, 128]),
    ("1-65534", T.INTEGER, [1, 65534], [0, 65535]),
    ("0-100", T.INTEGER, [0, 100], [101]),
    ("0 - 1", T.INTEGER, [0, 1], [2]),
    ("0,1,2", T.INTEGER, [0, 2], [3, -1]),
    ("0..3, 7", T.UNSIGNED_INTEGER, [3, 7], [5]),
    ("0..65535", T.UNSIGNED_INTEGER, [65535], [65536]),
    ("-1..1", T.FLOAT, [-1.0, 0.5, 1], [1.01, math.nan, math.inf]),
    ("0.0..86400.0", T.FLOAT, [0.0, 86400], [86400.5]),
    ("0.00..100.00", T.FLOAT, [99.99], [-0.01]),
    ("1 bytes", T.INTEGER, [-128, 255], [256, -129]),
    ("2 bytes", T.INTEGER, [65535, -32768], [65536]),
    ("16-bit", T.INTEGER, [65535], [65536]),
    ("8-Bits", T.INTEGER, [255], [256]),
])
def test_numeric_ranges(text: str, dtype: DataType, ok: list, bad: list) -> None:
    r = rdef(dtype, text)
    for v in ok:
        assert validate_value(r, v) == [], (text, v)
    for v in bad:
        (issue,) = validate_value(r, v, P("/9/0/1"))
        assert issue.rule == "range" and issue.path == P("/9/0/1") and text in issue.expected, (text, v)


@pytest.mark.parametrize("text, dtype, ok, bad", [
    ("0..255", T.STRING, ["", "x" * 255], ["x" * 256]),
    ("0-255 bytes", T.STRING, ["é" * 127], ["é" * 128]),          # bytes, not characters
    ("0..255 bytes", T.STRING, ["abc"], ["a" * 300]),
    ("32 bytes", T.STRING, ["a" * 32], ["a" * 33]),
    ("6 bytes", T.OPAQUE, [b"123456", b""], [b"1234567"]),
    ("6", T.OPAQUE, [b"12345"], [b"1234567"]),
    ("16,32,48", T.OPAQUE, [b"k" * 16, b"k" * 48], [b"k" * 17]),
    ("16-32-48 bytes", T.OPAQUE, [b"k" * 32], [b"k" * 33, b""]),
    ("0..255", T.OPAQUE, [bytearray(3)], [bytes(256)]),
])
def test_length_ranges(text: str, dtype: DataType, ok: list, bad: list) -> None:
    r = rdef(dtype, text)
    for v in ok:
        assert validate_value(r, v) == [], (text, len(v))
    for v in bad:
        assert rules(r, v) == ["length"], (text, len(v))


def test_string_enumeration() -> None:
    r = rdef(T.STRING, "U, T, S, N")
    assert validate_value(r, "T") == []
    (issue,) = validate_value(r, "X")
    assert (issue.rule, issue.expected, issue.received) == ("enumeration", "one of U, T, S, N", "'X'")
    assert rules(rdef(T.STRING, "ON;OFF"), "OFF") == []


@pytest.mark.parametrize("text, dtype", [
    ("255", T.INTEGER),                 # exact value or maximum? ambiguous in the registry
    ("ON;OFF", T.FLOAT),                # words on a number
    ("The possible values are those listed in the LwM2M Core Specification", T.STRING),
    ("The possible values of Resource are listed in 5.3.1.1", T.STRING),
    ("", T.INTEGER), ("0..1", T.BOOLEAN), ("0..9", T.OBJLNK), ("5..1", T.INTEGER), ("a..b", T.INTEGER),
])
def test_unparseable_or_meaningless_ranges_are_ignored(text: str, dtype: DataType) -> None:
    assert parse_range(text, dtype) is None


def test_every_registry_range_is_parsed_or_known_free_text(registry_catalog: Catalog) -> None:
    unparsed = set()
    for d in registry_catalog:
        for r in d.resources.values():
            if r.range_enumeration and parse_range(r.range_enumeration, r.type) is None:
                unparsed.add((r.range_enumeration, r.type.value))
    assert unparsed == {
        ("255", "Integer"), ("ON;OFF", "Float"),
        ("The possible values are those listed in the LwM2M Core Specification", "String"),
        ("The possible values of Resource are listed in 5.3.1.1", "String"),
    }


# -- type rules --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, good, wrong", [
    (T.INTEGER, [0, -5, 2**63 - 1], [True, False, 1.0, "1", b"\x01", None]),
    (T.UNSIGNED_INTEGER, [0, 2**64 - 1], [True, 1.5, "7"]),
    (T.FLOAT, [1.5, 3, -0.0], [True, "1.5", None]),
    (T.BOOLEAN, [True, False], [0, 1, "true", None]),
    (T.STRING, ["", "Acme"], [b"Acme", 1, None]),
    (T.OPAQUE, [b"", b"\x00", bytearray(b"x")], ["00", 0, [1, 2]]),
    (T.TIME, [0, 1_700_000_000, -1], [1.5, True, "2024-01-01"]),
    (T.OBJLNK, [ObjLnk(3, 0), ObjLnk(65535, 65535)], ["3:0", (3, 0), 3]),
    (T.CORELNK, ["</3/0>"], [b"</3/0>"]),
])
def test_python_type_must_match(dtype: DataType, good: list, wrong: list) -> None:
    r = rdef(dtype)
    for v in good:
        assert validate_value(r, v) == [], (dtype, v)
    for v in wrong:
        assert rules(r, v) == ["type"], (dtype, v)


def test_bool_is_not_an_integer_message() -> None:
    (issue,) = validate_value(rdef(T.INTEGER), True, P("/3/0/9"))
    assert issue == Issue(P("/3/0/9"), "type", "Integer (int)", "bool True")
    assert str(issue) == "/3/0/9: type: expected Integer (int), received bool True"


def test_integer_sizes_unsigned_utf8_and_executables() -> None:
    assert rules(rdef(T.INTEGER), 2**63) == ["integer-size"]
    assert rules(rdef(T.INTEGER), -(2**63) - 1) == ["integer-size"]
    assert rules(rdef(T.UNSIGNED_INTEGER), -1) == ["unsigned"]
    assert rules(rdef(T.UNSIGNED_INTEGER, "0..3"), -1) == ["unsigned", "range"]
    assert rules(rdef(T.UNSIGNED_INTEGER), 2**64) == ["integer-size"]
    assert rules(rdef(T.STRING), "\ud800") == ["utf8"]
    assert rules(rdef(T.NONE, ops=Operations.E), b"") == ["executable"]


def test_units_are_informative_only() -> None:
    r = ResourceDef(1, "Voltage", Operations.R, False, True, T.FLOAT, "", "V")
    assert validate_value(r, 230.1) == []


# -- instances -----------------------------------------------------------------------------

DEVICE_OK = {
    P("/3/0/0"): "Acme", P("/3/0/11/0"): 0, P("/3/0/16"): "UQ", P("/3/0/7/0"): 3800, P("/3/0/7/1"): 5000,
    P("/3/0/13"): 1_700_000_000,
}


def device() -> ObjectDef:
    return default_catalog().get(3, "1.2")


def test_a_conformant_instance_has_no_issues() -> None:
    assert check_instance(device(), DEVICE_OK) == []
    assert check_instance(device(), {0: "Acme", 11: {0: 0}, 16: "U"}, instance_id=0) == []


def test_instance_issues() -> None:
    values = dict(DEVICE_OK)
    del values[P("/3/0/16")]                       # mandatory, readable
    values[P("/3/0/0/0")] = "Acme"                  # single given as instance (and the bare one is there too)
    values[P("/3/0/9")] = 101                       # out of range
    values[P("/3/0/6")] = 1                         # multiple given bare
    values[P("/3/0/4")] = b""                       # executable with a value
    values[P("/3/0/999")] = "?"                     # unknown
    values[P("/3/1/1")] = "other instance"
    values[P("/4/0/0")] = 0
    found = {(i.rule, str(i.path)) for i in check_instance(device(), values)}
    assert found == {
        ("mandatory-missing", "/3/0/16"), ("single-as-multiple", "/3/0/0/0"), ("range", "/3/0/9"),
        ("multiple-as-single", "/3/0/6"), ("executable", "/3/0/4"), ("unknown-resource", "/3/0/999"),
        ("wrong-instance", "/3/1/1"), ("wrong-instance", "/4/0/0"),
    }


def test_mandatory_but_unreadable_resources_are_not_required() -> None:
    sec = default_catalog().get(0)        # Security 0..5 are mandatory but have no DM operations
    fw = default_catalog().get(5)         # Package (W) and Update (E) are mandatory, not readable
    assert [i.rule for i in check_instance(sec, {}, instance_id=0)] == []
    missing = {i.path for i in check_instance(fw, {}, instance_id=0)}
    assert missing == {P("/5/0/1"), P("/5/0/3"), P("/5/0/5"), P("/5/0/9")}


def test_version_matters_for_the_instance_check() -> None:
    cat = default_catalog()
    assert [i.rule for i in check_instance(cat.get(3, "1.0"), {P("/3/0/11/0"): 20, P("/3/0/16"): "U"})] == ["range"]
    assert check_instance(cat.get(3, "1.2"), {P("/3/0/11/0"): 20, P("/3/0/16"): "U"}) == []


# -- operations -----------------------------------------------------------------------------

def test_operation_helpers() -> None:
    assert is_readable(P("/3/0/0")) and not is_writable(P("/3/0/0"))
    assert is_executable(P("/3/0/4")) and not is_readable(P("/3/0/4"))
    assert is_writable(P("/3/0/13")) and is_readable(P("/3/0/13/0"))
    assert operations(P("/0/0/5")) == Operations.NONE and not is_readable(P("/0/0/5"))
    assert operations(P("/3/0")) is None and not is_readable(P("/65000/0/0"))
    v10 = default_catalog().for_versions({1: "1.0"})
    assert is_executable(P("/1/0/9")) and not is_executable(P("/1/0/9"), v10)


# -- robustness ------------------------------------------------------------------------------

class Hostile:
    def __repr__(self) -> str:
        raise RuntimeError("no")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no")

    __hash__ = object.__hash__


ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(), st.binary(), st.builds(bytearray, st.binary()),
    st.builds(ObjLnk, st.integers(0, 65535), st.integers(0, 65535)), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.integers(), st.text(), max_size=2), st.just(Hostile()), st.complex_numbers(),
)


def _all_defs() -> list[ResourceDef]:
    defs = [r for d in default_catalog() for r in d.resources.values()]
    extra = ["0,1,2", "U, T, S, N", "16-32-48 bytes", "8-Bits", "-128..127", "0 - 1", "ON;OFF", "255", "x..y"]
    return defs + [rdef(t, e) for t in DataType for e in extra]


ALL_DEFS = _all_defs()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(ALL_DEFS) - 1), value=ANY_VALUE)
def test_validation_never_raises(index: int, value: object) -> None:
    issues = validate_value(ALL_DEFS[index], value, P("/1/2/3"))
    assert all(isinstance(i, Issue) for i in issues)
    for i in issues:
        str(i)


@settings(max_examples=150, deadline=None)
@given(oid=st.sampled_from([3, 5, 3421, 10281]),
       values=st.dictionaries(
           st.one_of(st.integers(-5, 70000), st.builds(Path, st.lists(st.integers(0, 65535), max_size=4).map(tuple)),
                     st.text(max_size=3)),
           st.one_of(ANY_VALUE, st.dictionaries(st.one_of(st.integers(-1, 70000), st.text(max_size=2)), ANY_VALUE,
                                                max_size=2)),
           max_size=6))
def test_instance_check_never_raises(oid: int, values: dict) -> None:
    issues = check_instance(default_catalog().get(oid), values)
    assert all(isinstance(i, Issue) for i in issues)
