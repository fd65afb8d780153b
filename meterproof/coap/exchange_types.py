"""What the message layer's helpers need from an endpoint, and the record of one datagram on the wire.

:mod:`.endpoint` uses :mod:`.blockwise`, :mod:`.observe` and :mod:`.raw`; they never import it.  Each states
the part of the endpoint it calls as a :class:`typing.Protocol` (:class:`Requester`, :class:`RawEndpoint` here,
``ObservingEndpoint`` in :mod:`.observe`) and :class:`~.endpoint.Endpoint` satisfies them, so the
package's imports run one way: endpoint -> blockwise / observe / raw -> exchange_types -> wire, params, transport.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Callable, Protocol

from aiocoap import Message

from . import wire
from .params import TransmissionParams
from .transport import Remote


@dataclass(slots=True)
class WireEvent:
    """One datagram seen by the endpoint, as it went over the wire."""

    direction: str            # "in" or "out"
    remote: Remote
    raw: bytes
    message: Message | None   # None when the bytes did not decode
    wall_time: float          # time.time()
    mono_time: float          # loop.time()
    problems: list[str] = field(default_factory=list)
    label: str = ""           # "retransmission", "raw", "duplicate", "rejected", ...

    @property
    def summary(self) -> str:
        if self.message is None:
            return f"<{len(self.raw)} undecodable bytes: {self.raw[:16].hex()}>"
        return wire.summary(self.message)


Listener = Callable[[WireEvent], None]


class Requester(Protocol):
    """An endpoint that sends a request and returns its response (what :mod:`.blockwise` uses)."""

    max_body: int

    def max_szx(self, remote: Remote) -> int: ...

    async def request(self, msg: Message, remote: Remote, *, confirmable: bool = True,
                      timeout: float | None = None) -> Message: ...


class RawEndpoint(Protocol):
    """An endpoint that puts raw bytes on its transport and shows every datagram to listeners (:mod:`.raw`)."""

    params: TransmissionParams
    listeners: list[Listener]
    _rng: random.Random

    @property
    def loop(self) -> asyncio.AbstractEventLoop: ...

    def next_mid(self) -> int: ...

    def send_raw(self, data: bytes, remote: Remote, *, claim: bool = True, label: str = "raw") -> None: ...
