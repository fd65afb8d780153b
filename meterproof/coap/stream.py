"""CoAP over TCP and TLS (RFC 8323): connections under the message layer, one remote per connection.

:class:`StreamTransport` is what :class:`~.endpoint.Endpoint` needs from a transport (:class:`.DatagramTransport`),
on TCP: it listens (the harness's Server and Bootstrap-Server) or connects (the simulated meter), cuts each
connection's byte stream into whole messages (:class:`.tcp.FrameBuffer`) and hands every message to the
endpoint as one "datagram" from the connection's remote, the peer's ``(host, port)``.  It says
``reliable = True``: the endpoint then sends no ACK, no RST, no retransmission, uses no message IDs and
matches responses by token alone (RFC 8323 §3.2, §4.4); it sends its CSM when a connection is made
(``on_connect``) and answers the signals (§5).

Under the framing sits a *channel* per connection: clear text (``coap+tcp``) or TLS (``coaps+tcp``), made by
a :class:`ChannelFactory` -- :class:`meterproof.dtls.tls_stream.TlsChannels` runs TLS on buffers with
python-mbedtls (PSK and certificates, the DTLS settings of :mod:`meterproof.dtls`).  The transport never
looks inside a channel.

A client transport (``server=False``) opens the connection when it first sends to a remote, or when asked
(:meth:`StreamTransport.connect`, which also waits for the TLS handshake).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any, Callable, Hashable, Protocol

from ..errors import ProtocolError
from .tcp import FrameBuffer
from .transport import DatagramTransport, Remote

log = logging.getLogger(__name__)


class Channel(Protocol):
    """What runs between a TCP socket and the framing: clear text, or a TLS session.

    The connection gives it ``output`` (bytes for the socket); the channel calls ``on_ready`` once it carries
    application data (at once for clear text, after the handshake for TLS) and ``on_failed`` when it cannot."""

    output: Callable[[bytes], None]
    on_ready: Callable[[], None]
    on_failed: Callable[[Exception], None]

    def start(self) -> None: ...

    def receive(self, data: bytes) -> bytes: ...

    def send(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class ChannelFactory(Protocol):
    """Makes the channel of one new connection (``server``: our side accepted it)."""

    scheme: str

    def __call__(self, peer: tuple[str, int], server: bool) -> Channel: ...


class PlainChannel:
    """CoAP over TCP in clear (``coap+tcp``)."""

    def __init__(self) -> None:
        self.output: Callable[[bytes], None] = lambda data: None
        self.on_ready: Callable[[], None] = lambda: None
        self.on_failed: Callable[[Exception], None] = lambda exc: None

    def start(self) -> None:
        self.on_ready()

    def receive(self, data: bytes) -> bytes:
        return data

    def send(self, data: bytes) -> None:
        self.output(data)

    def close(self) -> None:
        pass


def plain(peer: tuple[str, int], server: bool) -> Channel:
    return PlainChannel()


plain.scheme = "coap+tcp"  # type: ignore[attr-defined]


class Connection(asyncio.Protocol):
    """One TCP connection: its channel, its framing, and the messages it carries to the transport."""

    def __init__(self, owner: "StreamTransport", server: bool, peer: tuple[str, int] | None = None) -> None:
        self.owner = owner
        self.server = server
        self.peer: tuple[str, int] | None = peer
        self.channel: Channel | None = None
        self.frames = FrameBuffer(owner.max_size)
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = False
        self._transport: asyncio.Transport | None = None
        self._pending: list[bytes] = []

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.peer = (peer[0], peer[1])
        ch = self.owner.channels(self.peer, self.server)
        ch.output = self._write_socket
        ch.on_ready = self._ready
        ch.on_failed = self._failed
        self.channel = ch
        self.owner._connections[self.peer] = self
        ch.start()

    def data_received(self, data: bytes) -> None:
        if self.channel is None or self.closed:
            return
        try:
            plain = self.channel.receive(data)
            frames = self.frames.feed(plain) if plain else []
        except ProtocolError as exc:
            self.owner._report_error(self.peer, exc)
            self.abort()
            return
        except Exception as exc:   # a broken TLS record etc.: the connection goes, the harness stays
            self.owner._report_error(self.peer, ProtocolError(f"connection from {self.peer}: {exc}"))
            self.abort()
            return
        for frame in frames:
            self.owner._deliver(frame, self.peer)  # type: ignore[arg-type]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"connection to {self.peer} closed before it was ready"
                                                     + (f": {exc}" if exc else "")))
            self.ready.exception()      # retrieved: nobody may be waiting
        if self.channel is not None:
            self.channel.close()
        self.owner._lost(self, exc)

    # channel callbacks
    def _write_socket(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def _ready(self) -> None:
        if not self.ready.done():
            self.ready.set_result(None)
        assert self.peer is not None
        self.owner._connected(self.peer)
        pending, self._pending = self._pending, []
        for data in pending:
            self.send(data)

    def _failed(self, exc: Exception) -> None:
        if not self.ready.done():
            self.ready.set_exception(exc)
            self.ready.exception()
        self.abort()

    # use
    def send(self, data: bytes) -> None:
        if self.closed or self.channel is None:
            return
        if not self.ready.done():
            self._pending.append(data)
            return
        self.channel.send(data)

    def close(self) -> None:
        """Close after what is written went out (a Release was sent, or the peer's came)."""
        if self._transport is not None and not self.closed:
            self._transport.close()

    def abort(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.abort()


class StreamTransport(DatagramTransport):
    """CoAP over TCP or TLS for the message layer; see the module docstring.

    ``server``: listen on ``host:port`` (port 0: any free port); else connect to each remote sent to.
    ``channels``: clear text (default) or TLS (:class:`meterproof.dtls.tls_stream.TlsChannels`).
    ``max_size``: the largest message this side takes (the Max-Message-Size its CSM announces)."""

    reliable = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, server: bool = True,
                 channels: ChannelFactory | None = None, max_size: int = 1152) -> None:
        self._host = host
        self._port = port
        self.server = server
        self.channels: ChannelFactory = channels if channels is not None else plain  # type: ignore[assignment]
        self.max_size = max_size
        self._connections: dict[tuple[str, int], Connection] = {}
        self._server: asyncio.AbstractServer | None = None
        self._local: tuple[str, int] | None = None
        self._connecting: dict[tuple[str, int], asyncio.Task[Connection]] = {}
        #: Called with the remote once a connection carries CoAP (after the TLS handshake): the endpoint sends its CSM.
        self.on_connect: Callable[[Remote], None] | None = None
        #: Called with (remote, reason) when a connection is gone.
        self.on_disconnect: Callable[[Remote, Exception | None], None] | None = None
        #: Every connection made, in order (peer, when): cases count them.
        self.history: list[tuple[tuple[str, int], str]] = []

    @property
    def scheme(self) -> str:
        return str(getattr(self.channels, "scheme", "coap+tcp"))

    @property
    def secure(self) -> bool:
        return self.scheme == "coaps+tcp"

    @property
    def plaintext(self) -> list[tuple[tuple[str, int], bytes]]:
        """What peers sent in clear to a TLS listener (none for a clear-text one)."""
        return list(getattr(self.channels, "plaintext", ()))

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        if self.server:
            family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
            self._server = await loop.create_server(lambda: Connection(self, True), self._host, self._port,
                                                    family=family)
            sockname = self._server.sockets[0].getsockname()
            self._local = (sockname[0], sockname[1])
        else:
            self._local = (self._host, 0)

    @property
    def local_address(self) -> tuple[str, int]:
        if self._local is None:
            raise RuntimeError("transport not open")
        return self._local

    def connection(self, remote: Remote) -> Connection | None:
        return self._connections.get(remote)  # type: ignore[arg-type]

    async def connect(self, remote: tuple[str, int], timeout: float | None = None) -> Connection:
        """The open connection to ``remote`` (a client transport opens it), once it carries CoAP."""
        conn = self._connections.get(remote)
        if conn is None or conn.closed:
            task = self._connecting.get(remote)
            if task is None:
                task = asyncio.get_running_loop().create_task(self._open_connection(remote))
                self._connecting[remote] = task
                task.add_done_callback(lambda t, r=remote: self._connecting.pop(r, None))
            conn = await asyncio.wait_for(asyncio.shield(task), timeout)
        await asyncio.wait_for(asyncio.shield(conn.ready), timeout)
        return conn

    async def _open_connection(self, remote: tuple[str, int]) -> Connection:
        if self.server:
            raise ConnectionError(f"no connection from {remote} (a server transport does not connect)")
        loop = asyncio.get_running_loop()
        _, conn = await loop.create_connection(lambda: Connection(self, False, remote), remote[0], remote[1],
                                               local_addr=(self._host, 0))
        return conn

    def send(self, data: bytes, remote: Remote) -> None:
        conn = self._connections.get(remote)  # type: ignore[arg-type]
        if conn is not None and not conn.closed:
            conn.send(data)
            return
        if self.server:
            log.info("no connection to %s: %d bytes dropped", remote, len(data))
            return
        task = self._connecting.get(remote)  # type: ignore[arg-type]
        if task is None:
            task = asyncio.get_running_loop().create_task(self._open_connection(remote))  # type: ignore[arg-type]
            self._connecting[remote] = task  # type: ignore[index]
            task.add_done_callback(lambda t, r=remote: self._connecting.pop(r, None))  # type: ignore[misc]

        def then(t: "asyncio.Task[Connection]") -> None:
            if t.cancelled() or t.exception() is not None:
                self._report_error(remote, t.exception() if not t.cancelled() else None)
                return
            t.result().send(data)
        task.add_done_callback(then)

    async def move(self) -> tuple[str, int]:
        """Close every connection: the next send opens a new one from a fresh source port, what a server sees
        when a device changes bearer.  Returns the local address (the port is the system's choice per
        connection)."""
        for remote in list(self._connections):
            self.close_connection(remote)
        return self.local_address

    def close_connection(self, remote: Remote, *, abort: bool = False) -> None:
        conn = self._connections.get(remote)  # type: ignore[arg-type]
        if conn is not None:
            conn.abort() if abort else conn.close()

    def close(self) -> None:
        for task in list(self._connecting.values()):
            task.cancel()
        for conn in list(self._connections.values()):
            conn.abort()
        self._connections.clear()
        if self._server is not None:
            self._server.close()
            self._server = None

    # from connections
    def _deliver(self, frame: bytes, remote: Hashable) -> None:
        if self.on_datagram is not None:
            self.on_datagram(frame, remote)

    def _connected(self, remote: tuple[str, int]) -> None:
        import time
        self.history.append((remote, time.strftime("%H:%M:%S")))
        if self.on_connect is not None:
            self.on_connect(remote)

    def _lost(self, conn: Connection, exc: Exception | None) -> None:
        if conn.peer is not None and self._connections.get(conn.peer) is conn:
            del self._connections[conn.peer]
            if self.on_disconnect is not None:
                self.on_disconnect(conn.peer, exc)

    def _report_error(self, remote: Remote | None, exc: Exception | None) -> None:
        if exc is not None and self.on_error is not None:
            self.on_error(remote, exc)


__all__ = ["Channel", "ChannelFactory", "Connection", "PlainChannel", "StreamTransport", "plain"]
