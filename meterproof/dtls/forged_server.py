"""A DTLS 1.2 "server" that answers a client's ClientHello with a ServerHello of our choosing, built by hand.

Mbed TLS as a server only ever picks a suite the client offered and never speaks DTLS 1.0 here, so the checks
that a device refuses a server-forced suite (REG-TLS-03) or protocol version (REG-TLS-04) need their own writer:
the cookie exchange of RFC 6347 §4.2.1 (HelloVerifyRequest, version 0xFEFF as the RFC recommends), then a
ServerHello (RFC 5246 §7.4.1.3) naming ``suite`` at ``version`` and a ServerHelloDone.  No key exchange follows:
the device must abort (a fatal alert, RFC 5246 §7.4.1.3 "illegal_parameter" / §E.1 "protocol_version") or go
silent; whatever it sends next is recorded -- a ClientKeyExchange, ChangeCipherSpec or protected record means it
went on with the forced parameters, a plaintext datagram that is no DTLS record is CoAP in clear.

Pure asyncio over one UDP socket; never raises on the peer's bytes.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from dataclasses import dataclass, field
from typing import Callable

from . import records as rec

HELLO_VERIFY_VERSION = 0xFEFF       # RFC 6347 §4.2.1: a DTLS 1.2 server SHOULD put DTLS 1.0 in HelloVerifyRequest
DTLS_1_2 = 0xFEFD


@dataclass
class ForgedOutcome:
    """What the client did with the forced ServerHello."""

    client_hellos: list[rec.ClientHello] = field(default_factory=list)
    server_hellos: int = 0                         # forced ServerHellos sent
    forced: list[str] = field(default_factory=list)   # what each one named
    alerts: list[tuple[int, int]] = field(default_factory=list)      # (level, description) received
    continued: list[str] = field(default_factory=list)   # handshake steps the client took after a ServerHello
    plaintext: list[bytes] = field(default_factory=list)   # datagrams that are no DTLS record (CoAP in clear?)
    #: set as soon as the client goes on after a forced ServerHello or sends something in clear (the finding)
    went_on: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def describe(self) -> str:
        al = ", ".join(f"{rec.ALERT_LEVELS.get(lv, lv)} {rec.alert_name(d)}" for lv, d in self.alerts) or "none"
        return (f"{len(self.client_hellos)} ClientHello(s), {self.server_hellos} forced ServerHello(s) "
                f"({'; '.join(dict.fromkeys(self.forced))}); alerts from the device: {al}; after the ServerHello: "
                f"{', '.join(dict.fromkeys(self.continued)) or 'nothing'}; plaintext datagrams: {len(self.plaintext)}")


def _record(ctype: int, version: int, seq: int, body: bytes) -> bytes:
    return bytes([ctype]) + version.to_bytes(2, "big") + (0).to_bytes(2, "big") + seq.to_bytes(6, "big") + \
        len(body).to_bytes(2, "big") + body


def _handshake(mtype: int, mseq: int, body: bytes) -> bytes:
    n = len(body).to_bytes(3, "big")
    return bytes([mtype]) + n + mseq.to_bytes(2, "big") + (0).to_bytes(3, "big") + n + body


def hello_verify_request(cookie: bytes, seq: int = 0) -> bytes:
    body = HELLO_VERIFY_VERSION.to_bytes(2, "big") + bytes([len(cookie)]) + cookie
    return _record(rec.HANDSHAKE, HELLO_VERIFY_VERSION, seq, _handshake(3, 0, body))


def server_hello(version: int, suite: int, seq: int = 1, mseq: int = 1) -> bytes:
    """ServerHello (random, empty session id, ``suite``, null compression, no extensions) and ServerHelloDone,
    in one record at ``version``."""
    body = version.to_bytes(2, "big") + secrets.token_bytes(32) + b"\x00" + suite.to_bytes(2, "big") + b"\x00"
    flight = _handshake(2, mseq, body) + _handshake(14, mseq + 1, b"")
    return _record(rec.HANDSHAKE, version, seq, flight)


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, choose: Callable[[rec.ClientHello], tuple[int, int]], out: ForgedOutcome) -> None:
        self.choose = choose
        self.out = out
        self.cookie = secrets.token_bytes(16)
        self.transport: asyncio.DatagramTransport | None = None
        self.answered: set[tuple[str, int]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple) -> None:  # type: ignore[override]
        try:
            self._datagram(bytes(data), (addr[0], addr[1]))
        except Exception:      # bad input from a device is a finding, never a crash of the harness
            pass

    def _datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        if data and not rec.CHANGE_CIPHER_SPEC <= data[0] <= 25:
            self.out.plaintext.append(data[:256])
            self.out.went_on.set()
            return
        records, _ = rec.split_records(data)
        for r in records:
            if r.content_type == rec.ALERT and r.epoch == 0 and len(r.body) >= 2:
                self.out.alerts.append((r.body[0], r.body[1]))
            elif r.epoch != 0:
                self._after(addr, "a protected record (epoch %d)" % r.epoch)
            elif r.content_type == rec.CHANGE_CIPHER_SPEC:
                self._after(addr, "ChangeCipherSpec")
            elif r.content_type == rec.HANDSHAKE:
                for m in rec.handshake_messages(r.body):
                    if m.msg_type == 1 and m.fragment_offset == 0:
                        self._client_hello(addr, rec.parse_client_hello(m.body, not m.complete), m.message_seq)
                    else:
                        self._after(addr, m.name)

    def _after(self, addr: tuple[str, int], what: str) -> None:
        if addr in self.answered:
            self.out.continued.append(what)
            self.out.went_on.set()

    def _client_hello(self, addr: tuple[str, int], hello: rec.ClientHello, mseq: int) -> None:
        assert self.transport is not None
        self.out.client_hellos.append(hello)
        if hello.cookie != self.cookie:
            self.transport.sendto(hello_verify_request(self.cookie), addr)
            return
        version, suite = self.choose(hello)
        self.transport.sendto(server_hello(version, suite, seq=1, mseq=mseq), addr)
        self.answered.add(addr)
        self.out.server_hellos += 1
        self.out.forced.append(f"{rec.VERSIONS.get(version, hex(version))}, suite 0x{suite:04X}")


class ForgedHelloServer:
    """``await ForgedHelloServer.start(choose)``; ``uri`` to give the device; ``outcome``; ``close()``.
    ``choose(client_hello) -> (version, suite)`` decides each forced ServerHello."""

    def __init__(self, protocol: _Protocol, transport: asyncio.DatagramTransport, outcome: ForgedOutcome) -> None:
        self._protocol = protocol
        self._transport = transport
        self.outcome = outcome

    @classmethod
    async def start(cls, choose: Callable[[rec.ClientHello], tuple[int, int]], host: str = "127.0.0.1"
                    ) -> "ForgedHelloServer":
        out = ForgedOutcome()
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        transport, proto = await loop.create_datagram_endpoint(lambda: _Protocol(choose, out),
                                                               local_addr=(host, 0), family=family)
        return cls(proto, transport, out)  # type: ignore[arg-type]

    @property
    def address(self) -> tuple[str, int]:
        a = self._transport.get_extra_info("sockname")
        return a[0], a[1]

    @property
    def uri(self) -> str:
        host, port = self.address
        return f"coaps://{'[' + host + ']' if ':' in host else host}:{port}"

    def close(self) -> None:
        self._transport.close()


__all__ = ["DTLS_1_2", "ForgedHelloServer", "ForgedOutcome", "hello_verify_request", "server_hello"]
