"""Helpers of the LwM2M Server-role tests: a hand-driven client built from our CoAP
:class:`Endpoint` (not the simulator) and a coroutine runner.

The fake client records every request the server sends it and answers from a table of
canned responses keyed by (method, path), so a test states what the device says and checks
what the server asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable

from aiocoap import Message
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.endpoint import Endpoint
from meterproof.coap.params import TransmissionParams
from meterproof.coap.transport import UdpTransport
from meterproof.lwm2m.server import Lwm2mServer

FAST = TransmissionParams(ack_timeout=0.05, ack_random_factor=1.0, max_retransmit=3, max_latency=0.2)


def aio(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Run an ``async def`` test with :func:`asyncio.run` (10 s cap)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(asyncio.wait_for(fn(*args, **kwargs), 10))
    return wrapper


class FakeClient:
    """An LwM2M client driven by hand: it registers when told and answers from ``canned``."""

    def __init__(self, server: Lwm2mServer) -> None:
        self.server = server
        self.endpoint = Endpoint(UdpTransport(), server.params, handler=self._handle, name="fake-client")
        self.requests: list[Message] = []
        #: (code, "/3/0") -> response (a Message, or a callable taking the request)
        self.canned: dict[tuple[Any, str], Message | Callable[[Message], Message]] = {}
        self.location: str | None = None
        self.arrived = asyncio.Event()

    async def start(self) -> "FakeClient":
        await self.endpoint.start()
        return self

    def close(self) -> None:
        self.endpoint.close()

    async def _handle(self, req: Message, remote: object) -> Message:
        self.requests.append(req)
        self.arrived.set()
        key = (req.code, "/" + "/".join(req.opt.uri_path))
        answer = self.canned.get(key)
        if answer is None:
            return wire.new(codes.NOT_FOUND)
        return answer(req) if callable(answer) else answer

    async def send(self, code: Any, path: Iterable[str], query: Iterable[str] = (), payload: bytes = b"",
                   content_format: int | None = None) -> Message:
        msg = wire.new(code, uri_path=tuple(path), payload=payload, content_format=content_format)
        q = tuple(query)
        if q:
            msg.opt.uri_query = q
        return await self.endpoint.request(msg, self.server.address, timeout=2)

    async def register(self, *query: str, payload: bytes = b"</1/0>,</3/0>", content_format: int | None = 40
                       ) -> Message:
        resp = await self.send(codes.POST, ["rd"], query, payload, content_format)
        if resp.code == codes.CREATED:
            self.location = "/" + "/".join(resp.opt.location_path)
        return resp

    async def update(self, *query: str, payload: bytes = b"", location: str | None = None) -> Message:
        loc = location or self.location
        assert loc is not None
        return await self.send(codes.POST, [s for s in loc.split("/") if s], query, payload,
                               40 if payload else None)

    async def deregister(self, location: str | None = None) -> Message:
        loc = location or self.location
        assert loc is not None
        return await self.send(codes.DELETE, [s for s in loc.split("/") if s])


@contextlib.asynccontextmanager
async def server_and_client(**server_kw: Any) -> AsyncIterator[tuple[Lwm2mServer, FakeClient]]:
    server = await Lwm2mServer(params=server_kw.pop("params", FAST), **server_kw).start()
    client = await FakeClient(server).start()
    try:
        yield server, client
    finally:
        client.close()
        server.close()


def canned(code: Any, payload: bytes = b"", content_format: int | None = None, **opts: Any) -> Message:
    return wire.new(code, payload=payload, content_format=content_format, **opts)
