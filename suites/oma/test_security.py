"""OMA ETS Security cases (int-401 .. int-406) and meterproof's own channel-security cases (MP-SEC-*).

Sources: OMA-ETS-LightweightM2M_INT-V1_2-20231003-A § Security (oma-ets-cases.md §1.5, §3.5); OMA LwM2M TS
Transport 1.1 §5.2.1 (mutual authentication, LwM2M secured by DTLS), §5.2.8 (suites, server certificate
validation per RFC 7925 §4.4.1 / RFC 6125); ETSI EN 303 645 5.1-1/5.1-2 (no universal default password) and 5.5-1
(best practice cryptography to communicate securely).  suites/regulatory repeats the regulator's view of the same
behaviour (REG-PW-01, REG-TLS-05, REG-TLS-08).  A Server reading or
writing the Security object is int-221 (suites/oma/test_device_management.py), not repeated here.

Every device gets fresh random credentials from the harness (``--security``); a case that needs a
wrong server starts the device against an ad-hoc server of its own and waits on the handshake
reports, never on a clock.
"""

from __future__ import annotations

import pytest

from meterproof.dtls.suites import LWM2M_CERT, LWM2M_PSK

from meterproof.fixtures import CF, codes, ets, expect, mp, regulation, requires
from meterproof.fixtures.security import PUBLIC_DEFAULT_PSKS, channel, expect_refused, transport

SEC = dict(epic="Security", feature="Channel security")


def _registered_and_readable(server, dev, timing):  # type: ignore[no-untyped-def]
    mark = 0
    ev = expect.event(server, "registered", dev.endpoint, since=mark, timeout=timing.reaction,
                      what=f"Register over DTLS{f' (start failed: {dev.error})' if dev.error else ''}")
    r = server.read(dev.endpoint, "/3/0", accept=CF.TLV)
    expect.code(r, codes.CONTENT)
    expect.has_mandatory_resources(expect.decodes(r))
    return ev["registration"].remote


UDP_ONLY = "the ETS case is UDP channel security (DTLS); over TCP int-404 and int-406 check TLS"


@ets("LightweightM2M-1.1-int-401", "UDP Channel Security - Pre-shared Key Mode")
@channel("psk")
@transport("udp", reason=UDP_ONLY)
def test_int_401_psk(server, dut_factory, timing, transcript):
    """C.1 with /0/0/2 = 0: DTLS-PSK handshake, Register 2.01, Read /3/0 (TLV) 2.05 over the session,
    with the provisioned identity and a mandatory PSK suite."""
    dev = dut_factory.start()
    session = _registered_and_readable(server, dev, timing)
    store = dev.meter.store if dev.meter is not None else None
    accounts = [store.instance(0, i) for i in store.instance_ids(0)] if store is not None else []
    identities = [a[3].decode() for a in accounts if a is not None and not a.get(1)]   # /0/x/1 false: a server
    if identities:
        expect.true(session.psk_identity in identities, "PSK identity of the session", f"the provisioned one "
                    f"({', '.join(identities)})", session.psk_identity)
    expect.true(session.cipher in LWM2M_PSK, "negotiated cipher suite", f"one of {', '.join(LWM2M_PSK)}",
                session.cipher)


@ets("LightweightM2M-1.1-int-402", "UDP Channel Security - Certificate mode")
@channel("cert")
@transport("udp", reason=UDP_ONLY)
def test_int_402_certificate(server, dut_factory, timing, transcript):
    """C.17: certificate handshake (the client checks the server certificate, the server the client's),
    Register 2.01, Read /3/0 2.05."""
    dev = dut_factory.start()
    session = _registered_and_readable(server, dev, timing)
    expect.equal(session.report.peer_certificate_subject, f"CN={dev.endpoint}", "client certificate subject")
    expect.true(session.cipher in LWM2M_CERT, "negotiated cipher suite", f"one of {', '.join(LWM2M_CERT)}",
                session.cipher)


@ets("LightweightM2M-1.1-int-403", "Certificate mode, server identity check failure")
@channel("cert")
@transport("udp", reason="the ETS configuration C.18 is a coaps:// (DTLS) server")
@regulation("ETSI EN 303 645 5.5-1", "ETSI TS 103 701 5.5-1-2", "OMA LwM2M TS Transport §5.2.8", "RFC 6125 §6",
            "RFC 7925 §4.4.1")
def test_int_403_server_identity_check_failure(dut_factory, security_run, timing, transcript):
    """C.18: the server's certificate is valid but names another host (server-fail.example.com): the
    client's handshake fails and it never registers."""
    srv = dut_factory.ad_hoc_server(certificates=security_run.server_certificates("server-fail.example.com"))
    dev = dut_factory.start(server_uri=srv.aio.uri)
    expect_refused(dut_factory, srv, dev, timing, "server whose certificate names another host")


# int-404 and int-406 (TCP channel security) are int-2 and int-1 over TCP+TLS: they live beside them in
# test_bootstrap.py and share their steps.


# int-405 (OSCORE) lives in test_oscore.py with meterproof's own OSCORE cases.


@mp("MP-SEC-CERT-UNTRUSTED", "A server certificate that does not chain to the trust anchor is refused",
    clause="TS Transport 1.1 §5.2.8.3 / RFC 7925 §4.4.1: the client MUST validate the server certificate "
    "path (RFC 5280 §6 path validation)", **SEC)
@channel("cert")
@regulation("ETSI EN 303 645 5.5-1")
def test_untrusted_server_certificate(dut_factory, security_run, timing, transcript):
    srv = dut_factory.ad_hoc_server(certificates=security_run.server_certificates("localhost", ca="rogue"))
    dev = dut_factory.start(server_uri=srv.aio.uri)
    expect_refused(dut_factory, srv, dev, timing, "server whose certificate a rogue CA issued")


#: Per Certificate Usage (/0/x/15): what /0/x/4 names, and the server that must be refused -- one whose
#: certificate chains to a CA the device trusts, so only the usage/matching constraint can refuse it.
_USAGE_CASES = {
    0: ("the run's CA; the device's PKIX trust store also holds a public CA",
        "server whose certificate the public CA issued (trusted, but not the CA in /0/x/4)",
        dict(ca="public")),
    1: ("the run server's certificate; PKIX to the device's trust store",
        "server presenting another certificate of the same CA (chains, but not the one in /0/x/4)",
        dict(tag="second")),
    2: ("the run's CA as the only trust anchor (the server sends it in its chain)",
        "server whose certificate the public CA issued (trusted, but not the asserted anchor)",
        dict(ca="public")),
    3: ("the run server's own certificate, pinned (no path validation)",
        "server presenting another certificate of the same CA (chains, but not the pinned one)",
        dict(tag="second")),
}
_USAGE_NAMES = {0: "CA constraint", 1: "service certificate constraint", 2: "trust anchor assertion",
                3: "domain-issued certificate"}


def _usage_case(usage):  # type: ignore[no-untyped-def]
    return pytest.param(usage, id=f"usage{usage}", marks=mp(
        f"MP-SEC-CERT-USAGE-{usage}",
        f"Certificate Usage {usage} ({_USAGE_NAMES[usage]}): the server certificate is checked as /0/x/15 and "
        f"/0/x/13 say", clause="TS Core E.1 /0/x/13, /0/x/15; TS Transport 1.2 §5.2.9.7 (RFC 6698 §2.1.1, "
        "RFC 7671)", **SEC))


@pytest.mark.parametrize("matching", [0, 1], ids=["exact", "sha256"])
@pytest.mark.parametrize("usage", [_usage_case(u) for u in (0, 1, 2, 3)])
@channel("cert")
@regulation("ETSI EN 303 645 5.5-1")
@requires(lwm2m="1.1")   # Certificate Usage /0/x/15 and Matching Type /0/x/13 are LwM2M 1.1 resources
def test_certificate_usage(dut_factory, security_run, timing, transcript, usage, matching):
    """/0/x/15 = usage, /0/x/13 = matching (0 exact, 1 SHA-256), /0/x/4 = the certificate or hash the usage
    names.  (1) With a server that satisfies the constraint the device registers and is read.  (2) A second
    device with the same account, toward a server whose certificate chains to a CA the device trusts but
    violates the constraint, never completes the handshake, never registers, sends nothing in clear."""
    _, wrong, bad_cert = _USAGE_CASES[usage]
    good = dut_factory.ad_hoc_server(certificates=security_run.server_certificates(send_ca=True), label="good server")
    dev = dut_factory.start(server_uri=good.aio.uri, server=dut_factory.credentials(
        dut_factory.endpoint(), usage=usage, matching=matching))
    expect.event(good, "registered", dev.endpoint, since=0, timeout=timing.reaction,
                 what=f"Register over DTLS{f' (start failed: {dev.error})' if dev.error else ''}")
    expect.code(good.read(dev.endpoint, "/3/0/16"), codes.CONTENT)   # a mandatory Device resource
    bad = dut_factory.ad_hoc_server(certificates=security_run.server_certificates(send_ca=True, **bad_cert),
                                    label="violating server")
    dev2 = dut_factory.start(server_uri=bad.aio.uri, server=dut_factory.credentials(
        dut_factory.endpoint(), usage=usage, matching=matching))
    expect_refused(dut_factory, bad, dev2, timing, wrong, label="violating server")


@mp("MP-SEC-PSK-WRONG-KEY", "No registration when the server holds another key for the device's identity",
    clause="OMA LwM2M TS Transport 1.1 §5.2.1 (mutual authentication); RFC 4279 §2 (both sides prove the PSK)",
    **SEC)
@channel("psk")
def test_wrong_server_psk(dut_factory, timing, transcript):
    import secrets
    srv = dut_factory.ad_hoc_server(psk_lookup=lambda identity: secrets.token_bytes(16))
    dev = dut_factory.start(server_uri=srv.aio.uri)
    expect_refused(dut_factory, srv, dev, timing, "server that holds another key")


@mp("MP-SEC-NOSEC-FALLBACK", "No fallback to NoSec when the secure channel cannot be set up",
    clause="OMA LwM2M TS Transport 1.1 §5.2.1 (LwM2M is secured by DTLS): no plaintext LwM2M after a failed "
    "handshake", **SEC)
@channel("psk", "cert", "rpk")
@regulation("ETSI EN 303 645 5.5-1")
def test_no_nosec_fallback(dut_factory, security_run, timing, transcript):
    """The server completes no handshake with the device (it knows no key for it, presents a rogue
    certificate or another raw public key): no CoAP in clear arrives on its port, no registration."""
    srv = dut_factory.ad_hoc_server(**security_run.refusing_server())
    dev = dut_factory.start(server_uri=srv.aio.uri)
    expect_refused(dut_factory, srv, dev, timing, "server that completes no handshake")


@mp("MP-SEC-DEFAULT-PSK", "The device completes no handshake with a public default PSK",
    clause="ETSI EN 303 645 5.1-1, 5.1-2 (no universal default password); OMA LwM2M TS Transport 1.1 §5.2.1 "
    "(client keys unique per client)", **SEC)
@channel("psk")
@regulation("ETSI EN 303 645 5.1-1", "ETSI EN 303 645 5.1-2")
def test_public_default_psk_refused(dut_factory, timing, transcript):
    """The server answers the device's (provisioned) identity with the well-known demo keys in turn:
    every handshake must fail."""
    keys = [k for _, k, _ in PUBLIC_DEFAULT_PSKS]
    tried: list[int] = []

    def lookup(identity: str) -> bytes:
        tried.append(1)
        return keys[(len(tried) - 1) % len(keys)]
    srv = dut_factory.ad_hoc_server(psk_lookup=lookup)
    dev = dut_factory.start(server_uri=srv.aio.uri)
    expect_refused(dut_factory, srv, dev, timing, "server that uses public default keys")


@mp("MP-SEC-RPK", "Raw Public Key mode (RFC 7250): handshake with the provisioned key pair, Register, Read",
    clause="TS Transport 1.1 §5.2.8.2 (Raw Public Key mode, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8); TS Core E.1 "
    "/0/x/3 Public Key or Identity, /0/x/5 Secret Key; RFC 7250 §3, §4.2", **SEC)
@channel("rpk", reason="Security Mode 1 (Raw Public Key)")
@transport("udp", reason="raw public keys are implemented over DTLS only")
def test_raw_public_key(server, dut_factory, timing, transcript):
    """As int-401 in Raw Public Key mode: the client and the server exchange raw public keys (RFC 7250 certificate
    type 2 both ways), the server accepts the client's key provisioned in /0/x/3, the client registers and answers a
    Read of /3/0 over the session, with an ECDHE-ECDSA suite."""
    dev = dut_factory.start()
    if dev.error is not None:      # the device gave up before registering: no need to wait for a Register
        expect.true(False, "Register over DTLS-RPK", "a registration", f"the device gave up: {dev.error}")
    session = _registered_and_readable(server, dev, timing)
    r = session.report
    hello = r.client_hello
    expect.true(hello is not None and hello.client_cert_types == [2] and hello.server_cert_types == [2],
                "certificate types the client offered (RFC 7250 §4.1)", "raw public key (2) for both sides",
                f"{hello.client_cert_types}/{hello.server_cert_types}" if hello is not None else "no ClientHello")
    store = dev.meter.store if dev.meter is not None else None
    keys = [store.instance(0, i).get(3) for i in store.instance_ids(0)
            if not store.instance(0, i).get(1)] if store is not None else []
    if keys:
        import hashlib
        want = ["sha256:" + hashlib.sha256(bytes(k)).hexdigest()[:16] for k in keys if k]
        expect.true(r.peer_key in want, "raw public key the client presented", "the one in /0/x/3", r.peer_key)
    expect.true(session.cipher in LWM2M_CERT, "negotiated cipher suite", f"one of {', '.join(LWM2M_CERT)}",
                session.cipher)
