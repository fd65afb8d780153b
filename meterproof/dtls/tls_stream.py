"""TLS 1.2 on a TCP connection for CoAP over TLS (``coaps+tcp``, RFC 8323 §4.2; LwM2M binding T, TS Transport 1.1 §5).

The same python-mbedtls engine and the same :class:`~.config.DtlsSettings` as DTLS (PSK with the PSK lookup,
certificates with trust store and Certificate Usage policy, the LwM2M cipher-suite policy), on a
``TLSConfiguration`` instead of a ``DTLSConfiguration``, driven sans-IO through ``wrap_buffers``.
Python's own :mod:`ssl` is not used: up to Python 3.12 it has no TLS-PSK at all
(``SSLContext.set_psk_server_callback`` came in 3.13), and one engine for both modes keeps the
handshake reports and the policies the same as over DTLS.

:class:`TlsChannels` is the channel factory :class:`meterproof.coap.stream.StreamTransport` takes; each
connection gets a :class:`TlsChannel`, whose end of handshake yields a :class:`.diagnostics.HandshakeReport`
(outcome, negotiated suite, PSK identity, peer certificate) through ``on_handshake``, as the DTLS
transports do.  Certificate Usage and Matching Type (:mod:`.cert_usage`) are checked as over DTLS: on the
peer's whole Certificate chain (read from the handshake records, which TLS 1.2 sends in clear before
ChangeCipherSpec), before our next flight; a refusal sends a fatal alert.  A server channel whose peer speaks
anything but TLS (CoAP in clear on the TLS port) records the bytes in ``plaintext`` and closes.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from mbedtls import tls
from mbedtls.tls import HandshakeStep as HS

from ..report.redact import Redactor
from . import records as rec
from .config import DtlsSettings, PskStore
from .diagnostics import HandshakeReport, ReportedSession

log = logging.getLogger(__name__)

#: When the Certificate Usage check runs: before the flight that depends on the peer's certificate.
_CHECK_BEFORE = {"client": HS.CLIENT_CERTIFICATE, "server": HS.SERVER_CHANGE_CIPHER_SPEC}
_HANDSHAKE, _CCS, _ALERT = 22, 20, 21


def _tls_config(settings: DtlsSettings, **extra: Any) -> tls.TLSConfiguration:
    kw = settings._base(**extra)
    kw.pop("handshake_timeout_min", None)
    kw.pop("handshake_timeout_max", None)
    kw.pop("anti_replay", None)          # a DTLS record window: TLS over TCP has its sequence numbers implicit
    kw["lowest_supported_version"] = tls.TLSVersion.TLSv1_2
    kw["highest_supported_version"] = tls.TLSVersion.TLSv1_2
    return tls.TLSConfiguration(**kw)


class TlsChannel(ReportedSession):
    """One TLS session over one TCP connection (see :class:`meterproof.coap.stream.Channel`)."""

    def __init__(self, owner: "TlsChannels", peer: tuple[str, int], server: bool) -> None:
        self.owner = owner
        self.peer = peer
        self.server = server
        self.report = HandshakeReport("server" if server else "client", peer, owner.settings.policy(),
                                      owner.settings.mode)
        self.output: Callable[[bytes], None] = lambda data: None
        self.on_ready: Callable[[], None] = lambda: None
        self.on_failed: Callable[[Exception], None] = lambda exc: None
        self.state = "handshake"
        c = owner.settings.certificates
        self._policy = c.peer_policy if c is not None else None     # checked once, see _check_peer
        self._records = bytearray()       # incoming TLS records not yet parsed (until ChangeCipherSpec)
        self._hs = bytearray()            # the peer's handshake messages, in clear
        self._sniffing = True
        self._first = True                # nothing received yet: the peer's first bytes tell TLS from clear text
        self._psk_store: PskStore | None = None
        if server:
            if owner.settings.psk_lookup is not None:
                self._psk_store = PskStore(owner.settings.psk_lookup)
                self._psk_store.observer = self._on_psk_lookup
            self._buf = owner.server_context(self._psk_store).wrap_buffers()
        else:
            name = owner.settings.certificates.server_name if owner.settings.certificates is not None else None
            self._buf = owner.client_context().wrap_buffers(server_hostname=name)

    # ------------------------------------------------------------------ Channel
    def start(self) -> None:
        if not self.server:
            self._handshake()

    def receive(self, data: bytes) -> bytes:
        if self.state in ("failed", "closed"):
            return b""
        first, self._first = self._first, self._first and not data
        if self.server and first and data and data[0] != _HANDSHAKE:
            self.owner.plaintext.append((self.peer, bytes(data[:64])))
            self._fail("failed", f"the peer's first bytes are no TLS handshake record ({bytes(data[:8]).hex()})")
            return b""
        if self._sniffing:
            self._sniff(data)
        self._buf.receive_from_network(data)
        if self.state == "handshake":
            self._handshake()
            if self.state != "open":
                return b""
        return self._read()

    def send(self, data: bytes) -> None:
        if self.state != "open":
            return
        self._buf.write(data)
        self._flush()

    def close(self) -> None:
        if self.state == "handshake":
            self._fail("closed", "the connection closed during the handshake")
        self.state = "closed"

    # ------------------------------------------------------------------ internals
    def _on_psk_lookup(self, identity: str, key: bytes | None) -> None:
        self.report.psk_identity = identity
        self.report.psk_identity_known = key is not None
        if key is not None and self.owner.redactor is not None:
            self.owner.redactor.add(key)

    def _flush(self) -> None:
        while True:
            out = self._buf.peek_outgoing(1 << 16)
            if not out:
                return
            self._buf.consume_outgoing(len(out))
            self.output(bytes(out))

    def _sniff(self, data: bytes) -> None:
        """Collect the peer's clear-text handshake messages (RFC 5246 §6.2.1, §7.4) up to its ChangeCipherSpec, and
        its Certificate chain (§7.4.2) into the report."""
        self._records += data
        while len(self._records) >= 5:
            ctype, length = self._records[0], int.from_bytes(self._records[3:5], "big")
            if len(self._records) < 5 + length:
                break                   # the rest of this record comes with the next read
            body = bytes(self._records[5:5 + length])
            del self._records[:5 + length]
            if ctype == _CCS:           # what follows is encrypted; the messages before it are still read below
                self._sniffing = False
                self._records.clear()
                break
            if ctype == _HANDSHAKE:
                self._hs += body
        pos = 0
        while pos + 4 <= len(self._hs):
            mtype, mlen = self._hs[pos], int.from_bytes(self._hs[pos + 1:pos + 4], "big")
            if pos + 4 + mlen > len(self._hs):
                break
            body = bytes(self._hs[pos + 4:pos + 4 + mlen])
            if mtype == 1 and self.server:       # the device's ClientHello, for the same checks as over DTLS
                self.report.messages.append(("in", "ClientHello"))
                self.report.note_client_hello(rec.parse_client_hello(body, dtls=False))
            if mtype == 11 and not self.report.peer_chain:
                self.report.peer_chain = _chain(body)
            pos += 4 + mlen
        del self._hs[:pos]

    def _check_peer(self) -> bool:
        """Certificate Usage / Matching Type (cert_usage.py) on the peer's chain, once, before our next flight."""
        policy, self._policy = self._policy, None
        r = self.report
        if policy is None or not r.peer_chain:
            return True           # a PSK peer (no Certificate message)
        verdict = policy.check(r.peer_chain)
        r.certificate_check, r.certificate_check_ok = verdict.reason, verdict.ok
        if verdict.ok:
            return True
        self.output(bytes((_ALERT, 3, 3, 0, 2, 2, verdict.alert or 42)))   # fatal alert, in clear (epoch 0)
        self._fail("failed", f"certificate refused: {verdict.reason}")
        return False

    def _handshake(self) -> None:
        try:
            for _ in range(256):
                step = self._buf._handshake_state
                if step is HS.HANDSHAKE_OVER:
                    break
                if self._policy is not None and step is _CHECK_BEFORE[self.report.role] and not self._check_peer():
                    return
                try:
                    self._buf.do_handshake()
                except tls.WantWriteError:
                    self._flush()
                    continue
                self._flush()
        except tls.WantReadError:
            self._flush()
            return
        except Exception as exc:   # TLSError: wrong key, untrusted certificate, ...
            self._flush()
            self._fail("failed", getattr(exc, "msg", None) or str(exc), getattr(exc, "err", None))
            return
        self._flush()
        if self._buf._handshake_state is HS.HANDSHAKE_OVER:
            self._established()

    def _established(self) -> None:
        r = self.report
        try:
            c = self._buf.cipher()
            if c:
                r.negotiated = str(c[0] if isinstance(c, tuple) else c).replace("-", "_")
        except Exception:
            pass
        try:
            der = self._buf.getpeercert(True)
        except Exception:
            der = None
        if der:
            try:
                from mbedtls import x509
                crt = x509.CRT.from_DER(bytes(der))
                r.peer_certificate_subject = str(crt.subject)
                r.peer_certificate_issuer = str(crt.issuer)
            except Exception:
                pass
            r.peer_verified = bool(getattr(self._buf, "_verified", False)) or bool(r.certificate_check_ok)
        self.state = "open"
        r.succeed()
        self.owner._seen(r)
        self.on_ready()

    def _read(self) -> bytes:
        out = bytearray()
        while True:
            try:
                chunk = self._buf.read(1 << 16)
            except (tls.WantReadError, tls.WantWriteError):
                break
            except Exception as exc:   # a close_notify or a broken record
                if self.state == "open":
                    self.state = "closed"
                log.info("TLS read from %s: %s", self.peer, exc)
                break
            if not chunk:
                break
            out += chunk
        return bytes(out)

    def _fail(self, outcome: str, text: str, code: int | None = None) -> None:
        if self.state in ("failed", "closed"):
            return
        self.state = "failed"
        self.report.fail(code, text, "handshake")
        if outcome != "failed":
            self.report.outcome = outcome
        self.owner._seen(self.report)
        self.on_failed(ConnectionError(f"TLS handshake with {self.peer} failed: {text}"))


def _chain(body: bytes) -> list[bytes]:
    """The DER certificates of a TLS 1.2 Certificate message body (RFC 5246 §7.4.2), leaf first."""
    out: list[bytes] = []
    pos = 3
    end = min(len(body), 3 + int.from_bytes(body[:3], "big"))
    while pos + 3 <= end:
        n = int.from_bytes(body[pos:pos + 3], "big")
        out.append(body[pos + 3:pos + 3 + n])
        pos += 3 + n
    return out


class TlsChannels:
    """The TLS channel factory of a :class:`meterproof.coap.stream.StreamTransport` (``coaps+tcp``)."""

    scheme = "coaps+tcp"

    def __init__(self, settings: DtlsSettings, *, redactor: Redactor | None = None) -> None:
        self.settings = settings
        self.redactor = redactor
        #: Called with each finished handshake's report (as :class:`.transport.DtlsServerTransport` does).
        self.on_handshake: Callable[[HandshakeReport], None] | None = None
        self.reports: list[HandshakeReport] = []
        #: (peer, first bytes) of connections that spoke no TLS on this TLS port (a client falling back to clear)
        self.plaintext: list[tuple[tuple[str, int], bytes]] = []
        if redactor is not None:
            if settings.psk is not None:
                redactor.add(settings.psk.key)
            lookup = settings.psk_lookup
            if isinstance(lookup, dict):
                for key in lookup.values():
                    redactor.add(key)

    def configure(self, settings: DtlsSettings) -> None:
        """New settings for the connections made from now on (the meter's next account)."""
        self.settings = settings
        if self.redactor is not None and settings.psk is not None:
            self.redactor.add(settings.psk.key)

    def server_context(self, store: PskStore | None) -> tls.ServerContext:
        extra: dict[str, Any] = {}
        if store is not None:
            extra["pre_shared_key_store"] = store
        return tls.ServerContext(_tls_config(self.settings, **extra))

    def client_context(self) -> tls.ClientContext:
        extra: dict[str, Any] = {}
        if self.settings.psk is not None:
            extra["pre_shared_key"] = (self.settings.psk.identity, bytes(self.settings.psk.key))
        return tls.ClientContext(_tls_config(self.settings, **extra))

    def __call__(self, peer: tuple[str, int], server: bool) -> TlsChannel:
        return TlsChannel(self, peer, server)

    def _seen(self, report: HandshakeReport) -> None:
        self.reports.append(report)
        if self.on_handshake is not None:
            try:
                self.on_handshake(report)
            except Exception:  # a broken observer must not break the connection
                log.exception("handshake observer failed")


__all__ = ["TlsChannel", "TlsChannels"]
