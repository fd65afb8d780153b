"""Firmware Update object /5 (OMA ETS int-751..776, push delivery) and meterproof's anti-rollback check.

Images come from :func:`meterproof.sim.firmware_image.build_image` (the reference meter's
format: versioned, SHA-256 protected).  Every wait for a state change observes /5/0 and is
bounded by the device's reaction time; the facts (State 0 Idle, 1 Downloading,
2 Downloaded, 3 Updating; Update Result 0 initial, 1 success, 5 integrity failure,
8 update failed) are those of oma-ets-cases.md §3.8.
"""

from __future__ import annotations

from typing import Any, Callable

from fixtures import CF, P, codes, ets, expect, mp, regulation, requires
from meterproof.errors import TimeoutError_
from meterproof.sim.firmware_image import build_image

IDLE, DOWNLOADING, DOWNLOADED, UPDATING = 0, 1, 2, 3
INITIAL, SUCCESS = 0, 1
INTEGRITY_FAILURE = 5
PACKAGE, UPDATE, STATE, RESULT, FW_VERSION = "/5/0/0", "/5/0/2", "/5/0/3", "/5/0/5", "/3/0/3"


# ---------------------------------------------------------------------------- helpers
def _read_fw(server: Any, dut: Any) -> tuple[int, int]:
    """GET /5/0 (TLV when the device claims it): 2.05; returns (State, Update Result)."""
    accept = CF.TLV if dut.profile.claims_format(CF.TLV) else None
    r = server.read(dut.endpoint, "/5/0", accept=accept)
    expect.code(r, codes.CONTENT)
    vals = expect.decodes(r)
    expect.present(vals, STATE, RESULT)
    return vals[P(STATE)], vals[P(RESULT)]


def _version(server: Any, dut: Any) -> str:
    r = server.read(dut.endpoint, FW_VERSION, accept=CF.TEXT)
    expect.code(r, codes.CONTENT)
    return r.payload.decode("utf-8", "replace")


def _shifted(version: str, up: bool) -> str:
    """A dotted version just above (or below) ``version``: 1.0.0 -> 1.0.1 / 0.9.9."""
    parts = [int(x) if x.isdigit() else 0 for x in version.split(".")]
    if up:
        parts[-1] += 1
    else:
        i = max((k for k, x in enumerate(parts) if x > 0), default=None)
        if i is None:
            expect.not_applicable(f"no firmware version lower than {version!r} exists")
        parts[i] -= 1
        parts[i + 1:] = [9] * (len(parts) - i - 1)
    return ".".join(map(str, parts))


def _write_package(server: Any, dut: Any, image: bytes, *ok: Any) -> Any:
    r = server.write(dut.endpoint, PACKAGE, payload=image, content_format=CF.OPAQUE)
    expect.code(r, *(ok or (codes.CHANGED,)))
    return r


def _watch(server: Any, dut: Any, timing: Any) -> Any:
    """Observe /5/0 (pmin 0, pmax so that silence cannot last): every State/Result change arrives."""
    expect.code(server.write_attributes(dut.endpoint, "/5/0", pmin=0, pmax=timing.attr(2)), codes.CHANGED)
    obs = server.observe(dut.endpoint, "/5/0")
    expect.code(obs.first, codes.CONTENT)
    obs.last = _sr(expect.decodes(obs.first))
    return obs


def _sr(values: Any) -> tuple[int, int]:
    expect.present(values, STATE, RESULT)
    return values[P(STATE)], values[P(RESULT)]


def _next(obs: Any, timeout: float, what: str) -> tuple[int, int]:
    """The (State, Result) of the next /5/0 notification within ``timeout``."""
    n = expect.notification(obs, timeout, f"{what} (last State/Result {obs.last})")
    vals, err = obs.decode(n)
    expect.true(err is None and vals is not None, "/5/0 notification payload", "decodable", err)
    obs.last = _sr(vals)
    return obs.last


def _until(obs: Any, timing: Any, done: Callable[[int, int], bool], what: str) -> tuple[int, int]:
    """Notifications of /5/0 until ``done(state, result)``; returns that (State, Result)."""
    deadline = obs.now() + timing.reaction
    while not done(*obs.last):
        _next(obs, deadline - obs.now(), what)
    return obs.last


def _settled(state: int, result: int) -> bool:
    return state in (IDLE, DOWNLOADED) and (state == DOWNLOADED or result != INITIAL)


def _outcome(server: Any, dut: Any, obs: Any, mark: int, timing: Any) -> tuple[int, int] | None:
    """After Execute Update: None when the device registered again (it rebooted), else the first
    (State, Result) that is no longer Updating with a Result set."""
    deadline = server.now() + timing.reaction
    while server.now() < deadline:
        if server.events("registered", dut.endpoint, since=mark):
            return None
        try:
            n = obs.next(min(timing.s(0.25), max(0.0, deadline - server.now())))
        except TimeoutError_:
            continue
        vals, _ = obs.decode(n)
        if vals is not None:
            obs.last = _sr(vals)
            if obs.last[0] != UPDATING and obs.last[1] != INITIAL:
                return obs.last
    expect.fail("outcome of Execute /5/0/2", f"a re-registration or a final Update Result within "
                f"{timing.reaction:.0f}s", f"State/Result {obs.last}")
    return None


# ---------------------------------------------------------------------------- OMA ETS
@ets("LightweightM2M-1.1-int-751", "FW Update: Querying readable resources")
def test_int_751_read_firmware_object(server, dut, timing, transcript):
    """GET /5/0 (TLV when claimed): 2.05.
    Pass: State (3) = 0 Idle, Update Result (5) = 0; /5/0/8 (protocols) and /5/0/9 (delivery method) present."""
    accept = CF.TLV if dut.profile.claims_format(CF.TLV) else None
    r = server.read(dut.endpoint, "/5/0", accept=accept)
    expect.code(r, codes.CONTENT)
    vals = expect.decodes(r)
    expect.value(vals, STATE, IDLE)
    expect.value(vals, RESULT, INITIAL)
    expect.present(vals, "/5/0/8", "/5/0/9")


@ets("LightweightM2M-1.1-int-755", "FW Update: Setting writable resource Package")
@requires(feature="firmware-push")
def test_int_755_write_package(server, dut, timing, transcript):
    """PUT /5/0/0 = '\\0': 2.04; GET /5/0: State 0, Result 0.
    PUT /5/0/0 = a valid image: 2.04.
    Pass: State reaches 2 (Downloaded) with Result 0, and is still 2 at the next pmax notification
    and when read back (no install without Execute /5/0/2)."""
    watch = _watch(server, dut, timing)
    _write_package(server, dut, b"\0")
    expect.equal(_read_fw(server, dut), (IDLE, INITIAL), "(State, Update Result) after writing '\\0'")
    _write_package(server, dut, build_image(_shifted(_version(server, dut), up=True)))
    state, result = _until(watch, timing, _settled, "State 2 after the package write")
    expect.equal((state, result), (DOWNLOADED, INITIAL), "(State, Update Result) after the package write")
    expect.equal(_next(watch, timing.attr(2) + timing.late, "the next /5/0 notification (at pmax)"),
                 (DOWNLOADED, INITIAL), "(State, Update Result) at the next notification")
    expect.equal(_read_fw(server, dut), (DOWNLOADED, INITIAL), "(State, Update Result) read back")


@ets("LightweightM2M-1.1-int-760", "FW Update: Basic Observation")
@requires(feature="firmware-push")
def test_int_760_observe_state(server, dut, timing, transcript):
    """Write-Attributes pmin/pmax on /5/0: 2.04. Observe /5/0/3: 2.05 with State 0.
    PUT /5/0/0 = a valid image: 2.04.
    Pass: a notification carrying State 2 (Downloaded)."""
    expect.code(server.write_attributes(dut.endpoint, "/5/0", pmin=timing.attr(1), pmax=timing.attr(2)),
                codes.CHANGED)
    obs = server.observe(dut.endpoint, STATE)
    expect.code(obs.first, codes.CONTENT)
    expect.value(expect.decodes(obs.first), STATE, IDLE)
    _write_package(server, dut, build_image(_shifted(_version(server, dut), up=True)))
    seen = []
    while DOWNLOADED not in seen:
        n = expect.notification(obs, timing.attr(2) + timing.late, f"notification of State 2 (so far {seen})")
        vals, err = obs.decode(n)
        expect.true(vals is not None, "/5/0/3 notification payload", "decodable", err)
        seen.append(vals[P(STATE)])
        expect.true(set(seen) <= {IDLE, DOWNLOADING, DOWNLOADED}, "States notified before Downloaded",
                    "0, 1 then 2", seen)


@ets("LightweightM2M-1.1-int-770", "Successful Firmware update (via CoAP, push)")
@requires(feature="firmware-push")
def test_int_770_push_update(server, dut, timing, transcript):
    """PUT /5/0/0 = '\\0': 2.04. PUT /5/0/0 = an image newer than /3/0/3, block-wise: 2.31 per block, then 2.04.
    Observe until State 2 with Result 0. POST /5/0/2 (Update): 2.04.
    The device installs, reboots and registers again.
    Pass: State 0, Update Result 1, and /3/0/3 is the new version."""
    new = _shifted(_version(server, dut), up=True)
    watch = _watch(server, dut, timing)
    _write_package(server, dut, b"\0")
    r = _write_package(server, dut, build_image(new, body=bytes(range(256)) * 12))
    expect.true(any(resp.code == codes.CONTINUE for _, resp in r.exchanges), "Block1 transfer of the image",
                "2.31 Continue for the blocks before the last", [resp.code.dotted for _, resp in r.exchanges])
    expect.equal(_until(watch, timing, _settled, "State 2 after the package write"), (DOWNLOADED, INITIAL),
                 "(State, Update Result) after the download")
    mark = server.mark()
    expect.code(server.execute(dut.endpoint, UPDATE), codes.CHANGED)
    expect.event(server, "registered", dut.endpoint, since=mark, timeout=timing.reaction,
                 what="Register after the update (the device reboots into the new firmware)")
    expect.equal(_read_fw(server, dut), (IDLE, SUCCESS), "(State, Update Result) after the update")
    expect.equal(_version(server, dut), new, "/3/0/3 Firmware Version after the update")


@ets("LightweightM2M-1.1-int-772", "FW Error 1: install without downloaded package")
def test_int_772_update_without_package(server, dut, timing, transcript):
    """GET /5/0: State is not 2 (Downloaded).
    POST /5/0/2 (Update): pass: 4.05 Method Not Allowed.
    GET /5/0: pass: State and Update Result unchanged."""
    before = _read_fw(server, dut)
    expect.true(before[0] != DOWNLOADED, "precondition: State", "not 2 (Downloaded)", before[0])
    expect.code(server.execute(dut.endpoint, UPDATE), codes.METHOD_NOT_ALLOWED)
    expect.equal(_read_fw(server, dut), before, "(State, Update Result) after the refused Update")


@ets("LightweightM2M-1.1-int-776", "FW Error 5: package integrity check failure")
@requires(feature="firmware-push")
def test_int_776_corrupt_package(server, dut, timing, transcript):
    """PUT /5/0/0 = an image whose body does not match its digest: 2.04 (or 4.00 at once).
    Observe /5/0 until the download settles.
    Pass: Update Result 5 (integrity check failure), State 0 (Idle)."""
    watch = _watch(server, dut, timing)
    _write_package(server, dut, build_image(_shifted(_version(server, dut), up=True), corrupt=True),
                   codes.CHANGED, codes.BAD_REQUEST)
    expect.equal(_until(watch, timing, _settled, "the end of the download"), (IDLE, INTEGRITY_FAILURE),
                 "(State, Update Result) after a corrupt package")


# ---------------------------------------------------------------------------- meterproof's own
@mp("MP-FW-ROLLBACK", "An older firmware image is not installed", epic="Core objects", feature="Firmware Update",
    clause="ETSI TS 103 701 5.3-2-1 (installing an older firmware is a misuse); OMA /5 Update Result 8")
@regulation("ETSI EN 303 645 5.3-2", "REG-UPD-04")
@requires(feature="firmware-push")
def test_firmware_rollback_refused(server, dut, timing, transcript):
    """PUT /5/0/0 = a valid image of a version lower than /3/0/3: 2.04 (or refused at once).
    If it reaches State 2: POST /5/0/2 (Update).
    Pass: Update Result is not 1 (success), and /3/0/3 still holds the running version."""
    running = _version(server, dut)
    watch = _watch(server, dut, timing)
    _write_package(server, dut, build_image(_shifted(running, up=False)), codes.CHANGED, codes.BAD_REQUEST)
    state, result = _until(watch, timing, _settled, "the end of the download")
    if state == DOWNLOADED:
        mark = server.mark()
        if server.execute(dut.endpoint, UPDATE).ok:
            outcome = _outcome(server, dut, watch, mark, timing)
            state, result = outcome if outcome is not None else _read_fw(server, dut)
    expect.true(result != SUCCESS, "Update Result after an older image", "not 1 (success)", result)
    expect.equal(_version(server, dut), running, "/3/0/3 Firmware Version after an older image")
