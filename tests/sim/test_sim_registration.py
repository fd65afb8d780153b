"""Registration interface of the simulated meter, seen from the harness server over loopback."""

from __future__ import annotations

import time

import pytest

from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.path import P
from meterproof.sim.meter import SimulatedMeter
from meterproof.sim.profiles import METER_OBJECT

from simrig import FAST


@pytest.mark.parametrize("lwm2m", ["1.0", "1.1", "1.2"])
@pytest.mark.parametrize("kind", ["electricity", "gas", "water"])
def test_register_parameters_and_object_list(make_rig, lwm2m, kind):
    rig = make_rig(lwm2m=lwm2m, meter=kind, lifetime=300)
    reg = rig.server.registration(rig.ep)
    assert reg.lwm2m_version == lwm2m
    assert reg.lifetime == 300 and reg.binding == "U" and not reg.queue_mode
    assert reg.location.startswith("/rd/") and rig.meter.location == reg.location
    objs = reg.objects.objects
    assert 0 not in objs and {1, 3, 5, METER_OBJECT[kind]} <= set(objs)
    assert not reg.objects.has("/0/0") and reg.objects.has("/3/0") and reg.objects.has("/1/0")
    if lwm2m == "1.0":
        assert reg.objects.content_formats == []
        assert objs[3] is None
    else:
        assert CF.SENML_CBOR in reg.objects.content_formats
        assert objs[1] == lwm2m and objs[3] == lwm2m
    assert (CF.LWM2M_CBOR in reg.objects.content_formats) == (lwm2m == "1.2")


@pytest.mark.parametrize("lwm2m,binding,q", [("1.0", "UQ", False), ("1.1", "U", True)])
def test_queue_mode_declared_and_sleeps(make_rig, lwm2m, binding, q):
    rig = make_rig(lwm2m=lwm2m, queue_mode=True, lifetime=600)
    reg = rig.server.registration(rig.ep)
    assert reg.queue_mode and reg.binding == binding and ("Q" in reg.query.params) == q
    assert rig.server.read(rig.ep, "/3/0/0").code_text == "2.05"     # awake right after registering
    rig.call(setattr, rig.meter, "_awake_until", 0.0)               # MAX_TRANSMIT_WAIT has passed
    with pytest.raises(Exception):
        rig.run(rig.aio.endpoint.request(_get("/3/0/0"), reg.remote, confirmable=False, timeout=0.5))
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_update())                              # the meter wakes up with its Update
    rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert rig.server.read(rig.ep, "/3/0/0").code_text == "2.05"


def _get(path):
    from aiocoap.numbers import codes

    from meterproof.coap import wire
    return wire.new(codes.GET, uri_path=P(path).uri_path)


def test_lifetime_write_sends_update_with_lt(rig):
    mark = rig.server.mark()
    assert rig.server.write(rig.ep, "/1/0/1", 20, content_format=CF.TEXT).code_text == "2.04"
    ev = rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert ev["params"] == {"lt": "20"}
    assert rig.server.read(rig.ep, "/1/0/1").values == {P("/1/0/1"): 20}


def test_update_before_lifetime_expires(make_rig):
    rig = make_rig(lifetime=2)
    mark = rig.server.mark()
    ev = rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert ev["params"] == {} and not ev["payload"]
    assert rig.server.no_event(("expired",), rig.ep, since=mark, within=0.5)


def test_registration_update_trigger_sends_parameterless_update(rig):
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/1/0/8").code_text == "2.04"
    ev = rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert ev["params"] == {} and ev["payload"] == b""


def test_update_answered_404_reregisters(rig):
    rig.call(rig.aio.forget, rig.ep)
    mark = rig.server.mark()
    rig.server.lt.run(rig.meter.trigger_update())
    rig.server.wait_event("update-unknown", None, since=mark, timeout=3)
    ev = rig.server.wait_event("registered", rig.ep, since=mark, timeout=3)
    assert ev["registration"].lifetime == 86400


def test_disable_deregisters_then_registers_after_disable_timeout(rig):
    assert rig.server.write(rig.ep, "/1/0/5", 1, content_format=CF.TEXT).code_text == "2.04"
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/1/0/4").code_text == "2.04"
    dereg = rig.server.wait_event("deregistered", rig.ep, since=mark, timeout=3)
    reg = rig.server.wait_event("registered", rig.ep, since=mark, timeout=4)
    assert reg.time - dereg.time >= 0.9


def test_create_and_delete_send_update_with_object_list(rig):
    mark = rig.server.mark()
    res = rig.server.create(rig.ep, "/19", {"/19/2/0/0": b"abc", "/19/2/3": "test"}, content_format=CF.TLV)
    assert res.code_text == "2.01"
    ev = rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert b"</19/2>" in ev["payload"]
    mark = rig.server.mark()
    assert rig.server.delete(rig.ep, "/19/2").code_text == "2.02"
    ev = rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert b"</19/2>" not in ev["payload"] and b"</19/1>" in ev["payload"]


def test_reboot_reregisters_and_keeps_persisted_state(make_rig, tmp_path):
    state = str(tmp_path / "meter.json")
    rig = make_rig(state_file=state)
    obs = rig.server.observe(rig.ep, "/3/0/7/0")
    assert obs.established
    assert rig.server.write(rig.ep, "/1/0/3", 77, content_format=CF.TEXT).code_text == "2.04"
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/3/0/4").code_text == "2.04"
    ev = rig.server.wait_event("registered", rig.ep, since=mark, timeout=3)
    assert ev["replaced"]
    assert rig.meter.reporter.observations == []
    assert rig.server.read(rig.ep, "/1/0/3").values == {P("/1/0/3"): 77}
    rig.restart(state_file=state)                       # power cycle: a new process reads the file
    assert rig.server.read(rig.ep, "/1/0/3").values == {P("/1/0/3"): 77}


def test_stop_deregisters(rig):
    mark = rig.server.mark()
    rig.run(rig.meter.stop())
    rig.server.wait_event("deregistered", rig.ep, since=mark, timeout=3)
    assert rig.ep not in rig.aio.registrations


def test_start_up_to_registration_is_fast(make_rig):
    rig = make_rig()                                    # warms the catalog and profile caches

    async def one() -> float:
        m = SimulatedMeter(rig.aio.uri, "meter-fast", params=FAST)
        t0 = time.perf_counter()
        await m.start()
        dt = time.perf_counter() - t0
        await m.stop()
        return dt

    assert rig.run(one()) < 0.1
