"""Connectivity Statistics object (/7): a collection starts, stops, keeps its period, and is reported when observed.

OMA ETS Core objects cases int-901 (Querying a data collection), int-905 (Setting the writable resources) and
int-910 (Basic observation) (OMA-ETS-LightweightM2M_INT-V1_2-20231003-A §6.6.8.1-3, configuration C.9;
paraphrased in ../shared/reference/oma-ets-cases.md §1.6; the 1.0.1 pass text of int-901 named object 4, I#236;
int-911..935 are placeholders).  "Coherent" counters are judged by the object definition (OMNA 7.xml):

* every counter (0 SMS Tx, 1 SMS Rx, 2 Tx Data, 3 Rx Data, 4 Max Message Size, 5 Average Message Size) counts,
  so it is never negative, and no average exceeds the maximum it is an average of;
* Stop (7) "stop[s] collecting information, but do[es] not reset resources 0-5": after Stop, the counters no
  longer move, whatever crosses the link;
* the messages of a case cross the link while it collects, so a device that reports Max Message Size shows one
  above 0 once a notification went out during the collection.

The instance is the one the device registered; the ETS's "after a few seconds" of collection is one exchange
(a Read) on the simulator's compressed time, which is traffic the collection must see.
"""

from __future__ import annotations

from typing import Any

from meterproof.fixtures import P, codes, ets, expect
from meterproof.fixtures.observation import check_periods, collect, observe, periods, values as notified
from meterproof.lwm2m.values import ValueTree

COUNTERS = range(6)
START, STOP, PERIOD = 6, 7, 8
MAX_SIZE, AVG_SIZE = 4, 5
DEF7 = "object definition 7 (Connectivity Statistics)"
C9 = "ETS configuration C.9"


def _instance(dut: Any) -> str:
    dut.requires_object(7, C9)
    listed = dut.instances(7)
    if not listed:
        expect.not_applicable("the device registered /7 without an instance (C.9 presumes /7/0)")
    return f"/7/{listed[0]}"


def _read(server: Any, dut: Any, inst: str, what: str) -> ValueTree:
    r = server.read(dut.endpoint, inst, accept=dut.instance_format())
    expect.code(r, codes.CONTENT, clause=f"{what}; OMA TS Core 1.1 §5.4.1 Read")
    return expect.decodes(r)


def _counters(values: ValueTree, inst: str) -> dict[int, Any]:
    return {rid: values[P(f"{inst}/{rid}")] for rid in COUNTERS if P(f"{inst}/{rid}") in values}


def _coherent(values: ValueTree, dut: Any, inst: str, what: str) -> dict[int, Any]:
    """Types per the definition, no negative count, Average Message Size <= Max Message Size."""
    expect.has_mandatory_resources(values, dut, obj=7, allow_empty=True)   # its mandatory 6, 7 are executables
    c = _counters(values, inst)
    for rid, v in c.items():
        expect.true(isinstance(v, int) and v >= 0, f"{what}: {inst}/{rid}", "a count (an Integer >= 0)", repr(v),
                    clause=f"{DEF7}, resources 0-5 (totals and sizes over the collection period)")
    if MAX_SIZE in c and AVG_SIZE in c:
        expect.true(c[AVG_SIZE] <= c[MAX_SIZE], f"{what}: Average Message Size {inst}/5 against Max Message Size "
                    f"{inst}/4", "average <= maximum", f"{c[AVG_SIZE]} > {c[MAX_SIZE]}",
                    clause=f"{DEF7}, resources 4 and 5")
    return c


def _execute(server: Any, dut: Any, path: str, what: str) -> None:
    r = server.execute(dut.endpoint, path)
    expect.code(r, codes.CHANGED, clause=f"{what}; OMA TS Core 1.1 §5.4.5 Execute; {DEF7}, resources 6 and 7")


@ets("LightweightM2M-1.1-int-901", "Connectivity Statistics: Querying a data collection")
def test_int_901_statistics_collection(server, dut, transcript):
    """C.9: the device registered /7 with at least one counter 0-5 (else not applicable).
    1. POST /7/x/6 (Start): 2.04; one Read of /7/x while collecting (the ETS's "few seconds" of traffic).
    2. POST /7/x/7 (Stop): 2.04.  3. GET /7/x: 2.05 in the format the device takes.
    Pass: the counters 0-5 are coherent (see the module docstring); and a second GET /7/x gives the same counters
    (Stop ends the collection; the first GET is traffic it must no longer count)."""
    inst = _instance(dut)
    _execute(server, dut, f"{inst}/{START}", "ETS int-901 step 1 (Start)")
    with expect.supporting(f"read {inst} while the collection runs", "int-905 (Read of /7)"):
        during = _read(server, dut, inst, "ETS int-901")
    if not _counters(during, inst):
        expect.not_applicable(f"the device implements none of the counters {inst}/0..5 ({C9} lists them all)")
    _execute(server, dut, f"{inst}/{STOP}", "ETS int-901 step 2 (Stop)")
    after = _coherent(_read(server, dut, inst, "ETS int-901 step 3"), dut, inst, f"GET {inst} after Stop")
    again = _counters(_read(server, dut, inst, "ETS int-901"), inst)
    expect.equal(again, after, f"counters {inst}/0..5 read again after Stop (a Read went over the link between)",
                 clause=f"ETS int-901 (coherent values after Stop); {DEF7}, resource 7 Stop: 'stop collecting "
                 "information, but do not reset resources 0-5'")


@ets("LightweightM2M-1.1-int-905", "Connectivity Statistics: Setting the writable resources")
def test_int_905_statistics_collection_period(server, dut, transcript):
    """C.9: the device registered /7 (else not applicable).
    1. GET /7/x: 2.05, holding the optional Collection Period /7/x/8 (else not applicable).
    2. PUT /7/x/8 with a new period (3600 s, or 7200 s when it already is 3600): 2.04.
    3. GET /7/x: Pass: 2.05 with /7/x/8 holding the written period.  The device's period is written back."""
    inst = _instance(dut)
    period = f"{inst}/{PERIOD}"
    before = _read(server, dut, inst, "ETS int-905 step 1")
    if P(period) not in before:
        expect.not_applicable(f"the device's {inst} holds no Collection Period {period} (optional; {C9} sets it)")
    old = before.get(P(period))
    new = 7200 if old == 3600 else 3600
    w = server.write(dut.endpoint, period, new, content_format=dut.value_format())
    expect.code(w, codes.CHANGED, clause="ETS int-905 step 2; OMA TS Core 1.1 §5.4.3 Write")
    if isinstance(old, int):
        dut.restore_later(period, old, dut.value_format())
    after = _read(server, dut, inst, "ETS int-905 step 3")
    expect.value(after, period, new, clause=f"ETS int-905: the written Collection Period; {DEF7}, resource 8")


@ets("LightweightM2M-1.1-int-910", "Connectivity Statistics: Basic Observation")
def test_int_910_statistics_observation(server, dut, timing, transcript):
    """C.9: the device registered /7 and a Read of /7/x holds a counter 0-5 (else not applicable).
    1. Write-Attributes /7/x?pmin=1&pmax=2 (the ETS's
    2/10 s scaled down; a SHOULD: refused, not applicable): 2.04.  2. PUT /7/x/8 = 0 (no collection period; only
    when the device implements it, its value written back after).  3. Observe /7/x: 2.05 with the initial values.
    4. POST /7/x/6 (Start): 2.04.  5-6. Two notifications.  7. POST /7/x/7 (Stop): 2.04.  8. Cancel.
    Pass: the notifications never closer than pmin nor later than pmax, each with coherent counters (module
    docstring); with Max Message Size implemented, the second one reports a message (> 0 bytes): the first
    notification crossed the link during the collection."""
    inst = _instance(dut)
    with expect.supporting(f"read {inst} to learn which of its resources the device implements", "int-901"):
        held = _read(server, dut, inst, "ETS int-910")
    if not _counters(held, inst):
        expect.not_applicable(f"the device implements none of the counters {inst}/0..5 ({C9} lists them all)")
    if P(f"{inst}/{PERIOD}") in held:
        dut.configure({f"{inst}/{PERIOD}": 0}, why=f"ETS int-910 step 2 ({C9}: /7/0/8 = 0)",
                      content_format=dut.value_format())
    pmin, pmax = periods(timing)
    obs = observe(server, dut, inst, pmin=pmin, pmax=pmax)
    _coherent(expect.decodes(obs.first), dut, inst, "the Observe answer")
    _execute(server, dut, f"{inst}/{START}", "ETS int-910 step 4 (Start)")
    notes = collect(obs, 2, pmax, timing, f"notification of {inst}")
    counts = [_coherent(notified(obs, n), dut, inst, f"notification {i + 1}") for i, n in enumerate(notes)]
    check_periods(obs, notes, timing, pmin=pmin, pmax=pmax)
    _execute(server, dut, f"{inst}/{STOP}", "ETS int-910 step 7 (Stop)")
    server.cancel_observation(obs, mode="get")
    if MAX_SIZE in counts[-1]:
        expect.true(counts[-1][MAX_SIZE] > 0, f"{inst}/{MAX_SIZE} Max Message Size in notification 2",
                    "above 0 (notification 1 went out during the collection)", counts[-1][MAX_SIZE],
                    clause=f"ETS int-910: notifications with the updated statistics; {DEF7}, resource 4")
