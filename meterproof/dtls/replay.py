"""Replay of a protected DTLS record toward the peer, and what the peer answers to one CoAP exchange.

RFC 6347 §4.1.2.6 (anti-replay): a DTLS receiver keeps a window of the sequence numbers it has seen and
discards a record whose number it has seen before or that lies left of the window.  An on-path attacker that
copies a record and sends it again is what the window is for; the harness plays that attacker from its own
socket (the copy leaves from the Server's address, which is what an on-path relay would spoof), so no device
configuration is needed to place it.

* :class:`RecordReplayer` -- a socket tap on the harness's DTLS transport: once armed, it keeps the next
  protected (epoch >= 1) application-data datagram that goes to the device, byte for byte, and puts it on the
  socket again on request (:meth:`replay`, without any encryption: the identical record);
* :class:`ExchangeWatch` -- an endpoint listener that finds one request of ours (by its Uri-Path) and counts
  how often it went out and how many answers to it came back (the ACK echoing its Message ID or a response
  with its token, RFC 7252 §4.2, §5.3.2).

Everything here runs on the event loop thread; the tap and the listener only record.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from ..coap.exchange_types import WireEvent
from . import records as rec


@dataclass(frozen=True, slots=True)
class SeenRecord:
    """One protected record as it crossed the socket: its epoch and sequence number (RFC 6347 §4.1)."""

    direction: str      # "out" (harness -> device) or "in"
    epoch: int
    seq: int
    length: int
    at: float           # the loop's clock

    def line(self) -> str:
        return f"{self.direction} epoch {self.epoch} seq {self.seq} ({self.length} bytes)"


@dataclass
class RecordReplayer:
    """Copies the next protected application-data datagram toward ``peer`` and sends it again on demand."""

    transport: Any                              # a SocketTransport with ``taps`` and ``send_record``
    peer: tuple[str, int]
    loop_time: Any = None                       # a clock (the loop's time) for the evidence
    captured: bytes | None = None
    captured_records: list[SeenRecord] = field(default_factory=list)
    captured_at: float = 0.0
    replays: list[float] = field(default_factory=list)
    #: Protected records from the device after the capture (evidence only: they cannot be read here).
    incoming: list[SeenRecord] = field(default_factory=list)
    _armed: bool = False
    _got: threading.Event = field(default_factory=threading.Event)

    def attach(self) -> None:
        self.transport.taps.append(self._tap)

    def detach(self) -> None:
        try:
            self.transport.taps.remove(self._tap)
        except ValueError:
            pass

    def arm(self) -> None:
        """Keep the next protected application-data datagram that goes to the peer."""
        self.captured, self._armed = None, True
        self._got.clear()

    def wait_captured(self, timeout: float) -> bool:
        """Wait (from another thread) until a datagram was kept."""
        return self._got.wait(timeout)

    def replay(self) -> None:
        """Put the kept datagram on the socket again, unchanged (loop thread)."""
        if self.captured is None:
            raise RuntimeError("nothing captured to replay")
        self.replays.append(self._now())
        self.transport.send_record(self.captured, self.peer)

    def _now(self) -> float:
        return float(self.loop_time()) if self.loop_time is not None else 0.0

    def _tap(self, direction: str, data: bytes, peer: tuple[str, int], local: tuple[str, int]) -> None:
        if (peer[0], peer[1]) != self.peer:
            return
        records, _ = rec.split_records(data)
        protected = [r for r in records if r.epoch >= 1 and r.content_type == rec.APPLICATION_DATA]
        if not protected:
            return
        seen = [SeenRecord(direction, r.epoch, r.seq, r.raw_len, self._now()) for r in protected]
        if direction == "out" and self._armed:
            self._armed = False
            self.captured = bytes(data)
            self.captured_records, self.captured_at = seen, self._now()
            self._got.set()
        elif direction == "in" and self.captured is not None:
            self.incoming.extend(seen)

    def evidence(self) -> dict[str, Any]:
        return {"replayed datagram": [r.line() for r in self.captured_records],
                "replayed at (loop time)": [round(t, 3) for t in self.replays],
                "protected records from the device after the capture": [r.line() for r in self.incoming]}


@dataclass
class ExchangeWatch:
    """Counts the transmissions of our request to ``path`` (the first one after :meth:`arm`) and the answers."""

    path: str
    mid: int | None = None
    token: bytes | None = None
    sent: int = 0
    answers: list[tuple[float, str]] = field(default_factory=list)     # (loop time, summary)
    _armed: bool = False

    def arm(self) -> None:
        self.mid = self.token = None
        self.sent, self.answers, self._armed = 0, [], True

    def __call__(self, ev: WireEvent) -> None:
        msg = ev.message
        if msg is None:
            return
        if ev.direction == "out":
            if self._armed and msg.code.is_request() and "/" + "/".join(msg.opt.uri_path) == self.path:
                self._armed, self.mid, self.token = False, msg.mid, bytes(msg.token)
            if self.mid is not None and msg.mid == self.mid and msg.code.is_request():
                self.sent += 1
            return
        if self.mid is None:
            return
        if (msg.mid == self.mid and not msg.code.is_request()) or \
                (msg.code.is_response() and bytes(msg.token) == self.token):
            self.answers.append((ev.mono_time, f"{ev.message.code} mid {msg.mid}"))

    def answers_after(self, t: float) -> list[str]:
        return [s for at, s in self.answers if at >= t]


__all__ = ["ExchangeWatch", "RecordReplayer", "SeenRecord"]
