"""APN Connection Profile (/11) with Cellular Connectivity (/10): a Server adds an APN and enables it.

OMA ETS connectivity-management case CONMGMT-int-1250 (APN configuration; OMA-ETS-LightweightM2M_INT-V1_2-20231003-A
§6.7.3.2.1, configuration C.10; paraphrased in ../shared/reference/oma-ets-cases.md §1.7).  The device's own ids
are used: the Cellular Connectivity instance it registered, an APN instance id it does not use yet, and the Server
instance serving us (by SSID).  Errata (fixtures/errata.py): step 2 executes the Registration Update Trigger /1/x/8
(the ETS names "resource 7 of the Device object"); step 5 reads /10/x/11 (the 1.0.1 text prints /10/11).
Activated Profile Names (/10/x/11) links "every APN connection profile that has an activated PDN connection"
(OMNA 10.xml), so an enabled profile is listed once the device activated it.
"""

from __future__ import annotations

from typing import Any

from meterproof.fixtures import CF, P, codes, errata, ets, expect, requires
from meterproof.lwm2m.values import ObjLnk

PROFILE_NAME, APN, ENABLE, AUTH = 0, 1, 3, 4
UPDATE_TRIGGER = 8
#: The second APN the case creates (Authentication Type 3: none); not enabled on creation (the ETS's step 1).
NEW_APN = {PROFILE_NAME: "meterproof-test-apn", APN: "test.meterproof.invalid", ENABLE: False, AUTH: 3}
C10 = "ETS configuration C.10"
DEF = "object definitions 10 and 11 (Cellular Connectivity, APN Connection Profile)"


@ets("LightweightM2M-CONMGMT-1.1-int-1250", "APN Configuration")
@requires(content_format=CF.TLV)
def test_int_1250_apn_configuration(server, dut, timing, transcript):
    """C.10: the device registered /10 and /11 with an instance, and its APN profiles have Enable status (11/x/3)
    (else not applicable).  1. Create /11/n (n: an instance id the device does not use; Profile name, APN, Enable
    status false, Authentication Type none, in the multi-value format the device takes): 2.01.
    2. Execute /1/x/8 (Registration Update Trigger, erratum): 2.04.  3. Pass: an Update arrives and the object list
    the Server holds lists /11/n.  4. PUT /11/n/3 = true: 2.04.  5. GET /10/y/11 with Accept TLV: Pass: 2.05 with a
    link 11:n.  The created instance is deleted at the end."""
    dut.requires_object(10, C10)
    dut.requires_object(11, C10)
    cells, apns = dut.instances(10), dut.instances(11)
    if not cells or not apns:
        expect.not_applicable(f"the device registered /10 or /11 without an instance ({C10} presumes /10/0, /11/0)")
    activated = f"/10/{cells[0]}/11"
    dut.require(f"/11/{apns[0]}/{ENABLE}", why=f"{C10} (/11/0/3 Enable status) presumes")
    errata.apply("int-1250-trigger")
    errata.apply("int-1250-path")
    new = next(i for i in range(1, 65535) if i not in apns)
    inst = f"/11/{new}"
    r = server.create(dut.endpoint, "/11", {P(f"{inst}/{rid}"): v for rid, v in NEW_APN.items()},
                      content_format=dut.instance_format())
    expect.code(r, codes.CREATED, clause="ETS int-1250 step 1; OMA TS Core 1.1 §5.4.6 Create")
    try:
        mark = server.mark()
        t = server.execute(dut.endpoint, dut.server_path(UPDATE_TRIGGER))
        expect.code(t, codes.CHANGED, clause="ETS int-1250 step 2; OMA TS Core 1.1 §5.4.5 Execute, Appendix E.2")
        expect.event(server, "updated", dut.endpoint, since=mark, timeout=timing.reaction,
                     what="Update after the Registration Update Trigger", clause="ETS int-1250 step 3; OMA TS Core "
                     "1.1 §6.2.2 Update")
        expect.true(new in dut.instances(11), f"{inst} in the object list the Server holds after the Update",
                    "listed", ", ".join(f"/11/{i}" for i in dut.instances(11)),
                    clause="ETS int-1250 step 3 (the Server stores the updated object list); OMA TS Core 1.1 §6.2.2 "
                    "(the Update carries the object list when it changed)")
        w = server.write(dut.endpoint, f"{inst}/{ENABLE}", True, content_format=dut.value_format())
        expect.code(w, codes.CHANGED, clause="ETS int-1250 step 4; OMA TS Core 1.1 §5.4.3 Write")
        g = server.read(dut.endpoint, activated, accept=CF.TLV)
        expect.code(g, codes.CONTENT, clause="ETS int-1250 step 5; OMA TS Core 1.1 §5.4.1 Read")
        links = [v for k, v in expect.decodes(g).items() if k.truncate(3) == P(activated)]
        expect.true(ObjLnk(11, new) in links, f"{activated} Activated Profile Names after enabling {inst}",
                    f"a link 11:{new}", ", ".join(f"{lk.object_id}:{lk.instance_id}" for lk in links) or "none",
                    clause=f"ETS int-1250 step 5 (the list contains the new profile); {DEF}: 10/11 links every "
                    "profile with an activated PDN connection, 11/3 enables a profile")
    finally:
        server.delete(dut.endpoint, inst)
