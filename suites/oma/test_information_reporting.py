"""Information Reporting interface: Observe, Cancel, Observe-Composite, Send (OMA ETS int-301..311),
plus meterproof's own checks of the notification attributes and of RFC 7641 ordering.

Attribute values are the ETS's scaled down to seconds (pmin 1 s, pmax 2 s for a nominal
device, multiplied by the profile's time scale) so the whole group runs in well under a
minute; every wait is bounded by pmin/pmax and the timing tolerances, never a sleep.
Observed values: /3/0/7 (Power Source Voltage) changes on its own; /3/0/0 (Manufacturer)
and /1/x/1 (Lifetime of the Server Object instance serving us) do not.

The notification attributes are a SHOULD for clients (TS Core 1.1.1 §5.1.2: "the LwM2M Server MUST support
and LwM2M Client SHOULD support all the <NOTIFICATION> Class Attributes"): a device that refuses the
Write-Attributes a case needs makes that case not applicable, with that reason, never failed.
"""

from __future__ import annotations

import statistics
from contextlib import contextmanager
from typing import Any, Iterator

from meterproof.fixtures import CF, P, codes, ets, expect, mp, requires
from meterproof.fixtures import errata
from meterproof.fixtures.observation import (attributes as _attributes, check_periods as _check_periods,
                                            collect as _collect, observe as _observe, periods as _periods,
                                            values as _values)
from meterproof.coap.observe import Notification, is_fresher
from meterproof.fixtures.security import transport
from meterproof.errors import TimeoutError_
from meterproof.lwm2m.values import ValueTree

VOLTAGE, CURRENT, MANUFACTURER = "/3/0/7", "/3/0/8", "/3/0/0"
LIFETIME, MUTE_SEND = 1, 23                             # resources of the Server Object instance serving us
#: What int-306/307 ask the device to Send: Supported Binding and Modes, a mandatory readable resource of the
#: always-registered Device object.  The trigger names resource paths (clients' send commands take those, not
#: instances), so no case relies on a client's own default Send set.
SEND_PATHS = ["/3/0/16"]
MP_IR = dict(epic="Information Reporting", feature="Notification attributes")


# ---------------------------------------------------------------------------- helpers
def _composite(dut: Any) -> tuple[str, ...]:
    """int-304's paths: /1/x/1, /3/0/11 (every instance), /3/0/16."""
    return (dut.server_path(LIFETIME), "/3/0/11", "/3/0/16")


def _observe_composite(server: Any, dut: Any, paths: tuple[str, ...]) -> Any:
    obs = server.observe_composite(dut.endpoint, paths, content_format=_senml(dut))
    expect.code(obs.first, codes.CONTENT)
    expect.true(obs.established, "Observe-Composite: the 2.05 carries an Observe option", "Observe option", "none")
    _holds(expect.decodes(obs.first), paths, "the Observe-Composite response")
    obs.t0 = obs.now()
    return obs


def _senml(dut: Any) -> int:
    return CF.SENML_CBOR if dut.serves(CF.SENML_CBOR) else CF.SENML_JSON


def _holds(values: ValueTree, paths: tuple[str, ...], what: str) -> None:
    for p in paths:
        expect.true(any(k.startswith(P(p)) for k in values), f"{what} holds {p}", "present",
                    f"absent ({', '.join(map(str, values))})")


def _wait_out(obs: Any, seconds: float) -> None:
    """A bounded wait on a cancelled observation (it queues nothing new, so this lasts ``seconds``)."""
    end = obs.now() + seconds
    while (left := end - obs.now()) > 0:
        try:
            obs.next(left)
        except TimeoutError_:
            return


def _expect_silent(obs: Any, since: float, timing: Any, what: str) -> None:
    """No notification arrived later than one transit time (ACK_TIMEOUT) after the cancellation."""
    late = [n for n in obs.after_cancel if n.time > since + timing.params.ack_timeout]
    expect.true(not late, what, "no notification after the cancellation",
                f"{len(late)}, the first {late[0].time - since:.2f}s after it" if late else "")


def _cancel_and_listen(server: Any, timing: Any, pmax: float, mode: str, *observations: Any) -> None:
    """Cancel each observation (RST or GET/FETCH Observe=1), then listen for pmax + late: an
    observation still alive would have to notify within pmax."""
    since = {}
    for obs in observations:
        r = server.cancel_observation(obs, mode=mode)
        if r is not None:
            expect.code(r, codes.CONTENT)
        since[id(obs)] = obs.now()
    _wait_out(observations[-1], pmax + timing.late)
    for obs in observations:
        _expect_silent(obs, since[id(obs)], timing, f"notifications for {obs.handle.base} after the {mode} cancel")


def _mute(server: Any, dut: Any, muted: bool) -> None:
    path = dut.server_path(MUTE_SEND)
    r = server.write(dut.endpoint, path, muted, content_format=dut.value_format())
    if r.code == codes.NOT_FOUND:
        expect.not_applicable(f"the device has no {path} Mute Send (Send is then disabled, TS Core 1.1 §E.2)")
    expect.code(r, codes.CHANGED)


def _send(server: Any, dut: Any, timing: Any, **kw: Any) -> Any:
    """Trigger a Send and return the server's record of it (the POST /dp decoded, answered 2.04)."""
    mark = server.mark()
    dut.trigger("trigger-send", **kw)
    ev = expect.event(server, "send", dut.endpoint, since=mark, timeout=timing.reaction,
                      what="Send (POST /dp) after the trigger")
    expect.true(ev["error"] is None, "Send payload (the server answers 2.04 only when it decodes)",
                "SenML CBOR or JSON", ev["error"])
    return ev


# ---------------------------------------------------------------------------- OMA ETS
@ets("LightweightM2M-1.1-int-301", "Observation and Notification of parameter values")
def test_int_301_observe_and_notify(server, dut, timing, transcript):
    """C.4.  1. Read /3/0/6 (available power sources): 2.05.
    2. Write-Attributes /3/0/7?pmin=5&pmax=15 and /3/0/8?pmin=10&pmax=20: 2.04 each (the ETS's two periods, in
    their proportions, scaled down by 5 and by the profile's time scale so that the case takes seconds).
    3. Observe /3/0/7 and /3/0/8: 2.05 with Observe.
    Pass: the server regularly receives both values: notifications (2.05 + Observe) keep coming for each, never
    closer than its pmin, never later than its pmax."""
    with expect.supporting("Read /3/0/6 (Available Power Sources)", "int-224 (Read on Resource)"):
        expect.code(expect.resource_present(server, dut.endpoint, "/3/0/6"), codes.CONTENT)
    periods = {VOLTAGE: (timing.attr(1), timing.attr(3)), CURRENT: (timing.attr(2), timing.attr(4))}
    observations = {path: _observe(server, dut, path, pmin=pmin, pmax=pmax) for path, (pmin, pmax) in periods.items()}
    for path, obs in observations.items():
        pmin, pmax = periods[path]
        notes = _collect(obs, 2, pmax, timing, f"notification of {path}")
        for n in notes:
            _values(obs, n)
        _check_periods(obs, notes, timing, pmin=pmin, pmax=pmax)


@ets("LightweightM2M-1.1-int-302", "Cancel Observations using Reset")
@transport("udp", reason="a Reset message exists only over UDP; over TCP an observation is cancelled with GET "
           "Observe=1 or by closing the connection (RFC 8323 §3.2: no message types; RFC 8323 §7.2)")
def test_int_302_cancel_by_reset(server, dut, timing, transcript):
    """Observe /3/0/7 and /3/0/8 with pmin/pmax (as int-301); one notification of each.
    Answer the next notification of /3/0/7 with RST, then the next of /3/0/8.
    Pass: no notification for either token after its RST (listened for pmax + tolerance)."""
    pmin, pmax = _periods(timing)
    observations = [_observe(server, dut, p, pmin=pmin, pmax=pmax) for p in (VOLTAGE, CURRENT)]
    for obs in observations:
        _values(obs, expect.notification(obs, pmax + timing.late, f"notification of {obs.handle.base}"))
    _cancel_and_listen(server, timing, pmax, "reset", *observations)


@ets("LightweightM2M-1.1-int-303", "Cancel observations using Observe with Cancel parameter")
def test_int_303_cancel_by_get(server, dut, timing, transcript):
    """Observe /3/0/7 and /3/0/8 with pmin/pmax (as int-301); one notification of each.
    GET with Observe=1 (erratum: on each observed path with its token, not on /3/0): 2.05 each.
    Pass: both notification streams stop (listened for pmax + tolerance)."""
    errata.apply("int-303-instance-cancel")
    pmin, pmax = _periods(timing)
    observations = [_observe(server, dut, p, pmin=pmin, pmax=pmax) for p in (VOLTAGE, CURRENT)]
    for obs in observations:
        _values(obs, expect.notification(obs, pmax + timing.late, f"notification of {obs.handle.base}"))
    _cancel_and_listen(server, timing, pmax, "get", *observations)


@ets("LightweightM2M-1.1-int-304", "Observe-Composite Operation")
@requires(lwm2m="1.1", feature="composite")
def test_int_304_observe_composite(server, dut, timing, transcript):
    """Write-Attributes pmin/pmax on /1/x/1: 2.04.
    FETCH with Observe=0 on /1/x/1, /3/0/11, /3/0/16 (SenML): 2.05 with all three.
    Pass: a composite notification between pmin and pmax holding all three."""
    pmin, pmax = _periods(timing)
    _attributes(server, dut, dut.server_path(LIFETIME), pmin=pmin, pmax=pmax)
    obs = _observe_composite(server, dut, _composite(dut))
    notes = _collect(obs, 1, pmax, timing, "composite notification")
    _holds(_values(obs, notes[0]), _composite(dut), "the composite notification")
    _check_periods(obs, notes, timing, pmin=pmin, pmax=pmax)


@ets("LightweightM2M-1.1-int-305", "Cancel Observation-Composite")
@requires(lwm2m="1.1", feature="composite")
def test_int_305_cancel_observe_composite(server, dut, timing, transcript):
    """Write-Attributes pmin/pmax on /1/x/1; FETCH Observe=0 on int-304's paths: 2.05.
    FETCH with Observe=1 and the identical path list: 2.05.
    Pass: no further composite notification (listened for pmax + tolerance)."""
    pmin, pmax = _periods(timing)
    _attributes(server, dut, dut.server_path(LIFETIME), pmin=pmin, pmax=pmax)
    obs = _observe_composite(server, dut, _composite(dut))
    _cancel_and_listen(server, timing, pmax, "get", obs)


@ets("LightweightM2M-1.1-int-306", "Send Operation")
@requires(lwm2m="1.1", feature="send", trigger="trigger-send")
def test_int_306_send(server, dut, timing, transcript):
    """Send enabled: write /1/x/23 Mute Send = false: 2.04.
    The device sends POST /dp in SenML CBOR or JSON; the server answers 2.04.
    Pass: only objects the device registered appear in the payload."""
    _mute(server, dut, False)
    ev = _send(server, dut, timing, paths=SEND_PATHS)
    registered = set(dut.registration.objects.objects)
    expect.true(bool(ev["records"]), "records in the Send payload", "at least one", "none")
    for rec in ev["records"]:
        expect.true(rec.path.object_id in registered, f"{rec.path} in the Send payload",
                    f"an object the device registered ({sorted(registered)})", f"object {rec.path.object_id}")


@ets("LightweightM2M-1.1-int-307", "Muting Send")
@requires(lwm2m="1.1", feature="send", trigger="trigger-send")
def test_int_307_mute_send(server, dut, timing, transcript):
    """Write /1/x/23 Mute Send = true (erratum: PUT, not POST): 2.04; trigger a Send.
    Pass: no Send arrives while muted.
    Write /1/x/23 = false: 2.04; trigger a Send. Pass: the Send arrives, and it is the only one."""
    errata.apply("resource-write-is-put")
    _mute(server, dut, True)
    mark = server.mark()
    dut.trigger("trigger-send", paths=SEND_PATHS)
    expect.no_event(server, "send", dut.endpoint, since=mark, within=timing.late + timing.s(1.0),
                    what=f"Send while {dut.server_path(MUTE_SEND)} Mute Send is true")
    _mute(server, dut, False)
    _send(server, dut, timing, paths=SEND_PATHS)
    expect.equal(len(server.events("send", dut.endpoint, since=mark)), 1, "Sends since the muted trigger")


@ets("LightweightM2M-1.1-int-310", "Observe-Composite and modification of parameter values",
     clause="OMA ETS int-310 pass criteria (notifications every pmax once the attributes change)")
@requires(lwm2m="1.1", feature="composite")
def test_int_310_observe_composite_pmax(server, dut, timing, transcript):
    """FETCH with Observe=0 (erratum: 0, not 1) on /1/x/1 and /3/0: 2.05.
    Write-Attributes on /3 while observing: pmax (and pmin = pmax, so that "every pmax" is defined
    although /3/0 changes on its own, e.g. Current Time every second): 2.04.
    Pass: from then on, composite notifications holding /1/x/1 and /3/0 every pmax."""
    errata.apply("int-310-observe-0")
    _, period = _periods(timing)
    paths = (dut.server_path(LIFETIME), "/3/0")
    obs = _observe_composite(server, dut, paths)
    _attributes(server, dut, "/3", pmin=period, pmax=period)
    changed, notes = obs.now(), []
    while len(notes) < 2:           # notifications sent before the new attributes applied do not count
        n = expect.notification(obs, period + timing.late, "composite notification")
        if n.time > changed:
            notes.append(n)
            _holds(_values(obs, n), paths, "the composite notification")
    obs.t0 = notes[0].time
    _check_periods(obs, notes[1:], timing, pmin=period, pmax=period)


@ets("LightweightM2M-1.1-int-311", "Send command")
@requires(lwm2m="1.1", feature="send", trigger="trigger-send")
def test_int_311_send_values(server, dut, timing, transcript):
    """Write /1/x/23 = false; the device sends /1/x/1 and /3/0/11/i (POST /dp); the server answers 2.04.
    Pass: the server got both values, equal to what a Read of each returns."""
    _mute(server, dut, False)
    paths = (dut.server_path(LIFETIME), dut.first_instance("/3/0/11"))
    ev = _send(server, dut, timing, paths=list(paths))
    got = {rec.path: rec.value for rec in ev["records"]}
    for p in paths:
        whole = str(P(p).truncate(3))      # a resource instance is read through its resource (int-225 is apart)
        with expect.supporting(f"Read {whole} to compare with the Send", "int-224 (Read on Resource)"):
            r = server.read(dut.endpoint, whole, accept=dut.instance_format())
            expect.code(r, codes.CONTENT)
            expect.decodes(r)
        expect.value(got, p, r.value(p))


def _observe_with_parameters(server: Any, dut: Any, path: str, pmin: int, pmax: int) -> Any:
    """GET ``path``?pmin=&pmax= with Observe=0 (LwM2M 1.2: the attributes as Observe parameters): 2.05 with an
    Observe option, holding every instance of the resource that a Read of it returns (a supporting Read)."""
    with expect.supporting(f"Read {path} for reference", "int-224 (Read on Resource)"):
        ref = expect.resource_present(server, dut.endpoint, path)
        expect.code(ref, codes.CONTENT)
        instances = sorted(str(k) for k in expect.decodes(ref))
    obs = server.observe(dut.endpoint, path, query=(f"pmin={pmin}", f"pmax={pmax}"))
    expect.code(obs.first, codes.CONTENT, clause="OMA TS Core 1.2 Observe: <NOTIFICATION> attributes may be given "
                "as query parameters of the Observe request")
    expect.true(obs.established, f"Observe {path}?pmin={pmin}&pmax={pmax}: the 2.05 carries an Observe option",
                "Observe option", "none")
    expect.present(expect.decodes(obs.first), *instances, clause="ETS pass criterion: the response holds the "
                   "resource's instances (C.4: /3/0/7/0 and /3/0/7/1)")
    obs.t0 = obs.now()
    return obs


@ets("LightweightM2M-1.2-int-312", "Observe with attributes as parameters")
@requires(lwm2m="1.2")
def test_int_312_observe_with_parameters(server, dut, timing, transcript):
    """C.4 (the optional /3/0/7 exists).  1. GET /3/0/7?pmin=5&pmax=15 with Observe=0 (the ETS's values scaled
    down by 5 and by the profile's time scale): 2.05 holding /3/0/7's instances (C.4: 0 and 1).
    2. Pass: notifications at least every pmax (15 s in the ETS)."""
    dut.require(VOLTAGE, why="ETS configuration C.4 presumes")
    pmin, pmax = timing.attr(1), timing.attr(3)
    obs = _observe_with_parameters(server, dut, VOLTAGE, pmin, pmax)
    notes = _collect(obs, 2, pmax, timing, f"notification of {VOLTAGE}")
    for n in notes:
        _values(obs, n)
    _check_periods(obs, notes, timing, pmax=pmax)


@ets("LightweightM2M-1.2-int-313", "Observe parameters override attached attributes")
@requires(lwm2m="1.2")
def test_int_313_observe_parameters_override(server, dut, timing, transcript):
    """C.4 (the optional /3/0/7 exists).  1. Write-Attributes /3/0/7?pmin=5&pmax=60: 2.04 (a SHOULD of the client:
    a refusal makes the case not applicable).  2. GET /3/0/7?pmin=5&pmax=10 with Observe=0: 2.05 holding /3/0/7's
    instances.  (The ETS's values scaled down by 5 and by the profile's time scale.)
    3. Pass: notifications at least every 10 s: the Observe parameters win over the attached pmax 60."""
    dut.require(VOLTAGE, why="ETS configuration C.4 presumes")
    pmin, attached_pmax, pmax = timing.attr(1), timing.attr(12), timing.attr(2)
    _attributes(server, dut, VOLTAGE, pmin=pmin, pmax=attached_pmax)
    obs = _observe_with_parameters(server, dut, VOLTAGE, pmin, pmax)
    notes = _collect(obs, 2, pmax, timing, f"notification of {VOLTAGE}")
    for n in notes:
        _values(obs, n)
    _check_periods(obs, notes, timing, pmax=pmax)


# ---------------------------------------------------------------------------- meterproof's own
@mp("MP-IR-PMAX", "Notification at pmax without a change", **MP_IR,
    clause="OMA TS Core 1.1 §5.1.2 pmax: notify at the latest pmax after the last notification")
def test_notification_at_pmax(server, dut, timing, transcript):
    """Write-Attributes pmin/pmax on /3/0/0 (Manufacturer, never changes): 2.04; Observe it: 2.05.
    Pass: a notification at the latest pmax after the previous one, twice, with the value unchanged."""
    pmin, pmax = _periods(timing)
    obs = _observe(server, dut, MANUFACTURER, pmin=pmin, pmax=pmax)
    notes = _collect(obs, 2, pmax, timing, "notification at pmax of the unchanged /3/0/0")
    for n in notes:
        expect.value(_values(obs, n), MANUFACTURER, obs.first.value(MANUFACTURER))
    _check_periods(obs, notes, timing, pmin=pmin, pmax=pmax)


@mp("MP-IR-SEQ", "Observe sequence numbers are strictly fresher", **MP_IR,
    clause="RFC 7641 §3.4 and §4.4: each notification's Observe value is fresher than the previous one")
def test_observe_sequence_fresh(server, dut, timing, transcript):
    """Write-Attributes pmin=0/pmax on /3/0/7 (changes every few hundred ms): 2.04; Observe: 2.05.
    Pass: five notifications, each with an Observe value fresher than the one before (none stale)."""
    _, pmax = _periods(timing)
    obs = _observe(server, dut, VOLTAGE, pmin=0, pmax=pmax)
    notes = _collect(obs, 5, pmax, timing, "notification of /3/0/7")
    for i, n in enumerate(notes, 1):
        expect.true(n.seq is not None, f"Observe option of notification {i} (RFC 7641 §4.2: every notification "
                    "carries one)", "present", "absent")
    seqs = [obs.first.response.opt.observe] + [n.seq for n in notes]
    expect.true(not obs.stale, "Observe values of the notifications", "strictly fresher each time",
                f"{len(obs.stale)} stale in {seqs}")
    times = [obs.t0] + [n.time for n in notes]
    for (a, ta), (b, tb) in zip(zip(seqs, times), zip(seqs[1:], times[1:])):
        expect.true(is_fresher(a, ta, b, tb), "Observe value after the previous one", f"fresher than {a}", b)


@mp("MP-IR-STEP", "The step attribute is honoured", **MP_IR,
    clause="OMA TS Core 1.1 §5.1.2 st: notify only when the value moved by at least st since the last notification")
def test_step_attribute(server, dut, timing, transcript):
    """Learn how /3/0/7 (Power Source Voltage) moves: Write-Attributes pmin=0, pmax; Observe; the steps between four
    notifications (supporting).  Then st = 3 x the median step, so that most changes are smaller than st and a
    device that ignores st notifies them: Write-Attributes pmin=0, pmax, st on /3/0/7: 2.04; Observe: 2.05.
    Pass: every notification not forced by pmax carries a value that moved by >= st since the last notified one."""
    _, pmax = _periods(timing)
    steps = _steps(server, dut, timing, pmax)
    st = 3 * statistics.median(steps)
    obs = _observe(server, dut, VOLTAGE, pmin=0, pmax=pmax, st=st)
    last, t_last, judged = expect.decodes(obs.first), obs.t0, 0
    for n in _collect(obs, 4, pmax, timing, "notification of /3/0/7"):
        vals = _values(obs, n)
        if n.time - t_last < pmax - timing.early:       # a change notification, not a pmax one
            moved = _moved(last, vals)
            expect.true(moved >= st, "change since the last notified value", f">= st {st:g}", moved)
            judged += 1
        last, t_last = vals, n.time
    if not judged:
        expect.not_applicable("/3/0/7 did not change by st within the observation (only pmax notifications)")


def _moved(before: ValueTree, after: ValueTree) -> float:
    """The largest change of any instance of the observed resource between two notified values."""
    return max((abs(v - before[p]) for p, v in after.items()
                if isinstance(v, (int, float)) and isinstance(before.get(p), (int, float))), default=0)


def _steps(server: Any, dut: Any, timing: Any, pmax: int) -> list[float]:
    """How the value moves between notifications when nothing filters them (a supporting step): the non-zero
    changes seen over four notifications; not applicable when the value does not move."""
    with expect.supporting("observe /3/0/7 without st to learn its steps", "int-301 and MP-IR-SEQ"):
        probe = _observe(server, dut, VOLTAGE, pmin=0, pmax=pmax)
        last, steps = expect.decodes(probe.first), []
        for n in _collect(probe, 4, pmax, timing, "notification of /3/0/7"):
            vals = _values(probe, n)
            if (moved := _moved(last, vals)) > 0:
                steps.append(moved)
            last = vals
        server.cancel_observation(probe, mode="get")
    if not steps:
        expect.not_applicable("/3/0/7 did not change during four notifications: the step attribute cannot be "
                              "observed")
    return steps


# ---------------------------------------------------------------------------- attributes seen through driven changes
#: Numeric resources a case drives through the device's set-value trigger, in order of preference, with the
#: range their values must stay in: Battery Level (0..100 %) and Memory Free (KB) of the Device object, which a
#: meter does not change on its own within a case (Wakaama's lwm2mclient ``change`` command takes both too).
DRIVEN = (("/3/0/9", "Battery Level"), ("/3/0/10", "Memory Free"))
#: The clock a device counts attribute periods with: the attributes are whole seconds (TS Core 1.1 §5.1.2), so a
#: client that counts whole seconds may send one second early by the harness's clock and still wait pmin.
CLOCK_GRANULARITY = 1.0
BASE, GT, LT, ST = 50, 80, 20, 10      # every driven value stays within 0..100 (Battery Level's range)


def _driven(dut: Any) -> str:
    """The resource this device's set-value trigger drives (not applicable without one)."""
    for path, name in DRIVEN:
        if dut.has(path):
            return path
    expect.not_applicable(f"the device implements none of {', '.join(f'{p} ({n})' for p, n in DRIVEN)}, the "
                          "numeric resources the set-value trigger drives")
    raise AssertionError("unreachable")


def _set(dut: Any, path: str, value: int) -> None:
    """Change ``path`` on the device through its set-value trigger (not applicable when it has none)."""
    dut.trigger("set-value", path=path, value=value)


def _confirm(server: Any, dut: Any, path: str, value: int) -> None:
    """A Read shows the value set-value was asked for (a supporting step: a silence is only evidence when the
    value really changed).  A trigger may act asynchronously (a line on the device's stdin): the Read is repeated,
    one retransmission interval apart, until the device holds the value or its reaction time has passed."""
    with expect.supporting(f"Read {path} after set-value {value}", "int-224 (Read on Resource)"):
        timing = dut.timing
        deadline = server.now() + timing.reaction
        while True:
            r = server.read(dut.endpoint, path, accept=dut.value_format())
            expect.code(r, codes.CONTENT)
            got = expect.decodes(r).get(P(path))
            if got == value or server.now() >= deadline:
                break
            # the device's only event here would be a de-registration; waiting on it bounds the pause
            server.no_event("deregistered", dut.endpoint, since=server.mark(), within=timing.retransmission)
        expect.value(expect.decodes(r), path, value)


@contextmanager
def _driven_observation(server: Any, dut: Any, **attrs: Any) -> Iterator[tuple[str, Any]]:
    """Set the driven resource to BASE (confirmed by a Read), Write-Attributes ``attrs`` on it, Observe it (the
    2.05 carries BASE); afterwards cancel, unset the attributes and put the device's own value back."""
    path = _driven(dut)
    with expect.supporting(f"Read {path} before driving it", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, path, accept=dut.value_format())
        expect.code(r, codes.CONTENT)
        own = expect.decodes(r).get(P(path))
    _set(dut, path, BASE)
    _confirm(server, dut, path, BASE)
    obs = None
    try:
        obs = _observe(server, dut, path, **attrs)
        with expect.supporting(f"the Observe response of {path} carries the value set", "int-301"):
            expect.value(expect.decodes(obs.first), path, BASE)
        yield path, obs
    finally:
        if obs is not None:
            try:
                server.cancel_observation(obs, mode="get")
            except Exception:   # the verdict stands; the next case observes afresh
                pass
        server.write_attributes(dut.endpoint, path, **{k: None for k in attrs})
        if isinstance(own, int) and not isinstance(own, bool):
            _set(dut, path, own)


def _change_notified(obs: Any, path: str, value: int, what: str, *, within: float) -> Notification:
    """The next notification arrives within ``within`` seconds and carries ``value``."""
    n = expect.notification(obs, within, what)
    expect.value(_values(obs, n), path, value)
    return n


def _silent(obs: Any, window: float, what: str, *, clause: str | None = None) -> None:
    """No notification for ``window`` seconds: one that comes is a failure citing ``clause`` (else the case's)."""
    try:
        n = obs.next(window)
    except TimeoutError_:
        return
    vals, _ = obs.decode(n)
    got = f"a notification carrying {', '.join(f'{k} = {v}' for k, v in (vals or {}).items()) or 'no value'}"
    expect.fail(what, f"no notification within {window:.1f}s", got, clause=clause)


@mp("MP-IR-PMIN-CHANGE", "pmin holds back the notification of a change", **MP_IR,
    clause="OMA TS Core 1.1 §5.1.2 pmin (the same in TS 1.0): the client MUST wait pmin between two notifications; "
           "a notification due before pmin expires MUST be sent as soon as it expires")
@requires(trigger="set-value")
def test_pmin_with_changing_value(server, dut, timing, transcript):
    """Drive a numeric resource (set-value; /3/0/9 or /3/0/10) to 50; Write-Attributes pmin=P, pmax=10P: 2.04;
    Observe: 2.05.  Set 60: a notification with 60 (the Observe response may or may not start pmin: not judged).
    At once set 70.  Pass: the notification with 70 comes no sooner than pmin after the one with 60 (less the
    device's one-second clock granularity and jitter) and no later than pmin + tolerance (sent as soon as pmin
    expires)."""
    pmin = timing.attr(2)
    early = timing.early + CLOCK_GRANULARITY
    with _driven_observation(server, dut, pmin=pmin, pmax=10 * pmin) as (path, obs):
        _set(dut, path, BASE + 10)
        first = _change_notified(obs, path, BASE + 10, f"notification of {path} = {BASE + 10}",
                                 within=pmin + timing.late)
        _set(dut, path, BASE + 20)
        second = _change_notified(obs, path, BASE + 20, f"notification of {path} = {BASE + 20}",
                                  within=pmin + timing.late)
        gap = second.time - first.time
        expect.true(gap >= pmin - early, f"time between the notifications of {BASE + 10} and {BASE + 20} (changed "
                    f"at once after the first)", f">= pmin {pmin}s (less {early:.2f}s of clock granularity and jitter)",
                    f"{gap:.2f}s")


def _pmax_far(timing: Any) -> int:
    """A pmax beyond the whole case (pmax notifications would blur what a change caused)."""
    return timing.attr(60)


@mp("MP-IR-GT-LT", "gt and lt: a crossing notifies, in both directions", **MP_IR,
    clause="OMA TS Core 1.1 §5.1.2 gt/lt (the same in TS 1.0): the client MUST notify each time the value crosses "
           "the threshold (with respect to pmin)")
@requires(trigger="set-value")
def test_thresholds_notify_crossings(server, dut, timing, transcript):
    """Drive a numeric resource to 50; Write-Attributes pmin=0, pmax far, gt=80, lt=20: 2.04; Observe: 2.05.
    Then set 90 (up through gt), 50 (down through gt), 10 (down through lt), 50 (up through lt).
    Pass: each crossing is notified with its value, and 60, 85 and 15, which cross nothing, are not notified:
    with gt and lt defined a change is notified only when it meets one of them (the Notification Conditions of
    TS Core §5.1.2), as MP-IR-STEP and MP-IR-STEP-CHANGE judge a change smaller than st."""
    window = timing.late
    quiet = ("OMA TS Core 1.1 §5.1.2 Notification Conditions (the same in TS 1.0.2): a notification is sent when a "
             "defined Change Value Condition (gt, lt or st) and pmin are both fulfilled, or when pmax is")
    with _driven_observation(server, dut, pmin=0, pmax=_pmax_far(timing), gt=GT, lt=LT) as (path, obs), \
            expect.all_criteria() as criteria:
        # each value is a criterion of its own: whether a crossing is notified does not depend on what came before
        for value, crosses in ((BASE + 10, None), (90, "up through gt"), (85, None), (BASE, "down through gt"),
                               (10, "down through lt"), (15, None), (BASE, "up through lt")):
            _set(dut, path, value)
            what = f"notification of {path} = {value} ({crosses or f'crosses neither gt {GT} nor lt {LT}'})"
            with criteria.check(what):
                if crosses is None:
                    _silent(obs, window, what, clause=quiet)
                else:
                    _change_notified(obs, path, value, what, within=window)
            if crosses is None:
                _confirm(server, dut, path, value)


@mp("MP-IR-STEP-CHANGE", "st is measured from the last notified value", **MP_IR,
    clause="OMA TS Core 1.1 §5.1.2 st (the same in TS 1.0): the Change Value Condition occurs when the value "
           "varied by at least st since the last notification")
@requires(trigger="set-value")
def test_step_from_last_notified_value(server, dut, timing, transcript):
    """Drive a numeric resource to 50; Write-Attributes pmin=0, pmax far, st=10: 2.04; Observe: 2.05 (50).
    Set 58 (8 < st since 50): no notification.  Set 61 (11 >= st since the notified 50, only 3 since 58):
    a notification with 61.  Set 51 (10 down since 61): a notification with 51."""
    window = timing.late
    with _driven_observation(server, dut, pmin=0, pmax=_pmax_far(timing), st=ST) as (path, obs):
        _set(dut, path, BASE + 8)
        _silent(obs, window, f"notification of {path} = {BASE + 8} (moved 8 < st {ST} since the notified {BASE})")
        _confirm(server, dut, path, BASE + 8)
        _set(dut, path, BASE + 11)
        _change_notified(obs, path, BASE + 11, f"notification of {path} = {BASE + 11} (moved 11 >= st {ST} "
                         f"since the notified {BASE})", within=window)
        _set(dut, path, BASE + 1)
        _change_notified(obs, path, BASE + 1, f"notification of {path} = {BASE + 1} (moved 10 >= st {ST} "
                         f"since the notified {BASE + 11})", within=window)
