"""DTLS cost on loopback, in one run: handshakes per second (PSK and certificate) and the added
per-request cost of CoAP over DTLS as a ratio to plain UDP.

    python -m benchmarks.bench_dtls [--handshakes 200] [--requests 2000]

Both sides run in one asyncio loop (the harness server transport and the simulator client
transport), so the figures are the engine's CPU cost, not network latency.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import socket
import time
from typing import TYPE_CHECKING

from aiocoap.numbers import codes
from mbedtls import tls

from meterproof.coap import wire
from meterproof.coap.endpoint import Endpoint
from meterproof.coap.transport import UdpTransport
from meterproof.dtls import Certificates, DtlsClientTransport, DtlsServerTransport, DtlsSettings, Psk
from meterproof.dtls.pki import TestPki

if TYPE_CHECKING:
    from .rounds import Row


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


# ----------------------------------------------------------------------------- python -m benchmarks rows
def _drive(buf: tls.TLSWrappedBuffer, sock: socket.socket, peer: tuple[str, int]) -> str:
    """Run the handshake until it needs input: "read", "done" or "verify" (a HelloVerifyRequest went out);
    each flight goes out as one datagram."""
    out = b""
    state = "read"
    while True:
        try:
            buf.do_handshake()
            state = "done" if buf._handshake_state is tls.HandshakeStep.HANDSHAKE_OVER else "more"
        except tls.WantReadError:
            state = "read"
        except tls.WantWriteError:
            state = "more"
        except tls.HelloVerifyRequest:
            state = "verify"
        data = buf.peek_outgoing(65536)
        if data:
            buf.consume_outgoing(len(data))
            out += data
        if state != "more":
            break
    if out:
        sock.sendto(out, peer)
    return state


def bare_handshake(server_ctx: tls.ServerContext, client_ctx: tls.ClientContext) -> None:
    """One PSK handshake with python-mbedtls alone: two loopback UDP sockets, one thread, sans-IO buffers,
    the server's cookie exchange (HelloVerifyRequest, then a fresh server buffer) as meterproof does it."""
    cs = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ss = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        cs.bind(("127.0.0.1", 0))
        ss.bind(("127.0.0.1", 0))
        caddr, saddr = cs.getsockname(), ss.getsockname()
        cli = client_ctx.wrap_buffers(None)

        def server_buf() -> tls.TLSWrappedBuffer:
            b = server_ctx.wrap_buffers()
            b.setcookieparam(f"{caddr[0]}:{caddr[1]}".encode())
            return b
        srv = server_buf()
        c_state = _drive(cli, cs, saddr)               # ClientHello
        s_state = "read"
        for _ in range(20):
            if c_state == "done" and s_state == "done":
                return
            if s_state != "done":
                srv.receive_from_network(ss.recvfrom(65536)[0])
                s_state = _drive(srv, ss, caddr)
                if s_state == "verify":
                    srv = server_buf()
                    s_state = "read"
            if c_state != "done":
                cli.receive_from_network(cs.recvfrom(65536)[0])
                c_state = _drive(cli, cs, saddr)
        raise RuntimeError(f"bare handshake did not finish (client {c_state}, server {s_state})")
    finally:
        cs.close()
        ss.close()


def handshake_rows(rounds: int, n: int) -> list["Row"]:
    """meterproof's DTLS transports (client and server on one asyncio loop) against the same PSK
    handshake with python-mbedtls alone, with the same settings (DtlsSettings builds both contexts)."""
    from .rounds import interleave

    key = secrets.token_bytes(16)
    s_psk = DtlsSettings(psk_lookup={"bench": key})
    c_psk = DtlsSettings(psk=Psk("bench", key))
    server_ctx = s_psk.server_context()
    client_ctx = c_psk.client_context()
    loop = asyncio.new_event_loop()
    try:
        def ours() -> float:
            return 1 / loop.run_until_complete(handshakes(n, s_psk, c_psk))

        def bare() -> float:
            t0 = time.perf_counter()
            for _ in range(n):
                bare_handshake(server_ctx, client_ctx)
            return (time.perf_counter() - t0) / n

        return [interleave("DTLS PSK handshake (meterproof transports, cookie exchange)", ours,
                           "same handshake, python-mbedtls alone", bare, rounds,
                           unit="handshakes/s", scale=lambda s: 1 / s)]
    finally:
        loop.close()
