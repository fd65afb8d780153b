"""LTE-MTC Band Config (/501) and Remote SIM Provisioning (/504): their writable resources take a Write, Reset
restarts the radio after its timeout, and a profile download that cannot succeed fails cleanly.

meterproof's own cases (the ETS has none for these objects), on their object definitions in ``objects/`` (OMNA
registry 501.xml and 504.xml, version 1.0):

* MP-OBJ-501-WRITE, MP-OBJ-504-WRITE: what the definition marks RW takes a Write and reads back as written
  (OMA TS Core 1.1 §5.4.3 Write, §5.4.1 Read; TS 1.0 §5.4.3, §5.4.1).  Each writes a resource whose new value
  changes nothing on the air at once (Band Config Reset Timeout /501/x/5; RSP Download URI/Information /504/x/3,
  used only when RSP Update is executed) and writes the device's own value back before it ends.  The EARFCN and
  the channel list would move the radio, so no case writes those.
* MP-OBJ-501-RESET: Reset (/501/x/6) "resets the radio interface of the device", after Reset Timeout (/501/x/5)
  "the time that the device will wait until reset once the Reset resource is triggered".
* MP-OBJ-504-RSP-FAILED-DOWNLOAD: RSP Update (/504/x/4) with action 0 (Download & install profile) from a
  Download URI whose host can never resolve: the update fails, is reported as failed, and the SIM keeps its
  active profile.

The last two restart the radio or act on the SIM the meter depends on, so they run only on a device whose profile
claims the feature ``disruptive-executes`` (a device on a bench); elsewhere they are not applicable with that
reason.  No case executes the RSP actions that would change the SIM for good (1 enable, 2 disable, 3 delete a
profile, 4 reset the SIM memory), nor action 0 with a URI that could deliver a profile.

A device that did not register the object is not applicable; one whose instance lacks an optional resource too.
A read needed to set up, or the write back, that fails makes the case inconclusive.
"""

from __future__ import annotations

from typing import Any, Callable

from meterproof.errors import ProtocolError, TimeoutError_
from meterproof.fixtures import P, codes, expect, mp, requires
from meterproof.fixtures.device import event_source
from meterproof.fixtures.update_state import StateWatch
from meterproof.lwm2m.values import Value

OBJECTS = dict(epic="Optional objects", feature="Cellular provisioning")
DISRUPTIVE = "disruptive-executes"
#: /501 resources: 2 Current Frequency (Downlink), 5 Reset Timeout, 6 Reset
DOWNLINK, RESET_TIMEOUT, RESET = 2, 5, 6
#: /504 resources: 3 Download URI/Information, 4 RSP Update, 5 RSP Update State, 6 RSP Update Result, 11 ICCID
DOWNLOAD_URI, RSP_UPDATE, RSP_STATE, RSP_RESULT, ICCID = 3, 4, 5, 6, 11
#: RSP Update action 0: Download & install profile (504.xml resource 4)
DOWNLOAD_AND_INSTALL = "0"
#: RSP Update State 0 Idle; RSP Update Result 0 initial value, 1 success, 2..12 the download and installation
#: failures (2 SIM memory ... 7 invalid URI, 8 unsupported protocol, 11 generic download and installation error,
#: 12 profile package format); 13..16 are the failures of the other actions (504.xml resources 5, 6)
IDLE, INITIAL, SUCCESS = 0, 0, 1
DOWNLOAD_FAILURES = range(2, 13)
#: the Reset Timeout MP-OBJ-501-RESET writes, in seconds of a nominal device (scaled by the profile's timing)
SHORT_RESET = 2
DEF501 = "object definition 501 (LTE-MTC Band Config 1.0)"
DEF504 = "object definition 504 (Remote SIM Provisioning 1.0)"
REREGISTER = ("OMA TS 1.0.2 §8.2.4, TS Transport 1.1 §6.4.3 and 1.1.1 §6.4.3: when the client's IP address changes "
              "(NoSec), or a new (D)TLS session is made, the client MUST register again with the Server")
#: A URI that can never be resolved (RFC 6761 §6.4 reserves .invalid): harmless should a device fetch it.
TEST_URI = "coaps://rsp.invalid/meterproof/profile"


def _instance(dut: Any, oid: int) -> str:
    """``/oid/x``: the device's first instance of ``oid`` (not applicable without the object or an instance)."""
    dut.requires_object(oid)
    listed = dut.instances(oid)
    if not listed:
        expect.not_applicable(f"the device registered /{oid} without an instance")
    return f"/{oid}/{listed[0]}"


def _resource(dut: Any, oid: int, rid: int, why: str = "this case writes") -> str:
    path = f"{_instance(dut, oid)}/{rid}"
    dut.require(path, why=why)
    return path


def _read(server: Any, dut: Any, path: str) -> Value:
    r = server.read(dut.endpoint, path)
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    expect.present(values, path)
    return values[P(path)]


def _write_read_restore(server: Any, dut: Any, path: str, new_value: Callable[[Value], Value], covered_by: str,
                        clause: str) -> None:
    """Read ``path``, write ``new_value(old)``: 2.04; read it back: that value; write the old value back
    (inconclusive if that fails)."""
    cf = dut.value_format()
    with expect.supporting(f"read {path} to write it back after", covered_by):
        old = _read(server, dut, path)
        new = new_value(old)
    dut.restore_later(path, old, cf)
    w = server.write(dut.endpoint, path, new, content_format=cf)
    expect.code(w, codes.CHANGED, clause=f"{clause}; OMA TS Core 1.1 §5.4.3 Write")
    with expect.supporting(f"read {path} back", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, path)
        expect.code(r, codes.CONTENT)
        back = expect.decodes(r)
    expect.value(back, path, new, clause=f"{clause}: the value written is the value read")
    with expect.supporting(f"write {path} back to {old!r}", "this case's own Write"):
        expect.code(server.write(dut.endpoint, path, old, content_format=cf), codes.CHANGED)


@mp("MP-OBJ-501-WRITE", "LTE-MTC Band Config: Reset Timeout takes a Write and reads back as written", **OBJECTS,
    clause="object definition 501 (LTE-MTC Band Config 1.0), resource 5 Reset Timeout: Mandatory, RW, Float")
def test_band_config_reset_timeout_write(server, dut, transcript):
    """The device registered /501 (else not applicable).  GET /501/x/5 (x: its first instance): 2.05 with a
    Float.  PUT /501/x/5 = that value + 1 (one second longer): 2.04.  GET /501/x/5: Pass: the new value.  The old
    value is written back (2.04, else inconclusive)."""
    path = _resource(dut, 501, RESET_TIMEOUT)

    def longer(old: Value) -> float:
        expect.true(isinstance(old, (int, float)) and not isinstance(old, bool), f"{path} Reset Timeout", "a Float",
                    repr(old))
        return float(old) + 1.0          # type: ignore[arg-type]

    _write_read_restore(server, dut, path, longer, "MP-OBJ-501 (read and shape of /501)",
                        "object definition 501, resource 5 Reset Timeout (RW)")


@mp("MP-OBJ-504-WRITE", "Remote SIM Provisioning: Download URI/Information takes a Write and reads back as written",
    **OBJECTS, clause="object definition 504 (Remote SIM Provisioning 1.0), resource 3 Download URI/Information: "
                      "Optional, RW, String of 0..255 bytes")
def test_rsp_download_uri_write(server, dut, transcript):
    """The device registered /504 with Download URI/Information /504/x/3 (else not applicable).  GET /504/x/3:
    2.05.  PUT /504/x/3 = "coaps://rsp.invalid/meterproof/profile" (a host that can never resolve): 2.04.
    GET /504/x/3: Pass: that URI.  The old value is written back (2.04, else inconclusive).  RSP Update is never
    executed, so the URI is never used."""
    path = _resource(dut, 504, DOWNLOAD_URI)
    _write_read_restore(server, dut, path, lambda old: TEST_URI, "MP-OBJ-504 (read and shape of /504)",
                        "object definition 504, resource 3 Download URI/Information (RW)")


@mp("MP-OBJ-501-RESET", "LTE-MTC Band Config: Reset restarts the radio after Reset Timeout, and the device is "
    "reachable again", **OBJECTS,
    clause="object definition 501 (LTE-MTC Band Config 1.0), resources 5 Reset Timeout (RW Float) and 6 Reset (E); "
           "OMA TS Core 1.1 §5.4.5 Execute; TS 1.0.2 §8.2.4 / TS Transport 1.1.1 §6.4.3 (register again after an "
           "address change)")
@requires(obj=501, feature=DISRUPTIVE)
def test_band_config_reset(server, dut, timing, transcript):
    """The profile claims ``disruptive-executes`` and the device registered /501 (else not applicable).
    GET /501/x/5 (x: its first instance; inconclusive when that fails), to be written back when the case ends.
    PUT /501/x/5 = T, a short Reset Timeout (2 s of a nominal device, scaled by the profile's timing; inconclusive
    when refused: MP-OBJ-501-WRITE covers the Write).  POST /501/x/6 (Execute Reset).

    Pass criteria:

    1. 2.04 to the Execute (TS Core 1.1 §5.4.5; 501.xml resource 6 is an executable Reset);
    2. the radio does not restart before Reset Timeout has passed (501.xml resource 5: "the time that the device
       will wait until reset once the Reset resource is triggered"): no Register or Update from a new address
       earlier than T after the Execute was sent, less a small tolerance (``timing.early``);
    3. the device is reachable again within T + ``timing.reaction`` of the 2.04: a radio reset drops the link, and
       a client that comes back on another address MUST register again (TS 1.0.2 §8.2.4; TS Transport 1.1 and
       1.1.1 §6.4.3, which say so for an IP address change in NoSec mode and for a new (D)TLS session), so a
       Register or Update from the new address passes; the TS has no such duty for a client that keeps its
       address, so when none comes, a GET /501/x/2 (Current Frequency, mandatory) to the address the Server
       knows answered 2.05 passes.  A change of port alone (a NAT rebinding) counts as a new address here: the
       Server can reach the device only at the address it registered from.

    On a simulator with a compressed clock T lasts T x ``dut.clock`` real seconds.  The device's own Reset Timeout
    is written back when the case ends."""
    timeout_path = _resource(dut, 501, RESET_TIMEOUT, "this case shortens before it resets the radio")
    reset_path = _resource(dut, 501, RESET, "this case executes")
    base = timeout_path.rsplit("/", 1)[0]
    cf = dut.value_format()
    with expect.supporting(f"read {timeout_path} to write it back after", "MP-OBJ-501 (read and shape of /501)"):
        old = _read(server, dut, timeout_path)
    dut.restore_later(timeout_path, old, cf)
    seconds = float(timing.attr(SHORT_RESET))
    with expect.supporting(f"write {timeout_path} = {seconds}", "MP-OBJ-501-WRITE"):
        expect.code(server.write(dut.endpoint, timeout_path, seconds, content_format=cf), codes.CHANGED)
    wait = seconds * dut.clock            # real seconds the device waits
    before, mark = dut.address, server.mark()
    sent = server.now()
    x = server.execute(dut.endpoint, reset_path)
    answered = server.now()
    expect.code(x, codes.CHANGED, clause=f"OMA TS Core 1.1 §5.4.5 Execute; {DEF501}, resource 6 Reset (E)")
    within = max(0.0, answered + wait + timing.reaction - server.now())
    try:
        ev = server.wait_event(("updated", "registered"), dut.endpoint, since=mark, timeout=within,
                               where=lambda e: event_source(e) != before)
    except TimeoutError_:
        ev = None
    if ev is not None:
        after = ev.time - sent
        expect.true(after >= wait - timing.early, f"time from the Execute of {reset_path} to the first message "
                    f"from the device's new address",
                    f">= Reset Timeout {wait:.2f}s (less {timing.early:.2f}s of jitter)",
                    f"{after:.2f}s ({'Update' if ev.kind == 'updated' else 'Register'} from "
                    f"{event_source(ev)[0]}:{event_source(ev)[1]})",
                    clause=f"{DEF501}, resource 5 Reset Timeout: the time the device waits until reset once Reset "
                           f"is triggered")
        return
    # no word from a new address: a device that kept its address answers where the Server knows it
    probe = f"{base}/{DOWNLINK}"
    try:
        r = server.read(dut.endpoint, probe)
        got = r.code_text
    except (TimeoutError_, ProtocolError) as exc:
        r, got = None, f"no answer ({exc})"
    others = server.events(("updated", "registered"), dut.endpoint, since=mark)
    expect.true(r is not None and r.code == codes.CONTENT,
                f"the device reachable within Reset Timeout + reaction ({wait + timing.reaction:.1f}s) of the reset",
                f"a Register or Update from a new address, or (address unchanged) GET {probe} -> 2.05",
                f"{len(others)} Register/Update(s), all from {before[0]}:{before[1]}; GET {probe}: {got}"
                if others else f"no Register or Update; GET {probe} to {before[0]}:{before[1]}: {got}",
                clause=f"{REREGISTER}; {DEF501}, resource 6 Reset resets the radio interface")


def _iccids(server: Any, dut: Any, path: str) -> dict[int, Value]:
    """GET /504/x/11: the ICCID of each installed profile by instance id (the first is the active one)."""
    r = server.read(dut.endpoint, path)
    expect.code(r, codes.CONTENT)
    values = expect.decodes(r)
    return {p.ids[3]: v for p, v in values.items() if len(p) == 4 and str(p.truncate(3)) == path}


@mp("MP-OBJ-504-RSP-FAILED-DOWNLOAD", "Remote SIM Provisioning: a profile download that cannot succeed is reported "
    "as failed and leaves the active profile", **OBJECTS,
    clause="object definition 504 (Remote SIM Provisioning 1.0), resources 3 Download URI/Information, 4 RSP Update "
           "(E, action 0 Download & install profile), 5 RSP Update State, 6 RSP Update Result, 11 ICCID; "
           "OMA TS Core 1.1 §5.4.5 Execute")
@requires(obj=504, feature=DISRUPTIVE)
def test_rsp_failed_download(server, dut, timing, transcript):
    """The profile claims ``disruptive-executes`` and the device registered /504 with Download URI/Information
    (3), RSP Update (4), RSP Update State (5) and RSP Update Result (6), all optional (else not applicable: without
    5 and 6 a device shows no outcome to judge).  GET /504/x/11 (x: its first instance): the active profile's ICCID
    (the first instance).  GET /504/x/3, to be written back; PUT /504/x/3 = "coaps://rsp.invalid/meterproof/profile"
    (RFC 6761 §6.4: .invalid never resolves, so no profile can arrive; MP-OBJ-504-WRITE covers the Write).
    Observe /504/x (pmin 0, pmax 2 s scaled; a Read after each quiet stretch).  POST /504/x/4 with the argument
    list ``0`` (TS Core 1.1 §5.4.5: arguments are digits, comma separated; 504.xml resource 4: 0 = Download &
    install profile).

    Pass criteria:

    1. 2.04 to the Execute;
    2. within ``timing.reaction`` + ``timing.exchange`` (the device may try a resolver and a connection with
       retransmissions), the update runs and ends: after the Execute the (State, Result) pair changes (504.xml
       resource 6: "once the updating process is initiated, this Resource MUST be reset to Initial value"; State
       leaves Idle for Downloading) and comes to State 0 (Idle) with a Result other than 0;
    3. that Result is a download and installation failure, 2..12 (resource 6; 11 "generic download and
       installation error" fits a host that does not resolve), never 1 (success: nothing could be downloaded);
    4. the active profile is the one it was: /504/x/11/0 (resource 11: "the currently active profile is the first
       instance") holds the same ICCID.  Action 0 downloads and installs; enabling a profile is action 1, so a
       failed download must leave the SIM as it was.

    The Download URI is written back (2.04, else inconclusive)."""
    base = _instance(dut, 504)
    uri_path, update_path, state_path, result_path, iccid_path = (
        f"{base}/{rid}" for rid in (DOWNLOAD_URI, RSP_UPDATE, RSP_STATE, RSP_RESULT, ICCID))
    dut.require(uri_path, update_path, state_path, result_path,
                why="this case writes, executes or judges the outcome by")
    covered = "MP-OBJ-504 (read and shape of /504)"
    with expect.supporting(f"read {iccid_path}, the installed profiles", covered):
        active = _iccids(server, dut, iccid_path)
        expect.true(bool(active), f"{iccid_path}", "at least one ICCID (mandatory)", "none")
    first = next(iter(active))            # the first instance the device lists: its active profile
    cf = dut.value_format()
    with expect.supporting(f"read {uri_path} to write it back after", covered):
        old_uri = _read(server, dut, uri_path)
    dut.restore_later(uri_path, old_uri, cf)
    with expect.supporting(f"write {uri_path} = {TEST_URI}", "MP-OBJ-504-WRITE"):
        expect.code(server.write(dut.endpoint, uri_path, TEST_URI, content_format=cf), codes.CHANGED)
    watch = StateWatch(server, dut, timing, base, state_path, result_path,
                       f"{DEF504}, resources 5 RSP Update State and 6 RSP Update Result", covered)
    start = len(watch.seen)
    x = server.execute(dut.endpoint, update_path, DOWNLOAD_AND_INSTALL)
    expect.code(x, codes.CHANGED, clause=f"OMA TS Core 1.1 §5.4.5 Execute; {DEF504}, resource 4 RSP Update "
                                         f"(argument 0: Download & install profile)")
    state, result = watch.until(lambda st, res: len(watch.seen) > start and st == IDLE and res != INITIAL,
                                f"{update_path} started (State or Result changed) and ended in Idle with a Result",
                                budget=timing.reaction + timing.exchange)
    expect.true(result in DOWNLOAD_FAILURES, f"RSP Update Result {result_path} after a download from {TEST_URI}",
                "a download and installation failure, 2..12 (11: generic download error)",
                f"{result}" + (" (success)" if result == SUCCESS else ""),
                clause=f"{DEF504}, resource 6 RSP Update Result: 1 success, 2..12 download and installation errors; "
                       f"RFC 6761 §6.4 (.invalid never resolves)")
    with expect.supporting(f"read {iccid_path} after the update", covered):
        after = _iccids(server, dut, iccid_path)
    expect.equal(after.get(first), active[first], f"active profile {iccid_path}/{first} after the failed download",
                 clause=f"{DEF504}, resource 11 ICCID (the first instance is the active profile); resource 4: "
                        f"action 0 downloads and installs, enabling is action 1")
    with expect.supporting(f"write {uri_path} back to {old_uri!r}", "this case's own Write"):
        expect.code(server.write(dut.endpoint, uri_path, old_uri, content_format=cf), codes.CHANGED)
