"""Datagram transports under the message layer: plain UDP here, DTLS in :mod:`meterproof.dtls`.

A transport moves opaque datagrams to and from *remotes*.  A remote is any
hashable value that names a peer (for UDP the ``(host, port)`` tuple; for DTLS a
session handle).  The message layer never looks inside a remote, so a DTLS
transport slots in without touching anything above it.  Both sit on a
:class:`SocketTransport`, whose two socket crossings take a :class:`SocketFilter`
(network impairment, :mod:`.impair`) without either transport knowing.
"""

from __future__ import annotations

import asyncio
import socket
from abc import ABC, abstractmethod
from typing import Callable, Hashable, Protocol

Remote = Hashable
DatagramHandler = Callable[[bytes, Remote], None]
#: Sees every datagram that crosses a socket: (direction "in"/"out", bytes, peer address, local address).
SocketTap = Callable[[str, bytes, tuple[str, int], tuple[str, int]], None]


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


class SocketFilter(Protocol):
    """Something between a socket and the transport that owns it (network impairment, :mod:`.impair`).

    It gets every datagram that crosses the socket, in either direction, and calls ``forward`` with
    it zero times (lost), once, or more (duplicated), now or later (delayed, reordered)."""

    def outgoing(self, data: bytes, addr: tuple[str, int],
                 forward: Callable[[bytes, tuple[str, int]], None]) -> None: ...

    def incoming(self, data: bytes, addr: tuple[str, int],
                 forward: Callable[[bytes, tuple[str, int]], None]) -> None: ...


#: The receive buffer a server's socket asks for: room for a fleet's burst of Registers (4 MiB).
SERVER_RECEIVE_BUFFER = 4 << 20


class SocketTransport(DatagramTransport, asyncio.DatagramProtocol):
    """A transport on one UDP socket, IPv4 or IPv6, bound to ``host:port`` (port 0 = any free port).

    Every datagram crosses the socket in exactly two places: :meth:`_sendto` going out and
    :meth:`datagram_received` coming in.  A :class:`SocketFilter` set as ``socket_filter`` sits
    there, *under* whatever the transport does with the bytes (for DTLS: under the records).

    ``taps`` see the datagrams as they cross the socket itself (outside any filter, for DTLS the records):
    what a capture on the interface would hold (:mod:`meterproof.report.capture`)."""

    socket_filter: SocketFilter | None = None
    #: SO_RCVBUF asked for when the socket opens (None: the system's default).  A server's one socket takes the
    #: datagrams of every device at once, and a burst that overflows the default buffer (208 KiB on Linux) is
    #: dropped by the kernel before any retransmission can be told from a loss (the kernel caps the value at
    #: net.core.rmem_max).
    receive_buffer: int | None = None

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, receive_buffer: int | None = None) -> None:
        self._host = host
        self._port = port
        if receive_buffer is not None:
            self.receive_buffer = receive_buffer
        self._transport: asyncio.DatagramTransport | None = None
        self._local: tuple[str, int] | None = None
        self.taps: list[SocketTap] = []

    def _tap(self, direction: str, data: bytes, peer: tuple[str, int]) -> None:
        for tap in self.taps:
            try:
                tap(direction, data, peer, self._local or (self._host, self._port))
            except Exception:   # a capture must never break the protocol
                pass

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(self._host, self._port), family=family)
        sockname = self._transport.get_extra_info("sockname")
        self._local = (sockname[0], sockname[1])
        if self.receive_buffer:
            try:
                self._transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                                                                    self.receive_buffer)
            except (OSError, AttributeError):     # a platform that refuses it keeps its default
                pass

    @property
    def local_address(self) -> tuple[str, int]:
        if self._local is None:
            raise RuntimeError("transport not open")
        return self._local

    async def move(self) -> tuple[str, int]:
        """Go on from a fresh socket on another free port of the same host, closing the old one: what a peer
        sees when a device changes bearer (a new source address).  Returns the new local address."""
        self._before_move()
        old = self._transport
        self._transport, self._port = None, 0
        await SocketTransport.open(self)
        if old is not None:
            old.close()
        return self.local_address

    def _before_move(self) -> None:
        """What the transport drops before it changes socket (nothing for plain UDP)."""

    # asyncio.DatagramProtocol
    def datagram_received(self, data: bytes, addr: tuple) -> None:  # type: ignore[override]
        peer = (addr[0], addr[1])
        if self.taps:
            self._tap("in", bytes(data), peer)
        if self.socket_filter is None:
            self._received(data, peer)
        else:
            self.socket_filter.incoming(data, peer, self._received)

    def error_received(self, exc: Exception) -> None:  # ICMP port unreachable etc.
        if self.on_error is not None:
            self.on_error(None, exc)

    def _received(self, data: bytes, addr: tuple[str, int]) -> None:
        """One datagram from the socket (after the filter): what the transport does with it."""
        raise NotImplementedError

    def _sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        """The one way out to the socket (through the filter, if any)."""
        if self.socket_filter is None:
            self._sendto_now(data, addr)
        else:
            self.socket_filter.outgoing(data, addr, self._sendto_now)

    def _sendto_now(self, data: bytes, addr: tuple[str, int]) -> None:
        if self._transport is not None and not self._transport.is_closing():
            if self.taps:
                self._tap("out", bytes(data), (addr[0], addr[1]))
            self._transport.sendto(data, addr)

    def _close_socket(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None


class UdpTransport(SocketTransport):
    """Plain CoAP over UDP: the remote is the peer's ``(host, port)``."""

    def _received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.on_datagram is not None:
            self.on_datagram(data, addr)

    def send(self, data: bytes, remote: Remote) -> None:
        self._sendto(data, remote)  # type: ignore[arg-type]

    def close(self) -> None:
        self._close_socket()
