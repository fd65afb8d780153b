"""CoAP over TCP/TLS in the engine: the RFC 8323 codec (coap/tcp.py) and an Endpoint pair on a StreamTransport."""

from __future__ import annotations

import asyncio

import pytest
from aiocoap.numbers import codes

from meterproof.coap import blockwise, tcp, wire
from meterproof.coap.endpoint import Endpoint, RequestTimeout
from meterproof.coap.stream import StreamTransport
from meterproof.dtls.config import DtlsSettings, Psk
from meterproof.dtls.tls_stream import TlsChannels
from meterproof.errors import ProtocolError


def test_csm_round_trip() -> None:
    raw = tcp.encode(tcp.csm(2048))
    assert tcp.check(raw) == []
    peer = tcp.PeerSettings()
    peer.update(tcp.decode(raw))
    assert (peer.csm_received, peer.max_message_size, peer.block_wise, peer.bert) == (True, 2048, True, True)


def test_extended_lengths_and_framing() -> None:
    for size in (0, 12, 13, 268, 269, 65804, 65805, 70000):
        raw = tcp.encode(wire.new(codes.CONTENT, token=b"ab", payload=b"x" * size))
        assert tcp.frame_length(raw) == len(raw) and tcp.check(raw) == []
        fb = tcp.FrameBuffer()
        assert fb.feed(raw[:3]) == [] and fb.feed(raw[3:] + raw[:1]) == [raw] and fb.pending == 1


def test_strict_check_and_oversize() -> None:
    assert "reserved" in tcp.check(bytes([0x09, 0x01]) + b"t" * 9)[0]          # TKL 9
    assert "Len says" in tcp.check(bytes([0x30, 0x45]))[0]                       # Len 3, nothing follows
    assert "0.00" in tcp.check(bytes([0x00, 0x00]))[0]                           # no empty message over TCP
    with pytest.raises(ProtocolError):
        tcp.FrameBuffer(max_size=100).feed(tcp.encode(wire.new(codes.CONTENT, payload=b"x" * 200)))


async def _pair(channels=None, client_channels=None):  # type: ignore[no-untyped-def]
    async def handler(req, remote):  # type: ignore[no-untyped-def]
        return wire.new(codes.CONTENT, payload=b"y" * 3000)
    srv = await Endpoint(StreamTransport(channels=channels), handler=handler).start()
    cli = await Endpoint(StreamTransport(server=False, channels=client_channels)).start()
    return srv, cli


def test_request_blocks_ping_and_max_message_size() -> None:
    async def run() -> None:
        srv, cli = await _pair()
        seen: list[str] = []
        srv.listeners.append(lambda ev: seen.append(ev.summary))
        try:
            r = await blockwise.request(cli, wire.new(codes.GET, uri_path=("a",)), srv.local_address, timeout=2)
            assert r.code == codes.CONTENT and len(r.payload) == 3000
            assert seen[0].startswith("7.01") and seen[1].startswith("7.01")     # CSMs first, both ways
            remote = next(iter(srv.peers))
            assert srv.peers[remote].csm_received and not srv.peers[remote].problems
            assert (await srv.ping(remote, 1)).code == tcp.PONG
            cli.send_csm(next(iter(cli.peers)), tcp.csm(200))                 # the client now takes 200 bytes
            await asyncio.sleep(0.05)
            assert srv.max_szx(remote) == 2                                    # 64-byte blocks fit in 200
            cli.answer_ping = False
            with pytest.raises(RequestTimeout):
                await srv.ping(remote, 0.2)
        finally:
            cli.close()
            srv.close()
    asyncio.run(run())


def test_tls_psk_and_wrong_key() -> None:
    async def run(key: bytes) -> bool:
        server = TlsChannels(DtlsSettings(psk_lookup={"me": b"k" * 16}))
        srv, cli = await _pair(server, TlsChannels(DtlsSettings(psk=Psk("me", key))))
        try:
            await cli.transport.connect(srv.local_address, 3)
            r = await cli.request(wire.new(codes.GET, uri_path=("a",)), srv.local_address, timeout=2)
            return r.code == codes.CONTENT and server.reports[-1].psk_identity == "me"
        except (ConnectionError, asyncio.TimeoutError):
            assert server.reports[-1].outcome != "ok"
            return False
        finally:
            cli.close()
            srv.close()
    assert asyncio.run(run(b"k" * 16)) is True
    assert asyncio.run(run(b"x" * 16)) is False


def test_tls_client_hello_and_certificate_reach_the_report() -> None:
    """The server's report holds the client's ClientHello; and a TLS client sends its Certificate, ClientKeyExchange, CertificateVerify and ChangeCipherSpec in one flight,
    often in one TCP segment: the server's report still holds the client's chain (REG-CRT-01 and REG-PW-02 read
    the credentials a device presented from it)."""
    from meterproof.dtls import Certificates
    from meterproof.dtls.pki import TestPki
    ca = TestPki.create("tls test CA")
    server_id, client_id = ca.issue("localhost"), ca.issue("meter-tls-1")

    async def run() -> list[bytes]:
        server = TlsChannels(DtlsSettings(certificates=Certificates((server_id.certificate,), server_id.key,
                                                                    (ca.ca.certificate,))))
        client = TlsChannels(DtlsSettings(certificates=Certificates((client_id.certificate,), client_id.key,
                                                                    (ca.ca.certificate,), server_name="localhost")))
        srv, cli = await _pair(server, client)
        try:
            await cli.transport.connect(srv.local_address, 3)
            r = await cli.request(wire.new(codes.GET, uri_path=("a",)), srv.local_address, timeout=2)
            report = server.reports[-1]
            assert r.code == codes.CONTENT and report.outcome == "ok"
            # the ClientHello, read as over DTLS (REG-TLS-01 judges it): TLS 1.2, no cookie field, the offered suites
            assert report.client_hellos == 1 and report.client_hello.version == 0x0303
            assert report.client_hello.suites and report.client_hello.sni == "localhost"
            return report.peer_chain
        finally:
            cli.close()
            srv.close()
    chain = asyncio.run(run())
    assert chain and chain[0] == client_id.der
