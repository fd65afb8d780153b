"""Helpers of the CoAP endpoint tests: a coroutine runner, fast transmission parameters,
a lossy transport wrapper and a scripted raw peer (a socket that speaks only what a test tells it).

No pytest-asyncio: :func:`aio` turns an ``async def`` test into a plain one that runs
under :func:`asyncio.run` with an overall timeout, so one stuck exchange fails one test.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from typing import Any, AsyncIterator, Awaitable, Callable

from aiocoap import Message

from meterproof.coap import wire
from meterproof.coap.endpoint import Endpoint, RequestHandler
from meterproof.coap.params import TransmissionParams
from meterproof.coap.transport import Remote, UdpTransport

#: Loopback-fast parameters with a fixed initial timeout (ACK_RANDOM_FACTOR 1 makes the
#: back-off deterministic: 0.05, 0.1, 0.2, ... seconds).
FAST = TransmissionParams(ack_timeout=0.05, ack_random_factor=1.0, max_retransmit=4, max_latency=0.2)


def aio(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Run an ``async def`` test with :func:`asyncio.run` (10 s cap)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(asyncio.wait_for(fn(*args, **kwargs), 10))
    return wrapper


class LossyTransport(UdpTransport):
    """UDP that drops the first ``drop_out`` outgoing datagrams and logs every send with its loop time."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, drop_out: int = 0) -> None:
        super().__init__(host, port)
        self.drop_out = drop_out
        self.sent: list[tuple[float, bytes, bool]] = []   # (loop time, bytes, dropped?)

    def send(self, data: bytes, remote: Remote) -> None:
        now = asyncio.get_running_loop().time()
        if self.drop_out > 0:
            self.drop_out -= 1
            self.sent.append((now, data, True))
            return
        self.sent.append((now, data, False))
        super().send(data, remote)


class RawPeer:
    """A bare UDP socket for scripted exchanges: every datagram it gets is queued, undecoded."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.transport = UdpTransport(host, 0)
        self.inbox: asyncio.Queue[tuple[bytes, Remote]] = asyncio.Queue()
        self.transport.on_datagram = lambda data, remote: self.inbox.put_nowait((data, remote))
        #: When set, called for each datagram instead of queueing it; returns what to send back.
        self.responder: Callable[[Message, Remote], list[Message | bytes]] | None = None

    async def start(self) -> "RawPeer":
        await self.transport.open()
        self.transport.on_datagram = self._received
        return self

    def _received(self, data: bytes, remote: Remote) -> None:
        if self.responder is None:
            self.inbox.put_nowait((data, remote))
            return
        self.inbox.put_nowait((data, remote))
        for out in self.responder(wire.decode(data, remote), remote):
            self.send(out, remote)

    @property
    def address(self) -> tuple[str, int]:
        return self.transport.local_address

    def send(self, what: Message | bytes, remote: Remote) -> None:
        self.transport.send(what if isinstance(what, (bytes, bytearray)) else wire.encode(what), remote)

    async def recv(self, timeout: float = 1.0) -> tuple[Message, bytes, Remote]:
        data, remote = await asyncio.wait_for(self.inbox.get(), timeout)
        return wire.decode(data, remote), data, remote

    async def silent(self, within: float) -> bool:
        """True when nothing arrives within ``within`` seconds."""
        try:
            await asyncio.wait_for(self.inbox.get(), within)
        except asyncio.TimeoutError:
            return True
        return False

    def close(self) -> None:
        self.transport.close()


@contextlib.asynccontextmanager
async def endpoint_pair(handler: RequestHandler | None = None, params: TransmissionParams = FAST, *,
                        host: str = "127.0.0.1", client_transport: UdpTransport | None = None,
                        **server_kw: Any) -> AsyncIterator[tuple[Endpoint, Endpoint]]:
    """A server endpoint with ``handler`` and a client endpoint, both on loopback."""
    server = await Endpoint(UdpTransport(host, 0), params, handler=handler, name="server", **server_kw).start()
    client = await Endpoint(client_transport or UdpTransport(host, 0), params, name="client").start()
    try:
        yield server, client
    finally:
        client.close()
        server.close()


@contextlib.asynccontextmanager
async def raw_peer(host: str = "127.0.0.1") -> AsyncIterator[RawPeer]:
    peer = await RawPeer(host).start()
    try:
        yield peer
    finally:
        peer.close()
