"""Regulatory checks on the credential lifecycle through the Bootstrap-Server (REG-CRT-01, REG-CRT-03).

REG-CRT-01: the operator can rotate a device's credential remotely -- Execute the Bootstrap-Request Trigger
(/1/x/9, OMA LwM2M TS Core 1.1 Appendix E.2), the Bootstrap-Server writes a new credential, and from then on the
device presents only the new one (ETSI EN 303 645 5.1-4 / TS 103 701 5.1-4-2(b): after a change the old
authentication value is invalid and the new one valid).  REG-CRT-03: the bootstrap cannot strand the device --
Bootstrap-Delete never removes the Bootstrap-Server account nor the Device object instance (TS Core 1.1 §6.1.7.6),
and Bootstrap-Finish with no usable LwM2M Server account is refused with 4.06 (TS Core 1.1 §6.1.7.5).  Both use
Bootstrap-Discover, an LwM2M 1.1 operation.
"""

from __future__ import annotations

from meterproof.lwm2m.bootstrap import discover_links

from meterproof.fixtures import codes, expect, mp, regulation, requires
from meterproof.fixtures.security import channel

REG = dict(epic="Regulatory", feature="Credential lifecycle")
C13 = dict(server=None, bootstrap=True)
TRIGGER = 9      # /1/x/9 Bootstrap-Request Trigger (TS Core 1.1 Appendix E.2)


def _links(result) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    """{target: params} of a Bootstrap-Discover answer (the lwm2m= element left out)."""
    try:
        _, links = discover_links(result.payload)
    except Exception as exc:
        expect.fail("Bootstrap-Discover payload", "CoRE link format", f"{bytes(result.payload)[:120]!r} ({exc})")
    return {lk.target: lk.params for lk in links}


def _bootstrap_account(links: dict[str, dict]) -> list[str]:
    """The /0 instances without an ssid: the Bootstrap-Server account (TS Core 1.1 §5.2.7.3: Discover gives the
    ssid of each server account only)."""
    return [t for t, p in links.items() if t.startswith("/0/") and t.count("/") == 2 and "ssid" not in p]


@mp("REG-CRT-03", "Bootstrap robustness: Delete / keeps the Bootstrap-Server account and /3/0; Finish without a "
    "Server account is refused", clause="OMA LwM2M TS Core 1.1 §6.1.7.6 (Bootstrap-Delete never affects the "
    "Bootstrap-Server account nor the Device object instance), §6.1.7.5 (Bootstrap-Finish: 4.06 when the "
    "configuration is not consistent)", **REG)
@requires(lwm2m="1.1")      # Bootstrap-Discover
@regulation("ETSI EN 303 645 5.9-2", "ETSI EN 303 645 5.13-1", "EN 18031-1 GEC-6", "EU CRA Annex I Part I (2)(h)",
            "OMA LwM2M TS Core §6.1.7.6")
def test_bootstrap_robustness(bootstrap_server, dut_factory, timing, transcript):
    """C.13 and a written server account: Bootstrap-Delete / answers 2.02, Bootstrap-Discover / still lists
    the Bootstrap-Server account and /3/0; Bootstrap-Finish now (no Server account left) answers 4.06."""
    dev = dut_factory.start(**C13)
    with expect.supporting("Bootstrap-Request and the Writes of a server account", "int-0"):
        expect.event(bootstrap_server, "bootstrap-request", dev.endpoint, since=0, timeout=timing.reaction,
                     what="Bootstrap-Request from the device")
        for r in bootstrap_server.write_account(dev.endpoint, dut_factory.account(dev.endpoint)):
            expect.code(r, codes.CHANGED)
    with expect.supporting("Bootstrap-Discover / before the Delete", "int-0"):
        d0 = bootstrap_server.discover(dev.endpoint, "/")
        expect.code(d0, codes.CONTENT)
        before = _links(d0)
    expect.code(bootstrap_server.delete(dev.endpoint, "/"), codes.DELETED)
    with expect.supporting("Bootstrap-Discover / after the Delete", "int-4"):
        d1 = bootstrap_server.discover(dev.endpoint, "/")
        expect.code(d1, codes.CONTENT)
        after = _links(d1)
    expect.true(bool(_bootstrap_account(after)), "the Bootstrap-Server account after Bootstrap-Delete /",
                f"still listed ({', '.join(_bootstrap_account(before))})", ", ".join(sorted(after)),
                clause="OMA LwM2M TS Core 1.1 §6.1.7.6")
    if "/3/0" in before:
        expect.true("/3/0" in after, "the Device object instance /3/0 after Bootstrap-Delete /", "still listed",
                    ", ".join(sorted(after)), clause="OMA LwM2M TS Core 1.1 §6.1.7.6")
    expect.code(bootstrap_server.finish(dev.endpoint), codes.NOT_ACCEPTABLE,
                clause="OMA LwM2M TS Core 1.1 §6.1.7.5: Bootstrap-Finish without a usable LwM2M Server account")


@mp("REG-CRT-01", "Remote credential rotation: after /1/x/9 and a new credential from the Bootstrap-Server the "
    "device uses only the new one", clause="OMA LwM2M TS Core 1.1 Appendix E.2 (/1/x/9 Bootstrap-Request "
    "Trigger), §6.1 (the Bootstrap-Server provisions the credentials); ETSI TS 103 701 5.1-4-2(b)", **REG)
@channel("psk", "cert")
@requires(lwm2m="1.1")      # /1/x/9 is a LwM2M 1.1 resource
@regulation("ETSI EN 303 645 5.1-4", "ETSI EN 303 645 5.4-4", "ETSI TS 103 701 5.1-4-2", "EN 18031-1 AUM-4",
            "EN 18031-1 CCK-1", "EU CRA Annex I Part I (2)(c)", "OMA LwM2M TS Core E.2")
def test_remote_credential_rotation(server, bootstrap_server, dut_factory, security_run, timing, transcript):
    """A registered device with a Bootstrap-Server account: the Server executes /1/x/9 (x: the instance serving
    it, found on the device); the Bootstrap-Server deletes /0 and /1 (its own account stays) and writes the
    same Server with a new credential (PSK identity and key, or a new client certificate), then Finish.  The
    Server forgets the old key.  Pass: the device registers again, every handshake after the trigger presents
    the new credential, none the old."""
    mark = server.mark()
    dev = dut_factory.start(bootstrap=True)
    with expect.supporting("initial Register", "int-101"):
        expect.event(server, "registered", dev.endpoint, since=mark, timeout=timing.reaction, what="Register")
    device = dut_factory.dut(dev)
    trigger = device.server_path(TRIGGER)
    device.require(trigger, why="remote credential rotation needs (Bootstrap-Request Trigger, optional in E.2)")
    old = dict(dev.presented)
    new = dut_factory.account(dev.endpoint)
    bmark, rmark, hs = bootstrap_server.mark(), server.mark(), dut_factory.run.mark()
    with expect.supporting(f"Execute {trigger} and the server-initiated bootstrap", "int-5"):
        expect.code(server.execute(dev.endpoint, trigger), codes.CHANGED)
        expect.event(bootstrap_server, "bootstrap-request", dev.endpoint, since=bmark, timeout=timing.reaction,
                     what="Bootstrap-Request after the trigger")
        for p in ("/0", "/1"):
            expect.code(bootstrap_server.delete(dev.endpoint, p), codes.DELETED)
        for r in bootstrap_server.write_account(dev.endpoint, new):
            expect.code(r, codes.CHANGED)
        for ident in old.get("psk_identities", ()):       # the Server stops accepting the old credential
            security_run.dm_keys.pop(ident, None)
        expect.code(bootstrap_server.finish(dev.endpoint), codes.CHANGED)
    expect.event(server, "registered", dev.endpoint, since=rmark, timeout=timing.reaction,
                 what="Register with the new credential")
    from meterproof.fixtures.security import presented_credentials
    after = presented_credentials([(lab, r) for lab, r in dut_factory.run.since(hs) if lab == "server"])
    kind = "psk_identities" if security_run.channel == "psk" else "spki_sha256"
    reused = set(after.get(kind, ())) & set(old.get(kind, ()))
    expect.true(bool(after.get(kind)), "handshakes toward the Server after the rotation", "at least one", "none")
    expect.true(not reused, "credential presented to the Server after the rotation", "only the new one",
                f"the old one again ({', '.join(sorted(reused))})")
    if security_run.channel == "psk":
        expect.true(set(after[kind]) == {new.identity.decode()}, "PSK identity after the rotation",
                    new.identity.decode(), ", ".join(after[kind]))
