"""Regulatory checks on meter data, user data and identification (REG-DATA-*, REG-ID-*).

* REG-DATA-01: meter data (the metering objects of :mod:`meterproof.lwm2m.metering`) never crosses the link in
  clear: ETSI EN 303 645 5.8-1/5.8-2 (personal and sensitive data protected in transit), ETSI TS 103 701
  5.8-1-2/5.8-2-2, EN 18031-2 SCM-3, EU CRA Annex I Part I (2)(e).  Judged over this case's own capture of the
  harness's socket: every datagram must be a DTLS record, and no metering payload the device sent may appear in
  clear.
* REG-DATA-02: a factory reset erases what a Server put on the device: ETSI EN 303 645 5.11-1, ETSI TS 103 701
  5.11-1-2, EN 18031-2 DLM-1, EU CRA Annex I Part I (2)(m); OMA object 3 resource 5 Factory Reset ("return the
  device to its delivered state").
* REG-ID-01: the device identifies itself: /3/0 Manufacturer, Model Number, Serial Number, Firmware Version,
  Device Type, Hardware Version, Software Version read as plain text, matching the profile's declared identity,
  and the serial number unique per unit: ETSI EN 303 645 5.3-16, ETSI TS 103 701 5.3-16-2, NIST IR 8259A (device
  identification).  Across the devices of a batch (several ``--dut-profile``) the serial numbers are compared once
  per run (MP-BATCH-UNIQUE).
"""

from __future__ import annotations

from typing import Any

from meterproof.dtls import records as rec
from meterproof.errors import FormatError, TimeoutError_
from meterproof.lwm2m.bootstrap import BootstrapPlan, discover_links
from meterproof.lwm2m.metering import METERING_OBJECTS

from meterproof.fixtures import CF, P, codes, expect, mp, regulation, requires

REG = dict(epic="Regulatory", feature="Data protection and identification")
FACTORY_RESET = "/3/0/5"
#: /3/0 identification resources (OMA object 3): name, and the profile identity field that declares it
IDENTITY = {0: ("Manufacturer", "manufacturer"), 1: ("Model Number", "model"), 2: ("Serial Number", "serial"),
            3: ("Firmware Version", None), 17: ("Device Type", None), 18: ("Hardware Version", None),
            19: ("Software Version", None)}


def _is_dtls(data: bytes) -> bool:
    return bool(data) and rec.CHANGE_CIPHER_SPEC <= data[0] <= 25


@mp("REG-DATA-01", "Meter data never crosses the link in clear",
    clause="ETSI EN 303 645 5.8-1, 5.8-2; ETSI TS 103 701 5.8-1-2, 5.8-2-2; OMA LwM2M TS Transport 1.1 §5.2.1 "
    "(LwM2M secured by DTLS)", **REG)
@regulation("ETSI EN 303 645 5.8-1", "ETSI EN 303 645 5.8-2", "ETSI TS 103 701 5.8-1-2", "ETSI TS 103 701 5.8-2-2",
            "EN 18031-2 SCM-3", "EU CRA Annex I Part I (2)(e)", "OMA LwM2M TS Transport §5.2.1")
def test_meter_data_not_in_clear(server, dut, security_run, timing, transcript):
    """Not applicable on a clear-text run (--security nosec: the channel itself is clear).  For the first instance
    of every metering object the device registered: Read it; the first one also Observe with pmin 0 / pmax 1 s
    (scaled) and take one notification (where one comes within pmax).  Pass: every datagram of this case's capture between the
    device and the harness is a DTLS record, and no metering payload the device sent (decrypted by the harness)
    appears in clear in any of them."""
    if not security_run.secure:
        expect.not_applicable("this run's channel is clear text (--security nosec), so every payload is in clear by "
                              "choice of the run; run with --security psk or cert to judge the device")
    if security_run.transport != "udp":
        expect.not_applicable("the capture covers CoAP over UDP and DTLS datagrams; this run uses CoAP over TCP")
    metering = sorted(o for o in dut.registered_objects() if o in METERING_OBJECTS)
    if not metering:
        expect.not_applicable("the device registers none of the metering objects "
                              f"({', '.join(map(str, sorted(METERING_OBJECTS)))})")
    sent: list[tuple[str, bytes]] = []
    instances = [f"/{oid}/{dut.instances(oid)[0]}" for oid in metering if dut.instances(oid)]
    for inst in instances:
        with expect.supporting(f"read {inst}", "int-223 (Read on Object Instance)"):
            r = server.read(dut.endpoint, inst, accept=dut.instance_format())
            expect.code(r, codes.CONTENT)
        sent.append((f"Read {inst}", bytes(r.payload or b"")))
    for inst in instances[:1]:      # one observation is enough to see how notifications travel
        with expect.supporting(f"observe {inst}", "int-301 (Observation)"):
            server.write_attributes(dut.endpoint, inst, pmin=0, pmax=timing.attr(1))
            obs = server.observe(dut.endpoint, inst)
            expect.code(obs.first, codes.CONTENT)
        sent.append((f"Observe {inst}", bytes(obs.first.payload or b"")))
        try:
            n = obs.next(timing.attr(1) + timing.late)
            sent.append((f"notification of {inst}", bytes(n.message.payload or b"")))
        except TimeoutError_:   # a device may notify later than pmax; the Read and the Observe answer are judged
            pass
        server.cancel_observation(obs)
    datagrams = list(transcript.capture.datagrams)
    if not datagrams:
        expect.inconclusive("capture of this case's datagrams", "REG-TLS-01", "the capture holds no datagram")
    clear = [d for d in datagrams if not _is_dtls(d.data)]
    leaked = sorted({what for what, p in sent if len(p) >= 4 for d in datagrams if p in d.data})
    expect.evidence("meter data in transit", {"datagrams": len(datagrams), "not DTLS": len(clear),
                                      "metering payloads": [{"what": w, "bytes": len(p)} for w, p in sent],
                                      "found in clear": leaked})
    expect.true(not leaked, "metering payloads on the wire", "never in clear (inside DTLS only)",
                f"in clear: {', '.join(leaked)}")
    expect.true(not clear, "datagrams between the device and the harness", "DTLS records only",
                f"{len(clear)} datagram(s) that are no DTLS record, first from {clear[0].src}: "
                f"{clear[0].data[:16].hex()}" if clear else "")


@mp("REG-DATA-02", "A factory reset erases what the Servers put on the device: only the factory Bootstrap-Server "
    "account remains, and the old Server account is never used again",
    clause="OMA object 3 resource 5 Factory Reset (return to the delivered state); ETSI EN 303 645 5.11-1; ETSI TS "
    "103 701 5.11-1-2", **REG)
@requires(trigger="factory-reset")
@regulation("ETSI EN 303 645 5.11-1", "ETSI TS 103 701 5.11-1-2", "EN 18031-2 DLM-1", "EU CRA Annex I Part I (2)(m)")
def test_factory_reset_erases_server_data(server, bootstrap_server, dut_factory, timing, transcript):
    """C.13: the device is delivered with only its factory Bootstrap-Server account.  The Bootstrap-Server
    provisions an account for the run's Server; the device registers.  The Server writes user data: another
    Lifetime in /1/x/1 and notification attributes on /3/0.  Execute /3/0/5 (Factory Reset): 2.04.  Pass: the
    device asks the Bootstrap-Server again (its delivered state has no Server account); a Bootstrap-Discover of
    / lists no Server instance (/1) and only the Bootstrap-Server's Security instance; no Register with the
    erased account reaches the Server.  Not applicable for a device meterproof cannot start in a chosen factory
    state (a real meter: its delivered state is the vendor's)."""
    ep = dut_factory.endpoint()
    acct = dut_factory.account(ep)
    bootstrap_server.plan(ep, BootstrapPlan([acct]))
    mark = server.mark()
    launched = dut_factory.start(endpoint=ep, server=None, bootstrap=True)
    with expect.supporting("client-initiated bootstrap and Register with the provisioned account", "int-0"):
        expect.event(server, "registered", ep, since=mark, timeout=timing.reaction + timing.s(5),
                     what="Register with the provisioned account")
    dev = dut_factory.dut(launched)
    dev.require(FACTORY_RESET, why="the case executes")
    lifetime = dev.server_path(1)
    with expect.supporting("a Server writes user data (Lifetime, attributes)", "int-227 and int-301"):
        expect.code(server.write(ep, lifetime, 86417, content_format=dev.value_format()), codes.CHANGED)
        expect.code(server.write_attributes(ep, "/3/0", pmax=timing.attr(60)), codes.CHANGED)
    # after the reset the Bootstrap-Server only listens: the case looks at what is left before provisioning
    bootstrap_server.plan(ep, BootstrapPlan([], finish=False))
    bs_mark, reset_mark = bootstrap_server.mark(), server.mark()
    dev.expect_restart()
    expect.code(server.execute(ep, FACTORY_RESET), codes.CHANGED,
                clause="OMA object 3 resource 5 (E); OMA TS Core 1.1 §5.4.5 Execute")
    _bootstrap_not_register(server, bootstrap_server, ep, bs_mark, reset_mark, timing)
    with expect.supporting("Bootstrap-Discover / after the reset", "int-0 (Bootstrap-Discover)"):
        r = bootstrap_server.discover(ep, "/")
        expect.code(r, codes.CONTENT)
        try:
            _, links = discover_links(bytes(r.payload))
        except FormatError as exc:
            expect.fail("Bootstrap-Discover payload", "CoRE link format (TS Core 1.1 §5.2.7.3)", str(exc))
    targets = [P(lk.target) for lk in links if lk.target.startswith("/") and lk.target.strip("/")]
    servers = sorted(str(t) for t in targets if t.object_id == 1 and len(t) == 2)
    security = sorted(str(t) for t in targets if t.object_id == 0 and len(t) == 2)
    expect.evidence("Bootstrap-Discover after the factory reset", [lk.target + "".join(
        f";{k}={v}" for k, v in lk.params.items()) for lk in links])
    expect.true(not servers, "Server instances (/1) after the factory reset", "none (the delivered state)",
                ", ".join(servers), clause="OMA object 3 resource 5 Factory Reset")
    expect.true(len(security) <= 1, "Security instances (/0) after the factory reset",
                "only the factory Bootstrap-Server's", ", ".join(security))
    expect.true(server.no_event("registered", ep, since=reset_mark, within=0.0),
                "Register toward the Server after the factory reset", "none with the erased account", "a Register")


def _bootstrap_not_register(server: Any, bootstrap_server: Any, ep: str, bs_mark: int, reset_mark: int,
                            timing: Any) -> None:
    """After the reset: a Bootstrap-Request, and no Register with the erased account before it (whichever comes
    first decides, within the reaction time)."""
    clause = "OMA object 3 resource 5: return the device to its delivered state (here C.13, no Server account)"
    deadline = server.now() + timing.reaction + timing.s(5)
    while not bootstrap_server.events("bootstrap-request", ep, since=bs_mark):
        expect.true(not server.events("registered", ep, since=reset_mark), "after the factory reset",
                    "a Bootstrap-Request (no Server account left)", "a Register with the erased Server account",
                    clause=clause)
        if server.now() >= deadline:
            expect.fail("after the factory reset", "a Bootstrap-Request", "nothing", clause)
        try:
            bootstrap_server.wait_event("bootstrap-request", ep, since=bs_mark, timeout=timing.s(0.25))
        except TimeoutError_:
            pass


@mp("REG-ID-01", "The device identifies itself: /3/0 identification in plain text, as declared, the serial number "
    "unique per unit", clause="OMA object 3 resources 0, 1, 2, 3, 17, 18, 19; OMA LwM2M TS Core 1.1 §7.3 (plain "
    "text); ETSI EN 303 645 5.3-16; ETSI TS 103 701 5.3-16-2", **REG)
@requires(obj=3, content_format=CF.TEXT)
@regulation("ETSI EN 303 645 5.3-16", "ETSI TS 103 701 5.3-16-2",
            "EU CRA Annex I Part I (2)(a)")
def test_identification_consistent(server, dut, dut_factory, transcript):
    """Read each of /3/0/0, 1, 2, 3, 17, 18, 19 the device has, Accept text/plain.  Pass: 2.05 in text/plain, a
    non-empty UTF-8 string without control characters; Manufacturer, Model Number and Serial Number equal the
    profile's identity.manufacturer, .model, .serial where it declares them.  Where meterproof can start a second
    unit of the model (its simulator): that unit's Serial Number differs."""
    shown: dict[str, Any] = {}
    if not any(dut.has(f"/3/0/{rid}") for rid in IDENTITY):
        expect.not_applicable("the device has none of the optional identification resources /3/0/0, 1, 2, 3, 17, 18, "
                              "19 (EN 303 645 5.3-16 lets the model designation be shown on a label instead)")
    with expect.all_criteria() as criteria:
        for rid, (name, field) in IDENTITY.items():
            path = f"/3/0/{rid}"
            if not dut.has(path):
                continue
            with criteria.check(f"{path} {name}"):
                r = server.read(dut.endpoint, path, accept=CF.TEXT)
                expect.code(r, codes.CONTENT, clause="OMA LwM2M TS Core 1.1 §7.3: a single resource in plain text")
                text = _plain_text(r, f"{path} {name}")
                shown[path] = text
                declared = dut.profile.identity.get(field) if field else None
                if declared is not None:
                    expect.equal(text, str(declared), f"{path} {name} against the profile's identity.{field}",
                                 clause="ETSI TS 103 701 5.3-16-2: the identification matches the declaration")
        serial = shown.get("/3/0/2")
        if serial is None:
            criteria.unjudged.append("serial uniqueness: the device has no /3/0/2 Serial Number")
        elif dut.profile.driver != "simulator":
            criteria.unjudged.append("serial uniqueness per unit: judged across the batch (several --dut-profile, "
                                     "MP-BATCH-UNIQUE); meterproof starts a second unit only of its simulator")
        else:
            with criteria.check("Serial Number of a second unit"):
                other = dut_factory.start()
                r = server.read(other.endpoint, "/3/0/2", accept=CF.TEXT)
                expect.code(r, codes.CONTENT)
                second = _plain_text(r, "/3/0/2 of the second unit")
                shown["/3/0/2 (second unit)"] = second
                expect.true(second != serial, "Serial Number of two units", "different per unit",
                            f"both {serial!r}", clause="ETSI EN 303 645 5.3-16 (identification); NIST IR 8259A")
    expect.evidence("identification read", shown)


def _plain_text(r: Any, what: str) -> str:
    expect.true(r.content_format in (None, CF.TEXT), f"{what} Content-Format", "text/plain (0)",
                r.content_format, clause="OMA LwM2M TS Core 1.1 §7.3")
    try:
        text = bytes(r.payload or b"").decode("utf-8")
    except UnicodeDecodeError:
        expect.fail(f"{what} payload", "UTF-8 text", bytes(r.payload)[:16].hex(),
                    clause="OMA LwM2M TS Core 1.1 §7.3: plain text is UTF-8")
        raise AssertionError("unreachable")
    expect.true(bool(text.strip()) and text.isprintable(), f"{what} value", "non-empty printable text",
                repr(text[:40]))
    return text


__all__ = ["IDENTITY"]
