"""Every seeded defect shows its symptom on the network (and the catalog is complete)."""

from __future__ import annotations

import asyncio

import pytest
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.blockwise import Block
from meterproof.errors import ConfigError, ProtocolError, TimeoutError_
from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.formats import link, tlv
from meterproof.lwm2m.path import P
from meterproof.sim.defects import DEFECTS, check_defects
from meterproof.sim.firmware_image import build_image
from meterproof.sim.security import Credentials
from simrig import FAST, _start_meter

SYMPTOMS = {}
OPTIONS = {}


def symptom(name, **options):
    def deco(fn):
        SYMPTOMS[name] = fn
        OPTIONS[name] = options
        return fn
    return deco


def sleep(rig, s):
    rig.run(asyncio.sleep(s))


def fw_state(rig):
    v = rig.server.read(rig.ep, "/5/0", accept=CF.TLV).values
    return v[P("/5/0/3")], v[P("/5/0/5")]


def answers(rig, timeout=0.6):
    """Does the meter answer a plain GET at all?"""
    async def probe():
        reg = rig.aio.registrations.get(rig.ep)
        remote = reg.remote if reg else rig.meter.endpoint.local_address
        try:
            await rig.aio.endpoint.request(wire.new(codes.GET, uri_path=("3", "0", "0")), remote,
                                           confirmable=False, timeout=timeout)
            return True
        except Exception:
            return False
    return rig.run(probe())


# ---------------------------------------------------------------- registration
@symptom("register-lists-security-object")
def _(rig):
    assert rig.server.registration(rig.ep).objects.has("/0/0")


@symptom("register-rejected-binding", start=False)
def _(make_rig, defects):
    """The meter's Register says b=UQ with lwm2m=1.1: the server refuses it (4.00) and it never registers."""
    with pytest.raises(Exception, match="Register answered 4.00.*binding 'UQ'"):
        make_rig(defects=defects)


def _peer(rig):
    return rig.aio.endpoint.peers[rig.aio.registrations[rig.ep].remote]


@symptom("tcp-no-csm", tcp=True)
def _(rig):
    """Over TCP the meter's first message is its Register, no CSM (RFC 8323 §5.3)."""
    peer = _peer(rig)
    assert not peer.csm_received and "not a CSM" in peer.problems[0]


@symptom("tcp-no-pong", tcp=True)
def _(rig):
    """A Ping goes unanswered (RFC 8323 §5.4); the conformant meter answers with a Pong."""
    with pytest.raises(Exception, match="no Pong"):
        rig.run(rig.aio.ping(rig.ep, timeout=0.3))


@symptom("tcp-ignores-max-message-size", tcp=True)
def _(rig):
    """After a CSM announcing 96 bytes, a Read of /3/0 still comes back in one message larger than that."""
    rig.call(rig.aio.send_csm, rig.ep, 96)
    rig.server.read(rig.ep, "/3/0", accept=CF.TLV)
    assert any("Max-Message-Size" in p for ev in rig.aio.endpoint.violations for p in ev.problems)


@symptom("tcp-register-binding-u", tcp=True)
def _(rig):
    """The Register over TCP says b=U."""
    assert rig.aio.registrations[rig.ep].binding == "U"


def test_conformant_meter_over_tcp(make_rig):
    """The same checks against the conformant meter over TCP: CSM first, Pong, blocks within 96 bytes, b=T."""
    rig = make_rig(tcp=True)
    peer = _peer(rig)
    assert peer.csm_received and not peer.problems
    assert str(rig.run(rig.aio.ping(rig.ep, timeout=1)).code) == "7.03 Pong"
    rig.call(rig.aio.send_csm, rig.ep, 96)
    assert rig.server.read(rig.ep, "/3/0", accept=CF.TLV).ok
    assert not rig.aio.endpoint.violations
    assert rig.aio.registrations[rig.ep].binding == "T"


@symptom("register-wrong-version", lwm2m="1.2")
def _(rig):
    assert rig.server.registration(rig.ep).lwm2m_version == "1.0"


@symptom("register-pid-malformed", lwm2m="1.2")
def _(rig):
    pid = rig.server.registration(rig.ep).pid
    assert pid is not None and ":" not in pid and len(pid) == 8


@symptom("update-ignores-new-lifetime")
def _(rig):
    mark = rig.server.mark()
    rig.server.write(rig.ep, "/1/0/1", 20, content_format=CF.TEXT)
    assert "lt" not in rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)["params"]


@symptom("registers-first-server-only", start=False)
def _(make_rig, defects):
    from multirig import two
    from secrig import stop
    rig = make_rig()
    m, bs, s1, s2, mark = two(rig, "d-first-only", tuple(defects), second_registers=False)

    async def go():
        try:
            with pytest.raises((TimeoutError_, TimeoutError)):
                await s2.events.wait("registered", "d-first-only", since=mark, timeout=1.0)
        finally:
            await stop(m, bs, s1, s2)
    rig.run(go())


@symptom("attributes-shared-between-servers", start=False)
def _(make_rig, defects):
    from multirig import two
    from secrig import stop
    rig = make_rig()
    m, bs, s1, s2, _ = two(rig, "d-shared-attrs", tuple(defects))

    async def go():
        try:
            await s2.write_attributes("d-shared-attrs", "/3/0", pmin=15)
            return (await s1.discover("d-shared-attrs", "/3/0")).payload
        finally:
            await stop(m, bs, s1, s2)
    assert b"pmin=15" in rig.run(go())


@symptom("acl-not-enforced", start=False)
def _(make_rig, defects):
    from multirig import two
    from secrig import stop
    rig = make_rig()
    m, bs, s1, s2, _ = two(rig, "d-acl", tuple(defects))

    async def go():
        try:
            return (await s2.write("d-acl", "/3/0/14", "+02:00", content_format=CF.TEXT)).code_text
        finally:
            await stop(m, bs, s1, s2)
    assert rig.run(go()) == "2.04"


@symptom("update-trigger-ignored")
def _(rig):
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/1/0/8").code_text == "2.04"
    assert rig.server.no_event("updated", rig.ep, since=mark, within=0.5)


@symptom("update-trigger-stale-lifetime")
def _(rig):
    mark = rig.server.mark()
    assert rig.server.write(rig.ep, "/1/0/1", 77).code_text == "2.04"
    assert rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)["params"] == {"lt": "77"}
    mark = rig.server.mark()
    rig.server.execute(rig.ep, "/1/0/8")
    params = rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)["params"]
    assert set(params) == {"lt", "b"} and params["lt"] != "77"      # the Register's lifetime, not the current one


# ---------------------------------------------------------------- OMA ETS cases of issue 12 (kept together)
@symptom("cbor-write-ignored")
def _(rig):
    assert rig.server.write(rig.ep, "/1/0/1", 4321, content_format=CF.CBOR).code_text == "2.04"
    assert rig.server.read(rig.ep, "/1/0/1").value("/1/0/1") != 4321


@symptom("oma-json-partial-update-ignored")
def _(rig):
    w = rig.server.write(rig.ep, "/1/0", {"/1/0/1": 4321}, content_format=CF.OMA_JSON, partial=True)
    assert w.code_text == "2.04"
    assert rig.server.read(rig.ep, "/1/0/1").value("/1/0/1") != 4321


@symptom("composite-skips-object-paths")
def _(rig):
    r = rig.server.read_composite(rig.ep, ["/3"], content_format=CF.SENML_CBOR)
    assert r.code_text == "2.05" and P("/3/0/0") not in r.values


@symptom("lifetime-change-stops-refresh", clock=0.05)
def _(rig):
    mark = rig.server.mark()
    rig.server.write(rig.ep, "/1/0/1", 20, content_format=CF.TEXT)
    ev = rig.server.wait_event("updated", rig.ep, since=mark, timeout=3, where=lambda e: e["params"].get("lt") == "20")
    assert rig.server.no_event("updated", rig.ep, since=ev.index + 1, within=1.5)   # conformant: one at 0.9 s


@symptom("queue-mode-sleeps-after-update", queue_mode=True)
def _(rig):
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_update())
    rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert not answers(rig)


@symptom("observe-parameters-refused", lwm2m="1.2")
def _(rig):
    obs = rig.server.observe(rig.ep, "/3/0/7", query=("pmin=1", "pmax=3"))
    assert obs.first.code_text == "4.00"


@symptom("block2-restarts-at-zero")
def _(rig):
    with pytest.raises(ProtocolError, match="asked for Block2 number 1"):
        rig.server.read(rig.ep, "/3/0", accept=CF.TLV, block_szx=0)


@symptom("block1-write-dropped")
def _(rig):
    values = {"/1/0/1": 4321, "/1/0/6": False, "/1/0/7": "U"}
    w = rig.server.write(rig.ep, "/1/0", values, content_format=CF.SENML_JSON, partial=True, block_szx=0)
    assert w.code_text == "2.04" and len(w.exchanges) > 1
    assert rig.server.read(rig.ep, "/1/0/1").value("/1/0/1") != 4321


def _post_block(rig, path, payload, num, more, **opts):
    msg = wire.new(codes.POST, payload=payload, uri_path=path.strip("/").split("/"), content_format=CF.SENML_JSON,
                   **opts)
    msg.opt.block1 = Block(num, more, 0)
    return rig.server.raw_request(rig.ep, msg)


@symptom("block1-numbers-ignored")
def _(rig):
    body = rig.server.encode_values(rig.ep, CF.SENML_JSON, {"/1/0/1": 4321, "/1/0/7": "U"}, P("/1/0"))
    assert len(body) > 48
    first = _post_block(rig, "/1/0", body[:16], 0, True)
    final = _post_block(rig, "/1/0", body[32:48], 2, False)
    assert first.code == codes.CONTINUE and final.code != codes.REQUEST_ENTITY_INCOMPLETE


@symptom("too-large-size1-echoed")
def _(rig):
    r = _post_block(rig, "/1/0", b"[" + b" " * 15, 0, True, size1=2 ** 32 - 1)
    assert r.code == codes.REQUEST_ENTITY_TOO_LARGE and r.opt.size1 == 2 ** 32 - 1


@symptom("size2-request-refused")
def _(rig):
    assert rig.server.read(rig.ep, "/3/0", accept=CF.TLV, options=[(28, b"")]).code_text == "4.02"
    assert rig.server.read(rig.ep, "/3/0", accept=CF.TLV).ok


@symptom("band-reset-timeout-write-ignored")
def _(rig):
    assert rig.server.write(rig.ep, "/501/0/5", 31.0, content_format=CF.TEXT).code_text == "2.04"
    assert rig.server.read(rig.ep, "/501/0/5").value("/501/0/5") == 30.0


@symptom("rsp-download-uri-write-ignored")
def _(rig):
    assert rig.server.write(rig.ep, "/504/0/3", "coaps://rsp.invalid/x", content_format=CF.TEXT).code_text == "2.04"
    assert rig.server.read(rig.ep, "/504/0/3").value("/504/0/3") == ""


@symptom("band-reset-ignores-timeout")
def _(rig):
    """Reset Timeout 2 s, yet the Update from the new address comes at once."""
    assert rig.server.write(rig.ep, "/501/0/5", 2.0, content_format=CF.TEXT).ok
    remote, mark = rig.server.registration(rig.ep).remote, rig.server.mark()
    t0 = rig.server.now()
    assert rig.server.execute(rig.ep, "/501/0/6").code_text == "2.04"
    ev = rig.server.wait_event("updated", rig.ep, since=mark, timeout=1.5)
    assert ev.time - t0 < 1.0 and ev["remote"] != remote


@symptom("band-reset-silent")
def _(rig):
    """The meter's socket moves after the reset, and no Update tells the server."""
    assert rig.server.write(rig.ep, "/501/0/5", 0.1, content_format=CF.TEXT).ok
    local, mark = rig.meter.endpoint.transport.local_address, rig.server.mark()
    assert rig.server.execute(rig.ep, "/501/0/6").code_text == "2.04"
    sleep(rig, 0.6)
    assert rig.meter.endpoint.transport.local_address != local
    assert rig.server.events(("updated", "registered"), rig.ep, since=mark) == []


def _rsp_download_from_nowhere(rig):
    """RSP Update action 0 with a Download URI whose host never resolves; returns /504/0 afterwards."""
    assert rig.server.write(rig.ep, "/504/0/3", "coaps://rsp.invalid/x", content_format=CF.TEXT).ok
    assert rig.server.execute(rig.ep, "/504/0/4", "0").code_text == "2.04"
    sleep(rig, 0.4)
    return rig.server.read(rig.ep, "/504/0", accept=CF.TLV).values


@symptom("rsp-failed-download-reports-success")
def _(rig):
    v = _rsp_download_from_nowhere(rig)
    assert (v[P("/504/0/5")], v[P("/504/0/6")]) == (0, 1)


@symptom("rsp-failed-download-drops-profile")
def _(rig):
    before = rig.server.read(rig.ep, "/504/0", accept=CF.TLV).values
    assert P("/504/0/11/0") in before
    v = _rsp_download_from_nowhere(rig)
    assert v[P("/504/0/6")] == 11 and P("/504/0/11/0") not in v


@symptom("no-register-backoff")
def _(rig):
    from itertools import islice
    from meterproof.sim import retry_policy
    waits = list(islice(retry_policy.schedule(rig.meter), 8))   # more than the 5 attempts of the factory policy
    assert waits == [retry_policy.FIXED_RETRY] * 8


@symptom("no-reconnect-jitter")
def _(rig):
    from itertools import islice
    from meterproof.sim import retry_policy
    assert list(islice(retry_policy.schedule(rig.meter), 2)) == [60.0, 120.0]   # exactly the TS delays


@symptom("power-loss-forgets-config")
def _(rig):
    import os
    import tempfile
    assert rig.server.write(rig.ep, "/1/0/1", 4321).code_text == "2.04"
    with tempfile.TemporaryDirectory() as flash:
        state = os.path.join(flash, "state.json")
        rig.run(rig.meter.power_cut(state))
        rig.meter = _start_meter(rig.lt, rig.server, rig.ep, {"defects": ["power-loss-forgets-config"],
                                                               "state_file": state})
        assert rig.server.registration(rig.ep).lifetime == 86400      # the written 4321 is gone
        rig.run(rig.meter.stop(deregister=False))


@symptom("no-reregister-after-404")
def _(rig):
    rig.call(rig.aio.forget, rig.ep)
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_update())
    assert rig.server.no_event("registered", rig.ep, since=mark, within=0.5)


@symptom("disable-without-deregister")
def _(rig):
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/1/0/4").code_text == "2.04"
    assert rig.server.no_event("deregistered", rig.ep, since=mark, within=0.5)


@symptom("queue-mode-not-declared", queue_mode=True)
def _(rig):
    reg = rig.server.registration(rig.ep)
    assert not reg.queue_mode and "Q" not in reg.query.params


# ---------------------------------------------------------------- DM
@symptom("tlv-length-off-by-one")
def _(rig):
    res = rig.server.read(rig.ep, "/3/0", accept=CF.TLV)
    assert res.code_text == "2.05" and res.decode_error is not None


@symptom("write-readonly-accepted")
def _(rig):
    assert rig.server.write(rig.ep, "/1/0/0", 123, content_format=CF.TEXT).code_text == "2.04"
    assert rig.server.read(rig.ep, "/1/0/0").values == {P("/1/0/0"): 123}


@symptom("readonly-written-except-server-object")
def _(rig):
    assert rig.server.write(rig.ep, "/1/0/0", 123, content_format=CF.TEXT).code_text == "4.05"
    assert rig.server.write(rig.ep, "/3/0/0", "Rogue", content_format=CF.TEXT).code_text == "2.04"
    assert rig.server.read(rig.ep, "/3/0/0").values == {P("/3/0/0"): "Rogue"}


@symptom("execute-non-executable-accepted")
def _(rig):
    assert rig.server.execute(rig.ep, "/3/0/0").code_text == "2.04"


@symptom("read-executable-answers-empty")
def _(rig):
    res = rig.server.read(rig.ep, "/3/0/4")
    assert res.code_text == "2.05" and res.payload == b""


@symptom("absent-resource-method-not-allowed")
def _(rig):
    assert rig.server.execute(rig.ep, "/3/0/9999").code_text == "4.05"
    assert rig.server.write(rig.ep, "/3/0/9999", payload=b"1", content_format=CF.TEXT).code_text == "4.05"


@symptom("unsupported-format-read-as-text")
def _(rig):
    assert rig.server.write(rig.ep, "/1/0/1", payload=b"4321", content_format=65000).code_text == "2.04"
    assert rig.server.read(rig.ep, "/1/0/1").values == {P("/1/0/1"): 4321}


@symptom("text-accept-answered-in-default")
def _(rig):
    res = rig.server.read(rig.ep, "/3/0", accept=CF.TEXT)
    assert res.code_text == "2.05" and res.content_format != CF.TEXT


@symptom("lenient-text-numbers")
def _(rig):
    assert rig.server.write(rig.ep, "/1/0/1", payload=b"61x", content_format=CF.TEXT).code_text == "2.04"
    assert rig.server.read(rig.ep, "/1/0/1").values == {P("/1/0/1"): 61}


@symptom("security-resource-readable")
def _(rig):
    assert rig.server.read(rig.ep, "/0").code_text == "4.01"
    assert rig.server.read(rig.ep, "/0/0/0").code_text == "2.05"


@symptom("critical-option-ignored")
def _(rig):
    assert rig.server.read(rig.ep, "/3/0/0", options=[(65001, b"\x01")]).code_text == "2.05"


@symptom("missing-instance-wrong-code")
def _(rig):
    assert rig.server.read(rig.ep, "/3/7").code_text == "4.00"


@symptom("discover-depth-one-short", lwm2m="1.2")
def _(rig):
    links = link.parse(rig.server.discover(rig.ep, "/3", depth=1).payload)
    assert [lk.target for lk in links] == ["/3"]


@symptom("discover-omits-instances")
def _(rig):
    targets = [lk.target for lk in link.parse(rig.server.discover(rig.ep, "/3").payload)]
    assert "/3/0" not in targets and "/3/0/0" in targets


@symptom("security-object-readable")
def _(rig):
    res = rig.server.read(rig.ep, "/0", accept=CF.TLV)
    assert res.code_text == "2.05" and rig.meter.server_uri.encode() in res.payload


@symptom("unsupported-accept-not-406")
def _(rig):
    res = rig.server.read(rig.ep, "/3/0", accept=CF.TEXT)
    assert res.code_text == "2.05" and res.content_format != CF.TEXT


@symptom("create-device-instance-allowed")
def _(rig):
    assert rig.server.create(rig.ep, "/3", {"/3/1/0": "x"}).code_text == "2.01"


@symptom("partial-update-replaces")
def _(rig):
    rig.server.write(rig.ep, "/1/0", {"/1/0/1": 61, "/1/0/6": True}, partial=True)
    assert P("/1/0/7") not in rig.server.read(rig.ep, "/1/0").values


@symptom("read-composite-fails-on-missing")
def _(rig):
    assert rig.server.read_composite(rig.ep, ["/1/0/1", "/3339/0/5522"]).code_text == "4.04"


@symptom("resource-instance-read-refused")
def _(rig):
    assert rig.server.read(rig.ep, "/3/0/11/0").code_text == "4.00"


@symptom("composite-skips-resource-instances")
def _(rig):
    r = rig.server.read_composite(rig.ep, ["/3/0/11/0", "/3/0/16"])
    assert r.code_text == "2.05" and P("/3/0/11/0") not in r.values and P("/3/0/16") in r.values


@symptom("text-boolean-words")
def _(rig):
    assert rig.server.read(rig.ep, "/1/0/6", accept=CF.TEXT).payload == b"false"


# ---------------------------------------------------------------- reporting
@symptom("pmin-ignored")
def _(rig):
    rig.server.write_attributes(rig.ep, "/3/0/7/0", pmin=2, pmax=10)
    obs = rig.server.observe(rig.ep, "/3/0/7/0")
    obs.next(timeout=1.5)          # a conformant meter waits 2 s


@symptom("pmax-ignored")
def _(rig):
    rig.server.write_attributes(rig.ep, "/3/0/0", pmax=1)
    obs = rig.server.observe(rig.ep, "/3/0/0")
    with pytest.raises(Exception):
        obs.next(timeout=1.6)


def _cancel_symptom(rig, mode):
    rig.server.write_attributes(rig.ep, "/3/0/7", pmax=1)
    obs = rig.server.observe(rig.ep, "/3/0/7")
    obs.next(timeout=2)
    rig.server.cancel_observation(obs, mode=mode, timeout=3)
    sleep(rig, 1.5)
    assert len(obs.after_cancel) >= (2 if mode == "reset" else 1)


@symptom("notify-after-cancel-reset")
def _(rig):
    _cancel_symptom(rig, "reset")


@symptom("notify-after-cancel-get")
def _(rig):
    _cancel_symptom(rig, "get")


@symptom("observe-seq-not-increasing")
def _(rig):
    rig.server.write_attributes(rig.ep, "/3/0/7/0", pmin=0.0, pmax=10)
    obs = rig.server.observe(rig.ep, "/3/0/7/0")
    seqs = [obs.next(timeout=2).seq for _ in range(3)]
    assert len(set(seqs)) < len(seqs) and obs.stale


@symptom("step-ignored")
def _(rig):
    rig.server.write_attributes(rig.ep, "/3/0/7/0", st=1000, pmax=30)
    obs = rig.server.observe(rig.ep, "/3/0/7/0")
    obs.next(timeout=1)


def _observed_battery(rig, **attrs):
    """Observe /3/0/9 (Battery Level) at 50 with ``attrs``; returns the observation after its first answer."""
    rig.lt.call(rig.meter.set_value, "/3/0/9", 50)
    rig.server.write_attributes(rig.ep, "/3/0/9", pmax=30, **attrs)
    obs = rig.server.observe(rig.ep, "/3/0/9")
    assert obs.established
    return obs


@symptom("pmin-ignored-on-change")
def _(rig):
    obs = _observed_battery(rig, pmin=3)
    rig.lt.call(rig.meter.set_value, "/3/0/9", 60)
    obs.next(timeout=1.5)          # a conformant meter holds the change until pmin (3 s) has passed


@symptom("threshold-return-ignored")
def _(rig):
    obs = _observed_battery(rig, gt=80)
    rig.lt.call(rig.meter.set_value, "/3/0/9", 90)
    obs.next(timeout=2)            # up through gt: notified either way
    rig.lt.call(rig.meter.set_value, "/3/0/9", 60)
    with pytest.raises(Exception):
        obs.next(timeout=1.5)      # back down through gt: the defect stays silent


@symptom("step-from-last-sample")
def _(rig):
    obs = _observed_battery(rig, st=10)
    rig.lt.call(rig.meter.set_value, "/3/0/9", 55)      # 5 from the notified 50: silent either way
    sleep(rig, 0.5)
    rig.lt.call(rig.meter.set_value, "/3/0/9", 61)      # 11 from 50 (notify), 6 from the sample 55 (defect: silent)
    with pytest.raises(Exception):
        obs.next(timeout=1.5)


@symptom("discover-omits-attributes")
def _(rig):
    assert rig.server.write_attributes(rig.ep, "/3/0", pmax=77).code_text == "2.04"
    res = rig.server.discover(rig.ep, "/3/0")
    own = [lk for lk in link.parse(res.payload) if lk.target == "/3/0"]
    assert own and "pmax" not in own[0].params


@symptom("token-truncated")
def _(rig):
    async def get():
        msg = wire.new(codes.GET, uri_path=("3", "0", "16"))
        msg.token = bytes(range(1, 9))
        reg = rig.aio.registrations[rig.ep]
        try:
            resp = await rig.aio.endpoint.request(msg, reg.remote, timeout=2)
        except ProtocolError:
            return None                  # the harness refuses a response whose token does not match
        return resp.token
    assert rig.run(get()) != bytes(range(1, 9))


@symptom("tlv-partial-update-ignored")
def _(rig):
    before = rig.server.read(rig.ep, "/1/0/2", accept=CF.TEXT).payload
    new = b"7" if before != b"7" else b"8"
    body = tlv.encode_tlv_records([(3, 2, new and bytes([int(new)]))])
    assert rig.server.write(rig.ep, "/1/0", payload=body, content_format=CF.TLV, partial=True).code_text == "2.04"
    assert rig.server.read(rig.ep, "/1/0/2", accept=CF.TEXT).payload == before


@symptom("send-unregistered-object")
def _(rig):
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_send())
    ev = rig.server.wait_event("send", rig.ep, since=mark, timeout=3)
    registered = set(rig.server.registration(rig.ep).objects.objects)
    assert {r.path.object_id for r in ev["records"]} - registered


@symptom("send-renumbers-resource-instances")
def _(rig):
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_send(["/3/0/11/0"]))
    ev = rig.server.wait_event("send", rig.ep, since=mark, timeout=3)
    assert [str(r.path) for r in ev["records"]] == ["/3/0/11/1"]


@symptom("mute-send-ignored")
def _(rig):
    rig.server.write(rig.ep, "/1/0/23", True, content_format=CF.TEXT, payload=b"1")
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_send())
    rig.server.wait_event("send", rig.ep, since=mark, timeout=3)


# ---------------------------------------------------------------- formats, security
@symptom("senml-basename-wrong")
def _(rig):
    res = rig.server.read(rig.ep, "/3/0", accept=CF.SENML_JSON)
    assert res.code_text == "2.05" and b'"/3/0"' in res.payload
    assert res.decode_error is not None or P("/3/0/0") not in (res.values or {})


@symptom("cbor-float-truncated")
def _(rig):
    res = rig.server.read(rig.ep, "/3421/0", accept=CF.SENML_CBOR)
    import cbor2
    pack = cbor2.loads(res.payload)
    assert not any(isinstance(r.get(2), float) for r in pack)


@symptom("security-object-writable")
def _(rig):
    assert rig.server.write(rig.ep, "/0/0/0", "coap://evil", content_format=CF.TEXT).code_text == "2.04"


# ---------------------------------------------------------------- updates
@symptom("fw-corrupt-image-accepted")
def _(rig):
    rig.server.write(rig.ep, "/5/0/0", build_image("1.5.0", corrupt=True), content_format=CF.OPAQUE)
    sleep(rig, 0.2)
    assert fw_state(rig) == (2, 0)


@symptom("fw-skips-downloaded")
def _(rig):
    mark = rig.server.mark()
    rig.server.write(rig.ep, "/5/0/0", build_image("1.5.0"), content_format=CF.OPAQUE)
    rig.server.wait_event("registered", rig.ep, since=mark, timeout=3)     # installed and rebooted
    assert fw_state(rig) == (0, 1)


@symptom("fw-update-without-package")
def _(rig):
    assert rig.server.execute(rig.ep, "/5/0/2").code_text == "2.04"


@symptom("fw-version-not-reported")
def _(rig):
    before = rig.server.read(rig.ep, "/3/0/3").values
    rig.server.write(rig.ep, "/5/0/0", build_image("9.9.9"), content_format=CF.OPAQUE)
    sleep(rig, 0.15)
    mark = rig.server.mark()
    rig.server.execute(rig.ep, "/5/0/2")
    rig.server.wait_event("registered", rig.ep, since=mark, timeout=3)
    assert fw_state(rig) == (0, 1)
    assert rig.server.read(rig.ep, "/3/0/3").values == before


@symptom("fw-rollback-allowed")
def _(rig):
    rig.server.write(rig.ep, "/5/0/0", build_image("0.1.0"), content_format=CF.OPAQUE)
    sleep(rig, 0.15)
    mark = rig.server.mark()
    rig.server.execute(rig.ep, "/5/0/2")
    rig.server.wait_event("registered", rig.ep, since=mark, timeout=3)
    assert rig.server.read(rig.ep, "/3/0/3").values == {P("/3/0/3"): "0.1.0"}


@symptom("fw-signature-unchecked")
def _(rig):
    rig.server.write(rig.ep, "/5/0/0", build_image("1.5.0", signer=None), content_format=CF.OPAQUE)
    sleep(rig, 0.2)
    assert fw_state(rig) == (2, 0)


@symptom("fw-uri-length-unchecked")
def _(rig):
    uri = "coap://127.0.0.1/" + "f" * 239
    assert rig.server.write(rig.ep, "/5/0/1", payload=uri.encode(), content_format=CF.TEXT).code_text == "2.04"


@symptom("firmware-outdated")
def _(rig):
    assert rig.server.read(rig.ep, "/3/0/3").values == {P("/3/0/3"): "0.9.0"}


def _shelf(rig, data):
    """A file on the server's own CoAP file shelf: (its coap:// URI, the shelf)."""
    from meterproof.coap.files import FileShelf
    shelf = FileShelf()
    rig.aio.mounts[shelf.prefix] = shelf.answer
    return rig.aio.uri + shelf.put(data), shelf


def _write_uri(rig, uri):
    assert rig.server.write(rig.ep, "/5/0/1", uri, content_format=CF.TEXT).code_text == "2.04"


@symptom("fw-uri-ignored")
def _(rig):
    uri, shelf = _shelf(rig, build_image("1.5.0"))
    _write_uri(rig, uri)
    sleep(rig, 0.3)
    assert shelf.get(uri).requests == 0 and fw_state(rig) == (0, 0)


@symptom("fw-storage-unchecked")
def _(rig):
    from meterproof.sim.firmware import STORAGE
    uri, _ = _shelf(rig, build_image("1.5.0", body=bytes(STORAGE)))
    _write_uri(rig, uri)
    for _ in range(50):
        sleep(rig, 0.1)
        if fw_state(rig)[0] == 0:
            break
    assert fw_state(rig) == (0, 5)


@symptom("fw-stuck-downloading-after-lost-link")
def _(rig):
    from meterproof.delivery.http_files import HttpFileServer
    http = HttpFileServer().start()
    try:
        data = build_image("1.5.0", body=bytes(4096))
        _write_uri(rig, http.uri(http.put(data, cut_at=len(data) // 2)))
        sleep(rig, 0.5)
        assert fw_state(rig) == (1, 0)
    finally:
        http.close()


@symptom("fw-out-of-ram-as-no-flash")
def _(rig):
    from meterproof.sim.firmware_image import RAM
    rig.server.write(rig.ep, "/5/0/0", build_image("1.5.0", body=bytes(RAM + 1), compressed=True),
                     content_format=CF.OPAQUE)
    sleep(rig, 0.2)
    assert fw_state(rig) == (0, 2)


@symptom("fw-unsupported-type-as-integrity")
def _(rig):
    rig.server.write(rig.ep, "/5/0/0", b"not a firmware image" * 8, content_format=CF.OPAQUE)
    sleep(rig, 0.2)
    assert fw_state(rig) == (0, 5)


@symptom("fw-invalid-uri-as-connection-lost")
def _(rig):
    uri, _ = _shelf(rig, b"")
    _write_uri(rig, uri.rsplit("/", 1)[0] + "/no-such-file")
    sleep(rig, 0.3)
    assert fw_state(rig) == (0, 4)


@symptom("fw-unsupported-protocol-as-invalid-uri")
def _(rig):
    _write_uri(rig, "coap+tcp://127.0.0.1:9/firmware.bin")
    sleep(rig, 0.2)
    assert fw_state(rig) == (0, 7)


@symptom("fw-reset-keeps-result")
def _(rig):
    rig.server.write(rig.ep, "/5/0/0", b"not a firmware image" * 8, content_format=CF.OPAQUE)
    sleep(rig, 0.2)
    _write_uri(rig, "")
    assert fw_state(rig) == (0, 6)


@symptom("fw-package-kept-after-reset", lwm2m="1.2")
def _(rig):
    rig.server.write(rig.ep, "/5/0/0", build_image("1.5.0"), content_format=CF.OPAQUE)
    sleep(rig, 0.2)
    assert rig.server.write(rig.ep, "/5/0/0", b"\0", content_format=CF.OPAQUE).code_text == "2.04"
    assert rig.server.execute(rig.ep, "/5/0/10").code_text == "2.04"
    assert fw_state(rig) == (2, 0)


def sw_state(rig):
    v = rig.server.read(rig.ep, "/9/0", accept=CF.TLV).values
    return v[P("/9/0/7")], v[P("/9/0/9")], v[P("/9/0/12")]


def _installed(rig, package=None):
    """The factory package uninstalled, then ``package`` (a valid one) delivered and installed."""
    assert rig.server.execute(rig.ep, "/9/0/6").code_text == "2.04"
    rig.server.write(rig.ep, "/9/0/2", package or build_image("1.1.0"), content_format=CF.OPAQUE)
    assert rig.server.execute(rig.ep, "/9/0/4").code_text == "2.04"


@symptom("sw-activates-uninstalled")
def _(rig):
    assert rig.server.execute(rig.ep, "/9/0/6").code_text == "2.04"
    assert rig.server.execute(rig.ep, "/9/0/10").code_text == "2.04"
    assert sw_state(rig) == (0, 0, True)


@symptom("sw-uninstall-keeps-result")
def _(rig):
    _installed(rig)
    assert rig.server.execute(rig.ep, "/9/0/6").code_text == "2.04"
    assert sw_state(rig)[:2] == (0, 2)


@symptom("sw-deactivate-ignored")
def _(rig):
    _installed(rig)
    rig.server.execute(rig.ep, "/9/0/10")
    assert rig.server.execute(rig.ep, "/9/0/11").code_text == "2.04"
    assert sw_state(rig) == (4, 2, True)


@symptom("sw-corrupt-package-accepted")
def _(rig):
    assert rig.server.execute(rig.ep, "/9/0/6").code_text == "2.04"
    rig.server.write(rig.ep, "/9/0/2", build_image("1.1.0", corrupt=True), content_format=CF.OPAQUE)
    assert sw_state(rig)[:2] == (3, 3)


@symptom("sw-uri-ignored")
def _(rig):
    uri, shelf = _shelf(rig, build_image("1.1.0"))
    assert rig.server.execute(rig.ep, "/9/0/6").code_text == "2.04"
    assert rig.server.write(rig.ep, "/9/0/3", uri, content_format=CF.TEXT).code_text == "2.04"
    sleep(rig, 0.3)
    assert shelf.get(uri).requests == 0 and sw_state(rig)[:2] == (0, 0)


# ---------------------------------------------------------------- object model
@symptom("battery-level-out-of-range")
def _(rig):
    assert rig.server.read(rig.ep, "/3/0/9").values == {P("/3/0/9"): 150}


@symptom("device-omits-mandatory")
def _(rig):
    assert not any(p.resource_id == 11 for p in rig.server.read(rig.ep, "/3/0").values)


# ---------------------------------------------------------------- robustness
@symptom("crash-on-reserved-option-nibble")
@symptom("process-crash-on-reserved-option-nibble")   # in-process it can only go silent; the real SIGSEGV of
def _(rig):                                          # `meterproof simulate` is shown in tests/plugin/test_device_down
    bad = bytes([0x50, 0x01, 0x12, 0x34]) + b"\xf1\x00"      # NON GET, option delta nibble 15
    rig.run(rig.aio.raw_send(rig.ep, bad, timeout=0.3))
    assert not answers(rig)


@symptom("hang-on-lying-tlv-length")
def _(rig):
    msg = wire.new(codes.PUT, uri_path=("1", "0"), payload=b"\xc8\x01\x10\x00", content_format=CF.TLV)
    msg.mtype, msg.mid, msg.token = wire.NON, 0x4242, b"\x01"
    rig.run(rig.aio.raw_send(rig.ep, wire.encode(msg), timeout=0.3))
    assert not answers(rig)


@symptom("crash-on-unexpected-ack")
def _(rig):
    rig.run(rig.aio.raw_send(rig.ep, bytes([0x60, 0x00, 0xBE, 0xEF]), timeout=0.3))
    assert not answers(rig)


@symptom("slows-down-under-load")
def _(rig):
    async def rtt():
        reg = rig.aio.registrations.get(rig.ep)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await rig.aio.endpoint.request(wire.new(codes.GET, uri_path=("3", "0", "0")), reg.remote,
                                       confirmable=False, timeout=2)
        return loop.time() - t0

    async def flood(n):
        reg = rig.aio.registrations.get(rig.ep)
        for i in range(n):                      # pings: each one is a datagram the meter handles
            rig.aio.endpoint.send_raw(bytes([0x40, 0x00]) + (0x7000 + i).to_bytes(2, "big"), reg.remote,
                                      claim=False, label="load")
            if i % 50 == 49:
                await asyncio.sleep(0.005)      # do not overrun the socket buffer
        await asyncio.sleep(0.2)

    before = rig.run(rtt())
    rig.run(flood(1500))                        # +30 ms
    after = rig.run(rtt())
    assert after > before + 0.02, (before, after)


@symptom("dtls-plaintext-alert-kills-session")
def _(rig):
    async def go(sr, defects):
        from meterproof.dtls.records import plaintext_alert
        creds = sr.psk("d9")
        srv = await sr.dtls_server({creds.identity.decode(): creds.secret})
        m = sr.meter(srv.uri, "d9", server=creds, defects=defects)
        try:
            await m.start()
            remote = srv.registrations["d9"].remote
            srv.endpoint.transport.send_record(plaintext_alert(2, 10, seq=5), remote)   # fatal unexpected_message
            await asyncio.sleep(0.1)
            try:
                await srv.endpoint.request(wire.new(codes.GET, uri_path=("3", "0", "0")), remote,
                                           confirmable=False, timeout=0.6)
                return True
            except Exception:
                return False
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go) is False


# ---------------------------------------------------------------- added with the suites' coverage
@symptom("no-update-before-expiry")
def _(rig):
    mark = rig.server.mark()
    rig.server.write(rig.ep, "/1/0/1", 1, content_format=CF.TEXT)
    first = rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert rig.server.wait_event(("updated", "expired"), rig.ep, since=first.index + 1, timeout=3).kind == "expired"


@symptom("reboot-without-reregister")
def _(rig):
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/3/0/4").code_text == "2.04"
    assert rig.server.no_event("registered", rig.ep, since=mark, within=0.6)


@symptom("delete-device-instance-allowed")
def _(rig):
    assert rig.server.delete(rig.ep, "/3/0").code_text == "2.02"


@symptom("text-write-ignored")
def _(rig):
    assert rig.server.write(rig.ep, "/1/0/3", 1234, content_format=CF.TEXT).code_text == "2.04"
    assert rig.server.read(rig.ep, "/1/0/3").values[P("/1/0/3")] != 1234


@symptom("write-composite-first-only")
def _(rig):
    assert rig.server.write_composite(rig.ep, {"/1/0/2": 7, "/1/0/3": 1234}).code_text == "2.04"
    assert rig.server.read(rig.ep, "/1/0/3").values[P("/1/0/3")] != 1234


@symptom("root-composite-includes-security")
def _(rig):
    values = rig.server.read_composite(rig.ep, ["/"]).values
    assert any(p.object_id == 0 for p in values)


@symptom("legacy-text-content-format")
def _(rig):
    assert rig.server.read(rig.ep, "/3/0/0", accept=CF.TEXT).content_format == 1541


@symptom("cbor-boolean-as-int")
def _(rig):
    assert rig.server.read(rig.ep, "/1/0/6", accept=CF.CBOR).payload == b"\x00"


# ---------------------------------------------------------------- security and bootstrap (sim/security.py,
# sim/bootstrap_client.py): each scenario starts its own secure meter with the rig meter's defects
def _secure(rig, scenario):
    import secrig
    return rig.run(scenario(secrig, sorted(rig.meter.defects)), timeout=30)


@symptom("default-psk")
def _(rig):
    async def go(sr, defects):
        creds = sr.psk("d1")
        srv = await sr.dtls_server({creds.identity.decode(): b"password"})   # the public demo key
        m = sr.meter(srv.uri, "d1", server=creds, defects=defects)
        try:
            return await sr.start_quietly(m) is None and "d1" in srv.registrations
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go)


@symptom("accepts-server-without-verification")
def _(rig):
    async def go(sr, defects):
        srv = await sr.dtls_server(certs=sr.server_certs("rogue_server"))
        m = sr.meter(srv.uri, "d2", server=sr.client_cert("d2"), defects=defects)
        try:
            return await sr.start_quietly(m) is None and "d2" in srv.registrations
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go)


@symptom("rpk-any-server-key")
def _(rig):
    async def go(sr, defects):
        from meterproof.dtls import RawPublicKeys
        creds, pub = sr.rpk(RawPublicKeys.generate().public_key)     # /0/x/4 pins a key the server does not hold
        srv = await sr.rpk_server({pub})
        m = sr.meter(srv.uri, "d7", server=creds, defects=defects)
        try:
            return await sr.start_quietly(m) is None and "d7" in srv.registrations
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go)


@symptom("rpk-factory-key")
def _(rig):
    async def go(sr, defects):
        from meterproof.dtls import RawPublicKeys
        server_keys = RawPublicKeys.generate()
        creds, pub = sr.rpk(server_keys.public_key)
        srv = await sr.rpk_server({pub}, server_keys)                # knows only the provisioned /0/x/3
        m = sr.meter(srv.uri, "d8", server=creds, defects=defects)
        try:
            exc = await sr.start_quietly(m)
            return exc is not None and "d8" not in srv.registrations and "client raw public key" in str(exc)
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go)


def _oscore_write_captured(rig, path, value):
    """Write ``value`` (protected by the server's OSCORE layer); the outer request's bytes."""
    out = []
    listener = lambda ev: out.append(ev) if ev.direction == "out" and ev.message is not None \
        and ev.message.opt.oscore is not None and ev.message.code.is_request() else None
    rig.aio.endpoint.listeners.append(listener)
    try:
        assert rig.server.write(rig.ep, path, value, content_format=CF.TEXT).code_text == "2.04"
    finally:
        rig.aio.endpoint.listeners.remove(listener)
    return bytes(out[-1].raw)


def _oscore_replay(rig, raw):
    mid = rig.aio.endpoint.next_mid()
    rig.server.raw_send(rig.ep, raw[:2] + mid.to_bytes(2, "big") + raw[4:], timeout=0.6)


def _oscore_reboot(rig):
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/3/0/4").code_text == "2.04"
    return mark


@symptom("oscore-replay-accepted", oscore=True)
def _(rig):
    raw = _oscore_write_captured(rig, "/1/0/3", 1234)
    assert rig.server.write(rig.ep, "/1/0/3", 1, content_format=CF.TEXT).code_text == "2.04"
    _oscore_replay(rig, raw)
    assert rig.server.read(rig.ep, "/1/0/3").values[P("/1/0/3")] == 1234


@symptom("oscore-replay-window-reset", oscore=True)
def _(rig):
    raw = _oscore_write_captured(rig, "/1/0/3", 1234)
    assert rig.server.write(rig.ep, "/1/0/3", 1, content_format=CF.TEXT).code_text == "2.04"
    rig.server.wait_event("registered", rig.ep, since=_oscore_reboot(rig), timeout=3)
    _oscore_replay(rig, raw)
    assert rig.server.read(rig.ep, "/1/0/3").values[P("/1/0/3")] == 1234


@symptom("oscore-sequence-reset", oscore=True)
def _(rig):
    layer = rig.aio.endpoint.oscore
    n = len(layer.refused)
    mark = _oscore_reboot(rig)
    for _ in range(30):
        if len(layer.refused) > n:
            break
        sleep(rig, 0.1)
    assert rig.server.no_event("registered", rig.ep, since=mark, within=0.1)
    assert [r.reason for r in layer.refused[n:]][:1] == ["replay"], layer.refused     # the Register after the reboot: PIV reused


@symptom("oscore-context-unbound", oscore=True)
def _(rig):
    req = wire.new(codes.GET, uri_path=("3", "0", "0"), mtype=wire.CON, mid=rig.aio.endpoint.next_mid(), token=b"u1")
    ex = rig.server.raw_send(rig.ep, wire.encode(req), timeout=0.6)
    assert [ev.message.code for ev in ex.answers if ev.message is not None] == [codes.CONTENT]


@symptom("oscore-server-unprotected", oscore=True)
def _(rig):
    # the server account's context is never bound: a plain CoAP Read from the server is served in clear
    req = wire.new(codes.GET, uri_path=("3", "0", "0"), mtype=wire.CON, mid=rig.aio.endpoint.next_mid(), token=b"u2")
    ex = rig.server.raw_send(rig.ep, wire.encode(req), timeout=0.6)
    assert [ev.message.code for ev in ex.answers if ev.message is not None] == [codes.CONTENT]


@symptom("oscore-bootstrap-unprotected")
def _(rig):
    async def go(sr, defects):
        from meterproof.coap.oscore import OscoreLayer, OscoreParams, SecurityContext
        from meterproof.sim.security import Credentials
        params = OscoreParams.fresh(b"\x02", b"")
        bs = await sr.bs_server()
        bs.endpoint.oscore = OscoreLayer(bind_on_request=True)
        bs.endpoint.oscore.add(SecurityContext(params.peer()))
        seen = []
        bs.endpoint.listeners.append(lambda ev: seen.append(ev.message) if ev.direction == "in" and ev.message
                                     and ev.message.code.is_request() else None)
        m = sr.meter(bs.uri, "d9", server=None, bootstrap_uri=bs.uri, bootstrap=Credentials(oscore=params),
                     defects=defects)
        try:
            await sr.start_quietly(m, timeout=1.0)
            await bs.events.wait("bootstrap-request", "d9", since=0, timeout=2)
            return [msg.opt.oscore is not None for msg in seen]
        finally:
            await sr.stop(m, bs)
    assert _secure(rig, go)[:1] == [False]          # the Bootstrap-Request in clear


@symptom("oscore-context-dropped-on-error", oscore=True)
def _(rig):
    raw = bytearray(_oscore_write_captured(rig, "/1/0/3", 1234))
    raw[-1] ^= 1
    _oscore_replay(rig, bytes(raw))
    assert rig.server.read(rig.ep, "/1/0/3").code_text == "4.01"


@symptom("nosec-fallback")
def _(rig):
    async def go(sr, defects):
        creds = sr.psk("d3")
        srv = await sr.dtls_server({})                        # the server knows no key for it
        m = sr.meter(srv.uri, "d3", server=creds, defects=defects)
        try:
            await sr.start_quietly(m)
            return [bytes(d[:1]) for _, d in srv.endpoint.transport.plaintext]
        finally:
            await sr.stop(m, srv)
    seen = _secure(rig, go)
    assert seen and seen[0][0] >> 6 == 1                     # CoAP version 1 in clear


@symptom("sni-resource-ignored")
def _(rig):
    async def go(sr, defects):
        srv = await sr.dtls_server(certs=sr.server_certs())   # CN=localhost; the URI says 127.0.0.1
        m = sr.meter(srv.uri, "d4", server=sr.client_cert("d4", sni="localhost"), defects=defects)
        try:
            return await sr.start_quietly(m)
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go) is not None


@symptom("cert-usage-ignored")
def _(rig):
    async def go(sr, defects):
        from meterproof.dtls import Certificates
        from meterproof.sim.meter import SimulatedMeter
        from meterproof.sim.security import MeterSecurity
        p = sr.pki()
        impostor = p["ca"].issue("localhost")            # same trusted CA, same name, not the pinned certificate
        srv = await sr.dtls_server(certs=Certificates((impostor.certificate,), impostor.key,
                                                      (p["ca"].ca.certificate,)))
        c = p["ca"].issue("d11")
        pinned = Credentials.cert(c.der, c.key_der, p["server"].der, "localhost", usage=3, matching=0)
        m = SimulatedMeter(srv.uri, "d11", params=FAST, defects=defects, security=MeterSecurity(
            server=pinned, dtls=dict(sr.TIMERS), trust_store=(p["ca"].ca.der,)))
        try:
            return await sr.start_quietly(m) is None and "d11" in srv.registrations
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go)


def _bootstrap_rig(sr, defects, ep):
    async def make():
        bs, srv = await sr.bs_server(), await sr.udp_server()
        m = sr.meter(srv.uri, ep, server=None, bootstrap_uri=bs.uri, defects=defects)
        await m.start()
        await bs.wait_request(ep, timeout=3)
        return bs, srv, m
    return make()


@symptom("bootstrap-finish-without-server-account")
def _(rig):
    async def go(sr, defects):
        bs, srv, m = await _bootstrap_rig(sr, defects, "d5")
        try:
            await bs.write("d5", "/1/0/5", 86400)
            return (await bs.finish("d5")).code_text
        finally:
            await sr.stop(m, bs, srv)
    assert _secure(rig, go) == "2.04"


@symptom("bootstrap-delete-removes-bs-account")
def _(rig):
    async def go(sr, defects):
        bs, srv, m = await _bootstrap_rig(sr, defects, "d6")
        try:
            await bs.delete("d6", "/0")
            return (await bs.discover("d6", "/0")).payload.decode()
        finally:
            await sr.stop(m, bs, srv)
    assert "</0/1>" not in _secure(rig, go)


@symptom("bootstrap-discover-no-version")
def _(rig):
    async def go(sr, defects):
        bs, srv, m = await _bootstrap_rig(sr, defects, "d7")
        try:
            return (await bs.discover("d7", "/")).payload.decode()
        finally:
            await sr.stop(m, bs, srv)
    assert not _secure(rig, go).startswith("lwm2m=")


@symptom("bootstrap-read-refused")
def _(rig):
    async def go(sr, defects):
        bs, srv, m = await _bootstrap_rig(sr, defects, "d8")
        try:
            return (await bs.read("d8", "/1")).code_text
        finally:
            await sr.stop(m, bs, srv)
    assert _secure(rig, go) == "4.05"


@symptom("bootstrap-trigger-ignored")
def _(rig):
    async def go(sr, defects):
        bs, srv = await sr.bs_server(), await sr.udp_server()
        m = sr.meter(srv.uri, "d9", bootstrap_uri=bs.uri, defects=defects)
        try:
            await m.start()
            mark = bs.events.mark()
            code = (await bs.trigger(srv, "d9")).code_text
            try:
                await bs.wait_request("d9", since=mark, timeout=1.0)
                return code, True
            except Exception:
                return code, False
        finally:
            await sr.stop(m, bs, srv)
    assert _secure(rig, go) == ("2.04", False)


@symptom("no-bootstrap-fallback")
def _(rig):
    async def go(sr, defects):
        bs, bad = await sr.bs_server(), await sr.udp_server(reject="refused")
        m = sr.meter(bad.uri, "d10", bootstrap_uri=bs.uri, defects=defects)
        try:
            await sr.start_quietly(m)
            try:
                await bs.wait_request("d10", timeout=1.5)
                return True
            except Exception:
                return False
        finally:
            await sr.stop(m, bs, bad)
    assert _secure(rig, go) is False


@symptom("bootstrap-pack-ignored")
def _(rig):
    async def go(sr, defects):
        from meterproof.lwm2m.bootstrap import BootstrapPlan, ServerAccount
        bs, srv = await sr.bs_server(), await sr.udp_server()
        bs.plan("d12", BootstrapPlan([ServerAccount(srv.uri, mode=3, security_instance=0)]))
        m = sr.meter(srv.uri, "d12", server=None, bootstrap_uri=bs.uri, defects=defects, lwm2m="1.2",
                     bootstrap_pack=True)
        try:
            await m.start()
            code = (await bs.events.wait("bootstrap-pack", "d12", timeout=3))["code"]
            try:
                await srv.events.wait("registered", "d12", timeout=1.5)
                return code, True
            except Exception:
                return code, False
        finally:
            await sr.stop(m, bs, srv)
    assert _secure(rig, go) == ("2.05", False)


# ---------------------------------------------------------------- object behaviour
@symptom("time-write-ignored")
def _(rig):
    assert rig.server.write(rig.ep, "/3/0/13", 1367491215, content_format=CF.TEXT).code_text == "2.04"
    assert rig.server.read(rig.ep, "/3/0/13", accept=CF.TEXT).values[P("/3/0/13")] > 1367491215 + 86400


@symptom("reset-error-code-ignored")
def _(rig):
    rig.lt.call(rig.meter.set_value, "/3/0/11/0", 8)
    assert rig.server.execute(rig.ep, "/3/0/12").code_text == "2.04"
    assert rig.server.read(rig.ep, "/3/0/11/0", accept=CF.TEXT).values[P("/3/0/11/0")] == 8


@symptom("factory-reset-keeps-configuration")
def _(rig):
    rig.server.write(rig.ep, "/1/0/1", 86417, content_format=CF.TEXT)
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/3/0/5").code_text == "2.04"
    assert rig.server.wait_event("registered", rig.ep, since=mark, timeout=3)["registration"].lifetime == 86417


@symptom("metering-mirrored-in-clear")
def _(rig):
    async def go(sr, defects):
        creds = sr.psk("m1")
        srv = await sr.dtls_server({creds.identity.decode(): creds.secret})
        m = sr.meter(srv.uri, "m1", server=creds, defects=defects)
        try:
            await m.start()
            await srv.write_attributes("m1", "/3421/0", pmin=0, pmax=1)
            await srv.observe("m1", "/3421/0")
            end = asyncio.get_running_loop().time() + 3
            while not srv.endpoint.transport.plaintext and asyncio.get_running_loop().time() < end:
                await asyncio.sleep(0.05)
            return bool(srv.endpoint.transport.plaintext)     # CoAP in clear beside the session
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go)


@symptom("serial-number-shared")
def _(rig):
    assert rig.server.read(rig.ep, "/3/0/2", accept=CF.TEXT).values == {P("/3/0/2"): "MP0000000001"}


@symptom("write-range-unchecked")
def _(rig):
    assert rig.server.write(rig.ep, "/2/0/3", payload=b"65536", content_format=CF.TEXT).code_text == "2.04"


@symptom("radio-strength-sign-lost")
def _(rig):
    assert rig.server.read(rig.ep, "/4/0/2", accept=CF.TEXT).values[P("/4/0/2")] > 0


@symptom("connectivity-values-frozen")
def _(rig):
    rig.lt.call(rig.meter.set_value, "/4/0/2", -120)
    assert rig.server.read(rig.ep, "/4/0/2", accept=CF.TEXT).values[P("/4/0/2")] != -120


@symptom("register-counts-down")
def _(rig):
    first = rig.server.read(rig.ep, "/3421/0/25", accept=CF.TEXT).values[P("/3421/0/25")]
    sleep(rig, 0.5)
    assert rig.server.read(rig.ep, "/3421/0/25", accept=CF.TEXT).values[P("/3421/0/25")] < first


@symptom("voltage-in-millivolts")
def _(rig):
    assert rig.server.read(rig.ep, "/3421/0/1", accept=CF.TEXT).values[P("/3421/0/1")] > 1000


@symptom("delivery-schedule-ignored")
def _(rig):
    assert rig.server.write(rig.ep, "/10264/0/3", 0, content_format=CF.TEXT).code_text == "2.04"
    assert rig.server.write(rig.ep, "/10264/0/2", 1, content_format=CF.TEXT).code_text == "2.04"
    obs = rig.server.observe(rig.ep, "/10262/0/2")
    with pytest.raises(Exception):
        obs.next(timeout=1.5)           # a conformant meter delivers every second


@symptom("bin-data-write-truncated")
def _(rig):
    rig.server.write(rig.ep, "/19/1/0", {P("/19/1/0/0"): b"0123456789"}, content_format=CF.TLV)
    assert rig.server.read(rig.ep, "/19/1/0", accept=CF.TLV).values[P("/19/1/0/0")] == b"0123"


@symptom("bin-data-not-observable")
def _(rig):
    assert not rig.server.observe(rig.ep, "/19/0/0").established


# ---------------------------------------------------------------- the Portfolio object /16
@symptom("resource-instance-write-to-first")
def _(rig):
    assert rig.server.write(rig.ep, "/16/0/0/1", "test", content_format=CF.TEXT).code_text == "2.04"
    assert rig.server.read(rig.ep, "/16/0/0/1").values[P("/16/0/0/1")] != "test"
    assert rig.server.read(rig.ep, "/16/0/0/0").values[P("/16/0/0/0")] == "test"


@symptom("senml-resource-instance-write-ignored")
def _(rig):
    assert rig.server.write(rig.ep, "/16/0/0/0", "test_value", content_format=CF.SENML_JSON).code_text == "2.04"
    assert rig.server.read(rig.ep, "/16/0/0/0").values[P("/16/0/0/0")] != "test_value"


@symptom("create-keeps-first-resource-instance")
def _(rig):
    r = rig.server.create(rig.ep, "/16", {"/16/1/0/0": "a", "/16/1/0/1": "b"})
    assert r.code_text == "2.01"
    assert set(rig.server.read(rig.ep, "/16/1/0").values) == {P("/16/1/0/0")}


@symptom("delete-last-instance-removes-object")
def _(rig):
    assert rig.server.delete(rig.ep, "/16/0").code_text == "2.02"
    assert rig.server.discover(rig.ep, "/16").code_text == "4.04"


def _observe_portfolio(rig):
    assert rig.server.write_attributes(rig.ep, "/16/0", pmin=0, pmax=1).code_text == "2.04"
    obs = rig.server.observe_composite(rig.ep, ["/16/0", "/16/1"], content_format=CF.SENML_CBOR)
    assert obs.established
    return obs


@symptom("composite-observation-fixed-instances")
def _(rig):
    obs = _observe_portfolio(rig)
    assert rig.server.create(rig.ep, "/16", {"/16/1/0/0": "a"}).code_text == "2.01"
    for _ in range(3):
        values, _err = obs.decode(obs.next(3.0))
        assert not any(k.startswith(P("/16/1")) for k in values)


@symptom("delete-ends-composite-observation")
def _(rig):
    assert rig.server.create(rig.ep, "/16", {"/16/1/0/0": "a"}).code_text == "2.01"
    obs = _observe_portfolio(rig)
    obs.next(3.0)
    assert rig.server.delete(rig.ep, "/16/1").code_text == "2.02"
    obs.drain()
    with pytest.raises(TimeoutError_):
        obs.next(2.0)


def test_catalog_is_complete():
    assert len(DEFECTS) >= 30
    for d in DEFECTS.values():
        assert d.symptom and d.summary and d.targets and d.area
        assert all(isinstance(t, str) and t for t in d.targets)
    assert set(SYMPTOMS) == set(DEFECTS)


def test_unknown_defect_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown defect 'x'; see meterproof simulate --list-defects"):
        check_defects(["x"])


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_defect_shows_its_symptom(make_rig, name):
    opts = dict(OPTIONS.get(name, {}))
    if opts.pop("start", True) is False:        # the symptom is that the meter never comes up
        SYMPTOMS[name](make_rig, [name])
        return
    rig = make_rig(defects=[name], **opts)
    SYMPTOMS[name](rig)


@pytest.mark.parametrize("name", ["crash-on-reserved-option-nibble", "hang-on-lying-tlv-length",
                                  "crash-on-unexpected-ack"])
def test_conformant_meter_survives_robustness_inputs(rig, name):
    """The same inputs against the conformant meter: it keeps answering."""
    inputs = {
        "crash-on-reserved-option-nibble": bytes([0x50, 0x01, 0x12, 0x34]) + b"\xf1\x00",
        "hang-on-lying-tlv-length": wire.encode(_lying_put()),
        "crash-on-unexpected-ack": bytes([0x60, 0x00, 0xBE, 0xEF]),
    }
    rig.run(rig.aio.raw_send(rig.ep, inputs[name], timeout=0.3))
    assert answers(rig)


def _lying_put():
    msg = wire.new(codes.PUT, uri_path=("1", "0"), payload=b"\xc8\x01\x10\x00", content_format=CF.TLV)
    msg.mtype, msg.mid, msg.token = wire.NON, 0x4243, b"\x02"
    return msg


def test_defects_are_off_by_default(rig):
    assert rig.meter.defects == frozenset()
    assert tlv.decode(rig.server.read(rig.ep, "/3/0", accept=CF.TLV).payload, P("/3/0"),
                      rig.aio.model_for(rig.server.registration(rig.ep)))
    assert FAST.max_transmit_wait < 5


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_symptom_absent_without_the_defect(make_rig, name):
    """Each symptom check fails against the conformant meter, so it really detects the defect."""
    opts = dict(OPTIONS.get(name, {}))
    if opts.pop("start", True) is False:
        with pytest.raises((Exception, pytest.fail.Exception)):
            SYMPTOMS[name](make_rig, [])
        return
    rig = make_rig(**opts)
    with pytest.raises((Exception, pytest.fail.Exception)):
        SYMPTOMS[name](rig)


# ---------------------------------------------------------------- regulatory checks (suites/regulatory)
async def _registered(srv, ep, within=3.0):
    import asyncio
    for _ in range(int(within / 0.05)):
        if ep in srv.registrations:
            return True
        await asyncio.sleep(0.05)
    return False


@symptom("universal-psk")
def _(rig):
    async def go(sr, defects):
        from meterproof.sim.security import UNIVERSAL_FACTORY_IDENTITY, UNIVERSAL_FACTORY_KEY
        srv = await sr.dtls_server({UNIVERSAL_FACTORY_IDENTITY: UNIVERSAL_FACTORY_KEY})   # only the vendor's key
        m = sr.meter(srv.uri, "r1", server=sr.psk("r1"), defects=defects)
        try:
            return await sr.start_quietly(m) is None and "r1" in srv.registrations
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go)


@symptom("weak-suite-offered")
def _(rig):
    async def go(sr, defects):
        from meterproof.dtls import DtlsServerTransport, DtlsSettings, suites
        from meterproof.lwm2m.server import Lwm2mServer
        creds = sr.psk("r2")
        settings = DtlsSettings(psk_lookup={creds.identity.decode(): creds.secret}.get, ciphers=(suites.PSK_CBC_SHA1,),
                                **sr.TIMERS)
        srv = await Lwm2mServer(DtlsServerTransport(settings=settings), sr.FAST, model=sr.model_for).start()
        m = sr.meter(srv.uri, "r2", server=creds, defects=defects)
        try:       # a server accepting only the deny-listed suite: the meter must have offered it
            return await sr.start_quietly(m) is None and "r2" in srv.registrations
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go)


@symptom("factory-credential-kept")
def _(rig):
    async def go(sr, defects):
        from meterproof.lwm2m.bootstrap import psk_account
        factory = sr.psk("r3")
        bs = await sr.bs_server({factory.identity.decode(): factory.secret})
        srv = await sr.dtls_server({factory.identity.decode(): factory.secret})   # knows only the factory key
        m = sr.meter(srv.uri, "r3", server=None, bootstrap_uri=bs.uri, bootstrap=factory, defects=defects)
        try:
            await m.start()
            await bs.wait_request("r3", timeout=3)
            await bs.write_account("r3", psk_account(srv.uri, "r3"))
            await bs.finish("r3")
            return await _registered(srv, "r3")
        finally:
            await sr.stop(m, bs, srv)
    assert _secure(rig, go)


@symptom("bootstrap-read-security")
def _(rig):
    async def go(sr, defects):
        bs, srv, m = await _bootstrap_rig(sr, defects, "r4")
        try:
            return (await bs.read("r4", "/0")).code_text
        finally:
            await sr.stop(m, bs, srv)
    assert _secure(rig, go) == "2.05"


# ---------------------------------------------------------------- optional objects /6, /7, /10, /20


@symptom("device-fw-version-blank")
def _(rig):
    assert rig.server.read(rig.ep, "/3/0/3", accept=CF.TEXT).values[P("/3/0/3")] == ""


@symptom("location-microdegrees")
def _(rig):
    assert rig.server.read(rig.ep, "/6/0/0", accept=CF.TEXT).values[P("/6/0/0")] > 90


@symptom("conn-stats-stop-ignored")
def _(rig):
    assert rig.server.execute(rig.ep, "/7/0/6").ok and rig.server.execute(rig.ep, "/7/0/7").ok
    first = rig.server.read(rig.ep, "/7/0/4", accept=CF.TEXT).values[P("/7/0/4")]
    rig.server.read(rig.ep, "/3/0", accept=CF.TLV)          # a larger message after Stop
    assert rig.server.read(rig.ep, "/7/0/4", accept=CF.TEXT).values[P("/7/0/4")] > first


@symptom("conn-stats-period-not-stored")
def _(rig):
    assert rig.server.write(rig.ep, "/7/0/8", 3600, content_format=CF.TEXT).ok
    assert rig.server.read(rig.ep, "/7/0/8", accept=CF.TEXT).values[P("/7/0/8")] == 0


@symptom("cellular-omits-activated-profiles")
def _(rig):
    assert P("/10/0/11/0") not in rig.server.read(rig.ep, "/10/0", accept=CF.TLV).values


@symptom("cellular-rai-write-ignored")
def _(rig):
    assert rig.server.write(rig.ep, "/10/0/14", payload=bytes.fromhex("C10E02"), content_format=CF.TLV).ok
    assert rig.server.read(rig.ep, "/10/0/14", accept=CF.TEXT).values[P("/10/0/14")] == 1


@symptom("discover-omits-object-version")
def _(rig):
    links = {lk.target: lk for lk in rig.server.discover(rig.ep, "/10").links}
    assert "ver" not in links["/10"].params


@symptom("event-log-start-ignored")
def _(rig):
    assert rig.server.execute(rig.ep, "/20/0/4011").ok
    assert rig.server.read(rig.ep, "/20/0/4013", accept=CF.TEXT).values[P("/20/0/4013")] & 1


@symptom("event-log-omits-logdata")
def _(rig):
    assert P("/20/0/4014") not in rig.server.read(rig.ep, "/20/0", accept=CF.TLV).values


@symptom("apn-enable-not-activated")
def _(rig):
    assert rig.server.create(rig.ep, "/11", {P("/11/1/0"): "second", P("/11/1/3"): False, P("/11/1/4"): 3},
                             content_format=CF.TLV).code_text == "2.01"
    assert rig.server.write(rig.ep, "/11/1/3", True, content_format=CF.TEXT).ok
    links = rig.server.read(rig.ep, "/10/0/11", accept=CF.TLV).values
    assert all(v.instance_id != 1 for v in links.values())


@symptom("bearer-change-silent")
def _(rig):
    remote = rig.server.registration(rig.ep).remote
    mark = rig.server.mark()
    assert rig.server.write(rig.ep, "/13/0/0", {P("/13/0/0/0"): 7}, content_format=CF.TLV).ok     # WLAN preferred
    sleep(rig, 0.5)
    assert rig.server.events("updated", rig.ep, since=mark) == []
    assert rig.server.registration(rig.ep).remote == remote


@symptom("wlan-object-stale")
def _(rig):
    remote = rig.server.registration(rig.ep).remote
    mark = rig.server.mark()
    assert rig.server.write(rig.ep, "/13/0/0", {P("/13/0/0/0"): 7}, content_format=CF.TLV).ok     # WLAN preferred
    rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert rig.server.registration(rig.ep).remote != remote                    # it did change bearer ...
    v = rig.server.read(rig.ep, "/12/0", accept=CF.TLV).values
    assert (v[P("/12/0/1")], v[P("/12/0/3")]) == (False, 0)                    # ... but /12 still says "off"


# ---------------------------------------------------------------- regulator checks of issue 14 (regchan)
@symptom("plaintext-coap-served")
def _(rig):
    """A plain CoAP GET /3/0/0 to the DTLS meter's port is answered in clear."""
    async def go(sr, defects):
        from meterproof.coap import clear_probe
        creds = sr.psk("q1")
        srv = await sr.dtls_server({creds.identity.decode(): creds.secret})
        m = sr.meter(srv.uri, "q1", server=creds, defects=defects)
        try:
            await m.start()
            probes = await clear_probe.probe([m.endpoint.local_address],
                                             [lambda: wire.new(codes.GET, uri_path=("3", "0", "0"))], 0.3)
            return bool(probes[0].answers)
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go)


def _restricted_server_registers(sr, defects, ep, ciphers):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        from meterproof.dtls import DtlsServerTransport, DtlsSettings
        from meterproof.lwm2m.server import Lwm2mServer
        creds = sr.psk(ep)
        settings = DtlsSettings(psk_lookup={creds.identity.decode(): creds.secret}.get, ciphers=ciphers, **sr.TIMERS)
        srv = await Lwm2mServer(DtlsServerTransport(settings=settings), sr.FAST, model=sr.model_for).start()
        m = sr.meter(srv.uri, ep, server=creds, defects=defects)
        try:
            return await sr.start_quietly(m) is None and ep in srv.registrations
        finally:
            await sr.stop(m, srv)
    return go()


@symptom("mandatory-suite-not-offered")
def _(rig):
    """A server accepting only TLS_PSK_WITH_AES_128_CCM_8 gets no handshake."""
    from meterproof.dtls import suites
    assert _secure(rig, lambda sr, d: _restricted_server_registers(sr, d, "q2", (suites.PSK_CCM_8,))) is False


@symptom("client-random-reused")
def _(rig):
    """Two meters' first ClientHellos carry the same random."""
    async def go(sr, defects):
        from meterproof.dtls import records
        creds = [sr.psk("q3"), sr.psk("q4")]
        srv = await sr.dtls_server({c.identity.decode(): c.secret for c in creds})
        randoms: list[set[bytes]] = []
        srv.endpoint.transport.on_handshake = lambda r: randoms.append({h.random for h in r.client_hello_list})
        ms = [sr.meter(srv.uri, ep, server=c, defects=defects) for ep, c in zip(("q3", "q4"), creds)]
        try:
            for m in ms:
                await m.start()
            return len(randoms) >= 2 and bool(randoms[0] & randoms[1])     # one value in two handshakes
        finally:
            await sr.stop(*ms, srv)
    assert _secure(rig, go)


async def _replayed_read_answers(sr, defects, ep):
    """How many answers the meter gives to a protected record of a Read sent to it a second time, unchanged."""
    import asyncio
    from meterproof.dtls.replay import ExchangeWatch, RecordReplayer
    c = sr.psk(ep)
    srv = await sr.dtls_server({c.identity.decode(): c.secret})
    m = sr.meter(srv.uri, ep, server=c, defects=defects)
    try:
        await m.start()
        remote = srv.registration(ep).remote
        replayer = RecordReplayer(srv.endpoint.transport, tuple(getattr(remote, "peer", remote)),
                                  loop_time=asyncio.get_running_loop().time)
        watch = ExchangeWatch("/3/0/0")
        replayer.attach()
        srv.endpoint.listeners.append(watch)
        replayer.arm()
        watch.arm()
        assert (await srv.read(ep, "/3/0/0")).code_text == "2.05"
        assert replayer.captured is not None and replayer.captured_records[0].epoch == 1
        replayer.replay()
        at = replayer.replays[-1]
        for _ in range(40):
            if watch.answers_after(at):
                break
            await asyncio.sleep(0.01)
        return len(watch.answers_after(at))
    finally:
        await sr.stop(m, srv)


@symptom("dtls-no-replay-protection")
def _(rig):
    """A protected record of a Read, sent again at once, gets the cached answer again."""
    assert _secure(rig, lambda sr, d: _replayed_read_answers(sr, d, "q8")) == 1


@symptom("hello-extensions-first-flight-only")
def _(rig):
    """The first ClientHello lacks extended_master_secret (23) and encrypt_then_mac (22); the cookie one has them."""
    async def go(sr, defects):
        c = sr.psk("q9")
        srv = await sr.dtls_server({c.identity.decode(): c.secret})
        hellos = []
        srv.endpoint.transport.on_handshake = lambda r: hellos.extend(r.client_hello_list)
        m = sr.meter(srv.uri, "q9", server=c, defects=defects)
        try:
            await m.start()
            return [(bool(h.cookie), 22 in h.extensions, 23 in h.extensions) for h in hellos]
        finally:
            await sr.stop(m, srv)
    seen = _secure(rig, go)
    assert (False, False, False) in seen and (True, True, True) in seen, seen


@symptom("psk-length-limited")
def _(rig):
    """With a 128-byte identity the meter presents only its first 64 bytes and does not register."""
    async def go(sr, defects):
        from meterproof.sim.security import Credentials
        import secrets as s
        creds = Credentials.psk("q5-" + s.token_hex(64)[:125], s.token_bytes(16))
        srv = await sr.dtls_server({creds.identity.decode(): creds.secret})
        m = sr.meter(srv.uri, "q5", server=creds, defects=defects)
        try:
            return await sr.start_quietly(m) is None and "q5" in srv.registrations
        finally:
            await sr.stop(m, srv)
    assert _secure(rig, go) is False


@symptom("bootstrap-delete-wipes-device-object")
def _(rig):
    async def go(sr, defects):
        bs, srv, m = await _bootstrap_rig(sr, defects, "q7")
        try:
            await bs.delete("q7", "/")
            return (await bs.discover("q7", "/")).payload.decode()
        finally:
            await sr.stop(m, bs, srv)
    assert "</3/0>" not in _secure(rig, go)


@symptom("credential-rotation-ignored")
def _(rig):
    """After /1/x/9 and a new PSK from the Bootstrap-Server no handshake presents the new identity."""
    async def go(sr, defects):
        from meterproof.lwm2m.bootstrap import psk_account
        old, boot = sr.psk("q6"), sr.psk("q6b")
        keys = {old.identity.decode(): old.secret}
        srv = await sr.dtls_server(keys)
        bs = await sr.bs_server({boot.identity.decode(): boot.secret})
        m = sr.meter(srv.uri, "q6", server=old, bootstrap_uri=bs.uri, bootstrap=boot, defects=defects)
        seen: list[str | None] = []
        try:
            await m.start()
            srv.endpoint.transport.on_handshake = lambda r: seen.append(r.psk_identity)
            new = psk_account(srv.uri, "q6")
            keys[new.identity.decode()] = new.secret
            mark = bs.events.mark()
            await bs.trigger(srv, "q6")
            await bs.wait_request("q6", since=mark, timeout=2)
            for p in ("/0", "/1"):
                await bs.delete("q6", p)
            await bs.write_account("q6", new)
            await bs.finish("q6")
            await asyncio.sleep(0.5)
            return new.identity.decode() in seen
        finally:
            await sr.stop(m, bs, srv)
    assert _secure(rig, go) is False


@symptom("ciphersuite-resource-ignored")
def _(rig):
    """/0/x/16 = {TLS_PSK_WITH_AES_128_CCM}: the meter's offer does not follow it."""
    from meterproof.sim import security as sec
    offer = sec.client_ciphers(rig.meter, sec.MODE_PSK, {sec.SEC_CIPHERSUITES: {0: 0xC0A4}})
    assert offer is None or "TLS_PSK_WITH_AES_128_CCM" not in offer


@symptom("oscore-context-readable")
def _(rig):
    """The LwM2M Server reads /21/0 (the OSCORE master secret)."""
    assert rig.server.read(rig.ep, "/21/0").code == codes.CONTENT
