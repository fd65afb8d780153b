"""Driver for a meter an operator handles: powers it, presses its buttons, reads its display.

The profile's ``driver.prompts`` say what to ask for each step (``start``,
``stop``) and each trigger the operator can perform (``reboot``,
``power-cycle``, ``factory-reset``, ...).  A prompt is written to the
operator's terminal and waits for Enter, for at most ``timeout`` seconds.

In a non-interactive run (no terminal, or ``CI=true``) nobody can answer:
``start`` only logs the instructions (the meter must already be configured to
reach the harness at a fixed ``--server-address``), and every trigger raises
:class:`~.base.TriggerUnavailable`, so the cases that need a hand are *not
applicable*, with the reason, never failed.
"""

from __future__ import annotations

import os
import select
import sys
import time
from typing import Any, Mapping, TextIO

from ..profile import Security
from .base import Driver, TriggerUnavailable
from .process import RingLog, fill, placeholder_values
from ..report.redact import Redactor

DEFAULT_START = ("Configure the meter to register with {server_uri} as endpoint '{endpoint}', then power it on "
                 "(or reset it) so it registers now.")


def non_interactive_reason(env: Mapping[str, str] | None = None, stdin: Any = None) -> str | None:
    """Why nobody can answer a prompt in this run (None when an operator can)."""
    env = os.environ if env is None else env
    if env.get("CI", "").lower() in ("1", "true", "yes"):
        return "this is a CI run (CI=true) and nobody is there to act on the meter"
    if env.get("METERPROOF_NON_INTERACTIVE", "").lower() in ("1", "true", "yes"):
        return "the run is non-interactive (METERPROOF_NON_INTERACTIVE)"
    if stdin is not None:
        return None if _isatty(stdin) else "the run has no terminal for the operator to answer on"
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return "the run has no terminal for the operator to answer on"
    os.close(fd)
    return None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class ManualDriver(Driver):
    kind = "manual"
    persistent = True     # the operator's meter keeps what a case wrote

    def __init__(self, prompts: Mapping[str, str] | None = None, *, timeout: float = 300.0,
                 security: Security | None = None, bootstrap_uri: str | None = None,
                 server_address: str | None = None, interactive: bool | None = None,
                 input_stream: TextIO | None = None, output_stream: TextIO | None = None,
                 env: Mapping[str, str] | None = None, redactor: Redactor | None = None) -> None:
        self.prompts = dict(prompts or {})
        self.timeout = timeout
        self.security = security or Security()
        self.bootstrap_uri = bootstrap_uri
        self.server_address = server_address
        self.triggers = frozenset(k for k in self.prompts if k not in ("start", "stop"))
        self._in, self._out = input_stream, output_stream
        if interactive is None:
            self.why_not = non_interactive_reason(env, input_stream)
        else:
            self.why_not = None if interactive else "the run is non-interactive"
        self.log = RingLog(redactor if redactor is not None else Redactor())
        self._values: dict[str, str] = {}

    @property
    def interactive(self) -> bool:
        return self.why_not is None

    def _streams(self) -> tuple[TextIO, TextIO, Any]:
        if self._in is not None:
            return self._in, self._out or sys.stderr, None
        tty = open("/dev/tty", "r+", buffering=1, encoding="utf-8")   # pytest captures stdin/stdout, not the tty
        return tty, tty, tty

    def ask(self, step: str, text: str) -> None:
        """Show one instruction and wait for the operator's Enter (TriggerUnavailable on timeout or 'n')."""
        if not self.interactive:
            raise TriggerUnavailable(f"'{step}' needs an operator ({text}), and {self.why_not}")
        inp, out, owned = self._streams()
        try:
            out.write(f"\n[meterproof] {step}: {text}\n[meterproof] press Enter when done, or type n and Enter if "
                      f"it cannot be done ({self.timeout:g}s): ")
            out.flush()
            self.log.add("prompt", f"{step}: {text}")
            t0 = time.monotonic()
            answer = self._readline(inp, self.timeout)
            if answer is None:
                self.log.add("driver", f"no answer within {self.timeout:g}s")
                raise TriggerUnavailable(f"the operator did not confirm '{step}' within {self.timeout:g}s")
            self.log.add("answer", f"{answer.strip()!r} after {time.monotonic() - t0:.1f}s")
            if answer.strip().lower() in ("n", "no"):
                raise TriggerUnavailable(f"the operator could not do '{step}'")
        finally:
            if owned is not None:
                owned.close()

    @staticmethod
    def _readline(stream: TextIO, timeout: float) -> str | None:
        """One line from the operator, or None after ``timeout`` (unbuffered, so no answer is read ahead)."""
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            line = stream.readline()
            return line if line else None
        deadline = time.monotonic() + timeout
        got = b""
        while not got.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                return None
            ch = os.read(fd, 1)
            if not ch:
                return got.decode("utf-8", "replace") if got else None
            got += ch
        return got.decode("utf-8", "replace")

    def start(self, server_uri: str, endpoint: str) -> None:
        self._values = placeholder_values(server_uri, endpoint, self.security, self.bootstrap_uri,
                                          self.server_address)
        text = fill(self.prompts.get("start", DEFAULT_START), self._values, "driver.prompts.start")
        if self.interactive:
            self.ask("start", text)
        else:
            self.log.add("driver", f"not interactive ({self.why_not}); the meter must register by itself: {text}")

    def stop(self) -> None:
        if "stop" in self.prompts and self.interactive:
            try:
                self.ask("stop", fill(self.prompts["stop"], self._values, "driver.prompts.stop"))
            except TriggerUnavailable:
                pass

    def trigger(self, name: str, **kwargs: Any) -> None:
        if name not in self.prompts:
            raise TriggerUnavailable(f"the manual driver has no prompt for '{name}' (driver.prompts.{name})")
        self.ask(name, fill(self.prompts[name], self._values, f"driver.prompts.{name}"))

    def logs(self) -> str:
        return self.log.text()

    def describe(self) -> dict[str, str]:
        return {"driver": self.kind, "interactive": "yes" if self.interactive else f"no ({self.why_not})"}
