"""Regulatory checks on software and firmware updates (REG-UPD-*), over the Firmware Update object /5 and the
Software Management object /9.

The provisions evidenced: ETSI EN 303 645 5.3-1/5.3-2 (a secure update mechanism), 5.3-9/5.3-10 (the update is
checked for authenticity and integrity before it is installed; a trust relationship), 5.3-16 (the version can be
read), 5.9-2 (resilience to a failed update), 5.13-1 (input validation) and the matching ETSI TS 103 701 test
cases (5.3-2-2 note 1: change one byte of a signed firmware and check it is rejected; installing an older
firmware is a misuse), EN 18031-1 SUM-1/SUM-2, EU CRA Annex I Part I (2)(c) and (2)(f) and Part II (7).  The LwM2M
facts are the object definitions': /5 State 0 Idle, 1 Downloading, 2 Downloaded, 3 Updating; Update Result 1
success, 4 connection lost, 5 integrity check failure, 7 invalid URI, 9 unsupported protocol; Package URI 0..255
bytes; Update executable only in Downloaded (OMA TS Core 1.1 Appendix E.6); /9 Update Result 53 package
integrity check failure.

Images are the device's own, from its profile's ``firmware.images`` by role (newer, older, unsigned,
wrong-signer, tampered-payload, tampered-signature, tampered-manifest): where a byte can be changed without
breaking the format is for the vendor to say, never assumed; only meterproof's simulated meter gets images built
on demand in its own format.  The steps (deliver by push or pull as /5/0/9 and /5/0/8 declare, watch the state
machine, install, judge) are :mod:`meterproof.fixtures.firmware_steps`, shared with the OMA firmware cases.
"""

from __future__ import annotations

from typing import Any

from meterproof.fixtures import CF, P, codes, expect, mp, regulation, requires
from meterproof.fixtures.firmware import has_image, image, software_package
from meterproof.fixtures.firmware_steps import (
    CANCEL, CONNECTION_LOST, DOWNLOADED, DOWNLOADING, FIRMWARE, IDLE, INITIAL, INVALID_URI, LOST_LINK_ORDER,
    PACKAGE, PKG_VERSION, RESULT, RESULTS, STATE, UNSUPPORTED_PROTOCOL, URI, UPDATE, deliver,
    delivery_route, downloaded, install, lost_link_budget, not_installed, pull_schemes, read_fw, refused_uri,
    running_version, undeclared_scheme, watch_fw, write_uri)
from meterproof.fixtures.software_steps import DELIVERED, INSTALLED, SoftwareInstance
from meterproof.fixtures.two_servers import ACL_CLAUSE, OWNER, RESTRICTED, Grant, two_servers

REG = dict(epic="Regulatory", feature="Secure updates")


def _running(server: Any, dut: Any) -> str:
    """The running firmware version (/3/0/3); not applicable without it (nothing shows an install)."""
    running = running_version(server, dut)
    if running is None:
        expect.not_applicable("the device has no /3/0/3 Firmware Version to show which firmware it runs")
    assert running is not None
    return running


def _refused_images(server: Any, dut: Any, timing: Any, delivery: Any, roles: tuple[str, ...]) -> None:
    """Each image of ``roles`` the profile provides must not install (:func:`not_installed`); the device still
    answers afterwards.  Not applicable when the profile provides none of them."""
    running = _running(server, dut)
    usable = [r for r in roles if has_image(dut, r)]
    if not usable:
        expect.not_applicable(f"the device profile lists no firmware image of the roles {', '.join(roles)} (add "
                              f"them to firmware.images: the vendor knows where each part of its format lies)")
    table = []
    for role in usable:
        img = image(dut, role, running)
        final = not_installed(server, dut, timing, delivery, img.data, running, f"the {role} image")
        table.append({"image": img.name, "bytes": len(img.data),
                      "outcome": "refused at the Write" if final is None else {"state": final[0], "result": final[1]}})
    expect.evidence("images that must not install", table)
    expect.alive(server, dut.endpoint, "device answers a Read of /3/0 after the refused images")


@mp("REG-UPD-01", "An authorised update installs (positive control): State 0->1->2->3, Update Result 1, the new "
    "version in /3/0/3", clause="OMA TS Core 1.1 Appendix E.6 (Firmware Update state machine); OMA object 5 "
    "resources 3, 5, 7; ETSI EN 303 645 5.3-1, 5.3-2", **REG)
@requires(obj=5)
@regulation("ETSI EN 303 645 5.3-1", "ETSI EN 303 645 5.3-2", "ETSI EN 303 645 5.3-10", "ETSI TS 103 701 5.3-1-2",
            "ETSI TS 103 701 5.3-2-2", "EN 18031-1 SUM-1", "EN 18031-1 SUM-2", "EU CRA Annex I Part I (2)(c)",
            "EU CRA Annex I Part II (7)", "OMA LwM2M TS Core E.6")
def test_authorised_update(server, dut, timing, transcript, delivery):
    """The profile's newer image, by push (/5/0/0) where the device takes it, else by pull (/5/0/1 with a URI of a
    protocol /5/0/8 declares, served by meterproof).  Until State 2: only States 0, 1, 2 with Result 0.  Execute
    /5/0/2.  Pass: only State 3 or 0 and Result 0 or 1 on the way; State 0 with Update Result 1; /3/0/3 the new
    version (/5/0/7 names it: a SHOULD).  Without this, a refusal in REG-UPD-02..04 proves nothing."""
    new = image(dut, "newer", _running(server, dut))
    scheme = delivery_route(server, dut, delivery)
    watch = watch_fw(server, dut, timing)
    deliver(server, dut, delivery, new.data, scheme)
    downloaded(watch, "the authorised image", "REG-UPD-01")
    install(server, dut, watch, timing, new, "REG-UPD-01")


@mp("REG-UPD-02", "A tampered image is not installed: one byte changed in the payload, the signature or the "
    "manifest", clause="OMA object 5 resource 5 Update Result 5 (integrity check failure); ETSI TS 103 701 "
    "5.3-2-2 note 1 (change one byte in a signed firmware and check it is rejected); ETSI EN 303 645 5.3-9, 5.3-10",
    **REG)
@requires(obj=5)
@regulation("ETSI EN 303 645 5.3-2", "ETSI TS 103 701 5.3-2-2", "EN 18031-1 SUM-2", "EU CRA Annex I Part I (2)(c)",
            "ETSI EN 303 645 5.3-9", "ETSI EN 303 645 5.3-10", "ETSI EN 303 645 5.7-1", "EU CRA Annex I Part I (2)(f)")
def test_tampered_image_refused(server, dut, timing, transcript, delivery):
    """For each of the profile's tampered-payload, tampered-signature, tampered-manifest (and corrupt) images:
    deliver it (push or pull as the device declares); if it reaches State 2, Execute /5/0/2 as an attacker would.
    Pass: Update Result never 1 (5 is the object's integrity failure; a device may report 6 or 8), /3/0/3 still the
    running version, and the device still answers."""
    _refused_images(server, dut, timing, delivery, ("tampered-payload", "tampered-signature", "tampered-manifest",
                                                     "corrupt"))


@mp("REG-UPD-03", "An unsigned image, or one signed by an untrusted key, is not installed",
    clause="ETSI EN 303 645 5.3-10 (a trust relationship: authenticity checked before install); ETSI TS 103 701 "
    "5.3-10-1(b); OMA object 5 resource 5 Update Result 5", **REG)
@requires(obj=5)
@regulation("ETSI EN 303 645 5.3-2", "ETSI TS 103 701 5.3-2-2", "EN 18031-1 SUM-2", "EU CRA Annex I Part I (2)(c)",
            "ETSI EN 303 645 5.3-10", "ETSI TS 103 701 5.3-10-1", "EU CRA Annex I Part I (2)(f)")
def test_untrusted_signer_refused(server, dut, timing, transcript, delivery):
    """The profile's unsigned and wrong-signer images, as REG-UPD-02.  Pass: never Update Result 1, /3/0/3
    unchanged, the device still answers."""
    _refused_images(server, dut, timing, delivery, ("unsigned", "wrong-signer"))


@mp("REG-UPD-04", "A validly signed older image is not installed (no rollback)",
    clause="ETSI TS 103 701 5.3-2-1 example / 5.3-2-2 note 1 (installing an older firmware is a misuse); ETSI EN "
    "303 645 5.3-2; OMA object 5 resource 5 (never Result 1)", **REG)
@requires(obj=5)
@regulation("ETSI EN 303 645 5.3-2", "ETSI TS 103 701 5.3-2-2", "EN 18031-1 SUM-2", "EU CRA Annex I Part I (2)(c)")
def test_rollback_refused(server, dut, timing, transcript, delivery):
    """The profile's older image (a version below /3/0/3), by push or pull; Execute /5/0/2 if it reaches State 2.
    Pass: Update Result is not 1 and /3/0/3 still holds the running version."""
    _refused_images(server, dut, timing, delivery, ("older",))


@mp("REG-UPD-05", "An interrupted download installs nothing, and a later good delivery succeeds",
    clause="OMA object 5 resource 5 Update Result 4 (connection lost) and resource 3 (back to Idle); ETSI TS 103 "
    "701 5.3-2-2 note 1; ETSI EN 303 645 5.9-2", **REG)
@requires(obj=5, feature="firmware-pull")
@regulation("ETSI EN 303 645 5.3-2", "ETSI TS 103 701 5.3-2-2", "EN 18031-1 SUM-2", "EU CRA Annex I Part I (2)(c)",
            "ETSI EN 303 645 5.9-2", "EU CRA Annex I Part I (2)(h)")
def test_interrupted_delivery_recovers(server, dut, timing, transcript, delivery):
    """Pull the newer image from a file server that loses the link half-way (CoAP: no answer past the middle;
    HTTP: the connection closed).  Pass: the download ends in State 0 (Result 4, or 0 back in Idle), never State
    2, /3/0/3 unchanged.  Then the same image from an intact server: pass: State 2, Execute /5/0/2, State 0 /
    Update Result 1 and the new version.  (A push cut in the middle of Block1 needs a path proxy: pull only.)"""
    running = _running(server, dut)
    scheme = pull_schemes(server, dut, delivery, LOST_LINK_ORDER)[0]
    new = image(dut, "newer", running, body=bytes(range(256)) * 12)
    watch = watch_fw(server, dut, timing)
    start = len(watch.seen) - 1
    write_uri(server, dut, delivery.uri(new.data, scheme, cut_at=len(new.data) // 2))

    def ended(state: int, result: int) -> bool:
        left = state == IDLE and DOWNLOADING in [st for st, _ in watch.seen[start:]]
        return state not in (IDLE, DOWNLOADING) or result != INITIAL or left
    final = watch.until(ended, "the end of the interrupted download", budget=lost_link_budget(timing, scheme))
    expect.true(final[0] == IDLE and final[1] in (INITIAL, CONNECTION_LOST), "(State, Update Result) after the lost "
                "link", "State 0 with Result 4 (connection lost) or 0", final, clause=f"{RESULTS} 4; {FIRMWARE}")
    expect.equal(running_version(server, dut), running, "/3/0/3 Firmware Version after the interrupted download")
    _reset(server, dut, watch)
    since = len(watch.seen)
    write_uri(server, dut, delivery.uri(new.data, scheme))
    downloaded(watch, "a good delivery after the interrupted one", "REG-UPD-05", since)
    install(server, dut, watch, timing, new, "REG-UPD-05")


@mp("REG-UPD-06", "Package URI validation: an undeclared scheme ends in Result 9, a malformed URI in Result 7, a "
    "URI longer than the object allows is refused", clause="OMA object 5 resource 1 Package URI (String 0..255), "
    "resource 5 Update Result 7 (invalid URI) and 9 (unsupported protocol), resource 8; OMA TS Transport §6.3 "
    "Table 'Write' (4.00 Bad Request); ETSI EN 303 645 5.13-1", **REG)
@requires(obj=5, feature="firmware-pull")
@regulation("ETSI EN 303 645 5.3-10", "ETSI EN 303 645 5.13-1", "ETSI TS 103 701 5.13-1-2",
            "EU CRA Annex I Part I (2)(c)", "EU CRA Annex I Part I (2)(k)")
def test_package_uri_validated(server, dut, timing, transcript, delivery):
    """(a) A URI of a firmware protocol of object 5 the device does not declare in /5/0/8: 2.04 then State 0 /
    Result 9, or 4.00 at once (state unchanged).  (b) A URI of a declared scheme whose authority does not parse
    (an unclosed IPv6 bracket, RFC 3986 §3.2.2): 2.04 then State 0 / Result 7, or 4.00 at once.  (c) A URI one
    byte longer than the upper bound of /5/0/1's range in the object definition the device registered: 4.00 Bad
    Request, and /5/0/1 read back is not that URI."""
    scheme = pull_schemes(server, dut, delivery)[0]
    watch = watch_fw(server, dut, timing)
    results = []
    with expect.all_criteria() as criteria:
        other = undeclared_scheme(server, dut)
        if other is None:
            criteria.unjudged.append("(a) the device declares every firmware protocol of object 5 in /5/0/8")
        else:
            with criteria.check(f"(a) a {other}:// Package URI"):
                refused_uri(server, dut, watch, timing, f"{other}://{delivery.host}:9/firmware.bin",
                            UNSUPPORTED_PROTOCOL, f"a {other}:// URI")
                results.append(("a", other, watch.last))
        with criteria.check("(b) a malformed Package URI"):
            _reset(server, dut, watch)
            refused_uri(server, dut, watch, timing, f"{scheme}://[{delivery.host}/firmware.bin", INVALID_URI,
                        "a URI whose authority does not parse")
            results.append(("b", "malformed", watch.last))
        limit = _uri_limit(dut)
        if limit is None:
            criteria.unjudged.append("(c) the definition of /5/0/1 the device registered gives no length bound")
        else:
            with criteria.check(f"(c) a Package URI of {limit + 1} bytes"):
                head = f"{scheme}://{delivery.host}/"
                long_uri = head + "f" * (limit + 1 - len(head))
                r = server.write(dut.endpoint, URI, payload=long_uri.encode(),
                                 content_format=CF.TEXT if dut.serves(CF.TEXT) else CF.OPAQUE)
                results.append(("c", f"{len(long_uri)} bytes", r.code_text))
                if r.ok:
                    write_uri(server, dut, "")
                expect.code(r, codes.BAD_REQUEST, clause=f"OMA object 5 resource 1 Package URI range 0..{limit}; "
                            "OMA TS Transport §6.3 Table 'Write': 4.00 Bad Request")
    expect.evidence("Package URI probes", results)


def _reset(server: Any, dut: Any, watch: Any) -> None:
    """A supporting step: Write /5/0/1 = "" and read State 0 / Update Result 0 back (the watch learns it)."""
    with expect.supporting("reset the state machine (empty Package URI)", "MP-FW-RESET"):
        write_uri(server, dut, "")
        expect.equal(watch.read(), (IDLE, INITIAL), "(State, Update Result) after an empty Package URI")


def _uri_limit(dut: Any) -> int | None:
    """The upper length bound of /5/0/1 in the definition of the object version the device registered."""
    from meterproof.lwm2m.model.validate import parse_range
    odef = dut.object_def(5)
    rdef = odef.resource(1) if odef is not None else None
    c = parse_range(rdef.range_enumeration, rdef.type) if rdef is not None else None
    if c is None or c.kind != "length" or not c.intervals:
        return None
    return int(max(hi for _, hi in c.intervals))


@mp("REG-UPD-07", "The update state machine is enforced: Update outside Downloaded and Cancel in Idle are refused; "
    "an empty URI resets", clause="OMA TS Core 1.1 Appendix E.6 (Update only in Downloaded: 4.05 Method Not "
    "Allowed); OMA object 5 resources 1, 10; ETSI EN 303 645 5.13-1", **REG)
@requires(obj=5)
@regulation("ETSI EN 303 645 5.3-2", "ETSI EN 303 645 5.13-1", "ETSI TS 103 701 5.13-1-2", "EN 18031-1 SUM-2",
            "EU CRA Annex I Part I (2)(f)", "OMA LwM2M TS Core E.6")
def test_state_machine_enforced(server, dut, timing, transcript, delivery):
    """In a State other than 2 (Downloaded): Execute /5/0/2 (Update): 4.05, (State, Result) unchanged.  In State 0
    (Idle), where the device has /5/0/10 (Cancel, object 5 v1.1+): Execute it: an error (4.05), state unchanged.
    Write /5/0/1 = "": 2.04, State 0 and Update Result 0.  After a download that failed (the profile's corrupt image, Idle with a
    Result set): Execute /5/0/2: 4.05, nothing installed."""
    with expect.supporting("GET /5/0 before the requests", "int-751"):
        before = read_fw(server, dut)
    if before[0] == DOWNLOADED:
        expect.inconclusive("a State other than Downloaded before the requests", "int-751",
                            "the device already holds a downloaded package")
    clause = "OMA object 5 resource 2 Update: executable only in Downloaded (TS Core Appendix E.6); 4.05 otherwise"
    with expect.all_criteria() as criteria:
        with criteria.check(f"Execute /5/0/2 in State {before[0]}"):
            expect.code(server.execute(dut.endpoint, UPDATE), codes.METHOD_NOT_ALLOWED, clause=clause)
            expect.equal(read_fw(server, dut), before, "(State, Update Result) after the refused Update")
        if dut.has(CANCEL) and before[0] == IDLE:
            with criteria.check("Execute /5/0/10 (Cancel) in Idle"):
                r = server.execute(dut.endpoint, CANCEL)
                expect.true(r.code.class_ == 4, "Execute /5/0/10 (Cancel) in Idle", "an error (4.05)", r.code_text,
                            clause="OMA object 5 resource 10: Cancel acts in Downloading or Downloaded")
                expect.equal(read_fw(server, dut), before, "(State, Update Result) after Cancel in Idle")
        with criteria.check("Write /5/0/1 = \"\""):
            write_uri(server, dut, "")
            expect.equal(read_fw(server, dut), (IDLE, INITIAL), "(State, Update Result) after an empty Package URI",
                         clause=f"{FIRMWARE}: an empty Package URI resets the state machine")
        if has_image(dut, "corrupt") and (dut.profile.claims("firmware-push") or dut.profile.claims("firmware-pull")):
            with criteria.check("Execute /5/0/2 after a failed download"):
                running = _running(server, dut)
                bad = image(dut, "corrupt", running)
                watch = watch_fw(server, dut, timing)
                deliver(server, dut, delivery, bad.data, delivery_route(server, dut, delivery))
                state, _ = watch.until(lambda st, res: st == DOWNLOADED or (st == IDLE and res != INITIAL),
                                       "the end of the corrupt image's download")
                if state == IDLE:
                    expect.code(server.execute(dut.endpoint, UPDATE), codes.METHOD_NOT_ALLOWED, clause=clause)
                expect.equal(running_version(server, dut), running, "/3/0/3 after Update on a failed download")


@mp("REG-UPD-09", "A Software Management package that fails its integrity check is never installed (Result 53)",
    clause="OMA object 9 (9.xml) resource 9 Update Result 53 (package integrity check failure), resource 4 Install "
    "(only in DELIVERED); ETSI EN 303 645 5.3-10", **REG)
@requires(obj=9, feature="software-management")
@regulation("ETSI EN 303 645 5.3-2", "ETSI TS 103 701 5.3-2-2", "EN 18031-1 SUM-2", "EU CRA Annex I Part I (2)(c)",
            "ETSI EN 303 645 5.3-10", "EU CRA Annex I Part I (2)(f)")
def test_software_package_integrity(server, dut, timing, transcript):
    """(Uninstall first if the instance holds a package.)  For the corrupt package (digest mismatch) and the
    tampered one (a payload byte changed after signing, digest recomputed): PUT /9/x/2 (2.04 or 4.00).  Pass:
    Update Result 53, Update State neither 3 (DELIVERED) nor 4 (INSTALLED); Execute Install /9/x/4: an error,
    never INSTALLED."""
    sw = SoftwareInstance(server, dut, timing)
    for role in ("corrupt", "tampered"):
        sw.initial()
        sw.integrity_refused(software_package(dut, role), f"the {role} package")
        r = server.execute(dut.endpoint, sw.path(4))
        expect.true(r.code.class_ == 4, f"Execute {sw.path(4)} (Install) after the {role} package",
                    "an error (Install only in DELIVERED)", r.code_text,
                    clause="OMA object 9 resource 4: executable only in DELIVERED")
        state, _ = sw.watch.read()
        expect.true(state not in (DELIVERED, INSTALLED), f"Update State after the {role} package and Install",
                    "not 3 or 4", state, clause="OMA object 9 resource 7")


@mp("REG-UPD-10", "The device runs the latest firmware version its vendor declares",
    clause="ETSI EN 303 645 5.3-16 (the version is readable), 5.2-3; OMA object 3 resource 3 Firmware Version",
    **REG)
@requires(obj=5)
@regulation("ETSI EN 303 645 5.2-3", "ETSI EN 303 645 5.3-16", "ETSI TS 103 701 5.3-16-2", "EN 18031-1 GEC-1",
            "EU CRA Annex I Part I (2)(a)", "EU CRA Annex I Part II (1)")
def test_version_currency(server, dut, transcript):
    """Read /3/0/3 (and, as evidence, /3/0/19 Software Version and /5/0/7 PkgVersion).  Pass: /3/0/3 is the
    profile's firmware.latest_version.  Not applicable when the profile declares no latest version (the SBOM scan
    against a dated vulnerability database is documentary)."""
    latest = dut.profile.firmware_latest
    if not latest:
        expect.not_applicable("the device profile declares no latest firmware version (firmware.latest_version)")
    running = _running(server, dut)
    evidence = {"declared latest": latest, "/3/0/3": running}
    for path in ("/3/0/19", PKG_VERSION):
        if dut.has(path):
            with expect.supporting(f"read {path}", "int-224 (Read on Resource)"):
                r = server.read(dut.endpoint, path)
                expect.code(r, codes.CONTENT)
                evidence[path] = expect.decodes(r).get(P(path))
    expect.evidence("firmware versions", evidence)
    expect.equal(running, str(latest), "/3/0/3 Firmware Version against the vendor's declared latest version",
                 clause="ETSI EN 303 645 5.3-16; the vendor's declaration (firmware.latest_version)")



@mp("REG-UPD-08", "Only an authorised LwM2M Server can update the firmware: a server without W and E rights on "
    "/5/0 is refused", clause=ACL_CLAUSE, **REG)
@regulation("ETSI EN 303 645 5.5-5", "ETSI TS 103 701 5.5-5-2", "EN 18031-1 SUM-2", "EN 18031-1 ACM-2",
            "EU CRA Annex I Part I (2)(c)", "EU CRA Annex I Part I (2)(d)", "OMA LwM2M TS Core §7.3")
def test_update_only_by_authorised_server(server, bootstrap_server, dut_factory, security_run, timing, transcript):
    """Bootstrap: accounts 101 (owner of /5/0's Access Control instance, full rights) and 102 (no right on /5/0).
    Server 102 writes the Package URI (an empty one, a valid value), pushes a Package and executes Update: 4.01 each.
    The firmware state (/5/0/3, /5/0/5, read by 101 before and after) does not change."""
    both = two_servers(server, bootstrap_server, dut_factory, security_run, timing, ssids=(OWNER, RESTRICTED),
                       need_acl=True, grants=[Grant("/5/0", OWNER)])
    if "/5/0" not in both.instances:
        expect.not_applicable("the device has no Firmware Update instance /5/0 (not in its Bootstrap-Discover)")
    ep, owner, other = both.endpoint, both.server(OWNER), both.server(RESTRICTED)

    def state() -> tuple[object, object]:
        with expect.supporting("Read /5/0/3 and /5/0/5 by the owner server", "int-224 (Read on Resource)"):
            out = []
            for path in (STATE, RESULT):
                r = owner.read(ep, path)
                expect.code(r, codes.CONTENT)
                out.append(expect.decodes(r).get(P(path)))
            return out[0], out[1]
    before = state()
    rows: list[tuple[str, str]] = []
    with expect.all_criteria() as c:
        def refused(what: str, operate) -> None:  # type: ignore[no-untyped-def]
            with c.check(what):
                result = operate()
                rows.append((what, result.code_text))
                expect.code(result, codes.UNAUTHORIZED, clause=ACL_CLAUSE)
        refused(f"102 Write {URI} (no W)", lambda: other.write(ep, URI, ""))
        refused(f"102 Write {PACKAGE} (no W)", lambda: other.write(ep, PACKAGE, b"\0" * 16))
        refused(f"102 Execute {UPDATE} (no E)", lambda: other.execute(ep, UPDATE))
        with c.check("firmware state after the refused requests"):
            expect.equal(state(), before, "/5/0/3 State and /5/0/5 Update Result after server 102's attempts",
                         clause=ACL_CLAUSE)
    expect.evidence("server 102's update attempts", rows)
