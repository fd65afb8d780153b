"""OMA ETS Device Management & Service Enablement cases (int-201 .. int-281, with 1.2's int-264 and int-266;
int-680, int-685) and meterproof's error-code cases.

Source of the steps and pass criteria: OMA-ETS-LightweightM2M_INT-V1_2-20231003-A § DM & SE
(paraphrased in ../shared/reference/oma-ets-cases.md §1.3 and §1.6); response codes from OMA TS
Transport 1.1 §6.3 and RFC 7252 §5.9.

The ETS writes ``/1/0/x`` and presumes configuration C.1/C.3 (SSID 1, lifetime 86400, storing false,
binding "U", /1/0/2 = 1, /1/0/3 = 10, /1/0/5 = 86400).  A device numbers its Server Object instances and
holds its own values, so the cases work on the instance serving this Server (``dut.server_path``), take
expected values from the device (a reference Read), establish what the ETS presumes where the case needs
it (``dut.configure``) and treat an optional resource the device lacks as "not applicable".
"""

from __future__ import annotations

from typing import Any

from meterproof.fixtures import CF, P, codes, errata, ets, expect, mp, requires

DEVICE_BASICS = ("/3/0/0", "/3/0/1", "/3/0/2")       # Manufacturer, Model Number, Serial Number (optional)
C1_DEVICE = ("/3/0/0", "/3/0/1", "/3/0/2", "/3/0/3")  # ETS configuration C.1: Device resources 0..3
SSID, LIFETIME, PMIN, PMAX, DISABLE_TIMEOUT, STORING, BINDING, UPDATE_TRIGGER = 0, 1, 2, 3, 5, 6, 7, 8
C1 = "ETS configuration C.1"
#: int-221 writes a resource of Security instance 0 as the ETS does; which Security instances exist is hidden
#: from a Server, so 4.04 for an instance the device does not have is accepted beside 4.01.
ETS_SECURITY_INSTANCE = 0
C3 = "ETS configuration C.3"


def _read_values(server, dut, path: str, accept: int | None = None):  # type: ignore[no-untyped-def]
    r = server.read(dut.endpoint, path, accept=accept)
    expect.code(r, codes.CONTENT)
    if accept is not None:
        expect.content_format(r, accept)
    return expect.decodes(r)


def _reference(server, dut, path: str, covered_by: str = "int-223 (Read on Object Instance)"):  # type: ignore[no-untyped-def]
    """What the device holds at ``path`` (read in TLV, or the multi-value format it claims): a supporting step."""
    with expect.supporting(f"read {path} for reference", covered_by):
        return _read_values(server, dut, path, dut.instance_format())


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
        expect.has_mandatory_resources(values, dut, unknown=False)


def _establish_c3(dut) -> None:  # type: ignore[no-untyped-def]
    """ETS configuration C.3 on the Server instance serving us: Default Minimum Period 1, Default Maximum Period
    10, Disable Timeout 86400 (optional resources: written, so that a device that implements them but leaves
    them unset takes part; not applicable where the device refuses them)."""
    dut.configure({dut.server_path(PMIN): 1, dut.server_path(PMAX): 10, dut.server_path(DISABLE_TIMEOUT): 86400},
                  why=C3, content_format=dut.value_format())


def _writable(dut, values: dict, base: str) -> dict:  # type: ignore[no-untyped-def]
    """The resources of ``values`` the object definition makes writable (what a Write-replace may carry)."""
    odef = dut.object_def(P(base).object_id)
    out = {}
    for k, v in values.items():
        rdef = odef.resource(k.ids[2]) if odef is not None and len(k) >= 3 else None
        if rdef is not None and rdef.operations.writable:
            out[k] = v
    return out


# ----------------------------------------------------------------------------------------- reads
@ets("LightweightM2M-1.1-int-201", "Querying basic information in Plain Text format")
@requires(content_format=CF.TEXT)
def test_int_201_read_plain_text(server, dut, transcript):
    """GET /3/0/0, /3/0/1, /3/0/2 with Accept text/plain: each 2.05, text/plain, a non-empty string.
    (C.1 presumes the optional resources 0-2; a device without them: not applicable.)"""
    dut.require(*DEVICE_BASICS, why=f"{C1} presumes")
    for path in DEVICE_BASICS:
        values = _read_values(server, dut, path, CF.TEXT)
        v = values.get(P(path))
        expect.true(isinstance(v, str) and v != "", f"{path} value", "a non-empty string", repr(v))


@ets("LightweightM2M-1.1-int-203", "Querying basic information in TLV format")
@requires(content_format=CF.TLV)
def test_int_203_read_tlv(server, dut, transcript):
    """GET /3/0 with Accept TLV: 2.05, TLV, with resources 0, 1, 2, 3 (C.1), 11 (multiple) and 16."""
    dut.require(*C1_DEVICE, why=f"{C1} presumes")
    values = _read_values(server, dut, "/3/0", CF.TLV)
    expect.present(values, *C1_DEVICE, "/3/0/11", "/3/0/16")
    expect.true(any(len(k) == 4 and k.resource_id == 11 for k in values), "/3/0/11 encoding",
                "a multiple resource (resource instances)", "a single value")
    expect.has_mandatory_resources(values, dut, unknown=False)


@ets("LightweightM2M-1.1-int-204", "Querying basic information in JSON format")
@requires(content_format=CF.OMA_JSON)
def test_int_204_read_json(server, dut, transcript):
    """GET /3/0 with Accept application/vnd.oma.lwm2m+json: 2.05 with resources 0, 1, 2, 3 (C.1), 11, 16."""
    dut.require(*C1_DEVICE, why=f"{C1} presumes")
    values = _read_values(server, dut, "/3/0", CF.OMA_JSON)
    expect.present(values, *C1_DEVICE, "/3/0/11", "/3/0/16")
    expect.has_mandatory_resources(values, dut, unknown=False)


@ets("LightweightM2M-1.1-int-205", "Setting basic information in Plain Text format")
@requires(content_format=CF.TEXT)
def test_int_205_write_plain_text(server, dut, transcript):
    """PUT /1/x/2=101, /1/x/3=1010, /1/x/5=2000 in text/plain: 2.04 each; GET /1/x shows them; restore the
    device's own values (the ETS replays C.3's 1, 10, 86400): 2.04 each.  (C.3: the optional 2, 3, 5 exist.)"""
    new = {dut.server_path(PMIN): 101, dut.server_path(PMAX): 1010, dut.server_path(DISABLE_TIMEOUT): 2000}
    _establish_c3(dut)
    before = _reference(server, dut, dut.server_path())
    with expect.all_criteria() as criteria:
        for path, value in new.items():
            with criteria.check(f"Write {path}"):
                expect.code(server.write(dut.endpoint, path, value, content_format=CF.TEXT), codes.CHANGED)
        after = _reference(server, dut, dut.server_path())
        for path, value in new.items():
            with criteria.check(f"{path} read back"):
                expect.value(after, path, value, clause="OMA TS Core 1.1 §5.4.3 Write: the written value is held")
        for path in new:
            if P(path) in before:
                with criteria.check(f"restore {path}"):
                    expect.code(server.write(dut.endpoint, path, before[P(path)], content_format=CF.TEXT),
                                codes.CHANGED)


@ets("LightweightM2M-1.1-int-211", "Querying basic information in CBOR format")
@requires(lwm2m="1.1", content_format=CF.CBOR)
def test_int_211_read_cbor(server, dut, transcript):
    """GET /1/x/0, /1/x/6, /1/x/7 with Accept application/cbor: 2.05 CBOR holding the SSID, Notification Storing
    and Binding the device holds (C.1: 1, false, "U"; the device's own values are read first for reference)."""
    for rid in (SSID, STORING, BINDING):
        path = dut.server_path(rid)
        expected = _reference(server, dut, path, "int-224 (Read on Resource)").get(P(path))
        values = _read_values(server, dut, path, CF.CBOR)
        expect.value(values, path, expected, clause="OMA TS Core 1.1 §7.3.x CBOR: the single value in its data type")


@ets("LightweightM2M-1.1-int-212", "Setting basic information in CBOR format")
@requires(lwm2m="1.1", content_format=CF.CBOR)
def test_int_212_write_cbor(server, dut, transcript):
    """C.3 (the optional /1/x/2 and /1/x/3 exist; C.3's values are established as int-205 does).
    1. PUT /1/x/2=101, /1/x/3=1010, /1/x/6=true, each in application/cbor (60): 2.04 each.
    2. GET /1/x (no Accept: the client's preferred format): 2.05 holding those values.
    The ETS does not restore; the device's own values are put back after the case on a device that outlives it."""
    new = {dut.server_path(PMIN): 101, dut.server_path(PMAX): 1010, dut.server_path(STORING): True}
    _establish_c3(dut)
    inst = dut.server_path()
    saved = _reference(server, dut, inst)
    for path, value in new.items():
        w = server.write(dut.endpoint, path, value, content_format=CF.CBOR)
        if w.ok and P(path) in saved:
            dut.restore_later(path, saved[P(path)], dut.value_format())
        expect.code(w, codes.CHANGED, clause="OMA TS Core 1.1 §5.4.3 Write and §7.3.3 CBOR: 2.04 Changed")
    after = _read_values(server, dut, inst)
    for path, value in new.items():
        expect.value(after, path, value, clause="ETS int-212 pass criterion 2: the read shows the values written")


def _set_and_restore(server, dut, write, values: dict, fmt: int) -> None:  # type: ignore[no-untyped-def]
    """int-215/220: C.3 and binding "U" established; the Server instance saved (the ETS's precondition);
    1. ``write()`` (POST /1/x, partial update): 2.04.  2. GET /1/x in ``fmt``: 2.05 with ``values``.
    3. PUT /1/x with the saved values (erratum: with the mandatory Lifetime and every writable resource): 2.04.
    4. GET /1/x: 2.05 with the saved values."""
    errata.apply("int-215-lifetime")
    inst = dut.server_path()
    _establish_c3(dut)
    dut.configure({dut.server_path(BINDING): "U"}, why=f"{C3} (binding U)", content_format=dut.value_format())
    saved = _reference(server, dut, inst)
    expect.code(write(), codes.CHANGED)
    after = _read_values(server, dut, inst, fmt)
    for rid, value in values.items():
        expect.value(after, dut.server_path(rid), value)
    expect.code(server.write(dut.endpoint, inst, _writable(dut, saved, inst), content_format=fmt), codes.CHANGED)
    restored = _read_values(server, dut, inst, fmt)
    for k, v in saved.items():
        expect.value(restored, k, v, clause="ETS pass criterion: the saved configuration is restored (a Replace "
                     "keeps the resources a Server cannot write, such as the SSID)")


#: ETS 215-/220-SetOfValues: resources of /1/x
SET_OF_VALUES = {PMIN: 101, PMAX: 1010, DISABLE_TIMEOUT: 2000, STORING: True, BINDING: "U"}


@ets("LightweightM2M-1.1-int-215", "Setting basic information in TLV format")
@requires(content_format=CF.TLV)
def test_int_215_partial_update_tlv(server, dut, transcript):
    """C.3 (optional 2, 3, 5 exist; binding "U" is established if the device held another one); /1/x saved.
    1. POST /1/x (partial update, TLV) with 215-SetOfValues byte for byte: 2.04.  2. GET /1/x (TLV): 2.05 with
    those values.  3. PUT /1/x (TLV) restoring the saved instance (erratum: with the mandatory Lifetime and every
    writable resource): 2.04.  4. GET /1/x: 2.05 with the saved values."""
    # ETS 215-SetOfValues, byte for byte: resources 2=101, 3=1010, 5=2000, 6=true, 7="U"
    payload = bytes.fromhex("C10265" "C20303F2" "C20507D0" "C10601" "C10755")
    _set_and_restore(server, dut, lambda: server.write(dut.endpoint, dut.server_path(), payload=payload,
                                                       content_format=CF.TLV, partial=True), SET_OF_VALUES, CF.TLV)


@ets("LightweightM2M-1.1-int-220", "Setting basic information in JSON format")
@requires(content_format=CF.OMA_JSON)
def test_int_220_partial_update_json(server, dut, transcript):
    """As int-215 with application/vnd.oma.lwm2m+json (11543): C.3, binding "U", /1/x saved.
    1. POST /1/x (partial update, OMA JSON) with 220-SetOfValues (erratum: /1/x/2 as the number 101; the ETS
    prints the invalid JSON 0101): 2.04.  2. GET /1/x (OMA JSON): 2.05 with those values.  3. PUT /1/x restoring
    the saved instance (with the mandatory Lifetime, as int-215's erratum): 2.04.  4. GET /1/x: 2.05 with them."""
    errata.apply("int-220-json")
    inst = dut.server_path()
    values = {dut.server_path(rid): v for rid, v in SET_OF_VALUES.items()}
    _set_and_restore(server, dut, lambda: server.write(dut.endpoint, inst, values, content_format=CF.OMA_JSON,
                                                       partial=True), SET_OF_VALUES, CF.OMA_JSON)


@ets("LightweightM2M-1.1-int-221", "Attempt to perform operations on Security")
def test_int_221_security_object_is_off_limits(server, dut, transcript):
    """GET /0, PUT /0/<i>/0, Write-Attributes on /0 from a DM server.

    LwM2M 1.1+: all three 4.01 Unauthorized (ETS int-221; TS Core 1.1 §7.3 / E.1).  LwM2M 1.0 (no ETS case):
    the Security object MUST NOT be accessible to a Server (TS 1.0 Appendix E.1) and the code is not fixed, so
    any 4.xx passes there.  The Write goes to the instance the ETS names (0); a device that answers 4.04
    because it numbers its Security instances otherwise reveals nothing and passes too."""
    v10 = dut.lwm2m_version == "1.0"
    refused = "any 4.xx (TS 1.0 Appendix E.1: not accessible to a LwM2M Server)"
    clause = "OMA TS 1.0 Appendix E.1" if v10 else "OMA TS Core 1.1 §7.3 and E.1; ETS int-221: 4.01 Unauthorized"
    steps = (("Read /0", lambda: server.read(dut.endpoint, "/0"), ()),
             (f"Write /0/{ETS_SECURITY_INSTANCE}/0", lambda: server.write(
                 dut.endpoint, f"/0/{ETS_SECURITY_INSTANCE}/0", "coap://attacker.invalid", content_format=CF.TEXT),
              (codes.NOT_FOUND,)),
             ("Write-Attributes /0", lambda: server.write_attributes(dut.endpoint, "/0", pmin=30, pmax=45), ()))
    with expect.all_criteria() as criteria:
        for what, send, also in steps:
            with criteria.check(what):
                r = send()
                if v10:
                    expect.true(r.code.class_ == 4, f"{r.operation} {r.path} response code", refused,
                                r.code_text, clause=clause)
                else:
                    expect.code(r, codes.UNAUTHORIZED, *also, clause=clause)


@ets("LightweightM2M-1.1-int-222", "Read on Object")
def test_int_222_read_object(server, dut, transcript):
    """GET /1 and GET /3: 2.05 with every instance and its resources (only /3/0 for Device)."""
    servers = _read_values(server, dut, "/1")
    _under(servers, "/1")
    expect.has_mandatory_resources(servers, dut, unknown=False)
    device = _read_values(server, dut, "/3")
    _under(device, "/3")
    expect.true({k.instance_id for k in device} == {0}, "Device object instances", "exactly /3/0",
                sorted({k.instance_id for k in device}), clause="OMA TS Core 1.1 §6.1: a single-instance object's "
                "instance is 0")
    expect.has_mandatory_resources(device, dut, unknown=False)


@ets("LightweightM2M-1.1-int-223", "Read on Object Instance")
def test_int_223_read_object_instance(server, dut, transcript):
    """GET /1/x (the instance serving S) and GET /3/0: 2.05 with all (readable, mandatory at least) resources."""
    _read_complete(server, dut, dut.server_path(), "/3/0")


@ets("LightweightM2M-1.1-int-224", "Read on Resource")
def test_int_224_read_resource(server, dut, transcript):
    """GET /1/x/0, /1/x/1, /1/x/6, /1/x/7, /3/0/16 (no Accept): 2.05 each, decodable, only that resource."""
    for path in (*(dut.server_path(r) for r in (SSID, LIFETIME, STORING, BINDING)), "/3/0/16"):
        values = _read_values(server, dut, path)
        expect.present(values, path)
        _under(values, path)


@ets("LightweightM2M-1.1-int-225", "Read on Resource Instance")
@requires(lwm2m="1.1")
def test_int_225_read_resource_instance(server, dut, transcript):
    """GET /3/0/11/i (i: the first Error Code instance the device holds, 0 in C.1): 2.05 with only that
    resource instance."""
    path = dut.first_instance("/3/0/11")
    values = _read_values(server, dut, path)
    expect.present(values, path)
    expect.equal(sorted(str(k) for k in values), [path], f"paths in the answer to {path}",
                 clause="OMA TS Core 1.1 §5.4.1: Read on a Resource Instance returns that instance")


def _partial_update_lifetime(server, dut, timing, lifetime: int, storing: bool, cf: int):  # type: ignore[no-untyped-def]
    """POST /1/x {lifetime, storing} in ``cf``: the write result, the Update it causes, and the saved values."""
    inst = dut.server_path()
    saved = _reference(server, dut, inst)
    mark = server.mark()
    r = server.write(dut.endpoint, inst, {dut.server_path(LIFETIME): lifetime, dut.server_path(STORING): storing},
                     content_format=cf, partial=True)
    return r, mark, saved


@ets("LightweightM2M-1.1-int-226", "Write (Partial Update) on Object Instance")
@requires(lwm2m="1.1")
def test_int_226_partial_update_instance(server, dut, timing, transcript):
    """One POST /1/x with lifetime 61 and storing true: 2.04 and an Update with lt=61; GET /1/x shows both and
    keeps the other resources; restore (POST with the saved values): 2.04."""
    inst, cf = dut.server_path(), dut.instance_format()
    t0 = server.now()
    r, mark, saved = _partial_update_lifetime(server, dut, timing, 61, True, cf)
    expect.code(r, codes.CHANGED)
    expect.update_carrying(server, dut.endpoint, {"lt": "61"}, since=mark, at=t0, within=61 + timing.late,
                           promptly=timing.reaction, what="Registration Update after the lifetime change")
    after = _reference(server, dut, inst)
    expect.value(after, dut.server_path(LIFETIME), 61)
    expect.value(after, dut.server_path(STORING), True)
    binding = P(dut.server_path(BINDING))
    if binding not in saved:
        expect.inconclusive(f"read {inst} before the partial update (the Binding to compare with)",
                            "int-223 (Read on Object Instance)", f"the device's answer carried no {binding}")
    expect.value(after, binding, saved[binding],
                 clause="OMA TS Core 1.1 §6.3.3: a partial update keeps the resources it does not name")
    restore = {k: saved[P(k)] for k in (dut.server_path(LIFETIME), dut.server_path(STORING)) if P(k) in saved}
    expect.code(server.write(dut.endpoint, inst, restore, content_format=cf, partial=True), codes.CHANGED)


@ets("LightweightM2M-1.1-int-227", "Write (replace) on Resource")
@requires(lwm2m="1.1")
def test_int_227_write_resource(server, dut, timing, transcript):
    """1. PUT /1/x/1=63: 2.04 and an Update with lt=63.  2. GET /1/x/1: 2.05 = 63.  3. PUT /1/x/1 with the device's
    lifetime (erratum: the ETS prints the path /1/x): 2.04 and an Update carrying it."""
    errata.apply("int-227-restore-path")
    path = dut.server_path(LIFETIME)
    old = _reference(server, dut, path, "int-224 (Read on Resource)").get(P(path))
    mark, t0 = server.mark(), server.now()
    expect.code(server.write(dut.endpoint, path, 63, content_format=dut.value_format()), codes.CHANGED)
    expect.update_carrying(server, dut.endpoint, {"lt": "63"}, since=mark, at=t0, within=63 + timing.late,
                           promptly=timing.reaction, what="Registration Update after the lifetime write")
    expect.value(_read_values(server, dut, path), path, 63)
    mark, t0 = server.mark(), server.now()
    expect.code(server.write(dut.endpoint, path, old, content_format=dut.value_format()), codes.CHANGED)
    expect.update_carrying(server, dut.endpoint, {"lt": str(old)}, since=mark, at=t0,
                           within=max(timing.reaction, 63 + timing.late), promptly=timing.reaction,
                           what="Registration Update after the lifetime is restored")


def _senml_levels(server, dut, cf):  # type: ignore[no-untyped-def]
    """Object, instance, resource and resource-instance level, each in ``cf``."""
    for path in ("/1", "/3/0", "/3/0/16", dut.first_instance("/3/0/11")):
        values = _read_values(server, dut, path, cf)
        expect.present(values, path)
        _under(values, path)


@ets("LightweightM2M-1.1-int-231", "Querying basic information in SenML JSON format")
@requires(lwm2m="1.1", content_format=CF.SENML_JSON)
def test_int_231_read_senml_json(server, dut, transcript):
    """GET /1, /3/0, /3/0/16, /3/0/11/i with Accept SenML JSON: 2.05, CF 110, at every level."""
    _senml_levels(server, dut, CF.SENML_JSON)


@ets("LightweightM2M-1.1-int-232", "Querying basic information in SenML CBOR format")
@requires(lwm2m="1.1", content_format=CF.SENML_CBOR)
def test_int_232_read_senml_cbor(server, dut, transcript):
    """GET /1, /3/0, /3/0/16, /3/0/11/i with Accept SenML CBOR: 2.05, CF 112, at every level."""
    _senml_levels(server, dut, CF.SENML_CBOR)


def _composite_format(dut) -> int:  # type: ignore[no-untyped-def]
    return CF.SENML_CBOR if dut.serves(CF.SENML_CBOR) else CF.SENML_JSON


@ets("LightweightM2M-1.1-int-229", "Read-Composite Operation")
@requires(lwm2m="1.1", feature="composite")
def test_int_229_read_composite(server, dut, transcript):
    """C.1.  FETCH with the paths /3, /1/x, /1/x/1, /3/0/11/i (i: the first Error Code instance, 0 in C.1), in
    SenML CBOR (or SenML JSON where the device serves no CBOR): 2.05 in that format with the requested data.
    (ETS 1.2.1-C voids the case in favour of int-280; ETS 1.2-A and the 1.1 draft hold it.)"""
    cf = _composite_format(dut)
    paths = ["/3", dut.server_path(), dut.server_path(LIFETIME), dut.first_instance("/3/0/11")]
    r = server.read_composite(dut.endpoint, paths, content_format=cf)
    expect.code(r, codes.CONTENT)
    expect.content_format(r, cf)
    values = expect.decodes(r)
    expect.present(values, *paths, clause="OMA TS Core 1.1 §5.4.5 Read-Composite: the values of the requested paths")
    for whole in ("/3", dut.server_path()):     # an object or instance path brings its instances' resources
        expect.has_mandatory_resources({k: v for k, v in values.items() if k.startswith(P(whole))}, dut,
                                       unknown=False, clause=f"OMA TS Core 1.1 §5.4.5: the data of {whole}")
    stray = [str(k) for k in values if not any(k.startswith(P(p)) for p in paths)]
    expect.true(not stray, "paths in the Read-Composite answer", "only under the requested paths", ", ".join(stray[:5]))


@ets("LightweightM2M-1.1-int-235", "Read-Composite Operation on root path")
@requires(lwm2m="1.1", feature="composite")
def test_int_235_read_composite_root(server, dut, transcript):
    """FETCH with the path "/": 2.05 with the readable data; no /0 (Security), /21 (OSCORE), 1.2: nor /23."""
    r = server.read_composite(dut.endpoint, ["/"], content_format=_composite_format(dut))
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    expect.present(values, "/1", "/3")
    expect.absent(values, "/0", "/21", *(("/23",) if dut.version_at_least("1.2") else ()))


@ets("LightweightM2M-1.1-int-236", "Read-Composite Operation with partial presence")
@requires(lwm2m="1.1", feature="composite")
def test_int_236_read_composite_partial_presence(server, dut, transcript):
    """FETCH /1/x, /1/x/1, /3/0/11/i plus the absent /3339/0/5522 and /3353/0/6030: 2.05 with what exists,
    the missing paths left out."""
    err = dut.first_instance("/3/0/11")
    paths = [dut.server_path(), dut.server_path(LIFETIME), err, "/3339/0/5522", "/3353/0/6030"]
    r = server.read_composite(dut.endpoint, paths, content_format=_composite_format(dut))
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    expect.present(values, dut.server_path(LIFETIME), err)
    expect.absent(values, *(p for p in ("/3339", "/3353") if int(p[1:]) not in dut.registered_objects()))


@ets("LightweightM2M-1.1-int-237", "Read on Object without specifying Content-Type")
@requires(lwm2m="1.1")
def test_int_237_read_without_accept(server, dut, transcript):
    """GET /1 and /3 without Accept: 2.05 in a format of the client's choice that the server decodes."""
    _read_complete(server, dut, "/1", "/3")


@ets("LightweightM2M-1.1-int-241", "Executable Resource: Rebooting the device")
def test_int_241_reboot(server, dut, timing, transcript):
    """POST /3/0/4 (Reboot, mandatory): 2.04, then the client registers again (the server replaces the
    registration).  A process that ends and is restarted by its driver is the reboot, not a crash."""
    dut.expect_restart()
    mark = server.mark()
    expect.code(server.execute(dut.endpoint, "/3/0/4"), codes.CHANGED)
    wait = timing.reaction + timing.s(5) + (dut.profile.registration_timeout or 0)
    expect.event(server, "registered", dut.endpoint, since=mark, timeout=wait, what="a new Register after the reboot")


@ets("LightweightM2M-1.1-int-256", "Write Operation Failure")
@requires(lwm2m="1.1")
def test_int_256_write_read_only(server, dut, transcript):
    """PUT /1/x/0 (SSID, read-only for a Server) with another value (the ETS writes 123): 4.05 Method Not
    Allowed; GET /1/x/0 still the device's SSID."""
    ssid, path = dut.account.ssid, dut.server_path(SSID)
    other = 123 if ssid != 123 else 124
    w = server.write(dut.endpoint, path, other, content_format=dut.value_format())
    if w.ok:
        dut.restore_later(path, ssid, dut.value_format())
    with expect.all_criteria() as criteria:
        with criteria.check("Write response code"):
            expect.code(w, codes.METHOD_NOT_ALLOWED, clause="OMA TS Transport 1.1 §6.3 Table 'Write': 4.05 for a "
                        "resource the operation is not allowed on")
        with criteria.check(f"{path} after the Write"):
            after = _reference(server, dut, path, "int-224 (Read on Resource)")
            expect.value(after, path, ssid, clause="ETS int-256: the Short Server ID is unchanged")


@ets("LightweightM2M-1.1-int-257", "Write-Composite Operation")
@requires(lwm2m="1.1", feature="composite")
def test_int_257_write_composite(server, dut, timing, transcript):
    """C.6 (the optional /1/x/2 and /3/0/13 exist; /1/x/2 = 1 as C.3 has it).
    1. Read /1 and /3 (the client's format): 2.05 each.  2. iPATCH /1/x/2=101, /1/x/6=true, /3/0/13=0 (257-SetOfValues,
    SenML CBOR or JSON): 2.04.  3. Read /1 and /3: 2.05 with the 257 values (/3/0/13 is a running clock: 0 plus the
    seconds since the write).  The device's own values are put back afterwards (one Write-Composite)."""
    new = {dut.server_path(PMIN): 101, dut.server_path(STORING): True, "/3/0/13": 0}
    dut.require("/3/0/13", why="ETS configuration C.6 presumes")
    dut.configure({dut.server_path(PMIN): 1}, why=C3, content_format=dut.value_format())
    cf = _composite_format(dut)
    before = {**_read_values(server, dut, "/1"), **_read_values(server, dut, "/3")}
    saved = {p: before.get(P(p)) for p in new}
    t0 = server.now()
    expect.code(server.write_composite(dut.endpoint, new, content_format=cf), codes.CHANGED)
    after = {**_read_values(server, dut, "/1"), **_read_values(server, dut, "/3")}
    elapsed = server.now() - t0
    for path, v in new.items():
        if path == "/3/0/13":
            got = after.get(P(path))
            expect.true(isinstance(got, (int, float)) and 0 <= got <= elapsed + 1, f"value of {path} (Current Time)",
                        f"0 .. {elapsed + 1:.0f} (written 0, {elapsed:.1f} s ago)", repr(got))
        else:
            expect.value(after, path, v)
    server.write_composite(dut.endpoint, {p: v for p, v in saved.items() if v is not None}, content_format=cf)


def _discover(server, dut, path: str):  # type: ignore[no-untyped-def]
    r = server.discover(dut.endpoint, path)
    expect.code(r, codes.CONTENT)
    expect.content_format(r, CF.LINK)
    expect.true(r.links is not None, f"Discover {path} payload", "CoRE link format", r.decode_error)
    return {lk.target: lk.params for lk in r.links}


def linkformat_value(v: str | None) -> str | None:
    return v.strip('"') if isinstance(v, str) else v


def _number(v: str | None) -> float | None:
    """An attribute value as a number (gt=6 and gt=6.0 are the same attribute value)."""
    try:
        return float(linkformat_value(v) or "")
    except ValueError:
        return None


def _write_attributes(server, dut, path: str, **attrs: Any) -> bool:  # type: ignore[no-untyped-def]
    """Write-Attributes that the TS makes a SHOULD for the client (TS Core 1.1.1 §5.1.2: "the LwM2M Client
    SHOULD support all the <NOTIFICATION> Class Attributes"): a refusal is a warning, and False."""
    r = server.write_attributes(dut.endpoint, path, **attrs)
    return expect.should(r.code == codes.CHANGED, f"Write-Attributes {path}?{'&'.join(attrs)}", "2.04 Changed",
                         r.code_text, clause="OMA TS Core 1.1.1 §5.1.2: the client SHOULD support the "
                         "<NOTIFICATION> attributes")


@ets("LightweightM2M-1.1-int-260", "Discover Command")
def test_int_260_discover(server, dut, transcript):
    """C.4 (the optional /3/0/7 exists), no attributes on /3.
    1. Discover /3: 2.05 with the mandatory resources (4, 11, 16), and from LwM2M 1.1 the instance link </3/0>
       (TS Core 1.1 §5.4.2: Discover on an Object lists its instances and their resources).
    2. Write-Attributes /3?pmin=10&pmax=200 (erratum: the 1.2 text's level; each Write-Attributes a SHOULD of the
       client, so a refusal is a warning that ends the case).
    3. Discover /3/0: every multiple resource carries dim (TS Core 1.1 §5.1.2 <PROPERTIES> dim; at object level the
       ETS prints dim too, the TS example does not: a warning there).
    4. Write-Attributes /3/0/7?lt=1&gt=6&st=1: 2.04.
    5. Discover /3/0: </3/0/7> carries dim, lt=1, gt=6, st=1.
    6. Discover /3/0/7: </3/0/7> with pmin=10 and pmax=200 (inherited from /3), dim, lt=1, gt=6, st=1 (any equal
       number spelling; the order of the attributes is free)."""
    errata.apply("int-260-attr-level")
    links = _discover(server, dut, "/3")
    required = ("/3/0/4", "/3/0/11", "/3/0/16")
    if dut.version_at_least("1.1"):
        required = ("/3/0",) + required
    for target in required:
        expect.true(target in links, f"<{target}> in Discover /3", "listed", f"absent ({', '.join(links)})")
    dut.require("/3/0/7", why="ETS configuration C.4 presumes")
    if not _write_attributes(server, dut, "/3", pmin=10, pmax=200):
        return
    instance = _discover(server, dut, "/3/0")
    odef = dut.object_def(3)
    multiple = [t for t in instance if t.count("/") == 3 and (rd := odef.resource(int(t.rsplit("/", 1)[1])))
                is not None and rd.multiple]
    dim_clause = ("OMA TS Core 1.1 §5.1.2 Table <PROPERTIES>: dim, support required (client)"
                  if dut.version_at_least("1.1") else
                  "OMA TS 1.0 <PROPERTIES> attribute dim (Discover), as the 1.0 ETS int-260 expected answer "
                  "prints it: </3/0/6>;dim=2")
    for t in multiple:
        expect.true("dim" in instance[t], f"dim attribute of the multiple resource {t} in Discover /3/0", "present",
                    instance[t], clause=dim_clause)
        if dut.version_at_least("1.2"):     # the 1.2 ETS prints it at object level; the 1.1 TS example does not
            expect.should("dim" in links.get(t, {}), f"dim attribute of {t} in Discover /3", "present (as the 1.2 "
                          "ETS prints it)", links.get(t))
    if not _write_attributes(server, dut, "/3/0/7", lt=1, gt=6, st=1):
        return
    attached = {("lt", 1.0), ("gt", 6.0), ("st", 1.0)}
    step5 = _discover(server, dut, "/3/0").get("/3/0/7", {})
    for k, v in sorted(attached):
        expect.equal(_number(step5.get(k)), v, f"attribute {k} of </3/0/7> in Discover /3/0",
                     clause="OMA TS Core 1.1 §5.4.2: Discover on an Object Instance shows the attributes attached to "
                            "its resources; ETS int-260 step 5")
    expect.true("dim" in step5, "dim attribute of </3/0/7> in Discover /3/0", "present", step5, clause=dim_clause)
    step6 = _discover(server, dut, "/3/0/7").get("/3/0/7", {})
    for k, v in sorted(attached | {("pmin", 10.0), ("pmax", 200.0)}):
        expect.equal(_number(step6.get(k)), v, f"attribute {k} of </3/0/7> in Discover /3/0/7",
                     clause="OMA TS Core 1.1 §5.4.2: Discover on a Resource returns its attached attributes and those "
                            "it inherits from its Object and Object Instance; ETS int-260 step 6")
    expect.true("dim" in step6, "dim attribute of </3/0/7> in Discover /3/0/7", "present", step6, clause=dim_clause)


@ets("LightweightM2M-1.1-int-261", "Write-Attribute Operation on a multiple resource")
@requires(lwm2m="1.1")
def test_int_261_write_attributes_multiple_resource(server, dut, transcript):
    """No attributes set.  1. Discover /3/0/11: </3/0/11>;dim=n and a link per Error Code instance (C.1: dim=1,
    </3/0/11/0>).  2.-4. WA /3?pmin=10&pmax=200, /3/0?pmax=320, /3/0/11/i?pmax=100&epmin=1&epmax=20 (i: the first
    Error Code instance; each a SHOULD of TS Core 1.1.1 §5.1.2): 2.04 each.  5. Discover /3/0/11 shows
    </3/0/11>;dim=n;pmin=10;pmax=320 (inherited; erratum: the ETS prints '&' between the attributes of
    </3/0/11/i>) and </3/0/11/i>;pmax=100;epmin=1;epmax=20."""
    before = _discover(server, dut, "/3/0/11")
    expect.true("/3/0/11" in before, "</3/0/11> in Discover", "listed", ", ".join(before))
    instances = [t for t in before if t.startswith("/3/0/11/")]
    inst = dut.first_instance("/3/0/11")
    expect.true(inst in instances, f"<{inst}> in Discover /3/0/11", "listed (resource instances, TS Core 1.1 "
                "§5.4.2)", ", ".join(before))
    expect.equal(_number(before["/3/0/11"].get("dim")), float(len(instances)), "dim of </3/0/11> (the number of its "
                 "instances listed)", clause="OMA TS Core 1.1 §5.1.2 <PROPERTIES> dim")
    if not (_write_attributes(server, dut, "/3", pmin=10, pmax=200)
            and _write_attributes(server, dut, "/3/0", pmax=320)
            and _write_attributes(server, dut, inst, pmax=100, epmin=1, epmax=20)):
        return
    links = _discover(server, dut, "/3/0/11")
    res = {k: _number(v) for k, v in links.get("/3/0/11", {}).items()}
    ri = {k: _number(v) for k, v in links.get(inst, {}).items()}
    for k, v in (("dim", float(len(instances))), ("pmin", 10.0), ("pmax", 320.0)):
        expect.equal(res.get(k), v, f"attribute {k} of </3/0/11> (pmin, pmax inherited)")
    for k, v in (("pmax", 100.0), ("epmin", 1.0), ("epmax", 20.0)):
        expect.equal(ri.get(k), v, f"attribute {k} of <{inst}>")


#: Where the Depth parameter of Discover is defined (LwM2M 1.2 only); the per-level attributes rule is the 1.1 one.
DEPTH_CLAUSE = ("OMA TS Core 1.2 §6.3.2 Discover, Depth parameter: the targeted entity and the given number of levels "
                "below it (0: the entity only; 3 from an Object: down to Resource Instances)")
DEPTH_SHOULD = "OMA TS Core 1.2 §6.3.2: the LwM2M Client SHOULD support the Depth parameter of Discover"


def _discover_depth(server, dut, path: str, depth: int) -> dict[str, dict[str, Any]] | None:  # type: ignore[no-untyped-def]
    """Discover ``path?depth=N``: 2.05 in CoRE link format with the target and the N levels below it.

    Support of depth is a SHOULD of the client: an answer other than 2.05, or one that goes deeper than asked (the
    client's default depth), is a warning and None (the case ends).  Links outside ``path`` fail."""
    r = server.discover(dut.endpoint, path, depth=depth)
    if not expect.should(r.code == codes.CONTENT, f"Discover {path}?depth={depth}", "2.05 Content", r.code_text,
                         clause=DEPTH_SHOULD):
        return None
    expect.content_format(r, CF.LINK)
    expect.true(r.links is not None, f"Discover {path}?depth={depth} payload", "CoRE link format", r.decode_error)
    links = {lk.target: lk.params for lk in r.links}
    base, limit = P(path), len(P(path)) + depth
    stray = [t for t in links if not _within(t, base, 4)]
    expect.true(not stray, f"links in Discover {path}?depth={depth}", f"only {path} and what lies below it",
                ", ".join(stray[:6]), clause=DEPTH_CLAUSE)
    deeper = [t for t in links if not _within(t, base, limit)]
    if not expect.should(not deeper, f"levels in Discover {path}?depth={depth}", f"{path} and {depth} level(s) "
                         "below it", f"deeper links (the client's default depth?): {', '.join(deeper[:6])}",
                         clause=DEPTH_SHOULD):
        return None
    expect.true(path in links, f"<{path}> in Discover {path}?depth={depth}", "listed (the targeted entity)",
                ", ".join(links) or "no link", clause=DEPTH_CLAUSE)
    return links


def _within(target: str, base: Any, limit: int) -> bool:
    try:
        p = P(target)
    except Exception:     # a link that names no LwM2M path is a finding, listed as stray
        return False
    return p.startswith(base) and len(p) <= limit


def _device_instances(dut) -> list[str]:  # type: ignore[no-untyped-def]
    """The Device object instances the device registered (the ETS's /3/0), as paths."""
    return [f"/3/{i}" for i in dut.instances(3)] or ["/3/0"]


def _expect_listed(links: dict[str, Any], paths: Any, what: str) -> None:
    missing = [p for p in paths if p not in links]
    expect.true(not missing, what, "listed", f"missing {', '.join(missing)}", clause=DEPTH_CLAUSE)


def _expect_attrs(links: dict[str, Any], target: str, attrs: dict[str, float], request: str) -> None:
    shown = links.get(target, {})
    for k, v in sorted(attrs.items()):
        expect.equal(_number(shown.get(k)), float(v), f"attribute {k} of <{target}> in Discover {request}",
                     clause=DEPTH_CLAUSE + "; each link carries the attributes attached at its level "
                     "(TS Core 1.1 §5.4.2)")


@ets("LightweightM2M-1.2-int-264", "Discover with depth 1")
@requires(lwm2m="1.2")
def test_int_264_discover_depth_1(server, dut, transcript):
    """C.4, no attributes on /3.  Steps and pass criteria (ETS INT 1.2 §6.3.33):
    1. Discover /3?depth=1: 2.05, CoRE link format, exactly </3> and the Device instance links the device
       registered (</3/0>), no resource link.
    2. Write-Attributes /3/0?pmax=200: 2.04 (a SHOULD of the client, TS Core 1.1.1 §5.1.2: a refusal is a warning
       that ends the case).
    3. Discover /3?depth=1 again: the same levels, </3/0> now carries pmax=200.
    Depth is a SHOULD of the client (TS Core 1.2 §6.3.2): a Discover with depth that is refused or answered deeper
    than asked is a warning and ends the case.
    Erratum int-264-266-discover-depth: the ETS prints </3>;pmin=1;pmax=10 (the Server object's default periods);
    nothing is attached to /3, so those are neither required nor refused.  pmax is unset again afterwards."""
    errata.apply("int-264-266-discover-depth")
    instances = _device_instances(dut)
    links = _discover_depth(server, dut, "/3", 1)
    if links is None:
        return
    _expect_listed(links, instances, "Device instance links in Discover /3?depth=1")
    target = instances[0]
    if not _write_attributes(server, dut, target, pmax=200):
        return
    try:
        links = _discover_depth(server, dut, "/3", 1)
        if links is None:
            return
        _expect_listed(links, instances, "Device instance links in Discover /3?depth=1")
        _expect_attrs(links, target, {"pmax": 200}, "/3?depth=1")
    finally:
        server.write_attributes(dut.endpoint, target, pmax=None)


@ets("LightweightM2M-1.2-int-266", "Discover with depth 3")
@requires(lwm2m="1.2")
def test_int_266_discover_depth_3(server, dut, transcript):
    """C.4 (Power Source Voltage /3/0/7 with two instances), no attributes on /3.  Steps and pass criteria (ETS INT
    1.2 §6.3.34):
    1. Discover /3?depth=2: 2.05, exactly </3>, </3/0> and a link per resource the device implements (no resource
       instance); every multiple resource carries dim (TS Core 1.1 §5.1.2 <PROPERTIES>).
    2.-4. Write-Attributes /3?pmin=10&pmax=200, /3/0/7?lt=1&gt=6&st=1, /3/0/7/k?gt=8 (k: the last instance of
       /3/0/7, the ETS's /3/0/7/1): 2.04 each (each a SHOULD of the client: a refusal is a warning that ends the case).
    5. Discover /3?depth=3: every level down to resource instances; </3> carries pmin=10;pmax=200, </3/0/7> dim and
       lt=1;gt=6;st=1, each multiple resource with dim=n is followed by its n instance links, </3/0/7/k> carries
       gt=8.
    Depth is a SHOULD of the client (TS Core 1.2 §6.3.2): refused or answered deeper than asked, a warning that
    ends the case.
    Erratum int-264-266-discover-depth: the ETS prints step 5 without </3> and with pmin/pmax on </3/0>; the TS
    lists the targeted object and shows the object's attributes on it.  The attributes are unset afterwards."""
    errata.apply("int-264-266-discover-depth")
    dut.require("/3/0/7", why="ETS configuration C.4 presumes")
    voltage = dut.first_instance("/3/0/7")
    with expect.supporting("read /3/0/7 to find its instances", "int-224 (Read on Resource)"):
        held = expect.decodes(server.read(dut.endpoint, "/3/0/7", accept=dut.instance_format()))
    last = f"/3/0/7/{max(k.ids[3] for k in held if len(k) == 4)}" if held else voltage
    instances = _device_instances(dut)
    step1 = _discover_depth(server, dut, "/3", 2)
    if step1 is None:
        return
    resources = [f"{i}/{rid}" for i in instances for rid in sorted(dut.resources(i))]
    _expect_listed(step1, instances + resources, "instance and resource links in Discover /3?depth=2")
    multiple = [t for t in resources if (rd := dut.object_def(3).resource(int(t.rsplit("/", 1)[1]))) is not None
                and rd.multiple]
    for t in multiple:
        expect.true("dim" in step1.get(t, {}), f"dim attribute of <{t}> in Discover /3?depth=2", "present",
                    step1.get(t), clause="OMA TS Core 1.1 §5.1.2 Table <PROPERTIES>: dim")
    writes: list[tuple[str, dict[str, float]]] = [("/3", {"pmin": 10, "pmax": 200}),
                                                  ("/3/0/7", {"lt": 1, "gt": 6, "st": 1}), (last, {"gt": 8})]
    written: list[tuple[str, dict[str, float]]] = []
    try:
        for path, attrs in writes:
            if not _write_attributes(server, dut, path, **attrs):
                return
            written.append((path, attrs))
        step5 = _discover_depth(server, dut, "/3", 3)
        if step5 is None:
            return
        _expect_listed(step5, instances + resources, "instance and resource links in Discover /3?depth=3")
        for t in multiple:
            dim = _number(step5.get(t, {}).get("dim"))
            expect.true(dim is not None, f"dim attribute of <{t}> in Discover /3?depth=3", "present", step5.get(t),
                        clause="OMA TS Core 1.1 §5.1.2 Table <PROPERTIES>: dim")
            shown = [x for x in step5 if x.startswith(t + "/")]
            expect.equal(float(len(shown)), dim, f"resource instance links under <{t}> in Discover /3?depth=3 "
                         "(its dim)", clause=DEPTH_CLAUSE)
        _expect_listed(step5, sorted({voltage, last}), "instance links of /3/0/7 in Discover /3?depth=3")
        for path, attrs in writes:
            _expect_attrs(step5, path, attrs, "/3?depth=3")
    finally:
        for path, attrs in reversed(written):
            server.write_attributes(dut.endpoint, path, **{k: None for k in attrs})

@ets("LightweightM2M-1.1-int-280", "Successful Read-Composite Operation")
@requires(lwm2m="1.1", feature="composite")
def test_int_280_read_composite(server, dut, transcript):
    """FETCH /3/0/16, /3/0/11/i, /1/x: 2.05 SenML with /3/0/11/i, /3/0/16, /1/x/0 (the SSID), /1/x/1, /1/x/6,
    /1/x/7 (C.1 values; here the device's own, read before for reference)."""
    err = dut.first_instance("/3/0/11")
    ref = _reference(server, dut, err, "int-225 (Read on Resource Instance)")
    r = server.read_composite(dut.endpoint, ["/3/0/16", err, dut.server_path()], content_format=_composite_format(dut))
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    expect.value(values, err, ref.get(P(err)))
    expect.value(values, dut.server_path(SSID), dut.account.ssid)
    expect.present(values, "/3/0/16", *(dut.server_path(x) for x in (LIFETIME, STORING, BINDING)))


@ets("LightweightM2M-1.1-int-281", "Partially Successful Read-Composite Operation")
@requires(lwm2m="1.1", feature="composite")
def test_int_281_read_composite_partial(server, dut, transcript):
    """FETCH /1/x/1, /1/x/7, /1/x/8 (executable): 2.05 with /1/x/1 and /1/x/7 only."""
    paths = [dut.server_path(LIFETIME), dut.server_path(BINDING), dut.server_path(UPDATE_TRIGGER)]
    r = server.read_composite(dut.endpoint, paths, content_format=_composite_format(dut))
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    expect.present(values, *paths[:2])
    expect.absent(values, paths[2])


@ets("LightweightM2M-1.1-int-680", "Device Object: Create Object Instance")
def test_int_680_create_device_instance(server, dut, transcript):
    """POST /3 (Create) on the single-instance Device object: 4.05 Method Not Allowed."""
    r = server.create(dut.endpoint, "/3", {"/3/1/14": "+01:00"}, content_format=dut.instance_format())
    expect.code(r, codes.METHOD_NOT_ALLOWED, clause="OMA TS Transport 1.1 §6.3 Table 'Create': 4.05 Target is not "
                "allowed for Create")


@ets("LightweightM2M-1.1-int-685", "Device Object: Delete Object Instance")
def test_int_685_delete_device_instance(server, dut, transcript):
    """DELETE /3/0: 4.05 Method Not Allowed."""
    expect.code(server.delete(dut.endpoint, "/3/0"), codes.METHOD_NOT_ALLOWED,
                clause="OMA TS Core 1.1 §5.4.7: the Device object instance SHALL NOT be deleted")


@mp("MP-DM-404", "Operations on absent objects, instances and resources answer 4.04", epic="Device Management and "
    "Service Enablement", feature="Error codes", clause="OMA TS Transport 1.1 Table 6.3-1: Not Found (4.04)")
def test_not_found(server, dut, transcript):
    """GET /3/1 (a second instance of the single-instance Device object), /3/0/<a resource id the Device
    definition does not have> and /<an object the device did not register>/0: 4.04 Not Found each."""
    odef = dut.object_def(3)
    absent_rid = next(r for r in range(9999, 1, -1) if odef is None or r not in odef.resources)
    absent_oid = next(o for o in (9999, 32767, 65000) if o not in dut.registered_objects())
    for path in ("/3/1", f"/3/0/{absent_rid}", f"/{absent_oid}/0"):
        expect.code(server.read(dut.endpoint, path), codes.NOT_FOUND)


@mp("MP-DM-406", "A Read asking for an unserved Content-Format answers 4.06", epic="Device Management and "
    "Service Enablement", feature="Error codes", clause="RFC 7252 §5.10.4; OMA TS Transport 1.1 Table 6.3-1: "
    "Not Acceptable (4.06)")
def test_not_acceptable(server, dut, transcript):
    """GET /3/0 with Accept 65000 (no LwM2M format): 4.06 Not Acceptable."""
    expect.code(server.read(dut.endpoint, "/3/0", accept=65000), codes.NOT_ACCEPTABLE)


#: Numeric Device resources whose attributes MP-DISC-ATTRS writes (gt/lt/st apply to numeric resources only,
#: TS Core 1.1 §5.1.2): Battery Level, Memory Free, Power Source Voltage -- the first the device implements.
NUMERIC_DEVICE_RESOURCES = ("/3/0/9", "/3/0/10", "/3/0/7")


@mp("MP-DISC-ATTRS", "Write-Attributes is reflected in Discover at the object, instance and resource level",
    epic="Device Management and Service Enablement", feature="Attributes",
    clause="OMA TS Core 1.1 §5.4.2 Discover (TS 1.0 §5.4.2): the response carries the attributes attached to the "
           "Object, the Object Instance and the Resources; §5.1.2 the <NOTIFICATION> attributes and their levels")
def test_write_attributes_shown_by_discover(server, dut, transcript):
    """Write-Attributes (each a SHOULD of TS Core 1.1.1 §5.1.2: a refusal is a warning and ends the case)
    /3?pmin=7&pmax=170; /3/0?pmax=230 (1.1+: then /3/0?epmin=2&epmax=40, attributes 1.1 adds: a refusal is a
    warning and they are not looked for); /3/0/R?lt=5&gt=95&st=2
    (R: the first numeric resource of 9, 10, 7 the device has; gt/lt/st are for numeric resources only).
    Pass: Discover /3 shows </3>;pmin=7;pmax=170; Discover /3/0 shows </3/0>;pmax=230 (1.1+: epmin, epmax) and
    </3/0/R>;lt=5;gt=95;st=2; Discover /3/0/R shows lt, gt, st, and from 1.1 the attributes it inherits (pmin=7
    from the object, pmax=230 from the instance, the nearer level winning), as int-261 expects them.
    Afterwards every attribute written is unset again."""
    resource = next((p for p in NUMERIC_DEVICE_RESOURCES if dut.has(p)), None)
    if resource is None:
        expect.not_applicable(f"the device implements none of the numeric Device resources "
                              f"{', '.join(NUMERIC_DEVICE_RESOURCES)} that gt/lt/st can be attached to")
    writes: dict[str, dict[str, float]] = {"/3": {"pmin": 7, "pmax": 170}, "/3/0": {"pmax": 230},
                                           resource: {"lt": 5, "gt": 95, "st": 2}}
    written: list[tuple[str, dict[str, float]]] = []
    try:
        for path, attrs in writes.items():
            if not _write_attributes(server, dut, path, **attrs):
                return
            written.append((path, attrs))
        if dut.version_at_least("1.1") and _write_attributes(server, dut, "/3/0", epmin=2, epmax=40):
            written.append(("/3/0", {"epmin": 2, "epmax": 40}))
            writes["/3/0"].update(epmin=2, epmax=40)
        shown = {"/3": _discover(server, dut, "/3").get("/3", {}), "/3/0": _discover(server, dut, "/3/0")}
        at_resource = _discover(server, dut, resource).get(resource, {})
        # every attribute at every level is a criterion of its own: one missing never hides another
        expected: list[tuple[Any, float, str, str | None]] = []
        expected += [(shown["/3"].get(k), float(v), f"attribute {k} of </3> in Discover /3", None)
                     for k, v in writes["/3"].items()]
        expected += [(shown["/3/0"].get("/3/0", {}).get(k), float(v), f"attribute {k} of </3/0> in Discover /3/0",
                      None) for k, v in writes["/3/0"].items()]
        for k, v in writes[resource].items():
            expected.append((shown["/3/0"].get(resource, {}).get(k), float(v),
                             f"attribute {k} of <{resource}> in Discover /3/0", None))
            expected.append((at_resource.get(k), float(v), f"attribute {k} of <{resource}> in Discover {resource}",
                             None))
        if dut.version_at_least("1.1"):
            expected += [(at_resource.get(k), v, f"attribute {k} of <{resource}> in Discover {resource} (inherited: "
                          "the instance's pmax wins over the object's)",
                          "OMA TS Core 1.1 §5.4.2 and ETS int-261: Discover on a Resource shows the attributes it "
                          "inherits from its Object Instance and Object") for k, v in (("pmin", 7.0), ("pmax", 230.0))]
        with expect.all_criteria() as criteria:
            for got, want, what, clause in expected:
                with criteria.check(what):
                    expect.equal(_number(got), want, what, clause=clause)
    finally:
        for path, attrs in written:
            server.write_attributes(dut.endpoint, path, **{k: None for k in attrs})
