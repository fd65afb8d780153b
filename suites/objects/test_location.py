"""Location object (/6): the position a device reports is a WGS 84 position, and follows it when observed.

OMA ETS Core objects cases int-801 (Querying the readable resources) and int-810 (Basic observation)
(OMA-ETS-LightweightM2M_INT-V1_2-20231003-A §6.6.7.1 and §6.6.7.3, configuration C.7; paraphrased in
../shared/reference/oma-ets-cases.md §1.6; int-805 is "no writable resources", 811..835 are placeholders).
The ETS asks for a 2.05 with Latitude, Longitude and Timestamp; meterproof also judges each value by what the
object definition (OMNA 6.xml) says it is: Latitude and Longitude are "the decimal notation" of a WGS 84
coordinate (so within -90..90 and -180..180 degrees), Timestamp is "when the location measurement was performed"
(so a later notification never carries an older measurement).  The instance is the one the device registered.
"""

from __future__ import annotations

from typing import Any

from meterproof.fixtures import P, codes, ets, expect
from meterproof.fixtures.observation import check_periods, collect, observe, periods, values as notified
from meterproof.lwm2m.values import ValueTree

LATITUDE, LONGITUDE, TIMESTAMP = 0, 1, 5
DEF6 = "object definition 6 (Location)"
C7 = "ETS configuration C.7"


def _instance(dut: Any) -> str:
    dut.requires_object(6, C7)
    listed = dut.instances(6)
    if not listed:
        expect.not_applicable("the device registered /6 without an instance (C.7 presumes /6/0)")
    return f"/6/{listed[0]}"


def _plausible(values: ValueTree, dut: Any, inst: str, what: str) -> None:
    """Complete per the definition (types, the mandatory 0, 1, 5) and a WGS 84 position."""
    expect.has_mandatory_resources(values, dut, obj=6)
    for rid, lim, name in ((LATITUDE, 90, "Latitude"), (LONGITUDE, 180, "Longitude")):
        v = values.get(P(f"{inst}/{rid}"))
        expect.true(isinstance(v, (int, float)) and -lim <= v <= lim, f"{what}: {inst}/{rid} {name}",
                    f"decimal degrees within -{lim}..{lim}", repr(v),
                    clause=f"{DEF6}, resources 0 and 1: 'the decimal notation' of a WGS 84 coordinate")


@ets("LightweightM2M-1.1-int-801", "Location: Querying the readable resources of object")
def test_int_801_location_readable(server, dut, transcript):
    """C.7: the device registered /6 (else not applicable).  GET /6/x (x: the instance it registered; the
    multi-value format the device takes).
    Pass: 2.05 with Latitude (0), Longitude (1) and Timestamp (5), each optional resource of its type, and the
    position in WGS 84 decimal degrees (see the module docstring)."""
    inst = _instance(dut)
    r = server.read(dut.endpoint, inst, accept=dut.instance_format())
    expect.code(r, codes.CONTENT, clause="ETS int-801; OMA TS Core 1.1 §5.4.1 Read")
    values = expect.decodes(r)
    expect.present(values, *(f"{inst}/{rid}" for rid in (LATITUDE, LONGITUDE, TIMESTAMP)),
                   clause="ETS int-801: Latitude, Longitude and Timestamp")
    _plausible(values, dut, inst, f"GET {inst}")


@ets("LightweightM2M-1.1-int-810", "Location: Basic Observation")
def test_int_810_location_observation(server, dut, timing, transcript):
    """C.7: the device registered /6 (else not applicable).  Write-Attributes /6/x?pmin=1&pmax=2 (the ETS's 2/10 s
    scaled down; a SHOULD: refused, not applicable): 2.04.  Observe /6/x: 2.05 with the initial values.
    Pass: a notification, never closer than pmin nor later than pmax, each a WGS 84 position as in int-801, and
    Timestamps that never go back (each is the time of the measurement it reports)."""
    inst = _instance(dut)
    pmin, pmax = periods(timing)
    obs = observe(server, dut, inst, pmin=pmin, pmax=pmax)
    first = expect.decodes(obs.first)
    _plausible(first, dut, inst, "the Observe answer")
    notes = collect(obs, 1, pmax, timing, f"notification of {inst}")
    stamps = [first.get(P(f"{inst}/{TIMESTAMP}"))]
    for i, n in enumerate(notes):
        values = notified(obs, n)
        _plausible(values, dut, inst, f"notification {i + 1}")
        stamps.append(values.get(P(f"{inst}/{TIMESTAMP}")))
    check_periods(obs, notes, timing, pmin=pmin, pmax=pmax)
    known = [s for s in stamps if isinstance(s, int)]
    expect.true(known == sorted(known), f"{inst}/{TIMESTAMP} Timestamp in the Observe answer and the notifications",
                "never earlier than the one before", known,
                clause=f"ETS int-810 ('Timestamp admissible'); {DEF6}, resource 5: when the measurement was performed")
