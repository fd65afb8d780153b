"""Device Management & Service Enablement against the simulated meter, through the engine."""

from __future__ import annotations

import pytest

from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.formats import link
from meterproof.lwm2m.path import P
from meterproof.sim.profiles import METER_OBJECT
from meterproof.sim.representation import served

MULTI_VALUE = (CF.TLV, CF.OMA_JSON, CF.SENML_JSON, CF.SENML_CBOR, CF.LWM2M_CBOR)


@pytest.mark.parametrize("lwm2m", ["1.0", "1.1", "1.2"])
def test_read_every_object_in_every_served_format(make_rig, lwm2m):
    rig = make_rig(lwm2m=lwm2m, meter="water")
    reg = rig.server.registration(rig.ep)
    formats = [cf for cf in served(lwm2m) if cf in MULTI_VALUE]
    for oid in sorted(reg.objects.objects):
        reference = None
        for cf in formats:
            res = rig.server.read(rig.ep, f"/{oid}", accept=cf)
            assert res.code_text == "2.05", (oid, cf, res.payload)
            assert res.content_format == cf
            assert res.decode_error is None, (oid, cf, res.decode_error)
            keys = set(res.values or {})
            reference = keys if reference is None else reference
            assert keys == reference, (oid, cf)
    default = rig.server.read(rig.ep, "/3/0")
    assert default.content_format == (CF.TLV if lwm2m == "1.0" else CF.SENML_CBOR)
    assert default.values[P("/3/0/0")] == "meterproof"
    assert P("/3/0/11/0") in default.values and default.values[P("/3/0/16")] == "U"


@pytest.mark.parametrize("path,accept,value", [
    ("/3/0/0", CF.TEXT, "meterproof"), ("/1/0/6", CF.TEXT, False), ("/1/0/1", CF.CBOR, 86400),
    ("/19/0/0/0", CF.OPAQUE, None), ("/3/0/11/0", CF.TEXT, 0),
])
def test_single_value_formats(rig, path, accept, value):
    res = rig.server.read(rig.ep, path, accept=accept)
    assert res.code_text == "2.05" and res.content_format == accept and res.decode_error is None
    if value is not None:
        assert res.values == {P(path): value}
    if path == "/1/0/6":
        assert res.payload == b"0"


def test_cumulative_reading_grows_and_voltage_steps(rig):
    first = rig.server.read(rig.ep, "/3421/0/25").values[P("/3421/0/25")]
    rig.server.read(rig.ep, "/3/0/0")
    rig.lt.run(__import__("asyncio").sleep(0.3))
    assert rig.server.read(rig.ep, "/3421/0/25").values[P("/3421/0/25")] > first
    v = rig.server.read(rig.ep, "/3/0/7", accept=CF.SENML_CBOR).values
    assert set(v) == {P("/3/0/7/0"), P("/3/0/7/1")} and all(isinstance(x, int) for x in v.values())


@pytest.mark.parametrize("path,code", [
    ("/3/1", "4.04"), ("/3/0/99", "4.04"), ("/8", "4.04"), ("/3/0/4", "4.05"), ("/5/0/0", "4.05"),
    ("/0", "4.01"), ("/0/0/5", "4.01"),
])
def test_read_errors(rig, path, code):
    assert rig.server.read(rig.ep, path).code_text == code


def test_unserved_accept_is_406_and_unsupported_write_format_is_415(rig):
    assert rig.server.read(rig.ep, "/3/0", accept=CF.TEXT).code_text == "4.06"
    assert rig.server.read(rig.ep, "/3/0/0", accept=CF.OPAQUE).code_text == "4.06"
    assert rig.server.read(rig.ep, "/3/0", accept=CF.LWM2M_CBOR).code_text == "4.06"   # 1.2 only
    res = rig.server.write(rig.ep, "/1/0/1", payload=b"<x>", content_format=CF.LINK)
    assert res.code_text == "4.15"
    assert rig.server.write(rig.ep, "/1/0/1", payload=b"\xff\x00", content_format=CF.TLV).code_text == "4.00"


def test_write_replace_partial_and_resource_instance(rig):
    r = rig.server.write(rig.ep, "/1/0", {"/1/0/2": 101, "/1/0/3": 1010}, partial=True, content_format=CF.TLV)
    assert r.code_text == "2.04"
    vals = rig.server.read(rig.ep, "/1/0").values
    assert vals[P("/1/0/2")] == 101 and vals[P("/1/0/3")] == 1010 and vals[P("/1/0/7")] == "U"
    r = rig.server.write(rig.ep, "/3/0", {"/3/0/13": 1367491215, "/3/0/14": "+02:00", "/3/0/15": "Europe/Paris"},
                         partial=True, content_format=CF.SENML_JSON)
    assert r.code_text == "2.04"
    assert rig.server.read(rig.ep, "/3/0/14").values == {P("/3/0/14"): "+02:00"}
    assert abs(rig.server.read(rig.ep, "/3/0/13").values[P("/3/0/13")] - 1367491215) <= 2
    assert rig.server.write(rig.ep, "/19/1/0/0", b"hello", content_format=CF.OPAQUE).code_text == "2.04"
    assert rig.server.read(rig.ep, "/19/1/0/0", accept=CF.OPAQUE).payload == b"hello"
    r = rig.server.write(rig.ep, "/19/1/0", {"/19/1/0/0": b"a", "/19/1/0/3": b"b"}, content_format=CF.TLV)
    assert r.code_text == "2.04"
    assert rig.server.read(rig.ep, "/19/1/0").values == {P("/19/1/0/0"): b"a", P("/19/1/0/3"): b"b"}


@pytest.mark.parametrize("path,value,cf,code", [
    ("/1/0/0", 5, CF.TEXT, "4.05"), ("/3/0/0", "x", CF.TEXT, "4.05"), ("/1/0/1", "abc", CF.TEXT, "4.00"),
    ("/3/0/99", 1, CF.TEXT, "4.04"), ("/1/0/6", True, CF.CBOR, "2.04"),
])
def test_write_checks(rig, path, value, cf, code):
    payload = str(value).encode() if cf == CF.TEXT else None
    res = rig.server.write(rig.ep, path, value, content_format=cf, payload=payload)
    assert res.code_text == code


def test_execute(rig):
    assert rig.server.execute(rig.ep, "/3/0/12").code_text == "2.04"
    assert rig.server.execute(rig.ep, "/3/0/0").code_text == "4.05"
    assert rig.server.execute(rig.ep, "/3/0/99").code_text == "4.04"
    assert rig.server.execute(rig.ep, "/1/0/9").code_text == "2.04"
    assert rig.meter.bootstrap_requests == 1


def test_create_delete(rig):
    assert rig.server.create(rig.ep, "/3", {"/3/1/0": "x"}).code_text == "4.05"
    assert rig.server.delete(rig.ep, "/3/0").code_text == "4.05"
    res = rig.server.create(rig.ep, "/19", {"/19/5/0/0": b"x"}, content_format=CF.SENML_CBOR)
    assert res.code_text == "2.01"
    assert rig.server.read(rig.ep, "/19/5/0/0", accept=CF.OPAQUE).payload == b"x"
    # the client picks the id: no instance TLV around the resources
    from meterproof.lwm2m.formats import tlv
    body = tlv.encode({P("/19/9/0/0"): b"y"}, P("/19/9"), rig.aio.model_for(None))
    res = rig.server.create(rig.ep, "/19", {}, payload=body, content_format=CF.TLV)
    assert res.code_text == "2.01" and res.location == "/19/2"
    assert rig.server.create(rig.ep, "/19", {"/19/5/0/0": b"x"}).code_text == "4.00"
    assert rig.server.delete(rig.ep, "/19/5").code_text == "2.02"
    assert rig.server.delete(rig.ep, "/19/5").code_text == "4.04"
    assert rig.server.read(rig.ep, "/19/5").code_text == "4.04"


def _links(res):
    return {lk.target: lk.params for lk in link.parse(res.payload)}


def test_discover_shapes_and_attributes(rig):
    d = _links(rig.server.discover(rig.ep, "/3"))
    assert d["/3"] == {"ver": "1.1"} and "/3/0" in d and d["/3/0/7"] == {"dim": "2"} and "/3/0/11" in d
    assert rig.server.write_attributes(rig.ep, "/3/0", pmin=10, pmax=200).code_text == "2.04"
    assert rig.server.write_attributes(rig.ep, "/3/0/7", lt=1, gt=6, st=1).code_text == "2.04"
    d = _links(rig.server.discover(rig.ep, "/3/0"))
    assert d["/3/0"] == {"pmin": "10", "pmax": "200"} and d["/3/0/7"] == {"dim": "2", "lt": "1", "gt": "6", "st": "1"}
    d = _links(rig.server.discover(rig.ep, "/3/0/7"))
    assert d["/3/0/7"] == {"pmin": "10", "pmax": "200", "dim": "2", "lt": "1", "gt": "6", "st": "1"}
    assert "/3/0/7/0" in d and "/3/0/7/1" in d
    d = _links(rig.server.discover(rig.ep, "/3421"))
    assert d["/3421"] == {"ver": "2.0"}



def test_discover_depth_levels_in_1_2(make_rig):
    """TS Core 1.2 Discover: depth N lists the target and N levels below it; 4.00 for a depth outside 0..3."""
    rig = make_rig(lwm2m="1.2")
    levels = {d: {len(P(t)) for t in _links(rig.server.discover(rig.ep, "/3", depth=d))} for d in range(4)}
    assert levels == {0: {1}, 1: {1, 2}, 2: {1, 2, 3}, 3: {1, 2, 3, 4}}
    assert set(_links(rig.server.discover(rig.ep, "/3/0/7", depth=0))) == {"/3/0/7"}
    assert {len(P(t)) for t in _links(rig.server.discover(rig.ep, "/3/0", depth=2))} == {2, 3, 4}
    assert rig.server.discover(rig.ep, "/3", depth=4).code_text == "4.00"


def test_discover_depth_ignored_before_1_2_and_one_short_with_the_defect(make_rig):
    assert {len(P(t)) for t in _links(make_rig(lwm2m="1.1").server.discover("meter-0001", "/3", depth=1))} == {1, 2, 3}
    rig = make_rig(lwm2m="1.2", ep="meter-0002", defects=["discover-depth-one-short"])
    assert {len(P(t)) for t in _links(rig.server.discover(rig.ep, "/3", depth=1))} == {1}

@pytest.mark.parametrize("attrs", [dict(lt=5, gt=1), dict(lt=1, gt=6, st=3), dict(foo=1), dict(pmin=-1),
                                   dict(pmin="x")])
def test_invalid_attributes_are_400(rig, attrs):
    assert rig.server.write_attributes(rig.ep, "/3/0/7", **attrs).code_text == "4.00"


def test_step_on_string_resource_is_400(rig):
    assert rig.server.write_attributes(rig.ep, "/3/0/0", st=1).code_text == "4.00"
    assert rig.server.write_attributes(rig.ep, "/0/0", pmin=30, pmax=45).code_text == "4.01"
    assert rig.server.write_attributes(rig.ep, "/3/0/0", pmin=30, pmax=5).code_text == "2.04"


@pytest.mark.parametrize("cf", [CF.SENML_CBOR, CF.SENML_JSON])
def test_composite_read_and_write(rig, cf):
    res = rig.server.read_composite(rig.ep, ["/3/0/16", "/3/0/11/0", "/1/0", "/3339/0/5522"], content_format=cf)
    assert res.code_text == "2.05" and res.decode_error is None
    assert res.values[P("/3/0/16")] == "U" and res.values[P("/1/0/1")] == 86400
    assert not any(p.object_id == 3339 for p in res.values)
    root = rig.server.read_composite(rig.ep, ["/"], content_format=cf)
    assert root.code_text == "2.05" and root.values is not None, (root.code_text, root.decode_error, len(root.payload))
    assert not any(p.object_id == 0 for p in root.values)
    assert any(p.object_id == METER_OBJECT["electricity"] for p in root.values)
    ok = rig.server.write_composite(rig.ep, {"/1/0/2": 7, "/1/0/6": True, "/3/0/14": "+03:00"}, content_format=cf)
    assert ok.code_text == "2.04"
    bad = rig.server.write_composite(rig.ep, {"/1/0/2": 9, "/1/0/0": 4}, content_format=cf)
    assert bad.code_text == "4.05"
    assert rig.server.read(rig.ep, "/1/0/2").values == {P("/1/0/2"): 7}      # atomic: nothing written


def test_composite_not_in_1_0(make_rig):
    rig = make_rig(lwm2m="1.0")
    assert rig.server.read_composite(rig.ep, ["/3/0"]).code_text == "4.05"


@pytest.mark.parametrize("kind,oid", [("gas", 3423), ("water", 3424), ("electricity", 3421)])
def test_metering_objects_validate_against_the_model(make_rig, kind, oid):
    from meterproof.lwm2m.model.validate import check_instance
    rig = make_rig(meter=kind)
    res = rig.server.read(rig.ep, f"/{oid}/0")
    assert res.code_text == "2.05"
    odef = rig.aio.model_for(rig.server.registration(rig.ep)).object_def(oid)
    assert check_instance(odef, {p: v for p, v in res.values.items()}) == []


def test_replace_that_removes_current_time_is_answered(rig):
    """A Write-replace of /3/0 without /3/0/13 removes that optional resource; the meter answers 2.04
    (it used to answer 5.00: the clock-setting hook ran on the removed value). Found by the fuzzer."""
    r = rig.server.write(rig.ep, "/3/0", {"/3/0/14": "+01:00", "/3/0/15": "Europe/Paris"}, content_format=CF.TLV)
    assert r.code_text == "2.04"
    assert rig.server.read(rig.ep, "/3/0/0").code_text == "2.05"
