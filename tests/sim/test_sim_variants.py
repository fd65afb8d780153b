"""Every variant trait shows its (legal) difference on the network, the seeded defects follow the real
Server instance, and the catalog and its checks are complete."""

from __future__ import annotations

import asyncio

import cbor2
import pytest
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.errors import ConfigError
from meterproof.lwm2m.bootstrap import BootstrapPlan, ServerAccount
from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.formats import link
from meterproof.lwm2m.formats import tlv
from meterproof.lwm2m.path import P
from meterproof.lwm2m.values import ObjLnk
from meterproof.profile import BUILTIN_DIR, load
from meterproof.sim.firmware_image import build_image
from meterproof.sim.meter import SimulatedMeter
from meterproof.sim.representation import served
from meterproof.sim.variants import VARIANTS, check_variants
from secrig import bs_server, meter, stop, udp_server
from simrig import FAST


def _links(payload: bytes) -> dict[str, dict]:
    return {lk.target: lk.params for lk in link.parse(payload)}


def _register_payload(rig) -> bytes:
    ev = rig.server.wait_event("registered", rig.ep, since=0, timeout=1)
    return bytes(ev["request"].payload)


def _pack_names(payload: bytes) -> list[str]:
    """The record names of a SenML CBOR pack, resolved against the base name, in wire order."""
    out, bn = [], ""
    for rec in cbor2.loads(payload):
        bn = rec.get(-2, bn)
        out.append(bn + rec.get(0, ""))
    return out


# ---------------------------------------------------------------- the catalog
def test_catalog_entries_name_what_varies_and_the_clause():
    assert {"server-instance", "no-binding-param", "senml-cbor-default", "minimal-resources", "old-object-versions",
            "new-object-versions", "composite-reordered", "instance-numbering", "no-root-link",
            "alternate-path", "profile-id"} <= set(VARIANTS)
    for v in VARIANTS.values():
        assert v.varies and v.area and ("TS " in v.clause or "RFC" in v.clause), v.name


@pytest.mark.parametrize("names,lwm2m,words", [
    (["no-such-thing"], None, "unknown variant 'no-such-thing'"),
    (["alternate-path"], "1.0", "needs LwM2M 1.1 or 1.2"),
    (["no-root-link", "alternate-path"], "1.1", "cannot be combined"),
    (["old-object-versions", "new-object-versions"], "1.1", "cannot be combined"),
])
def test_check_variants_says_what_is_wrong_in_one_line(names, lwm2m, words):
    with pytest.raises(ConfigError) as err:
        check_variants(names, lwm2m)
    assert words in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("variant,lwm2m", [("old-object-versions", "1.0"), ("new-object-versions", "1.2")])
def test_object_version_variant_without_another_version_is_refused(variant, lwm2m):
    with pytest.raises(ConfigError, match=variant):
        SimulatedMeter("coap://127.0.0.1:5683", "v", lwm2m=lwm2m, variants=[variant])


def test_no_variant_is_todays_meter(rig):
    reg = rig.server.registration(rig.ep)
    assert reg.query.params.get("b") == "U" and reg.objects.has("/1/0") and reg.objects.root == "/"
    assert rig.server.read(rig.ep, "/1/0/0").values == {P("/1/0/0"): 1}
    assert rig.server.read(rig.ep, "/3/0/0").content_format == CF.TEXT


# ---------------------------------------------------------------- server-instance
def test_server_instance_is_1_3_with_ssid_42(make_rig):
    rig = make_rig(variants=["server-instance"])
    reg = rig.server.registration(rig.ep)
    assert reg.objects.has("/1/3") and not reg.objects.has("/1/0")
    assert rig.server.read(rig.ep, "/1/3/0").values == {P("/1/3/0"): 42}
    assert rig.server.read(rig.ep, "/1/0").code_text == "4.04"
    assert rig.meter.store.instance_ids(0) == [5] and rig.meter.store.instance(0, 5)[10] == 42
    acl = rig.server.read(rig.ep, "/2", accept=CF.SENML_CBOR).values
    owners = {v for p, v in acl.items() if p.resource_id == 3}
    assert owners == {42} and all(p.ids[3] == 42 for p in acl if p.resource_id == 2)


def test_server_instance_lifetime_write_and_triggers_act_on_1_3(make_rig):
    rig = make_rig(variants=["server-instance"])
    mark = rig.server.mark()
    assert rig.server.write(rig.ep, "/1/3/1", 20, content_format=CF.TEXT).code_text == "2.04"
    assert rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)["params"] == {"lt": "20"}
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/1/3/8").code_text == "2.04"
    assert rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)["params"] == {}
    assert rig.server.execute(rig.ep, "/1/3/9").code_text == "2.04" and rig.meter.bootstrap_requests == 1
    assert rig.server.write(rig.ep, "/1/3/2", 7, content_format=CF.TEXT).code_text == "2.04"
    assert rig.call(rig.meter.default_pmin) == 7.0
    assert rig.server.write(rig.ep, "/1/3/23", True, content_format=CF.CBOR).code_text == "2.04"
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_send())
    assert rig.server.no_event("send", rig.ep, since=mark, within=0.3)      # Mute Send /1/3/23
    assert rig.server.write(rig.ep, "/1/3/5", 1, content_format=CF.TEXT).code_text == "2.04"
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/1/3/4").code_text == "2.04"
    rig.server.wait_event("deregistered", rig.ep, since=mark, timeout=3)
    rig.server.wait_event("registered", rig.ep, since=mark, timeout=4)


def test_account_written_by_a_bootstrap_server_at_any_instance_is_the_one_in_use(rig):
    async def go():
        bs, srv = await bs_server(), await udp_server()
        bs.plan("vb1", BootstrapPlan([ServerAccount(srv.uri, ssid=77, mode=3, security_instance=6,
                                                    server_instance=4, lifetime=300)]))
        m = meter(srv.uri, "vb1", server=None, bootstrap_uri=bs.uri, variants=["server-instance"])
        try:
            mark = srv.events.mark()
            await m.start()
            ev = await srv.events.wait("registered", "vb1", since=mark, timeout=4)
            assert ev["registration"].lifetime == 300 and ev["registration"].objects.has("/1/4")
            mark = srv.events.mark()
            assert (await srv.write("vb1", "/1/4/1", 40, content_format=CF.TEXT)).code_text == "2.04"
            ev = await srv.events.wait("updated", "vb1", since=mark, timeout=3)
            assert ev["query"].params == {"lt": "40"}
            assert m.store.instance(0, 0)[1] is True       # the factory Bootstrap-Server account is /0/0
        finally:
            await stop(m, bs, srv)
    rig.run(go())


#: Seeded defects keyed to the Server instance: each still shows its symptom on /1/3 (the real instance).
def _lt_ignored(rig):
    mark = rig.server.mark()
    rig.server.write(rig.ep, "/1/3/1", 20, content_format=CF.TEXT)
    assert "lt" not in rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)["params"]


def _trigger_ignored(rig):
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/1/3/8").code_text == "2.04"
    assert rig.server.no_event("updated", rig.ep, since=mark, within=0.5)


def _trigger_params(rig):
    mark = rig.server.mark()
    rig.server.execute(rig.ep, "/1/3/8")
    assert set(rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)["params"]) == {"lt", "b"}


def _disable_stays(rig):
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/1/3/4").code_text == "2.04"
    assert rig.server.no_event("deregistered", rig.ep, since=mark, within=0.5)


def _mute_ignored(rig):
    assert rig.server.write(rig.ep, "/1/3/23", True, content_format=CF.CBOR).code_text == "2.04"
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_send())
    rig.server.wait_event("send", rig.ep, since=mark, timeout=3)


def _bs_trigger_ignored(rig):
    assert rig.server.execute(rig.ep, "/1/3/9").code_text == "2.04"
    rig.run(asyncio.sleep(0.2))
    assert rig.meter.bootstrap.attempts == 0


def _readonly_written(rig):
    assert rig.server.write(rig.ep, "/1/3/0", 123, content_format=CF.TEXT).code_text == "2.04"


@pytest.mark.parametrize("defect,symptom", [
    ("update-ignores-new-lifetime", _lt_ignored), ("update-trigger-ignored", _trigger_ignored),
    ("update-trigger-stale-lifetime", _trigger_params), ("disable-without-deregister", _disable_stays),
    ("mute-send-ignored", _mute_ignored), ("bootstrap-trigger-ignored", _bs_trigger_ignored),
    ("write-readonly-accepted", _readonly_written),
])
def test_defects_keyed_to_the_server_instance_follow_it(make_rig, defect, symptom):
    rig = make_rig(variants=["server-instance"], defects=[defect])
    symptom(rig)


# ---------------------------------------------------------------- no-binding-param
@pytest.mark.parametrize("lwm2m,lifetime,expect", [
    ("1.1", 86400, {"lt": "86400"}), ("1.0", 86400, {}), ("1.0", 300, {"lt": "300"}), ("1.2", 300, {"lt": "300"}),
])
def test_register_without_binding_and_default_lifetime(make_rig, lwm2m, lifetime, expect):
    rig = make_rig(lwm2m=lwm2m, lifetime=lifetime, variants=["no-binding-param"])
    reg = rig.server.registration(rig.ep)
    params = reg.query.params
    assert "b" not in params and {k: params[k] for k in ("lt",) if k in params} == expect
    assert reg.binding == "U" and reg.lifetime == lifetime


def test_queue_mode_binding_of_1_0_is_still_sent(make_rig):
    rig = make_rig(lwm2m="1.0", queue_mode=True, variants=["no-binding-param"])
    assert rig.server.registration(rig.ep).query.params["b"] == "UQ"


# ---------------------------------------------------------------- senml-cbor-default
@pytest.mark.parametrize("lwm2m,cf", [("1.1", CF.SENML_CBOR), ("1.2", CF.SENML_CBOR), ("1.0", CF.TLV)])
def test_read_without_accept_uses_the_preferred_multi_value_format(make_rig, lwm2m, cf):
    rig = make_rig(lwm2m=lwm2m, variants=["senml-cbor-default"])
    for path in ("/3/0/0", "/3/0", "/19/0/0/0" if lwm2m != "1.0" else "/19/0/0", "/1/0/1"):
        res = rig.server.read(rig.ep, path)
        assert res.code_text == "2.05" and res.content_format == cf and res.decode_error is None, path
    assert rig.server.read(rig.ep, "/3/0/0").values == {P("/3/0/0"): "meterproof"}
    assert rig.server.read(rig.ep, "/3/0/0", accept=CF.TEXT).content_format == CF.TEXT    # Accept still wins


def test_observe_without_accept_uses_it_too(make_rig):
    rig = make_rig(variants=["senml-cbor-default"])
    obs = rig.server.observe(rig.ep, "/3/0/9")
    assert obs.established and obs.first.content_format == CF.SENML_CBOR


# ---------------------------------------------------------------- minimal-resources
def test_optional_resources_are_absent_and_answer_404(make_rig):
    rig = make_rig(variants=["minimal-resources"])
    dev = rig.server.read(rig.ep, "/3/0", accept=CF.SENML_CBOR).values
    assert {p.resource_id for p in dev} == {11, 16}
    targets = set(_links(rig.server.discover(rig.ep, "/3/0").payload))
    assert targets == {"/3/0", "/3/0/4", "/3/0/11", "/3/0/16"}
    for path in ("/3/0/0", "/3/0/9", "/1/0/2", "/1/0/3", "/5/0/6", "/3421/0/5518"):
        assert rig.server.read(rig.ep, path).code_text == "4.04", path
    assert rig.server.write(rig.ep, "/3/0/14", "+02:00", content_format=CF.TEXT).code_text == "4.04"
    assert rig.server.write(rig.ep, "/1/0", {"/1/0/2": 5}, partial=True, content_format=CF.TLV).code_text == "4.04"
    for path in ("/3/0/5", "/3/0/12", "/1/0/4", "/1/0/9"):
        assert rig.server.execute(rig.ep, path).code_text == "4.04", path
    assert set(rig.server.read(rig.ep, "/1/0").values) == {P(f"/1/0/{r}") for r in (0, 1, 6, 7)}


def test_create_ignores_optional_resources_it_does_not_support(make_rig):
    rig = make_rig(variants=["minimal-resources"])
    res = rig.server.create(rig.ep, "/19", {"/19/7/0/0": b"x", "/19/7/3": "ignored"}, content_format=CF.SENML_CBOR)
    assert res.code_text == "2.01"
    assert set(rig.server.read(rig.ep, "/19/7", accept=CF.SENML_CBOR).values) == {P("/19/7/0/0")}


def test_firmware_update_works_without_package_name_and_version(make_rig):
    rig = make_rig(variants=["minimal-resources"])
    assert rig.server.write(rig.ep, "/5/0/0", build_image("1.1.0"), content_format=CF.OPAQUE).code_text == "2.04"

    async def downloaded():
        while rig.meter.firmware.state != 2:
            await asyncio.sleep(0.02)
    rig.run(asyncio.wait_for(downloaded(), 3))
    assert rig.server.read(rig.ep, "/5/0/7").code_text == "4.04"


# ---------------------------------------------------------------- object versions
def test_old_object_versions_are_announced_and_used(make_rig):
    rig = make_rig(variants=["old-object-versions"])
    links = _links(_register_payload(rig))
    assert links["/1"] == {"ver": "1.0"} and links["/3"] == {"ver": "1.0"} and links["/4"] == {"ver": "1.0"}
    reg = rig.server.registration(rig.ep)
    assert reg.objects.objects[1] == "1.0"
    assert rig.server.read(rig.ep, "/1/0/23").code_text == "4.04"          # Mute Send is a 1.1 resource
    assert _links(rig.server.discover(rig.ep, "/3").payload)["/3"] == {"ver": "1.0"}
    res = rig.server.read(rig.ep, "/3/0", accept=CF.TLV)
    assert res.code_text == "2.05" and res.decode_error is None


@pytest.mark.parametrize("lwm2m,expect", [("1.1", {2: "1.1", 3: "1.2", 4: "1.3", 5: "1.2"}), ("1.0", {2: "1.1"})])
def test_new_object_versions_are_announced_and_used(make_rig, lwm2m, expect):
    rig = make_rig(lwm2m=lwm2m, variants=["new-object-versions"])
    objs = rig.server.registration(rig.ep).objects.objects
    assert {oid: objs[oid] for oid in expect} == expect
    for oid in expect:
        res = rig.server.read(rig.ep, f"/{oid}", accept=CF.TLV)
        assert res.code_text == "2.05" and res.decode_error is None


# ---------------------------------------------------------------- composite-reordered
def test_composite_answers_come_in_reverse_order(make_rig):
    rig = make_rig(variants=["composite-reordered"])
    res = rig.server.read_composite(rig.ep, ["/1/0/1", "/3/0/16", "/3/0/11/0"])
    assert res.code_text == "2.05" and res.decode_error is None
    assert _pack_names(res.payload) == ["/3/0/16", "/3/0/11/0", "/1/0/1"]
    volt = rig.server.read(rig.ep, "/3/0/7", accept=CF.SENML_CBOR)
    assert _pack_names(volt.payload) == ["/3/0/7/1", "/3/0/7/0"] and volt.decode_error is None
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_send(["/3/0/9", "/3421/0/25"]))
    ev = rig.server.wait_event("send", rig.ep, since=mark, timeout=3)
    assert [str(r.path) for r in ev["records"]] == ["/3421/0/25", "/3/0/9"]


# ---------------------------------------------------------------- instance-numbering
def test_instances_are_numbered_sparsely(make_rig):
    rig = make_rig(variants=["instance-numbering"])
    reg = rig.server.registration(rig.ep)
    inst = {str(p) for p in reg.objects.instances}
    assert {"/19/5", "/19/9", "/2/10", "/2/14", "/3421/5", "/3/0", "/4/0", "/5/0", "/1/0"} <= inst
    assert "/19/0" not in inst and "/3421/0" not in inst
    assert rig.server.read(rig.ep, "/10262/5/1/0").values[P("/10262/5/1/0")] == ObjLnk(3421, 5)
    assert rig.server.read(rig.ep, "/2/13/1").values == {P("/2/13/1"): 5}
    body = tlv.encode({P("/19/0/0/0"): b"y"}, P("/19/0"), rig.aio.model_for(None))
    res = rig.server.create(rig.ep, "/19", {}, payload=body, content_format=CF.TLV)
    assert res.code_text == "2.01" and res.location == "/19/12"


# ---------------------------------------------------------------- root link, alternate path
def test_no_portfolio_object(make_rig):
    rig = make_rig(variants=["no-portfolio"])
    assert 16 not in rig.server.registration(rig.ep).objects.objects
    assert rig.server.read(rig.ep, "/16").code_text == "4.04"
    assert 16 in make_rig(ep="meter-0002").server.registration("meter-0002").objects.objects


def test_no_bearer_selection_object(make_rig):
    rig = make_rig(variants=["no-bearer-selection"])
    assert 13 not in rig.server.registration(rig.ep).objects.objects
    assert rig.server.read(rig.ep, "/13").code_text == "4.04"


def test_no_wlan_object(make_rig):
    """The WLAN module without its object: no /12, yet Available Network Bearer lists WLAN and Bearer Selection
    still moves the meter onto it."""
    rig = make_rig(variants=["no-wlan-object"])
    assert 12 not in rig.server.registration(rig.ep).objects.objects
    assert rig.server.read(rig.ep, "/12").code_text == "4.04"
    assert 21 in rig.server.read(rig.ep, "/4/0/1", accept=CF.TLV).values.values()
    mark = rig.server.mark()
    assert rig.server.write(rig.ep, "/13/0/0", {P("/13/0/0/0"): 7}, content_format=CF.TLV).ok
    rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert rig.server.read(rig.ep, "/4/0/0", accept=CF.TEXT).values[P("/4/0/0")] == 21


def test_wlan_instance_is_numbered_by_the_layout(make_rig):
    rig = make_rig(variants=["instance-numbering"])
    assert [str(p) for p in rig.server.registration(rig.ep).objects.instances if p.object_id == 12] == ["/12/5"]


def test_register_without_root_link(make_rig):
    rig = make_rig(variants=["no-root-link"])
    payload = _register_payload(rig)
    assert b"</>" not in payload and b"oma.lwm2m" not in payload
    assert rig.server.registration(rig.ep).objects.content_formats == []



def test_profile_id_beside_the_full_object_list_in_1_2(make_rig):
    """TS Core 1.2 §6.2.1: pid=<RFC 6920 suite>:<hex>; the variant keeps the complete object list."""
    import re
    reg = make_rig(lwm2m="1.2", variants=["profile-id"]).server.registration("meter-0001")
    assert re.fullmatch(r"6:[0-9a-f]{8}", reg.pid or "") and {1, 3}.issubset(reg.objects.objects)
    bad = make_rig(lwm2m="1.2", ep="meter-0002", defects=["register-pid-malformed"]).server.registration("meter-0002")
    assert re.fullmatch(r"[0-9a-f]{8}", bad.pid or "")
    assert make_rig(lwm2m="1.1", ep="meter-0003", defects=["register-pid-malformed"]).server.registration(
        "meter-0003").pid is None

def test_alternate_path_is_declared_and_served(make_rig):
    rig = make_rig(variants=["alternate-path"])
    payload = _register_payload(rig)
    assert payload.startswith(b'</lwm2m>;rt="oma.lwm2m"') and b"</lwm2m/3/0>" in payload
    reg = rig.server.registration(rig.ep)
    assert reg.root == "/lwm2m" and reg.objects.has("/3/0")
    assert rig.server.read(rig.ep, "/3/0/0").values == {P("/3/0/0"): "meterproof"}
    assert rig.server.read_composite(rig.ep, ["/3/0/0", "/1/0/1"]).code_text == "2.05"
    assert rig.server.observe(rig.ep, "/3/0/9").established
    raw = rig.run(rig.aio.endpoint.request(wire.new(codes.GET, uri_path=("3", "0", "0")), reg.remote, timeout=2))
    assert raw.code == codes.NOT_FOUND


# ---------------------------------------------------------------- everything at once
@pytest.mark.parametrize("lwm2m,variants", [
    ("1.1", ["server-instance", "no-binding-param", "senml-cbor-default", "minimal-resources",
             "composite-reordered", "instance-numbering", "alternate-path", "new-object-versions"]),
    ("1.0", ["server-instance", "no-binding-param", "senml-cbor-default", "minimal-resources",
             "instance-numbering", "new-object-versions"]),
])
def test_variants_combine(make_rig, lwm2m, variants):
    rig = make_rig(lwm2m=lwm2m, variants=variants, meter="water", params=FAST)
    reg = rig.server.registration(rig.ep)
    assert reg.objects.has("/1/3") and "b" not in reg.query.params
    res = rig.server.read(rig.ep, "/3/0")
    assert res.code_text == "2.05" and res.decode_error is None
    mark = rig.server.mark()
    assert rig.server.write(rig.ep, "/1/3/1", 30, content_format=CF.TEXT).code_text == "2.04"
    assert rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)["params"] == {"lt": "30"}


# ---------------------------------------------------------------- the ready-made variant profiles
@pytest.mark.parametrize("path", sorted((BUILTIN_DIR / "variants").glob("sim-*.yaml")), ids=lambda p: p.stem)
def test_variant_profiles_claim_what_the_meter_offers(path):
    """content_formats are exactly what the meter serves; software-management, firmware-push, send and
    composite are claimed exactly when the meter has what they need (Send: a Mute Send resource, TS Core 1.1
    E.2 -- without it Send is de-activated)."""
    prof = load(path)
    opts = prof.driver_options
    m = SimulatedMeter("coap://127.0.0.1:5683", "claims", meter=opts["meter"], lwm2m=prof.lwm2m_version,
                       variants=opts["variants"])
    try:
        assert sorted(prof.content_formats) == sorted(int(cf) for cf in served(prof.lwm2m_version))
        store = m.store
        mute = P(f"/1/{m.ctx.layout.server_iid}/23")
        offers = {
            "software-management": store.implemented(P("/9/0/2")),
            "firmware-push": store.implemented(P("/5/0/0")) and store.implemented(P("/5/0/2")),
            "send": prof.lwm2m_version != "1.0" and store.resource_def(mute) is not None and store.implemented(mute),
            "composite": prof.lwm2m_version != "1.0",
        }
        for feature, offered in offers.items():
            assert prof.claims(feature) == offered, feature
    finally:
        m.endpoint.close()


@pytest.mark.parametrize("variants", [["minimal-resources"], ["old-object-versions"]])
def test_no_mute_send_resource_means_no_send(make_rig, variants):
    """TS Core 1.1 E.2 /1/x/23: "If true or the Resource is not present, the LwM2M Client Send command
    capability is de-activated" -- a meter without the resource (optional; absent in Server 1.0) never Sends."""
    rig = make_rig(variants=variants)
    assert rig.server.read(rig.ep, "/1/0/23").code_text == "4.04"
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_send())
    assert rig.server.no_event("send", rig.ep, since=mark, within=0.3)
