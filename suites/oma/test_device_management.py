"""OMA ETS Device Management & Service Enablement cases (int-201 .. int-281, int-680, int-685) and
meterproof's error-code cases.

Source of the steps and pass criteria: OMA-ETS-LightweightM2M_INT-V1_2-20231003-A § DM & SE
(paraphrased in ../shared/reference/oma-ets-cases.md §1.3 and §1.6); response codes from OMA TS
Transport 1.1 §6.3 and RFC 7252 §5.9.  The ETS configuration C.1/C.3 values (SSID 1, lifetime
86400, storing false, binding "U", error code 0) are what a bootstrapped device holds.
"""

from __future__ import annotations

from fixtures import CF, P, codes, errata, ets, expect, mp, requires

DEVICE_BASICS = ("/3/0/0", "/3/0/1", "/3/0/2")


def _read_values(server, dut, path: str, accept: int | None = None):  # type: ignore[no-untyped-def]
    r = server.read(dut.endpoint, path, accept=accept)
    expect.code(r, codes.CONTENT)
    if accept is not None:
        expect.content_format(r, accept)
    return expect.decodes(r)


def _under(values, path: str) -> None:  # type: ignore[no-untyped-def]
    """Every decoded path lies under the requested one."""
    base = P(path)
    stray = [str(k) for k in values if not k.startswith(base)]
    expect.true(not stray, f"paths in the answer to {path}", f"all under {path}", ", ".join(stray[:5]))


def _read_complete(server, dut, *paths: str) -> None:  # type: ignore[no-untyped-def]
    """Each path reads (format of the device's choice), stays under itself, and is complete per its object."""
    for path in paths:
        values = _read_values(server, dut, path)
        _under(values, path)
        expect.has_mandatory_resources(values)


# ----------------------------------------------------------------------------------------- reads
@ets("LightweightM2M-1.1-int-201", "Querying basic information in Plain Text format")
@requires(content_format=CF.TEXT)
def test_int_201_read_plain_text(server, dut, transcript):
    """GET /3/0/0, /3/0/1, /3/0/2 with Accept text/plain: each 2.05, text/plain, a non-empty string."""
    for path in DEVICE_BASICS:
        values = _read_values(server, dut, path, CF.TEXT)
        v = values.get(P(path))
        expect.true(isinstance(v, str) and v != "", f"{path} value", "a non-empty string", repr(v))


@ets("LightweightM2M-1.1-int-203", "Querying basic information in TLV format")
@requires(content_format=CF.TLV)
def test_int_203_read_tlv(server, dut, transcript):
    """GET /3/0 with Accept TLV: 2.05, TLV, with resources 0, 1, 2, 3, 11 (multiple) and 16."""
    values = _read_values(server, dut, "/3/0", CF.TLV)
    expect.present(values, "/3/0/0", "/3/0/1", "/3/0/2", "/3/0/3", "/3/0/11", "/3/0/16")
    expect.true(any(len(k) == 4 and k.resource_id == 11 for k in values), "/3/0/11 encoding",
                "a multiple resource (resource instances)", "a single value")
    expect.has_mandatory_resources(values)


@ets("LightweightM2M-1.1-int-204", "Querying basic information in JSON format")
@requires(content_format=CF.OMA_JSON)
def test_int_204_read_json(server, dut, transcript):
    """GET /3/0 with Accept application/vnd.oma.lwm2m+json: 2.05 with resources 0, 1, 2, 3, 11, 16."""
    values = _read_values(server, dut, "/3/0", CF.OMA_JSON)
    expect.present(values, "/3/0/0", "/3/0/1", "/3/0/2", "/3/0/3", "/3/0/11", "/3/0/16")
    expect.has_mandatory_resources(values)


@ets("LightweightM2M-1.1-int-205", "Setting basic information in Plain Text format")
@requires(content_format=CF.TEXT)
def test_int_205_write_plain_text(server, dut, transcript):
    """PUT /1/0/2=101, /1/0/3=1010, /1/0/5=2000 in text/plain: 2.04 each; GET /1/0 shows them; restore."""
    new = {"/1/0/2": 101, "/1/0/3": 1010, "/1/0/5": 2000}
    before = _read_values(server, dut, "/1/0")
    for path, value in new.items():
        expect.code(server.write(dut.endpoint, path, value, content_format=CF.TEXT), codes.CHANGED)
    after = _read_values(server, dut, "/1/0")
    for path, value in new.items():
        expect.value(after, path, value)
    for path in new:
        if P(path) in before:
            expect.code(server.write(dut.endpoint, path, before[P(path)], content_format=CF.TEXT), codes.CHANGED)


@ets("LightweightM2M-1.1-int-211", "Querying basic information in CBOR format")
@requires(lwm2m="1.1", content_format=CF.CBOR)
def test_int_211_read_cbor(server, dut, transcript):
    """GET /1/0/0, /1/0/6, /1/0/7 with Accept application/cbor: 2.05 CBOR with 1, false, "U"."""
    for path, expected in (("/1/0/0", 1), ("/1/0/6", False), ("/1/0/7", "U")):
        values = _read_values(server, dut, path, CF.CBOR)
        expect.value(values, path, expected)


@ets("LightweightM2M-1.1-int-215", "Setting basic information in TLV format")
@requires(content_format=CF.TLV)
def test_int_215_partial_update_tlv(server, dut, transcript):
    """POST /1/0 (partial update, TLV) with the ETS 215 values; GET /1/0 shows them and keeps the rest;
    PUT /1/0 restores the saved instance (with the mandatory Lifetime)."""
    errata.apply("int-215-lifetime")
    saved = _read_values(server, dut, "/1/0", CF.TLV)
    # ETS 215-SetOfValues, byte for byte: /1/0/2=101, /1/0/3=1010, /1/0/5=2000, /1/0/6=true, /1/0/7="U"
    payload = bytes.fromhex("C10265" "C20303F2" "C20507D0" "C10601" "C10755")
    r = server.write(dut.endpoint, "/1/0", payload=payload, content_format=CF.TLV, partial=True)
    expect.code(r, codes.CHANGED)
    after = _read_values(server, dut, "/1/0", CF.TLV)
    for path, value in (("/1/0/2", 101), ("/1/0/3", 1010), ("/1/0/5", 2000), ("/1/0/6", True), ("/1/0/7", "U")):
        expect.value(after, path, value)
    expect.value(after, "/1/0/1", saved[P("/1/0/1")], clause="OMA TS Core 1.1 §6.3.3: a partial update keeps "
                 "the resources it does not name")
    writable = {k: v for k, v in saved.items() if k.resource_id in (1, 2, 3, 5, 6, 7)}
    expect.code(server.write(dut.endpoint, "/1/0", writable, content_format=CF.TLV), codes.CHANGED)


@ets("LightweightM2M-1.1-int-221", "Attempt to perform operations on Security")
def test_int_221_security_object_is_off_limits(server, dut, transcript):
    """GET /0, PUT /0/0/0, Write-Attributes on /0 from a DM server: all 4.01 Unauthorized."""
    expect.code(server.read(dut.endpoint, "/0"), codes.UNAUTHORIZED)
    expect.code(server.write(dut.endpoint, "/0/0/0", "coap://attacker.invalid", content_format=CF.TEXT),
                codes.UNAUTHORIZED)
    expect.code(server.write_attributes(dut.endpoint, "/0", pmin=30, pmax=45), codes.UNAUTHORIZED)


@ets("LightweightM2M-1.1-int-222", "Read on Object")
def test_int_222_read_object(server, dut, transcript):
    """GET /1 and GET /3: 2.05 with every instance and its resources (only /3/0 for Device)."""
    servers = _read_values(server, dut, "/1")
    _under(servers, "/1")
    expect.has_mandatory_resources(servers)
    device = _read_values(server, dut, "/3")
    _under(device, "/3")
    expect.true({k.instance_id for k in device} == {0}, "Device object instances", "exactly /3/0",
                sorted({k.instance_id for k in device}))
    expect.has_mandatory_resources(device)


@ets("LightweightM2M-1.1-int-223", "Read on Object Instance")
def test_int_223_read_object_instance(server, dut, transcript):
    """GET /1/0 and GET /3/0: 2.05 with all (readable, mandatory at least) resources."""
    _read_complete(server, dut, "/1/0", "/3/0")


@ets("LightweightM2M-1.1-int-224", "Read on Resource")
def test_int_224_read_resource(server, dut, transcript):
    """GET /1/0/0, /1/0/1, /1/0/6, /1/0/7, /3/0/16 (no Accept): 2.05 each, decodable, only that resource."""
    for path in ("/1/0/0", "/1/0/1", "/1/0/6", "/1/0/7", "/3/0/16"):
        values = _read_values(server, dut, path)
        expect.present(values, path)
        _under(values, path)


@ets("LightweightM2M-1.1-int-225", "Read on Resource Instance")
@requires(lwm2m="1.1")
def test_int_225_read_resource_instance(server, dut, transcript):
    """GET /3/0/11/0: 2.05 with only that resource instance."""
    values = _read_values(server, dut, "/3/0/11/0")
    expect.present(values, "/3/0/11/0")
    expect.equal(sorted(str(k) for k in values), ["/3/0/11/0"], "paths in the answer to /3/0/11/0")


@ets("LightweightM2M-1.1-int-226", "Write (Partial Update) on Object Instance")
@requires(lwm2m="1.1")
def test_int_226_partial_update_instance(server, dut, timing, transcript):
    """One POST /1/0 with lifetime 61 and storing true: 2.04 and an Update with lt=61; GET /1/0 shows
    both and keeps the other resources; restore."""
    saved = _read_values(server, dut, "/1/0")
    mark = server.mark()
    r = server.write(dut.endpoint, "/1/0", {"/1/0/1": 61, "/1/0/6": True}, content_format=CF.TLV, partial=True)
    expect.code(r, codes.CHANGED)
    ev = expect.event(server, "updated", dut.endpoint, since=mark, timeout=timing.reaction,
                      what="Registration Update after the lifetime change")
    expect.equal(ev["params"].get("lt"), "61", "Update 'lt' query parameter")
    after = _read_values(server, dut, "/1/0")
    expect.value(after, "/1/0/1", 61)
    expect.value(after, "/1/0/6", True)
    expect.value(after, "/1/0/7", saved[P("/1/0/7")])
    restore = {k: saved[P(k)] for k in ("/1/0/1", "/1/0/6")}
    expect.code(server.write(dut.endpoint, "/1/0", restore, content_format=CF.TLV, partial=True), codes.CHANGED)


@ets("LightweightM2M-1.1-int-227", "Write (replace) on Resource")
@requires(lwm2m="1.1")
def test_int_227_write_resource(server, dut, timing, transcript):
    """PUT /1/0/1=63: 2.04 and an Update with lt=63; GET /1/0/1 = 63."""
    mark = server.mark()
    expect.code(server.write(dut.endpoint, "/1/0/1", 63, content_format=CF.TEXT), codes.CHANGED)
    ev = expect.event(server, "updated", dut.endpoint, since=mark, timeout=timing.reaction,
                      what="Registration Update after the lifetime write")
    expect.equal(ev["params"].get("lt"), "63", "Update 'lt' query parameter")
    expect.value(_read_values(server, dut, "/1/0/1"), "/1/0/1", 63)


def _senml_levels(server, dut, cf):  # type: ignore[no-untyped-def]
    for path in ("/1", "/3/0", "/3/0/16", "/3/0/11/0"):
        values = _read_values(server, dut, path, cf)
        expect.present(values, path)
        _under(values, path)


@ets("LightweightM2M-1.1-int-231", "Querying basic information in SenML JSON format")
@requires(lwm2m="1.1", content_format=CF.SENML_JSON)
def test_int_231_read_senml_json(server, dut, transcript):
    """GET /1, /3/0, /3/0/16, /3/0/11/0 with Accept SenML JSON: 2.05, CF 110, at every level."""
    _senml_levels(server, dut, CF.SENML_JSON)


@ets("LightweightM2M-1.1-int-232", "Querying basic information in SenML CBOR format")
@requires(lwm2m="1.1", content_format=CF.SENML_CBOR)
def test_int_232_read_senml_cbor(server, dut, transcript):
    """GET /1, /3/0, /3/0/16, /3/0/11/0 with Accept SenML CBOR: 2.05, CF 112, at every level."""
    _senml_levels(server, dut, CF.SENML_CBOR)


@ets("LightweightM2M-1.1-int-235", "Read-Composite Operation on root path")
@requires(lwm2m="1.1", feature="composite")
def test_int_235_read_composite_root(server, dut, transcript):
    """FETCH with the path "/": 2.05 with the readable data; no /0 (Security) nor /21 (OSCORE)."""
    r = server.read_composite(dut.endpoint, ["/"])
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    expect.present(values, "/1", "/3")
    expect.absent(values, "/0", "/21")


@ets("LightweightM2M-1.1-int-236", "Read-Composite Operation with partial presence")
@requires(lwm2m="1.1", feature="composite")
def test_int_236_read_composite_partial_presence(server, dut, transcript):
    """FETCH /1/0, /1/0/1, /3/0/11/0 plus the absent /3339/0/5522 and /3353/0/6030: 2.05 with what exists,
    the missing paths left out."""
    r = server.read_composite(dut.endpoint, ["/1/0", "/1/0/1", "/3/0/11/0", "/3339/0/5522", "/3353/0/6030"])
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    expect.present(values, "/1/0/1", "/3/0/11/0")
    expect.absent(values, "/3339", "/3353")


@ets("LightweightM2M-1.1-int-237", "Read on Object without specifying Content-Type")
@requires(lwm2m="1.1")
def test_int_237_read_without_accept(server, dut, transcript):
    """GET /1 and /3 without Accept: 2.05 in a format of the client's choice that the server decodes."""
    _read_complete(server, dut, "/1", "/3")


@ets("LightweightM2M-1.1-int-241", "Executable Resource: Rebooting the device")
@requires(trigger="reboot")
def test_int_241_reboot(server, dut, timing, transcript):
    """POST /3/0/4: 2.04, then the client registers again (the server replaces the registration)."""
    mark = server.mark()
    expect.code(server.execute(dut.endpoint, "/3/0/4"), codes.CHANGED)
    expect.event(server, "registered", dut.endpoint, since=mark, timeout=timing.reaction + timing.s(5),
                 what="a new Register after the reboot")


@ets("LightweightM2M-1.1-int-256", "Write Operation Failure")
@requires(lwm2m="1.1")
def test_int_256_write_read_only(server, dut, transcript):
    """PUT /1/0/0 (read-only SSID) = 123: 4.05 Method Not Allowed; GET /1/0/0 still 1."""
    expect.code(server.write(dut.endpoint, "/1/0/0", 123, content_format=CF.TEXT), codes.METHOD_NOT_ALLOWED)
    expect.value(_read_values(server, dut, "/1/0/0"), "/1/0/0", 1)


@ets("LightweightM2M-1.1-int-257", "Write-Composite Operation")
@requires(lwm2m="1.1", feature="composite")
def test_int_257_write_composite(server, dut, transcript):
    """iPATCH /1/0/2=101, /1/0/6=true, /3/0/13=0: 2.04; reads show the new values."""
    new = {"/1/0/2": 101, "/1/0/6": True, "/3/0/13": 0}
    expect.code(server.write_composite(dut.endpoint, new), codes.CHANGED)
    r = server.read_composite(dut.endpoint, list(new))
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    for path, v in new.items():
        expect.value(values, path, v)


def _discover(server, dut, path: str):  # type: ignore[no-untyped-def]
    r = server.discover(dut.endpoint, path)
    expect.code(r, codes.CONTENT)
    expect.content_format(r, CF.LINK)
    expect.true(r.links is not None, f"Discover {path} payload", "CoRE link format", r.decode_error)
    return {lk.target: lk.params for lk in r.links}


@ets("LightweightM2M-1.1-int-260", "Discover Command")
def test_int_260_discover(server, dut, transcript):
    """Discover /3: the instance and its resources, multiple resources with dim; after Write-Attributes
    /3/0/7?lt=1&gt=6&st=1 the Discover of /3/0/7 shows them."""
    errata.apply("int-260-attr-level")
    links = _discover(server, dut, "/3")
    # The 1.0.1 ETS expects </3>,</3/0/1>,... without the instance link; the 1.2 ETS and the TS Core 1.1+
    # Discover examples list </3/0> as well, so the instance link is required from LwM2M 1.1 on.
    required = ("/3/0/0", "/3/0/1", "/3/0/2", "/3/0/11", "/3/0/16")
    if dut.profile.version_at_least("1.1"):
        required = ("/3/0",) + required
    for target in required:
        expect.true(target in links, f"<{target}> in Discover /3", "listed", f"absent ({', '.join(links)})")
    expect.true("dim" in links.get("/3/0/11", {}), "dim attribute of the multiple resource /3/0/11", "present",
                links.get("/3/0/11"))
    expect.code(server.write_attributes(dut.endpoint, "/3/0/7", lt=1, gt=6, st=1), codes.CHANGED)
    attrs = _discover(server, dut, "/3/0/7").get("/3/0/7", {})
    for k, v in (("lt", "1"), ("gt", "6"), ("st", "1")):
        expect.equal(linkformat_value(attrs.get(k)), v, f"attribute {k} of </3/0/7> in Discover")


def linkformat_value(v: str | None) -> str | None:
    return v.strip('"') if isinstance(v, str) else v


@ets("LightweightM2M-1.1-int-261", "Write-Attribute Operation on a multiple resource")
@requires(lwm2m="1.1")
def test_int_261_write_attributes_multiple_resource(server, dut, transcript):
    """Discover /3/0/11; WA /3?pmin=10&pmax=200, /3/0?pmax=320, /3/0/11/0?pmax=100&epmin=1&epmax=20;
    Discover /3/0/11 shows </3/0/11>;dim=1;pmin=10;pmax=320 and </3/0/11/0>;pmax=100;epmin=1;epmax=20."""
    before = _discover(server, dut, "/3/0/11")
    expect.true("/3/0/11" in before, "</3/0/11> in Discover", "listed", ", ".join(before))
    expect.code(server.write_attributes(dut.endpoint, "/3", pmin=10, pmax=200), codes.CHANGED)
    expect.code(server.write_attributes(dut.endpoint, "/3/0", pmax=320), codes.CHANGED)
    expect.code(server.write_attributes(dut.endpoint, "/3/0/11/0", pmax=100, epmin=1, epmax=20), codes.CHANGED)
    links = _discover(server, dut, "/3/0/11")
    res = {k: linkformat_value(v) for k, v in links.get("/3/0/11", {}).items()}
    inst = {k: linkformat_value(v) for k, v in links.get("/3/0/11/0", {}).items()}
    for k, v in (("pmin", "10"), ("pmax", "320")):
        expect.equal(res.get(k), v, f"attribute {k} of </3/0/11> (inherited)")
    for k, v in (("pmax", "100"), ("epmin", "1"), ("epmax", "20")):
        expect.equal(inst.get(k), v, f"attribute {k} of </3/0/11/0>")


@ets("LightweightM2M-1.1-int-280", "Successful Read-Composite Operation")
@requires(lwm2m="1.1", feature="composite")
def test_int_280_read_composite(server, dut, transcript):
    """FETCH /3/0/16, /3/0/11/0, /1/0: 2.05 SenML with /3/0/11/0=0, /3/0/16, /1/0/0=1, /1/0/1, /1/0/6, /1/0/7."""
    r = server.read_composite(dut.endpoint, ["/3/0/16", "/3/0/11/0", "/1/0"])
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    expect.value(values, "/3/0/11/0", 0)
    expect.value(values, "/1/0/0", 1)
    expect.present(values, "/3/0/16", "/1/0/1", "/1/0/6", "/1/0/7")


@ets("LightweightM2M-1.1-int-281", "Partially Successful Read-Composite Operation")
@requires(lwm2m="1.1", feature="composite")
def test_int_281_read_composite_partial(server, dut, transcript):
    """FETCH /1/0/1, /1/0/7, /1/0/8 (executable): 2.05 with /1/0/1 and /1/0/7 only."""
    r = server.read_composite(dut.endpoint, ["/1/0/1", "/1/0/7", "/1/0/8"])
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    expect.present(values, "/1/0/1", "/1/0/7")
    expect.absent(values, "/1/0/8")


@ets("LightweightM2M-1.1-int-680", "Device Object: Create Object Instance")
def test_int_680_create_device_instance(server, dut, transcript):
    """POST /3 (Create) on the single-instance Device object: 4.05 Method Not Allowed."""
    r = server.create(dut.endpoint, "/3", {"/3/1/14": "+01:00"}, content_format=CF.TLV)
    expect.code(r, codes.METHOD_NOT_ALLOWED)


@ets("LightweightM2M-1.1-int-685", "Device Object: Delete Object Instance")
def test_int_685_delete_device_instance(server, dut, transcript):
    """DELETE /3/0: 4.05 Method Not Allowed."""
    expect.code(server.delete(dut.endpoint, "/3/0"), codes.METHOD_NOT_ALLOWED)


@mp("MP-DM-404", "Operations on absent objects, instances and resources answer 4.04", epic="Device Management and "
    "Service Enablement", feature="Error codes", clause="OMA TS Transport 1.1 Table 6.3-1: Not Found (4.04)")
def test_not_found(server, dut, transcript):
    """GET /3/1, /3/0/9999 and /9999/0: 4.04 Not Found each."""
    for path in ("/3/1", "/3/0/9999", "/9999/0"):
        expect.code(server.read(dut.endpoint, path), codes.NOT_FOUND)


@mp("MP-DM-406", "A Read asking for an unserved Content-Format answers 4.06", epic="Device Management and "
    "Service Enablement", feature="Error codes", clause="RFC 7252 §5.10.4; OMA TS Transport 1.1 Table 6.3-1: "
    "Not Acceptable (4.06)")
def test_not_acceptable(server, dut, transcript):
    """GET /3/0 with Accept 65000 (no LwM2M format): 4.06 Not Acceptable."""
    expect.code(server.read(dut.endpoint, "/3/0", accept=65000), codes.NOT_ACCEPTABLE)
