"""The simulator's optional objects (sim/optional_objects.py): what the ETS cases of /6, /7, /10-/13, /20 rely on."""

from __future__ import annotations

import asyncio

from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.path import P


def _text(rig, path):
    return rig.server.read(rig.ep, path, accept=CF.TEXT).values[P(path)]


def test_objects_registered_per_lwm2m_version(make_rig):
    old = make_rig(lwm2m="1.0")
    assert {6, 7, 12} <= set(old.server.registration(old.ep).objects.objects) and 10 not in \
        old.server.registration(old.ep).objects.objects
    assert old.server.registration(old.ep).objects.objects[12].strip('"') == "1.1"     # 12.xml: LwM2M 1.0
    rig = make_rig(lwm2m="1.1")
    objs = rig.server.registration(rig.ep).objects.objects
    assert {6, 7, 10, 11, 12, 13, 20} <= set(objs)
    assert objs[10].strip('"') == "1.1" and objs[20].strip('"') == "2.1"


def test_location_is_a_wgs84_position_with_a_fix_time(rig):
    lat, lon, stamp = _text(rig, "/6/0/0"), _text(rig, "/6/0/1"), _text(rig, "/6/0/5")
    assert -90 <= lat <= 90 and -180 <= lon <= 180 and stamp > 1_600_000_000


def test_statistics_count_between_start_and_stop(rig):
    assert rig.server.execute(rig.ep, "/7/0/6").ok
    rig.server.read(rig.ep, "/3/0", accept=CF.TLV)
    assert rig.server.execute(rig.ep, "/7/0/7").ok
    largest, average = _text(rig, "/7/0/4"), _text(rig, "/7/0/5")
    assert largest > 28 and 0 < average <= largest
    rig.server.read(rig.ep, "/3/0", accept=CF.TLV)
    assert (_text(rig, "/7/0/4"), _text(rig, "/7/0/5")) == (largest, average)


def test_event_log_start_and_stop(rig):
    assert _text(rig, "/20/0/4013") == 3                   # C.16: stopped, valid data
    assert rig.server.execute(rig.ep, "/20/0/4011").ok
    assert not _text(rig, "/20/0/4013") & 1
    assert rig.server.execute(rig.ep, "/20/0/4012").ok
    assert _text(rig, "/20/0/4013") & 1


def test_enabled_apn_profile_is_activated(rig):
    assert rig.server.create(rig.ep, "/11", {P("/11/1/0"): "second", P("/11/1/3"): False, P("/11/1/4"): 3},
                             content_format=CF.TLV).code_text == "2.01"
    assert rig.server.write(rig.ep, "/11/1/3", True, content_format=CF.TEXT).ok
    links = {(v.object_id, v.instance_id) for v in rig.server.read(rig.ep, "/10/0/11", accept=CF.TLV).values.values()}
    assert links == {(11, 0), (11, 1)}
    assert rig.server.delete(rig.ep, "/11/1").code_text == "2.02"
    assert {v.instance_id for v in rig.server.read(rig.ep, "/10/0/11", accept=CF.TLV).values.values()} == {0}


def _address(rig):
    remote = rig.server.registration(rig.ep).remote
    return tuple(getattr(remote, "peer", remote))


def test_bearer_change_moves_the_meter_and_updates(rig):
    """A Preferred Communications Bearer that changes bearer: an Update from a new source address, /4/0/0 follows;
    the same bearer again changes nothing (ETS CONMGMT-int-1350)."""
    assert _text(rig, "/4/0/0") == 7                       # NB-IoT
    before, mark = _address(rig), rig.server.mark()
    assert rig.server.write(rig.ep, "/13/0/0", {P("/13/0/0/0"): 7}, content_format=CF.TLV).ok    # WLAN preferred
    ev = rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert tuple(ev["remote"]) != before and _address(rig) != before
    assert _text(rig, "/4/0/0") == 21                      # WLAN
    wlan, mark = _address(rig), rig.server.mark()
    assert rig.server.write(rig.ep, "/13/0/0", {P("/13/0/0/0"): 99, P("/13/0/0/1"): 4}, content_format=CF.TLV).ok
    rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)          # unknown 99 skipped: 3GPP PS LTE
    assert _address(rig) != wlan and _text(rig, "/4/0/0") == 7
    mark = rig.server.mark()
    assert rig.server.write(rig.ep, "/13/0/0", {P("/13/0/0/0"): 1}, content_format=CF.TLV).ok      # still cellular
    rig.run(asyncio.sleep(0.3))
    assert rig.server.events("updated", rig.ep, since=mark) == []


def test_radio_reset_waits_for_reset_timeout_then_updates_from_a_new_address(rig):
    """LTE-MTC Band Config Reset (/501/0/6): nothing before Reset Timeout (/501/0/5) has passed, then an Update
    from a new source address (the machinery of a change of bearer)."""
    assert rig.server.write(rig.ep, "/501/0/5", 0.6, content_format=CF.TEXT).ok
    before, mark = _address(rig), rig.server.mark()
    t0 = rig.server.now()
    assert rig.server.execute(rig.ep, "/501/0/6").code_text == "2.04"
    ev = rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert ev.time - t0 >= 0.6 and tuple(ev["remote"]) != before and _address(rig) != before


def _rsp_after(rig, args="0"):
    """Execute RSP Update (/504/0/4) and wait for the state machine to settle; (State, Result, ICCIDs)."""
    assert rig.server.execute(rig.ep, "/504/0/4", args).code_text == "2.04"
    rig.run(asyncio.sleep(0.4))
    v = rig.server.read(rig.ep, "/504/0", accept=CF.TLV).values
    return v[P("/504/0/5")], v[P("/504/0/6")], [v[k] for k in v if str(k).startswith("/504/0/11/")]


def test_rsp_download_from_a_host_that_does_not_resolve_fails(rig):
    """RSP Update action 0 with a .invalid Download URI: Idle with Result 11 (generic download error), the active
    profile kept; an argument list of a reserved action is refused (4.00)."""
    iccids = [v for k, v in rig.server.read(rig.ep, "/504/0", accept=CF.TLV).values.items()
              if str(k).startswith("/504/0/11/")]
    assert rig.server.write(rig.ep, "/504/0/3", "coaps://rsp.invalid/x", content_format=CF.TEXT).ok
    assert _rsp_after(rig) == (0, 11, iccids)
    assert rig.server.execute(rig.ep, "/504/0/4", "7").code_text == "4.00"
    assert rig.server.write(rig.ep, "/504/0/3", "", content_format=CF.TEXT).ok
    assert _rsp_after(rig)[:2] == (0, 7)             # no URI: invalid URI


def _wlan(rig, iid=0):
    """(Enable, Radio Enabled, Status) of /12/iid."""
    v = rig.server.read(rig.ep, f"/12/{iid}", accept=CF.TLV).values
    return v[P(f"/12/{iid}/1")], v[P(f"/12/{iid}/2")], v[P(f"/12/{iid}/3")]


def _prefer(rig, code):
    """Write the Preferred Communications Bearer /13/0/0 = [code] and wait for the Update from the new address."""
    mark = rig.server.mark()
    assert rig.server.write(rig.ep, "/13/0/0", {P("/13/0/0/0"): code}, content_format=CF.TLV).ok
    rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)


def test_wlan_interface_follows_the_bearer(rig):
    """C.10: the WLAN interface is off until Bearer Selection makes WLAN the bearer, then enabled and up (what ETS
    CONMGMT-int-1350 step 4 reads), and off again when the meter goes back to its modem."""
    assert _wlan(rig) == (False, 0, 0)
    v = rig.server.read(rig.ep, "/12/0", accept=CF.TLV).values
    assert v[P("/12/0/8")] == 1 and len(v[P("/12/0/4")]) == 12 and v[P("/12/0/5")]      # a station, its MAC, SSID
    _prefer(rig, 7)                                        # WLAN preferred
    assert _wlan(rig) == (True, 1, 1)
    _prefer(rig, 1)                                        # 3GPP PS preferred
    assert _wlan(rig) == (False, 0, 0)


def test_wlan_enable_written_by_a_server(rig):
    """Enable switches the interface (Status and radio follow); a WLAN the Server switched on stays on when the
    meter leaves it; switching off the WLAN the meter talks over sends it back to its modem with an Update."""
    assert rig.server.write(rig.ep, "/12/0/1", True, content_format=CF.TEXT).ok
    assert _wlan(rig) == (True, 1, 1) and _text(rig, "/4/0/0") == 7        # on, but the bearer stays NB-IoT
    _prefer(rig, 7)
    _prefer(rig, 1)
    assert _wlan(rig) == (True, 1, 1)                      # the Server's choice, kept
    _prefer(rig, 7)
    before, mark = _address(rig), rig.server.mark()
    assert rig.server.write(rig.ep, "/12/0/1", False, content_format=CF.TEXT).ok
    rig.server.wait_event("updated", rig.ep, since=mark, timeout=3)
    assert _address(rig) != before and _text(rig, "/4/0/0") == 7 and _wlan(rig) == (False, 0, 0)
