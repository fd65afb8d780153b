"""``meterproof simulate``: run the reference smart meter until SIGINT/SIGTERM (it de-registers on exit).

    meterproof simulate --server coap://127.0.0.1:5683 --endpoint meter-0001 \\
        [--meter electricity|gas|water] [--lwm2m 1.0|1.1|1.2] [--defect NAME ...] \\
        [--state FILE] [--lifetime N]
    meterproof simulate --list-defects
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from meterproof.errors import ConfigError
from meterproof.sim.defects import DEFECTS
from meterproof.sim.profiles import LWM2M_VERSIONS, METER_KINDS


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--server", metavar="URI", help="LwM2M server, e.g. coap://127.0.0.1:5683")
    p.add_argument("--endpoint", metavar="NAME", help="endpoint client name, e.g. meter-0001")
    p.add_argument("--meter", default="electricity", choices=METER_KINDS)
    p.add_argument("--lwm2m", default="1.1", choices=LWM2M_VERSIONS)
    p.add_argument("--defect", action="append", default=[], metavar="NAME",
                   help="enable a seeded defect (repeatable; see --list-defects)")
    p.add_argument("--state", metavar="FILE", help="persist provisioned state (/0, /1, /2, firmware) here")
    p.add_argument("--lifetime", type=int, default=86400, metavar="N", help="registration lifetime in seconds")
    p.add_argument("--queue-mode", action="store_true", help="register in queue mode and sleep between exchanges")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--list-defects", action="store_true", help="print the seeded defects and exit")


def list_defects() -> str:
    width = max(len(n) for n in DEFECTS)
    area = max(len(d.area) for d in DEFECTS.values())
    return "\n".join(f"{d.name:<{width}}  {d.area:<{area}}  {d.summary}" for d in DEFECTS.values())


def run(args: argparse.Namespace) -> int:
    if args.list_defects:
        print(list_defects())
        return 0
    if not args.server or not args.endpoint:
        raise ConfigError("--server and --endpoint are required (or use --list-defects)")
    if args.lifetime < 0:
        raise ConfigError(f"--lifetime must be >= 0, got {args.lifetime}")
    from meterproof.sim.meter import SimulatedMeter

    meter = SimulatedMeter(args.server, args.endpoint, meter=args.meter, lwm2m=args.lwm2m, defects=args.defect,
                           state_file=args.state, lifetime=args.lifetime, queue_mode=args.queue_mode,
                           seed=args.seed)
    return asyncio.run(_serve(meter))


async def _serve(meter: "object") -> int:
    from meterproof.sim.meter import SimulatedMeter

    assert isinstance(meter, SimulatedMeter)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await meter.start()
    except Exception as exc:
        print(f"meterproof simulate: error: registration with {meter.server_uri} failed: {exc}", file=sys.stderr)
        return 1
    print(f"{meter.endpoint_name}: registered at {meter.server_uri}{meter.location} "
          f"({meter.kind}, LwM2M {meter.lwm2m}, defects: {', '.join(sorted(meter.defects)) or 'none'})",
          flush=True)
    await stop.wait()
    await meter.stop(deregister=True)
    print(f"{meter.endpoint_name}: de-registered", flush=True)
    return 0
