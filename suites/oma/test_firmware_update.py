"""Firmware Update object /5 (OMA ETS int-751..779, push and pull delivery) and meterproof's own checks
(anti-rollback, unsupported protocol, resetting and cancelling the state machine).

Images are the device's own, from its profile's ``firmware.images`` by role (newer, older, corrupt, unsupported,
oversized, failing); only meterproof's simulated meter gets images built on demand
(:mod:`meterproof.fixtures.firmware`).  Pull delivery honours what the device declares: /5/0/9 Delivery Method
(0 pull, 1 push, 2 both) and /5/0/8 Firmware Update Protocol Support (0 CoAP, 1 CoAPS, 2 HTTP, 3 HTTPS; CoAP when
the device has no /5/0/8, "CoAP is the default setting"); the file is served by the harness itself
(:mod:`meterproof.fixtures.delivery`).  Every wait for a state
change observes /5/0 and is bounded by the device's reaction time; Write-Attributes on /5/0 is tried first
(a SHOULD for clients, TS Core 1.1.1 §5.1.2: without it, the device still notifies each change).  The facts
(State 0 Idle, 1 Downloading, 2 Downloaded, 3 Updating; Update Result 0 initial, 1 success, 5 integrity
failure, 8 update failed) are those of the object definition (oma-ets-cases.md §3.8).  A device that
installs in place without registering again passes: the ETS asks for the final State and Result, not for
a reboot.
"""

from __future__ import annotations

from meterproof.fixtures import CF, P, codes, ets, expect, mp, regulation, requires
from meterproof.fixtures.firmware import image
from meterproof.fixtures.firmware_steps import (
    CANCEL, CANCELLED, CONNECTION_LOST, DOWNLOADED, DOWNLOADING, FIRMWARE, FW_VERSION, IDLE, INITIAL,
    INTEGRITY_FAILURE, INVALID_URI, LOST_LINK_ORDER, NO_STORAGE, OUT_OF_RAM, RESULT, RESULTS, STATE,
    UNSUPPORTED_PROTOCOL, UNSUPPORTED_TYPE, UPDATE, UPDATE_FAILED, deliver_failing, downloaded, failed_download,
    install, lost_link_budget, not_installed, outcome, pull_schemes, read_fw, refused_uri, running_version, settled, undeclared_scheme, watch_fw, write_package,
    write_uri)


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
def test_int_755write_package(server, dut, timing, transcript):
    """PUT /5/0/0 = '\\0': 2.04; GET /5/0: State 0, Result 0.
    PUT /5/0/0 = a valid image (the profile's newer one): 2.04.
    Pass: State reaches 2 (Downloaded) with Result 0, stays there for a pmax period and reads back 2 (no install
    without Execute /5/0/2)."""
    new = image(dut, "newer", running_version(server, dut))
    watch = watch_fw(server, dut, timing)
    write_package(server, dut, b"\0")
    expect.equal(read_fw(server, dut), (IDLE, INITIAL), "(State, Update Result) after writing '\\0'")
    write_package(server, dut, new.data)
    state, result = watch.until(settled, "State 2 after the package write")
    expect.equal((state, result), (DOWNLOADED, INITIAL), "(State, Update Result) after the package write")
    watch.stays((DOWNLOADED, INITIAL), "(State, Update Result) notified while no Update was executed")
    expect.equal(read_fw(server, dut), (DOWNLOADED, INITIAL), "(State, Update Result) read back")


@ets("LightweightM2M-1.1-int-760", "FW Update: Basic Observation")
@requires(obj=5, feature="firmware-push")
def test_int_760_observe_state(server, dut, timing, transcript):
    """Write-Attributes pmin/pmax on /5/0 (a SHOULD): 2.04. Observe /5/0/3: 2.05 with State 0.
    PUT /5/0/0 = a valid image: 2.04.
    Pass: a notification carrying State 2 (Downloaded), after only 0, 1."""
    new = image(dut, "newer", running_version(server, dut))
    r = server.write_attributes(dut.endpoint, "/5/0", pmin=timing.attr(1), pmax=timing.attr(2))
    expect.should(r.code == codes.CHANGED, "Write-Attributes /5/0?pmin&pmax", "2.04 Changed", r.code_text)
    obs = server.observe(dut.endpoint, STATE)
    expect.code(obs.first, codes.CONTENT)
    with expect.supporting("State Idle before the download (ETS precondition)", "int-751"):
        expect.value(expect.decodes(obs.first), STATE, IDLE)
    write_package(server, dut, new.data)
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
    """C.8 (push; /3/0/3 Firmware Version, which step 3b reads: a device without it is not applicable).  Steps and
    pass criteria of ETS 1.0.1 §int-770 (1.2 §6.6.6.5 the same):
    1a. PUT /5/0/0 = '\\0' (initial state): 2.04.
    1b. PUT /5/0/0 = the newer image, large enough for Block1: 2.31 Continue for every block but the last, then 2.04.
    1c. Observe /5/0 (else poll) until State 2: State may pass 1 (Downloading) and ends at 2 (Downloaded).
    1d. Update Result 0 during the whole of step 1 (from the '\\0' write on: what the device held before it, e.g.
        Result 1 of an earlier update, is not part of the step).
    2a. POST /5/0/2 (Update): 2.04.
    2b. Until State 0 or a Result other than 0 (the device may reboot and register again, or update in place):
        every State seen is 3 (Updating) or 0, every Result 0 or 1.
    3a. Read /5/0: State 0, Update Result 1.
    3b. Read /3/0/3: the new firmware version.
    The ETS reads no /5/0/7 PkgVersion, so neither does this case."""
    dut.require(FW_VERSION, why="ETS configuration C.8 presumes (step 3b reads it)")
    new = image(dut, "newer", running_version(server, dut), body=bytes(range(256)) * 12)
    watch = watch_fw(server, dut, timing)
    step1 = len(watch.seen)
    write_package(server, dut, b"\0")
    r = write_package(server, dut, new.data)
    if len(r.exchanges) > 1:
        expect.true(all(resp.code == codes.CONTINUE for _, resp in r.exchanges[:-1]), "Block1 transfer of the "
                    "image", "2.31 Continue for the blocks before the last", [resp.code.dotted for _, resp in r.exchanges],
                    clause="RFC 7959 §2.3 (Block1: 2.31 Continue); ETS int-770 pass criterion 1.b")
    downloaded(watch, "the package write", "ETS int-770 step 1c, criteria 1.c and 1.d", since=step1)
    install(server, dut, watch, timing, new, "int-770 steps 2a-3b", package_version=False)


@ets("LightweightM2M-1.1-int-772", "FW Error 1: install without downloaded package")
@requires(obj=5)
def test_int_772_update_without_package(server, dut, timing, transcript):
    """GET /5/0: State is not 2 (Downloaded).
    POST /5/0/2 (Update): pass: 4.05 Method Not Allowed.
    GET /5/0: pass: State and Update Result unchanged."""
    with expect.supporting("GET /5/0 before the Update", "int-751"):
        before = read_fw(server, dut)
    if before[0] == DOWNLOADED:
        expect.inconclusive("a State other than Downloaded before the Update", "int-751",
                            "the device already holds a downloaded package")
    with expect.all_criteria() as criteria:
        with criteria.check("Update response code"):
            expect.code(server.execute(dut.endpoint, UPDATE), codes.METHOD_NOT_ALLOWED,
                        clause="OMA TS Core 1.1 E.6: Update is valid only in Downloaded; ETS int-772: 4.05")
        with criteria.check("State and Update Result after the Update"):
            with expect.supporting("GET /5/0 after the Update", "int-751"):
                after = read_fw(server, dut)
            expect.equal(after, before, "(State, Update Result) after the refused Update")


@ets("LightweightM2M-1.1-int-776", "FW Error 5: package integrity check failure")
@requires(obj=5)
def test_int_776_corrupt_package(server, dut, timing, transcript, delivery):
    """PUT /5/0/0 = an image whose integrity check fails (the profile's corrupt one; push, or pull on a device that
    takes pull only): 2.04 (or 4.00 at once). Observe /5/0 until the download settles.
    Pass: only States 1 and 0 on the way; Update Result 5 (integrity check failure), State 0 (Idle)."""
    bad = image(dut, "corrupt", running_version(server, dut))
    deliver_failing(server, dut, timing, delivery, bad.data, INTEGRITY_FAILURE, "a corrupt package")


@ets("LightweightM2M-1.1-int-756", "FW Update: Setting writable resource Package URI")
@requires(obj=5, feature="firmware-pull")
def test_int_756_write_package_uri(server, dut, timing, transcript, delivery):
    """For every protocol the device declares in /5/0/8 that this run can serve (coap, coaps, http, https):
    PUT /5/0/1 = "": 2.04; GET /5/0: State 0, Result 0.
    PUT /5/0/1 = the URI of a valid image (the profile's newer one) on meterproof's file server: 2.04.
    Pass: the device fetches it (the file server sees its requests), State reaches 2 (Downloaded) with Result 0
    and reads back 2 (no install without Execute /5/0/2)."""
    schemes = pull_schemes(server, dut, delivery)
    new = image(dut, "newer", running_version(server, dut))
    watch = watch_fw(server, dut, timing)
    for scheme in schemes:
        write_uri(server, dut, "")
        expect.equal(read_fw(server, dut), (IDLE, INITIAL), "(State, Update Result) after writing an empty URI",
                     clause=f"{FIRMWARE}: an empty Package URI resets the state machine")
        watch.saw((IDLE, INITIAL))
        uri = delivery.uri(new.data, scheme)
        write_uri(server, dut, uri)
        state, result = watch.until(settled, f"State 2 after writing a {scheme}:// URI")
        expect.equal((state, result), (DOWNLOADED, INITIAL), f"(State, Update Result) after a {scheme}:// pull")
        expect.true(delivery.requests(uri) > 0, f"the {scheme}:// download", "requests at the file server", 0)
        expect.equal(read_fw(server, dut), (DOWNLOADED, INITIAL), "(State, Update Result) read back")


@ets("LightweightM2M-1.1-int-771", "Successful Firmware update (alternative mechanism, pull)")
@requires(obj=5, feature="firmware-pull")
def test_int_771_pull_update(server, dut, timing, transcript, delivery):
    """PUT /5/0/1 = "": 2.04. PUT /5/0/1 = the URI of the newer image (the first protocol the device declares in
    /5/0/8 that this run serves): 2.04. Until State 2: the States notified on the way are 0, 1, 2 with Update
    Result 0 throughout. POST /5/0/2 (Update): 2.04. Until the update ends: only State 3 or 0, Result 0 or 1.
    GET /5/0. Pass: State 0, Update Result 1, and /3/0/3 is the new version (as int-770, whose audit applies:
    Result 0 judged from the "" write on, /3/0/3 required, no PkgVersion)."""
    dut.require(FW_VERSION, why="ETS configuration C.8 presumes (step 3b reads it)")
    scheme = pull_schemes(server, dut, delivery)[0]
    new = image(dut, "newer", running_version(server, dut))
    watch = watch_fw(server, dut, timing)
    step1 = len(watch.seen)
    write_uri(server, dut, "")
    write_uri(server, dut, delivery.uri(new.data, scheme))
    downloaded(watch, "writing the URI", "ETS int-771", since=step1)
    install(server, dut, watch, timing, new, "int-771", package_version=False)


@ets("LightweightM2M-1.1-int-773", "FW Error 2: shortage of storage memory")
@requires(obj=5)
def test_int_773_not_enough_storage(server, dut, timing, transcript, delivery):
    """PUT /5/0/0 = an image larger than the device's storage (the profile's oversized one; by Block1, which
    announces its size in Size1: the device may refuse it at once with 4.13, RFC 7959 §2.9.3), or, on a device that
    takes pull only, PUT /5/0/1 = its URI. Observe /5/0 until the download ends.
    Pass: only States 1 and 0 on the way; State 0 (Idle) with Update Result 2 (not enough flash)."""
    big = image(dut, "oversized", running_version(server, dut))
    deliver_failing(server, dut, timing, delivery, big.data, NO_STORAGE, "an image larger than the storage")


@ets("LightweightM2M-1.1-int-774", "FW Error 3: out of memory")
@requires(obj=5)
def test_int_774_out_of_ram(server, dut, timing, transcript, delivery):
    """PUT /5/0/0 = an image that exhausts the device's RAM while it downloads or unpacks it (the profile's
    out-of-ram one; push, or pull on a device that takes pull only): 2.04 (or 4.13). Observe /5/0 until the download
    ends. Pass: only States 1 and 0 on the way; State 0 (Idle) with Update Result 3 (out of RAM during downloading;
    the ETS text prints 2: erratum, OMA_LwM2M_for_Developers#375)."""
    big = image(dut, "out-of-ram", running_version(server, dut))
    deliver_failing(server, dut, timing, delivery, big.data, OUT_OF_RAM, "an image that exhausts the RAM",
                     "int-774-result")


@ets("LightweightM2M-1.1-int-775", "FW Error 4: connection lost during download (URI)")
@requires(obj=5, feature="firmware-pull")
def test_int_775_connection_lost(server, dut, timing, transcript, delivery):
    """PUT /5/0/1 = the URI of the newer image on a file server that goes silent (CoAP: no answer to any block past
    the first half) or closes the connection (HTTP: half the announced Content-Length) half-way through.
    Observe /5/0 until the download ends; the device may retry for its MAX_TRANSMIT_WAIT.
    Pass: only States 1 and 0 on the way; State 0 (Idle) with Update Result 4 (connection lost)."""
    scheme = pull_schemes(server, dut, delivery, LOST_LINK_ORDER)[0]
    new = image(dut, "newer", running_version(server, dut), body=bytes(range(256)) * 12)
    watch = watch_fw(server, dut, timing)
    uri = delivery.uri(new.data, scheme, cut_at=len(new.data) // 2)
    write_uri(server, dut, uri)
    failed_download(server, dut, watch, timing, CONNECTION_LOST, "a download whose link was lost",
                    budget=lost_link_budget(timing, scheme))


@ets("LightweightM2M-1.1-int-777", "FW Error 6: unsupported package type")
@requires(obj=5)
def test_int_777_unsupported_package_type(server, dut, timing, transcript, delivery):
    """PUT /5/0/0 = a package of a type the device does not take (the profile's unsupported one; push, or pull on a
    device that takes pull only): 2.04. Observe /5/0 until the download ends.
    Pass: State 0 (Idle) with Update Result 6 (the ETS prints final State 1: erratum, OMA_LwM2M_for_Developers#374)."""
    bad = image(dut, "unsupported", running_version(server, dut))
    deliver_failing(server, dut, timing, delivery, bad.data, UNSUPPORTED_TYPE, "a package of an unsupported type",
                     "int-777-state")


@ets("LightweightM2M-1.1-int-778", "FW Error 7: invalid URI")
@requires(obj=5, feature="firmware-pull")
def test_int_778_invalid_uri(server, dut, timing, transcript, delivery):
    """PUT /5/0/1 = a URI of a protocol the device declares, on meterproof's file server, naming no file there
    (4.04 / 404 to the download): 2.04. Observe /5/0 until the download ends.
    Pass: only States 1 and 0 on the way; State 0 (Idle) with Update Result 7 (invalid URI)."""
    scheme = pull_schemes(server, dut, delivery)[0]
    uri = delivery.uri(b"", scheme)
    uri = uri.rsplit("/", 1)[0] + "/no-such-firmware"
    watch = watch_fw(server, dut, timing)
    write_uri(server, dut, uri)
    failed_download(server, dut, watch, timing, INVALID_URI, "a URI naming no file")


@ets("LightweightM2M-1.1-int-779", "FW Error 8: unsuccessful firmware update")
@requires(obj=5, feature="firmware-push")
def test_int_779_update_fails(server, dut, timing, transcript):
    """PUT /5/0/0 = an image that downloads and verifies but whose installation fails (the profile's failing one):
    until State 2 (Downloaded), Result 0. POST /5/0/2 (Update): 2.04. Until the update ends.
    Pass: Update Result 8 (firmware update failed); State 2 (the ETS) or 0 (object 5 resource 3: "the state may
    return to either Downloaded or Idle"); /3/0/3 still the running version."""
    running = running_version(server, dut)
    bad = image(dut, "failing", running)
    watch = watch_fw(server, dut, timing)
    write_package(server, dut, bad.data)
    expect.equal(watch.until(settled, "State 2 after the package write"),
                 (DOWNLOADED, INITIAL), "(State, Update Result) after the download")
    dut.expect_restart()
    mark = server.mark()
    expect.code(server.execute(dut.endpoint, UPDATE), codes.CHANGED)
    state, result = outcome(server, dut, watch, mark, timing)
    expect.equal(result, UPDATE_FAILED, "Update Result after a failed installation", clause=f"{RESULTS} 8")
    expect.true(state in (DOWNLOADED, IDLE), "State after a failed installation", "2 (Downloaded) or 0 (Idle)",
                state, clause="OMA object 5 resource 3 State: after a failed Update, Downloaded or Idle")
    if running is not None:
        expect.equal(running_version(server, dut), running, "/3/0/3 Firmware Version after a failed update")


# ---------------------------------------------------------------------------- meterproof's own
@mp("MP-FW-ROLLBACK", "An older firmware image is not installed", epic="Core objects", feature="Firmware Update",
    clause="ETSI TS 103 701 5.3-2-1 (installing an older firmware is a misuse); OMA /5 Update Result 8")
@regulation("ETSI EN 303 645 5.3-2", "ETSI TS 103 701 5.3-2-1", "ETSI TS 103 701 5.3-2-2",
            "EU CRA Annex I Part I (2)(c)")
@requires(obj=5, feature="firmware-push")
def test_firmware_rollback_refused(server, dut, timing, transcript):
    """PUT /5/0/0 = a valid image of a version lower than /3/0/3 (the profile's older one): 2.04, or refused at
    once (any 4.xx passes).  If it reaches State 2: POST /5/0/2 (Update).
    Pass: Update Result is not 1 (success), and /3/0/3 still holds the running version."""
    running = running_version(server, dut)
    old = image(dut, "older", running)
    if running is None:
        expect.not_applicable("the device has no /3/0/3 Firmware Version to show what it runs")
    not_installed(server, dut, timing, None, old.data, running, "an older image")



@mp("MP-FW-PROTOCOL", "A Package URI of an undeclared protocol ends in Update Result 9", epic="Core objects",
    feature="Firmware Update", clause="OMA object 5 resource 5 Update Result 9 (unsupported protocol); resource 8")
@requires(obj=5, feature="firmware-pull")
def test_firmware_unsupported_protocol(server, dut, timing, transcript, delivery):
    """PUT /5/0/1 = a URI whose scheme is a firmware protocol of object 5 the device does not declare in /5/0/8
    (CoAP over TCP, coap+tcp://, or another of 0..5 it leaves out): 2.04 (or 4.00 at once).
    Pass: only States 1 and 0 on the way; State 0 with Update Result 9 (unsupported protocol).
    (A server MUST NOT send such a URI, object 5 resource 8; Result 9 is what the client reports when one does.)"""
    pull_schemes(server, dut, delivery)
    other = undeclared_scheme(server, dut)
    if other is None:
        expect.not_applicable("the device declares every firmware protocol of object 5 in /5/0/8")
    watch = watch_fw(server, dut, timing)
    refused_uri(server, dut, watch, timing, f"{other}://{delivery.host}:9/firmware.bin", UNSUPPORTED_PROTOCOL,
                f"a {other}:// URI")


@mp("MP-FW-RESET", "Writing an empty Package URI, a NULL Package or Cancel resets the state machine",
    epic="Core objects", feature="Firmware Update",
    clause="OMA object 5 resource 3 State (reset to Idle / Result 0) and resource 10 Cancel (Idle / Result 10)")
@requires(obj=5, feature="firmware-push")
def test_firmware_reset(server, dut, timing, transcript):
    """PUT /5/0/0 = the profile's unsupported package: State 0 with a Result other than 0.
    PUT /5/0/1 = "": 2.04; pass: State 0, Update Result 0 (the reset clears the last result).
    PUT /5/0/0 = the newer image: State 2. PUT /5/0/0 = '\\0': 2.04; pass: State 0, Result 0.
    Where the device has Cancel /5/0/10 (object 5 v1.1+): the newer image again to State 2; POST /5/0/10: 2.04;
    pass: State 0, Update Result 10."""
    running = running_version(server, dut)
    new, bad = image(dut, "newer", running), image(dut, "unsupported", running)
    watch = watch_fw(server, dut, timing)
    write_package(server, dut, bad.data, codes.CHANGED, codes.BAD_REQUEST, codes.UNSUPPORTED_CONTENT_FORMAT)
    with expect.supporting("a failed download before the reset", "int-777"):
        watch.until(lambda st, res: st == IDLE and res != INITIAL, "the failed download")
    write_uri(server, dut, "")
    expect.equal(read_fw(server, dut), (IDLE, INITIAL), "(State, Update Result) after writing an empty Package URI",
                 clause=f"{FIRMWARE}: \"the Update Result Resource value is set to 0\"")
    watch.saw((IDLE, INITIAL))
    write_package(server, dut, new.data)
    with expect.supporting("a package Downloaded before the reset", "int-755"):
        expect.equal(watch.until(settled, "State 2"), (DOWNLOADED, INITIAL), "the download")
    write_package(server, dut, b"\0")
    expect.equal(read_fw(server, dut), (IDLE, INITIAL), "(State, Update Result) after writing '\\0' to Package",
                 clause=f"{FIRMWARE}: setting the Package to NULL resets the state machine")
    watch.saw((IDLE, INITIAL))
    if not dut.has(CANCEL):
        return
    write_package(server, dut, new.data)
    with expect.supporting("a package Downloaded before Cancel", "int-755"):
        expect.equal(watch.until(settled, "State 2"), (DOWNLOADED, INITIAL), "the download")
    expect.code(server.execute(dut.endpoint, CANCEL), codes.CHANGED, clause="OMA object 5 resource 10 Cancel")
    expect.equal(watch.until(lambda st, res: st == IDLE, "Idle after Cancel"),
                 (IDLE, CANCELLED), "(State, Update Result) after Cancel", clause="OMA object 5 resource 10: "
                 "\"Update Result Resource is set to 10 and State is set to 0\"")
