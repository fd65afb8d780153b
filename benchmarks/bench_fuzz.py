"""Black-box fuzz throughput: cases per second against the simulator and a bare UDP responder, one run.

    python -m benchmarks.bench_fuzz [--cases 20000]

For each target it measures the campaign loop (send on the server's socket,
liveness probe, histogram, ring buffer) with a probe every 10 cases and with a
probe after every case, on pre-generated inputs (the harness and the device
only), and once more with the mutator generating inputs live.  The bare
responder runs in its own process and answers every datagram with an RST
carrying its message ID — the fastest CoAP device there can be on loopback.
Hypothesis' own generation rate (structured strategies) is printed too: it
bounds the quick deterministic set, not the lab campaign.

``python -m benchmarks --only fuzz`` (:func:`fuzz_rows`) gives three ratios to
the bare RST responder on the harness's loop, in interleaved rounds: the
campaign against the simulator, against ``crashy_client.py`` run by the process
driver and fed mutants that crash it often (each crash: the driver's notice,
restart, bisection for a new bucket; set-aside off so that every crash input is
really sent), and against the same client started without its defects.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from meterproof.fuzz import packets
from meterproof.fuzz import strategies_coap as sc
from meterproof.fuzz import strategies_payloads as sp
from meterproof.fuzz.campaign import Campaign, CampaignConfig, hypothesis_cases
from meterproof.fuzz.targets import ProcessTarget, SimTarget

from .crashy_client import defect_of
from meterproof.fuzz.corpus import POCS
from meterproof.fuzz.mutators import Mutator

if TYPE_CHECKING:
    from .rounds import Row


def responder(port_q: "multiprocessing.Queue[int]") -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("127.0.0.1", 0))
    port_q.put(s.getsockname()[1])
    while True:
        data, addr = s.recvfrom(65535)
        if len(data) >= 4:
            s.sendto(b"\x70\x00" + data[2:4], addr)


def measure_cases(c: Campaign, cases: list[bytes], every: int) -> tuple[float, int]:
    c.config.probe_every = every
    before = c.stats.cases
    t0 = time.perf_counter()
    stats = c.run(cases)
    dt = time.perf_counter() - t0
    assert not stats.findings, stats.summary()
    return (stats.cases - before) / dt, stats.reprobes


def measure_live(c: Campaign, mut: Mutator, n: int, every: int) -> float:
    c.config.probe_every = every
    t0 = time.perf_counter()
    before = c.stats.cases
    c.run(mut, max_cases=c.stats.cases + n)
    return (c.stats.cases - before) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=20000)
    args = ap.parse_args()

    t0 = time.perf_counter()
    pool = [p.data for p in POCS if not sc.is_disruptive(p.data)] + hypothesis_cases(sc.everything(sp.payloads()), 300)
    gen_rate = 300 / (time.perf_counter() - t0)
    mut = Mutator(pool, 1, accept=lambda b: not sc.is_disruptive(b))
    t0 = time.perf_counter()
    cases = pool + [mut.next() for _ in range(args.cases - len(pool))]
    mut_rate = (args.cases - len(pool)) / (time.perf_counter() - t0)
    print(f"generation: hypothesis structured strategies {gen_rate:,.0f} cases/s; "
          f"mutator (with the disruptive-request filter) {mut_rate:,.0f} cases/s")

    q: "multiprocessing.Queue[int]" = multiprocessing.Queue()
    proc = multiprocessing.Process(target=responder, args=(q,), daemon=True)
    proc.start()
    port = q.get(timeout=10)
    rows = []
    try:
        with SimTarget() as tgt:
            sim = tgt.campaign()
            bare = Campaign(tgt.server, "bare", config=CampaignConfig(findings_dir=None, shrink=False),
                            remote=("127.0.0.1", port))
            for name, c in (("bare UDP responder", bare), ("simulator (same process)", sim)):
                measure_cases(c, cases[:2000], 10)                      # warm-up
                r10, rp10 = measure_cases(c, cases, 10)
                r1, rp1 = measure_cases(c, cases[: max(2000, args.cases // 4)], 1)
                live = measure_live(c, Mutator(pool, 2, accept=lambda b: not sc.is_disruptive(b)), args.cases, 10)
                rows.append((name, r10, r1, live, rp10 + rp1))
                c.detach()
    finally:
        proc.terminate()
    print(f"{'target':<28}{'probe every 10':>16}{'probe every case':>18}{'live mutator, /10':>20}{'re-probes':>11}")
    for name, r10, r1, live, rp in rows:
        print(f"{name:<28}{r10:>14,.0f}/s{r1:>16,.0f}/s{live:>18,.0f}/s{rp:>11}")
    print("(cases/s, black box: each case sent on the harness's server socket, liveness by CoAP ping; "
          "the simulator shares the harness's event loop and CPU)")


if __name__ == "__main__":
    main()


# ----------------------------------------------------------------------------- python -m benchmarks rows
class _RstResponder(asyncio.DatagramProtocol):
    """The bare responder on the harness's loop: an RST with the message ID of every datagram."""

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:  # type: ignore[no-untyped-def]
        if len(data) >= 4:
            self.transport.sendto(b"\x70\x00" + data[2:4], addr)


CRASHY = Path(__file__).resolve().parent / "crashy_client.py"
CRASH_EVERY = 100          # besides the mutants that crash it anyway, one crash input in every CRASH_EVERY cases
CRASHES = ("segv", "abort", "exit")


def crashy_command(defects: str) -> str:
    return f"{sys.executable} -S {CRASHY} --server {{server_uri}} --endpoint {{endpoint}} --defects {defects}"


def with_crashes(cases: list[bytes], every: int = CRASH_EVERY) -> list[bytes]:
    """``cases`` with every ``every``-th one replaced by an input that crashes the crashy client, cycling
    through its three crash defects (SIGSEGV, SIGABRT, exit 3) in ever new variants."""
    out = list(cases)
    for k, i in enumerate(range(every // 2, len(out), every)):
        mid = 0x6000 + k
        out[i] = (packets.message(packets.CON, packets.GET, mid, b"\x01", [(11, b"3")] * (k % 5), tail=b"\xf1\x00"),
                  packets.empty(packets.ACK, mid), packets.empty(packets.RST, mid))[k % 3]
    return out


def fuzz_rows(rounds: int, n: int) -> list["Row"]:
    """Cases/s of the campaign loop (probe every 10 cases) against the simulator, against a client process
    that crashes often and against the same client without its defects, each against a bare RST
    responder on the harness's own loop thread (the simulator shares it in the suites)."""
    from .rounds import interleave

    pool = [p.data for p in POCS if not sc.is_disruptive(p.data)]
    mut = Mutator(pool, 1, accept=lambda b: not sc.is_disruptive(b))
    cases = pool + [mut.next() for _ in range(max(0, n - len(pool)))]
    crashing = with_crashes(cases)
    one_in = len(crashing) / max(1, sum(defect_of(c) in CRASHES for c in crashing))
    crashes: list[int] = []
    with SimTarget(endpoint="bench-fuzz") as tgt, \
            ProcessTarget(crashy_command(",".join(CRASHES)), endpoint="bench-crashy") as crashy, \
            ProcessTarget(crashy_command("none"), endpoint="bench-steady") as steady:
        async def _open() -> Any:
            t, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                _RstResponder, local_addr=("127.0.0.1", 0))
            return t
        rt = tgt.lt.run(_open())
        sim = tgt.campaign()
        bare = Campaign(tgt.server, "bare", config=CampaignConfig(findings_dir=None, shrink=False),
                        remote=rt.get_extra_info("sockname"))
        calm = steady.campaign(probe_every=10, shrink=False)

        def per_case(c: Campaign) -> Callable[[], float]:
            def measure() -> float:
                c.attach()
                rate, _ = measure_cases(c, cases, 10)
                c.detach()
                return 1 / rate
            return measure

        def per_case_crashing() -> float:
            # a fresh campaign each round (no bucket known yet) and no set-aside: every crash input is sent
            # and handled (driver notice, bisection on fresh boots, restart), the worst case
            c = crashy.campaign(probe_every=10, shrink=False, set_aside=False)
            t0 = time.perf_counter()
            stats = c.run(crashing)
            dt = time.perf_counter() - t0
            c.detach()
            assert stats.findings and all(f.kind == "crash" for f in stats.findings), stats.summary()
            crashes.append(stats.restarts)
            return dt / stats.cases
        try:
            rows = [interleave("fuzz cases/s vs the simulator (probe every 10)", per_case(sim),
                               "bare RST responder on the same loop", per_case(bare), rounds,
                               unit="cases/s", scale=lambda s: 1 / s),
                    interleave(f"fuzz cases/s vs a client process crashing on 1 case in {one_in:.0f} (probe every 10)",
                               per_case_crashing, "bare RST responder on the same loop", per_case(bare), rounds,
                               unit="cases/s", scale=lambda s: 1 / s),
                    interleave("fuzz cases/s vs the same client process without defects (probe every 10)",
                               per_case(calm), "bare RST responder on the same loop", per_case(bare), rounds,
                               unit="cases/s", scale=lambda s: 1 / s)]
            for row in rows:
                rates = sorted(a / r for a, r in zip(row.anchor_values, row.ratios))
                row.note = f"median {statistics.median(rates):,.0f} cases/s (rounds {rates[0]:,.0f}-{rates[-1]:,.0f})"
            rows[1].note += (f"; {statistics.median(crashes):.0f} restarts per round of {len(crashing)} cases "
                             f"(each crash: the driver's notice, a restart, a bisection on fresh boots for a new "
                             f"bucket); no set-aside (every crash input is sent), no shrinking")
            return rows
        finally:
            tgt.lt.loop.call_soon_threadsafe(rt.close)
