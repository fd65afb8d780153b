"""Unprotected CoAP requests to a device's address, and whatever comes back in clear.

The regulator checks on unauthenticated access (REG-SURF-02, REG-AC-07) send plain CoAP (RFC 7252 §3 datagrams,
no DTLS) to the port a secure device talks from and to the default CoAP port on its address, from a throwaway
UDP socket of the harness (an attacker on the path) or -- through ``send`` -- from the socket of the device's own
Server (a spoofed source).  A secure device must not answer any of them in clear, nor act on them.

Pure asyncio: no pytest, no LwM2M; the requests are built by the caller.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import socket
from dataclasses import dataclass, field
from typing import Callable, Iterable

from . import wire
from .wire import Message

Address = tuple[str, int]
#: The default CoAP port (RFC 7252 §6.1).
COAP_PORT = 5683


@dataclass
class ClearProbe:
    """One plain request toward one address, and every datagram that answered it (raw, in clear)."""

    target: Address
    request: str                       # one line: ``CON GET /3/0 mid=.. tok=..``
    mid: int
    token: bytes
    answers: list[bytes] = field(default_factory=list)

    def line(self) -> str:
        got = ", ".join(_describe(a) for a in self.answers) or "no answer"
        return f"{self.request} -> {self.target[0]}:{self.target[1]}: {got}"


def _describe(raw: bytes) -> str:
    try:
        return wire.summary(wire.decode(raw))
    except Exception:
        return f"{len(raw)} bytes {raw[:8].hex()}"


class _Collector(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.got: list[tuple[bytes, Address]] = []

    def datagram_received(self, data: bytes, addr: tuple) -> None:  # type: ignore[override]
        self.got.append((bytes(data), (addr[0], addr[1])))


def _prepare(msg: Message, mid: int) -> Message:
    msg.mtype = wire.CON if msg.mtype is None else msg.mtype
    msg.mid = mid
    if not msg.token:
        msg.token = secrets.token_bytes(4)
    return msg


def _matches(raw: bytes, probe: ClearProbe) -> bool:
    """An answer to ``probe``: same message ID (ACK/RST) or same token (a separate response)."""
    try:
        m = wire.decode(raw)
    except Exception:
        return len(raw) >= 4 and int.from_bytes(raw[2:4], "big") == probe.mid
    return m.mid == probe.mid or (bool(probe.token) and m.token == probe.token)


async def probe(targets: Iterable[Address], requests: Iterable[Callable[[], Message]], window: float, *,
                send: Callable[[bytes, Address], None] | None = None,
                received: Callable[[], list[tuple[bytes, Address]]] | None = None) -> list[ClearProbe]:
    """Send every request (built fresh by each factory) to every target in clear, then collect answers for
    ``window`` seconds (the time a device may take to answer one request; an answer ends no wait early, since
    absence is the pass).  By default from a new UDP socket; ``send``/``received`` use another socket instead
    (the Server's: a spoofed source) -- ``received`` returns the plaintext datagrams that socket got so far."""
    targets = list(targets)
    factories = list(requests)
    transport = None
    collector = _Collector()
    if send is None:
        host = targets[0][0] if targets else "127.0.0.1"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: collector, family=family,
                                                           local_addr=("::" if family == socket.AF_INET6
                                                                       else "0.0.0.0", 0))
        send = transport.sendto  # type: ignore[assignment]
        received = lambda: collector.got  # noqa: E731
    before = len(received()) if received is not None else 0
    mids = itertools.count(secrets.randbelow(0xF000))
    out: list[ClearProbe] = []
    try:
        for target in targets:
            for make in factories:
                msg = _prepare(make(), next(mids) & 0xFFFF)
                p = ClearProbe(target, wire.summary(msg), msg.mid, bytes(msg.token))
                out.append(p)
                try:
                    send(wire.encode(msg), target)  # type: ignore[misc]
                except OSError:
                    pass                         # an unreachable address answers nothing
        await asyncio.sleep(window)
        got = received()[before:] if received is not None else []
        for raw, addr in got:
            for p in out:
                if (addr[0], addr[1]) == p.target and _matches(raw, p):
                    p.answers.append(raw)
                    break
    finally:
        if transport is not None:
            transport.close()
    return out


__all__ = ["COAP_PORT", "ClearProbe", "probe"]
