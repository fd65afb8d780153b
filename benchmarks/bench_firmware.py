"""Firmware transfer rate on loopback: a 1 MiB image pushed by Block1 and pulled by CoAP and by HTTP.

Each figure is the time to move one 1 MiB image (the simulator's image format, so the meter takes it), measured in
interleaved rounds (:mod:`benchmarks.rounds`) against its anchor, bare UDP stop-and-wait over the same loop: 1 KiB
datagrams each answered by a datagram the size of a CoAP 2.31 Continue, one outstanding at a time, as block-wise
transfer is (RFC 7959 §2.5 sends the next block after the previous one's answer).

* push -- ``Lwm2mServer.write`` of /5/0/0 to a registered simulated meter: Block1, 1 KiB blocks, 2.31 per block,
  2.04 at the end (the meter's own integrity check runs after the answer and is not timed);
* pull CoAP -- the meter's downloader (:func:`meterproof.sim.download.fetch`) GETting the image block by block
  (Block2, 1 KiB) from the harness's file shelf on the server endpoint;
* pull HTTP -- the same downloader over HTTP/1.1 from the harness's HTTP file server
  (:mod:`meterproof.delivery.http_files`), one GET.

Run alone: ``python -m benchmarks.bench_firmware [ROUNDS]``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TYPE_CHECKING, Any

from meterproof.coap.files import FileShelf
from meterproof.delivery.http_files import HttpFileServer
from meterproof.lwm2m.contentformat import CF
from meterproof.sim.download import PROTOCOLS, fetch
from meterproof.sim.firmware import STORAGE
from meterproof.sim.firmware_image import build_image

if TYPE_CHECKING:
    from .rounds import Row

MIB = 1024 * 1024
BLOCK = 1024


class _Acker(asyncio.DatagramProtocol):
    """The anchor's far end: answers every datagram with a 2.31-sized one."""

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.transport.sendto(b"\x60\x5f\x12\x34\xd1\x0e\x0e", addr)


class _Sender(asyncio.DatagramProtocol):
    waiter: asyncio.Future[bytes] | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(data)


class BareUdp:
    """1 MiB in 1 KiB datagrams, stop-and-wait, between two asyncio UDP sockets on the loop thread."""

    def __init__(self, lt: Any) -> None:
        async def _open() -> tuple[Any, Any, Any, _Sender]:
            loop = asyncio.get_running_loop()
            at, _ = await loop.create_datagram_endpoint(_Acker, local_addr=("127.0.0.1", 0))
            st, sp = await loop.create_datagram_endpoint(_Sender, local_addr=("127.0.0.1", 0))
            return at, at.get_extra_info("sockname"), st, sp
        self.lt = lt
        self.at, self.addr, self.st, self.sp = lt.run(_open())
        self.block = bytes(BLOCK + 12)          # a Block1 request's size: header, options, 1 KiB

    async def _transfer(self) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(MIB // BLOCK):
            self.sp.waiter = loop.create_future()
            self.st.sendto(self.block, self.addr)
            await self.sp.waiter

    def measure(self) -> float:
        t0 = time.perf_counter()
        self.lt.run(self._transfer())
        return time.perf_counter() - t0

    def close(self) -> None:
        self.lt.loop.call_soon_threadsafe(self.st.close)
        self.lt.loop.call_soon_threadsafe(self.at.close)


def firmware_rows(rounds: int) -> list["Row"]:
    from meterproof.fuzz.targets import SimTarget

    from .rounds import interleave

    image = build_image("9.0.0", body=bytes(MIB - 128))     # header, digest and signature make up the rest
    assert len(image) <= MIB and len(image) <= STORAGE
    with SimTarget(endpoint="bench-firmware") as tgt:
        lt, server, ep = tgt.lt, tgt.server, tgt.endpoint
        meter = tgt.driver.meter
        shelf = FileShelf()
        server.aio.mounts[shelf.prefix] = shelf.answer
        coap_uri = server.aio.uri + shelf.put(image)
        http = HttpFileServer().start()
        http_uri = http.uri(http.put(image))
        bare = BareUdp(lt)
        schemes = frozenset(PROTOCOLS)

        def push() -> float:
            t0 = time.perf_counter()
            r = server.write(ep, "/5/0/0", payload=image, content_format=CF.OPAQUE)
            dt = time.perf_counter() - t0
            assert r.code_text == "2.04", r
            return dt

        def pull(uri: str) -> Any:
            def measure() -> float:
                t0 = time.perf_counter()
                data = lt.run(fetch(meter, uri, STORAGE, schemes))
                dt = time.perf_counter() - t0
                assert data == image
                return dt
            return measure

        anchor = "bare UDP stop-and-wait, 1 KiB, same loop"
        per_s = {"unit": "MiB/s", "scale": lambda s: 1 / s}
        try:
            rows = [interleave("firmware push 1 MiB (Block1, 1 KiB)", push, anchor, bare.measure, rounds, **per_s),
                    interleave("firmware pull 1 MiB by CoAP (Block2, 1 KiB)", pull(coap_uri), anchor, bare.measure,
                               rounds, **per_s),
                    interleave("firmware pull 1 MiB by HTTP/1.1", pull(http_uri), anchor, bare.measure, rounds,
                               **per_s, note="one TCP stream against UDP stop-and-wait: below 1 is faster")]
        finally:
            bare.close()
            http.close()
    return rows


if __name__ == "__main__":
    from .rounds import table
    print(table(firmware_rows(int(sys.argv[1]) if len(sys.argv) > 1 else 5)))
