"""An independent DTLS stack against the harness's DTLS listener: Debian's libcoap clients register over coaps://.

``coap-client-openssl`` and ``coap-client-gnutls`` (package libcoap3-bin; .ci/run installs it when missing) send
a LwM2M Register (``POST /rd?ep=..``, link format) to the harness's Server over DTLS 1.2 on UDP:

* with a pre-shared key (``-u`` identity, ``-k`` key; RFC 4279, the LwM2M PSK mode), and
* with certificates both ways (``-c``/``-j`` the client's certificate and key from a throwaway CA, ``-C`` that
  CA to verify the server; the LwM2M certificate mode), the harness verifying the client's chain too.

Each run checks both sides: libcoap completes the handshake with our python-mbedtls server (cookie exchange
included) and prints its 2.01, and the harness sees the Register (a registration under the endpoint name) with
the mode's credentials in the handshake report.  A wrong PSK is refused: no registration.  The raw-public-key
mode has its own test (tests/dtls/test_dtls_rpk.py), CoAP over TCP/TLS too (test_libcoap_tcp.py).
A client program that is not installed makes its test skip with the reason.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
from pathlib import Path

import pytest

from meterproof.dtls import DtlsServerTransport, DtlsSettings
from meterproof.dtls.config import Certificates
from meterproof.dtls import pki as test_pki
from meterproof.lwm2m.server import Lwm2mServer
from support.libcoap import run_client

CLIENTS = ("coap-client-openssl", "coap-client-gnutls")
INSTALL = "apt-get install libcoap3-bin (what .ci/run does)"
FAST = dict(handshake_timeout_min=0.2, handshake_timeout_max=1.6)


def _client(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed; {INSTALL}")
    return path


def _pem(kind: str, der: bytes) -> str:
    import base64
    b = base64.encodebytes(der).decode().replace("\n", "")
    return f"-----BEGIN {kind}-----\n" + "\n".join(b[i:i + 64] for i in range(0, len(b), 64)) + \
        f"\n-----END {kind}-----\n"


async def _register(client: str, settings: DtlsSettings, credentials: list[str]) -> tuple[int, str, Lwm2mServer, str]:
    srv = await Lwm2mServer(DtlsServerTransport("127.0.0.1", 0, settings)).start()
    reports: list = []
    srv.endpoint.transport.on_handshake = reports.append
    ep = "libcoap-dtls-" + secrets.token_hex(3)
    host, port = srv.address
    rc, out = await run_client(client, "-m", "post", "-t", "40", "-e", "</1/0>,</3/0>", "-B", "5", *credentials,
                               f"coaps://{host}:{port}/rd?ep={ep}&lt=60&lwm2m=1.1")
    srv.reports = reports       # type: ignore[attr-defined]
    return rc, out, srv, ep


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("right_key", [True, False], ids=["psk", "wrong-psk"])
def test_libcoap_registers_over_dtls_psk(client: str, right_key: bool) -> None:
    path = _client(client)
    ident, key = "libcoap-" + secrets.token_hex(3), secrets.token_hex(8)
    given = key if right_key else secrets.token_hex(8)

    async def run() -> None:
        rc, out, srv, ep = await _register(path, DtlsSettings(psk_lookup={ident: key.encode()}, **FAST),
                                           ["-u", ident, "-k", given])
        try:
            if right_key:
                assert rc == 0, f"{client} exited {rc}: {out}"
                assert ep in srv.registrations, f"no registration from {client} over DTLS-PSK: {out}"
                done = [r for r in srv.reports if r.finished and r.psk_identity == ident]
                assert done and done[0].negotiated, [str(r) for r in srv.reports]
            else:
                assert ep not in srv.registrations, f"{client} registered with a wrong PSK: {out}"
        finally:
            srv.close()

    asyncio.run(run())


@pytest.mark.parametrize("client", CLIENTS)
def test_libcoap_registers_over_dtls_with_certificates(client: str, tmp_path: Path) -> None:
    path = _client(client)
    pki = test_pki.TestPki.create("libcoap interop CA")
    server, device = pki.issue("localhost"), pki.issue("libcoap-device")
    files = {"ca.pem": _pem("CERTIFICATE", pki.ca.der), "client.pem": _pem("CERTIFICATE", device.der),
             "client-key.pem": _pem("EC PRIVATE KEY", device.key.export_key("DER"))}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    settings = DtlsSettings(certificates=Certificates.load((server.der,), server.key_der, (pki.ca.der,)), **FAST)

    async def run() -> None:
        rc, out, srv, ep = await _register(path, settings, [
            "-c", str(tmp_path / "client.pem"), "-j", str(tmp_path / "client-key.pem"), "-C", str(tmp_path / "ca.pem")])
        try:
            assert rc == 0, f"{client} exited {rc}: {out}"
            assert ep in srv.registrations, f"no registration from {client} over DTLS with certificates: {out}"
        finally:
            srv.close()
            for name in files:
                (tmp_path / name).unlink()

    asyncio.run(run())
