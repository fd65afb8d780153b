"""``python -m benchmarks``: every benchmark of meterproof in one table.

Each row is a ratio of meterproof's figure to its anchor measured in interleaved rounds in this run
(:mod:`benchmarks.rounds` says why); the anchor's own figure is shown for context.  ``--quick`` is a
smoke run for CI (few rounds, small counts, a two-case suite run): its figures are not for quoting.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from typing import Callable

from .rounds import Row, table


def sections(quick: bool, rounds: int) -> list[tuple[str, Callable[[], list[Row]]]]:
    from . import bench_codecs, bench_dtls, bench_endpoint, bench_firmware, bench_fuzz, bench_sim_fleet, suite_waits

    k = 0.05 if quick else 1.0
    return [
        ("codec", lambda: bench_codecs.server_read_rows(rounds, int(4000 * k) or 50)),
        ("read", lambda: bench_endpoint.sync_read_rows(rounds, int(1000 * k) or 20)),
        ("dtls", lambda: bench_dtls.handshake_rows(rounds, 3 if quick else 40)),
        ("fuzz", lambda: bench_fuzz.fuzz_rows(rounds, 200 if quick else 4000)),
        ("firmware", lambda: bench_firmware.firmware_rows(rounds)),
        ("fleet", lambda: bench_sim_fleet.fleet_rows(1 if quick else min(rounds, 3), 200 if quick else 10000)),
        ("suite", lambda: suite_waits.suite_rows(quick)),
    ]


def run(quick: bool = False, rounds: int | None = None, only: list[str] | None = None) -> list[Row]:
    rounds = rounds or (2 if quick else 7)
    rows: list[Row] = []
    for name, fn in sections(quick, rounds):
        if only and name not in only:
            continue
        t0 = time.monotonic()
        got = fn()
        print(f"  {name}: {time.monotonic() - t0:.1f}s", file=sys.stderr, flush=True)
        rows.extend(got)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="CI smoke: 2 rounds, small counts, 2 suite cases")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved rounds per row (default 7; quick 2)")
    ap.add_argument("--only", action="append", choices=("codec", "read", "dtls", "fuzz", "firmware", "fleet", "suite"),
                    help="run only this section (repeatable)")
    a = ap.parse_args(argv)
    t0 = time.monotonic()
    rows = run(a.quick, a.rounds, a.only)
    print(f"meterproof benchmarks{' (quick: not for quoting)' if a.quick else ''}: Python "
          f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}, {time.monotonic() - t0:.0f}s; "
          f"ratio = meterproof's cost / the anchor's (above 1: slower), per interleaved round")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
