"""OMA ETS Client Registration interface cases (int-101 .. int-111; 1.2: int-110, int-111 Profile ID) and
meterproof's lifetime case.

Source of the steps and pass criteria: OMA-ETS-LightweightM2M_INT-V1_2-20231003-A
§ Registration (paraphrased in ../shared/reference/oma-ets-cases.md §1.2);
operation rules from OMA TS Core 1.1 §6.2 and TS Transport 1.1 §6.2 (1.0: TS 1.0 §5.3).

The ETS writes ``/1/0/x``; a device numbers its Server Object instances as it likes, so every case works
on the instance that serves this Server (``dut.server_path``, found by Short Server ID on the device).
Values the device holds (lifetime, binding) are read from it and, on devices that outlive a case, put back.
"""

from __future__ import annotations

from meterproof.errors import TimeoutError_
from meterproof.fixtures import CF, P, codes, dut_config, errata, ets, expect, mp, requires
from meterproof.fixtures.security import transport
from meterproof.lwm2m.registration import canonical_version

#: Objects a Register's object list must not hold, per registered LwM2M version: TS 1.0 §5.3.1 and TS Core
#: 1.1 §6.2.1 (Security /0; 1.1 adds OSCORE /21), TS Core 1.2 §6.2.1 (also COSE /23).
FORBIDDEN_IN_OBJECT_LIST = {"1.0": (0,), "1.1": (0, 21), "1.2": (0, 21, 23)}
LIFETIME, DISABLE, DISABLE_TIMEOUT, UPDATE_TRIGGER = 1, 4, 5, 8
#: The simulator's time runs this much faster in the cases that wait out a lifetime (``dut.clock``; a real device
#: keeps its own time): the ETS's 20 s to 240 s lifetimes then take a second or a few.
CLOCK = 0.02
#: int-109 keeps the ETS's proportions to MAX_TRANSMIT_WAIT (93 s nominal, RFC 7252 §4.8.2): lifetime 240 s,
#: a 120 s wait; its clock leaves the simulator a queue-mode window of a few seconds, wide enough for the harness.
QUEUE_CLOCK, NOMINAL_MTW = 0.06, 93.0


def _clause(dut, core_1_0: str, core_1_1: str) -> str:  # type: ignore[no-untyped-def]
    """The clause of the TS release the device registered with."""
    return core_1_0 if dut.lwm2m_version == "1.0" else core_1_1


def _lifetime(server, dut) -> int:  # type: ignore[no-untyped-def]
    """The device's current lifetime (/1/x/1), read as a supporting step."""
    path = dut.server_path(LIFETIME)
    with expect.supporting(f"read the Lifetime {path}", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, path)
        expect.code(r, codes.CONTENT)
        value = expect.decodes(r).get(P(path))
        expect.true(isinstance(value, int), f"{path} value", "an integer", repr(value))
    return int(value)


def _announced(server, dut, timing, mark: int, lifetime: int, what: str, since: float):  # type: ignore[no-untyped-def]
    """The Update announcing the new lifetime: ``lt=<lifetime>`` (TS Core 1.1 §6.2.2), within that lifetime."""
    return expect.update_carrying(server, dut.endpoint, {"lt": str(lifetime)}, since=mark, at=since,
                                  within=max(timing.reaction, lifetime + timing.late), promptly=timing.reaction,
                                  what=what)


def _unprompted_update(params: dict[str, str | None], lifetime: int, what: str, criterion: str) -> None:
    """Judge the parameters of an Update nothing had changed before (a refresh, a triggered Update).

    The ETS wants none (``criterion``); the TS lets Lifetime be present if it matches the current value (a MUST:
    a different lt fails) and describes the refresh as parameterless (repeated current values: a warning), as the
    erratum ``update-repeats-parameters`` records."""
    if "lt" in params:
        expect.equal(params["lt"], str(lifetime), f"lt in the {what} (the current Lifetime)",
                     clause="OMA TS Core 1.1 §6.2: the parameter Lifetime, if present, MUST match the current value "
                            "of the Lifetime resource")
    if params:
        errata.apply("update-repeats-parameters")
        expect.should(False, f"{what} query parameters", "none (nothing changed)",
                      "&".join(k if v is None else f"{k}={v}" for k, v in sorted(params.items())),
                      clause=f"{criterion}; OMA TS Core 1.1 §6.2.2 (extending the lifetime: an Update with no "
                             "parameters)")


def _set_lifetime(server, dut, seconds: int):  # type: ignore[no-untyped-def]
    """Write the Lifetime of the account serving us; returns (write result, event mark and time before the write).
    The device's own lifetime is put back after the case on devices that keep their state."""
    path = dut.server_path(LIFETIME)
    if dut.driver.persistent:
        dut.restore_later(path, _lifetime(server, dut), dut.value_format())
    mark, t0 = server.mark(), server.now()
    return server.write(dut.endpoint, path, seconds, content_format=dut.value_format()), mark, t0


@ets("LightweightM2M-1.1-int-106", "TCP Binding")
@requires(lwm2m="1.1")
@transport("tcp", reason="int-106 registers over TCP (binding T, TS Transport 1.1 §5)")
def test_int_106_tcp_binding(server, dut, registration, transcript):
    """The client registers over TCP: the connection is up, CSMs went both ways, the Register says b=T and got
    2.01 (the registration the server holds).

    Pass (ETS int-106): TCP up; CSM exchanged both ways (RFC 8323 §5.3: each side's first message); Register
    ``b`` holds T (TS Core 1.1 §6.2.1: the binding modes the client supports; T is CoAP over TCP, TS Transport
    1.1 §5); 2.01 Created."""
    peer = server.aio.peer_settings(dut.endpoint)
    expect.true(peer is not None and peer.csm_received, "CSM from the device on the connection it registered over",
                "7.01 CSM received", "none" if peer is None else peer.describe(),
                clause="RFC 8323 §5.3 (each endpoint MUST send a CSM); ETS int-106 pass criteria")
    first = [p for p in peer.problems if "first message" in p]
    expect.true(not first, "first message of the device on the connection", "7.01 CSM", "; ".join(first),
                clause="RFC 8323 §5.3 (the CSM is the first message); ETS int-106 pass criteria")
    expect.true("T" in registration.binding, "Register 'b' query parameter", "includes T (TCP)",
                repr(registration.query.params.get("b", "(absent: U)")),
                clause="OMA TS Core 1.1 §6.2.1 Binding Mode; ETS int-106 pass criteria (POST /rd ... b=T)")
    expect.true(registration.location.startswith("/rd/"), "Register answered 2.01 Created with a Location under /rd",
                "a registration", registration.location)


@ets("LightweightM2M-1.1-int-101", "Initial Registration")
def test_int_101_initial_registration(server, dut, registration, transcript):
    """The client registers with its endpoint name, lifetime, LwM2M version and object list.

    Pass (ETS 1.0.1 and 1.2 §6.2.1): Register carries ep; lt (TS Core 1.1+: required; TS 1.0: optional, 86400 when
    absent: erratum int-101-optional-in-1.0) as an integer; lwm2m = the version the device declares (TS 1.0:
    optional, 1.0 when absent); b, when present, valid for
    that version (the server refuses an invalid one); the object list holds /1 and /3 (unless a 1.2 Profile ID
    stands for them, TS Core 1.2 §6.2.1) and never the Security object /0 (1.1+: nor /21 OSCORE; 1.2: nor /23
    COSE); 2.01 Created (the registration the server holds).
    """
    q = registration.query.params
    v10 = dut.lwm2m_version == "1.0"
    if v10 and not {"lt", "lwm2m"} <= set(q):
        errata.apply("int-101-optional-in-1.0")
    expect.equal(q.get("ep"), dut.endpoint, "Register 'ep' query parameter")
    if "lt" in q or not v10:
        expect.true("lt" in q and (q["lt"] or "").isdigit(), "Register 'lt' query parameter", "an integer",
                    repr(q.get("lt", "(absent)")),
                    clause=_clause(dut, "OMA TS 1.0 §5.3.1 Table 'Register' (Lifetime optional, an integer)",
                                   "OMA TS Core 1.1 §6.2.1 Table 'Registration parameters' (Lifetime required)"))
    expect.should(canonical_version(registration.query), "Register 'lwm2m' query parameter", "the release as the TS "
                  "writes it (major.minor, e.g. 1.1)", repr(q.get("lwm2m")))
    expect.equal(registration.lwm2m_version if "lwm2m" in q or v10 else "(absent)", dut.profile.lwm2m_version,
                 "Register 'lwm2m' query parameter (the version the device declares)",
                 clause=_clause(dut, "OMA TS 1.0 §5.3.1 (LwM2M Version, 1.0 when absent)",
                                "OMA TS Core 1.1 §6.2.1 Table 'Registration parameters' (LwM2M Version required)"))
    expect.should(registration.content_format == CF.LINK or not registration.objects.links, "Content-Format of the "
                  "Register payload", "40 (application/link-format)", registration.content_format,
                  clause="OMA TS Core 1.1 §6.2.1: the payload media type MUST be the CoRE Link Format; RFC 7252 "
                         "§5.10.3 (a payload says what it is)")
    objects = registration.objects
    for oid in (1, 3) if registration.pid is None else ():   # a Profile ID may stand for them (int-110)
        expect.true(oid in objects.objects, f"object /{oid} in the Register object list", "present",
                    f"absent (list: {sorted(objects.objects)})",
                    clause="OMA TS Core 1.1 §6.2.1: the mandatory Server (1) and Device (3) objects MUST be part "
                           "of the registration payload")
    for oid in FORBIDDEN_IN_OBJECT_LIST.get(dut.lwm2m_version, (0,)):
        expect.true(oid not in objects.objects, f"object /{oid} in the Register object list", "absent",
                    f"present ({', '.join(str(lk.path) for lk in objects.links if lk.path.object_id == oid)})",
                    clause=_clause(dut, "OMA TS 1.0 §5.3.1 Register: the Security Object (ID 0) MUST NOT be part "
                                   "of the Registration Objects and Object Instances list",
                                   "OMA TS Core 1.1 §6.2.1: the Security object (and OSCORE, COSE) MUST NOT be part "
                                   "of the object list"))


@ets("LightweightM2M-1.1-int-102", "Registration Update")
@dut_config(clock=CLOCK)
def test_int_102_registration_update(server, dut, timing, transcript):
    """A new lifetime written to the Server object is announced in a Registration Update.

    1. S writes /1/x/1 = 20 (x: the instance serving S): 2.04.  2. C sends Update with lt=20: S answers 2.04.
    3./4. Either C sends an Update without parameters before the 20 s run out, or S de-registers C when they do:
    both pass (the ETS makes the refresh optional; MP-REG-LT is the check that a client refreshes in time), the
    case waits for one of the two.  Erratum ``update-repeats-parameters``: a refreshing Update that repeats lt=20
    (the current Lifetime) is a warning, one carrying another lt fails (TS Core 1.1 §6.2: lt, if present, MUST
    match the Lifetime resource).
    """
    lifetime = timing.attr(20)
    r, mark, t0 = _set_lifetime(server, dut, lifetime)
    expect.code(r, codes.CHANGED)
    first = _announced(server, dut, timing, mark, lifetime, "Registration Update after the lifetime write", t0)
    try:
        end = server.wait_event(("updated", "expired"), dut.endpoint, since=first.index + 1,
                                timeout=lifetime + server.aio.lifetime_grace + timing.late,
                                where=lambda e: e.kind == "expired" or not e["params"])
        upto = end.index
    except TimeoutError_:
        upto = None             # refreshed only by Updates that carry parameters: judged below
    refreshes = [e for e in server.events("updated", dut.endpoint, since=first.index + 1)
                 if upto is None or e.index < upto]
    for e in refreshes:
        # an Update with parameters before the parameterless one or the expiry: lt must still be the current
        # lifetime (MUST); repeating it is the erratum's warning
        _unprompted_update(e["params"], lifetime, "refreshing Update", "ETS int-102 pass criterion 4")


@mp("MP-REG-LT", "Registration is refreshed before its lifetime expires", epic="Client Registration",
    feature="Registration interface", clause="OMA TS Core 1.1 §6.2.2: the client MUST send an Update "
    "before the lifetime expires")
def test_update_before_lifetime_expiry(server, dut, timing, transcript):
    """With a short lifetime the client Updates before it expires and so never drops out of the directory.

    Supporting: S writes /1/x/1 = 3 s (scaled) and the client announces it with lt=3 (int-102 checks that; only
    then does the server hold the short lifetime).  Pass: a further Update before that lifetime runs out."""
    lifetime = timing.attr(3)
    r, mark, t0 = _set_lifetime(server, dut, lifetime)
    with expect.supporting("the lifetime write and the Update announcing it", "int-102"):
        expect.code(r, codes.CHANGED)
        first = _announced(server, dut, timing, mark, lifetime, "Registration Update after the lifetime write", t0)
    refresh = expect.event(server, ("updated", "expired"), dut.endpoint, since=first.index + 1,
                           timeout=lifetime + timing.late, what="a refreshing Update within the lifetime")
    expect.equal(refresh.kind, "updated", "registration state at the end of the lifetime")


@ets("LightweightM2M-1.1-int-103", "Deregistration")
def test_int_103_deregistration(server, dut, timing, transcript):
    """Executing Disable makes the client de-register.

    Configuration C.3 (the optional Disable /1/x/4 exists; else not applicable).
    1. S executes /1/x/4: 2.04.  2. C sends De-register (DELETE on its location): S answers 2.02.
    A device that outlives the case gets a short Disable Timeout /1/x/5 first, so that it comes back.
    """
    dut.require(dut.server_path(DISABLE), why="ETS configuration C.3 (Disable) needs")
    back = dut.driver.persistent and dut.has(dut.server_path(DISABLE_TIMEOUT))
    if dut.has(dut.server_path(DISABLE_TIMEOUT)):
        # C.3 holds Disable Timeout 86400; a device kept across cases gets a short one, so that it comes back
        dut.configure({dut.server_path(DISABLE_TIMEOUT): timing.attr(5) if back else 86400},
                      why="ETS configuration C.3 (Disable Timeout)", content_format=dut.value_format())
    mark = server.mark()
    r = server.execute(dut.endpoint, dut.server_path(DISABLE))
    expect.code(r, codes.CHANGED)
    expect.event(server, "deregistered", dut.endpoint, since=mark, timeout=timing.reaction,
                 what="De-register after Disable", clause="OMA TS Core 1.1 E.2 (Disable): the client de-registers")
    if back:
        with expect.supporting("the device registering again after its Disable Timeout", "int-101"):
            expect.event(server, "registered", dut.endpoint, since=mark, timeout=timing.attr(5) + timing.reaction,
                         what="Register after the Disable Timeout")


@ets("LightweightM2M-1.1-int-104", "Registration Update Trigger")
def test_int_104_registration_update_trigger(server, dut, timing, transcript):
    """Executing Registration Update Trigger makes the client send an Update without parameters.

    Precondition: registered with lifetime 20 s (as int-102 leaves it: S writes /1/x/1 = 20 and C announces it;
    a supporting step).  1. Before that lifetime expires S executes /1/x/8: 2.04.  2./3. C sends an Update with
    no parameters: S answers 2.04 (erratum ``update-repeats-parameters``: repeating the current lt is a warning,
    another lt fails).  5. C is still registered once the initial lifetime has passed: the triggered
    Update renewed it (no expiry nor De-register, and the registration now ends later than the initial lifetime).
    The triggered Update is awaited for half that lifetime at most (or the reaction time, if shorter): later, it
    could not be told from the refresh a client sends anyway before its lifetime runs out.
    """
    lifetime = timing.attr(20)
    r, mark, t0 = _set_lifetime(server, dut, lifetime)
    with expect.supporting("registered with a 20 s lifetime (the lifetime write and the Update announcing it)",
                           "int-102"):
        expect.code(r, codes.CHANGED)
        first = _announced(server, dut, timing, mark, lifetime, "Registration Update after the lifetime write", t0)
    initial_end = first.time + lifetime
    mark = server.mark()
    r = server.execute(dut.endpoint, dut.server_path(UPDATE_TRIGGER))
    expect.code(r, codes.CHANGED)
    ev = expect.event(server, "updated", dut.endpoint, since=mark, timeout=min(timing.reaction, lifetime / 2),
                      what="Registration Update after the trigger",
                      clause="OMA TS Core 1.1 E.2 (Registration Update Trigger) and §6.2.2")
    _unprompted_update(ev["params"], lifetime, "triggered Update", "ETS int-104 pass criterion 2")
    gone = server.events(("expired", "deregistered"), dut.endpoint, since=first.index + 1)
    expect.true(not gone, "registration after the triggered Update", "still registered",
                f"{gone[0].kind}" if gone else "")
    expect.true(ev["registration"].expires_at > initial_end, "end of the registration after the triggered Update",
                f"later than the initial lifetime ({lifetime} s after the lifetime Update)",
                f"{ev['registration'].expires_at - initial_end:+.1f} s",
                clause="ETS int-104 pass criterion 5; OMA TS Core 1.1 §6.2.2 (an Update renews the lifetime)")


@ets("LightweightM2M-1.1-int-105", "Discarded Register Update")
@requires(lwm2m="1.1")
def test_int_105_discarded_register_update(server, dut, timing, transcript):
    """When the server has lost the registration, the Update gets 4.04 and the client registers anew.

    1. S writes a low lifetime to /1/x/1 (erratum: PUT, not POST) and forgets the registration.
    2. C's next Update (the one announcing the lifetime, or the refresh before it expires) is answered 4.04.
    3. Pass: C sends Register (2.01) after the 4.04.
    """
    errata.apply("resource-write-is-put")
    lifetime = timing.attr(10)
    server.lt.call(server.aio.forget_at_next_update, dut.endpoint)
    r, mark, _ = _set_lifetime(server, dut, lifetime)
    with expect.supporting("the lifetime write and an Update from the client", "int-102 and MP-REG-LT"):
        expect.code(r, codes.CHANGED)
        gone = expect.event(server, "update-unknown", None, since=mark, timeout=lifetime + timing.reaction,
                            what="an Update, which the server answers with 4.04")
    expect.event(server, "registered", dut.endpoint, since=gone.index + 1, timeout=timing.reaction,
                 what="a new Register after the 4.04 answer to the Update",
                 clause="OMA TS Core 1.1 §6.2.2: an Update answered 4.04 Not Found makes the client Register again")


@ets("LightweightM2M-1.1-int-107", "Extending the lifetime of a registration")
@dut_config(clock=CLOCK)
def test_int_107_extend_lifetime(server, dut, timing, registration, transcript):
    """A client registered over UDP with lifetime 60 s gets 120 s and keeps its registration alive with it.

    Precondition: binding U (the device's Register says so; else not applicable).  1. C registered with lt=60:
    any device gets there by S writing /1/x/1 = 60, which C announces (a supporting step, int-102).
    2. S writes /1/x/1 = 120: 2.04; C sends at once an Update with lt=120 (later than the reaction time: a
    warning, the TS sets no deadline), which S accepts with 2.04.  3. The next Update arrives within the lifetime
    (120 s of the device's time).
    """
    if "U" not in registration.binding:
        expect.not_applicable(f"int-107 is defined for binding U; the device registered with b={registration.binding}")
    short, long_ = timing.attr(60), timing.attr(120)
    r, mark, t0 = _set_lifetime(server, dut, short)
    with expect.supporting(f"registered with lt={short} (the lifetime write and the Update announcing it)",
                           "int-102"):
        expect.code(r, codes.CHANGED)
        _announced(server, dut, timing, mark, short, "Registration Update after the lifetime write", t0)
    mark, t0 = server.mark(), server.now()
    expect.code(server.write(dut.endpoint, dut.server_path(LIFETIME), long_, content_format=dut.value_format()),
                codes.CHANGED)
    extended = _announced(server, dut, timing, mark, long_, "Registration Update with the extended lifetime", t0)
    expect.event(server, "updated", dut.endpoint, since=extended.index + 1,
                 # an Update sent in time whose first copy is lost arrives one retransmission later (RFC 7252 §4.2)
                 timeout=long_ * dut.clock + timing.late + timing.retransmission,
                 what=f"the next Update within the lifetime ({long_} s)",
                 clause="ETS int-107 pass criterion 3; OMA TS Core 1.1 §6.2.2 (Update before the lifetime expires)")


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


@ets("LightweightM2M-1.1-int-109", "Behavior in Queue Mode")
@requires(lwm2m="1.1", feature="queue-mode")
@dut_config(queue_mode=True, clock=QUEUE_CLOCK)
def test_int_109_queue_mode_behaviour(server, dut, timing, registration, transcript):
    """A queue-mode client is reached only after its own Update; a request the server queued meanwhile is answered.

    Precondition: binding U; MAX_TRANSMIT_WAIT the same on both sides (the ETS's 93 s): the device's (its profile
    timing; the simulator's compressed clock scales it) is the window this server gives the client.  The ETS's
    lifetime 240 s and wait 120 s keep their proportion to it (on a device with the nominal 93 s: exactly so).
    1. C registered with b=U and Q (int-108 checks the Q; here a supporting step).  2. S writes /1/x/1 = 240
    (erratum: PUT): 2.04; C sends Update lt=240: S answers 2.04.  3. S waits 120 s: MAX_TRANSMIT_WAIT after C's
    last message C is unreachable.  4. S is asked to Read /1/x/1: nothing is sent, S queues it.  5. C's next
    Update (within the lifetime): S accepts it (2.04) and only then sends the queued Read, which C answers: 2.05
    with the lifetime written.
    """
    errata.apply("resource-write-is-put")
    if "U" not in registration.binding:
        expect.not_applicable(f"int-109 is defined for binding U; the device registered with b={registration.binding}")
    with expect.supporting("Register in queue mode (b=U&Q)", "int-108"):
        expect.true(registration.queue_mode, "queue mode in the registration", True, registration.queue_mode)
    mtw = timing.params.max_transmit_wait * dut.clock
    server.lt.call(server.aio.awake_windows.__setitem__, dut.endpoint, mtw)
    unit = timing.params.max_transmit_wait / NOMINAL_MTW
    lifetime = max(2, round(240 * unit))
    r, mark, t0 = _set_lifetime(server, dut, lifetime)
    expect.code(r, codes.CHANGED)
    announced = _announced(server, dut, timing, mark, lifetime, "Registration Update after the lifetime write", t0)
    try:   # step 3: the device says nothing more (a De-register or Register would end the case as inconclusive)
        other = server.wait_event(("deregistered", "registered"), dut.endpoint, since=announced.index + 1,
                                  timeout=120 * unit * dut.clock)
        expect.inconclusive(f"waiting {120 * unit * dut.clock:.1f} s after the Update", "int-101",
                            f"the device {other.kind} meanwhile")
    except TimeoutError_:
        pass
    reg = server.registration(dut.endpoint)
    with expect.supporting("the server holds the device unreachable (MAX_TRANSMIT_WAIT after its last message)",
                           "none (the server's own bookkeeping)"):
        expect.true(server.now() > reg.awake_until, "client reachability after the wait", "unreachable",
                    f"reachable for {reg.awake_until - server.now():.1f} s more")
    mark = server.mark()
    budget = lifetime * dut.clock + timing.late + mtw
    pending = server.begin("read", dut.endpoint, dut.server_path(LIFETIME), timeout=budget)
    answered_at: list[float] = []
    pending.add_done_callback(lambda _: answered_at.append(server.now()))
    update = expect.event(server, "updated", dut.endpoint, since=mark, timeout=lifetime * dut.clock + timing.late,
                          what=f"the client's next Update within the lifetime ({lifetime} s)",
                          clause="OMA TS Core 1.1 §6.2.2 and §6.5 (queue mode: the client's Update makes it reachable)")
    expect.true(not answered_at or answered_at[0] >= update.time, "the queued Read", "sent only after the Update",
                "answered before it")
    try:
        r = pending.result(budget + timing.late)
    except Exception as exc:   # RequestTimeout, or the wait running out: the device never answered
        expect.fail("answer to the Read the server sent after the client's Update",
                    "2.05 while the client listens MAX_TRANSMIT_WAIT after its own message", f"none ({exc})",
                    "OMA TS Core 1.1 §6.5 (queue mode: the client stays reachable MAX_TRANSMIT_WAIT after sending)")
    expect.code(r, codes.CONTENT)
    expect.value(expect.decodes(r), dut.server_path(LIFETIME), lifetime)


#: RFC 6920 §9.4 Named Information Hash Algorithm Registry: suite id -> bits of SHA-256 kept (sha-256, sha-256-128,
#: -120, -96, -64, -32).  TS Core 1.2 §6.2.1 builds the Profile ID from these suites (the ETS's pid=6:27354b9a is
#: suite 6, SHA-256 truncated to 32 bits: 8 hex digits).
PID_SUITE_BITS = {1: 256, 2: 128, 3: 120, 4: 96, 5: 64, 6: 32}
PID_CLAUSE = ("OMA TS Core 1.2 §6.2.1 Table 'Registration parameters': Profile ID, a hash of the profile's object "
              "list with a hash suite of RFC 6920 §9.4, written <suite>:<hex>")


def _profile_ids(registration) -> list[str]:  # type: ignore[no-untyped-def]
    """The Profile ID entries of the Register; not applicable without ``pid`` (an option of the client)."""
    if registration.pid is None:
        expect.not_applicable("the device registers without a Profile ID (pid): registering with one is an option "
                              "of the LwM2M 1.2 client (TS Core 1.2 §6.2.1), and the Register carries none")
    return [e.strip() for e in registration.pid.strip('"').split(",")]


def _check_profile_ids(entries: list[str]) -> None:
    """Each hash-form entry names an RFC 6920 suite and carries that suite's number of hex digits.  An entry whose
    prefix is not a number is another Profile ID form (a named profile) and is not judged here; an entry without
    ``:`` is no Profile ID at all."""
    for entry in entries:
        suite, sep, digest = entry.partition(":")
        expect.true(bool(sep) and bool(suite) and bool(digest), "Register 'pid' query parameter entry",
                    "<hash suite>:<hash> (e.g. 6:27354b9a)", repr(entry), clause=PID_CLAUSE)
        if not suite.isdigit():
            continue
        bits = PID_SUITE_BITS.get(int(suite))
        expect.true(bits is not None, f"hash suite of the Profile ID {entry!r}",
                    f"one of RFC 6920's SHA-256 suites {sorted(PID_SUITE_BITS)}", suite, clause=PID_CLAUSE)
        assert bits is not None
        expect.true(len(digest) == bits // 4 and all(c in "0123456789abcdefABCDEF" for c in digest),
                    f"hash of the Profile ID {entry!r}", f"{bits // 4} hex digits (suite {suite}: SHA-256 truncated "
                    f"to {bits} bits)", repr(digest), clause=PID_CLAUSE)


def _registered(registration) -> None:  # type: ignore[no-untyped-def]
    expect.true(registration.location.startswith("/rd/"), "Register answered 2.01 Created with a Location under "
                "/rd", "a registration", registration.location, clause="OMA TS Transport 1.2 §6.4.3 Register")


@ets("LightweightM2M-1.2-int-110", "Initial Registration using Profile ID")
@requires(lwm2m="1.2")
def test_int_110_registration_with_profile_id(server, dut, registration, transcript):
    """C.1; the client registers with a Profile ID (a client option: not applicable to a device whose Register
    carries no pid).  Step: C→S POST /rd.  Pass criteria (ETS INT 1.2 §6.2.10): the Register carries
    lwm2m=1.2 and pid (each hash-form entry <suite>:<hex>, the suite one of RFC 6920 §9.4's SHA-256 suites and the
    hex as long as it truncates the hash to: the ETS's 6:27354b9a); S answered 2.01 Created.
    Not checked: the ETS's 'no object list' holds for C.1, whose profile covers every object; a device's profile
    may leave objects out, which it then lists (int-111); nor the hash value, which only a server that knows the
    profile can recompute."""
    entries = _profile_ids(registration)
    expect.equal(registration.lwm2m_version, "1.2", "Register 'lwm2m' query parameter", clause=PID_CLAUSE +
                 " (a 1.2 parameter)")
    _check_profile_ids(entries)
    _registered(registration)


@ets("LightweightM2M-1.2-int-111", "Registration with Profile ID and Object List")
@requires(lwm2m="1.2")
def test_int_111_registration_with_profile_id_and_object_list(server, dut, registration, transcript):
    """C.5; the client registers with a Profile ID and lists the objects the profile does not cover (not applicable
    to a device whose Register carries no pid, or no object list beside it).  Step: C→S POST /rd.  Pass criteria
    (ETS INT 1.2 §6.2.11): lwm2m=1.2; pid well formed (as int-110); an object list in CoRE link format beside it
    (Content-Format 40; never the Security /0, OSCORE /21 or COSE /23 object, TS Core 1.2 §6.2.1); S answered 2.01
    Created.  That the Server merges the profile's objects with the listed ones is the Server's part of the case."""
    entries = _profile_ids(registration)
    objects = registration.objects
    if not objects.links:
        expect.not_applicable("the device registers with a Profile ID and no object list (int-110's case)")
    expect.equal(registration.lwm2m_version, "1.2", "Register 'lwm2m' query parameter", clause=PID_CLAUSE +
                 " (a 1.2 parameter)")
    _check_profile_ids(entries)
    expect.should(registration.content_format == CF.LINK, "Content-Format of the Register payload",
                  "40 (application/link-format)", registration.content_format,
                  clause="OMA TS Core 1.2 §6.2.1: the payload media type MUST be the CoRE Link Format")
    for oid in FORBIDDEN_IN_OBJECT_LIST["1.2"]:
        expect.true(oid not in objects.objects, f"object /{oid} in the Register object list", "absent",
                    f"present ({', '.join(str(lk.path) for lk in objects.links if lk.path.object_id == oid)})",
                    clause="OMA TS Core 1.2 §6.2.1: the Security, OSCORE and COSE objects MUST NOT be part of the "
                           "object list")
    _registered(registration)
