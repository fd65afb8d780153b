"""Certificate Usage / Matching Type (meterproof/dtls/cert_usage.py) against pki.py certificates, and the
mid-handshake check in the DTLS transport (a refusal aborts the handshake with an alert and a reason)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from mbedtls import hashlib as mhashlib
from mbedtls import pk, x509

from dtls_support import FAST, aio
from meterproof.dtls import Certificates, DtlsClientTransport, DtlsHandshakeError, DtlsServerTransport, DtlsSettings
from meterproof.dtls import cert_usage as cu
from meterproof.dtls import pki as _pki
from meterproof.errors import ConfigError

_P: dict = {}


def p() -> dict:
    if not _P:
        ca, public, rogue = _pki.TestPki.create("CU CA"), _pki.TestPki.create("CU public CA"), _pki.TestPki.create("CU rogue CA")
        k = pk.ECC(pk.Curve.SECP256R1)
        k.generate()
        inter = x509.CRT.new(not_before=ca.not_before, not_after=ca.not_after, issuer=ca.ca.certificate.subject,
                             issuer_key=ca.ca.key, subject="CN=CU intermediate", subject_key=k, serial_number=7,
                             digestmod=mhashlib.sha256(), basic_constraints=x509.BasicConstraints(True, 0))
        via_inter = _pki.TestPki(_pki.Issued(inter, k), ca.not_before, ca.not_after).issue("localhost")
        _P.update(ca=ca, public=public, rogue=rogue, server=ca.issue("localhost"), second=ca.issue("localhost"),
                  public_server=public.issue("localhost"), rogue_server=rogue.issue("localhost"),
                  other_name=ca.issue("elsewhere.example"), inter=inter, via_inter=via_inter,
                  expired=ca.issue("localhost", not_before=dt.datetime(2020, 1, 1), not_after=dt.datetime(2020, 2, 1)))
    return _P


def ca(name="ca"):
    return p()[name].ca.der


def leaf(name="server"):
    return p()[name].der


def policy(usage, value, matching=0, store=None, name="localhost"):
    return cu.CertUsagePolicy(cu.association(value, matching), usage, matching,
                              tuple(store if store is not None else (ca(), ca("public"))), server_name=name)


def test_association_is_the_certificate_or_its_hash():
    der = leaf()
    assert cu.association(der, 0) == der
    assert cu.association(der, 1) == hashlib.sha256(der).digest()
    assert len(cu.association(der, 2)) == 48 and len(cu.association(der, 3)) == 64
    assert cu.matches(der, hashlib.sha512(der).digest(), 3) and not cu.matches(der, b"", 0)


@pytest.mark.parametrize("matching", [0, 1, 2, 3])
@pytest.mark.parametrize("usage,value,good,bad", [
    (3, lambda: leaf(), ["server"], ["second", "public_server", "rogue_server"]),
    (1, lambda: leaf(), ["server"], ["second", "public_server"]),
    (2, lambda: ca(), ["server"], ["public_server", "rogue_server"]),
    (0, lambda: ca(), ["server"], ["public_server", "rogue_server"]),
])
def test_each_usage_accepts_what_satisfies_it_and_refuses_what_only_chains(usage, value, good, bad, matching):
    pol = policy(usage, value(), matching)
    issuer = {"server": "ca", "second": "ca", "public_server": "public", "rogue_server": "rogue"}
    for name in good:
        v = pol.check([leaf(name), ca(issuer[name])])
        assert v.ok, v.reason
    for name in bad:
        v = pol.check([leaf(name), ca(issuer[name])])
        assert not v.ok and v.alert in (cu.BAD_CERTIFICATE, cu.UNKNOWN_CA), name
        assert f"Certificate Usage {usage}" in v.reason


def test_usage_3_needs_no_chain_and_no_name():
    pol = policy(3, leaf("other_name"), 1, store=())
    assert pol.check([leaf("other_name")]).ok             # pinned: no CA, and the name is not checked
    assert pol.mbedtls_trust() == ()


def test_usage_2_with_a_hash_needs_the_anchor_in_the_presented_chain():
    pol = policy(2, ca(), 1)
    assert not pol.check([leaf()]).ok                       # RFC 7671 §5.2.2: the server must send the TA
    assert pol.check([leaf(), ca()]).ok
    assert policy(2, ca(), 0).check([leaf()]).ok            # exact: /0/x/4 is the anchor itself
    assert policy(2, ca(), 0).mbedtls_trust() == (ca(),) and policy(2, ca(), 1).mbedtls_trust() == ()


def test_usages_0_and_1_need_a_trust_store():
    for usage, value in ((0, ca()), (1, leaf())):
        v = policy(usage, value, store=()).check([leaf(), ca()])
        assert not v.ok and "no PKIX trust store" in v.reason


def test_usage_0_matches_a_ca_anywhere_on_the_path_including_an_intermediate():
    chain = [p()["via_inter"].der, p()["inter"].to_DER()]
    assert policy(0, p()["inter"].to_DER(), 1).check(chain).ok
    assert policy(0, ca(), 0).check(chain).ok
    assert not policy(0, ca("public"), 0).check(chain).ok


def test_name_validity_and_garbage_are_refused():
    assert "does not name" in policy(2, ca()).check([leaf("other_name")]).reason
    assert not policy(2, ca()).check([leaf("expired")]).ok
    assert not policy(0, ca()).check([]).ok
    assert not policy(0, ca()).check([b"\x30\x03junk"]).ok


def test_pkix_policy_ignores_usage_and_matching():
    pkix = cu.PkixPolicy((ca(), ca("public")), "localhost")
    assert pkix.check([leaf("second")]).ok and pkix.check([leaf("public_server")]).ok
    assert not pkix.check([leaf("rogue_server")]).ok


@pytest.mark.parametrize("usage,matching,value", [(9, 0, b"x"), (3, 7, b"x"), (3, 1, b"short"), (3, 0, b"notder"),
                                                  (2, 0, b"")])
def test_bad_resources_are_config_errors(usage, matching, value):
    with pytest.raises(ConfigError):
        cu.CertUsagePolicy(value, usage, matching)


def test_certificate_message_parser():
    body = b"".join(len(d).to_bytes(3, "big") + d for d in (leaf(), ca()))
    assert cu.certificate_chain(len(body).to_bytes(3, "big") + body) == [leaf(), ca()]
    assert cu.certificate_chain(b"\x00") == []


def _server(name="server", send_ca=True, **kw):
    i, issuer = p()[name], {"server": "ca", "second": "ca", "public_server": "public"}[name]
    chain = (i.certificate,) + ((p()[issuer].ca.certificate,) if send_ca else ())
    return DtlsServerTransport(settings=DtlsSettings(certificates=Certificates(chain, i.key, (p()["ca"].ca.certificate,)),
                                                     **{**FAST, **kw}))


def _client(pol, mtu=1280):
    c = p()["ca"].issue("meter-cu")
    certs = Certificates((c.certificate,), c.key, tuple(x509.CRT.from_DER(d) for d in pol.mbedtls_trust()),
                         server_name="localhost", verify_peer=bool(pol.mbedtls_trust()), peer_policy=pol)
    return DtlsClientTransport(settings=DtlsSettings(certificates=certs, mtu=mtu, **FAST))


@aio
async def test_transport_accepts_a_pinned_server_and_says_why():
    s, c = _server(), _client(policy(3, leaf(), 1))
    await s.open()
    await c.open()
    try:
        sess = await c.connect(s.local_address)
        assert sess.report.certificate_check_ok and sess.report.peer_verified
        assert "certificate check passed" in sess.report.line()
    finally:
        c.close(), s.close()


@aio
@pytest.mark.parametrize("mtu", [1280, 300])
async def test_transport_aborts_mid_handshake_with_an_alert_the_server_sees(mtu):
    s, c = _server("second"), _client(policy(3, leaf(), 0), mtu=mtu)
    await s.open()
    await c.open()
    try:
        with pytest.raises(DtlsHandshakeError, match="refused by our Certificate Usage check .*bad_certificate"):
            await c.connect(s.local_address)
        rep = c.reports[-1]
        assert rep.certificate_check_ok is False and rep.failed_step == "CLIENT_CERTIFICATE"
        assert "ClientKeyExchange" not in [m for d, m in rep.messages if d == "out"]
        import asyncio
        for _ in range(50):
            if s.reports:
                break
            await asyncio.sleep(0.02)
        assert s.reports and s.reports[-1].outcome != "ok"
        assert any(a.description == 42 and a.direction == "received" for a in s.reports[-1].alerts)
    finally:
        c.close(), s.close()


@aio
async def test_server_role_can_check_the_client_certificate_too():
    c_issued = p()["ca"].issue("meter-pinned")
    srv_pol = cu.CertUsagePolicy(cu.association(p()["second"].der, 1), 3, 1)       # pins another certificate
    i = p()["server"]
    s = DtlsServerTransport(settings=DtlsSettings(certificates=Certificates(
        (i.certificate,), i.key, (p()["ca"].ca.certificate,), peer_policy=srv_pol), **FAST))
    c = DtlsClientTransport(settings=DtlsSettings(certificates=Certificates(
        (c_issued.certificate,), c_issued.key, (p()["ca"].ca.certificate,), server_name="localhost"), **FAST))
    await s.open()
    await c.open()
    try:
        with pytest.raises(DtlsHandshakeError):
            await c.connect(s.local_address)
        import asyncio
        for _ in range(50):
            if s.reports:
                break
            await asyncio.sleep(0.02)
        assert s.reports[-1].certificate_check_ok is False
        assert "client certificate refused" in s.reports[-1].line()
    finally:
        c.close(), s.close()
