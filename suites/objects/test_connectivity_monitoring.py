"""Connectivity Monitoring object (/4): its values are plausible for the bearer in use and follow the link.

OMA ETS Core objects cases int-701 (Querying readable resources) and int-710 (Basic observation)
(OMA-ETS-LightweightM2M_INT-V1_2-20231003-A, paraphrased in ../shared/reference/oma-ets-cases.md §1.6; int-705 is
"no writable resources", int-711..735 are placeholders).  The ETS asks for a 2.05 with the mandatory resources;
meterproof also judges each value by what the object definition (OMNA 4.xml; OMA TS Core 1.1 Appendix E.5) says
it is, never by a value the device chose:

* Radio Signal Strength (/4/0/2) is "expressed in dBm" and is, per bearer, GSM RSSI, UMTS RSCP, LTE RSRP, NB-IoT
  NRSRP: on a cellular or wireless bearer (0..40) a received power, which the 3GPP measurement ranges put far
  below 0 dBm (TS 45.008 RXLEV -110..-48, TS 36.133 RSRP -156..-31): meterproof accepts -160..0 dBm;
* Link Quality (/4/0/3) has the range the definition names for GSM (RxQual 0..7) and IEEE 802.15.4 (LQI 0..255);
* IP Addresses (/4/0/4) and Router IP Addresses (/4/0/5) are IP addresses;
* every range the definition gives (bearers 0..50, Link Utilization 0..100, SMNC/SMCC 0..999, ...) is the object
  model's check (:func:`meterproof.fixtures.expect.has_mandatory_resources`).

int-710 also watches the values change: with the driver's ``set-value`` trigger the case changes the radio
signal strength (the simulator's link also fades on its own) and the next notifications must carry it.
"""

from __future__ import annotations

import socket
from typing import Any

from meterproof.fixtures import P, codes, ets, expect
from meterproof.fixtures.observation import check_periods, collect, observe, periods, values as notified
from meterproof.lwm2m.values import ValueTree

CONN = "/4/0"
BEARER, RSS, LINK_QUALITY, IPS, ROUTERS = 0, 2, 3, 4, 5
E5 = "OMA TS Core 1.1 Appendix E.5 and object definition 4 (Connectivity Monitoring)"
#: Received power on a radio bearer, dBm (3GPP TS 45.008 RXLEV -110..-48; TS 36.133 RSRP -156..-31; WLAN RSSI
#: below 0): wider than every measurement range, so only a value that is no received power fails.
RSS_DBM = (-160, 0)
#: Link Quality ranges the definition of resource 3 names, per bearer.
LINK_QUALITY_RANGE = {0: (0, 7, "RxQual Downlink for GSM (range 0...7)"),
                      23: (0, 255, "LQI for IEEE 802.15.4 (range 0...255)")}


def _is_ip(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, text.strip("[]"))
            return True
        except OSError:
            continue
    return False


def _plausible(values: ValueTree, dut: Any, inst: str, what: str) -> None:
    """The instance ``inst`` in ``values`` is complete per its definition and each value is plausible for the
    bearer it names."""
    expect.has_mandatory_resources(values, dut, obj=4)
    bearer = values.get(P(f"{inst}/{BEARER}"))
    rss = values.get(P(f"{inst}/{RSS}"))
    if isinstance(bearer, int) and 0 <= bearer <= 40 and isinstance(rss, int):
        lo, hi = RSS_DBM
        expect.true(lo <= rss <= hi, f"{what}: {inst}/{RSS} Radio Signal Strength on bearer {bearer}",
                    f"a received power in dBm ({lo}..{hi})", f"{rss} dBm",
                    clause=f"{E5}, resource 2: 'expressed in dBm' (GSM RSSI, UMTS RSCP, LTE RSRP, NB-IoT NRSRP)")
    lq = values.get(P(f"{inst}/{LINK_QUALITY}"))
    if isinstance(bearer, int) and bearer in LINK_QUALITY_RANGE and isinstance(lq, int):
        lo, hi, text = LINK_QUALITY_RANGE[bearer]
        expect.true(lo <= lq <= hi, f"{what}: {inst}/{LINK_QUALITY} Link Quality on bearer {bearer}", f"{lo}..{hi}",
                    lq, clause=f"{E5}, resource 3: {text}")
    for rid in (IPS, ROUTERS):
        for k, v in values.items():
            if len(k) == 4 and k.truncate(3) == P(f"{inst}/{rid}"):
                expect.true(_is_ip(v), f"{what}: {k}", "an IPv4 or IPv6 address", repr(v),
                            clause=f"{E5}, resources 4 and 5: IP addresses")


def _instance(dut: Any) -> str:
    """The Connectivity Monitoring instance the device registered (single-instance: /4/0)."""
    dut.requires_object(4)
    listed = dut.instances(4)
    return f"/4/{listed[0]}" if listed else CONN


@ets("LightweightM2M-1.1-int-701", "Connectivity Monitoring: Querying the readable resources of object")
def test_int_701_connectivity_readable(server, dut, transcript):
    """C.5: the device registered /4 (else not applicable).  GET /4/0 (the multi-value format the device takes).
    Pass: 2.05 with the mandatory Network Bearer (0), Available Network Bearer (1), Radio Signal Strength (2), IP
    Addresses (4), each optional resource present of its type and range, and every value plausible for the bearer
    in use (see the module docstring)."""
    inst = _instance(dut)
    r = server.read(dut.endpoint, inst, accept=dut.instance_format())
    expect.code(r, codes.CONTENT, clause="ETS int-701; OMA TS Core 1.1 §5.4.1 Read")
    values = expect.decodes(r)
    expect.present(values, *(f"{inst}/{rid}" for rid in (0, 1, 2, 4)))
    _plausible(values, dut, inst, "GET /4/0")


@ets("LightweightM2M-1.1-int-710", "Connectivity Monitoring: Basic Observation")
def test_int_710_connectivity_observation(server, dut, timing, transcript):
    """C.5: the device registered /4 (else not applicable).  Write-Attributes /4/0?pmin=1&pmax=2 (the ETS's 2/10 s
    scaled down; a SHOULD: refused, not applicable): 2.04.  Observe /4/0: 2.05 with the initial values.
    Pass: notifications never closer than pmin nor later than pmax, each plausible as in int-701.
    With the set-value trigger: the Radio Signal Strength is changed by 7 dB; Pass: one of the next two
    notifications carries the new value (a notification reports the current state, RFC 7641 §4.2)."""
    inst = _instance(dut)
    pmin, pmax = periods(timing)
    obs = observe(server, dut, inst, pmin=pmin, pmax=pmax)
    first = expect.decodes(obs.first)
    expect.present(first, f"{inst}/{RSS}")
    _plausible(first, dut, inst, "the Observe answer")
    notes = collect(obs, 1, pmax, timing, f"notification of {inst}")
    for i, n in enumerate(notes):
        _plausible(notified(obs, n), dut, inst, f"notification {i + 1}")
    check_periods(obs, notes, timing, pmin=pmin, pmax=pmax)
    if not dut.can("set-value"):
        return
    last = notified(obs, notes[-1]).get(P(f"{inst}/{RSS}"), first[P(f"{inst}/{RSS}")])
    new = last - 7 if isinstance(last, int) and last - 7 >= RSS_DBM[0] else RSS_DBM[0] + 20
    with expect.supporting(f"change {inst}/{RSS} through the set-value trigger", "int-701"):
        dut.trigger("set-value", path=f"{inst}/{RSS}", value=new)
    seen = []
    for i in range(2):
        n = expect.notification(obs, pmax + timing.late, f"notification of {inst} after the link changed")
        seen.append(notified(obs, n).get(P(f"{inst}/{RSS}")))
        if seen[-1] == new:
            return
    expect.fail(f"{inst}/{RSS} in the notifications after the link changed to {new} dBm", f"{new}", seen,
                clause="RFC 7641 §4.2 (a notification carries the current state) and ETS int-710: "
                "notifications with the updated values")
