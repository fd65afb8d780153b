"""Metering objects: the readings behave as meter readings, and interval and event data arrive on schedule.

meterproof's own cases (the ETS has none for metering objects), on the object definitions in ``objects/``
(OMNA registry): the single-phase electricity meter 3421, the gas and water meters 3423 and 3424, and the SEW
delivery objects Interval Data Delivery 10262, Event Data Delivery 10263 and Delivery Schedule 10264.

* a cumulative register (an energy import register, a cumulated gas or water volume, a pulse count) only counts
  up: the definitions call them cumulated/energy registers, and only the reset executables (3423/3424 resource
  2 and 5), which no case runs, set them back;
* a reading is in the unit its definition gives (V, A, Hz; a power factor is a ratio within -1..1): a value a
  thousand times too large is the same reading in mV, mA or mHz;
* Latest Payload (10262/x/2) and Latest Eventlog (10263/x/2) are delivered -- notified to an observing Server
  -- at the times the linked Delivery Schedule (10264) gives: "the Delivery Frequency resource ... representing
  the number of seconds between deliveries", starting "Schedule Start Time" seconds after midnight, the
  randomised window defaulting to 0 ("the Notification should be sent immediately").

A device without the object is not applicable; each reading is observed as the Information Reporting cases
observe (:mod:`meterproof.fixtures.observation`).
"""

from __future__ import annotations

from typing import Any

import pytest

from meterproof.fixtures import P, codes, expect, mp
from meterproof.fixtures.observation import check_periods, collect, observe, periods, values as notified
from meterproof.lwm2m.metering import CUMULATIVE
from meterproof.lwm2m.values import ObjLnk

METERING = dict(epic="Metering objects", feature="Meter readings")
#: Readings whose definition gives a unit, and the span a reading in that unit lies in on any meter of the kind
#: (wide: only the same reading in a unit a thousand times smaller falls outside).
IN_UNITS: dict[int, dict[int, tuple[float, float]]] = {
    3421: {1: (0.0, 1000.0), 6: (0.0, 1000.0), 11: (0.0, 1000.0), 13: (-1.0, 1.0)},
}
SCHEDULE = 10264
DELIVERY = {10262: ("Interval Data Delivery", "Latest Payload"), 10263: ("Event Data Delivery", "Latest Eventlog")}


def _meter_instance(dut: Any) -> tuple[int, str]:
    """The first instance of the first metering object the device registered (not applicable without one)."""
    objs = dut.registered_objects()
    for oid in CUMULATIVE:
        if oid in objs:
            listed = dut.instances(oid)
            return oid, f"/{oid}/{listed[0] if listed else 0}"
    expect.not_applicable(f"the device registered none of the metering objects {', '.join(map(str, CUMULATIVE))}")
    raise AssertionError("unreachable")


def _clause(dut: Any, oid: int, rid: int, what: str) -> str:
    rdef = dut.catalog.resource_def(P(f"/{oid}/0/{rid}"))
    name = f"resource {rid} {rdef.name!r}" + (f" in {rdef.units}" if rdef is not None and rdef.units else "") \
        if rdef is not None else f"resource {rid}"
    return f"object definition {oid}, {name}: {what}"


@mp("MP-METER-CUMULATIVE", "Cumulative registers only count up, observed", **METERING,
    clause="object definitions 3421 (energy registers), 3423/3424 (cumulated volume, pulse value)")
def test_cumulative_registers(server, dut, timing, transcript):
    """The device registered a metering object (3421, 3423 or 3424; else not applicable).
    Read its first instance: 2.05; Pass: every cumulative register it has is >= 0.
    Write-Attributes pmin=1&pmax=2 (scaled; a SHOULD: refused, not applicable) on the mandatory register (3421/x/25,
    3423/x/1, 3424/x/1) and Observe it: 2.05.
    Pass: two notifications, never closer than pmin nor later than pmax, and the register never decreases from
    the Observe answer on."""
    oid, inst = _meter_instance(dut)
    r = server.read(dut.endpoint, inst, accept=dut.instance_format())
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    for rid in CUMULATIVE[oid]:
        v = values.get(P(f"{inst}/{rid}"))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            expect.true(v >= 0, f"{inst}/{rid}", ">= 0 (a register counts from zero)", v,
                        clause=_clause(dut, oid, rid, "a cumulative register"))
    register = f"{inst}/{CUMULATIVE[oid][0]}"
    pmin, pmax = periods(timing)
    obs = observe(server, dut, register, pmin=pmin, pmax=pmax)
    readings = [expect.decodes(obs.first).get(P(register))]
    notes = collect(obs, 2, pmax, timing, f"notification of {register}")
    readings += [notified(obs, n).get(P(register)) for n in notes]
    check_periods(obs, notes, timing, pmin=pmin, pmax=pmax)
    expect.true(all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in readings),
                f"{register} in the Observe answer and each notification", "a number", readings)
    for i, (a, b) in enumerate(zip(readings, readings[1:])):
        expect.true(b >= a, f"{register}: reading {i + 1} after reading {i}", f">= {a} (a register never falls)", b,
                    clause=_clause(dut, oid, CUMULATIVE[oid][0], "a cumulative register, which only a reset sets "
                                   "back"))


@mp("MP-METER-UNITS", "Readings are in the units their definitions give", **METERING,
    clause="object definition 3421 (units of Voltage, Current, Frequency; the power factor a ratio)")
def test_readings_in_units(server, dut, transcript):
    """The device registered a metering object whose readings have units (3421; else not applicable).
    Read its first instance: 2.05.
    Pass: Voltage (1) within 0..1000 V, Current (6) within 0..1000 A, Frequency (11) within 0..1000 Hz and the
    Instantaneous Power Factor (13) within -1..1, where present."""
    oid, inst = _meter_instance(dut)
    if oid not in IN_UNITS:
        expect.not_applicable(f"object {oid}'s readings carry no unit meterproof can tell from another")
    r = server.read(dut.endpoint, inst, accept=dut.instance_format())
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    expect.has_mandatory_resources(values, dut, obj=oid)
    for rid, (lo, hi) in IN_UNITS[oid].items():
        v = values.get(P(f"{inst}/{rid}"))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            expect.true(lo <= v <= hi, f"{inst}/{rid}", f"{lo:g}..{hi:g}", v,
                        clause=_clause(dut, oid, rid, "the reading in the definition's unit"))


def _delivery_case(oid: int) -> Any:
    name, payload = DELIVERY[oid]
    return pytest.param(oid, id=f"MP-METER-DELIVERY-{oid}", marks=mp(
        f"MP-METER-DELIVERY-{oid}", f"{name}: {payload} is delivered on its Delivery Schedule", **METERING,
        clause=f"object definitions {oid} ({name}: resources 2 {payload}, 3 Schedule) and 10264 (Delivery "
        "Schedule: Start Time, UTC Offset, Delivery Frequency, Randomised Delivery Window)"))


@pytest.mark.parametrize("oid", [_delivery_case(o) for o in DELIVERY])
def test_delivery_follows_schedule(server, dut, timing, transcript, oid):
    """The device registered the delivery object and the Delivery Schedule 10264 (else not applicable), and its
    first instance links a schedule (resource 3; a null link: not applicable).
    Set the schedule (restored afterwards; a refusal: not applicable): Start Time 0, UTC Offset "+00:00",
    Delivery Frequency F = 1 s (scaled; a divisor of 86400 as the definition recommends), Randomised Delivery
    Window 0 where it exists.  Observe resource 2 (Latest Payload / Latest Eventlog): 2.05.
    Pass: two deliveries (notifications of resource 2), each at most F (+ tolerance) after the previous one."""
    dut.requires_object(oid)
    dut.requires_object(SCHEDULE, "the Delivery Schedule the delivery follows")
    listed = dut.instances(oid)
    inst = f"/{oid}/{listed[0] if listed else 0}"
    link_path = f"{inst}/3"
    with expect.supporting(f"read {link_path} (Schedule)", f"MP-OBJ-{oid}"):
        r = server.read(dut.endpoint, link_path)
        if r.code == codes.NOT_FOUND:
            expect.not_applicable(f"{link_path} (Schedule, optional) is absent: the delivery has no schedule")
        expect.code(r, codes.CONTENT)
        link = expect.decodes(r).get(P(link_path))
    if not isinstance(link, ObjLnk) or link.object_id != SCHEDULE:
        expect.not_applicable(f"{link_path} links no Delivery Schedule ({link})")
    sched = f"/{SCHEDULE}/{link.instance_id}"
    frequency = timing.attr(1)
    wanted: dict[str, Any] = {f"{sched}/0": 0, f"{sched}/1": "+00:00", f"{sched}/2": frequency}
    if dut.has(f"{sched}/3"):
        wanted[f"{sched}/3"] = 0
    dut.configure(wanted, why="a schedule with deliveries every few seconds", content_format=dut.value_format())
    payload = f"{inst}/2"
    obs = server.observe(dut.endpoint, payload)
    expect.code(obs.first, codes.CONTENT)
    expect.true(obs.established, f"Observe {payload}: the 2.05 carries an Observe option", "Observe option", "none")
    obs.t0 = obs.now()
    notes = collect(obs, 2, frequency, timing, f"delivery of {payload} (Delivery Frequency {frequency}s)")
    for n in notes:
        expect.present(notified(obs, n), payload)
    check_periods(obs, notes, timing, pmax=frequency)
