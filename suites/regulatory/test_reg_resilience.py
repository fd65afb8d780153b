"""Regulatory checks on resilience: power-loss recovery (REG-RES-02), orderly reconnection after an outage (REG-RES-03).

REG-RES-02: after a power cut the device resumes in the same state: ETSI EN 303 645 5.9-2 (remain operating and
locally functional after a loss of power), ETSI TS 103 701 5.9-2-2(b) (the device resumes in the same or an
improved state), EU CRA Annex I Part I (2)(h).  Through the profile's ``power-cycle`` trigger (the simulator: the
power goes, what the meter persists stays, a new meter process starts on it); not applicable without one.  Before
the cut the harness writes the Lifetime (/1/x/1) of the Server instance serving it; after it the device registers
again under the same endpoint name, with that lifetime in its Register (so it did not go back to a factory or a
freshly bootstrapped account), reads it back, its Last Bootstrapped (/1/x/12, where it has one) unchanged (no
re-bootstrap), and its cumulative metering registers (:data:`meterproof.lwm2m.metering.CUMULATIVE`) not below
what they read before the cut.

REG-RES-03: a device whose Register is refused retries in an orderly way: ETSI EN 303 645 5.9-3 (connect to
networks in an orderly fashion, taking the capability of the infrastructure into consideration), ETSI TS 103 701
5.9-3-1 note 2 (prevent mass reconnections, e.g. by a random delay) and 5.9-3-2(a), EU CRA Annex I Part I (2)(i).
The back-off a LwM2M 1.1+ client owes is the registration retry procedure of OMA LwM2M TS Core 1.1 §6.2.1.1: after
failed attempt n of a communication sequence it waits Communication Retry Timer (/1/x/18) x 2^(n-1), a sequence
has Communication Retry Count (/1/x/17) attempts, sequences are Communication Sequence Delay Timer (/1/x/19)
apart, and there are Communication Sequence Retry Count (/1/x/20) of them; a resource the Server instance lacks
takes its value from Table 6.2.1.1-1 (:mod:`meterproof.lwm2m.retry`).  LwM2M 1.0 has neither the resources nor
the procedure: a 1.0 device is judged against the policy its vendor declaration states (IXIT resilience
``retry_policy``), and is not applicable without one.  Where the declaration says reconnections are delayed at
random (``random_delay``), the device's waits must show it: the longest one (where the network's delays weigh
least) more than 3 % over its nominal value.  The harness refuses every Register with 5.03 Service Unavailable
and timestamps each attempt on arrival; an interval measured there is the device's wait plus the network's
delays, so the back-off is a lower bound checked within a small tolerance (the smaller of the harness's early
tolerance and a tenth of the wait).  A 5.03 is an explicit rejection, on which a device whose Bootstrap on
Registration Failure (/1/x/16) is true or absent may re-bootstrap instead of retrying: such a device that makes
no second attempt is not judged.
The spread of retry times across a fleet restarted together (the random delay of note 2) needs several devices:
tests/e2e/test_fleet_reconnection.py shows it on a batch of simulated meters.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from meterproof.errors import TimeoutError_
from meterproof.lwm2m.metering import CUMULATIVE
from meterproof.lwm2m.path import Path
from meterproof.lwm2m.registration import RegistrationRejected
from meterproof.lwm2m.retry import (RESOURCES, RETRY_COUNT, RETRY_TIMER, SEQUENCE_DELAY, SEQUENCE_RETRY_COUNT,
                                     RetryPolicy)

from meterproof.fixtures import codes, dut_config, expect, mp, regulation

REG = dict(epic="Regulatory", feature="Resilience")
#: /1/x/1 Lifetime, /1/x/12 Last Bootstrapped, /1/x/16 Bootstrap on Registration Failure (TS Core 1.1 Appendix E.2)
LIFETIME, LAST_BOOTSTRAPPED, BOOTSTRAP_ON_FAILURE = 1, 12, 16
RESUME = ("ETSI TS 103 701 5.9-2-2(b): after the loss of power the device resumes in the same or an improved "
          "state; ETSI EN 303 645 5.9-2")
CLOCK = 0.002
#: the retry timer written where the device has all four resources lasts this long in real seconds (at least 1 s
#: of the device's time): 3 attempts T and 2T apart, then 10T to the second sequence (:func:`_short_policy`)
SHORT_TIMER = 0.06
SHORT_LIFETIME = 10      # s: written so that an Update comes soon on any device (int-105 does the same)
RANDOM_SHARE = 0.03      # the longest wait this much over its nominal value shows a random delay
QUIET = 1.25             # with one sequence only: how long past the next back-off to watch for a further attempt
LATE = 2.0               # how much later than its back-off an attempt may come before it counts as missing
BACKOFF = ("OMA LwM2M TS Core 1.1 §6.2.1.1: the wait after failed attempt n of a communication sequence is the "
           "Communication Retry Timer x 2^(n-1)")
COUNT = ("OMA LwM2M TS Core 1.1 §6.2.1.1 and /1/x/17: a communication sequence is Communication Retry Count "
         "attempts; the next sequence starts after the Communication Sequence Delay Timer (/1/x/19)")


def _register_from(endpoint: str):  # type: ignore[no-untyped-def]
    def match(e: Any) -> bool:
        req = e.data.get("request")
        return e.data.get("path") == "/rd" and req is not None and f"ep={endpoint}" in tuple(req.opt.uri_query)
    return match


def _short_policy(clock: float) -> RetryPolicy:
    """Two short sequences: 3 attempts, a retry timer of SHORT_TIMER real seconds (30 s of the simulator's
    compressed time, 1 s on a device that keeps real time), sequences 10 timers apart."""
    timer = max(1, round(SHORT_TIMER / clock))
    return RetryPolicy(retry_count=3, retry_timer=timer, sequence_delay=10 * timer, sequence_retry_count=2)


def _declared(declaration: Any) -> Any:
    return declaration.doc.ixit.resilience if declaration is not None else None


def _policy(server: Any, dut: Any, declaration: Any) -> tuple[RetryPolicy, str]:
    """The retry policy the device owes, and where it comes from: for LwM2M 1.0 the declared one; for 1.1+
    a short policy written where the device has all four resources, else its values read, the TS defaults for the
    ones it lacks."""
    if not dut.version_at_least("1.1"):
        declared = _declared(declaration)
        if declared is None or declared.retry_policy is None:
            expect.not_applicable("the device registered as LwM2M 1.0: its Server object has no Communication Retry "
                                  "resources (/1/x/17-20), TS 1.0 defines no registration retry procedure, and "
                                  + ("no vendor declaration was given (--declaration)" if declaration is None else
                                     "its vendor declaration states no retry policy (ixit.resilience.retry_policy)"))
        d = declared.retry_policy
        return RetryPolicy(d.retry_count, d.retry_timer_s, d.sequence_delay_s, d.sequence_retry_count), \
            "the vendor declaration's retry policy (LwM2M 1.0)"
    paths = {rid: dut.server_path(rid) for rid in RESOURCES}
    present = {rid for rid, p in paths.items() if dut.has(p)}
    if present == set(RESOURCES):
        short = _short_policy(dut.clock)
        dut.configure({paths[RETRY_COUNT]: short.retry_count, paths[RETRY_TIMER]: int(short.retry_timer),
                       paths[SEQUENCE_DELAY]: int(short.sequence_delay),
                       paths[SEQUENCE_RETRY_COUNT]: short.sequence_retry_count},
                      why="a short retry policy", content_format=dut.value_format())
        return short, f"written to {dut.account.path()}/17-20"
    values: dict[int, object] = {}
    for rid in sorted(present):
        with expect.supporting(f"read {paths[rid]} ({RESOURCES[rid]})", "int-224 (Read on Resource)"):
            r = server.read(dut.endpoint, paths[rid])
            expect.code(r, codes.CONTENT)
            values[rid] = r.value(paths[rid])
    absent = [f"/1/x/{rid}" for rid in RESOURCES if rid not in present]
    source = (f"read from {dut.account.path()}" if values else "") + \
        (f"{'; ' if values else ''}TS Core 1.1 Table 6.2.1.1-1 defaults for {', '.join(absent)} (absent)"
         if absent else "")
    return RetryPolicy.from_values(values), source


def _ended(dut: Any, before: int) -> list[str]:
    """How the device's process ended since ``before`` crashes (a process driver restarts it: what follows is a
    fresh start, not a retry)."""
    return dut.driver.crashes()[before:]


@mp("REG-RES-03", "Orderly reconnection: a refused Register is retried with the TS back-off, sequence by sequence",
    clause="OMA LwM2M TS Core 1.1 §6.2.1.1 (registration retry procedure, Table 6.2.1.1-1); ETSI TS 103 701 "
    "5.9-3-1, 5.9-3-2(a); ETSI EN 303 645 5.9-3", **REG)
@regulation("ETSI EN 303 645 5.9-3", "ETSI TS 103 701 5.9-3-1", "ETSI TS 103 701 5.9-3-2",
            "EU CRA Annex I Part I (2)(i)", "OMA LwM2M TS Core §6.2.1.1")
@dut_config(clock=CLOCK)
def test_register_retry_backoff(server, dut, timing, declaration, transcript):
    """The policy: for a LwM2M 1.0 device the declared one (not applicable without); for 1.1+, where the Server
    instance serving us (found by SSID) has /1/x/17-20, S writes a short one (3 attempts, timer T, sequence
    delay 10 T, 2 sequences; T = 1 s on a device in real time); else its values, TS defaults for the absent
    ones.  S then refuses every Register with 5.03, keeps the registration only until the next Update and writes
    a short Lifetime /1/x/1 (10 s): the next Update (the one announcing it, or the refresh before it runs out)
    gets 4.04 and the device registers again (int-105).  Pass: each wait of the sequence is at least timer x
    2^(n-1); the sequence has Retry Count attempts; no attempt comes sooner than the Sequence Delay Timer after
    the sequence (or, with one sequence only, before the next back-off would be due); with a second sequence S
    accepts again and the device registers in it.  A device that makes no second attempt while its Bootstrap on
    Registration Failure (/1/x/16) is true or absent may have gone to its Bootstrap-Server, which the 5.03 (an
    explicit rejection) allows: not applicable.  With ``random_delay`` declared: the longest wait exceeds its
    nominal value by more than 3 %."""
    policy, source = _policy(server, dut, declaration)
    bs_flag = dut.server_path(BOOTSTRAP_ON_FAILURE)
    may_bootstrap = not dut.version_at_least("1.1") or not dut.has(bs_flag) or \
        _read_value(server, dut, bs_flag) is not False
    lifetime = dut.server_path(LIFETIME)
    short = timing.attr(SHORT_LIFETIME)
    clock = dut.clock
    crashes = len(dut.driver.crashes())
    attempts: list[float] = []
    waits: list[tuple[float, float]] = []      # (nominal, measured), in real seconds
    timeline: dict[str, Any] = {"policy": asdict(policy), "source": source, "clock": clock, "attempts": attempts}
    refuse = _register_from(dut.endpoint)
    previous = server.aio.reject_register

    def reject(q: Any) -> RegistrationRejected | None:
        if q.params.get("ep") == dut.endpoint:
            return RegistrationRejected("5.03", "REG-RES-03: service unavailable")
        return previous(q) if previous is not None else None

    server.lt.call(setattr, server.aio, "reject_register", reject)
    try:
        with expect.supporting(f"write {lifetime} = {short}, the next Update answered 4.04, and a new Register",
                               "int-105"):
            server.lt.call(server.aio.forget_at_next_update, dut.endpoint)
            mark = server.mark()
            dut.configure({lifetime: short}, why="a fresh Register", content_format=dut.value_format())
            gone = expect.event(server, "update-unknown", None, since=mark, timeout=short * clock + timing.reaction,
                                what="an Update (announcing the lifetime, or refreshing the registration before it "
                                "runs out), which the server answers with 4.04")
            first = server.wait_event("rejected", None, since=gone.index + 1, timeout=timing.reaction, where=refuse)
            ended = _ended(dut, crashes)
            if ended:
                expect.fail("the device after the 4.04 answer to its Update", "a new Register from the same device",
                            f"its process ended ({', '.join(ended)}); the Register came from the restarted one")
        t0, last = first.time, first
        attempts.append(0.0)
        for n in range(1, policy.retry_count):
            due = policy.delay_after(n) * clock
            try:
                ev = server.wait_event("rejected", None, since=last.index + 1,
                                       timeout=due * LATE + timing.reaction, where=refuse)
            except TimeoutError_:
                expect.evidence("REG-RES-03 attempt timeline", timeline)
                if n == 1 and may_bootstrap:
                    expect.not_applicable(
                        f"after the 5.03 (an explicit rejection) the device made no further Register within "
                        f"{due * LATE + timing.reaction:.0f}s; its Bootstrap on Registration Failure ({bs_flag}) is "
                        "true or absent, which lets it re-bootstrap instead of retrying (Server object, resource 16)")
                expect.fail(f"retry attempt {n + 1} of the sequence (Communication Retry Count "
                            f"{policy.retry_count}, {source})", f"a Register {due:.2f}s after attempt {n}",
                            f"none within {due * LATE + timing.reaction:.1f}s", COUNT)
            ended = _ended(dut, crashes)
            if ended:
                expect.fail(f"the device after attempt {n} was refused (5.03)", "a retry, or a re-bootstrap where "
                            f"{bs_flag} allows it", f"its process ended ({', '.join(ended)}); the next Register "
                            "came from the restarted process", BACKOFF)
            interval = ev.time - last.time
            attempts.append(round(ev.time - t0, 4))
            waits.append((due, interval))
            expect.true(interval >= due - min(timing.early, 0.1 * due),
                        f"wait between attempts {n} and {n + 1} (Communication Retry Timer "
                        f"{policy.retry_timer:g} x 2^{n - 1}, {source})", f">= {due:.3f}s",
                        f"{interval:.3f}s", BACKOFF)
            last = ev
        if policy.more_sequences:
            quiet = policy.sequence_delay * clock
            quiet -= min(timing.early, 0.1 * quiet)
        else:     # one sequence only: an attempt where the back-off would put the next one
            quiet = policy.delay_after(policy.retry_count) * clock * QUIET
        try:
            extra = server.wait_event("rejected", None, since=last.index + 1, timeout=quiet, where=refuse)
        except TimeoutError_:
            extra = None
        if extra is not None:
            attempts.append(round(extra.time - t0, 4))
            expect.evidence("REG-RES-03 attempt timeline", timeline)
            expect.fail(f"attempts in the sequence (Communication Retry Count {policy.retry_count}, "
                        f"Sequence Delay Timer {policy.sequence_delay:g}, {source})",
                        f"{policy.retry_count}, then none for {quiet:.2f}s",
                        f"attempt {len(attempts)} {extra.time - last.time:.3f}s after the last", COUNT)
    finally:
        server.lt.call(setattr, server.aio, "reject_register", previous)
    if policy.more_sequences:      # service restored: the second sequence registers
        within = policy.sequence_delay * clock * LATE + timing.reaction
        back = expect.event(server, "registered", dut.endpoint, since=last.index + 1, timeout=within,
                            what="a Register in the second communication sequence once the server accepts",
                            clause=COUNT)
        timeline["registered"] = round(back.time - t0, 4)
        waits.append((policy.sequence_delay * clock, back.time - last.time))
    expect.evidence("REG-RES-03 attempt timeline", timeline)
    declared = _declared(declaration)
    if declared is not None and declared.random_delay and waits:
        due, measured = max(waits)      # the longest wait: the network's delays matter least there
        expect.true(measured > due * (1 + RANDOM_SHARE), "random delay on the retries (declared: ixit.resilience."
                    "random_delay)", f"the longest wait more than {RANDOM_SHARE:.0%} over its nominal {due:.3f}s",
                    f"{measured:.3f}s (waits: " + ", ".join(f"{m:.3f}s for {d:.3f}s" for d, m in waits) + ")",
                    "ETSI TS 103 701 5.9-3-1 note 2 (random delay against mass reconnection), as declared")


def _registers(server: Any, dut: Any) -> dict[str, float]:
    """The cumulative registers of every registered meter object's first instance, by path."""
    out: dict[str, float] = {}
    objs = dut.registered_objects()
    for oid, rids in CUMULATIVE.items():
        if oid not in objs or not dut.instances(oid):
            continue
        inst = f"/{oid}/{dut.instances(oid)[0]}"
        with expect.supporting(f"read {inst}", "int-223 (Read on Object Instance)"):
            r = server.read(dut.endpoint, inst, accept=dut.instance_format())
            expect.code(r, codes.CONTENT)
            values = expect.decodes(r)
        for rid in rids:
            v = values.get(Path.parse(f"{inst}/{rid}"))
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out[f"{inst}/{rid}"] = v
    return out


def _read_value(server: Any, dut: Any, path: str) -> Any:
    with expect.supporting(f"read {path}", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, path)
        expect.code(r, codes.CONTENT)
        return r.value(path)


@mp("REG-RES-02", "Power-loss recovery: after a power cut the device registers again with its configuration and "
    "registers kept", clause="ETSI TS 103 701 5.9-2-2(b); ETSI EN 303 645 5.9-2", **REG)
@regulation("ETSI EN 303 645 5.9-2", "ETSI TS 103 701 5.9-2-2", "EU CRA Annex I Part I (2)(h)")
def test_power_loss_recovery(server, dut, timing, transcript):
    """Not applicable without a power-cycle trigger.  S writes /1/x/1 (x: the Server instance serving S, found by
    SSID) = L, a lifetime other than the current one, and reads it back (supporting, int-227);
    S reads /1/x/12 Last Bootstrapped (where present) and the cumulative registers.  Power cycle.
    Pass: a Register from the same endpoint name; its lifetime is L; a Read of /1/x/1 gives L; /1/x/12 unchanged;
    every cumulative register at least what it was."""
    if not dut.can("power-cycle"):
        expect.not_applicable("the device's profile or driver offers no power-cycle trigger (REG-RES-02 cuts the "
                              "power)")
    lifetime = dut.server_path(LIFETIME)
    old = _read_value(server, dut, lifetime)
    written = int(old) + 17 if isinstance(old, int) and not isinstance(old, bool) and old else 86417
    with expect.supporting(f"write {lifetime} = {written} and read it back", "int-227 (Write on Resource)"):
        dut.configure({lifetime: written}, why="REG-RES-02's configuration to keep", content_format=dut.value_format())
        expect.equal(_read_value(server, dut, lifetime), written, f"{lifetime} after the write")
    last_bs = dut.server_path(LAST_BOOTSTRAPPED)
    bootstrapped = _read_value(server, dut, last_bs) if dut.has(last_bs) else None
    before = _registers(server, dut)
    dut.expect_restart()
    mark = server.mark()
    dut.trigger("power-cycle")
    wait = timing.reaction + timing.s(5) + (dut.profile.registration_timeout or 0)
    ev = expect.event(server, "registered", dut.endpoint, since=mark, timeout=wait,
                      what="a Register under the same endpoint name after the power cut", clause=RESUME)
    expect.equal(ev["registration"].lifetime, written, "lifetime in the Register after the power cut (written "
                 "before it)", clause=RESUME)
    expect.equal(_read_value(server, dut, lifetime), written, f"{lifetime} after the power cut", clause=RESUME)
    if bootstrapped is not None:
        expect.equal(_read_value(server, dut, last_bs), bootstrapped, f"{last_bs} (Last Bootstrapped) after the "
                     "power cut: no re-bootstrap", clause=RESUME)
    after = _registers(server, dut)
    expect.evidence("REG-RES-02 before and after the power cut",
                    {"lifetime written": written, "registers before": before, "registers after": after})
    for path, value in before.items():
        if path in after:
            expect.true(after[path] >= value, f"{path} after the power cut", f">= {value} (read before it)",
                        after[path], clause=RESUME + "; a cumulative register only counts up")
