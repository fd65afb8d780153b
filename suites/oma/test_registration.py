"""OMA ETS Client Registration interface cases (int-101 .. int-111) and meterproof's lifetime case.

Source of the steps and pass criteria: OMA-ETS-LightweightM2M_INT-V1_2-20231003-A
§ Registration (paraphrased in ../shared/reference/oma-ets-cases.md §1.2);
operation rules from OMA TS Core 1.1 §6.2 and TS Transport 1.1 §6.2.
"""

from __future__ import annotations

from fixtures import CF, codes, dut_config, errata, ets, expect, mp, requires

FORBIDDEN_IN_OBJECT_LIST = {"1.0": (0,), "1.1": (0, 21), "1.2": (0, 21, 23)}


def _set_lifetime(server, dut, seconds: int):  # type: ignore[no-untyped-def]
    """Write /1/0/1 and return (write result, event mark taken before the write)."""
    mark = server.mark()
    return server.write(dut.endpoint, "/1/0/1", seconds, content_format=CF.TEXT), mark


@ets("LightweightM2M-1.1-int-101", "Initial Registration")
def test_int_101_initial_registration(server, dut, registration, transcript):
    """The client registers with its endpoint name, lifetime, LwM2M version and object list.

    Pass: Register carries ep, lt, lwm2m (the version the device declares) and b (if present, valid);
    the object list has /1 and /3 and never the Security object (/0; 1.1+: nor /21 OSCORE;
    1.2: nor /23); the server answered 2.01 with a location under /rd.
    """
    q = registration.query.params
    expect.equal(q.get("ep"), dut.endpoint, "Register 'ep' query parameter")
    expect.true("lt" in q and (q["lt"] or "").isdigit(), "Register 'lt' query parameter", "an integer",
                repr(q.get("lt")))
    expect.equal(q.get("lwm2m", "(absent)" if dut.lwm2m_version != "1.0" else "1.0"), dut.lwm2m_version,
                 "Register 'lwm2m' query parameter")
    objects = registration.objects
    for oid in (1, 3):
        expect.true(oid in objects.objects, f"object /{oid} in the Register object list", "present",
                    f"absent (list: {sorted(objects.objects)})")
    for oid in FORBIDDEN_IN_OBJECT_LIST[dut.lwm2m_version]:
        expect.true(oid not in objects.objects, f"object /{oid} in the Register object list", "absent",
                    f"present ({', '.join(str(lk.path) for lk in objects.links if lk.path.object_id == oid)})",
                    clause="OMA TS Core 1.1 §6.2.1: the Security object MUST NOT be part of the object list")
    expect.true(registration.location.startswith("/rd/"), "registration location", "under /rd",
                registration.location)


@ets("LightweightM2M-1.1-int-102", "Registration Update")
def test_int_102_registration_update(server, dut, timing, transcript):
    """A new lifetime written to the Server object is announced in a Registration Update.

    1. S writes /1/0/1 = 20: 2.04.  2. C sends Update with lt=20: S answers 2.04.
    """
    lifetime = timing.attr(20)
    r, mark = _set_lifetime(server, dut, lifetime)
    expect.code(r, codes.CHANGED)
    ev = expect.event(server, "updated", dut.endpoint, since=mark, timeout=timing.reaction,
                      what="Registration Update after the lifetime write")
    expect.equal(ev["params"].get("lt"), str(lifetime), "Update 'lt' query parameter")


@mp("MP-REG-LT", "Registration is refreshed before its lifetime expires", epic="Client Registration",
    feature="Registration interface", clause="OMA TS Core 1.1 §6.2.2: the client MUST send an Update "
    "before the lifetime expires")
def test_update_before_lifetime_expiry(server, dut, timing, transcript):
    """With a short lifetime the client Updates before it expires and so never drops out of the directory."""
    lifetime = timing.attr(3)
    r, mark = _set_lifetime(server, dut, lifetime)
    expect.code(r, codes.CHANGED)
    first = expect.event(server, "updated", dut.endpoint, since=mark, timeout=timing.reaction,
                         what="Registration Update after the lifetime write")
    refresh = expect.event(server, ("updated", "expired"), dut.endpoint, since=first.index + 1,
                           timeout=lifetime + timing.late, what="a refreshing Update within the lifetime")
    expect.equal(refresh.kind, "updated", "registration state at the end of the lifetime")


@ets("LightweightM2M-1.1-int-103", "Deregistration")
def test_int_103_deregistration(server, dut, timing, transcript):
    """Executing Disable makes the client de-register.

    1. S executes /1/0/4: 2.04.  2. C sends De-register (DELETE on its location): S answers 2.02.
    """
    links = server.discover(dut.endpoint, "/1/0").links or []
    if not any(lk.target == "/1/0/4" for lk in links):
        expect.not_applicable("the device does not implement the optional Disable resource /1/0/4 "
                              "(ETS configuration C.3 needs it)")
    mark = server.mark()
    r = server.execute(dut.endpoint, "/1/0/4")
    expect.code(r, codes.CHANGED)
    expect.event(server, "deregistered", dut.endpoint, since=mark, timeout=timing.reaction,
                 what="De-register after Disable")


@ets("LightweightM2M-1.1-int-104", "Registration Update Trigger")
def test_int_104_registration_update_trigger(server, dut, timing, transcript):
    """Executing Registration Update Trigger makes the client send an Update without parameters.

    1. S executes /1/0/8: 2.04.  2. C sends Update with no query parameters: 2.04.
    """
    mark = server.mark()
    r = server.execute(dut.endpoint, "/1/0/8")
    expect.code(r, codes.CHANGED)
    ev = expect.event(server, "updated", dut.endpoint, since=mark, timeout=timing.reaction,
                      what="Registration Update after the trigger")
    expect.equal(ev["params"], {}, "Update query parameters (none expected: nothing changed)")


@ets("LightweightM2M-1.1-int-105", "Discarded Register Update")
@requires(lwm2m="1.1")
def test_int_105_discarded_register_update(server, dut, timing, transcript):
    """When the server has lost the registration, the Update gets 4.04 and the client registers anew.

    1. S forgets the registration.  2. C's next Update is answered 4.04.  3. C sends Register: 2.01.
    """
    errata.apply("resource-write-is-put")
    server.lt.call(server.aio.forget_at_next_update, dut.endpoint)
    mark = server.mark()
    r = server.execute(dut.endpoint, "/1/0/8")
    expect.code(r, codes.CHANGED)
    expect.event(server, "update-unknown", None, since=mark, timeout=timing.reaction,
                 what="the Update the server answers with 4.04")
    expect.event(server, "registered", dut.endpoint, since=mark, timeout=timing.reaction,
                 what="a new Register after the 4.04 answer to the Update")


@ets("LightweightM2M-1.1-int-108", "Turn on Queue Mode")
@requires(lwm2m="1.1", feature="queue-mode")
@dut_config(queue_mode=True)
def test_int_108_queue_mode(server, dut, registration, transcript):
    """A client configured for queue mode says so when it registers (1.1+: the valueless Q parameter).

    Pass: Register 2.01 and the server treats the client as queue mode.
    """
    q = registration.query.params
    expect.true("Q" in q and q["Q"] is None, "Register 'Q' query parameter", "present, without a value",
                repr(q.get("Q", "(absent)")), clause="OMA TS Core 1.1 §6.2.1 Table 6.2.1-1 (Queue Mode)")
    expect.true(registration.queue_mode, "queue mode in the registration", True, registration.queue_mode)
