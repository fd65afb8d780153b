"""Raw Public Keys (RFC 7250) through the GnuTLS backend (meterproof/dtls/gnutls_rpk.py).

* an independent peer, Debian's ``coap-client-gnutls`` (libcoap3-bin; .ci/run installs it when missing), registers
  with the harness's Server over DTLS-RPK (cookie exchange, both keys checked), and is refused with a key the
  server does not know;
* our own RPK client (the simulator's side) against our RPK server in one loop: the server's key pinned, a
  different server key refused with a fatal bad_certificate alert, and the private keys never in a report line.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
from pathlib import Path

import pytest

from meterproof.dtls import DtlsClientTransport, DtlsHandshakeError, DtlsServerTransport, DtlsSettings
from meterproof.dtls import gnutls_rpk
from meterproof.dtls.config import RawPublicKeys
from meterproof.lwm2m.server import Lwm2mServer
from support.libcoap import run_client

pytestmark = pytest.mark.skipif(gnutls_rpk.available() is not None, reason=str(gnutls_rpk.available()))
FAST = dict(handshake_timeout_min=0.2, handshake_timeout_max=1.6)


def _pem_sec1(der: bytes) -> str:
    import base64
    b = base64.encodebytes(der).decode().replace("\n", "")
    lines = [b[i:i + 64] for i in range(0, len(b), 64)]
    return "-----BEGIN EC PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END EC PRIVATE KEY-----\n"


async def _libcoap_register(tmp: Path, client_keys: RawPublicKeys,
                            known: set[bytes]) -> tuple[int, str, tuple[Lwm2mServer, str]]:
    server_keys = RawPublicKeys.generate(lambda spki: bytes(spki) in known)
    srv = await Lwm2mServer(DtlsServerTransport("127.0.0.1", 0, DtlsSettings(rpk=server_keys, **FAST))).start()
    keyfile = tmp / "client-rpk.pem"
    keyfile.write_text(_pem_sec1(client_keys.private_key))
    ep = "libcoap-rpk-" + secrets.token_hex(3)
    host, port = srv.address
    try:
        rc, out = await run_client(shutil.which("coap-client-gnutls") or "coap-client-gnutls", "-m", "post", "-t",
                                   "40", "-e", "</1/0>,</3/0>", "-B", "5", "-M", str(keyfile),
                                   f"coaps://{host}:{port}/rd?ep={ep}&lt=60&lwm2m=1.1")
    finally:
        keyfile.unlink()
    return rc, out, (srv, ep)



@pytest.mark.skipif(shutil.which("coap-client-gnutls") is None,
                    reason="coap-client-gnutls is not installed; apt-get install libcoap3-bin (what .ci/run does)")
@pytest.mark.parametrize("known", [True, False], ids=["known-key", "unknown-key"])
def test_libcoap_registers_over_dtls_rpk(tmp_path: Path, known: bool) -> None:
    async def run() -> None:
        client = RawPublicKeys.generate()
        rc, out, (srv, ep) = await _libcoap_register(tmp_path, client, {client.public_key} if known else set())
        try:
            t = srv.endpoint.transport
            reports = list(t.reports)
            if known:
                assert ep in srv.registrations, f"no registration from coap-client-gnutls: rc={rc} {out}"
                ok = [r for r in reports if r.outcome == "ok"]
                assert ok and ok[-1].negotiated == "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", [r.line() for r in reports]
                assert ok[-1].peer_verified and ok[-1].mode == "rpk"
            else:
                assert ep not in srv.registrations
                failed = [r for r in reports if r.outcome != "ok"]
                assert failed and "raw public key is not the one expected" in failed[-1].line(), \
                    [r.line() for r in reports]
            for r in reports:
                assert client.private_key.hex() not in str(r.as_dict(t.redactor))
        finally:
            srv.close()

    asyncio.run(run())


async def _pair(pin_right_key: bool) -> tuple[DtlsServerTransport, DtlsClientTransport, Exception | None]:
    client = RawPublicKeys.generate()
    server = RawPublicKeys.generate(lambda spki: bytes(spki) == client.public_key)
    pinned = server.public_key if pin_right_key else RawPublicKeys.generate().public_key
    st = DtlsServerTransport("127.0.0.1", 0, DtlsSettings(rpk=server, **FAST))
    await st.open()
    got: list[bytes] = []
    st.on_datagram = lambda data, remote: (got.append(data), st.send(b"pong:" + data, remote))
    ct = DtlsClientTransport("127.0.0.1", 0, DtlsSettings(
        rpk=RawPublicKeys.pinned(client.public_key, client.private_key, pinned), **FAST))
    await ct.open()
    answers: asyncio.Queue[bytes] = asyncio.Queue()
    ct.on_datagram = lambda data, remote: answers.put_nowait(data)
    err: Exception | None = None
    try:
        await ct.connect(st.local_address, timeout=5)
        ct.send(b"ping", st.local_address)
        assert await asyncio.wait_for(answers.get(), 3) == b"pong:ping"
    except DtlsHandshakeError as exc:
        err = exc
    return st, ct, err


def test_rpk_client_and_server_pin_each_other() -> None:
    async def run() -> None:
        st, ct, err = await _pair(True)
        try:
            assert err is None
            r = ct.reports[-1]
            assert r.outcome == "ok" and r.peer_verified and r.negotiated == "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"
        finally:
            ct.close()
            st.close()

    asyncio.run(run())


def test_rpk_client_refuses_a_server_key_other_than_the_pinned_one() -> None:
    async def run() -> None:
        st, ct, err = await _pair(False)
        try:
            assert isinstance(err, DtlsHandshakeError), err
            assert "raw public key is not the one expected" in str(err)
            for _ in range(50):     # until the server took the client's alert (loopback: at once)
                if any(r.outcome != "ok" for r in st.reports):
                    break
                await asyncio.sleep(0.02)
            srv = [r for r in st.reports if r.outcome != "ok"]
            assert srv and "server raw public key refused (fatal bad_certificate received)" in srv[-1].line(), \
                [r.line() for r in st.reports]
        finally:
            ct.close()
            st.close()

    asyncio.run(run())
