"""The simulated meter as a secure client: /0 reflects the credentials it uses, PSK, certificate and raw
public key registrations over real DTLS on loopback, and the failures a secure meter must show (wrong key,
untrusted or misnamed server certificate, no plaintext fallback)."""

from __future__ import annotations

import secrets

import pytest

from meterproof.dtls import DtlsServerTransport, DtlsSettings, Psk
from meterproof.lwm2m.server import Lwm2mServer
from meterproof.errors import ConfigError
from meterproof.lwm2m.path import P
from meterproof.sim.meter import SimulatedMeter
from meterproof.sim.security import Credentials, MeterSecurity
from simrig import FAST, model_for
from secrig import TIMERS, client_cert, dtls_server, meter, pki, psk, server_certs, start_quietly, stop


def test_psk_meter_registers_and_security_object_holds_its_credentials(rig):
    async def go():
        creds = psk("m1")
        srv = await dtls_server({creds.identity.decode(): creds.secret})
        m = meter(srv.uri, "m1", server=creds)
        try:
            assert await start_quietly(m) is None
            reg = srv.registrations["m1"]
            assert reg.remote.psk_identity == creds.identity.decode()
            sec = m.store.instance(0, 0)
            assert sec[0] == srv.uri and sec[0].startswith("coaps://") and sec[1] is False
            assert (sec[2], sec[3], sec[5], sec[10]) == (0, creds.identity, creds.secret, 1)
            res = await srv.read("m1", "/3/0/0")
            assert res.code_text == "2.05"
            assert (await srv.read("m1", "/0")).code_text == "4.01"     # still off limits to the server
        finally:
            await stop(m, srv)
    rig.run(go())


def test_certificate_meter_registers_with_sni_from_security_object(rig):
    async def go():
        srv = await dtls_server(certs=server_certs())
        creds = client_cert("m2")
        m = meter(srv.uri, "m2", server=creds)
        try:
            assert await start_quietly(m) is None
            sess = srv.registrations["m2"].remote
            assert sess.report.peer_certificate_subject == "CN=m2"
            sec = m.store.instance(0, 0)
            assert (sec[2], sec[3], sec[4], sec[14], sec[15]) == (2, creds.identity, pki()["ca"].ca.der, "localhost", 2)
            assert (await srv.read("m2", "/3/0/0")).code_text == "2.05"
        finally:
            await stop(m, srv)
    rig.run(go())


@pytest.mark.parametrize("which, sni", [("rogue_server", "localhost"), ("server", "server-fail.example.com"),
                                        ("other_name", "localhost")])
def test_certificate_meter_refuses_a_server_it_cannot_verify(rig, which, sni):
    async def go():
        srv = await dtls_server(certs=server_certs(which))
        m = meter(srv.uri, "m3", server=client_cert("m3", sni))
        try:
            exc = await start_quietly(m)
            assert exc is not None and "m3" not in srv.registrations
            assert m.endpoint.transport.reports[-1].outcome != "ok"
        finally:
            await stop(m, srv)
    rig.run(go())


@pytest.mark.parametrize("defect", [(), ("rpk-any-server-key",)], ids=["conformant", "rpk-any-server-key"])
@pytest.mark.parametrize("pinned", ["right", "other"])
def test_rpk_meter_pins_the_server_key_from_security_object(rig, pinned, defect):
    """Security Mode 1: /0/x/3 and /0/x/5 are the meter's key pair, /0/x/4 the server's public key; a server
    presenting another key is refused (unless the seeded defect takes any key)."""
    from meterproof.dtls import RawPublicKeys, gnutls_rpk
    if gnutls_rpk.available():
        pytest.skip(str(gnutls_rpk.available()))

    async def go():
        dev = RawPublicKeys.generate()
        server_keys = RawPublicKeys.generate(lambda spki: bytes(spki) == dev.public_key)
        srv = Lwm2mServer(DtlsServerTransport(settings=DtlsSettings(rpk=server_keys, **TIMERS)), FAST,
                          model=model_for)
        await srv.start()
        pin = server_keys.public_key if pinned == "right" else RawPublicKeys.generate().public_key
        creds = Credentials.rpk(dev.public_key, dev.private_key, pin)
        m = meter(srv.uri, "m6", server=creds, defects=defect)
        try:
            exc = await start_quietly(m)
            if pinned == "right" or defect:
                assert exc is None, exc
                assert srv.registrations["m6"].remote.report.peer_verified
                sec = m.store.instance(0, 0)
                assert (sec[2], sec[3], sec[4], sec[5]) == (1, dev.public_key, pin, dev.private_key)
                assert (await srv.read("m6", "/3/0/0")).code_text == "2.05"
            else:
                assert exc is not None and "m6" not in srv.registrations
                assert "server raw public key" in str(exc) and "refused" in str(exc)
                assert not srv.endpoint.transport.plaintext
        finally:
            await stop(m, srv)
    rig.run(go())


def test_wrong_psk_never_registers_and_sends_nothing_in_clear(rig):
    async def go():
        creds = psk("m4")
        srv = await dtls_server({creds.identity.decode(): secrets.token_bytes(16)})
        m = meter(srv.uri, "m4", server=creds)
        try:
            exc = await start_quietly(m)
            assert exc is not None and "bad_record_mac" in str(exc)
            assert "m4" not in srv.registrations and not srv.endpoint.transport.plaintext
        finally:
            await stop(m, srv)
    rig.run(go())


def test_meter_refuses_a_key_it_was_not_provisioned_with(rig):
    """The server answers the provisioned identity with the public demo key: no handshake."""
    async def go():
        creds = psk("m5")
        srv = await dtls_server({creds.identity.decode(): b"password"})
        m = meter(srv.uri, "m5", server=creds)
        try:
            assert await start_quietly(m) is not None and "m5" not in srv.registrations
        finally:
            await stop(m, srv)
    rig.run(go())


def test_legacy_dtls_argument_fills_the_security_object(rig):
    async def go():
        key = secrets.token_bytes(16)
        srv = await dtls_server({"legacy": key})
        m = SimulatedMeter(srv.uri, "m6", dtls=DtlsSettings(psk=Psk("legacy", key), handshake_timeout_min=0.1,
                                                             handshake_timeout_max=0.4))
        try:
            assert await start_quietly(m) is None
            assert m.store.instance(0, 0)[3] == b"legacy" and m.store.instance(0, 0)[5] == key
        finally:
            await stop(m, srv)
    rig.run(go())


def test_nosec_meter_security_object_says_nosec(rig):
    sec = rig.meter.store.instance(0, 0)
    assert (sec[0], sec[2], sec[3], sec[5]) == (rig.meter.server_uri, 3, b"", b"")
    assert rig.server.read(rig.ep, "/0").code_text == "4.01"


def test_factory_reset_restores_the_factory_accounts(rig):
    before = dict(rig.meter.store.instance(0, 0))
    rig.run(rig.meter._factory_reset())
    assert rig.meter.store.instance(0, 0) == before
    assert rig.server.read(rig.ep, "/3/0/0").code_text == "2.05"


def test_mixed_or_missing_accounts_are_config_errors():
    with pytest.raises(ConfigError):
        MeterSecurity.build(None, MeterSecurity(server=None))
    with pytest.raises(ConfigError):
        MeterSecurity.build(None, MeterSecurity(server=Credentials.psk("a", b"k" * 16), bootstrap_uri="coap://x"))
    with pytest.raises(ConfigError):
        Credentials("rpk")
    with pytest.raises(ConfigError):
        SimulatedMeter("coap://127.0.0.1:1", "x", security=MeterSecurity(server=Credentials.psk("a", b"k" * 16)))


def _oscore_layer(srv, params):
    from meterproof.coap.oscore import OscoreLayer, SecurityContext
    srv.endpoint.oscore = OscoreLayer(bind_on_request=True)
    srv.endpoint.oscore.add(SecurityContext(params.peer()))
    return srv.endpoint.oscore


def _wire_log(srv):
    seen = []
    srv.endpoint.listeners.append(lambda ev: seen.append(ev) if ev.direction == "in" and ev.message else None)
    return seen


@pytest.mark.parametrize("dtls", [False, True], ids=["oscore-over-udp", "oscore-over-dtls-psk"])
def test_oscore_meter_registers_and_is_read_protected(rig, dtls):
    """/0/x/17 links a /21 instance: the Register and the answer to a Read arrive OSCORE-protected (RFC 8613),
    over plain UDP and with DTLS-PSK underneath; /21 is as off limits to the server as /0 (TS Core E.4)."""
    import dataclasses

    from meterproof.coap.oscore import OscoreParams
    from meterproof.lwm2m.values import ObjLnk
    from meterproof.sim.security import Credentials
    from secrig import udp_server

    async def go():
        params = OscoreParams.fresh(b"\x05", b"")
        if dtls:
            creds = dataclasses.replace(psk("m9"), oscore=params)
            srv = await dtls_server({creds.identity.decode(): creds.secret})
        else:
            creds = Credentials(oscore=params)
            srv = await udp_server()
        layer = _oscore_layer(srv, params)
        seen = _wire_log(srv)
        m = meter(srv.uri, "m9", server=creds)
        try:
            assert await start_quietly(m) is None
            assert m.store.instance(0, 0)[17] == ObjLnk(21, 0)
            assert m.store.instance(21, 0)[0] == params.master_secret
            res = await srv.read("m9", "/3/0/0")
            assert res.code_text == "2.05"
            assert (await srv.read("m9", "/21")).code_text == "4.01"
            assert seen and all(ev.message.opt.oscore is not None for ev in seen
                                if ev.message.code != 0), [str(ev.message) for ev in seen]
            assert not layer.refused
        finally:
            await stop(m, srv)
    rig.run(go())
