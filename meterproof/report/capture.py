"""A case's capture: every datagram that crossed the harness's socket, as a pcap and (DTLS) a record summary.

A :class:`Capture` taps a :class:`~meterproof.coap.transport.SocketTransport` (``taps``) for the duration of
one case.  It keeps what a capture on the interface would hold: plain CoAP over UDP, or the DTLS records
(the handshake in clear, application data encrypted), which :mod:`.evidence` writes as a pcap for Wireshark;
:meth:`Capture.record_summary` decodes the DTLS records (content type, epoch, handshake message, alert) one
line per datagram, since nobody can read the encrypted part without the keys, and the keys are never written.

Secrets: a capture holds what went over the wire and nothing else.  A PSK or a private key never crosses
the wire in DTLS, but a nosec run's Bootstrap-Write carries keys in clear: whoever writes a capture masks it
with the run's redactor first (:func:`meterproof.report.evidence.write_case_evidence`).
"""

from __future__ import annotations

import time
from typing import Any

from ..dtls import records as rec
from .pcap import Datagram


#: A capture keeps at most this many datagrams (a fuzz campaign sends far more; the first ones tell the story).
MAX_DATAGRAMS = 20000


class Capture:
    def __init__(self) -> None:
        self.datagrams: list[Datagram] = []
        self._transports: list[Any] = []

    def _tap(self, direction: str, data: bytes, peer: tuple[str, int], local: tuple[str, int]) -> None:
        if len(self.datagrams) >= MAX_DATAGRAMS:
            return
        src, dst = (local, peer) if direction == "out" else (peer, local)
        self.datagrams.append(Datagram(time.time(), src, dst, data))

    def attach(self, transport: Any) -> bool:
        """Tap ``transport`` (a socket transport); False when it has no socket to tap."""
        taps = getattr(transport, "taps", None)
        if taps is None:
            return False
        taps.append(self._tap)
        self._transports.append(transport)
        return True

    def detach(self) -> None:
        for t in self._transports:
            try:
                t.taps.remove(self._tap)
            except ValueError:
                pass
        self._transports.clear()

    @property
    def dtls(self) -> bool:
        """Whether the capture is DTLS (its datagrams start with a DTLS content type)."""
        return any(d.data[:1] and rec.CHANGE_CIPHER_SPEC <= d.data[0] <= 25 for d in self.datagrams)

    def record_summary(self) -> str:
        """One line per datagram: time, direction, peer and its DTLS records decoded as far as they are clear."""
        if not self.datagrams:
            return "(no datagrams)"
        t0 = self.datagrams[0].time
        lines = []
        for d in list(self.datagrams):
            records, rest = rec.split_records(d.data)
            parts = []
            for r in records:
                kind = rec.CONTENT_TYPES.get(r.content_type, f"type {r.content_type}")
                if r.epoch != 0:
                    parts.append(f"{kind} (epoch {r.epoch}, {len(r.body)} bytes encrypted)")
                elif r.content_type == rec.HANDSHAKE:
                    names = [m.name for m in rec.handshake_messages(r.body)] or ["(fragment)"]
                    parts.append(f"handshake {', '.join(names)}")
                elif r.content_type == rec.ALERT and len(r.body) >= 2:
                    level = {1: "warning", 2: "fatal"}.get(r.body[0], str(r.body[0]))
                    parts.append(f"alert {level} {rec.alert_name(r.body[1])}")
                else:
                    parts.append(kind)
            if rest:
                parts.append(f"{len(rest)} bytes that are no DTLS record")
            src, dst = d.src, d.dst
            lines.append(f"{d.time - t0:8.3f}s {src[0]}:{src[1]} -> {dst[0]}:{dst[1]} ({len(d.data)} bytes): "
                         + "; ".join(parts))
        return "\n".join(lines)
