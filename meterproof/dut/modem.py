"""Driver for a cellular module whose built-in LwM2M client is configured with AT commands over a serial port.

What to send comes from the module's *family* (:mod:`.modem_family`, data in
``modem_families/*.yaml``); this module only does the serial work: open the
port with pyserial, send one command at a time and wait for its final result
code, tell unsolicited result codes (URCs) apart from responses, and keep a
transcript of every exchange, secrets masked, for the report.

Start: the family's ``init`` commands, ``disable`` (errors ignored: the client
may already be off), then ``configure`` or ``set_server``/``set_endpoint``/
``set_credentials`` (for the profile's security mode), then ``enable`` — or
``reboot`` for a module whose client starts by itself.  Stop: ``disable``.
Triggers: reboot, factory-reset, trigger-update, trigger-send (when the
family has the command) and start-registration (disable + enable).  A case
that wants queue mode (``@dut_config(queue_mode=True)``) runs when the family
has a ``queue_mode`` step (sent before enable with ``{queue_mode}`` = 1, and
= 0 for every other case), else it is not applicable.

A ``ready`` URC the driver did not cause (no start or reboot of its own in the
last two minutes) means the module reset itself: listeners of
:meth:`~.base.Driver.on_end` hear of it at once as a "reboot" (a fuzz campaign
records it without waiting for the re-registration).

``port: virtual`` in a profile runs a :class:`~.virtual_modem.VirtualModem`
(a pty with the simulator behind it) and drives it through the same code.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..errors import ConfigError
from ..profile import Security
from ..report.redact import Redactor
from .base import DeviceEnd, Driver, TriggerUnavailable
from .modem_family import ModemFamily, load_family
from .process import RingLog, fill, placeholder_values


class ModemError(Exception):
    """The module answered ERROR, or nothing, to a command."""


@dataclass
class Urc:
    at: float
    kind: str | None
    line: str


class ModemDriver(Driver):
    kind = "modem"
    persistent = True     # a modem keeps its LwM2M configuration between cases

    def __init__(self, family: str | ModemFamily, port: str, *, baud: int = 115200, command_timeout: float = 5.0,
                 security: Security | None = None, bootstrap_uri: str | None = None, lifetime: int = 86400,
                 redactor: Redactor | None = None, server_address: str | None = None,
                 serial_factory: Callable[..., Any] | None = None, log_lines: int = 4000,
                 options: Mapping[str, Any] | None = None, virtual: Mapping[str, Any] | None = None,
                 lwm2m: str = "1.1", params: Any = None, seed: int | None = None) -> None:
        self.family = load_family(family) if isinstance(family, str) else family
        self.port_name = port
        self.baud = baud
        self.command_timeout = command_timeout
        self.security = security or Security()
        self.bootstrap_uri = bootstrap_uri
        self.lifetime = lifetime
        self.server_address = server_address
        self.redactor = redactor if redactor is not None else Redactor()
        for s in self.security.secrets():
            self.redactor.add(s)
            self.redactor.add(s.hex())
        self.log = RingLog(self.redactor, log_lines)
        self._serial_factory = serial_factory
        self._virtual_opts = dict(virtual or {})
        self._lwm2m = lwm2m
        self._params = params
        self._seed = seed
        self.queue_mode = False
        if options:
            unsupported = {k: v for k, v in options.items() if v not in (None, False)}
            if "queue_mode" in unsupported and self.family.has("queue_mode"):
                self.queue_mode = bool(unsupported.pop("queue_mode"))
            if unsupported:
                raise TriggerUnavailable(f"the case needs the device started with {unsupported}; a modem's "
                                         f"client is configured by its family's commands only, and the "
                                         f"{self.family.name} family has "
                                         + ("no commands.queue_mode" if "queue_mode" in unsupported else
                                            "no command for that"))
        t: set[str] = set()
        if self.family.has("reboot"):
            t.add("reboot")
        if self.family.has("factory_reset"):
            t.add("factory-reset")
        if self.family.has("trigger_update"):
            t.add("trigger-update")
        if self.family.has("trigger_send"):
            t.add("trigger-send")
        if self.family.has("enable") and self.family.has("disable"):
            t.add("start-registration")
        self.triggers = frozenset(t)
        self.virtual: Any = None
        self.ser: Any = None
        self.urcs: list[Urc] = []
        self._cond = threading.Condition()
        self._pending: dict[str, Any] | None = None
        self._reader: threading.Thread | None = None
        self._closing = False
        self._values: dict[str, str] = {}
        self._wlock = threading.Lock()
        self._own_boots = 0             # ready URCs our own reboots still owe ...
        self._own_boot_until = 0.0      # ... until then (monotonic time)

    # ------------------------------------------------------------------ serial
    def open(self) -> None:
        if self.ser is not None:
            return
        port = self.port_name
        if port == "virtual":
            from .virtual_modem import VirtualModem
            kw: dict[str, Any] = dict(meter=self._virtual_opts.get("meter", "electricity"),
                                      defects=self._virtual_opts.get("defects", ()),
                                      variants=self._virtual_opts.get("variants", ()), lwm2m=self._lwm2m)
            if self._params is not None:
                kw["params"] = self._params
            if self._seed is not None:
                kw["seed"] = self._seed
            self.virtual = VirtualModem(self.family, **kw)
            port = self.virtual.port
        factory = self._serial_factory
        if factory is None:
            import serial   # pyserial
            factory = serial.serial_for_url
        try:
            self.ser = factory(port, baudrate=self.baud, timeout=0.05)
        except Exception as exc:
            if self.virtual is not None:
                self.virtual.close()
                self.virtual = None
            raise ConfigError(f"driver.port: cannot open {self.port_name!r}: {exc}; check the device path, that no "
                              f"other program holds it, and your permission (group dialout)") from None
        self.log.add("driver", f"opened {port} at {self.baud} baud ({self.family.name} family)")
        self._closing = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True, name="meterproof-modem-reader")
        self._reader.start()

    def _read_loop(self) -> None:
        buf = b""
        while not self._closing:
            try:
                chunk = self.ser.read(max(1, min(4096, getattr(self.ser, "in_waiting", 0) or 0)))
            except Exception as exc:  # the port went away (USB unplugged)
                if not self._closing:
                    self.log.add("driver", f"serial read failed: {exc}")
                return
            if not chunk:
                continue
            buf += chunk
            while True:
                cuts = [i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0]
                if not cuts:
                    break
                line, buf = buf[:min(cuts)], buf[min(cuts) + 1:]
                text = line.decode("utf-8", "replace").strip()
                if text:
                    self._line(text)

    def _line(self, text: str) -> None:
        with self._cond:
            unasked_boot = self._take_line(text)
        if unasked_boot:
            # a boot nobody asked for: the module (or its LwM2M client) reset itself (a crash, a watchdog)
            self.log.add("driver", "the module rebooted by itself")
            self._ended(DeviceEnd("reboot", f"the module announced a fresh boot ({self.redactor.text(text)})"))

    def _take_line(self, text: str) -> bool:
        """File one line (under ``_cond``); True when it is a ready URC no start or reboot of ours explains."""
        p = self._pending
        if p is not None and text == p["cmd"] and not p["lines"]:
            return False   # the module's echo of our command
        kind = self.family.urc_kind(text)
        if kind is not None or p is None:
            self.log.add("urc" if kind else "<<", text)
            self.urcs.append(Urc(time.monotonic(), kind, text))
            self._cond.notify_all()
            if kind != "ready":
                return False
            if self._own_boots > 0 and time.monotonic() < self._own_boot_until:
                self._own_boots -= 1
                return False
            self._own_boots = 0
            return True
        self.log.add("<<", text)
        if self.family.ok.search(text):
            p["result"] = "OK"
        elif self.family.error.search(text):
            p["result"] = text
        else:
            p["lines"].append(text)
        self._cond.notify_all()
        return False

    def send(self, cmd: str, timeout: float | None = None) -> list[str]:
        """Send one command and wait for its final result code; the information lines, or ModemError."""
        if self.ser is None:
            raise ModemError("the serial port is not open")
        timeout = timeout or self.command_timeout
        with self._wlock:
            with self._cond:
                self._pending = {"cmd": cmd, "lines": [], "result": None}
            self.log.add(">>", cmd)
            self.ser.write((cmd + self.family.line_ending).encode())
            self.ser.flush()
            deadline = time.monotonic() + timeout
            with self._cond:
                try:
                    while self._pending["result"] is None:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            self.log.add("driver", f"no final result code within {timeout:g}s")
                            raise ModemError(f"{self.redactor.text(cmd)}: no answer within {timeout:g}s")
                        self._cond.wait(left)
                    result, lines = self._pending["result"], self._pending["lines"]
                finally:
                    self._pending = None
        if result != "OK":
            raise ModemError(f"{self.redactor.text(cmd)}: {result}")
        return lines

    def wait_urc(self, kind: str, *, since: float = 0.0, timeout: float = 10.0) -> Urc:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for u in self.urcs:
                    if u.at >= since and u.kind == kind:
                        return u
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ModemError(f"no {kind} URC within {timeout:g}s")
                self._cond.wait(left)

    #: how long after a reboot command of ours the module's ready URC is still taken as its answer
    OWN_BOOT_WINDOW = 120.0

    def _expect_boot(self) -> None:
        """A reboot of ours is on its way: the next ready URC is its answer, not a reset by itself."""
        with self._cond:
            self._own_boots += 1
            self._own_boot_until = time.monotonic() + self.OWN_BOOT_WINDOW

    def _run_step(self, step: str, *, required: bool = False, ignore_errors: bool = False,
                  extra: Mapping[str, str] | None = None) -> bool:
        cmds = self.family.step(step, self.security.mode)
        if not cmds:
            if required:
                raise ConfigError(f"modem family {self.family.name}: commands.{step} is not described; fill it in "
                                  f"from the module's AT manual ({self.family.path})")
            return False
        for c in cmds:
            line = fill(c, {**self._values, **(extra or {})}, f"modem family {self.family.name}: commands.{step}")
            try:
                self.send(line)
            except ModemError:
                if not ignore_errors:
                    raise
        return True

    # ------------------------------------------------------------------ Driver
    def start(self, server_uri: str, endpoint: str) -> None:
        self._values = placeholder_values(server_uri, endpoint, self.security, self.bootstrap_uri,
                                          self.server_address, lifetime=str(self.lifetime),
                                          queue_mode="1" if self.queue_mode else "0", paths="")
        self.open()
        try:
            for c in self.family.init:
                self.send(c)
            self._run_step("disable", ignore_errors=True)
            configured = self._run_step("configure")
            for step in ("set_server", "set_endpoint", "set_credentials"):
                configured = self._run_step(step) or configured
            if not configured:
                self.log.add("driver", "the family has no configuration commands: the module keeps the server "
                                       "and endpoint the lab provisioned")
            self._run_step("queue_mode")
            if not self._run_step("enable"):
                self._expect_boot()
                if not self._run_step("reboot"):
                    self.log.add("driver", "the family has no enable or reboot command: waiting for the module to "
                                           "register by itself")
        except ModemError as exc:
            raise RuntimeError(f"modem ({self.family.name}) on {self.port_name}: {exc}") from None

    def stop(self) -> None:
        if self.ser is not None:
            try:
                self._run_step("disable", ignore_errors=True)
            except Exception:
                pass
            self._closing = True
            if self._reader is not None:
                self._reader.join(timeout=2)
            try:
                self.ser.close()
            except Exception:
                pass
            self.ser = None
            self.log.add("driver", "port closed")
        if self.virtual is not None:
            self.virtual.close()
            self.virtual = None

    def trigger(self, name: str, **kwargs: Any) -> None:
        if name not in self.triggers:
            raise TriggerUnavailable(f"the {self.family.name} modem family has no command for '{name}'")
        try:
            if name == "reboot":
                self._expect_boot()
                self._run_step("reboot", required=True)
            elif name == "factory-reset":
                self._expect_boot()
                self._run_step("factory_reset", required=True)
            elif name == "trigger-update":
                self._run_step("trigger_update", required=True)
            elif name == "trigger-send":
                paths = kwargs.get("paths")
                if paths and not any("{paths}" in c for c in self.family.step("trigger_send", self.security.mode)
                                     or ()):
                    raise TriggerUnavailable(f"the case asks for a Send of {list(paths)}, and the "
                                             f"{self.family.name} family's commands.trigger_send takes no {{paths}}")
                self._run_step("trigger_send", required=True, extra={"paths": ",".join(paths or ())})
            elif name == "start-registration":
                self._run_step("disable", required=True)
                self._run_step("enable", required=True)
        except ModemError as exc:
            raise RuntimeError(f"modem ({self.family.name}): {exc}") from None

    def logs(self) -> str:
        return self.log.text()

    def describe(self) -> dict[str, str]:
        return {"driver": self.kind, "family": self.family.name, "port": self.port_name, "baud": str(self.baud)}
