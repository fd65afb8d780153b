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
from typing import Any

from meterproof.fixtures import CF, P, codes, ets, expect, mp, requires
from meterproof.fixtures import errata
from meterproof.coap.observe import Notification, is_fresher
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
def _periods(timing: Any) -> tuple[int, int]:
    return timing.attr(1), timing.attr(2)


def _attributes(server: Any, dut: Any, path: str, **attrs: Any) -> None:
    """Write-Attributes the case needs: 2.04, or not applicable when the device refuses them (a SHOULD)."""
    r = server.write_attributes(dut.endpoint, path, **attrs)
    if r.code != codes.CHANGED:
        expect.not_applicable(f"the device refuses Write-Attributes {path}?{'&'.join(attrs)} ({r.code_text}); TS Core "
                              "1.1.1 §5.1.2 makes the <NOTIFICATION> attributes a SHOULD for clients, so their "
                              "effect cannot be observed here")


def _composite(dut: Any) -> tuple[str, ...]:
    """int-304's paths: /1/x/1, /3/0/11 (every instance), /3/0/16."""
    return (dut.server_path(LIFETIME), "/3/0/11", "/3/0/16")


def _observe(server: Any, dut: Any, path: str, **attrs: Any) -> Any:
    """Write-Attributes (if any) on ``path``, then Observe it: 2.04, then 2.05 with an Observe option."""
    expect.resource_present(server, dut.endpoint, path)
    if attrs:
        _attributes(server, dut, path, **attrs)
    obs = server.observe(dut.endpoint, path)
    expect.code(obs.first, codes.CONTENT)
    expect.true(obs.established, f"Observe {path}: the 2.05 carries an Observe option", "Observe option", "none")
    obs.t0 = obs.now()          # establishment time: pmin/pmax count from here
    return obs


def _observe_composite(server: Any, dut: Any, paths: tuple[str, ...]) -> Any:
    obs = server.observe_composite(dut.endpoint, paths, content_format=_senml(dut))
    expect.code(obs.first, codes.CONTENT)
    expect.true(obs.established, "Observe-Composite: the 2.05 carries an Observe option", "Observe option", "none")
    _holds(expect.decodes(obs.first), paths, "the Observe-Composite response")
    obs.t0 = obs.now()
    return obs


def _senml(dut: Any) -> int:
    return CF.SENML_CBOR if dut.serves(CF.SENML_CBOR) else CF.SENML_JSON


def _values(obs: Any, n: Notification) -> ValueTree:
    """A notification is a 2.05 with an Observe option whose payload decodes."""
    expect.equal(n.message.code, codes.CONTENT, "notification response code")
    expect.true(n.seq is not None, "notification Observe option", "present", "absent")
    vals, err = obs.decode(n)
    expect.true(err is None and vals is not None, "notification payload", "a decodable value tree",
                err or "no payload")
    return vals


def _holds(values: ValueTree, paths: tuple[str, ...], what: str) -> None:
    for p in paths:
        expect.true(any(k.startswith(P(p)) for k in values), f"{what} holds {p}", "present",
                    f"absent ({', '.join(map(str, values))})")


def _collect(obs: Any, count: int, pmax: float, timing: Any, what: str) -> list[Notification]:
    """``count`` notifications, each at most pmax + late after the previous one."""
    return [expect.notification(obs, pmax + timing.late, what) for _ in range(count)]


def _check_periods(obs: Any, notes: list[Notification], timing: Any, *, pmin: float | None = None,
                   pmax: float | None = None) -> None:
    """No two notifications closer than pmin - early; none later than pmax + late after the previous."""
    times = [obs.t0] + [n.time for n in notes]
    for i, gap in enumerate(b - a for a, b in zip(times, times[1:])):
        if pmin is not None:
            expect.true(gap >= pmin - timing.early, f"time between notifications {i} and {i + 1}",
                        f">= pmin {pmin}s (-{timing.early:.2f}s)", f"{gap:.2f}s")
        if pmax is not None:
            expect.true(gap <= pmax + timing.late, f"time between notifications {i} and {i + 1}",
                        f"<= pmax {pmax}s (+{timing.late:.2f}s)", f"{gap:.2f}s")


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
    return max((abs(v - before[p]) for p, v in after.items() if p in before and isinstance(v, (int, float))),
               default=0)


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
