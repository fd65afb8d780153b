"""Software Management object /9 (OMA TS LwM2M SwMgmt 1.0, registry 9.xml): meterproof's own cases.

The object carries two state machines, read from the object definition (resource descriptions of 9.xml):

* package installation, Update State /9/x/7: 0 INITIAL, 1 DOWNLOAD STARTED, 2 DOWNLOADED, 3 DELIVERED (downloaded
  and verified, ready to install), 4 INSTALLED; Install /9/x/4 "is only executable when the value of the State
  Resource is DELIVERED" and moves it to INSTALLED; Uninstall /9/x/6 sets it "back to INITIAL state" and, as "one
  side effect", resets Update Result to 0;
* activation, Activation State /9/x/12 (ENABLED only while the software is active): Activate /9/x/10 and Deactivate
  /9/x/11 act on "software previously successfully installed (... currently in the INSTALLED state)".

Update Result /9/x/9: 0 initial, 1 downloading, 2 installed, 3 downloaded and verified, 53 integrity failure, ...
A package comes by push (Package /9/x/2) or by URI (Package URI /9/x/3, served by meterproof's own file server over
a protocol the device declares for firmware in /5/0/8 when it has object 5, else CoAP).  The cases work on the first
/9 instance the device registers; one that holds an installed package is uninstalled first (a lab device).
No ETS case covers /9; the clause cited is the object definition's.
"""

from __future__ import annotations

from meterproof.fixtures import CF, expect, mp, requires
from meterproof.fixtures.delivery import declared_delivery
from meterproof.fixtures.firmware import software_package
from meterproof.fixtures.software_steps import (
    DELIVERED, DOWNLOAD_STARTED, DOWNLOADED, INITIAL, INSTALLED, R_DOWNLOADING, R_INITIAL, R_INSTALLED, R_VERIFIED,
    SWMGMT,
    SoftwareInstance)


def _delivered(sw: SoftwareInstance, what: str) -> None:
    got = sw.watch.until(lambda st, res: st == DELIVERED or (st == INITIAL and res not in (R_INITIAL, R_DOWNLOADING)),
                         f"Update State 3 (DELIVERED) after {what}")
    expect.equal(got, (DELIVERED, R_VERIFIED), f"(Update State, Update Result) after {what}",
                 clause=f"{SWMGMT}: 3 DELIVERED, Result 3 downloaded and integrity verified")


def _install(sw: SoftwareInstance) -> None:
    sw.execute(4)
    expect.equal(sw.watch.until(lambda st, res: st == INSTALLED or res not in (R_VERIFIED, R_INITIAL),
                                "Update State 4 (INSTALLED) after Install"), (INSTALLED, R_INSTALLED),
                 "(Update State, Update Result) after Install", clause=f"{SWMGMT}: Install DELIVERED -> INSTALLED")


def _uninstall(sw: SoftwareInstance) -> None:
    sw.execute(6)
    expect.equal(sw.watch.until(lambda st, _: st == INITIAL, "Update State 0 (INITIAL) after Uninstall"),
                 (INITIAL, R_INITIAL), "(Update State, Update Result) after Uninstall",
                 clause="OMA object 9 resource 6 Uninstall: Update State back to INITIAL; resource 9: Uninstall resets "
                        "Update Result to 0")


@mp("MP-SW-INSTALL", "A pushed software package is delivered, installed, activated, deactivated and uninstalled",
    epic="Core objects", feature="Software Management", clause=SWMGMT)
@requires(obj=9, feature="software-management")
def test_software_install_cycle(server, dut, timing, transcript):
    """(Uninstall first if the instance holds a package.) PUT /9/x/2 = a valid package: 2.04; pass: Update State 3
    (DELIVERED), Result 3. POST /9/x/4 (Install): 2.04; pass: State 4 (INSTALLED), Result 2. POST /9/x/10 (Activate):
    2.04; pass: /9/x/12 true. POST /9/x/11 (Deactivate): 2.04; pass: /9/x/12 false. POST /9/x/6 (Uninstall): 2.04;
    pass: State 0 (INITIAL), Result 0."""
    sw = SoftwareInstance(server, dut, timing)
    package = software_package(dut, "good")
    sw.initial()
    sw.write(2, package, CF.OPAQUE)
    _delivered(sw, "the package write")
    _install(sw)
    sw.execute(10)
    expect.true(sw.active(), f"{sw.path(12)} Activation State after Activate", "true (ENABLED)", False,
                clause="OMA object 9 resources 10 Activate and 12 Activation State")
    sw.execute(11)
    expect.true(not sw.active(), f"{sw.path(12)} Activation State after Deactivate", "false (DISABLED)", True,
                clause="OMA object 9 resources 11 Deactivate and 12 Activation State")
    _uninstall(sw)


@mp("MP-SW-URI", "A software package named by a Package URI is downloaded, installed and uninstalled",
    epic="Core objects", feature="Software Management", clause=SWMGMT)
@requires(obj=9, feature="software-management")
def test_software_by_uri(server, dut, timing, transcript, delivery):
    """(Uninstall first if the instance holds a package.) PUT /9/x/3 = the URI of a valid package on meterproof's
    file server (a protocol /5/0/8 declares, CoAP without object 5): 2.04; pass: the device fetches it, on the way
    only States 0..3, then State 3 (DELIVERED), Result 3. POST /9/x/4: pass: State 4, Result 2. POST /9/x/6:
    pass: State 0, Result 0."""
    sw = SoftwareInstance(server, dut, timing)
    package = software_package(dut, "good")
    schemes = declared_delivery(server, dut)[1] if 5 in dut.registered_objects() else ["coap"]
    sw.initial()
    usable = [sc for sc in schemes if delivery.serves(sc) is None]
    if not usable:
        expect.not_applicable(f"no protocol of {schemes} can be served in this run")
    uri = delivery.uri(package, usable[0])
    start = len(sw.watch.seen)
    sw.write(3, uri.encode(), CF.TEXT if dut.serves(CF.TEXT) else CF.OPAQUE)
    _delivered(sw, "writing the Package URI")
    expect.true(delivery.requests(uri) > 0, "the download", "requests at the file server", 0)
    seen = sw.watch.seen[start:]
    expect.true(all(st in (INITIAL, DOWNLOAD_STARTED, DOWNLOADED, DELIVERED) for st, _ in seen),
                "Update States during the download", "0, 1, 2 then 3", seen, clause=SWMGMT)
    _install(sw)
    _uninstall(sw)


@mp("MP-SW-REFUSED", "Install and Activate are refused when no package is delivered or installed",
    epic="Core objects", feature="Software Management",
    clause="OMA object 9 resources 4 (Install: only in DELIVERED) and 10 (Activate: software in INSTALLED)")
@requires(obj=9, feature="software-management")
def test_software_refuses_out_of_state(server, dut, timing, transcript):
    """(Uninstall first if the instance holds a package: Update State 0, INITIAL.) POST /9/x/4 (Install): pass: an
    error (4.xx; 4.05 Method Not Allowed by TS Core §6.3.5), State and Result unchanged. POST /9/x/10 (Activate):
    pass: an error, /9/x/12 still false."""
    sw = SoftwareInstance(server, dut, timing)
    sw.initial()
    before = sw.watch.read()
    for rid, name in ((4, "Install"), (10, "Activate")):
        r = server.execute(dut.endpoint, sw.path(rid))
        expect.true(r.code.class_ == 4, f"Execute {sw.path(rid)} ({name}) in Update State {before[0]}",
                    "a 4.xx error (4.05 Method Not Allowed)", r.code_text, clause=SWMGMT)
        expect.equal(sw.watch.read(), before, f"(Update State, Update Result) after the refused {name}")
    expect.true(not sw.active(), f"{sw.path(12)} Activation State with nothing installed", "false", True,
                clause="OMA object 9 resource 12: ENABLED only while the software is active")


@mp("MP-SW-INTEGRITY", "A software package that fails its integrity check is not delivered (Result 53)",
    epic="Core objects", feature="Software Management", clause="OMA object 9 resource 9 Update Result 53")
@requires(obj=9, feature="software-management")
def test_software_integrity_failure(server, dut, timing, transcript):
    """(Uninstall first if the instance holds a package.) PUT /9/x/2 = a package whose integrity check fails (2.04,
    or 4.00 at once). Pass: Update Result 53 (integrity check failure), Update State not 3 (DELIVERED) or 4."""
    sw = SoftwareInstance(server, dut, timing)
    sw.initial()
    sw.integrity_refused(software_package(dut, "corrupt"), "a corrupt package")
