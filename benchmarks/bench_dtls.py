"""DTLS cost on loopback, in one run: handshakes per second (PSK and certificate) and the added
per-request cost of CoAP over DTLS as a ratio to plain UDP.

    /tmp/probe/bin/python benchmarks/bench_dtls.py [--handshakes 200] [--requests 2000]

Both sides run in one asyncio loop (the harness server transport and the simulator client
transport), so the figures are the engine's CPU cost, not network latency.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time

from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.endpoint import Endpoint
from meterproof.coap.transport import UdpTransport
from meterproof.dtls import Certificates, DtlsClientTransport, DtlsServerTransport, DtlsSettings, Psk
from meterproof.dtls.pki import TestPki


async def _handler(req, remote):  # type: ignore[no-untyped-def]
    return wire.new(codes.CONTENT, payload=b"x" * 16)


async def handshakes(n: int, server_settings: DtlsSettings, client_settings: DtlsSettings) -> float:
    server = DtlsServerTransport(settings=server_settings)
    await server.open()
    clients = []
    t0 = time.perf_counter()
    for _ in range(n):
        c = DtlsClientTransport(settings=client_settings)
        await c.open()
        await c.connect(server.local_address)
        clients.append(c)
    dt = time.perf_counter() - t0
    for c in clients:
        c.close()
    server.close()
    return n / dt


async def requests(n: int, server_t, client_t) -> float:  # type: ignore[no-untyped-def]
    sep = Endpoint(server_t, handler=_handler)
    await sep.start()
    cep = Endpoint(client_t)
    await cep.start()
    addr = sep.local_address
    await cep.request(wire.new(codes.GET, uri_path=("3", "0")), addr)      # warm-up (and the handshake)
    t0 = time.perf_counter()
    for _ in range(n):
        await cep.request(wire.new(codes.GET, uri_path=("3", "0")), addr)
    dt = time.perf_counter() - t0
    cep.close()
    sep.close()
    return dt / n


async def main(nh: int, nr: int) -> None:
    key = secrets.token_bytes(16)
    s_psk = DtlsSettings(psk_lookup={"bench": key})
    c_psk = DtlsSettings(psk=Psk("bench", key))
    pki = TestPki.create()
    srv, cli = pki.issue("localhost"), pki.issue("bench")
    ca = (pki.ca.certificate,)
    s_crt = DtlsSettings(certificates=Certificates((srv.certificate,), srv.key, ca))
    c_crt = DtlsSettings(certificates=Certificates((cli.certificate,), cli.key, ca, server_name="localhost"))

    hs_psk = await handshakes(nh, s_psk, c_psk)
    hs_crt = await handshakes(max(10, nh // 4), s_crt, c_crt)
    udp = await requests(nr, UdpTransport(), UdpTransport())
    dtls = await requests(nr, DtlsServerTransport(settings=s_psk), DtlsClientTransport(settings=c_psk))
    print(f"DTLS handshakes/s (PSK, CCM_8, cookie exchange included): {hs_psk:8.1f}")
    print(f"DTLS handshakes/s (certificate, ECDHE-ECDSA CCM_8, mutual): {hs_crt:8.1f}")
    print(f"CoAP request/response over UDP:  {udp * 1e6:8.1f} us")
    print(f"CoAP request/response over DTLS: {dtls * 1e6:8.1f} us")
    print(f"DTLS/UDP per-request cost ratio: {dtls / udp:8.2f}x (added {1e6 * (dtls - udp):.1f} us per request)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--handshakes", type=int, default=200)
    ap.add_argument("--requests", type=int, default=2000)
    a = ap.parse_args()
    asyncio.run(main(a.handshakes, a.requests))
