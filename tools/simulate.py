"""``meterproof simulate``: run the reference smart meter until SIGINT/SIGTERM (it de-registers on exit).

    meterproof simulate --server coap://127.0.0.1:5683 --endpoint meter-0001 \\
        [--meter electricity|gas|water] [--lwm2m 1.0|1.1|1.2] [--defect NAME ...] [--variant NAME ...] \\
        [--state FILE] [--lifetime N] [--control stdin] [--rpk-key FILE --server-rpk FILE]
        [--oscore-secret-env NAME --oscore-sender HEX --oscore-recipient HEX [--oscore-salt HEX]
         [--oscore-sequence-file FILE]]
    meterproof simulate --list-defects
    meterproof simulate --list-variants

``--defect`` seeds a non-conformance (``meterproof.sim.defects``); ``--variant`` makes the meter differ from
the default in a way the specification allows (``meterproof.sim.variants``: another Server instance and SSID,
no ``b=`` in the Register, SenML CBOR by default, only mandatory resources, ...).

``--rpk-key FILE --server-rpk FILE`` (with a ``coaps://`` server or Bootstrap-Server): the account is in Raw Public
Key mode (Security Mode 1): /0/x/3 and /0/x/5 the meter's key pair from ``--rpk-key`` (a PEM/DER EC private key),
/0/x/4 the server's public key from ``--server-rpk`` (a PEM/DER SubjectPublicKeyInfo), pinned.  So a harness can
drive the simulator as any external RPK client (docs/DEVICES.md, ``security.public_key``).

``--oscore-secret-env NAME --oscore-sender HEX --oscore-recipient HEX [--oscore-salt HEX]`` (with a ``coap://``
server): the server account is protected with OSCORE (RFC 8613, TS Core 1.1 E.1 /0/x/17 linking a /21 instance):
the Master Secret in hex from the environment variable NAME (never on the command line), the meter's Sender and
Recipient ID and the Master Salt in hex ("" for empty), AES-CCM-16-64-128 and HKDF SHA-256 (RFC 8613 §3.2's
defaults).  So a harness can drive the simulator as an external OSCORE client (docs/DEVICES.md,
``security.oscore``).  ``--oscore-sequence-file FILE`` is the meter's non-volatile memory for its Sender Sequence
Number (RFC 8613 Appendix B.1.1): written every :data:`~meterproof.sim.oscore_client.SEQUENCE_STEP` numbers, and
a new start resumes past the last value written, so a program started again with the same context never reuses
a nonce (without it every start begins at 0, as a device reset to its factory state would).

``--control stdin`` reads one command a line on stdin while the meter runs (as Anjay's and Wakaama's demo
clients do), so a harness that runs the simulator as an external program can still make it act:

    send [PATH ...]      Send (POST /dp) of these paths (spaces or commas between them), default paths if none
    update               Registration Update
    set PATH VALUE       change a resource locally, as a sensor would (VALUE in plain text)
    reboot               restart the LwM2M client (no De-register)
    help                 list the commands

Each command is answered on stdout by one line, ``ok: <command>`` or ``error: <command>: <why>``.  End of
input closes the channel, the meter keeps running.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

from meterproof.errors import ConfigError
from meterproof.sim.defects import DEFECTS
from meterproof.sim.variants import VARIANTS
from meterproof.sim.profiles import LWM2M_VERSIONS, METER_KINDS

if TYPE_CHECKING:
    from meterproof.coap.oscore import OscoreParams
    from meterproof.sim.security import Credentials


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--server", metavar="URI", help="LwM2M server, e.g. coap://127.0.0.1:5683")
    p.add_argument("--bootstrap", metavar="URI",
                   help="start with only a Bootstrap-Server account (ETS configuration C.13; NoSec, or RPK with "
                        "--rpk-key/--server-rpk): bootstrap from "
                        "this Bootstrap-Server, then register to the server it provisions")
    p.add_argument("--endpoint", metavar="NAME", help="endpoint client name, e.g. meter-0001")
    p.add_argument("--meter", default="electricity", choices=METER_KINDS)
    p.add_argument("--lwm2m", default="1.1", choices=LWM2M_VERSIONS)
    p.add_argument("--defect", action="append", default=[], metavar="NAME",
                   help="enable a seeded defect (repeatable; see --list-defects)")
    p.add_argument("--variant", action="append", default=[], metavar="NAME",
                   help="take on a legal device variation (repeatable; see --list-variants)")
    p.add_argument("--state", metavar="FILE", help="persist provisioned state (/0, /1, /2, firmware) here")
    p.add_argument("--lifetime", type=int, default=86400, metavar="N", help="registration lifetime in seconds")
    p.add_argument("--queue-mode", action="store_true", help="register in queue mode and sleep between exchanges")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the simulated readings (default: $METERPROOF_SEED, which meterproof's process "
                        "driver sets to the run's seed, else 0)")
    p.add_argument("--list-defects", action="store_true", help="print the seeded defects and exit")
    p.add_argument("--list-variants", action="store_true",
                   help="print the variant traits (what varies, the clause that allows it) and exit")
    p.add_argument("--rpk-key", metavar="FILE",
                   help="Raw Public Key mode: the meter's key pair (PEM/DER EC private key) for /0/x/3 and /0/x/5")
    p.add_argument("--server-rpk", metavar="FILE",
                   help="Raw Public Key mode: the server's public key (PEM/DER SubjectPublicKeyInfo) pinned in /0/x/4")
    p.add_argument("--oscore-secret-env", metavar="NAME",
                   help="OSCORE: the environment variable holding the Master Secret in hex (/21/x/0)")
    p.add_argument("--oscore-sender", metavar="HEX", help="OSCORE: the meter's Sender ID in hex (/21/x/1)")
    p.add_argument("--oscore-recipient", metavar="HEX",
                   help="OSCORE: the meter's Recipient ID, the server's Sender ID, in hex (/21/x/2; \"\" empty)")
    p.add_argument("--oscore-salt", metavar="HEX", default="", help="OSCORE: the Master Salt in hex (/21/x/5)")
    p.add_argument("--oscore-sequence-file", metavar="FILE",
                   help="OSCORE: where the Sender Sequence Number persists across starts (RFC 8613 B.1.1)")
    p.add_argument("--control", choices=("none", "stdin"), default="none",
                   help="read control commands on stdin: send [paths], update, set PATH VALUE, reboot, help")


def list_defects() -> str:
    width = max(len(n) for n in DEFECTS)
    area = max(len(d.area) for d in DEFECTS.values())
    return "\n".join(f"{d.name:<{width}}  {d.area:<{area}}  {d.summary}" for d in DEFECTS.values())


def list_variants() -> str:
    width = max(len(n) for n in VARIANTS)
    pad = " " * (width + 2)
    lines = []
    for v in VARIANTS.values():
        only = "" if len(v.versions) == 3 else f" (LwM2M {', '.join(v.versions)} only)"
        lines += [f"{v.name:<{width}}  {v.area}{only}: {v.varies}", f"{pad}allowed by: {v.clause}"]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.list_defects:
        print(list_defects())
        return 0
    if getattr(args, "list_variants", False):
        print(list_variants())
        return 0
    if not (args.server or args.bootstrap) or not args.endpoint:
        raise ConfigError("--server (or --bootstrap) and --endpoint are required (or use --list-defects / "
                          "--list-variants)")
    if args.lifetime < 0:
        raise ConfigError(f"--lifetime must be >= 0, got {args.lifetime}")
    from meterproof.sim.meter import SimulatedMeter

    seed = args.seed
    if seed is None:
        env_seed = os.environ.get("METERPROOF_SEED", "0")
        if not env_seed.lstrip("-").isdigit():
            raise ConfigError(f"METERPROOF_SEED must be an integer, got {env_seed!r}")
        seed = int(env_seed)
    security = None
    creds = raw_public_keys(getattr(args, "rpk_key", None), getattr(args, "server_rpk", None))
    oscore = oscore_context(args)
    if oscore is not None:
        if creds is not None or args.bootstrap:
            raise ConfigError("--oscore-* protect the --server account over plain CoAP; not with --bootstrap or "
                              "--rpk-key")
        from meterproof.sim.security import Credentials
        creds = Credentials(oscore=oscore)
    if args.bootstrap or creds is not None:
        from meterproof.sim.security import MeterSecurity
        security = MeterSecurity(server=None, bootstrap_uri=args.bootstrap, bootstrap=creds) if args.bootstrap \
            else MeterSecurity(server=creds)
    meter = SimulatedMeter(args.server or args.bootstrap, args.endpoint, meter=args.meter, lwm2m=args.lwm2m,
                           defects=args.defect, security=security,
                           state_file=args.state, lifetime=args.lifetime, queue_mode=args.queue_mode,
                           seed=seed, variants=getattr(args, "variant", ()), standalone=True)
    if oscore is not None and getattr(args, "oscore_sequence_file", None):
        meter.oscore_contexts[oscore] = persisted_context(oscore, args.oscore_sequence_file)
    return asyncio.run(_serve(meter, control_mode=getattr(args, "control", "none")))


def raw_public_keys(key_file: str | None, server_file: str | None) -> "Credentials | None":
    """The RPK credentials of ``--rpk-key`` / ``--server-rpk`` (None without them); ConfigError naming the option."""
    if key_file is None and server_file is None:
        return None
    if key_file is None or server_file is None:
        raise ConfigError("--rpk-key and --server-rpk go together (the meter's key pair and the server's public key)")
    from pathlib import Path
    from meterproof.dtls import rpk_keys
    from meterproof.sim.security import Credentials
    keys = {}
    for opt, name, read in (("--rpk-key", key_file, rpk_keys.key_pair),
                            ("--server-rpk", server_file, rpk_keys.public_key)):
        try:
            keys[opt] = read(Path(name).read_bytes())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{opt} {name}: {exc}") from None
    (public, private), server = keys["--rpk-key"], keys["--server-rpk"]
    return Credentials.rpk(public, private, server)


def oscore_context(args: argparse.Namespace) -> "OscoreParams | None":
    """The OSCORE context of ``--oscore-*`` (None without them); ConfigError naming the option."""
    given = {o: getattr(args, o.lstrip("-").replace("-", "_"), None)
             for o in ("--oscore-secret-env", "--oscore-sender", "--oscore-recipient")}
    if all(v is None for v in given.values()):
        return None
    missing = [o for o, v in given.items() if v is None]
    if missing:
        raise ConfigError(f"{', '.join(missing)} missing: --oscore-secret-env, --oscore-sender and "
                          f"--oscore-recipient go together")
    from meterproof.coap.oscore import OscoreConfigError, OscoreParams, SecurityContext
    from meterproof.profile_schema import hex_key
    var = given["--oscore-secret-env"]
    text = os.environ.get(var)
    if not text:
        raise ConfigError(f"--oscore-secret-env {var}: the environment variable is not set")
    raw: dict[str, bytes] = {}
    for opt, v in (("--oscore-secret-env", text), ("--oscore-sender", given["--oscore-sender"]),
                   ("--oscore-recipient", given["--oscore-recipient"]),
                   ("--oscore-salt", getattr(args, "oscore_salt", "") or "")):
        try:
            raw[opt] = hex_key(v) if v.strip() else b""
        except ValueError:
            raise ConfigError(f"{opt}: must be bytes in hex" + ("" if opt == "--oscore-secret-env" else f", got {v!r}"))
    params = OscoreParams(raw["--oscore-secret-env"], raw["--oscore-sender"], raw["--oscore-recipient"],
                          master_salt=raw["--oscore-salt"])
    try:
        SecurityContext(params)
    except OscoreConfigError as exc:
        raise ConfigError(f"--oscore-sender/--oscore-recipient: {exc}") from None
    return params


def persisted_context(params: "OscoreParams", path: str) -> Any:
    """The meter's context for ``params`` whose Sender Sequence Number lives in ``path`` (RFC 8613 Appendix
    B.1.1): it resumes one step past the last value written, and writes every step it enters."""
    from pathlib import Path
    from meterproof.coap.oscore import SecurityContext
    from meterproof.sim.oscore_client import SEQUENCE_STEP
    file = Path(path)
    try:
        last = int(file.read_text().strip() or 0)
    except FileNotFoundError:
        last = -1
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--oscore-sequence-file {path}: {exc}") from None
    start = 0 if last < 0 else (last // SEQUENCE_STEP + 1) * SEQUENCE_STEP

    def save(seq: int) -> None:
        if seq % SEQUENCE_STEP == 0:
            file.write_text(str(seq))
    save(start)
    return SecurityContext(params, sequence=start, on_sequence=save)


CONTROL_HELP = "commands: send [PATH ...] | update | set PATH VALUE | reboot | help"


async def control(meter: "object", line: str) -> str:
    """Run one control command on the running meter; the one-line answer."""
    from meterproof.lwm2m.formats import text as text_format
    from meterproof.lwm2m.path import Path
    from meterproof.sim.meter import SimulatedMeter

    assert isinstance(meter, SimulatedMeter)
    words = line.split()
    if not words:
        return ""
    cmd, rest = words[0].lower(), words[1:]
    try:
        if cmd == "send":
            paths = [p for w in rest for p in w.split(",") if p]
            await meter.trigger_send(paths or None)
        elif cmd == "update":
            await meter.trigger_update()
        elif cmd == "set":
            if len(rest) < 2:
                raise ValueError("write: set PATH VALUE")
            path, value = rest[0], line.split(None, 2)[2]
            parsed = Path.parse(path)
            decoded = text_format.decode(value.encode(), parsed, meter.store.model)
            meter.set_value(path, decoded[parsed])
        elif cmd == "reboot":
            await meter.reboot()
        elif cmd == "help":
            return CONTROL_HELP
        else:
            raise ValueError(f"unknown command; {CONTROL_HELP}")
    except Exception as exc:
        return f"error: {line.strip()}: {exc}"
    return f"ok: {line.strip()}"


def _read_stdin(loop: asyncio.AbstractEventLoop, queue: "asyncio.Queue[str | None]") -> None:
    # os.read on the descriptor, not sys.stdin: a daemon thread blocked inside sys.stdin's buffered reader
    # holds its lock, and the interpreter then cannot shut down when SIGTERM ends the meter
    buf = b""
    while True:
        try:
            chunk = os.read(0, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for raw in lines:
            loop.call_soon_threadsafe(queue.put_nowait, raw.decode("utf-8", "replace"))
    if buf:
        loop.call_soon_threadsafe(queue.put_nowait, buf.decode("utf-8", "replace"))
    loop.call_soon_threadsafe(queue.put_nowait, None)


async def _control_loop(meter: "object", queue: "asyncio.Queue[str | None]") -> None:
    while (line := await queue.get()) is not None:   # one command after the other, in the order given
        answer = await control(meter, line)
        if answer:
            print(answer, flush=True)


async def _serve(meter: "object", control_mode: str = "none") -> int:
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
          f"({meter.kind}, LwM2M {meter.lwm2m}, defects: {', '.join(sorted(meter.defects)) or 'none'}"
          f"{', variants: ' + ', '.join(sorted(meter.variants)) if meter.variants else ''})",
          flush=True)
    tasks = []
    if control_mode == "stdin":
        import threading
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        threading.Thread(target=_read_stdin, args=(loop, queue), daemon=True, name="meterproof-control").start()
        tasks.append(asyncio.ensure_future(_control_loop(meter, queue)))
    await stop.wait()
    for t in tasks:
        t.cancel()
    await meter.stop(deregister=True)
    print(f"{meter.endpoint_name}: de-registered", flush=True)
    return 0
