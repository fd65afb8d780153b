"""Handshake diagnostics people can act on: what each side offered, what failed first, and why.

A :class:`HandshakeReport` is filled while a DTLS handshake runs: every datagram
in both directions goes through :meth:`HandshakeReport.observe`, which parses
the plaintext (epoch 0) records beside Mbed TLS -- the ClientHello's suites,
extensions, SNI and certificate types, the ServerHello's choice, the PSK
identity at the head of the ClientKeyExchange, and every plaintext alert --
because python-mbedtls exposes none of these.  The Mbed TLS error, the
handshake step it was raised at and the outcome complete it.

:meth:`HandshakeReport.line` turns all that into one sentence ("client offered
only TLS_PSK_WITH_AES_128_CBC_SHA256; server policy requires one of
TLS_PSK_WITH_AES_128_CCM_8"); :meth:`HandshakeReport.as_dict` is the record
for a case report.  Both go through a :class:`~meterproof.report.redact.Redactor`:
the report holds identities, never keys, and whatever key material a caller
registered is masked anyway.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..report.redact import Redactor
from . import records as rec
from .suites import name as suite_name

#: Mbed TLS 2.28 SSL error codes (include/mbedtls/ssl.h), as positive numbers.
MBEDTLS_ERRORS = {
    0x7080: "FEATURE_UNAVAILABLE", 0x7100: "BAD_INPUT_DATA", 0x7180: "INVALID_MAC", 0x7200: "INVALID_RECORD",
    0x7280: "CONN_EOF", 0x7300: "UNKNOWN_CIPHER", 0x7380: "NO_CIPHER_CHOSEN", 0x7400: "NO_RNG",
    0x7480: "NO_CLIENT_CERTIFICATE", 0x7500: "CERTIFICATE_TOO_LARGE", 0x7580: "CERTIFICATE_REQUIRED",
    0x7600: "PRIVATE_KEY_REQUIRED", 0x7680: "CA_CHAIN_REQUIRED", 0x7700: "UNEXPECTED_MESSAGE",
    0x7780: "FATAL_ALERT_MESSAGE", 0x7800: "PEER_VERIFY_FAILED", 0x7880: "PEER_CLOSE_NOTIFY",
    0x7900: "BAD_HS_CLIENT_HELLO", 0x7980: "BAD_HS_SERVER_HELLO", 0x7A00: "BAD_HS_CERTIFICATE",
    0x7A80: "BAD_HS_CERTIFICATE_REQUEST", 0x7B00: "BAD_HS_SERVER_KEY_EXCHANGE", 0x7B80: "BAD_HS_SERVER_HELLO_DONE",
    0x7C00: "BAD_HS_CLIENT_KEY_EXCHANGE", 0x7C80: "BAD_HS_CLIENT_KEY_EXCHANGE_RP",
    0x7D00: "BAD_HS_CLIENT_KEY_EXCHANGE_CS", 0x7D80: "BAD_HS_CERTIFICATE_VERIFY",
    0x7E00: "BAD_HS_CHANGE_CIPHER_SPEC", 0x7E80: "BAD_HS_FINISHED", 0x7F00: "ALLOC_FAILED",
    0x7000: "CRYPTO_IN_PROGRESS", 0x6F80: "HW_ACCEL_FALLTHROUGH", 0x6F00: "COMPRESSION_FAILED",
    0x6E80: "BAD_HS_PROTOCOL_VERSION", 0x6E00: "BAD_HS_NEW_SESSION_TICKET", 0x6D80: "SESSION_TICKET_EXPIRED",
    0x6D00: "PK_TYPE_MISMATCH", 0x6C80: "UNKNOWN_IDENTITY", 0x6C00: "INTERNAL_ERROR",
    0x6B80: "COUNTER_WRAPPING", 0x6B00: "WAITING_SERVER_HELLO_RENEGO", 0x6A80: "HELLO_VERIFY_REQUIRED",
    0x6A00: "BUFFER_TOO_SMALL", 0x6980: "NO_USABLE_CIPHERSUITE", 0x6900: "WANT_READ", 0x6880: "WANT_WRITE",
    0x6800: "TIMEOUT", 0x6780: "CLIENT_RECONNECT", 0x6700: "UNEXPECTED_RECORD", 0x6680: "NON_FATAL",
    0x6600: "INVALID_VERIFY_HASH", 0x6580: "CONTINUE_PROCESSING", 0x6500: "ASYNC_IN_PROGRESS",
    0x6480: "EARLY_MESSAGE", 0x6000: "UNEXPECTED_CID", 0x5F00: "VERSION_MISMATCH", 0x5E80: "BAD_CONFIG",
    0x2700: "X509_CERT_VERIFY_FAILED",
}


def mbedtls_error_name(code: int | None) -> str | None:
    if code is None:
        return None
    c = abs(code)
    high, low = c & 0xFF80, c & 0x7F   # SSL codes are high-level; x509/pk may add a low-level part
    n = MBEDTLS_ERRORS.get(c) or MBEDTLS_ERRORS.get(high)
    if n is None:
        return f"-0x{c:04X}"
    return n if low == 0 or c in MBEDTLS_ERRORS else f"{n}+0x{low:02X}"


@dataclass(slots=True)
class AlertSeen:
    direction: str        # "sent" or "received"
    level: int
    description: int
    after: str | None     # last handshake message before it

    @property
    def text(self) -> str:
        return f"{rec.ALERT_LEVELS.get(self.level, str(self.level))} {rec.alert_name(self.description)}"


@dataclass
class HandshakeReport:
    """Everything learnt about one DTLS handshake; see the module docstring."""

    role: str                                   # "server" (harness) or "client" (simulator)
    peer: Any
    policy: tuple[str, ...] = ()                # suites our side accepts, IANA names, in order
    mode: str = ""                              # "psk", "certificate", "psk+certificate", "rpk"
    started: float = field(default_factory=time.time)
    finished: float | None = None
    outcome: str = "in-progress"                # "ok", "failed", "timeout", "closed"
    client_hello: rec.ClientHello | None = None
    client_hellos: int = 0
    #: every ClientHello of the handshake as sent (the first flight without a cookie, then the one with it)
    client_hello_list: list[rec.ClientHello] = field(default_factory=list, repr=False)
    hello_verify_requests: int = 0
    negotiated: str | None = None
    version: str | None = None
    psk_identity: str | None = None
    psk_identity_known: bool | None = None      # server: did our lookup have a key for it
    peer_certificate_subject: str | None = None
    peer_certificate_issuer: str | None = None
    peer_verified: bool | None = None
    #: RPK mode: "sha256:<first 16 hex digits>" of the peer's SubjectPublicKeyInfo (RFC 7250 Certificate message)
    peer_key: str | None = None
    messages: list[tuple[str, str]] = field(default_factory=list)   # (direction, message name), epoch 0 only
    encrypted_records: dict[str, int] = field(default_factory=lambda: {"in": 0, "out": 0})
    alerts: list[AlertSeen] = field(default_factory=list)
    retransmissions: int = 0
    datagrams: dict[str, int] = field(default_factory=lambda: {"in": 0, "out": 0})
    error_code: int | None = None
    error_text: str | None = None
    failed_step: str | None = None              # Mbed TLS handshake state when it failed / timed out
    resumed: bool = False
    notes: list[str] = field(default_factory=list)
    #: DER certificates of the peer's Certificate message (leaf first), reassembled from its fragments
    peer_chain: list[bytes] = field(default_factory=list, repr=False)
    #: Our Certificate Usage / Matching Type check of that chain (cert_usage.py): verdict and reason
    certificate_check: str | None = None
    certificate_check_ok: bool | None = None
    _cert_frags: dict[int, bytes] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ feeding
    def observe(self, datagram: bytes, direction: str) -> None:
        """Parse one datagram in ("in") or out ("out") of our side; never raises."""
        d = "in" if direction == "in" else "out"
        self.datagrams[d] += 1
        try:
            records, _ = rec.split_records(datagram)
        except Exception:  # pragma: no cover - split_records does not raise
            return
        for r in records:
            if r.epoch != 0:
                self.encrypted_records[d] += 1
                continue
            if r.content_type == rec.ALERT and len(r.body) >= 2:
                self.alerts.append(AlertSeen("received" if d == "in" else "sent", r.body[0], r.body[1],
                                             self.messages[-1][1] if self.messages else None))
            elif r.content_type == rec.CHANGE_CIPHER_SPEC:
                self.messages.append((d, "ChangeCipherSpec"))
            elif r.content_type == rec.HANDSHAKE:
                for m in rec.handshake_messages(r.body):
                    self._handshake(d, m)

    def note_client_hello(self, ch: rec.ClientHello) -> None:
        """One ClientHello of the peer (DTLS or TLS): counted and kept; the one judged is the first, or the one
        answering a cookie, or the first that parsed."""
        self.client_hellos += 1
        self.client_hello_list.append(ch)
        if self.client_hello is None or ch.cookie or not self.client_hello.suites:
            self.client_hello = ch

    def _handshake(self, d: str, m: rec.HandshakeMessage) -> None:
        if m.fragment_offset == 0:
            self.messages.append((d, m.name))
        if m.msg_type == 1 and m.fragment_offset == 0:
            self.note_client_hello(rec.parse_client_hello(m.body, fragmented=not m.complete))
        elif m.msg_type == 3:
            self.hello_verify_requests += 1
        elif m.msg_type == 2 and m.fragment_offset == 0:
            sh = rec.parse_server_hello(m.body)
            if sh is not None:
                self.version = rec.VERSIONS.get(sh[0], f"0x{sh[0]:04X}")
                self.negotiated = suite_name(sh[1])
                ch = self.client_hello
                self.resumed = bool(ch is not None and ch.session_id and ch.session_id == sh[2])
        elif m.msg_type == 11 and d == "in" and "rpk" in self.mode:
            if m.complete and len(m.body) > 3 and self.peer_key is None:
                import hashlib
                self.peer_key = "sha256:" + hashlib.sha256(m.body[3:3 + int.from_bytes(m.body[:3], "big")]
                                                           ).hexdigest()[:16]
        elif m.msg_type == 11 and d == "in" and not self.peer_chain:
            self._certificate_fragment(m)
        elif m.msg_type == 16 and m.fragment_offset == 0 and self.negotiated and "PSK" in self.negotiated:
            ident = rec.psk_identity_from_cke(m.body)
            if ident is not None and self.psk_identity is None:
                self.psk_identity = ident.decode("utf-8", "backslashreplace")

    def _certificate_fragment(self, m: rec.HandshakeMessage) -> None:
        """Collect the peer's Certificate message (possibly cut into fragments by the MTU)."""
        if m.complete:
            body = m.body
        else:
            self._cert_frags[m.fragment_offset] = m.body
            buf, off = b"", 0
            while off in self._cert_frags and off < m.length:
                buf += self._cert_frags[off]
                off = len(buf)
            if len(buf) < m.length:
                return
            body = buf[:m.length]
            self._cert_frags.clear()
        from .cert_usage import certificate_chain
        self.peer_chain = certificate_chain(body)
        if self.peer_certificate_subject is None:
            self._peer_certificate(body)

    def _peer_certificate(self, body: bytes) -> None:
        """Subject and issuer of the first certificate of a Certificate message (RFC 5246 §7.4.2)."""
        if len(body) < 6:
            return
        n = int.from_bytes(body[3:6], "big")
        der = body[6:6 + n]
        try:
            from mbedtls import x509
            crt = x509.CRT.from_DER(der)
            self.peer_certificate_subject = str(crt.subject)
            self.peer_certificate_issuer = str(crt.issuer)
        except Exception:
            self.notes.append("peer certificate does not parse")

    def fail(self, code: int | None, text: str | None, step: str | None, outcome: str = "failed") -> None:
        if self.outcome in ("ok", "failed", "timeout"):
            return
        self.outcome = outcome
        self.error_code = code
        self.error_text = text
        self.failed_step = step
        self.finished = time.time()

    def succeed(self) -> None:
        self.outcome = "ok"
        self.finished = time.time()

    # ------------------------------------------------------------------ reading
    @property
    def offered(self) -> list[str]:
        if self.client_hello is None:
            return []
        return [suite_name(c) for c in self.client_hello.suites if c not in (0x00FF, 0x5600)]

    @property
    def duration(self) -> float | None:
        return None if self.finished is None else self.finished - self.started

    def _last(self, direction: str | None = None) -> str | None:
        for d, m in reversed(self.messages):
            if direction is None or d == direction:
                return m
        return None

    def _alert(self, direction: str) -> AlertSeen | None:
        return next((a for a in self.alerts if a.direction == direction and a.level == 2), None) or \
            next((a for a in self.alerts if a.direction == direction), None)

    def _who(self, direction: str) -> str:
        """'client'/'server' for alerts sent ('out') or received ('in') by our side."""
        ours = self.role
        theirs = "client" if ours == "server" else "server"
        return ours if direction == "sent" else theirs

    def line(self, redactor: Redactor | None = None) -> str:
        """One actionable sentence about this handshake (secrets masked)."""
        text = self._line()
        return redactor.text(text) if redactor else text

    def _line(self) -> str:
        peer = _peer_text(self.peer)
        ident = f" (PSK identity {self.psk_identity!r})" if self.psk_identity is not None else ""
        if self.outcome == "ok":
            extra = []
            if self.psk_identity is not None:
                extra.append(f"PSK identity {self.psk_identity!r}")
            if self.peer_certificate_subject:
                extra.append(f"peer certificate {self.peer_certificate_subject}"
                             + ("" if self.peer_verified is not False else " (NOT verified)"))
            if self.peer_key:
                extra.append(f"peer raw public key {self.peer_key}"
                             + ("" if self.peer_verified is not False else " (NOT verified)"))
            if self.certificate_check_ok:
                extra.append(f"certificate check passed: {self.certificate_check}")
            if self.resumed:
                extra.append("resumed session")
            if self.retransmissions:
                extra.append(f"{self.retransmissions} flight(s) retransmitted")
            return f"DTLS handshake with {peer} OK: {self.negotiated or 'suite unknown'}" + \
                (", " + ", ".join(extra) if extra else "")
        err = mbedtls_error_name(self.error_code)
        sent, received = self._alert("sent"), self._alert("received")
        policy = ", ".join(self.policy) if self.policy else "(default)"
        ch = self.client_hello
        if ch is not None and self.negotiated is None and "rpk" not in self.mode and any(
                t is not None and 0 not in t for t in (ch.client_cert_types, ch.server_cert_types)):
            return (f"{peer} offered only Raw Public Keys (RFC 7250 certificate types "
                    f"{ch.client_cert_types}/{ch.server_cert_types}), but this listener is not in RPK mode "
                    f"(--security rpk)")
        # 1. no common cipher suite
        if err == "NO_CIPHER_CHOSEN" or (
                (sent or received) and (sent or received).description == 40 and self.negotiated is None):  # type: ignore[union-attr]
            offered = self.offered
            if self.role == "server" and offered:
                only = "only " if len(offered) <= 3 else ""
                return (f"no common cipher suite with {peer}: client offered {only}{', '.join(offered[:8])}"
                        f"{' ...' if len(offered) > 8 else ''}; server policy requires one of {policy}")
            return (f"no common cipher suite with {peer}: we offered {', '.join(self.offered) or policy}; the server "
                    f"answered handshake_failure before ServerHello")
        # 2. unknown PSK identity
        if err == "UNKNOWN_IDENTITY" or any(a.description == 115 for a in self.alerts) or \
                self.psk_identity_known is False:
            side = "server has no key for it" if self.role == "server" else "the server does not know it"
            return f"unknown PSK identity {self.psk_identity!r} from {peer}: {side}"
        # 3. bad record MAC after the key exchange: keys differ
        if err == "INVALID_MAC" or any(a.description == 20 for a in self.alerts):
            where = "after ClientKeyExchange" if any(m == "ClientKeyExchange" for _, m in self.messages) \
                else f"after {self._last() or 'the key exchange'}"
            if self.negotiated and "PSK" in self.negotiated:
                return f"bad_record_mac {where}: the PSK key differs between client and server{ident} [{peer}]"
            return f"bad_record_mac {where}: the peers derived different keys [{peer}]"
        # 4. certificates
        if self.certificate_check_ok is False:
            a = sent or received
            what = "client" if self.role == "server" else "server"
            alert = f" ({a.text} {a.direction})" if a else ""
            return f"{what} certificate refused by our Certificate Usage check{alert}: {self.certificate_check} " \
                   f"[{peer}]"
        if "rpk" in self.mode and any(a.description in (42, 43, 46) for a in self.alerts):
            a = sent or received
            what = "client" if (self.role == "server") == (a is None or a.direction == "sent") else "server"
            key = f" {self.peer_key}" if self.peer_key and what != self.role else ""
            alert = f" ({a.text} {a.direction})" if a else ""
            why = self.error_text or "not the key provisioned for it (RFC 7250; Security /0/x/3, /0/x/4)"
            return f"{what} raw public key{key} refused{alert}: {why} [{peer}]"
        if err == "NO_CLIENT_CERTIFICATE" or err == "CERTIFICATE_REQUIRED":
            return (f"{peer} sent no client certificate but the server requires one (Mbed TLS sends no alert "
                    f"here: the client just times out)")
        if err and err.startswith("X509_CERT_VERIFY_FAILED") or any(a.description in (42, 43, 44, 45, 46, 48)
                                                                    for a in self.alerts):
            a = sent or received
            what = "client" if (self.role == "server") == (a is None or a.direction == "sent") else "server"
            subject = f" {self.peer_certificate_subject}" if self.peer_certificate_subject else ""
            issuer = f" issued by {self.peer_certificate_issuer}" if self.peer_certificate_issuer else ""
            alert = f" ({a.text} {a.direction})" if a else ""
            return f"{what} certificate{subject}{issuer} rejected{alert}: not signed by a trusted CA, expired or " \
                   f"wrong name [{peer}]"
        if err == "CA_CHAIN_REQUIRED":
            return "harness misconfiguration: certificate mode needs a trust store (CA) to verify the peer"
        # 5. an alert from the peer
        if received is not None:
            return f"{self._who('received')} {peer} sent {received.text} after {received.after or 'nothing'}{ident}"
        if sent is not None:
            return f"we ({self.role}) sent {sent.text} to {peer} after {sent.after or 'nothing'}{ident}" + \
                (f": {self.error_text}" if self.error_text else "")
        # 6. silence
        if self.outcome == "timeout":
            last_in = self._last("in")
            if last_in is None:
                if self.role == "client":
                    return f"{peer} never answered our ClientHello ({self.retransmissions} retransmissions)"
                return f"{peer} sent nothing usable"
            return (f"handshake with {peer} timed out at step {self.failed_step or '?'} after the peer's "
                    f"{last_in}{ident} ({self.retransmissions} retransmissions)")
        if self.outcome == "closed":
            return f"handshake with {peer} abandoned at step {self.failed_step or '?'}"
        return f"handshake with {peer} failed at step {self.failed_step or '?'}: {err or ''} {self.error_text or ''}"\
            .rstrip()

    def as_dict(self, redactor: Redactor | None = None) -> dict[str, Any]:
        ch = self.client_hello
        d: dict[str, Any] = {
            "role": self.role, "peer": _peer_text(self.peer), "outcome": self.outcome, "summary": self.line(),
            "mode": self.mode, "server_policy" if self.role == "server" else "client_policy": list(self.policy),
            "negotiated": self.negotiated, "version": self.version, "psk_identity": self.psk_identity,
            "peer_certificate": self.peer_certificate_subject, "peer_verified": self.peer_verified,
            "alerts": [{"direction": a.direction, "level": rec.ALERT_LEVELS.get(a.level, a.level),
                        "description": rec.alert_name(a.description), "after": a.after} for a in self.alerts],
            "messages": [f"{'<-' if di == 'in' else '->'} {m}" for di, m in self.messages],
            "hello_verify_requests": self.hello_verify_requests, "retransmissions": self.retransmissions,
            "error": mbedtls_error_name(self.error_code), "error_text": self.error_text,
            "failed_step": self.failed_step, "duration_s": self.duration, "resumed": self.resumed,
        }
        if self.certificate_check is not None:
            d["certificate_check"] = {"ok": self.certificate_check_ok, "reason": self.certificate_check}
        if ch is not None:
            d["client_hello"] = {
                "version": rec.VERSIONS.get(ch.version, ch.version), "suites": ch.suite_names,
                "extensions": ch.extension_names, "sni": ch.sni,
                "groups": [rec.GROUPS.get(g, f"0x{g:04X}") for g in ch.groups],
                "client_certificate_types": ch.client_cert_types, "server_certificate_types": ch.server_cert_types,
                "cookie": bool(ch.cookie), "fragmented": ch.fragmented, "parse_error": ch.error,
            }
        if redactor:
            d = _redact(d, redactor)
        return d

    def __str__(self) -> str:
        return self.line()


def _peer_text(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        host = str(peer[0])
        return f"[{host}]:{peer[1]}" if ":" in host else f"{host}:{peer[1]}"
    return str(peer)


def _redact(obj: Any, r: Redactor) -> Any:
    if isinstance(obj, str):
        return r.text(obj)
    if isinstance(obj, dict):
        return {k: _redact(v, r) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_redact(v, r) for v in obj]
    return obj


class ReportedSession:
    """What any (D)TLS session of ours tells from its handshake report: the negotiated suite and the PSK identity
    the peer presented (DTLS sessions and TLS channels alike)."""

    __slots__ = ()
    report: HandshakeReport

    @property
    def cipher(self) -> str | None:
        return self.report.negotiated

    @property
    def psk_identity(self) -> str | None:
        return self.report.psk_identity
