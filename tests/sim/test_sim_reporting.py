"""Information Reporting: observations honour attributes, cancel properly; Send honours Mute Send."""

from __future__ import annotations

from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.path import P

EARLY = 0.15   # scheduling tolerance


def _gaps(times):
    return [b - a for a, b in zip(times, times[1:])]


def test_pmin_pmax_on_changing_voltage(rig):
    assert rig.server.write_attributes(rig.ep, "/3/0/7/0", pmin=1, pmax=2).code_text == "2.04"
    obs = rig.server.observe(rig.ep, "/3/0/7/0")
    assert obs.established and obs.first.content_format == CF.TEXT
    times = [obs.next(timeout=3).time for _ in range(3)]
    for gap in _gaps(times):
        assert 1 - EARLY <= gap <= 2 + 0.5
    seqs = [n.seq for n in obs.notifications]
    assert seqs == sorted(set(seqs)) and not obs.stale


def test_pmax_without_change(rig):
    assert rig.server.write_attributes(rig.ep, "/3/0/0", pmax=1).code_text == "2.04"
    obs = rig.server.observe(rig.ep, "/3/0/0")
    a = obs.next(timeout=2)
    b = obs.next(timeout=2)
    assert 1 - EARLY <= b.time - a.time <= 1.5
    assert obs.decode(b)[0] == {P("/3/0/0"): "meterproof"}


def test_default_pmin_pmax_from_server_object(rig):
    assert rig.server.write(rig.ep, "/1/0/3", 1, content_format=CF.TEXT).code_text == "2.04"
    obs = rig.server.observe(rig.ep, "/3/0/1")
    a, b = obs.next(timeout=2), obs.next(timeout=2)
    assert 1 - EARLY <= b.time - a.time <= 1.5


def test_greater_than_crossing(rig):
    assert rig.server.write_attributes(rig.ep, "/3/0/7/0", gt=3790, pmax=60).code_text == "2.04"
    obs = rig.server.observe(rig.ep, "/3/0/7/0")
    values = [obs.decode(obs.next(timeout=5))[0][P("/3/0/7/0")] for _ in range(2)]
    sides = [v > 3790 for v in values]
    assert sides[0] != sides[1]


def test_step_limits_notifications(rig):
    assert rig.server.write_attributes(rig.ep, "/3/0/7/0", st=1000, pmax=1).code_text == "2.04"
    obs = rig.server.observe(rig.ep, "/3/0/7/0")
    a, b = obs.next(timeout=2), obs.next(timeout=2)
    assert b.time - a.time >= 1 - EARLY             # only pmax, although the value changes every 0.2 s


def test_step_notifies_on_big_enough_change(rig):
    assert rig.server.write_attributes(rig.ep, "/3/0/7/0", st=60, pmax=60).code_text == "2.04"
    obs = rig.server.observe(rig.ep, "/3/0/7/0")
    last = obs.first.values[P("/3/0/7/0")]
    for _ in range(2):
        v = obs.decode(obs.next(timeout=3))[0][P("/3/0/7/0")]
        assert abs(v - last) >= 60
        last = v


def test_set_value_notifies(rig):
    obs = rig.server.observe(rig.ep, "/3/0/14")
    rig.call(rig.meter.set_value, "/3/0/14", "+05:00")
    n = obs.next(timeout=2)
    assert obs.decode(n)[0] == {P("/3/0/14"): "+05:00"}


def test_cancel_by_reset(rig):
    assert rig.server.write_attributes(rig.ep, "/3/0/7", pmax=1).code_text == "2.04"
    obs = rig.server.observe(rig.ep, "/3/0/7")
    obs.next(timeout=2)
    rig.server.cancel_observation(obs, mode="reset", timeout=3)
    rig.lt.run(__import__("asyncio").sleep(1.5))
    assert len(obs.after_cancel) == 1
    assert rig.meter.reporter.observations == []


def test_cancel_by_get(rig):
    assert rig.server.write_attributes(rig.ep, "/3/0/8", pmax=1).code_text == "2.04"
    obs = rig.server.observe(rig.ep, "/3/0/8")
    obs.next(timeout=2)
    res = rig.server.cancel_observation(obs, mode="get", timeout=3)
    assert res.code_text == "2.05" and res.response.opt.observe is None
    rig.lt.run(__import__("asyncio").sleep(1.5))
    assert obs.after_cancel == [] and rig.meter.reporter.observations == []


def test_observe_instance_and_object_levels(rig):
    assert rig.server.write_attributes(rig.ep, "/3", pmin=1, pmax=1).code_text == "2.04"
    inst = rig.server.observe(rig.ep, "/3/0", accept=CF.SENML_JSON)
    obj = rig.server.observe(rig.ep, "/3")
    vals = inst.decode(inst.next(timeout=3))[0]
    assert P("/3/0/7/0") in vals and P("/3/0/0") in vals
    assert P("/3/0/0") in obj.decode(obj.next(timeout=3))[0]


def test_observe_composite_and_cancel(rig):
    assert rig.server.write_attributes(rig.ep, "/1/0/1", pmin=1, pmax=1).code_text == "2.04"
    obs = rig.server.observe_composite(rig.ep, ["/1/0/1", "/3/0/11/0", "/3/0/16"])
    assert obs.established
    vals = obs.decode(obs.next(timeout=3))[0]
    assert vals == {P("/1/0/1"): 86400, P("/3/0/11/0"): 0, P("/3/0/16"): "U"}
    rig.server.cancel_observation(obs, mode="get", timeout=3)
    assert rig.meter.reporter.observations == []


def test_send_and_mute_send(rig):
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_send(["/3421/0/25", "/3/0/9"]))
    ev = rig.server.wait_event("send", rig.ep, since=mark, timeout=3)
    paths = {r.path for r in ev["records"]}
    assert paths == {P("/3421/0/25"), P("/3/0/9")}
    assert rig.meter.last_send_code.dotted == "2.04"
    assert rig.server.write(rig.ep, "/1/0/23", True, content_format=CF.TEXT, payload=b"1").code_text == "2.04"
    mark = rig.server.mark()
    rig.run(rig.meter.trigger_send())
    assert rig.server.no_event("send", rig.ep, since=mark, within=0.3)
    rig.server.write(rig.ep, "/1/0/23", False, content_format=CF.TEXT, payload=b"0")
    rig.run(rig.meter.trigger_send())
    ev = rig.server.wait_event("send", rig.ep, since=mark, timeout=3)
    registered = set(rig.server.registration(rig.ep).objects.objects)
    assert {r.path.object_id for r in ev["records"]} <= registered
