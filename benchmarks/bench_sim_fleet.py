"""Fleet benchmark: one harness server and N simulated meters in one process on one event loop.

Prints the time until all N are registered, the memory per meter (tracemalloc
delta over the fleet, and the RSS delta) and the start-up-to-registration
latency of one more meter.  ``python benchmarks/bench_sim_fleet.py [N]``.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import sys
import time
import tracemalloc

from meterproof.coap.params import LOOPBACK
from meterproof.lwm2m.server import Lwm2mServer
from meterproof.sim.meter import SimulatedMeter


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def main(n: int) -> None:
    server = await Lwm2mServer(params=LOOPBACK).start()
    warm = SimulatedMeter(server.uri, "warm-up")          # parse the catalog, build the profile once
    await warm.start()
    await warm.stop()

    rss0 = rss_kib()
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    meters = [SimulatedMeter(server.uri, f"meter-{i:05d}", seed=i, meter=("electricity", "gas", "water")[i % 3])
              for i in range(n)]
    t0 = time.perf_counter()
    await asyncio.gather(*(m.start() for m in meters))
    t_all = time.perf_counter() - t0
    registered = sum(1 for m in meters if m.registered.is_set())
    snap1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    traced = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
    rss1 = rss_kib()
    assert len(server.registrations) >= n, "the server does not have every meter"

    latencies = []
    for i in range(20):
        m = SimulatedMeter(server.uri, f"probe-{i}")
        t = time.perf_counter()
        await m.start()
        latencies.append(time.perf_counter() - t)
        await m.stop()

    print(f"meters registered:              {registered}/{n}")
    print(f"time to all registered:         {t_all * 1000:.0f} ms")
    print(f"memory per meter (tracemalloc): {traced / n / 1024:.1f} KiB (meters + their registrations on the server)")
    print(f"memory per meter (RSS delta):   {(rss1 - rss0) / n:.1f} KiB")
    print(f"start-up to registration, one meter: median {statistics.median(latencies) * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms (over {len(latencies)})")
    await asyncio.gather(*(m.stop(deregister=False) for m in meters))
    server.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
