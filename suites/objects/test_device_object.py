"""Device object (/3) behaviour: what its resources do, beyond the shape of a Read (MP-OBJ-3 checks that).

OMA ETS Core objects cases for the Device object (OMA-ETS-LightweightM2M_INT-V1_2-20231003-A, paraphrased in
../shared/reference/oma-ets-cases.md §1.6): int-651 (Check Access to the Resources: the writable Current Time,
UTC Offset and Timezone).  int-655 is delegated to int-241 (Reboot), int-680/685 (Create/Delete) live with the
DM cases; int-656 (Factory Reset) and int-657 (Error Code) are placeholders in the ETS, so meterproof's own cases
check what the object definition says of them (OMA TS Core 1.1 Appendix E.4; object definition 3, resources
5, 11, 12, 13):

* Current Time /3/0/13 is "Current UNIX time of the LwM2M Client" which the Server "is able to write ... to make
  the LwM2M Client synchronized", and which the client increases "as every second elapses";
* Reset Error Code /3/0/12 "delete[s] all error code Resource Instances and create[s] only one zero-value error
  code ..., then re-evaluate[s] all error conditions";
* Factory Reset /3/0/5 makes the device "go through initial deployment sequence where provisioning and bootstrap
  sequence is performed" ("Return the device to its delivered state").

Every optional resource the device lacks makes its case not applicable; times compare with the harness's clock
only through what the case itself wrote, so a device whose clock was never set is not judged by it.
"""

from __future__ import annotations

import time
from typing import Any

from meterproof.fixtures import CF, P, codes, ets, expect, mp, requires
from meterproof.fixtures.observation import observe, values as notified

CURRENT_TIME, UTC_OFFSET, TIMEZONE = "/3/0/13", "/3/0/14", "/3/0/15"
ERROR_CODE, RESET_ERROR_CODE, FACTORY_RESET = "/3/0/11", "/3/0/12", "/3/0/5"
#: ETS 651-SetOfValues: /3/0/13 = 1367491215 (2013-05-02), /3/0/14 = "+02:00", /3/0/15 = "Europe/Paris".
ETS_651 = {CURRENT_TIME: 1367491215, UTC_OFFSET: "+02:00", TIMEZONE: "Europe/Paris"}
#: An error code the case injects through the driver's set-value trigger: 8 "Peripheral malfunction", which no
#: condition of the device backs, so a re-evaluation after the reset does not bring it back.
INJECTED_ERROR = 8
C6 = "ETS configuration C.6 (every optional Device resource)"
DEVICE = dict(epic="Core objects", feature="Device object")
E4 = "OMA TS Core 1.1 Appendix E.4 and object definition 3"


def _read(server: Any, dut: Any, path: str, accept: int | None = None) -> Any:
    r = server.read(dut.endpoint, path, accept=accept)
    expect.code(r, codes.CONTENT)
    return expect.decodes(r)


def _clock_tolerance(timing: Any) -> float:
    """How far a clock read may be from the written time plus the time since: the 1 s resolution of Time,
    one second for the tick that may fall between the harness's clock and the device's, and the transit
    of the request and its answer."""
    return 2.0 + 2 * timing.late


def _expect_clock(value: Any, written: int, since: float, timing: Any, what: str) -> None:
    """``value`` is the written time plus the seconds elapsed since the write (``since``), within the
    tolerance: the client holds the written time and keeps counting from it."""
    expect.true(isinstance(value, int) and not isinstance(value, bool), what, "a Time (integer seconds)", repr(value))
    want = written + since
    expect.true(abs(value - want) <= _clock_tolerance(timing), what,
                f"{written} + {since:.1f}s elapsed = {want:.0f} (+-{_clock_tolerance(timing):.1f}s)", value,
                clause=f"{E4} resource 13 Current Time: the Server writes it to synchronise the client, which "
                "increases it as every second elapses")


def _resync(server: Any, dut: Any) -> None:
    """Put the device's clock back on UNIX time (the harness's clock) after a case set it to 2013."""
    server.write(dut.endpoint, CURRENT_TIME, int(time.time()), content_format=dut.value_format())


FIRMWARE_VERSION = "/3/0/3"


@ets("LightweightM2M-1.1-int-652", "Device Object: Querying the firmware version from the client")
def test_int_652_firmware_version(server, dut, transcript):
    """C.6 (the optional /3/0/3 exists, else not applicable; ETS 6.6.4.2, 1.0.1 6.1.6.4.2).
    GET /3/0/3 (no Accept: the client's preferred format for a single resource).
    Pass: 2.05 whose payload decodes to /3/0/3, a String (object definition 3, resource 3 "Current firmware version
    of the Device") that is not empty: the ETS's "the firmware version" of the device."""
    dut.require(FIRMWARE_VERSION, why=f"{C6} presumes")
    r = server.read(dut.endpoint, FIRMWARE_VERSION)
    expect.code(r, codes.CONTENT, clause="ETS int-652; OMA TS Core 1.1 §5.4.1 Read")
    values = expect.decodes(r)
    expect.present(values, FIRMWARE_VERSION)
    version = values[P(FIRMWARE_VERSION)]
    expect.true(isinstance(version, str) and version.strip() != "", f"{FIRMWARE_VERSION} Firmware Version",
                "the device's firmware version (a non-empty String)", repr(version),
                clause=f"ETS int-652 pass criteria; {E4} resource 3 (Firmware Version, String)")


@ets("LightweightM2M-1.1-int-651", "Device Object: Check Access to the Resources")
def test_int_651_device_writable_resources(server, dut, timing, transcript):
    """C.6 (the optional /3/0/13, /3/0/14, /3/0/15 exist).  Save /3/0.
    Write (partial update, POST /3/0; TLV as the ETS, else the multi-value format the device takes) the 651 set:
    /3/0/13 = 1367491215, /3/0/14 = "+02:00", /3/0/15 = "Europe/Paris": 2.04.
    GET /3/0: 2.05; Pass: /3/0/14 and /3/0/15 hold the written strings, /3/0/13 the written time plus the seconds
    since the write.  Replace /3/0 with the saved writable values (the clock set to now): 2.04;
    GET /3/0: Pass: the saved UTC offset and time zone are back."""
    dut.require(CURRENT_TIME, UTC_OFFSET, TIMEZONE, why=f"{C6} presumes")
    cf = CF.TLV if dut.serves(CF.TLV) else dut.instance_format()
    with expect.supporting("read /3/0 to save it", "int-223 (Read on Object Instance)"):
        saved = _read(server, dut, "/3/0", cf)
    t_write = server.now()
    r = server.write(dut.endpoint, "/3/0", {P(k): v for k, v in ETS_651.items()}, content_format=cf, partial=True)
    expect.code(r, codes.CHANGED, clause="OMA TS Core 1.1 §5.4.3 Write (partial update); ETS int-651")
    after = _read(server, dut, "/3/0", cf)
    expect.value(after, UTC_OFFSET, ETS_651[UTC_OFFSET])
    expect.value(after, TIMEZONE, ETS_651[TIMEZONE])
    expect.present(after, CURRENT_TIME)
    _expect_clock(after[P(CURRENT_TIME)], ETS_651[CURRENT_TIME], server.now() - t_write, timing,
                  "/3/0/13 read after the write")
    restore = {P(k): saved[P(k)] for k in (UTC_OFFSET, TIMEZONE) if P(k) in saved}
    restore[P(CURRENT_TIME)] = int(time.time())
    expect.code(server.write(dut.endpoint, "/3/0", restore, content_format=cf), codes.CHANGED,
                clause="OMA TS Core 1.1 §5.4.3 Write (replace); ETS int-651 restores the saved values")
    back = _read(server, dut, "/3/0", cf)
    for k in (UTC_OFFSET, TIMEZONE):
        if P(k) in saved:
            expect.value(back, k, saved[P(k)], clause="ETS int-651: the saved values are restored")


@mp("MP-DEV-TIME", "Current Time is writable and keeps counting from the written time", **DEVICE,
    clause=f"{E4} resource 13 Current Time")
def test_current_time_counts_from_written(server, dut, timing, transcript):
    """The optional /3/0/13 exists (else not applicable).
    Write /3/0/13 = 1367491215 (the ETS 651 time): 2.04.
    Write-Attributes /3/0/13?pmin=1&pmax=2 (scaled; a SHOULD: refused, not applicable) and Observe it: 2.05.
    Pass: the Observe answer and the next notification each carry the written time plus the seconds since the
    write (+-2 s and transit), so the clock took the write and advances with real time.
    The clock is then set back to now."""
    dut.require(CURRENT_TIME, why="the case works on")
    t_write = server.now()
    w = server.write(dut.endpoint, CURRENT_TIME, ETS_651[CURRENT_TIME], content_format=dut.value_format())
    expect.code(w, codes.CHANGED, clause=f"{E4} resource 13 (RW); OMA TS Core 1.1 §5.4.3 Write")
    try:
        pmin, pmax = timing.attr(1), timing.attr(2)
        obs = observe(server, dut, CURRENT_TIME, pmin=pmin, pmax=pmax)
        first = expect.decodes(obs.first)
        expect.present(first, CURRENT_TIME)
        _expect_clock(first[P(CURRENT_TIME)], ETS_651[CURRENT_TIME], obs.t0 - t_write, timing,
                      "/3/0/13 in the Observe answer")
        n = expect.notification(obs, pmax + timing.late, "notification of /3/0/13")
        vals = notified(obs, n)
        expect.present(vals, CURRENT_TIME)
        _expect_clock(vals[P(CURRENT_TIME)], ETS_651[CURRENT_TIME], n.time - t_write, timing,
                      f"/3/0/13 in the notification {n.time - t_write:.1f}s after the write")
    finally:
        _resync(server, dut)


def _error_codes(server: Any, dut: Any, *, step: str | None = None) -> list[int]:
    """The Error Code instances' values, in instance order (a supporting step when ``step`` names it)."""
    def read() -> list[int]:
        vals = _read(server, dut, ERROR_CODE, dut.instance_format())
        return [v for k, v in sorted(vals.items()) if len(k) == 4 and k.truncate(3) == P(ERROR_CODE)]
    if step is None:
        return read()
    with expect.supporting(step, "int-225 (Read on Resource Instance) and MP-OBJ-3"):
        return read()


@mp("MP-DEV-ERROR-RESET", "Reset Error Code leaves only the errors a condition still backs", **DEVICE,
    clause=f"{E4} resources 11 Error Code and 12 Reset Error Code")
def test_reset_error_code(server, dut, timing, transcript):
    """The optional /3/0/12 exists (else not applicable).
    With the driver's set-value trigger: set /3/0/11/0 = 8 (Peripheral malfunction, which no condition of the
    device backs) and read it back (supporting).
    Execute /3/0/12: 2.04.  Read /3/0/11: 2.05.
    Pass: at least one instance; a 0 ("no error") only as the single instance; every value in 0..32; the
    injected 8 is gone (the reset deleted it and no condition re-created it)."""
    dut.require(RESET_ERROR_CODE, why="the case executes")
    injected = dut.can("set-value")
    if injected:
        with expect.supporting("inject error code 8 through the set-value trigger", "MP-OBJ-3"):
            dut.trigger("set-value", path=f"{ERROR_CODE}/0", value=INJECTED_ERROR)
        before = _error_codes(server, dut, step="read /3/0/11 after the injection")
        if INJECTED_ERROR not in before:
            expect.inconclusive("inject error code 8 through the set-value trigger", "MP-OBJ-3",
                                f"/3/0/11 reads {before}")
    expect.code(server.execute(dut.endpoint, RESET_ERROR_CODE), codes.CHANGED,
                clause=f"{E4} resource 12 (E); OMA TS Core 1.1 §5.4.5 Execute")
    after = _error_codes(server, dut)
    expect.true(bool(after), "Error Code instances after the reset", "at least one (a single 0: no error)", after,
                clause=f"{E4} resource 12: 'create only one zero-value error code'")
    expect.true(0 not in after or after == [0], "Error Code values after the reset",
                "a single 0, or only the non-zero codes of current conditions", after,
                clause=f"{E4} resource 11: a single instance of value 0 means no error")
    expect.true(all(isinstance(v, int) and 0 <= v <= 32 for v in after), "Error Code values", "each in 0..32", after)
    if injected:
        expect.true(INJECTED_ERROR not in after, "the injected error code 8 after the reset",
                    "gone (no condition backs it)", after,
                    clause=f"{E4} resource 12: 'Delete all error code Resource Instances ... then re-evaluate all "
                    "error conditions'")


@mp("MP-DEV-FACTORY-RESET", "Factory Reset returns the device to its delivered configuration", **DEVICE,
    clause=f"{E4} resource 5 Factory Reset")
@requires(trigger="factory-reset")
def test_factory_reset(server, dut, timing, transcript):
    """The profile allows a factory reset (trigger factory-reset: the device comes back with its delivered
    configuration or through bootstrap) and the optional /3/0/5 exists (else not applicable).
    Write the Lifetime /1/x/1 of the Server instance serving us to another value L' (supporting).
    Execute /3/0/5: 2.04.
    Pass: the device goes through its initial deployment again: a new Register arrives (after provisioning or
    bootstrap), and its lifetime is not L' (what a Server wrote does not survive the return to the delivered
    state)."""
    dut.require(FACTORY_RESET, why="the case executes")
    lifetime = dut.server_path(1)
    with expect.supporting(f"read {lifetime}", "int-224 (Read on Resource)"):
        old = _read(server, dut, lifetime).get(P(lifetime))
    written = int(old) + 17 if isinstance(old, int) and old else 86417
    with expect.supporting(f"write {lifetime} = {written}", "int-227 (Write on Resource)"):
        expect.code(server.write(dut.endpoint, lifetime, written, content_format=dut.value_format()), codes.CHANGED)
    dut.expect_restart()
    mark = server.mark()
    expect.code(server.execute(dut.endpoint, FACTORY_RESET), codes.CHANGED,
                clause=f"{E4} resource 5 (E); OMA TS Core 1.1 §5.4.5 Execute")
    wait = timing.reaction + timing.s(5) + (dut.profile.registration_timeout or 0)
    ev = expect.event(server, "registered", dut.endpoint, since=mark, timeout=wait,
                      what="a new Register after the factory reset",
                      clause=f"{E4} resource 5: the device goes through its initial deployment sequence")
    lt = ev["registration"].lifetime
    expect.true(lt != written, "lifetime of the Register after the factory reset",
                f"the delivered configuration's, not the {written} a Server wrote", lt,
                clause=f"{E4} resource 5: 'Return the device to its delivered state'")
