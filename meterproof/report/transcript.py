"""Exchange transcripts: every datagram of a case, decoded, for the report.

A :class:`Transcript` listens on an endpoint for the duration of one case and
renders each datagram as one header line (time, direction, CoAP summary) plus
the decoded LwM2M payload (TLV, SenML, link format ...) or a hex dump.  Secrets
go through a :class:`~.redact.Redactor` before anything is rendered.  Beside it,
its :class:`~.capture.Capture` keeps the same exchange as it crossed the socket
(for DTLS: the records), for a pcap.
"""

from __future__ import annotations

from typing import Callable

from aiocoap.numbers import codes

from ..coap.endpoint import Endpoint, WireEvent
from ..errors import FormatError
from ..lwm2m import formats
from ..lwm2m.contentformat import CF, name as cf_name
from ..lwm2m.path import Path
from .capture import Capture
from .redact import Redactor


#: A decoded value is shown up to this many characters (a firmware block is kilobytes; the report is for reading).
VALUE_CHARS = 200


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class Transcript:
    def __init__(self, redactor: Redactor | None = None, *, resolver: Callable[[], object] | None = None) -> None:
        self.events: list[WireEvent] = []
        self.redactor = redactor if redactor is not None else Redactor()
        self.resolver = resolver
        self._endpoints: list[Endpoint] = []
        self._t0: float | None = None
        self._last_uri: dict[object, str] = {}
        self.capture = Capture()

    def attach(self, ep: Endpoint) -> None:
        ep.listeners.append(self.events.append)
        self._endpoints.append(ep)
        self.capture.attach(getattr(ep, "transport", None))

    def detach(self) -> None:
        for ep in self._endpoints:
            try:
                ep.listeners.remove(self.events.append)
            except ValueError:
                pass
        self._endpoints.clear()
        self.capture.detach()

    def _payload_lines(self, ev: WireEvent, uri_by_token: dict[bytes, str]) -> list[str]:
        m = ev.message
        if m is None or not m.payload:
            return []
        cf = int(m.opt.content_format) if m.opt.content_format is not None else None
        base = "/"
        if m.code.is_request():
            base = "/" + "/".join(m.opt.uri_path)
        else:
            base = uri_by_token.get(m.token, "/")
        try:
            if cf == CF.LINK or cf is None and m.payload[:1] == b"<":
                return ["    " + _short(m.payload.decode("utf-8", "replace"), 2000)]
            if m.code == codes.FETCH and cf in (CF.SENML_JSON, CF.SENML_CBOR):
                paths = formats.codec(cf).decode_paths(m.payload)     # a Read-/Observe-Composite path list
                return ["    paths: " + ", ".join(map(str, paths))]
            if cf is not None:
                try:
                    p = Path.parse(base)
                except FormatError:
                    p = Path()
                tree = formats.decode(cf, m.payload, p, None)
                return [f"    {k} = {_short(repr(v), VALUE_CHARS)}" for k, v in tree.items()]
        except (FormatError, UnicodeDecodeError) as exc:
            return [f"    [{cf_name(cf)} payload did not decode: {exc}]", "    " + m.payload[:96].hex()]
        return ["    " + m.payload[:96].hex() + (" ..." if len(m.payload) > 96 else "")]

    def render(self) -> str:
        if not self.events:
            return "(no datagrams)"
        t0 = self.events[0].mono_time
        lines: list[str] = []
        uri_by_token: dict[bytes, str] = {}
        for ev in self.events:
            m = ev.message
            if m is not None and m.code.is_request():
                uri_by_token[m.token] = "/" + "/".join(m.opt.uri_path)
            arrow = "->" if ev.direction == "out" else "<-"
            label = f" [{ev.label}]" if ev.label else ""
            lines.append(f"{ev.mono_time - t0:8.3f}s {arrow} {ev.remote} {ev.summary}{label}")
            for p in ev.problems:
                lines.append(f"    !! {p}")
            lines.extend(self._payload_lines(ev, uri_by_token))
        return self.redactor.text("\n".join(lines))
