"""The driver interface every kind of device under test implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


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

    def gone(self) -> str | None:
        """Why the device has ended for good (its process exited and will not be restarted), or None."""
        return None

    #: The device keeps its state between cases (a modem, a meter on the bench): what a case changed must be
    #: put back.  The simulator and the process driver start a fresh device for every case.
    persistent: bool = False
