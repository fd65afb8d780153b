"""Regulatory checks on the credentials a meter ships with (REG-PW-*).

Each case names the public provisions it evidences (``@regulation``): ETSI EN 303 645 V2.1.1 provision 5.1-1
("where passwords are used ... in any state other than the factory default, all consumer IoT device passwords
shall be unique per device or defined by the user") and 5.1-2 (pre-installed unique passwords not based on
obvious regularities), the matching ETSI TS 103 701 V1.1.1 test cases, EN 18031-1 AUM-5 / CCK-3, UK PSTI
(SI 2023/1007) Schedule 1 paragraph 1 and EU CRA (Regulation 2024/2847) Annex I Part I (2)(b) and (2)(d).  The PSK
identity is sent in clear in the ClientKeyExchange (RFC 4279 §2), so the harness reads the credential a device
*presents*, whatever its profile declares.  PSTI ¶1(4)(a) leaves cryptographic keys out of "passwords": for a DTLS
PSK the uniqueness duty is OMA LwM2M TS Transport §5.2.1 (client keys unique per client) and EN 303 645 5.4-4.

REG-PW-02 (credentials unique across the batch) is judged once per run over every device of the batch (several
``--dut-profile``), from the identities and certificate keys the devices presented: see
``meterproof.dut.fleet.presented_findings``; it shows in the results JSON and the console's batch line.
"""

from __future__ import annotations

import json

from meterproof.dtls import default_credentials
from meterproof.lwm2m.bootstrap import BootstrapPlan

from meterproof.fixtures import expect, mp, regulation
from meterproof.fixtures.security import channel

REG = dict(epic="Regulatory", feature="Credentials as shipped")


def _attach(name: str, data: object) -> None:
    try:
        import allure
        allure.attach(json.dumps(data, indent=1, default=str), name=name, attachment_type=allure.attachment_type.JSON)
    except Exception:   # the report must not depend on it
        pass


@mp("REG-PW-01", "No public default credential: the device presents no demo identity and completes no handshake "
    "with a demo key", clause="ETSI EN 303 645 5.1-1, 5.1-2; ETSI TS 103 701 5.1-1-2(c), 5.1-2-2(a): no universal "
    "default password; OMA LwM2M TS Transport §5.2.1: client keys unique per client", **REG)
@channel("psk")
@regulation("ETSI EN 303 645 5.1-1", "ETSI EN 303 645 5.1-2", "ETSI EN 303 645 5.4-3", "ETSI TS 103 701 5.1-1-2",
            "ETSI TS 103 701 5.1-2-2", "EN 18031-1 AUM-5", "EN 18031-1 CCK-3", "UK PSTI Sch.1 ¶1",
            "EU CRA Annex I Part I (2)(b)", "EU CRA Annex I Part I (2)(d)", "OMA LwM2M TS Transport §5.2.1")
def test_no_public_default_credentials(dut_factory, timing, transcript):
    """For every entry of the versioned public-default dictionary, one device start toward a server that answers
    whatever identity the device presents with that entry's key: every handshake must fail.  The identities the
    device presented must not be dictionary identities.  Evidence: the dictionary's version and SHA-256 and the
    per-candidate table."""
    d = default_credentials.load()
    table = []
    for i, entry in enumerate(d.psks):
        label = f"dictionary key {i + 1}"
        srv = dut_factory.ad_hoc_server(psk_lookup=lambda ident, k=entry.key: k, label=label)
        mark = dut_factory.run.mark()
        dev = dut_factory.start(server_uri=srv.aio.uri)
        reports = dut_factory.run.wait_handshake(mark, timing.reaction, label=label)
        ok = [r for r in reports if r.outcome == "ok"]
        table.append({"candidate": i + 1, "source": entry.source, "dictionary_identity": entry.identity,
                      "presented_identity": reports[0].psk_identity if reports else None,
                      "handshake": "completed" if ok else (reports[0].outcome if reports else "none arrived")})
        if not reports:
            expect.inconclusive(f"handshake toward the server holding {label}", "MP-SEC-DEFAULT-PSK",
                                "the device made no handshake attempt")
        expect.true(not ok and srv.no_event("registered", dev.endpoint, since=0, within=0.0),
                    f"DTLS handshake with the public default key of {entry.source}", "refused",
                    f"completed ({ok[0].line(dut_factory.run.redactor) if ok else 'registered'})")
    _attach("public default credentials: dictionary and candidates", {**d.evidence(), "candidates": table})
    presented = {row["presented_identity"] for row in table if row["presented_identity"]}
    public = {p: d.identity_matches(p) for p in presented if d.identity_matches(p)}
    expect.true(not public, "PSK identity the device presents", "none from the public default dictionary",
                "; ".join(f"{p!r} ({m[0].source})" for p, m in public.items()))


@mp("REG-PW-05", "The factory credential is replaced at bootstrap: the device uses the provisioned one toward "
    "its Server", clause="ETSI EN 303 645 5.1-1 (unique in any state other than the factory default), 5.4-3; ETSI "
    "TS 103 701 5.4-3-2(a); OMA LwM2M TS Core §6.1 (the Bootstrap-Server provisions the Server credentials)", **REG)
@channel("psk")
@regulation("ETSI EN 303 645 5.1-1", "ETSI EN 303 645 5.4-3", "ETSI TS 103 701 5.1-1-2", "ETSI TS 103 701 5.4-3-2",
            "EN 18031-1 AUM-4", "EN 18031-1 CCK-3", "EU CRA Annex I Part I (2)(b)")
def test_factory_credential_replaced(server, bootstrap_server, dut_factory, timing, transcript):
    """C.13: the device holds only its factory Bootstrap-Server PSK.  The Bootstrap-Server provisions a fresh
    random identity and key for the LwM2M Server, then Finish.  Every handshake toward the Server must present
    the provisioned identity, never the factory one, and the device registers with it."""
    ep = dut_factory.endpoint()
    acct = dut_factory.account(ep)
    bootstrap_server.plan(ep, BootstrapPlan([acct]))
    mark, hs = server.mark(), dut_factory.run.mark()
    dev = dut_factory.start(endpoint=ep, server=None, bootstrap=True)
    with expect.supporting("client-initiated bootstrap (Bootstrap-Request, Writes, Finish)", "int-0"):
        expect.event(bootstrap_server, "bootstrap-request", ep, since=0, timeout=timing.reaction,
                     what="Bootstrap-Request from the device")
    factory = {r.psk_identity for lab, r in dut_factory.run.since(hs) if lab == "bootstrap" and r.psk_identity}
    toward_server = dut_factory.run.wait_handshake(hs, timing.reaction, label="server")
    expect.true(bool(toward_server), "a DTLS handshake toward the provisioned Server", "one", "none arrived")
    provisioned = acct.identity.decode()
    presented = [r.psk_identity for r in toward_server]
    expect.true(not factory.intersection(presented), "PSK identity presented to the LwM2M Server",
                f"the provisioned one ({provisioned!r}), never the factory one", f"the factory identity {presented}")
    expect.true(all(p == provisioned for p in presented), "PSK identity presented to the LwM2M Server",
                repr(provisioned), repr(presented))
    expect.event(server, "registered", ep, since=mark, timeout=timing.reaction,
                 what="Register with the provisioned credential")
    _attach("credentials before and after bootstrap", {"factory (toward the Bootstrap-Server)": sorted(factory),
                                                        "toward the LwM2M Server": presented})


@mp("REG-PW-02", "Units of one device model present different credentials",
    clause="ETSI EN 303 645 5.1-1 (unique per device), 5.4-4; ETSI TS 103 701 5.4-4-1(b); OMA LwM2M TS Transport "
    "§5.2.1 (client keys unique per client); RFC 4279 §2 (the identity is sent in clear)", **REG)
@channel("psk", "cert")
@regulation("ETSI EN 303 645 5.1-1", "ETSI EN 303 645 5.4-4", "ETSI TS 103 701 5.1-1-2", "ETSI TS 103 701 5.4-4-1",
            "EN 18031-1 AUM-5", "EN 18031-1 CCK-3", "UK PSTI Sch.1 ¶1(2)(a)", "EU CRA Annex I Part I (2)(d)",
            "OMA LwM2M TS Transport §5.2.1")
def test_units_present_unique_credentials(dut_factory, transcript):
    """Two units of the device's model, each provisioned as the lab provisions it, start toward the run's
    server: the PSK identities (ClientKeyExchange) and certificate keys (SPKI SHA-256) they present must not be
    shared.  Across the devices of a batch (several --dut-profile) the same comparison runs at the end of the
    run, over everything each device presented."""
    units = [dut_factory.start() for _ in range(2)]
    shown = [u.presented for u in units]
    _attach("credentials presented by each unit", [{"unit": i + 1, **p} for i, p in enumerate(shown)])
    if not any(p.get("psk_identities") or p.get("spki_sha256") for p in shown):
        expect.inconclusive("capture of the credentials the units present", "int-401/int-402",
                            "no handshake with a PSK identity or client certificate reached the harness")
    for key, label in (("psk_identities", "PSK identity"), ("spki_sha256", "certificate public key (SPKI SHA-256)")):
        shared = set(shown[0].get(key, ())) & set(shown[1].get(key, ()))
        expect.true(not shared, f"{label} presented by two units", "different per unit",
                    f"both present {', '.join(sorted(shared))}")


#: The longest PSK the harness's own DTLS stack can hold: python-mbedtls bundles Mbed TLS 2.28 built with
#: MBEDTLS_PSK_MAX_LEN 32 (a longer key is "Bad input parameters", 0x7100, on either side).
HARNESS_MAX_PSK = 32


@mp("REG-PW-06", "Long credentials work: a 128-byte PSK identity (and the longest key the harness can hold) "
    "provisioned at bootstrap",
    clause="OMA LwM2M TS Transport 1.1 §5.2.8.1 (Pre-Shared Keys: Clients MUST support PSK identities of up to "
    "128 bytes and keys of up to 64 bytes, RFC 7925); OMA LwM2M TS 1.0 Appendix E.1.1.1", **REG)
@channel("psk")
@regulation("ETSI EN 303 645 5.1-3", "ETSI EN 303 645 5.5-1", "EN 18031-1 AUM-5", "EN 18031-1 CCK-1",
            "OMA LwM2M TS Transport §5.2.8.1")
def test_long_credentials_supported(server, bootstrap_server, dut_factory, timing, transcript):
    """C.13: the Bootstrap-Server provisions a LwM2M Server account with a 128-byte identity and a random key of
    HARNESS_MAX_PSK (32) bytes; the device must complete the handshake toward the Server presenting that identity,
    and register.  The 64-byte key of the clause is not judged: the harness's DTLS stack cannot hold one (see
    HARNESS_MAX_PSK); the evidence says so."""
    import secrets
    ep = dut_factory.endpoint()
    identity = (f"{ep}-" + secrets.token_hex(64))[:128]
    acct = dut_factory.account(ep, identity=identity, key_bytes=HARNESS_MAX_PSK)
    bootstrap_server.plan(ep, BootstrapPlan([acct]))
    mark, hs = server.mark(), dut_factory.run.mark()
    dut_factory.start(endpoint=ep, server=None, bootstrap=True)
    with expect.supporting("client-initiated bootstrap (Bootstrap-Request, Writes, Finish)", "int-0"):
        expect.event(bootstrap_server, "bootstrap-request", ep, since=0, timeout=timing.reaction,
                     what="Bootstrap-Request from the device")
    reports = dut_factory.run.wait_handshake(hs, timing.reaction, label="server")
    expect.true(bool(reports), "a DTLS handshake toward the provisioned Server", "one", "none arrived")
    presented = [r.psk_identity for r in reports]
    expect.true(all(p == identity for p in presented), "PSK identity presented to the LwM2M Server",
                "the provisioned 128-byte identity", f"{[len((p or '').encode()) for p in presented]} byte(s)")
    _attach("credential lengths", {"identity bytes": len(identity.encode()), "key bytes": HARNESS_MAX_PSK,
                                   "not judged": "a 64-byte key: the harness's Mbed TLS build holds at most 32 bytes"})
    expect.true(any(r.outcome == "ok" for r in reports), "DTLS handshake with the long identity", "completed",
                "; ".join(r.line(dut_factory.run.redactor) for r in reports))
    expect.event(server, "registered", ep, since=mark, timeout=timing.reaction,
                 what="Register with the long credentials")
