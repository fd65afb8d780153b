"""Round-trip throughput of the CoAP endpoint on loopback, against the floor set by bare UDP.

In one run, sequential request/response round trips (one outstanding at a time, as a
suite drives a meter) measured three ways:

  (a) bare UDP echo with asyncio datagram endpoints, no CoAP at all -- the floor;
  (b) our :class:`Endpoint`: CON GET answered piggybacked by a second Endpoint;
  (c) the same through :meth:`Lwm2mServer.read` to a registered client whose handler
      answers 2.05 text/plain (operation, block-wise wrapper, OpResult, text decode).

Prints requests/s for each and the ratios (b)/(a) and (c)/(a) as slow-down factors.

Run: ``python -m benchmarks.bench_endpoint [N] [--profile b|c]`` (N round trips per round, best of 5 rounds)
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import sys
import time
from typing import TYPE_CHECKING, Any

from aiocoap import Message
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.endpoint import Endpoint
from meterproof.coap.params import LOOPBACK
from meterproof.coap.transport import UdpTransport
from meterproof.lwm2m.server import Lwm2mServer

from .rounds import UdpEcho

if TYPE_CHECKING:
    from meterproof.lwm2m.sync import LoopThread

    from .rounds import Row


class _Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.waiter: asyncio.Future[bytes] | None = None

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:  # type: ignore[no-untyped-def]
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(data)


async def bench_udp(n: int) -> float:
    loop = asyncio.get_running_loop()
    st, _ = await loop.create_datagram_endpoint(UdpEcho, local_addr=("127.0.0.1", 0))
    addr = st.get_extra_info("sockname")
    ct, cp = await loop.create_datagram_endpoint(_Client, local_addr=("127.0.0.1", 0))
    # a datagram the size of a CoAP GET /3/0/0 with a 4-byte token
    data = bytes.fromhex("44011234deadbeefb13301300130")
    t0 = time.perf_counter()
    for _ in range(n):
        cp.waiter = loop.create_future()
        ct.sendto(data, addr)
        await cp.waiter
    dt = time.perf_counter() - t0
    ct.close()
    st.close()
    return n / dt


async def bench_endpoint(n: int) -> float:
    async def handler(req: Message, remote: object) -> Message:
        return wire.new(codes.CONTENT, payload=b"22.5", content_format=0)

    server = await Endpoint(UdpTransport(), LOOPBACK, handler=handler).start()
    client = await Endpoint(UdpTransport(), LOOPBACK).start()
    addr = server.local_address
    t0 = time.perf_counter()
    for _ in range(n):
        resp = await client.request(wire.new(codes.GET, uri_path=("3", "0", "0")), addr)
        assert resp.code == codes.CONTENT
    dt = time.perf_counter() - t0
    client.close()
    server.close()
    return n / dt


async def bench_read(n: int) -> float:
    server = await Lwm2mServer(params=LOOPBACK).start()

    async def handler(req: Message, remote: object) -> Message:
        return wire.new(codes.CONTENT, payload=b"22.5", content_format=0)

    device = await Endpoint(UdpTransport(), LOOPBACK, handler=handler).start()
    reg = await device.request(wire.new(codes.POST, uri_path=("rd",), uri_query=("ep=bench", "lwm2m=1.1"),
                                        payload=b"</3/0>", content_format=40), server.address)
    assert reg.code == codes.CREATED
    t0 = time.perf_counter()
    for _ in range(n):
        res = await server.read("bench", "/3/0/0")
        assert res.ok and res.values is not None
    dt = time.perf_counter() - t0
    device.close()
    server.close()
    return n / dt


async def main(n: int, rounds: int) -> dict[str, float]:
    """Best of ``rounds`` interleaved rounds: a shared machine's noise hits all three alike."""
    await bench_udp(200)   # warm-up
    await bench_endpoint(200)
    await bench_read(200)
    best = {"a": 0.0, "b": 0.0, "c": 0.0}
    for _ in range(rounds):
        for key, fn in (("a", bench_udp), ("b", bench_endpoint), ("c", bench_read)):
            best[key] = max(best[key], await fn(n))
    return best


def run() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 5000
    if "--profile" in sys.argv:
        which = sys.argv[sys.argv.index("--profile") + 1]
        fn = {"b": bench_endpoint, "c": bench_read}[which]
        prof = cProfile.Profile()
        prof.enable()
        asyncio.run(fn(n))
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return
    rounds = 5
    r = asyncio.run(main(n, rounds))
    print(f"round trips per test: {n}, best of {rounds} rounds (sequential, loopback, "
          f"Python {sys.version.split()[0]})")
    print(f"(a) bare UDP echo           {r['a']:9.0f} req/s")
    print(f"(b) Endpoint CON GET        {r['b']:9.0f} req/s   (a)/(b) = {r['a'] / r['b']:.2f}x slower")
    print(f"(c) Lwm2mServer.read        {r['c']:9.0f} req/s   (a)/(c) = {r['a'] / r['c']:.2f}x slower")
    print(f"ratios to (a): b/a = {r['b'] / r['a']:.3f}, c/a = {r['c'] / r['a']:.3f}")


if __name__ == "__main__":
    run()


# ----------------------------------------------------------------------------- python -m benchmarks rows
class _EchoOnLoop:
    """A bare UDP echo on the suite's loop thread, and a coroutine that does one round trip to it."""

    def __init__(self, lt: "LoopThread") -> None:
        async def _open() -> tuple[Any, Any, Any, _Client]:
            loop = asyncio.get_running_loop()
            st, _ = await loop.create_datagram_endpoint(UdpEcho, local_addr=("127.0.0.1", 0))
            ct, cp = await loop.create_datagram_endpoint(_Client, local_addr=("127.0.0.1", 0))
            return st, st.get_extra_info("sockname"), ct, cp
        self.lt = lt
        self.st, self.addr, self.ct, self.cp = lt.run(_open())
        self.data = bytes.fromhex("44011234deadbeefb13301300130")   # the size of a CoAP GET /3/0/0

    async def round_trip(self) -> bytes:
        self.cp.waiter = asyncio.get_running_loop().create_future()
        self.ct.sendto(self.data, self.addr)
        return await self.cp.waiter

    def close(self) -> None:
        self.lt.loop.call_soon_threadsafe(self.ct.close)
        self.lt.loop.call_soon_threadsafe(self.st.close)


def sync_read_rows(rounds: int, n: int) -> list["Row"]:
    """The suites' Read (``SyncServer.read`` from the test thread, the simulator on the loop thread, as
    the fixtures run it) against a bare UDP echo round trip and against aiocoap's client GET of the same
    resource on the same simulator, each driven from the test thread through the same LoopThread."""
    from aiocoap import GET, Context

    from meterproof.fuzz.targets import SimTarget

    from .rounds import interleave, per_unit

    with SimTarget(endpoint="bench-read") as tgt:
        lt, server, ep = tgt.lt, tgt.server, tgt.endpoint
        host, port = tgt.driver.meter.endpoint.local_address
        echo = _EchoOnLoop(lt)

        async def _ctx() -> Any:
            return await Context.create_client_context()
        ctx = lt.run(_ctx())
        uri = f"coap://{host}:{port}/3/0/0"

        async def aio_get() -> Any:
            resp = await ctx.request(Message(code=GET, uri=uri)).response
            assert resp.code == codes.CONTENT, resp
            return resp

        def read() -> None:
            res = server.read(ep, "/3/0/0")
            assert res.ok and res.values is not None, res

        lt.run(aio_get())   # aiocoap reaches the meter at all (it answers any peer)
        ours = per_unit(read, n)
        rows = [interleave("suites' Read /3/0/0 (SyncServer -> simulator)", ours,
                           "bare UDP echo round trip, same threads", per_unit(lambda: lt.run(echo.round_trip()), n),
                           rounds, unit="us per round trip", scale=lambda s: s * 1e6),
                interleave("suites' Read /3/0/0 (SyncServer -> simulator)", ours,
                           "aiocoap client GET /3/0/0, same simulator", per_unit(lambda: lt.run(aio_get()), n),
                           rounds, unit="us per request", scale=lambda s: s * 1e6)]
        lt.run(ctx.shutdown())
        echo.close()
    return rows
