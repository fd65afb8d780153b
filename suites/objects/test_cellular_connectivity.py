"""Cellular Connectivity object (/10): reading it, its version 1.1 power saving resources, and observing its timers.

OMA ETS additional-object cases int-1200 .. int-1204 (OMA-ETS-LightweightM2M_INT-V1_2-20231003-A §6.7.3.1.1-5,
configurations C.10 and C.11; the 1.0.1 ETS numbers int-1202 and int-1203 as int-1210 and int-1230; paraphrased
in ../shared/reference/oma-ets-cases.md §1.7).  The instance is the one the device registered; C.11 (object 10
version 1.1) is what the device's Register says (``</10>;ver=1.1``), never assumed.  Errata (fixtures/errata.py):
the expected Discover lists ``</10/0/6>``, which version 1.1 does not define, so a Discover must list the
instance and every resource the device's Read returns; int-1202's TLV bytes are sent corrected (``C1 0E 02``);
int-1204 observes 4, 5, 8, 9 as its pass criteria say.  Values are judged by the object definition (OMNA 10.xml):
the eDRX resources are "encoded as octet 3" of the 3GPP TS 24.008 §10.5.5.32 information element, one byte.
"""

from __future__ import annotations

from typing import Any

from meterproof.fixtures import CF, P, codes, errata, ets, expect, requires
from meterproof.fixtures.observation import check_periods, collect, observe, periods
from meterproof.lwm2m.values import ValueTree

ACTIVE_PSM, RAI = 13, 14
EDRX = (7, 8, 9, 10)
TIMERS = (4, 5, 8, 9)
#: int-1202: 1210-SetOfValues, /10/x/14 = 2 in TLV (corrected: resource 14, 8-bit id, length 1, value 2).
RAI_TLV, RAI_VALUE = bytes.fromhex("C10E02"), 2
DEF10 = "object definition 10 (LwM2M Cellular Connectivity)"
C10, C11 = "ETS configuration C.10", "ETS configuration C.11 (object 10 version 1.1)"


def _instance(dut: Any, config: str = C10) -> str:
    dut.requires_object(10, config)
    listed = dut.instances(10)
    if not listed:
        expect.not_applicable(f"the device registered /10 without an instance ({config} presumes /10/0)")
    return f"/10/{listed[0]}"


def _version_1_1(dut: Any) -> str:
    inst = _instance(dut, C11)
    if dut.object_version(10) != "1.1":
        expect.not_applicable(f"the device registered /10 at version {dut.object_version(10)}; {C11} presumes "
                              "</10>;ver=1.1")
    return inst


def _read_tlv(server: Any, dut: Any, path: str, what: str) -> ValueTree:
    r = server.read(dut.endpoint, path, accept=CF.TLV)
    expect.code(r, codes.CONTENT, clause=f"{what}; OMA TS Core 1.1 §5.4.1 Read")
    expect.content_format(r, CF.TLV, clause=f"{what}: Accept TLV")
    return expect.decodes(r)


def _consistent(values: ValueTree, dut: Any, inst: str, what: str) -> None:
    """Complete per the definition (types, ranges, the mandatory 11) and each eDRX value one octet."""
    expect.has_mandatory_resources(values, dut, obj=10)
    for rid in EDRX:
        v = values.get(P(f"{inst}/{rid}"))
        if v is not None:
            expect.true(isinstance(v, bytes) and len(v) == 1, f"{what}: {inst}/{rid} eDRX parameters",
                        "one octet (octet 3 of the Extended DRX parameters IE)", repr(v),
                        clause=f"{DEF10}, resources 7-10; 3GPP TS 24.008 §10.5.5.32")


def _discover(server: Any, dut: Any, inst: str, what: str, *, version: bool, paths: tuple[str, ...]) -> set[str]:
    """Discover /10: 2.05 listing </10> (with the registered ver= when ``version``), the instance and ``paths``;
    returns every target it lists."""
    r = server.discover(dut.endpoint, "/10")
    expect.code(r, codes.CONTENT, clause=f"{what}; OMA TS Core 1.1 §5.4.2 Discover")
    links = {lk.target: lk for lk in (r.links or [])}
    expect.true("/10" in links, f"{what}: </10> in Discover /10", "listed", ", ".join(links) or r.decode_error)
    if version:
        ver = str(links["/10"].params.get("ver") or "").strip('"')
        expect.equal(ver, dut.object_version(10), f"{what}: ver of </10> in Discover /10",
                     clause="OMA TS Core 1.1 §5.4.2 Discover and §6.2.3: the object version, as registered; ETS "
                     "int-1201 expects </10>;ver=\"1.1\"")
    _listed(set(links), (inst, *paths), what)
    return set(links)


def _listed(targets: set[str], paths: tuple[str, ...] | list[str], what: str) -> None:
    for p in paths:
        expect.true(p in targets, f"{what}: <{p}> in Discover /10", "listed", ", ".join(sorted(targets)),
                    clause="OMA TS Core 1.1 §5.4.2 Discover (the object's instances and resources)")


@ets("LightweightM2M-1.1-int-1200", "Cellular Connectivity: Querying the readable resources of object")
@requires(content_format=CF.TLV)
def test_int_1200_cellular_readable(server, dut, transcript):
    """C.10: the device registered /10 (else not applicable).  GET /10/x with Accept TLV.
    Pass: 2.05 in TLV with the mandatory Activated Profile Names (11), every resource of its type and range
    (object definition 10 at the registered version) and each eDRX value one octet."""
    inst = _instance(dut)
    values = _read_tlv(server, dut, inst, "ETS int-1200")
    _consistent(values, dut, inst, f"GET {inst}")


@ets("LightweightM2M-1.1-int-1201", "Cellular Connectivity v1.1: Querying the readable resources of object")
@requires(content_format=CF.TLV)
def test_int_1201_cellular_v11_readable(server, dut, transcript):
    """C.11: the device registered </10>;ver=1.1 (else not applicable).  1. Discover /10: 2.05 listing </10> with
    ver="1.1" and </10/x>.  2. GET /10/x with Accept TLV: 2.05 TLV, consistent as in int-1200.
    Pass: the Discover of step 1 also listed every resource the Read returned (erratum: not C.11's list, which
    names /10/0/6)."""
    inst = _version_1_1(dut)
    errata.apply("int-1201-discover-list")
    listed = _discover(server, dut, inst, "ETS int-1201 step 1", version=True, paths=())
    values = _read_tlv(server, dut, inst, "ETS int-1201 step 2")
    _consistent(values, dut, inst, f"GET {inst}")
    _listed(listed, sorted({str(p.truncate(3)) for p in values if len(p) >= 3}), "ETS int-1201 step 1")


@ets("LightweightM2M-1.1-int-1202", "Cellular Connectivity v1.1: Setting the PSM resources")
@requires(content_format=CF.TLV)
def test_int_1202_cellular_set_rai(server, dut, transcript):
    """C.11: </10>;ver=1.1 with Active Power Saving Modes (13) and Release Assistance Indication Usage (14) (else
    not applicable).  1. Discover /10: 2.05 listing </10>;ver="1.1", </10/x>, </10/x/13>, </10/x/14>.
    2. GET /10/x/13: 2.05, a mode other than 0 (C.11's precondition; 0: not applicable).
    3. PUT /10/x/14 in TLV ``C1 0E 02`` (erratum: the ETS prints C10 0D 02): 2.04.
    4. GET /10/x/14 (TLV): Pass: 2.05 with 2.  The device's value is written back."""
    inst = _version_1_1(dut)
    psm, rai = f"{inst}/{ACTIVE_PSM}", f"{inst}/{RAI}"
    dut.require(psm, rai, why=f"{C11} presumes")
    errata.apply("int-1201-discover-list")
    _discover(server, dut, inst, "ETS int-1202 step 1", version=True, paths=(psm, rai))
    mode = _read_tlv(server, dut, psm, "ETS int-1202 step 2").get(P(psm))
    if mode == 0:
        expect.not_applicable(f"{psm} Active Power Saving Modes is 0; {C11} presumes a mode in use")
    with expect.supporting(f"read {rai} to write it back after", "int-1200 (Read of /10)"):
        saved = _read_tlv(server, dut, rai, "ETS int-1202").get(P(rai))
    errata.apply("int-1202-tlv")
    w = server.write(dut.endpoint, rai, payload=RAI_TLV, content_format=CF.TLV)
    expect.code(w, codes.CHANGED, clause="ETS int-1202 step 3; OMA TS Core 1.1 §5.4.3 Write")
    if isinstance(saved, int):
        dut.restore_later(rai, saved, CF.TLV)
    back = _read_tlv(server, dut, rai, "ETS int-1202 step 4")
    expect.value(back, rai, RAI_VALUE, clause=f"ETS int-1202: the written value; {DEF10}, resource 14")


def _observe_each(server: Any, dut: Any, timing: Any, paths: list[str]) -> None:
    """Write-Attributes pmin=1&pmax=2 (scaled) and Observe on each path; Pass: each one notifies within pmax,
    never before pmin."""
    pmin, pmax = periods(timing)
    observations = [observe(server, dut, p, pmin=pmin, pmax=pmax) for p in paths]
    for p, obs in zip(paths, observations):
        notes = collect(obs, 1, pmax, timing, f"notification of {p}")
        check_periods(obs, notes, timing, pmin=pmin, pmax=pmax)


@ets("LightweightM2M-1.1-int-1203", "Cellular Connectivity v1.1: Observation of the PSM resources")
def test_int_1203_cellular_observe_psm(server, dut, timing, transcript):
    """C.11: </10>;ver=1.1 with resources 13 and 14 (else not applicable).  1. Discover /10: 2.05 listing
    </10>;ver="1.1", </10/x/13>, </10/x/14>.  2. Write-Attributes /10/x/13 and /10/x/14 with pmin=1&pmax=2 (the
    ETS's 5/15 s and 10/20 s scaled down; a SHOULD: refused, not applicable): 2.04 each.  3. Observe both: 2.05.
    Pass: each notifies regularly: a notification within pmax (+ margin), never before pmin (the values do not
    change on their own: it is pmax that brings them)."""
    inst = _version_1_1(dut)
    paths = [f"{inst}/{ACTIVE_PSM}", f"{inst}/{RAI}"]
    dut.require(*paths, why=f"{C11} presumes")
    errata.apply("int-1201-discover-list")
    _discover(server, dut, inst, "ETS int-1203 step 1", version=True, paths=tuple(paths))
    _observe_each(server, dut, timing, paths)


@ets("LightweightM2M-1.1-int-1204", "Cellular Connectivity: Observation of the timers")
def test_int_1204_cellular_observe_timers(server, dut, timing, transcript):
    """C.10: the device registered /10 with at least one of PSM Timer (4), Active Timer (5), eDRX WB-S1 (8) and
    NB-S1 (9) (else not applicable; those it lacks are left out).  1. Discover /10: 2.05 listing </10>, </10/x> and
    the timers.  2. Write-Attributes pmin=1&pmax=2 on each (the ETS's 5/15 and 10/20 s scaled down; a SHOULD):
    2.04.  3. Observe each (erratum: 4, 5, 8, 9, not 4, 5, 9, 10): 2.05.
    Pass: each notifies regularly: within pmax (+ margin), never before pmin."""
    inst = _instance(dut)
    paths = [f"{inst}/{rid}" for rid in TIMERS if dut.has(f"{inst}/{rid}")]
    if not paths:
        expect.not_applicable(f"the device implements none of {inst}/4, /5, /8, /9 ({C10} lists them)")
    errata.apply("int-1204-ids")
    _discover(server, dut, inst, "ETS int-1204 step 1", version=False, paths=tuple(paths))
    _observe_each(server, dut, timing, paths)
