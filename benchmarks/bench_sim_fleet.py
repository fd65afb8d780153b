"""Fleet benchmark: one harness server and N simulated meters in one process on one event loop.

Each measurement is a fresh child process (``python -m benchmarks.bench_sim_fleet --child KIND N``), so
its memory figure is the resident-set growth of that process (``/proc/self/statm``) while the fleet
came up -- no tracemalloc, whose own bookkeeping doubles what it measures.  ``meters``: N
:class:`SimulatedMeter` register with one :class:`Lwm2mServer`; ``bare``: N asyncio UDP endpoints each
do one round trip to a bare echo -- the anchor, in the same process layout.

Registration is paced as a real fleet's is: at most ``CONCURRENT`` meters are starting at any time.
Ten thousand meters started in one burst overflow the server socket's receive buffer, and with the
loopback timers the losers give up after their retransmissions (that was the crash at 10,000).  Every
meter holds one socket, so the soft RLIMIT_NOFILE is raised to the hard limit first.

    python -m benchmarks.bench_sim_fleet [N]
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

from meterproof.coap.params import LOOPBACK
from meterproof.lwm2m.server import Lwm2mServer
from meterproof.sim.meter import SimulatedMeter

from .rounds import UdpEcho

if TYPE_CHECKING:
    from .rounds import Row

CONCURRENT = 256
_PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE_KIB


def raise_nofile(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft != resource.RLIM_INFINITY and soft < need:
        raise SystemExit(f"{need} sockets needed; RLIMIT_NOFILE hard limit is {soft} (raise it: ulimit -Hn)")


async def _paced(starts: list[Any]) -> None:
    gate = asyncio.Semaphore(CONCURRENT)

    async def one(start: Any) -> None:
        async with gate:
            await start()
    await asyncio.gather(*(one(s) for s in starts))


async def fleet_meters(n: int) -> dict[str, float]:
    server = await Lwm2mServer(params=LOOPBACK).start()
    warm = SimulatedMeter(server.uri, "warm-up")          # parse the catalog, build the profile once
    await warm.start()
    await warm.stop()
    rss0 = rss_kib()
    meters = [SimulatedMeter(server.uri, f"meter-{i:05d}", seed=i, meter=("electricity", "gas", "water")[i % 3])
              for i in range(n)]
    t0 = time.perf_counter()
    await _paced([m.start for m in meters])
    dt = time.perf_counter() - t0
    rss1 = rss_kib()
    registered = sum(1 for m in meters if m.registered.is_set())
    assert registered == n and len(server.registrations) >= n, f"{registered}/{n} registered"
    for m in meters:
        await m.stop(deregister=False)
    server.close()
    return {"seconds": dt, "kib": (rss1 - rss0) / n, "registered": registered}


class _One(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.done = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr) -> None:  # type: ignore[no-untyped-def]
        if not self.done.done():
            self.done.set_result(data)


async def fleet_bare(n: int) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    st, _ = await loop.create_datagram_endpoint(UdpEcho, local_addr=("127.0.0.1", 0))
    addr = st.get_extra_info("sockname")
    register = b"\x44\x02\x12\x34" + bytes(4) + b"\xb2rd" + b"x" * 250   # a Register's size
    rss0 = rss_kib()
    held: list[Any] = []

    async def start() -> None:
        t, p = await loop.create_datagram_endpoint(_One, local_addr=("127.0.0.1", 0))
        while True:    # a datagram lost on a busy loopback is sent again, as a CON would be
            t.sendto(register, addr)
            try:
                await asyncio.wait_for(asyncio.shield(p.done), LOOPBACK.ack_timeout)
                break
            except asyncio.TimeoutError:
                pass
        held.append(t)
    t0 = time.perf_counter()
    await _paced([start] * n)
    dt = time.perf_counter() - t0
    rss1 = rss_kib()
    for t in held:
        t.close()
    st.close()
    return {"seconds": dt, "kib": (rss1 - rss0) / n, "registered": len(held)}


def child(kind: str, n: int) -> dict[str, float]:
    """Run one fleet in a fresh process; returns its figures."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_sim_fleet", "--child", kind, str(n)],
                         capture_output=True, text=True, timeout=900,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if out.returncode != 0:
        raise RuntimeError(f"fleet child {kind} {n} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def fleet_rows(rounds: int, n: int) -> list["Row"]:
    """Registration time and memory per meter of N simulated meters against N bare UDP endpoints doing one
    Register-sized round trip each, child processes alternating meters, bare, meters, bare ..."""
    from .rounds import single

    pairs = []
    for _ in range(rounds):
        m = child("meters", n)
        b = child("bare", n)
        pairs.append((m, b))
    time_row = single(f"fleet: {n:,} meters register (<= {CONCURRENT} starting at once)",
                      f"{n:,} bare UDP endpoints, one round trip each",
                      [(m["seconds"] / n, b["seconds"] / n) for m, b in pairs],
                      unit="round trips/s", scale=lambda s: 1 / s)
    kib = sorted(m["kib"] for m, _ in pairs)
    mem_row = single("fleet: memory per meter (RSS growth, own process)", "per bare UDP endpoint",
                     [(m["kib"], b["kib"]) for m, b in pairs], unit="KiB",
                     note=f"memory per meter {kib[len(kib) // 2]:.1f} KiB (median; meter and its registration "
                          f"on the server), RSS from /proc/self/statm, no tracemalloc")
    return [time_row, mem_row]


def main() -> None:
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        kind, n = sys.argv[2], int(sys.argv[3])
        raise_nofile(n + 64)
        fn = fleet_meters if kind == "meters" else fleet_bare
        print(json.dumps(asyncio.run(fn(n))))
        return
    from .rounds import table
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    print(table(fleet_rows(1, n)))


if __name__ == "__main__":
    main()
