"""Driver for any LwM2M client that runs as a program: a vendor's client binary, Wakaama's or Anjay's demo
client, an npm package, or ``meterproof simulate`` itself.

The profile gives the command line as a template::

    driver:
      type: process
      command: lwm2mclient -h {server_host} -p {server_port} -n {endpoint} -i {psk_identity} -s {psk_key}

It is split with :func:`shlex.split` *before* the placeholders are filled, and
run without a shell, so a value with spaces or quotes stays one argument and
cannot inject anything.  Placeholders: ``{server_uri}``, ``{server_host}``,
``{server_port}``, ``{endpoint}``, ``{psk_identity}``, ``{psk_key}`` (hex),
``{bootstrap_uri}``, ``{state_dir}`` (a private folder per device start,
wiped by factory-reset).

stdout and stderr go to a ring buffer, line by line, secrets masked by a
:class:`~meterproof.report.redact.Redactor` as they arrive, so the buffer can
be attached to a report as is.  A client that dies while it should run is
restarted (``max_restarts`` times, counted in :attr:`ProcessDriver.restarts`).
Stopping sends SIGTERM to the client's process group and SIGKILL after
``stop_timeout`` seconds.  Triggers: reboot and start-registration restart the
client gracefully, power-cycle kills it and starts it again, factory-reset also
wipes ``{state_dir}``; the profile may map other triggers to a line on the
client's stdin, a signal, or a side command.
"""

from __future__ import annotations

import collections
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from typing import Any, Mapping
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..profile import Security
from ..report.redact import Redactor
from .base import DeviceEnd, Driver, TriggerUnavailable

BUILTIN_TRIGGERS = frozenset({"reboot", "power-cycle", "factory-reset", "start-registration"})


def server_parts(server_uri: str, override: str | None = None) -> tuple[str, str, int]:
    """(uri, host, port) the device must use; ``override`` (HOST[:PORT]) replaces where the harness listens."""
    parts = urlsplit(server_uri)
    scheme = parts.scheme or "coap"
    host, port = parts.hostname or "127.0.0.1", parts.port or (5684 if scheme.endswith("s") else 5683)
    if override:
        h, sep, p = override.rpartition(":")
        if sep and p.isdigit() and not override.endswith("]"):
            host, port = h.strip("[]"), int(p)
        else:
            host = override.strip("[]")
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}", host, port


def placeholder_values(server_uri: str, endpoint: str, security: Security, bootstrap_uri: str | None,
                       override: str | None = None, **extra: str) -> dict[str, str]:
    uri, host, port = server_parts(server_uri, override)
    ident = security.identity_for(endpoint)
    bs_uri, bs_host, bs_port = server_parts(bootstrap_uri, override) if bootstrap_uri else ("", "", "")
    return {"server_uri": uri, "server_host": host, "server_port": str(port), "endpoint": endpoint,
            "psk_identity": ident or "", "psk_key": security.psk_key.hex() if security.psk_key else "",
            "bootstrap_uri": bs_uri, "bootstrap_host": bs_host, "bootstrap_port": str(bs_port), **extra}


def fill(template: str, values: Mapping[str, str], what: str) -> str:
    try:
        return template.format_map(values)
    except KeyError as exc:
        raise ConfigError(f"{what}: unknown placeholder {{{exc.args[0]}}} in {template!r}") from None


def exit_description(code: int) -> str:
    """``-11`` -> "killed by signal SIGSEGV (-11)"; ``3`` -> "exit status 3" (subprocess return codes)."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by signal {name} ({code})"
    return f"exit status {code}"


def exit_event(code: int) -> DeviceEnd:
    """The :class:`~.base.DeviceEnd` of a client process that ended with subprocess return code ``code``."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return DeviceEnd("crash", exit_description(code), signal=name)
    return DeviceEnd("crash", exit_description(code), exit_status=code)


class RingLog:
    """The last ``maxlen`` lines of a device's output and of the driver's own actions, already redacted."""

    def __init__(self, redactor: Redactor, maxlen: int = 2000) -> None:
        self.redactor = redactor
        self.lines: collections.deque[str] = collections.deque(maxlen=maxlen)
        self._t0 = time.monotonic()
        self._lock = threading.Lock()

    def add(self, stream: str, text: str) -> None:
        line = f"{time.monotonic() - self._t0:9.3f} {stream:<6} {self.redactor.text(text.rstrip())}"
        with self._lock:
            self.lines.append(line)

    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines) + ("\n" if self.lines else "")

    def __len__(self) -> int:
        return len(self.lines)


#: every client process group a ProcessDriver started and has not yet seen end (pid -> process)
_LIVE: dict[int, "subprocess.Popen[bytes]"] = {}
_LIVE_LOCK = threading.Lock()
_ENDED: set[int] = set()     # pids end_all() ended: their drivers must not restart them as crashed
_ATEXIT = False


def _track(proc: "subprocess.Popen[bytes]") -> None:
    global _ATEXIT
    with _LIVE_LOCK:
        _LIVE[proc.pid] = proc
        if not _ATEXIT:
            import atexit
            atexit.register(end_all)
            _ATEXIT = True


def _untrack(proc: "subprocess.Popen[bytes]") -> None:
    with _LIVE_LOCK:
        _LIVE.pop(proc.pid, None)


def live() -> set[int]:
    """The pids of the client processes started here and still running."""
    with _LIVE_LOCK:
        return {pid for pid, p in _LIVE.items() if p.poll() is None}


def end_all(timeout: float = 3.0, keep: set[int] = frozenset()) -> list[int]:  # type: ignore[assignment]
    """End every client process group still running (a run that ends, is interrupted or is told to stop),
    except those in ``keep``: SIGTERM to each group, SIGKILL to the groups still there after ``timeout``.
    Returns the pids ended."""
    with _LIVE_LOCK:
        procs = [p for pid, p in _LIVE.items() if p.poll() is None and pid not in keep]
        for p in procs:
            _LIVE.pop(p.pid, None)
            _ENDED.add(p.pid)
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        try:       # the whole group: a client's own children (a shell's program) end with it
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return [p.pid for p in procs]


class ProcessDriver(Driver):
    kind = "process"

    def __init__(self, command: str, *, security: Security | None = None, bootstrap_uri: str | None = None,
                 cwd: str | None = None, env: Mapping[str, str] | None = None, stop_timeout: float = 5.0,
                 restart_on_crash: bool = True, max_restarts: int = 3, log_lines: int = 2000,
                 case_options: Mapping[str, list[str]] | None = None,
                 triggers: Mapping[str, Mapping[str, str]] | None = None, options: Mapping[str, Any] | None = None,
                 redactor: Redactor | None = None, server_address: str | None = None,
                 seed: int | None = None) -> None:
        try:
            self.argv_template = shlex.split(command)
        except ValueError as exc:
            raise ConfigError(f"driver.command: not a command line ({exc})") from None
        if not self.argv_template:
            raise ConfigError("driver.command: is empty")
        self.command = command
        self.security = security or Security()
        self.bootstrap_uri = bootstrap_uri
        self.cwd = cwd
        self.env = dict(env or {})
        if seed is not None:   # the run's seed, for a client that takes one (`meterproof simulate` reads it)
            self.env.setdefault("METERPROOF_SEED", str(seed))
        self.stop_timeout = stop_timeout
        self.restart_on_crash = restart_on_crash
        self.max_restarts = max_restarts
        self.server_address = server_address
        self.extra_triggers = {k: dict(v) for k, v in (triggers or {}).items()}
        self.triggers = BUILTIN_TRIGGERS | frozenset(self.extra_triggers)
        self.redactor = redactor if redactor is not None else Redactor()
        for s in self.security.secrets():
            self.redactor.add(s)
            self.redactor.add(s.hex())
        self.log = RingLog(self.redactor, log_lines)
        self.extra_args = self._case_args(case_options or {}, options or {})
        self.restarts = 0
        self.starts = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.state_dir: str | None = None
        self._values: dict[str, str] = {}
        self._lock = threading.RLock()
        self._running = False          # the client should be running (a death is a crash)
        self._threads: list[threading.Thread] = []
        self.exits: list[int] = []     # exit codes of every client process that ended
        self._crashes: list[str] = []  # unexpected ends, described (exit status or signal)

    # ------------------------------------------------------------------ configuration
    @staticmethod
    def _case_args(case_options: Mapping[str, list[str]], options: Mapping[str, Any]) -> list[str]:
        args: list[str] = []
        for k, v in options.items():
            if k not in case_options:
                raise TriggerUnavailable(f"the case needs the device started with {k}={v!r}, and the profile's "
                                         f"process driver has no driver.case_options.{k} to do it")
            if v is False or v is None:
                continue
            args += [a.replace("{value}", str(v)) for a in case_options[k]]
        return args

    def argv(self) -> list[str]:
        return [fill(a, self._values, "driver.command") for a in self.argv_template] + self.extra_args

    # ------------------------------------------------------------------ lifecycle
    def start(self, server_uri: str, endpoint: str) -> None:
        with self._lock:
            if self.state_dir is None:
                self.state_dir = tempfile.mkdtemp(prefix="meterproof-dut-")
            self._values = placeholder_values(server_uri, endpoint, self.security, self.bootstrap_uri,
                                              self.server_address, state_dir=self.state_dir)
            if "{bootstrap_uri}" in self.command and not self.bootstrap_uri:
                raise ConfigError("driver.command uses {bootstrap_uri} but this run has no Bootstrap-Server")
            self._running = True
            self._spawn()

    def _spawn(self) -> None:
        argv = self.argv()
        env = {**os.environ, **self.env}
        self.log.add("driver", f"start: {shlex.join(argv)}")
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    cwd=self.cwd, env=env, start_new_session=True)
        except OSError as exc:
            self._running = False
            self.log.add("driver", f"cannot start: {exc}")
            raise ConfigError(f"driver.command: cannot start {argv[0]!r}: {exc.strerror or exc}") from None
        self.proc = proc
        _track(proc)
        self.starts += 1
        self.log.add("driver", f"pid {proc.pid}")
        for stream, name in ((proc.stdout, "stdout"), (proc.stderr, "stderr")):
            t = threading.Thread(target=self._pump, args=(stream, name), daemon=True,
                                 name=f"meterproof-{name}-{proc.pid}")
            t.start()
            self._threads.append(t)
        w = threading.Thread(target=self._watch, args=(proc,), daemon=True, name=f"meterproof-watch-{proc.pid}")
        w.start()
        self._threads.append(w)

    def _pump(self, stream: Any, name: str) -> None:
        try:
            for raw in iter(stream.readline, b""):
                self.log.add(name, raw.decode("utf-8", "replace"))
        except (OSError, ValueError):
            pass

    def _watch(self, proc: subprocess.Popen[bytes]) -> None:
        code = proc.wait()
        _untrack(proc)
        with self._lock:
            self.exits.append(code)
            if proc is not self.proc or not self._running or proc.pid in _ENDED:
                return
            self._crashes.append(exit_description(code))
            self.log.add("driver", f"client exited unexpectedly: {exit_description(code)}")
        # the listeners (a fuzz campaign) hear of it before any restart: the campaign stops waiting at once
        self._ended(exit_event(code))
        with self._lock:
            if proc is not self.proc or not self._running:
                return                    # stopped or restarted by someone else meanwhile
            if not self.restart_on_crash or self.restarts >= self.max_restarts:
                self.log.add("driver", f"not restarted ({self.restarts} restarts of at most {self.max_restarts})")
                self._running = False
                return
            self.restarts += 1
            self.log.add("driver", f"restart {self.restarts} of at most {self.max_restarts}")
            try:
                self._spawn()
            except ConfigError:
                pass

    def _terminate(self, kill: bool = False) -> None:
        """End the current client process group: SIGTERM (or SIGKILL), then SIGKILL after the timeout."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        sig = signal.SIGKILL if kill else signal.SIGTERM
        self.log.add("driver", f"{sig.name} to pid {proc.pid}")
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.log.add("driver", f"pid {proc.pid} still running after {self.stop_timeout:g}s: SIGKILL")
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)

    def _close_pipes(self) -> None:
        proc = self.proc
        if proc is None:
            return
        for t in self._threads:
            t.join(timeout=2)
        self._threads = [t for t in self._threads if t.is_alive()]
        for s in (proc.stdin, proc.stdout, proc.stderr):
            try:
                if s is not None:
                    s.close()
            except OSError:
                pass

    def stop(self) -> None:
        with self._lock:
            self._running = False
            self._terminate()
        self._close_pipes()
        if self.proc is not None and self.proc.returncode is not None:
            self.log.add("driver", f"stopped (exit status {self.proc.returncode})")
        if self.state_dir is not None:
            shutil.rmtree(self.state_dir, ignore_errors=True)
            self.state_dir = None

    def _restart(self, *, kill: bool = False, wipe: bool = False) -> None:
        with self._lock:
            if not self._values:
                raise TriggerUnavailable("the client has not been started")
            self._running = False
            self._terminate(kill=kill)
            if wipe and self.state_dir:
                shutil.rmtree(self.state_dir, ignore_errors=True)
                os.makedirs(self.state_dir, exist_ok=True)
                self.log.add("driver", "state folder wiped (factory reset)")
            self._running = True
            self._spawn()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def alive(self) -> bool | None:
        return self.running

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    # ------------------------------------------------------------------ triggers
    def _trigger_values(self, name: str, kind: str, arg: str, kwargs: Mapping[str, Any]) -> dict[str, str]:
        """The placeholders of a mapped trigger: the command's, plus what the case asks for.

        ``{paths}`` (trigger-send: the paths to send, space-separated), ``{path}`` and ``{value}``
        (set-value).  A case that asks for paths or a value the mapping has no placeholder for cannot be run
        faithfully through it: not applicable."""
        values = dict(self._values)
        paths = kwargs.get("paths")
        values["paths"] = " ".join(str(p) for p in paths) if paths else ""
        values["path"] = str(kwargs.get("path", ""))
        value = kwargs.get("value", "")
        values["value"] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        text = arg if kind in ("stdin", "command") else ""
        needs = [k for k in ("paths", "path", "value")
                 if (kwargs.get(k) not in (None, "", [], ())) and "{" + k + "}" not in text]
        if needs:
            raise TriggerUnavailable(f"the case asks '{name}' for {', '.join(needs)}, and driver.triggers.{name} "
                                     f"has no {', '.join('{' + k + '}' for k in needs)} placeholder to pass it")
        return values

    def trigger(self, name: str, **kwargs: Any) -> None:
        action = self.extra_triggers.get(name)
        if action is None:
            if name in ("reboot", "start-registration"):
                self._restart()
            elif name == "power-cycle":
                self._restart(kill=True)
            elif name == "factory-reset":
                self._restart(wipe=True)
            else:
                raise TriggerUnavailable(f"the process driver has no '{name}' trigger; map it in the profile's "
                                         f"driver.triggers (stdin, signal or command)")
            return
        kind, arg = next(iter(action.items()))
        values = self._trigger_values(name, kind, arg, kwargs)
        self.log.add("driver", f"trigger {name}: {kind} {arg}".rstrip())
        if kind == "restart":
            self._restart()
        elif kind == "kill":
            self._restart(kill=True)
        elif kind == "wipe_state":
            self._restart(wipe=True)
        elif kind == "stdin":
            proc = self.proc
            if proc is None or proc.stdin is None or proc.poll() is not None:
                raise TriggerUnavailable("the client is not running")
            line = " ".join(fill(arg, values, f"driver.triggers.{name}").split())
            try:
                proc.stdin.write((line + "\n").encode())
                proc.stdin.flush()
            except OSError as exc:
                raise TriggerUnavailable(f"cannot write to the client's stdin: {exc}") from None
        elif kind == "signal":
            if self.proc is None or self.proc.poll() is not None:
                raise TriggerUnavailable("the client is not running")
            os.kill(self.proc.pid, getattr(signal, arg))
        elif kind == "command":
            argv = [fill(a, values, f"driver.triggers.{name}") for a in shlex.split(arg)]
            res = subprocess.run(argv, capture_output=True, timeout=60, cwd=self.cwd, env={**os.environ, **self.env})
            for line in (res.stdout + res.stderr).decode("utf-8", "replace").splitlines():
                self.log.add(name, line)
            if res.returncode != 0:
                raise TriggerUnavailable(f"the '{name}' command exited with status {res.returncode}")

    # ------------------------------------------------------------------ report
    def crashes(self) -> list[str]:
        with self._lock:
            return list(self._crashes)

    def gone(self) -> str | None:
        with self._lock:
            if self._running or not self._crashes:
                return None
            return f"its process ended ({self._crashes[-1]}) and was not restarted"

    def logs(self) -> str:
        return self.log.text()

    def describe(self) -> dict[str, str]:
        return {"driver": self.kind, "command": self.redactor.text(self.command), "restarts": str(self.restarts),
                "starts": str(self.starts)}


def from_profile_options(opts: Mapping[str, Any], *, security: Security, options: Mapping[str, Any],
                         redactor: Redactor | None = None, bootstrap_uri: str | None = None,
                         seed: int | None = None) -> ProcessDriver:
    """Build the driver from a validated profile's ``driver_options``."""
    return ProcessDriver(opts["command"], security=security, bootstrap_uri=bootstrap_uri, cwd=opts.get("cwd"),
                         env=opts.get("env"), stop_timeout=opts.get("stop_timeout", 5.0),
                         restart_on_crash=opts.get("restart_on_crash", True),
                         max_restarts=opts.get("max_restarts", 3), log_lines=opts.get("log_lines", 2000),
                         case_options=opts.get("case_options"), triggers=opts.get("triggers"), options=options,
                         redactor=redactor, server_address=opts.get("server_address"), seed=seed)


