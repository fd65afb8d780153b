"""A virtual cellular modem: a pseudo-terminal that speaks one modem family's AT dialect, with the reference
meter behind it as the module's built-in LwM2M client.

CI has no modem on a USB port, yet the modem driver's whole path — pyserial,
command/response framing, final result codes, URCs, the family data — must be
exercised.  :class:`VirtualModem` opens a pty pair (``os.openpty``); the driver
opens the slave side (:attr:`VirtualModem.port`) with pyserial exactly as it
opens ``/dev/ttyUSB2``.  The modem reads command lines on the master side and
understands any family by turning the family's command templates into regular
expressions (``AT+MPLWEP="{endpoint}"`` matches ``AT+MPLWEP="meter-7"`` and
yields ``endpoint``); it answers ``OK``/``ERROR``, and it emits the family's
example URC lines when its meter registers, de-registers or fails.

"Enable" starts a :class:`~meterproof.sim.meter.SimulatedMeter` on the modem's
own event loop (a :class:`~meterproof.lwm2m.sync.LoopThread`), "disable" stops
it with a De-register, "reboot" restarts it without one; "queue_mode" with
``{queue_mode}`` = 1 makes the next start register in queue mode, and
"trigger_send" makes the running meter Send (``{paths}``, comma-separated).
"""

from __future__ import annotations

import asyncio
import os
import select
import threading
import tty
from concurrent.futures import Future
from typing import Any, Iterable

from ..coap.params import LOOPBACK, TransmissionParams
from ..lwm2m.sync import LoopThread
from .modem_family import ModemFamily, load_family, template_regex


class VirtualModem:
    def __init__(self, family: str | ModemFamily = "meterproof", *, meter: str = "electricity", lwm2m: str = "1.1",
                 defects: Iterable[str] = (), params: TransmissionParams = LOOPBACK, seed: int = 0,
                 lifetime: int = 86400, variants: Iterable[str] = ()) -> None:
        self.family = load_family(family) if isinstance(family, str) else family
        self.meter_options: dict[str, Any] = dict(meter=meter, lwm2m=lwm2m, defects=tuple(defects), params=params,
                                                  seed=seed, variants=tuple(variants))
        self.default_lifetime = lifetime
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        tty.setraw(self.master)
        self.port = os.ttyname(self.slave)
        self.echo = True
        self.settings: dict[str, str] = {}
        self.enabled = False
        self.meter: Any = None
        self.received: list[str] = []      # every command line, for tests
        self._patterns = self._compile()
        self._lt = LoopThread(name="meterproof-virtual-modem")
        self._wlock = threading.Lock()
        self._closing = False
        self._op: Future[Any] | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True, name="meterproof-virtual-modem-at")
        self._thread.start()

    def _compile(self) -> list[tuple[str, Any]]:
        out = []
        for step, v in self.family.commands.items():
            variants = v.values() if isinstance(v, dict) else [v]
            for cmds in variants:
                for cmd in cmds or ():
                    out.append((step, template_regex(cmd)))
        # the most specific template first: 'AT#X=0,1,"{endpoint}","{psk_identity}","{psk_key}"' before
        # 'AT#X=0,1,"{endpoint}"', which would otherwise swallow the whole PSK line as the endpoint
        out.sort(key=lambda sr: -len(sr[1].groupindex))
        return out

    # ------------------------------------------------------------------ serial side
    def _write_line(self, text: str) -> None:
        with self._wlock:
            try:
                os.write(self.master, f"\r\n{text}\r\n".encode())
            except OSError:
                pass

    def _serve(self) -> None:
        buf = b""
        while not self._closing:
            try:
                r, _, _ = select.select([self.master], [], [], 0.1)
                if not r:
                    continue
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while True:
                cut = min((i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0), default=-1)
                if cut < 0:
                    break
                line, buf = buf[:cut].decode("utf-8", "replace").strip(), buf[cut + 1:]
                if line:
                    self._command(line)

    def _command(self, line: str) -> None:
        self.received.append(line)
        if self.echo:
            with self._wlock:
                os.write(self.master, line.encode() + b"\r")
        up = line.upper()
        if up in ("AT", "ATE0", "ATE1", "ATI") or up.startswith("AT+CMEE") or line in self.family.init:
            if up == "ATE0":
                self.echo = False
            elif up == "ATE1":
                self.echo = True
            elif up == "ATI":
                self._write_line(f"meterproof virtual modem ({self.family.name} dialect)")
            self._write_line("OK")
            return
        for step, rx in self._patterns:
            m = rx.match(line)
            if m:
                self._step(step, {k: v for k, v in m.groupdict().items() if v is not None})
                return
        self._write_line("ERROR")

    # ------------------------------------------------------------------ the LwM2M client behind it
    def _step(self, step: str, values: dict[str, str]) -> None:
        if step in ("configure", "set_server", "set_endpoint", "set_credentials", "queue_mode"):
            self.settings.update(values)
            self._write_line("OK")
        elif step == "enable":
            if not self._server_uri() or not self.settings.get("endpoint"):
                self._write_line("+CME ERROR: LwM2M server or endpoint not configured")
                return
            self._write_line("OK")
            self.enabled = True
            self._spawn(self._start_meter())
        elif step == "disable":
            self._write_line("OK")
            self.enabled = False
            self._spawn(self._stop_meter(deregister=True, urc="deregistered"))
        elif step == "reboot":
            self._write_line("OK")
            self._spawn(self._reboot())
        elif step == "factory_reset":
            self._write_line("OK")
            self.settings.clear()
            self.enabled = False
            self._spawn(self._stop_meter(deregister=False, urc=None))
        elif step == "trigger_update":
            if self.meter is None:
                self._write_line("ERROR")
                return
            self._write_line("OK")
            self._spawn(self.meter.trigger_update())
        elif step == "trigger_send":
            if self.meter is None:
                self._write_line("ERROR")
                return
            self._write_line("OK")
            paths = [p for p in (values.get("paths") or "").split(",") if p.strip()]
            self._spawn(self.meter.trigger_send([p.strip() for p in paths] or None))

    def _server_uri(self) -> str | None:
        s = self.settings
        if s.get("server_uri"):
            return s["server_uri"]
        if s.get("server_host"):
            return f"coap://{s['server_host']}:{s.get('server_port') or 5683}"
        return None

    def _spawn(self, coro: Any) -> None:
        prev = self._op

        async def chained() -> Any:
            if prev is not None:   # operations on the client run one after the other, as in a module
                await asyncio.wrap_future(prev)
            return await coro

        self._op = asyncio.run_coroutine_threadsafe(chained(), self._lt.loop)

    def _urc(self, kind: str | None, fallback: str = "") -> None:
        if kind is None:
            return
        line = self.family.examples.get(kind, fallback)
        if line:
            self._write_line(line)

    async def _start_meter(self) -> None:
        from ..sim.meter import SimulatedMeter
        if self.meter is not None:
            await self._stop_meter(deregister=False, urc=None)
        lifetime = self.settings.get("lifetime")
        m = SimulatedMeter(self._server_uri() or "", self.settings["endpoint"],
                           lifetime=int(lifetime) if lifetime and lifetime.isdigit() else self.default_lifetime,
                           queue_mode=self.settings.get("queue_mode") == "1", **self.meter_options)
        self.meter = m
        try:
            await m.start()
        except Exception as exc:  # a failed registration is reported the way the module reports it
            self.meter = None
            m.endpoint.close()
            self._urc("registration_failed", f"+MPLWEV: FAILED,\"{exc}\"")
            return
        self._urc("registered")

    async def _stop_meter(self, *, deregister: bool, urc: str | None) -> None:
        m, self.meter = self.meter, None
        if m is not None:
            try:
                await m.stop(deregister=deregister)
            except Exception:
                pass
        self._urc(urc)

    async def _reboot(self) -> None:
        await self._stop_meter(deregister=False, urc=None)
        self._urc("ready")
        if self.enabled:
            await self._start_meter()

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        try:
            self._lt.run(self._stop_meter(deregister=False, urc=None), timeout=10)
        except Exception:
            pass
        self._lt.stop()
        self._thread.join(timeout=2)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> "VirtualModem":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
