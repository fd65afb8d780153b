"""Bearer Selection (/13): a Server makes the device change bearer, and the device tells it its new address.

OMA ETS connectivity-management case CONMGMT-int-1350 (Bearer Selection; OMA-ETS-LightweightM2M_INT-V1_2-20231003-A
§6.7.3.4.1, configuration C.10; paraphrased in ../shared/reference/oma-ets-cases.md §1.7).  C.10 is a device with a
cellular interface (/10, /11) and a WLAN interface (/12, switched off).  The ETS writes the Preferred Communications
Bearer (/13/x/0; OMNA 13.xml: 7 = WLAN preferred, 1 = 3GPP PS preferred), and each time the device changes bearer
and sends an Update from its new address; the pass criterion is that the Bearer Selection object lets the Server
control the interface the client talks over.  The device's own facts are used: the Bearer Selection instance it
registered (the ETS Creates /13/0 when there is none), and which interfaces it has: the objects of C.10 (/10,
/12) or the Available Network Bearer it reports (/4/x/1, 4.xml: 0..20 cellular, 21 WLAN).  A device without both
interfaces cannot show a change of bearer, so the case is not applicable to it.

Step 4 is the one check the ETS spells out beyond the Updates: after the switch to WLAN the Server reads the WLAN
Connectivity object (/12/0 in C.10) and "the interface shall be enabled and running", verified by its Enable and
Status resources (OMNA 12.xml: resource 1 Enable, true = enabled; resource 3 Status, 1 = UP (OK)).  It runs on a
device that registered /12 (C.10 has it), on each WLAN instance the device registered: one of them is the
interface it now talks over.  A device that shows its WLAN only in /4/x/1 has no /12 to read, so step 4 does
not apply to it and the other steps still do.
"""

from __future__ import annotations

from typing import Any, Callable

from meterproof.fixtures import P, codes, ets, expect
from meterproof.errors import TimeoutError_
from meterproof.fixtures.device import Dut, peer_address

BEARER = 13
PREFERRED = 0
#: Preferred Communications Bearer codes (13.xml resource 0) the ETS writes.
WLAN, PS = 7, 1
#: Available Network Bearer codes (4.xml resource 1): 0..20 cellular, 21 WLAN.
CELLULAR_CODES, WLAN_CODE = range(0, 21), 21
C10 = "ETS configuration C.10"
DEF = "object definition 13 (Bearer Selection), resource 0 Preferred Communications Bearer"
STEPS = "ETS CONMGMT-int-1350 pass criterion (the Bearer Selection object lets the Server control the interface)"
WLAN_OBJ = 12
#: WLAN connectivity resources step 4 verifies (12.xml): 1 Enable (Boolean), 3 Status (0 Disabled, 1 UP, 2 Error).
ENABLE, STATUS, UP = 1, 3, 1
STEP4 = ("OMA-ETS-LightweightM2M_INT-V1_2-20231003-A §6.7.3.4.1 (ETS 1.0.1 CONMGMT-1.0-int-1350) step 4: the Server "
         "reads /12/0; the interface shall be enabled and running, verified by its Enable and Status resources")
WLAN_DEF = "object definition 12 (WLAN connectivity): resource 1 Enable true = enabled, resource 3 Status 1 = UP (OK)"


def _interfaces(server: Any, dut: Dut) -> set[str]:
    """The interfaces the device shows: "cellular" (/10, or a cellular code in /4/x/1) and "wlan" (/12, or 21)."""
    found = set()
    if dut.instances(10):
        found.add("cellular")
    if dut.instances(WLAN_OBJ):
        found.add("wlan")
    for iid in dut.instances(4):
        r = server.read(dut.endpoint, f"/4/{iid}/1")
        if r.code != codes.CONTENT or r.decode_error is not None:
            continue                      # the device does not tell: only its objects count
        codes_seen = {v for v in expect.decodes(r).values() if isinstance(v, int)}
        if codes_seen & set(CELLULAR_CODES):
            found.add("cellular")
        if WLAN_CODE in codes_seen:
            found.add("wlan")
    return found


def _switch(server: Any, dut: Dut, request: Callable[[], Any], answer: Any, what: str, timing: Any,
            step: str) -> tuple[str, int]:
    """Send ``request`` (a Write or Create of the preferred bearer), expect ``answer``, then wait for an Update
    from another address than the one the device talked from; returns the new address."""
    before = dut.address
    mark = server.mark()
    expect.code(request(), answer, clause=f"ETS int-1350 {step}; OMA TS Core 1.1 §5.4.3 Write, §5.4.6 Create")
    within = timing.reaction
    try:
        ev = server.wait_event("updated", dut.endpoint, since=mark, timeout=within,
                               where=lambda e: peer_address(e["remote"]) != before)
    except TimeoutError_:
        others = server.events("updated", dut.endpoint, since=mark)
        expect.fail(f"an Update from a new address after {what}",
                    f"an Update from an address other than {before[0]}:{before[1]} within {within:.1f}s",
                    f"{len(others)} Update(s), all from {before[0]}:{before[1]}" if others else "no Update",
                    clause=f"{STEPS}, steps 3 and 6 (the client changes bearer and sends an Update from its new "
                    f"address); {DEF}: the client uses the preferred bearer first when it is available")
        raise
    return peer_address(ev["remote"])


def _wlan_running(server: Any, dut: Dut) -> None:
    """Step 4: read each WLAN Connectivity instance the device registered (2.05); pass when one of them, the
    interface the device now talks over, is enabled (/12/y/1 true) and running (/12/y/3 = 1, UP)."""
    seen = []
    for y in dut.instances(WLAN_OBJ):
        r = server.read(dut.endpoint, f"/{WLAN_OBJ}/{y}")
        expect.code(r, codes.CONTENT, clause=f"{STEP4}; OMA TS Core 1.1 §5.4.1 Read")
        values = expect.decodes(r, clause=STEP4)
        enable = values.get(P(f"/{WLAN_OBJ}/{y}/{ENABLE}"), "absent")
        status = values.get(P(f"/{WLAN_OBJ}/{y}/{STATUS}"), "absent")
        if enable is True and status == UP:
            return
        seen.append(f"/{WLAN_OBJ}/{y}: Enable {enable!r}, Status {status!r}")
    expect.fail("the WLAN interface after the switch to WLAN",
                f"an instance with Enable (/{WLAN_OBJ}/y/{ENABLE}) true and Status (/{WLAN_OBJ}/y/{STATUS}) {UP} (UP)",
                "; ".join(seen), clause=f"{STEP4}; {WLAN_DEF}")


@ets("LightweightM2M-CONMGMT-1.1-int-1350", "Bearer Selection")
def test_int_1350_bearer_selection(server, dut, timing, transcript):
    """C.10: the device registered /13 and has a cellular and a WLAN interface (/10 and /12, or both kinds in
    Available Network Bearer /4/x/1), else not applicable.  1. Write /13/x/0 = [7] (WLAN preferred; the ETS
    Creates /13 when the device has no instance): 2.04 (2.01).  3. Pass: an Update arrives from a new address.
    4. GET /12/y, each registered WLAN instance (when the device has /12): 2.05; Pass: one of them has Enable
    /12/y/1 = true and Status /12/y/3 = 1 (UP).  5. Write /13/x/0 = [1] (3GPP PS preferred): 2.04.  6. Pass: an
    Update arrives from an address other than the WLAN one.  7. GET /10/z (when the device has /10): 2.05.
    The device's own preference list is written back at the end (inconclusive when that fails); an instance the
    case created is deleted."""
    dut.requires_object(BEARER, C10)
    have = _interfaces(server, dut)
    if have != {"cellular", "wlan"}:
        expect.not_applicable(f"the device shows no {' and no '.join(sorted({'cellular', 'wlan'} - have))} "
                              f"interface ({C10} presumes both: /10 and /12), so it has no bearer to change to")
    selections = dut.instances(BEARER)
    created = not selections
    iid = selections[0] if selections else 0
    path = f"/{BEARER}/{iid}/{PREFERRED}"
    original: dict[Any, Any] | None = None
    if not created:
        dut.require(path, why="ETS int-1350 steps 1 and 5 write")
        g = server.read(dut.endpoint, path)
        if g.code == codes.CONTENT:
            original = dict(expect.decodes(g))
    try:
        fmt = dut.instance_format()
        if created:
            wlan = _switch(server, dut, lambda: server.create(dut.endpoint, f"/{BEARER}", {P(f"{path}/0"): WLAN},
                                                              content_format=fmt),
                           codes.CREATED, f"Create /{BEARER} with {path} = WLAN preferred", timing, "steps 1-3")
        else:
            wlan = _switch(server, dut, lambda: server.write(dut.endpoint, path, {P(f"{path}/0"): WLAN},
                                                             content_format=fmt),
                           codes.CHANGED, f"{path} = WLAN preferred", timing, "steps 1-3")
        if dut.instances(WLAN_OBJ):
            _wlan_running(server, dut)
        _switch(server, dut, lambda: server.write(dut.endpoint, path, {P(f"{path}/0"): PS}, content_format=fmt),
                codes.CHANGED, f"{path} = 3GPP PS preferred", timing, "steps 5-6")
        expect.true(dut.address != wlan, "the address the device talks from after 3GPP PS preferred",
                    f"not the WLAN one, {wlan[0]}:{wlan[1]}", "the WLAN one", clause=f"{STEPS}, step 6")
        if dut.instances(10):
            r = server.read(dut.endpoint, f"/10/{dut.instances(10)[0]}")
            expect.code(r, codes.CONTENT, clause="ETS int-1350 step 7; OMA TS Core 1.1 §5.4.1 Read")
    except BaseException:
        _restore(server, dut, path, original, created)
        raise
    why = _restore(server, dut, path, original, created)
    if why:
        expect.inconclusive(f"restoring {path} to the device's own preference", "the ETS Write/Delete cases", why)


def _restore(server: Any, dut: Dut, path: str, original: dict[Any, Any] | None, created: bool) -> str:
    """Put the device's preference back (or delete the instance the case created); what went wrong, or ""."""
    if created:
        r = server.delete(dut.endpoint, path.rsplit("/", 1)[0])
        return "" if r.code == codes.DELETED else f"Delete answered {r.code}"
    if original is None:
        return ""                         # the device had no preference list to give back
    r = server.write(dut.endpoint, path, original, content_format=dut.instance_format())
    return "" if r.code == codes.CHANGED else f"Write answered {r.code}"
