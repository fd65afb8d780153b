"""Regulatory checks on the secure channel (REG-TLS-01, -05, -07, -08, -14), judged from the device's own handshakes.

ETSI EN 303 645 5.5-1 ("the consumer IoT device shall use best practice cryptography to communicate securely"),
ETSI TS 103 701 5.5-1-2 (functional: sniff the handshake, compare the suites with the IXIT, try to downgrade),
EN 18031-1 SCM-2 / CRY-1 and EU CRA Annex I Part I (2)(e),(f).  The LwM2M baseline is DTLS 1.2 (RFC 6347) with
the mandatory suites TLS_PSK_WITH_AES_128_CCM_8 (PSK) and TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (certificates)
(OMA LwM2M TS Transport 1.1 §5.2.8; RFC 7925 §4.3.1); a 1.1 client SHOULD NOT use the CBC suites.

What the harness can and cannot force with python-mbedtls (Mbed TLS 2.28) as the DTLS server: it sees every
ClientHello and the PSK identity, it can hold a wrong key or present a rogue certificate, and it can refuse to
complete a handshake.  It cannot answer with a suite the device did not offer, nor with a NULL suite (Mbed TLS
only ever picks from the intersection, and this build has no NULL ciphers), and its DTLS 1.0 support could not
be brought up against a DTLS 1.2-only client here: REG-TLS-03 (server-forced bad suite) and REG-TLS-04
(downgrade) need a hand-built ServerHello and are not part of this group yet.
"""

from __future__ import annotations

import json

from meterproof.declaration import contradictions as declared
from meterproof.dtls import hardening
from meterproof.dtls import records as rec
from meterproof.dtls import suites

from meterproof.fixtures import expect, mp, regulation
from meterproof.fixtures.security import channel, expect_refused

REG = dict(epic="Regulatory", feature="Secure channel")
#: The suite a device must offer per mode (OMA LwM2M TS Transport 1.1 §5.2.8.1, §5.2.8.3; RFC 7925 §4.3.1, §4.4).
MANDATORY = suites.MANDATORY
#: The protocol version a ClientHello must carry, by the run's transport: DTLS 1.2 over UDP (RFC 6347), TLS 1.2 over
#: TCP (binding T, CoAP over TLS of RFC 8323); RFC 7925 profiles the two alike, and so does TS Transport 1.1 §5.2.
VERSION = {"udp": (0xFEFD, "DTLS 1.2"), "tcp": (0x0303, "TLS 1.2")}


def hygiene(hello: rec.ClientHello, mode: str, lwm2m: str, transport: str = "udp") -> tuple[list[str], list[str]]:
    """(failures, warnings) of one ClientHello: version, deny-listed suites, the mandatory suite, compression;
    CBC suites and suites outside both lists are warnings (a 1.0 client may offer the CBC suite 1.0 lists)."""
    fails, warns = [], []
    want, want_name = VERSION[transport]
    if hello.version != want:
        fails.append(f"version {rec.VERSIONS.get(hello.version, hex(hello.version))} ({want_name} = 0x{want:04X} "
                     f"expected)")
    for code in hello.suites:
        status, name = suites.classify(code), suites.name(code)
        if status == "deny":
            fails.append(f"deny-listed suite {name} (0x{code:04X}: {suites.BY_CODE[code].note})")
        elif status == "warn" and lwm2m != "1.0":
            warns.append(f"CBC suite {name} offered (the client SHOULD NOT use CBC)")
        elif status == "unknown":
            warns.append(f"suite {name} is on neither the allow- nor the deny-list")
    if suites.BY_NAME[MANDATORY[mode]].code not in hello.suites:
        fails.append(f"the mandatory suite {MANDATORY[mode]} is not offered")
    if hello.compression and hello.compression != [0]:
        fails.append(f"compression methods {hello.compression} (only null, 0, is allowed: RFC 7525 §3.3)")
    return fails, warns


@mp("REG-TLS-01", "ClientHello hygiene: DTLS 1.2, no deny-listed suite, the mandatory suite, null compression",
    clause="ETSI EN 303 645 5.5-1; ETSI TS 103 701 5.5-1-2(a); OMA LwM2M TS Transport 1.1 §5.2.8; RFC 6347; "
    "RFC 7925 §4.3.1; RFC 7465 (no RC4); RFC 7525 §3.3 (no compression)", **REG)
@channel("psk", "cert", "rpk")
@regulation("ETSI EN 303 645 5.5-1", "ETSI EN 303 645 5.8-1", "ETSI EN 303 645 5.8-2", "ETSI TS 103 701 5.5-1-2",
            "ETSI TS 103 701 5.8-1-2", "EN 18031-1 SCM-2", "EN 18031-1 CRY-1", "EU CRA Annex I Part I (2)(e)",
            "EU CRA Annex I Part I (2)(f)", "OMA LwM2M TS Transport §5.2.8", "RFC 7925 §4.3.1")
def test_client_hello_hygiene(dut, security_run, case_handshakes, declaration, transcript):
    """Every ClientHello the device sent while it came up (the first flight and the one with the cookie) is
    decoded: its version, offered suites, compression methods.  With a vendor declaration (--declaration) the
    offered suites must all be listed in its 11-ComMech (ixit.communication.cipher_suites; ETSI TS 103 701
    5.5-1-2(a): compare the sniffed suites with the IXIT)."""
    hellos = [(label, h) for label, r in case_handshakes() if r.role == "server" for h in r.client_hello_list]
    if not hellos:
        expect.inconclusive("capture of the device's ClientHello", "int-401/int-402",
                            "no ClientHello of the device reached the harness during bring-up")
    evidence, problems = [], []
    for label, h in hellos:
        fails, warns = hygiene(h, security_run.channel, dut.lwm2m_version, security_run.transport)
        evidence.append({"server": label, "version": rec.VERSIONS.get(h.version, h.version), "cookie": bool(h.cookie),
                         "suites": [f"0x{c:04X} {suites.name(c)} [{suites.classify(c)}]" for c in h.suites],
                         "compression": h.compression, "extensions": h.extension_names, "failures": fails,
                         "warnings": warns})
        problems += fails
        for w in warns:
            expect.should(False, "ClientHello", "AEAD suites only", w, clause="OMA LwM2M TS Transport 1.1 §5.2.8.1")
    try:
        import allure
        allure.attach(json.dumps(evidence, indent=1), name="decoded ClientHellos",
                      attachment_type=allure.attachment_type.JSON)
    except Exception:
        pass
    undeclared = declared.undeclared_suites(declaration.doc, [c for _, h in hellos for c in h.suites]) \
        if declaration is not None else []
    with expect.all_criteria() as criteria:
        with criteria.check("ClientHello hygiene"):
            expect.true(not problems, "the device's ClientHello", f"{VERSION[security_run.transport][1]}, the "
                        "mandatory suite, no deny-listed suite, null compression", "; ".join(dict.fromkeys(problems)))
        with criteria.check("offered suites against the declaration"):
            expect.true(not undeclared, f"suites offered against the vendor declaration ({declared.SUITES_FIELD})",
                        "only declared suites", "; ".join(undeclared), clause="ETSI TS 103 701 5.5-1-2(a): the "
                        "suites seen in the handshake match the IXIT 11-ComMech")


@mp("REG-TLS-05", "No plaintext fallback: when the secure channel cannot be set up, nothing goes in clear",
    clause="OMA LwM2M TS Transport 1.1 §5.2.1 (LwM2M is secured by DTLS); ETSI EN 303 645 5.5-1; ETSI TS 103 701 "
    "5.5-1-2 example 3", **REG)
@channel("psk", "cert", "rpk")
@regulation("ETSI EN 303 645 5.5-1", "ETSI EN 303 645 5.8-2", "ETSI TS 103 701 5.5-1-2", "EN 18031-1 SCM-1",
            "EU CRA Annex I Part I (2)(b)", "EU CRA Annex I Part I (2)(e)")
def test_no_plaintext_fallback(dut_factory, security_run, timing, declaration, transcript):
    """(a) The server completes no handshake (no key for the device, a rogue certificate or another raw public
    key): no CoAP in clear arrives on its port and the device does not register (the same check as
    MP-SEC-NOSEC-FALLBACK).
    (b) When the vendor declaration says NoSec is not supported (ixit.communication.nosec.supported: false), a
    second device is given a NoSec account (Security Mode 3) toward a coap:// server: it must not register in
    clear.  Without such a declaration (b) is not judged: NoSec is a mode LwM2M defines."""
    srv = dut_factory.ad_hoc_server(**security_run.refusing_server())
    dev = dut_factory.start(server_uri=srv.aio.uri)
    expect_refused(dut_factory, srv, dev, timing, "server that completes no handshake")
    if declaration is None or not declared.nosec_unsupported(declaration.doc):
        return
    plain = dut_factory.ad_hoc_server(plain=True, label="NoSec server")
    nosec = dut_factory.start(server_uri=plain.aio.uri, server="nosec")
    expect.true(plain.no_event("registered", nosec.endpoint, since=0, within=timing.s(1.0)),
                f"a NoSec account (Security Mode 3, {plain.aio.uri}) against the vendor declaration "
                f"({declared.NOSEC_FIELD}: false)", "no Register in clear",
                "the device registered in clear over coap://", clause="ETSI TS 103 701 5.5-1-2: no indication that "
                "the device differs from its IXIT 11-ComMech; OMA LwM2M TS Transport §5.2.1")


@mp("REG-TLS-08", "The device verifies the server: a server holding another key for its identity is refused",
    clause="OMA LwM2M TS Transport 1.1 §5.2.1 (mutual authentication); RFC 4279 §2 (both sides prove the PSK); "
    "ETSI EN 303 645 5.5-1", **REG)
@channel("psk")
@regulation("ETSI EN 303 645 5.5-1", "ETSI TS 103 701 5.5-1-2", "EN 18031-1 AUM-2", "EN 18031-1 SCM-2",
            "EU CRA Annex I Part I (2)(d)")
def test_server_proof_of_key(dut_factory, timing, transcript):
    """The harness accepts the device's identity but answers with a random key: the device must abort the
    handshake, never register, never speak CoAP in clear."""
    import secrets
    srv = dut_factory.ad_hoc_server(psk_lookup=lambda identity: secrets.token_bytes(16))
    dev = dut_factory.start(server_uri=srv.aio.uri)
    expect_refused(dut_factory, srv, dev, timing, "server that holds another key")


@mp("REG-TLS-07", "Raw public key pinned: a server presenting another raw public key than /0/x/4 is refused",
    clause="RFC 7250 §3 (the raw public key is authenticated out of band: here, the one provisioned); OMA LwM2M TS "
    "Transport 1.1 §5.2.8.2 (Raw Public Key mode: the server's key is the one in the Security object); TS Core "
    "E.1 /0/x/4 Server Public Key; ETSI EN 303 645 5.5-1", **REG)
@channel("rpk", reason="REG-TLS-07 checks the client's pinning of the server's raw public key (Security Mode 1)")
@regulation("ETSI EN 303 645 5.5-1", "RFC 7250", "OMA LwM2M TS Transport §5.2.8.2", "EN 18031-1 AUM-2",
            "EN 18031-1 SCM-2")
def test_rpk_server_key_pinned(dut_factory, security_run, timing, transcript):
    """The harness presents another P-256 raw public key than the one in the device's /0/x/4 (it accepts the device's
    own key, so only the device's check can refuse): the device must abort the handshake, never register and never
    speak CoAP in clear."""
    srv = dut_factory.ad_hoc_server(rpk=security_run.server_rpk("rogue"))
    dev = dut_factory.start(server_uri=srv.aio.uri)
    expect_refused(dut_factory, srv, dev, timing, "server presenting another raw public key")



@mp("REG-TLS-14", "Extended master secret and encrypt-then-MAC offered (advisory)",
    clause="RFC 7627 §5.2 (extended_master_secret, extension 23); RFC 7366 §2 (encrypt_then_mac, extension 22, for "
    "CBC suites); RFC 7457 §2.2; ETSI EN 303 645 5.5-1", **REG)
@channel("psk", "cert", "rpk", reason="REG-TLS-14 reads the extensions of the device's DTLS ClientHello")
@regulation("ETSI EN 303 645 5.5-1", "ETSI TS 103 701 5.5-1-2", "EN 18031-1 SCM-2", "EN 18031-1 CRY-1",
            "EU CRA Annex I Part I (2)(e)", "RFC 7627", "RFC 7366")
def test_hardening_extensions(dut, security_run, case_handshakes, declaration, transcript):
    """The ClientHellos the device sent while it came up (decoded as REG-TLS-01 decodes them): each one offers
    extended_master_secret, and each one that offers a CBC suite offers encrypt_then_mac.  Missing either is a
    warning (an advisory check: neither RFC obliges a client to implement them), but a failure when the vendor
    declaration (--declaration, ixit.communication.tls_extensions) claims it, and extended_master_secret offered
    in some ClientHellos but not in others is a failure (RFC 7627 §5.2: in all handshakes)."""
    hellos = [h for _, r in case_handshakes() if r.role == "server" for h in r.client_hello_list]
    if not hellos:
        expect.inconclusive("capture of the device's ClientHello", "int-401/int-402",
                            "no ClientHello of the device reached the harness during bring-up")
    fails, advisories, missing = hardening.judge(hellos)
    claimed = declared.declared_extensions(declaration.doc) if declaration is not None else set()
    contradicted = sorted(missing & claimed)
    try:
        import allure
        allure.attach(json.dumps([{"cookie": bool(h.cookie), "suites": h.suite_names, "extensions": h.extension_names}
                                  for h in hellos], indent=1), name="decoded ClientHellos (extensions)",
                      attachment_type=allure.attachment_type.JSON)
    except Exception:
        pass
    for a in advisories:
        expect.should(False, "ClientHello hardening extensions", "extended_master_secret; encrypt_then_mac with CBC",
                      a, clause="RFC 7627; RFC 7366")
    with expect.all_criteria() as criteria:
        with criteria.check("extended_master_secret in every handshake"):
            expect.true(not fails, "the device's ClientHellos", "extended_master_secret in all or none",
                        "; ".join(fails), clause="RFC 7627 §5.2")
        with criteria.check("hardening extensions against the declaration"):
            expect.true(not contradicted, f"extensions offered against the vendor declaration "
                        f"({declared.EXTENSIONS_FIELD}: {', '.join(sorted(claimed))})", "every claimed extension "
                        "in every ClientHello that needs it", f"missing {', '.join(contradicted)}",
                        clause="ETSI TS 103 701 5.5-1-2: no indication that the device differs from its IXIT "
                        "11-ComMech")
