"""OMA ETS Multi-Servers cases (int-950, int-951): one device, two LwM2M Server accounts.

Source of the steps and pass criteria: OMA-ETS-LightweightM2M_INT-V1_2-20231003-A § Multi-Servers (paraphrased in
shared/reference/oma-ets-cases.md §1.6; configuration C.14: two server accounts and Access Control).  Clauses: TS
Core 1.1 §6.2 (the client registers with each LwM2M Server it has an account for; TS 1.0 §5.3), §5.1.2 / §6.4
(notification attributes are per server), §7.3 (Access Control with more than one server account).

C.14 is provisioned through the bootstrap interface by :mod:`meterproof.fixtures.two_servers` with Short Server
IDs the harness chooses (the ETS's 1 and 2 are examples); every instance is found on the device by SSID.  A
device that cannot be bootstrapped by meterproof (a program or a meter started as it is) is not applicable.
Deviation, written down: int-951's attribute values are the ETS's (pmin 2 / pmax 10 and pmin 15 / pmax 50);
each server is granted Read on /3/0 (its Access Control instance, owned by the first server) so that a device
enforcing Access Control answers both, as C.14 intends.
"""

from __future__ import annotations

from meterproof.fixtures import codes, ets, expect
from meterproof.fixtures.two_servers import R, Grant, two_servers
from meterproof.lwm2m.formats import link as linkformat

#: The Short Server IDs of the two accounts (any 1..65534 would do: the cases read everything back by SSID).
SSIDS = (11, 12)
#: FORBIDDEN objects in a Register object list, per the registered version (as int-101).
FORBIDDEN_IN_OBJECT_LIST = {"1.0": (0,), "1.1": (0, 21), "1.2": (0, 21, 23)}


def _clause(version: str) -> str:
    return ("OMA TS 1.0 §5.3.1 Register (one per LwM2M Server account)" if version == "1.0" else
            "OMA TS Core 1.1 §6.2 Client Registration Interface: the client registers with each LwM2M Server it "
            "has an account for")


@ets("LightweightM2M-1.1-int-950", "Multi-Servers Registration")
def test_int_950_multi_server_registration(server, bootstrap_server, dut_factory, security_run, timing, transcript):
    """C.14: two server accounts S#1 and S#2 (Bootstrap-Server provisioned).  1. C registers with S#1.
    2. C registers with S#2.  Pass: each server receives an int-101-style Register (ep = the device's endpoint name,
    lwm2m = its declared version, an object list with /1 and /3 and never /0) and answers 2.01."""
    both = two_servers(server, bootstrap_server, dut_factory, security_run, timing, ssids=SSIDS,
                       registration_judged_by=None)
    declared = dut_factory.dut(both.dev).profile.lwm2m_version
    for ssid in SSIDS:
        reg = both.registrations[ssid]
        q = reg.query.params
        expect.equal(q.get("ep"), both.endpoint, f"Register 'ep' to the server of SSID {ssid}",
                     clause=_clause(declared))
        expect.equal(reg.lwm2m_version if "lwm2m" in q or declared == "1.0" else "(absent)", declared,
                     f"Register 'lwm2m' to the server of SSID {ssid}", clause=_clause(declared))
        objects = reg.objects.objects
        expect.true(1 in objects and 3 in objects, f"object list of the Register to the server of SSID {ssid}",
                    "holds /1 and /3", sorted(objects), clause=_clause(declared))
        for oid in FORBIDDEN_IN_OBJECT_LIST.get(declared, (0,)):
            expect.true(oid not in objects, f"/{oid} in the object list of the Register to the server of SSID {ssid}",
                        "absent", "present", clause="OMA TS Core 1.1 §6.2.1 (never the Security object)")


def _discovered(result) -> dict[str, dict[str, str | None]]:  # type: ignore[no-untyped-def]
    try:
        return {lk.target: lk.params for lk in linkformat.parse(bytes(result.payload))}
    except Exception as exc:
        expect.fail("Discover /3/0 payload", "CoRE link format", f"{bytes(result.payload)[:120]!r} ({exc})")
        raise  # unreachable


@ets("LightweightM2M-1.1-int-951", "Multi-Servers & Attributes")
def test_int_951_attributes_per_server(server, bootstrap_server, dut_factory, security_run, timing, transcript):
    """C.14, int-950 passed.  1. S#1 Write-Attributes /3/0?pmin=2&pmax=10: 2.04.  2. S#2 Write-Attributes
    /3/0?pmin=15&pmax=50: 2.04.  3. S#1 Discover /3/0: 2.05, </3/0>;pmin=2;pmax=10.  4. S#2 Discover /3/0: 2.05,
    </3/0>;pmin=15;pmax=50.  Pass: each server sees only its own attributes (TS Core 1.1 §5.1.2: "Notification
    attributes ... are per Server"; the value of another server never shows)."""
    s1, s2 = SSIDS
    both = two_servers(server, bootstrap_server, dut_factory, security_run, timing, ssids=SSIDS,
                       grants=[Grant("/3/0", s1, {s2: R})])
    ep = both.endpoint
    wanted = {s1: {"pmin": "2", "pmax": "10"}, s2: {"pmin": "15", "pmax": "50"}}
    for ssid in SSIDS:
        with expect.supporting(f"Write-Attributes /3/0 by the server of SSID {ssid}",
                               "int-310 (Write-Attributes on an Object Instance)"):
            expect.code(both.server(ssid).write_attributes(ep, "/3/0", {k: int(v) for k, v in wanted[ssid].items()}),
                        codes.CHANGED)
    clause = ("OMA TS Core 1.1 §5.1.2 / §6.4: notification attributes are per LwM2M Server; ETS int-951 pass "
              "criteria")
    for ssid in SSIDS:
        r = both.server(ssid).discover(ep, "/3/0")
        with expect.supporting(f"Discover /3/0 by the server of SSID {ssid}", "int-203 (Discover)"):
            expect.code(r, codes.CONTENT)
        params = _discovered(r).get("/3/0", {})
        got = {k: (params.get(k) or "").strip('"') or None for k in ("pmin", "pmax")}
        expect.equal(got, wanted[ssid], f"attributes of </3/0> in the Discover of the server of SSID {ssid}",
                     clause=clause)
