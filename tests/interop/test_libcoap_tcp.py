"""An independent CoAP-over-TCP/TLS stack against the harness's listeners: Debian's libcoap clients register.

``coap-client-openssl`` and ``coap-client-gnutls`` (package libcoap3-bin; .ci/run installs it when missing) send
a LwM2M Register (``POST /rd?ep=..&b=T``, link format) to the harness's Server over ``coap+tcp`` and, with a
PSK, over ``coaps+tcp`` (TLS 1.2).  Each exchange checks both sides of RFC 8323 at once: libcoap only sends its
request after the connection (and the TLS handshake) is up, the harness must take libcoap's CSM and framing
(its Register arrives, a "registered" event) and libcoap must take ours (it prints the 2.01 and exits 0).
A client program that is not installed makes its test skip with the reason.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil

import pytest

from meterproof.coap.stream import StreamTransport
from meterproof.dtls.config import DtlsSettings
from meterproof.dtls.tls_stream import TlsChannels
from meterproof.lwm2m.server import Lwm2mServer
from support.libcoap import run_client

CLIENTS = ("coap-client-openssl", "coap-client-gnutls")
INSTALL = "apt-get install libcoap3-bin (what .ci/run does)"


def _client(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed; {INSTALL}")
    return path


async def _register(client: str, tls: bool) -> tuple[int, str, Lwm2mServer, str]:
    ident, key = "libcoap-" + secrets.token_hex(3), secrets.token_hex(8)
    channels = TlsChannels(DtlsSettings(psk_lookup={ident: key.encode()})) if tls else None
    srv = await Lwm2mServer(StreamTransport("127.0.0.1", 0, channels=channels)).start()
    ep = "libcoap-" + secrets.token_hex(3)
    host, port = srv.address
    uri = f"{'coaps' if tls else 'coap'}+tcp://{host}:{port}/rd?ep={ep}&lt=60&lwm2m=1.1&b=T"
    args = [client, "-m", "post", "-t", "40", "-e", "</1/0>,</3/0>", "-B", "5"]
    if tls:
        args += ["-u", ident, "-k", key]
    rc, out = await run_client(*args, uri)
    return rc, out, srv, ep


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls-psk"])
def test_libcoap_registers_over_tcp(client: str, tls: bool) -> None:
    path = _client(client)

    async def run() -> None:
        rc, out, srv, ep = await _register(path, tls)
        try:
            assert rc == 0, f"{client} exited {rc}: {out}"
            assert ep in srv.registrations, f"no registration from {client}: {out}"
            reg = srv.registrations[ep]
            assert reg.binding == "T"
            peer = srv.endpoint.peers.get(reg.remote)
            assert peer is not None and peer.csm_received and not peer.problems, \
                f"libcoap's CSM as its first message: {peer}"
            assert not [v for v in srv.endpoint.violations if v.remote == reg.remote], \
                [v.problems for v in srv.endpoint.violations]
        finally:
            srv.close()

    asyncio.run(run())
