"""Helpers for the simulator's secure-mode and bootstrap tests: DTLS servers, a Bootstrap-Server,
throwaway certificates, and meters started with given factory accounts -- all on the rig's loop."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from meterproof.coap.transport import UdpTransport
from meterproof.dtls import Certificates, DtlsServerTransport, DtlsSettings
from meterproof.dtls.pki import TestPki
from meterproof.lwm2m.bootstrap import BootstrapServer
from meterproof.lwm2m.server import Lwm2mServer
from meterproof.sim.meter import SimulatedMeter
from meterproof.sim.security import Credentials, MeterSecurity
from simrig import FAST, model_for

TIMERS = dict(handshake_timeout_min=0.1, handshake_timeout_max=0.4)   # a failed handshake gives up in ~1 s
_PKI: dict[str, Any] = {}


def pki() -> dict[str, Any]:
    """A CA with a server certificate (CN=localhost) and one for another name; a rogue CA with its own."""
    if not _PKI:
        ca, rogue = TestPki.create("meterproof sim-test CA"), TestPki.create("Rogue CA")
        _PKI.update(ca=ca, rogue=rogue, server=ca.issue("localhost"), other_name=ca.issue("server-fail.example.com"),
                    rogue_server=rogue.issue("localhost"))
    return _PKI


def server_certs(which: str = "server") -> Certificates:
    p = pki()
    return Certificates((p[which].certificate,), p[which].key, (p["ca"].ca.certificate,))


def client_cert(ep: str, sni: str | None = "localhost") -> Credentials:
    """A fresh client certificate for ``ep`` and the CA as the trust anchor for the server."""
    p = pki()
    c = p["ca"].issue(ep)
    return Credentials.cert(c.der, c.key_der, p["ca"].ca.der, sni)


def psk(ep: str) -> Credentials:
    return Credentials.psk(f"{ep}-{secrets.token_hex(3)}", secrets.token_bytes(16))


async def dtls_server(keys: dict[str, bytes] | None = None, certs: Certificates | None = None,
                      reject: str | None = None) -> Lwm2mServer:
    settings = DtlsSettings(psk_lookup=keys.get if keys is not None else None, certificates=certs, **TIMERS)
    srv = Lwm2mServer(DtlsServerTransport(settings=settings), FAST, model=model_for)
    if reject:
        from meterproof.lwm2m.registration import RegistrationRejected
        srv.reject_register = lambda q: RegistrationRejected("4.03", reject)
    return await srv.start()


async def rpk_server(known: set[bytes], keys: Any = None) -> Lwm2mServer:
    """A DTLS-RPK server (its own P-256 key pair unless ``keys``) accepting the client keys in ``known``."""
    from meterproof.dtls import RawPublicKeys
    keys = keys or RawPublicKeys.generate()
    rpk = RawPublicKeys(keys.public_key, keys.private_key, lambda spki: bytes(spki) in known)
    return await Lwm2mServer(DtlsServerTransport(settings=DtlsSettings(rpk=rpk, **TIMERS)), FAST,
                             model=model_for).start()


def rpk(server_public_key: bytes) -> tuple[Credentials, bytes]:
    """A meter's fresh raw public key account pinning ``server_public_key``, and its public key."""
    from meterproof.dtls import RawPublicKeys
    k = RawPublicKeys.generate()
    return Credentials.rpk(k.public_key, k.private_key, server_public_key), k.public_key


async def udp_server(reject: str | None = None) -> Lwm2mServer:
    srv = Lwm2mServer(UdpTransport(), FAST, model=model_for)
    if reject:
        from meterproof.lwm2m.registration import RegistrationRejected
        srv.reject_register = lambda q: RegistrationRejected("4.03", reject)
    return await srv.start()


async def bs_server(keys: dict[str, bytes] | None = None, certs: Certificates | None = None) -> BootstrapServer:
    if keys is None and certs is None:
        transport: Any = UdpTransport()
    else:
        transport = DtlsServerTransport(settings=DtlsSettings(psk_lookup=keys.get if keys is not None else None,
                                                              certificates=certs, **TIMERS))
    return await BootstrapServer(transport, FAST).start()


def meter(uri: str, ep: str, *, server: Credentials | None = Credentials(), bootstrap_uri: str | None = None,
          bootstrap: Credentials | None = None, **kw: Any) -> SimulatedMeter:
    kw.setdefault("params", FAST)
    sec = MeterSecurity(server=server, bootstrap_uri=bootstrap_uri, bootstrap=bootstrap, dtls=dict(TIMERS))
    return SimulatedMeter(uri, ep, security=sec, **kw)


async def start_quietly(m: SimulatedMeter, timeout: float = 3.0) -> Exception | None:
    """Start ``m``; the exception it raised (a failed handshake or Register), or None."""
    try:
        await asyncio.wait_for(m.start(), timeout)
    except Exception as exc:
        return exc
    return None


async def stop(*things: Any) -> None:
    for t in things:
        if isinstance(t, SimulatedMeter):
            try:
                await t.stop(deregister=False)
            except Exception:
                pass
            t.endpoint.close()
        elif t is not None:
            t.close()
