"""The driver interface every kind of device under test implements."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class DeviceEnd:
    """The driver saw the device end or start over by itself, at once: a process that exited, a modem
    that announced a fresh boot.  ``kind`` is "crash" (the device's process ended: ``signal`` or
    ``exit_status`` says how) or "reboot" (the device started over by itself: ``detail`` is what said so)."""

    kind: str
    detail: str
    signal: str = ""                 # "SIGSEGV" when a signal ended the process
    exit_status: int | None = None   # the exit status when the process exited by itself
    at: float = field(default_factory=time.monotonic)


_END_LOCK = threading.Lock()


class TriggerUnavailable(Exception):
    """The driver cannot do this to the device (the case becomes not applicable)."""


class Driver(ABC):
    """Starts and controls one device under test.

    ``triggers`` names what the driver can make the device do besides running:
    reboot, factory-reset, trigger-update, trigger-send, set-value, ...
    """

    kind: str = "abstract"
    triggers: frozenset[str] = frozenset()
    #: how long one of the device's seconds lasts in real seconds: 1 for a real device; the simulator compresses
    #: its lifetime schedule and queue-mode window when a case asks (@dut_config(clock=...))
    clock: float = 1.0

    @abstractmethod
    def start(self, server_uri: str, endpoint: str) -> None:
        """Make the device start talking to ``server_uri`` as ``endpoint``."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the device (or leave it idle) and release its resources."""

    def trigger(self, name: str, **kwargs: Any) -> None:
        raise TriggerUnavailable(f"the {self.kind} driver cannot {name}")

    def describe(self) -> dict[str, str]:
        return {"driver": self.kind}

    def logs(self) -> str:
        """What the device and the driver said (console output, AT exchanges), secrets masked; for the report."""
        return ""

    def crashes(self) -> list[str]:
        """Every unexpected end of the device so far, oldest first, one line each ("exit status 1",
        "killed by signal SIGSEGV"); drivers that cannot tell report none."""
        return []

    def on_end(self, callback: Callable[[DeviceEnd], None]) -> Callable[[], None]:
        """Call ``callback`` (from the driver's own thread) as soon as the driver sees the device end or
        reboot by itself (:class:`DeviceEnd`); returns the function that stops the calls.  A driver that
        cannot tell never calls it.  Keep the callback short: hand the event over, do not work in it."""
        with _END_LOCK:
            listeners = self.__dict__.setdefault("_end_listeners", [])
            listeners.append(callback)

        def stop() -> None:
            with _END_LOCK:
                try:
                    listeners.remove(callback)
                except ValueError:
                    pass
        return stop

    def _ended(self, ev: DeviceEnd) -> None:
        """Tell every :meth:`on_end` listener (drivers call this, outside their own locks)."""
        with _END_LOCK:
            listeners = list(self.__dict__.get("_end_listeners", ()))
        for cb in listeners:
            cb(ev)

    def alive(self) -> bool | None:
        """Whether the device's process runs right now (None: the driver cannot tell, as for a meter on the
        bench).  With :meth:`on_end` this tells a hang (alive but silent) from a crash (ended)."""
        return None

    def gone(self) -> str | None:
        """Why the device has ended for good (its process exited and will not be restarted), or None."""
        return None

    #: The device keeps its state between cases (a modem, a meter on the bench): what a case changed must be
    #: put back.  The simulator and the process driver start a fresh device for every case.
    persistent: bool = False
