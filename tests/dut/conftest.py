"""Shared rig for the driver tests: the harness's LwM2M Server on loopback, and `meterproof simulate` on PATH."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import pytest

from meterproof.coap.params import LOOPBACK
from meterproof.coap.transport import UdpTransport
from meterproof.lwm2m.sync import LoopThread, SyncServer

BIN = str(Path(sys.executable).parent)


@pytest.fixture(scope="module")
def server() -> Iterator[SyncServer]:
    lt = LoopThread()
    srv = SyncServer.start(lt, transport=UdpTransport("127.0.0.1", 0), params=LOOPBACK)
    yield srv
    srv.close()
    lt.stop()


@pytest.fixture(autouse=True)
def _venv_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process driver runs `meterproof simulate` the way a user does: from PATH."""
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))
