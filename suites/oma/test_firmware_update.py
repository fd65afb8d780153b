"""Firmware Update object /5 (OMA ETS int-751..776, push delivery) and meterproof's anti-rollback check.

Images are the device's own, from its profile's ``firmware.images`` by role (newer, older, corrupt); only
meterproof's simulated meter gets images built on demand (:mod:`meterproof.fixtures.firmware`).  Every wait for a state
change observes /5/0 and is bounded by the device's reaction time; Write-Attributes on /5/0 is tried first
(a SHOULD for clients, TS Core 1.1.1 §5.1.2: without it, the device still notifies each change).  The facts
(State 0 Idle, 1 Downloading, 2 Downloaded, 3 Updating; Update Result 0 initial, 1 success, 5 integrity
failure, 8 update failed) are those of the object definition (oma-ets-cases.md §3.8).  A device that
installs in place without registering again passes: the ETS asks for the final State and Result, not for
a reboot.
"""

from __future__ import annotations

from typing import Any, Callable

from meterproof.fixtures import CF, P, codes, ets, expect, mp, regulation, requires
from meterproof.fixtures.firmware import image
from meterproof.errors import TimeoutError_

IDLE, DOWNLOADING, DOWNLOADED, UPDATING = 0, 1, 2, 3
INITIAL, SUCCESS = 0, 1
INTEGRITY_FAILURE = 5
PACKAGE, UPDATE, STATE, RESULT, FW_VERSION = "/5/0/0", "/5/0/2", "/5/0/3", "/5/0/5", "/3/0/3"
FIRMWARE = "OMA TS Core 1.1 E.6 (Firmware Update object) state machine"


# ---------------------------------------------------------------------------- helpers
def _read_fw(server: Any, dut: Any) -> tuple[int, int]:
    """GET /5/0 (TLV when the device claims it): 2.05; returns (State, Update Result)."""
    accept = CF.TLV if dut.serves(CF.TLV) else None
    r = server.read(dut.endpoint, "/5/0", accept=accept)
    expect.code(r, codes.CONTENT)
    vals = expect.decodes(r)
    expect.present(vals, STATE, RESULT)
    return vals[P(STATE)], vals[P(RESULT)]


def _version(server: Any, dut: Any) -> str | None:
    """/3/0/3 Firmware Version, or None on a device without it (optional in /3, though ETS C.1 lists it)."""
    if not dut.has(FW_VERSION):
        return None
    with expect.supporting(f"read {FW_VERSION}", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, FW_VERSION)
        expect.code(r, codes.CONTENT)
        v = expect.decodes(r).get(P(FW_VERSION))
    return str(v)


def _write_package(server: Any, dut: Any, data: bytes, *ok: Any) -> Any:
    r = server.write(dut.endpoint, PACKAGE, payload=data, content_format=CF.OPAQUE)
    expect.code(r, *(ok or (codes.CHANGED,)))
    return r


def _watch(server: Any, dut: Any, timing: Any) -> Any:
    """Observe /5/0 (Write-Attributes pmin 0 / pmax first where the device takes them): every change arrives."""
    r = server.write_attributes(dut.endpoint, "/5/0", pmin=0, pmax=timing.attr(2))
    expect.should(r.code == codes.CHANGED, "Write-Attributes /5/0?pmin&pmax", "2.04 Changed", r.code_text,
                  clause="OMA TS Core 1.1.1 §5.1.2: the client SHOULD support the <NOTIFICATION> attributes")
    obs = server.observe(dut.endpoint, "/5/0")
    with expect.supporting("Observe /5/0", "int-760 (Basic Observation) and int-301"):
        expect.code(obs.first, codes.CONTENT)
        obs.last = _sr(expect.decodes(obs.first))
    obs.seen = [obs.last]          # every (State, Update Result) notified or read, in order
    return obs


def _sr(values: Any) -> tuple[int, int]:
    expect.present(values, STATE, RESULT)
    return values[P(STATE)], values[P(RESULT)]


def _saw(obs: Any, sr: tuple[int, int]) -> tuple[int, int]:
    obs.last = sr
    if getattr(obs, "seen", None) is not None and obs.seen[-1] != sr:
        obs.seen.append(sr)
    return sr


def _until(server: Any, dut: Any, obs: Any, timing: Any, done: Callable[[int, int], bool], what: str
           ) -> tuple[int, int]:
    """Notifications of /5/0 until ``done(state, result)``; the device's reaction time bounds the wait.
    Notifications may be lost or not sent (no pmax): at the end a Read decides."""
    deadline = obs.now() + timing.reaction
    while not done(*obs.last) and obs.now() < deadline:
        try:
            n = obs.next(max(0.0, min(timing.s(2.0), deadline - obs.now())))
        except TimeoutError_:
            _saw(obs, _read_fw(server, dut))
            continue
        vals, err = obs.decode(n)
        expect.true(err is None and vals is not None, "/5/0 notification payload", "decodable", err)
        _saw(obs, _sr(vals))
    if not done(*obs.last):
        expect.fail(what, f"within {timing.reaction:.0f}s", f"State/Update Result {obs.last}", FIRMWARE)
    return obs.last


def _stays(obs: Any, timing: Any, expected: tuple[int, int], what: str) -> None:
    """Listen on the /5/0 observation for a pmax period (any change is notified): every notification must
    still say ``expected``."""
    end = obs.now() + timing.attr(2) + timing.late
    while (left := end - obs.now()) > 0:
        try:
            n = obs.next(left)
        except TimeoutError_:
            return
        vals, _ = obs.decode(n)
        if vals is not None:
            expect.equal(_sr(vals), expected, what, clause=FIRMWARE)


def _settled(state: int, result: int) -> bool:
    return state in (IDLE, DOWNLOADED) and (state == DOWNLOADED or result != INITIAL)


def _outcome(server: Any, dut: Any, obs: Any, mark: int, timing: Any) -> tuple[int, int]:
    """After Execute Update: the final (State, Update Result), read after the device registered again (it
    rebooted into the new firmware) or once it left Updating with a Result set (an in-place update)."""
    deadline = server.now() + timing.reaction + (dut.profile.registration_timeout or 0)
    while server.now() < deadline:
        if server.events("registered", dut.endpoint, since=mark):
            return _saw(obs, _read_fw(server, dut))
        try:
            n = obs.next(min(timing.s(0.25), max(0.0, deadline - server.now())))
        except TimeoutError_:
            continue
        vals, _ = obs.decode(n)
        if vals is not None:
            _saw(obs, _sr(vals))
            if obs.last[0] != UPDATING and obs.last[1] != INITIAL:
                return obs.last
    expect.fail("outcome of Execute /5/0/2", f"a final Update Result (or a re-registration) within "
                f"{timing.reaction:.0f}s", f"State/Result {obs.last}", FIRMWARE)
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------- OMA ETS
@ets("LightweightM2M-1.1-int-751", "FW Update: Querying readable resources")
@requires(obj=5)
def test_int_751_read_firmware_object(server, dut, timing, transcript):
    """GET /5/0 (TLV when claimed): 2.05.
    Pass: State (3) = 0 Idle, Update Result (5) = 0; /5/0/9 (delivery method) present, and /5/0/8 (protocols)
    where the device implements it."""
    accept = CF.TLV if dut.serves(CF.TLV) else None
    r = server.read(dut.endpoint, "/5/0", accept=accept)
    expect.code(r, codes.CONTENT)
    vals = expect.decodes(r)
    expect.value(vals, STATE, IDLE, clause=f"{FIRMWARE}: Idle before any download (ETS C.8)")
    expect.value(vals, RESULT, INITIAL)
    expect.present(vals, "/5/0/9")


@ets("LightweightM2M-1.1-int-755", "FW Update: Setting writable resource Package")
@requires(obj=5, feature="firmware-push")
def test_int_755_write_package(server, dut, timing, transcript):
    """PUT /5/0/0 = '\\0': 2.04; GET /5/0: State 0, Result 0.
    PUT /5/0/0 = a valid image (the profile's newer one): 2.04.
    Pass: State reaches 2 (Downloaded) with Result 0, stays there for a pmax period and reads back 2 (no install
    without Execute /5/0/2)."""
    new = image(dut, "newer", _version(server, dut))
    watch = _watch(server, dut, timing)
    _write_package(server, dut, b"\0")
    expect.equal(_read_fw(server, dut), (IDLE, INITIAL), "(State, Update Result) after writing '\\0'")
    _write_package(server, dut, new.data)
    state, result = _until(server, dut, watch, timing, _settled, "State 2 after the package write")
    expect.equal((state, result), (DOWNLOADED, INITIAL), "(State, Update Result) after the package write")
    _stays(watch, timing, (DOWNLOADED, INITIAL), "(State, Update Result) notified while no Update was executed")
    expect.equal(_read_fw(server, dut), (DOWNLOADED, INITIAL), "(State, Update Result) read back")


@ets("LightweightM2M-1.1-int-760", "FW Update: Basic Observation")
@requires(obj=5, feature="firmware-push")
def test_int_760_observe_state(server, dut, timing, transcript):
    """Write-Attributes pmin/pmax on /5/0 (a SHOULD): 2.04. Observe /5/0/3: 2.05 with State 0.
    PUT /5/0/0 = a valid image: 2.04.
    Pass: a notification carrying State 2 (Downloaded), after only 0, 1."""
    new = image(dut, "newer", _version(server, dut))
    r = server.write_attributes(dut.endpoint, "/5/0", pmin=timing.attr(1), pmax=timing.attr(2))
    expect.should(r.code == codes.CHANGED, "Write-Attributes /5/0?pmin&pmax", "2.04 Changed", r.code_text)
    obs = server.observe(dut.endpoint, STATE)
    expect.code(obs.first, codes.CONTENT)
    with expect.supporting("State Idle before the download (ETS precondition)", "int-751"):
        expect.value(expect.decodes(obs.first), STATE, IDLE)
    _write_package(server, dut, new.data)
    seen: list[int] = []
    wait = (timing.attr(2) if r.code == codes.CHANGED else timing.reaction) + timing.late
    while DOWNLOADED not in seen:
        n = expect.notification(obs, wait, f"notification of State 2 (so far {seen})")
        vals, err = obs.decode(n)
        expect.true(vals is not None, "/5/0/3 notification payload", "decodable", err)
        seen.append(vals[P(STATE)])
        expect.true(set(seen) <= {IDLE, DOWNLOADING, DOWNLOADED}, "States notified before Downloaded",
                    "0, 1 then 2", seen, clause=FIRMWARE)


@ets("LightweightM2M-1.1-int-770", "Successful Firmware update (via CoAP, push)")
@requires(obj=5, feature="firmware-push")
def test_int_770_push_update(server, dut, timing, transcript):
    """PUT /5/0/0 = '\\0': 2.04. PUT /5/0/0 = the newer image (Block1 when larger than a block: 2.31 per block,
    then 2.04). Until State 2: the States notified on the way are 0, 1, 2 with Update Result 0 throughout.
    POST /5/0/2 (Update): 2.04. Until the update ends (the device may reboot and register again, or update in
    place): on the way only State 3 (Updating) or 0, never 1, and no Result but 0 or 1.
    Pass: State 0, Update Result 1, and /3/0/3 is the new version."""
    new = image(dut, "newer", _version(server, dut), body=bytes(range(256)) * 12)
    watch = _watch(server, dut, timing)
    _write_package(server, dut, b"\0")
    r = _write_package(server, dut, new.data)
    if len(r.exchanges) > 1:
        expect.true(all(resp.code == codes.CONTINUE for _, resp in r.exchanges[:-1]), "Block1 transfer of the "
                    "image", "2.31 Continue for the blocks before the last", [resp.code.dotted for _, resp in r.exchanges],
                    clause="RFC 7959 §2.3 (Block1: 2.31 Continue)")
    expect.equal(_until(server, dut, watch, timing, _settled, "State 2 after the package write"), (DOWNLOADED, INITIAL),
                 "(State, Update Result) after the download")
    download = list(watch.seen)
    expect.true(all(st in (IDLE, DOWNLOADING, DOWNLOADED) and res == INITIAL for st, res in download),
                "(State, Update Result) notified during the download", "States 0, 1, 2 with Result 0", download,
                clause=f"{FIRMWARE}; ETS int-770 step 1c")
    dut.expect_restart()
    mark = server.mark()
    expect.code(server.execute(dut.endpoint, UPDATE), codes.CHANGED)
    expect.equal(_outcome(server, dut, watch, mark, timing), (IDLE, SUCCESS), "(State, Update Result) after the update",
                 clause=FIRMWARE)
    update = watch.seen[len(download):]
    expect.true(all(st in (DOWNLOADED, UPDATING, IDLE) and res in (INITIAL, SUCCESS) for st, res in update),
                "(State, Update Result) notified during the update", "State 3 (Updating) or 0, Result 0 or 1", update,
                clause=f"{FIRMWARE}; ETS int-770 step 2b")
    if dut.has(FW_VERSION):
        expect.equal(_version(server, dut), new.version, "/3/0/3 Firmware Version after the update",
                     clause="OMA TS Core 1.1 E.6: the client MUST update /3/0/3 to the new firmware version")


@ets("LightweightM2M-1.1-int-772", "FW Error 1: install without downloaded package")
@requires(obj=5)
def test_int_772_update_without_package(server, dut, timing, transcript):
    """GET /5/0: State is not 2 (Downloaded).
    POST /5/0/2 (Update): pass: 4.05 Method Not Allowed.
    GET /5/0: pass: State and Update Result unchanged."""
    with expect.supporting("GET /5/0 before the Update", "int-751"):
        before = _read_fw(server, dut)
    if before[0] == DOWNLOADED:
        expect.inconclusive("a State other than Downloaded before the Update", "int-751",
                            "the device already holds a downloaded package")
    with expect.all_criteria() as criteria:
        with criteria.check("Update response code"):
            expect.code(server.execute(dut.endpoint, UPDATE), codes.METHOD_NOT_ALLOWED,
                        clause="OMA TS Core 1.1 E.6: Update is valid only in Downloaded; ETS int-772: 4.05")
        with criteria.check("State and Update Result after the Update"):
            with expect.supporting("GET /5/0 after the Update", "int-751"):
                after = _read_fw(server, dut)
            expect.equal(after, before, "(State, Update Result) after the refused Update")


@ets("LightweightM2M-1.1-int-776", "FW Error 5: package integrity check failure")
@requires(obj=5, feature="firmware-push")
def test_int_776_corrupt_package(server, dut, timing, transcript):
    """PUT /5/0/0 = an image whose integrity check fails (the profile's corrupt one): 2.04 (or 4.00 at once).
    Observe /5/0 until the download settles.
    Pass: Update Result 5 (integrity check failure), State 0 (Idle)."""
    bad = image(dut, "corrupt", _version(server, dut))
    watch = _watch(server, dut, timing)
    _write_package(server, dut, bad.data, codes.CHANGED, codes.BAD_REQUEST)
    expect.equal(_until(server, dut, watch, timing, _settled, "the end of the download"), (IDLE, INTEGRITY_FAILURE),
                 "(State, Update Result) after a corrupt package", clause=f"{FIRMWARE}: Update Result 5")


# ---------------------------------------------------------------------------- meterproof's own
@mp("MP-FW-ROLLBACK", "An older firmware image is not installed", epic="Core objects", feature="Firmware Update",
    clause="ETSI TS 103 701 5.3-2-1 (installing an older firmware is a misuse); OMA /5 Update Result 8")
@regulation("ETSI EN 303 645 5.3-2", "REG-UPD-04")
@requires(obj=5, feature="firmware-push")
def test_firmware_rollback_refused(server, dut, timing, transcript):
    """PUT /5/0/0 = a valid image of a version lower than /3/0/3 (the profile's older one): 2.04, or refused at
    once (any 4.xx passes).  If it reaches State 2: POST /5/0/2 (Update).
    Pass: Update Result is not 1 (success), and /3/0/3 still holds the running version."""
    running = _version(server, dut)
    old = image(dut, "older", running)
    if running is None:
        expect.not_applicable("the device has no /3/0/3 Firmware Version to show what it runs")
    watch = _watch(server, dut, timing)
    r = server.write(dut.endpoint, PACKAGE, payload=old.data, content_format=CF.OPAQUE)
    if r.code.class_ == 4:
        expect.equal(_version(server, dut), running, "/3/0/3 Firmware Version after a refused older image")
        return
    expect.code(r, codes.CHANGED)
    state, result = _until(server, dut, watch, timing, _settled, "the end of the download")
    if state == DOWNLOADED:
        dut.expect_restart()
        mark = server.mark()
        if server.execute(dut.endpoint, UPDATE).ok:
            state, result = _outcome(server, dut, watch, mark, timing)
    expect.true(result != SUCCESS, "Update Result after an older image", "not 1 (success)", result)
    expect.equal(_version(server, dut), running, "/3/0/3 Firmware Version after an older image")
