"""Datagram transports under the message layer: plain UDP now, DTLS sessions later.

A transport moves opaque datagrams to and from *remotes*.  A remote is any
hashable value that names a peer (for UDP the ``(host, port)`` tuple; for DTLS a
session handle).  The message layer never looks inside a remote, so a DTLS
transport slots in without touching anything above it.
"""

from __future__ import annotations

import asyncio
import socket
from abc import ABC, abstractmethod
from typing import Callable, Hashable

Remote = Hashable
DatagramHandler = Callable[[bytes, Remote], None]


class DatagramTransport(ABC):
    """What the message layer needs from a transport."""

    on_datagram: DatagramHandler | None = None
    #: Called with (remote, reason) when the transport learns a peer is gone (DTLS alert, ICMP).
    on_error: Callable[[Remote | None, Exception], None] | None = None

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    def send(self, data: bytes, remote: Remote) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    @property
    @abstractmethod
    def local_address(self) -> tuple[str, int]: ...

    @property
    def scheme(self) -> str:
        return "coap"


class UdpTransport(DatagramTransport, asyncio.DatagramProtocol):
    """One UDP socket, IPv4 or IPv6, bound to ``host:port`` (port 0 = any free port)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._transport: asyncio.DatagramTransport | None = None
        self._local: tuple[str, int] | None = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(self._host, self._port), family=family)
        sockname = self._transport.get_extra_info("sockname")
        self._local = (sockname[0], sockname[1])

    # asyncio.DatagramProtocol
    def datagram_received(self, data: bytes, addr: tuple) -> None:  # type: ignore[override]
        if self.on_datagram is not None:
            self.on_datagram(data, (addr[0], addr[1]))

    def error_received(self, exc: Exception) -> None:  # ICMP port unreachable etc.
        if self.on_error is not None:
            self.on_error(None, exc)

    def send(self, data: bytes, remote: Remote) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        self._transport.sendto(data, remote)  # type: ignore[arg-type]

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    @property
    def local_address(self) -> tuple[str, int]:
        if self._local is None:
            raise RuntimeError("transport not open")
        return self._local
