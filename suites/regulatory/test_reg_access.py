"""Regulatory checks on protecting the keys on the device (REG-AC-01 .. -04) and on access control between
LwM2M Servers (REG-AC-05).

The Security object (/0) holds the credentials: it "MUST only be changed by a Bootstrap-Server" and is not
accessible to any LwM2M Server (OMA LwM2M TS Core 1.1 §6.3 and Appendix E.1), it is never listed in Register or
Update (TS Core §6.2.1), and Bootstrap-Read is limited to the Server and Access Control objects (TS Core 1.1
§6.1.7.2).  Evidenced provisions: ETSI EN 303 645 5.4-1 (sensitive security parameters stored securely; TS 103 701
5.4-1-2: try to reach the parameter through remote interfaces), 5.5-5, 5.6-2; EN 18031-1 SSM-3 / ACM-2; EU CRA
Annex I Part I (2)(d),(e).  The response *codes* (4.01 Unauthorized) are the device-management cases' business
(int-221 and the Security-object cases); these check that no key material leaves the device.
"""

from __future__ import annotations

import re

from meterproof.declaration import contradictions as declared
from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.model.types import DataType

from meterproof.fixtures import codes, expect, mp, regulation, requires
from meterproof.fixtures.two_servers import ACL_CLAUSE, OWNER, RESTRICTED, R, Grant, two_servers

REG = dict(epic="Regulatory", feature="Key protection")
KEY_OBJECTS = (0, 21, 23)   # Security, OSCORE, COSE: bootstrap-only objects holding keys
BOOTSTRAP_ONLY = (21, 23)   # REG-AC-02's share of them (REG-AC-01 has /0)


def _known_secrets(security_run) -> list[bytes]:  # type: ignore[no-untyped-def]
    return [k for k in (*security_run.dm_keys.values(), *security_run.bs_keys.values()) if len(k) >= 8]


def _leak(payload: bytes, secrets: list[bytes]) -> bool:
    return any(s in payload or s.hex().encode() in payload.lower() for s in secrets)


#: A resource that holds key material, by its definition: Opaque, and named a secret, a private key or an OSCORE
#: master secret/salt (/0/x/5 "Secret Key", /0/x/12 "SMS Binding Secret Key(s)", /21/x/0 "OSCORE Master Secret").
KEY_NAME = re.compile(r"\bsecret\b|\bprivate\b|master (secret|salt)", re.IGNORECASE)


def key_resources(odef) -> list[int]:  # type: ignore[no-untyped-def]
    """The resources of an object definition that hold key material (KEY_NAME, type Opaque)."""
    if odef is None:
        return []
    return sorted(r.id for r in odef.resources.values() if r.type == DataType.OPAQUE and KEY_NAME.search(r.name))


def bootstrap_only_probes(server, dut, oid: int, key_rids: list[int]) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """Requests a LwM2M Server must not get answered for a bootstrap-only object: Read and Discover of the
    object, and Read of the first instances an attacker would guess (their key resources when known)."""
    probes = [(f"Read /{oid}", server.read(dut.endpoint, f"/{oid}")),
              (f"Discover /{oid}", server.discover(dut.endpoint, f"/{oid}"))]
    targets = [f"/{oid}/{i}/{r}" for i in (0, 1) for r in key_rids] or [f"/{oid}/{i}" for i in (0, 1)]
    return probes + [(f"Read {t}", server.read(dut.endpoint, t)) for t in targets]


def judge_disclosure(probes: list[tuple[str, object]], secrets: list[bytes], what: str) -> None:
    """No probe answered 2.xx (a Read-Composite may answer 2.05 without any record of the object: TS Core 1.1
    §6.3.8) and no payload carries a key the harness gave."""
    disclosed = [f"{w} -> {r.code_text}" for w, r in probes  # type: ignore[attr-defined]
                 if r.ok and (not w.startswith("Read-Composite") or b"/0" in bytes(r.payload or b""))]  # type: ignore[attr-defined]
    leaked = [w for w, r in probes if r.payload and _leak(bytes(r.payload), secrets)]  # type: ignore[attr-defined]
    expect.true(not leaked, f"payloads answering {what} requests", "no key material",
                f"a provisioned key in the answer to {', '.join(leaked)}")
    expect.true(not disclosed, f"{what} requests from a LwM2M Server", "refused (never 2.xx)", "; ".join(disclosed))


@mp("REG-AC-01", "No key material leaves the Security object toward a LwM2M Server",
    clause="OMA LwM2M TS Core 1.1 §6.3 / Appendix E.1: /0 is not accessible to a LwM2M Server; ETSI EN 303 645 "
    "5.4-1; ETSI TS 103 701 5.4-1-2", **REG)
@regulation("ETSI EN 303 645 5.4-1", "ETSI EN 303 645 5.5-5", "ETSI TS 103 701 5.4-1-2", "EN 18031-1 SSM-3",
            "EN 18031-1 ACM-2", "EU CRA Annex I Part I (2)(d)", "EU CRA Annex I Part I (2)(e)",
            "OMA LwM2M TS Core E.1")
def test_security_object_not_disclosed(server, dut, security_run, transcript):
    """Read /0, Discover /0, Read of the key resource /0/x/5 of the first instances an attacker would guess,
    and (1.1+, a device claiming the composite operations) Read-Composite of /0: none may succeed (a Read-Composite may answer 2.05 without any /0 record),
    and no payload may carry a key the harness gave."""
    probes = bootstrap_only_probes(server, dut, 0, [5])
    if dut.lwm2m_version != "1.0" and dut.profile.claims("composite"):   # Read-Composite is optional
        probes.append(("Read-Composite [/0]", server.read_composite(dut.endpoint, ["/0"], content_format=CF.SENML_JSON)))
    judge_disclosure(probes, _known_secrets(security_run), "Security-object")


@mp("REG-AC-02", "No key material leaves the OSCORE, COSE or vendor key objects toward a LwM2M Server",
    clause="OMA LwM2M TS Core 1.1 §6.3 / Appendix E (the OSCORE object /21 and the COSE object /23 are, like /0, "
    "for the Bootstrap-Server only); ETSI EN 303 645 5.4-1; ETSI TS 103 701 5.4-1-2", **REG)
@regulation("ETSI EN 303 645 5.4-1", "ETSI EN 303 645 5.5-5", "ETSI TS 103 701 5.4-1-2", "EN 18031-1 SSM-3",
            "EN 18031-1 ACM-2", "EU CRA Annex I Part I (2)(d)", "EU CRA Annex I Part I (2)(e)")
def test_key_objects_not_disclosed(server, dut, security_run, transcript):
    """/21 and /23 get the REG-AC-01 probes (Read and Discover of the object, Read of the first instances or
    their key resources); every other object the device registered whose definition (the device's object
    model, vendor DDF files included) has key resources (Opaque, named a secret, a private key or a master
    secret/salt) gets a Read of those resources in every instance it registered.  None may answer 2.xx nor
    carry a key the harness gave."""
    probes: list[tuple[str, object]] = []
    for oid in BOOTSTRAP_ONLY:
        probes += bootstrap_only_probes(server, dut, oid, key_resources(dut.object_def(oid)))
    vendor = {oid: key_resources(dut.object_def(oid)) for oid in dut.registered_objects() if oid not in KEY_OBJECTS}
    for oid, rids in sorted(vendor.items()):
        probes += [(f"Read /{oid}/{i}/{r}", server.read(dut.endpoint, f"/{oid}/{i}/{r}"))
                   for i in dut.instances(oid) for r in rids]
    _attach_probes(probes)
    judge_disclosure(probes, _known_secrets(security_run), "key-object")


def _attach_probes(probes: list[tuple[str, object]]) -> None:
    try:
        import allure
        allure.attach("\n".join(f"{w} -> {r.code_text}" for w, r in probes),  # type: ignore[attr-defined]
                      name="key-object probes", attachment_type=allure.attachment_type.TEXT)
    except Exception:   # the report must not depend on it
        pass


@mp("REG-AC-03", "Register never lists the Security, OSCORE or COSE objects, nor an object the declaration "
    "leaves out", clause="OMA LwM2M TS Core 1.1 §6.2.1: the Security object (and OSCORE /21, COSE /23) MUST NOT be "
    "part of the Register object list", **REG)
@regulation("ETSI EN 303 645 5.6-2", "ETSI EN 303 645 5.6-1", "ETSI EN 303 645 5.4-1", "ETSI TS 103 701 5.6-1-2",
            "EN 18031-1 SSM-3", "EU CRA Annex I Part I (2)(j)", "OMA LwM2M TS Core §6.2.1")
def test_register_hides_key_objects(dut, registration, declaration, transcript):
    """The object links of the Register: none of the key objects; with a vendor declaration, every registered
    object is one its LwM2M interface exposes (15-Intf, ixit.interfaces[].lwm2m_objects; TS 103 701 5.6-1-2:
    the interfaces are those the IXIT lists)."""
    listed = sorted({str(lk.path) for lk in registration.objects.links if lk.path.object_id in KEY_OBJECTS})
    registered = {lk.path.object_id for lk in registration.objects.links
                  if lk.path.object_id is not None and lk.path.object_id not in KEY_OBJECTS}
    undeclared = declared.undeclared_objects(declaration.doc, registered) if declaration is not None else []
    with expect.all_criteria() as criteria:
        with criteria.check("key objects"):
            expect.true(not listed, "object links of the Register", "none of /0, /21, /23", ", ".join(listed))
        with criteria.check("registered objects against the declaration"):
            expect.true(not undeclared, "objects of the Register against the vendor declaration (15-Intf)",
                        "only declared objects", "; ".join(undeclared), clause="ETSI EN 303 645 5.6-1; ETSI TS 103 "
                        "701 5.6-1-2: the exposed interfaces are those the IXIT 15-Intf lists")


@mp("REG-AC-04", "Bootstrap-Read cannot read the keys back",
    clause="OMA LwM2M TS Core 1.1 §6.1.7.2: Bootstrap-Read only on the Server and Access Control objects; ETSI EN "
    "303 645 5.4-1", **REG)
@requires(lwm2m="1.1")
@regulation("ETSI EN 303 645 5.4-1", "ETSI TS 103 701 5.4-1-2", "EN 18031-1 SSM-3", "EU CRA Annex I Part I (2)(e)",
            "OMA LwM2M TS Core §6.1.7.2")
def test_bootstrap_read_keeps_keys(bootstrap_server, dut_factory, security_run, timing, transcript):
    """C.13: after the Bootstrap-Server wrote a server account (with a fresh key), Bootstrap-Read of /0 and of
    that account's key /0/x/5 must not answer 2.05 nor carry the key; control: Bootstrap-Read /1 answers 2.05."""
    dev = dut_factory.start(server=None, bootstrap=True)
    acct = dut_factory.account(dev.endpoint)
    with expect.supporting("Bootstrap-Request and the Writes of a server account", "int-0"):
        expect.event(bootstrap_server, "bootstrap-request", dev.endpoint, since=0, timeout=timing.reaction,
                     what="Bootstrap-Request from the device")
        for r in bootstrap_server.write_account(dev.endpoint, acct):
            expect.code(r, codes.CHANGED)
    with expect.supporting("Bootstrap-Read /1 (control)", "int-8"):
        expect.code(bootstrap_server.read(dev.endpoint, "/1"), codes.CONTENT)
    secrets = _known_secrets(security_run) + ([acct.secret] if acct.secret and len(acct.secret) >= 8 else [])
    probes = [(p, bootstrap_server.read(dev.endpoint, p)) for p in ("/0", f"/0/{acct.security_instance}/5")]
    leaked = [p for p, r in probes if r.payload and _leak(bytes(r.payload), secrets)]
    expect.true(not leaked, "Bootstrap-Read answers", "no key material", f"a key in the answer to {leaked}")
    expect.true(not any(r.ok for _, r in probes), "Bootstrap-Read of the Security object", "an error, never 2.05",
                "; ".join(f"{p} -> {r.code_text}" for p, r in probes))


#: Writable Device resources a restricted server may try (Current Time, UTC Offset, Timezone), in that order.
DEVICE_WRITABLE = (13, 14, 15)


def _writable_device_resource(server, ep: str):  # type: ignore[no-untyped-def]
    """(path, current value) of the first of /3/0/13, 14, 15 the device has, read by the owner (supporting)."""
    with expect.supporting("Read /3/0 by the owner server", "int-223 (Read on Object Instance)"):
        r = server.read(ep, "/3/0")
        expect.code(r, codes.CONTENT)
        values = expect.decodes(r)
    for rid in DEVICE_WRITABLE:
        path = f"/3/0/{rid}"
        if any(str(p) == path for p in values):
            return path, next(v for p, v in values.items() if str(p) == path)
    expect.not_applicable("the device has none of the writable Device resources /3/0/13, /3/0/14, /3/0/15")
    raise AssertionError  # unreachable


@mp("REG-AC-05", "Access Control between LwM2M Servers: a server gets only the rights its ACL grants",
    clause=ACL_CLAUSE, **dict(REG, feature="Access control"))
@regulation("ETSI EN 303 645 5.5-4", "ETSI EN 303 645 5.5-5", "ETSI TS 103 701 5.5-4-2", "ETSI TS 103 701 5.5-5-2",
            "EN 18031-1 ACM-2", "EU CRA Annex I Part I (2)(d)", "OMA LwM2M TS Core §7.3")
def test_acl_between_servers(server, bootstrap_server, dut_factory, security_run, timing, transcript):
    """Bootstrap: accounts 101 (the owner) and 102; /3/0's Access Control instance owned by 101 with Read only for
    102; /5/0's (when the device has it) owned by 101 with nothing for 102.  Server 102: Read /3/0 -> 2.05; Write
    of a writable Device resource (its current value) -> 4.01; Read /5/0 and Observe /5/0/3 -> 4.01 (Observe
    needs R: no notification without it); Write of /3/0's Access Control instance (giving itself every right) ->
    4.01.  Server 101 (owner, no ACL entry of its own: full rights) writes
    the same Device resource -> 2.04.  Not judged here: Execute and Delete (REG-UPD-08 judges an Execute)."""
    both = two_servers(server, bootstrap_server, dut_factory, security_run, timing, ssids=(OWNER, RESTRICTED),
                       need_acl=True, grants=[Grant("/3/0", OWNER, {RESTRICTED: R}), Grant("/5/0", OWNER)])
    ep, owner, other = both.endpoint, both.server(OWNER), both.server(RESTRICTED)
    path, current = _writable_device_resource(owner, ep)
    rows: list[tuple[str, str]] = []
    with expect.all_criteria() as c:
        def judge(what: str, operate, *expected) -> None:  # type: ignore[no-untyped-def]
            with c.check(what):
                result = operate()
                rows.append((what, result.code_text))
                expect.code(result, *expected, clause=ACL_CLAUSE)
        judge("102 Read /3/0 (R granted)", lambda: other.read(ep, "/3/0"), codes.CONTENT)
        judge(f"102 Write {path} (no W)", lambda: other.write(ep, path, current), codes.UNAUTHORIZED)
        if "/5/0" in both.instances:
            judge("102 Read /5/0 (no right)", lambda: other.read(ep, "/5/0"), codes.UNAUTHORIZED)
            judge("102 Observe /5/0/3 (no right: no notification either)",
                  lambda: other.observe(ep, "/5/0/3").first, codes.UNAUTHORIZED)
        aiid = both.acl_instances["/3/0"]
        judge(f"102 Write /2/{aiid}/2 (an Access Control instance 101 owns)",
              lambda: other.write(ep, f"/2/{aiid}/2", {f"/2/{aiid}/2/{RESTRICTED}": 31}), codes.UNAUTHORIZED)
        judge(f"101 (owner) Write {path}", lambda: owner.write(ep, path, current), codes.CHANGED)
    expect.evidence("operations per server", rows)
