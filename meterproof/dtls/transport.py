"""DTLS 1.2 transports for the engine: python-mbedtls used sans-IO, driven from asyncio.

:class:`DtlsServerTransport` (the harness) serves many concurrent sessions on one
UDP socket, keyed by peer address; the remote it hands to the
:class:`~meterproof.coap.endpoint.Endpoint` is the :class:`DtlsSession` itself
(hashable by identity), so the message layer and the LwM2M roles above do not
change.  :class:`DtlsClientTransport` (the simulator) opens a session toward a
server address on the first ``send`` to it and hands the address back up as the
remote, so a client written for UDP works unchanged.

Sans-IO: each session owns one ``TLSWrappedBuffer``.  Datagrams go in with
``receive_from_network``; ``do_handshake``/``read``/``write`` run; whatever Mbed
TLS wants to send is taken with ``peek_outgoing`` and cut into datagrams of at
most the MTU along record boundaries.  Mbed TLS keeps its own retransmission
timer (RFC 6347 §4.2.4) but cannot wake us, so a session pokes the buffer when
that timer should have fired (initial ``handshake_timeout_min``, doubling to
``handshake_timeout_max``), which makes Mbed TLS resend the lost flight.  The
server answers a ClientHello without a cookie with a HelloVerifyRequest and
keeps no state for it (RFC 6347 §4.2.1).

Every handshake has a :class:`~meterproof.dtls.diagnostics.HandshakeReport`;
``send`` inside a session encrypts whatever bytes it is given, so the CoAP raw
path (``Endpoint.send_raw``) works inside DTLS; :meth:`send_record` puts bytes on
the socket unencrypted (DTLS-level negative tests).
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
from typing import Any, Callable, Hashable

from mbedtls import tls
from mbedtls.exceptions import TLSError

from ..coap.transport import SERVER_RECEIVE_BUFFER, Remote, SocketTransport
from ..errors import ProtocolError
from ..report.redact import Redactor
from . import records as rec
from . import resumption
from .config import DtlsSettings, PskStore
from .diagnostics import HandshakeReport, ReportedSession, mbedtls_error_name

log = logging.getLogger(__name__)

HS = tls.HandshakeStep
_READ_CHUNK = 16384
_ids = itertools.count(1)


class DtlsHandshakeError(ProtocolError):
    """A handshake failed; ``report`` says how (``str(exc)`` is its one-line summary)."""

    def __init__(self, report: HandshakeReport, redactor: Redactor | None = None) -> None:
        super().__init__(report.line(redactor))
        self.report = report


class DtlsSession(ReportedSession):
    """One DTLS association with one peer.  Hashable by identity: it is the Endpoint's remote."""

    __slots__ = ("id", "peer", "role", "report", "state", "remote_key", "_t", "_buf", "_rto", "_timer",
                 "_deadline", "_pending", "_waiters", "_poked", "_policy", "hello_random", "__weakref__")

    def __init__(self, transport: "_DtlsBase", peer: tuple[str, int], buf: tls.TLSWrappedBuffer,
                 report: HandshakeReport, remote_key: Hashable | None = None) -> None:
        self.id = next(_ids)
        self.peer = peer
        self.role = report.role
        self.report = report
        self.state = "handshake"           # "handshake", "open", "failed", "closed"
        self.remote_key: Hashable = self if remote_key is None else remote_key
        self._t = transport
        self._buf = buf
        self._rto = transport.settings.handshake_timeout_min
        self._timer: asyncio.TimerHandle | None = None
        self._deadline = transport.loop.time() + transport.settings.deadline()
        self._pending: list[bytes] = []    # application data written before the handshake finished
        self._waiters: list[asyncio.Future[None]] = []
        self._poked = False
        c = transport.settings.certificates
        self._policy = c.peer_policy if c is not None else None    # checked once, see _check_peer
        self.hello_random: bytes | None = None     # server role: the random of the ClientHello it began with

    def __repr__(self) -> str:
        host, port = self.peer[0], self.peer[1]
        return f"<dtls #{self.id} {self.role}-side {host}:{port} {self.state}>"

    # ------------------------------------------------------------------ public
    @property
    def established(self) -> bool:
        return self.state == "open"

    def peer_certificate(self) -> bytes | None:
        """DER of the peer's certificate (certificate mode), None otherwise."""
        try:
            der = self._buf.getpeercert(True)
        except Exception:
            return None
        return bytes(der) if der else None

    async def wait_established(self, timeout: float | None = None) -> "DtlsSession":
        if self.state == "open":
            return self
        if self.state in ("failed", "closed"):
            raise DtlsHandshakeError(self.report, self._t.redactor)
        fut: asyncio.Future[None] = self._t.loop.create_future()
        self._waiters.append(fut)
        await asyncio.wait_for(fut, timeout)
        return self

    # ------------------------------------------------------------------ input
    def feed(self, datagram: bytes) -> None:
        if self.state == "open":
            datagram = rec.without_epoch0(datagram)   # RFC 6347 §4.1.2.7; see records.without_epoch0
            if not datagram:
                return
        if self.state == "handshake":
            self.report.observe(datagram, "in")
        try:
            self._buf.receive_from_network(datagram)
        except Exception as exc:  # ring buffer full: drop, as the network would
            log.debug("%r: dropped a datagram (%s)", self, exc)
            return
        if self.state == "handshake":
            self._handshake(poke=False)
        elif self.state == "open":
            self._read()

    # ------------------------------------------------------------------ output
    def write(self, data: bytes) -> None:
        if self.state == "handshake":
            if len(self._pending) < 64:
                self._pending.append(bytes(data))
            return
        if self.state != "open":
            return
        try:
            self._buf.write(bytes(data))
        except (tls.WantReadError, tls.WantWriteError):
            pass
        except TLSError as exc:
            log.info("%r: write failed: %s", self, exc)
        self._flush()

    def close(self, notify: bool = True) -> None:
        if self.state in ("closed", "failed"):
            return
        was_open = self.state == "open"
        self.state = "closed"
        self._cancel_timer()
        if was_open and notify:
            try:
                self._buf.shutdown()
            except Exception:
                pass
            self._flush()
        if self.report.outcome == "in-progress":
            self.report.fail(None, "closed by us", self._step(), outcome="closed")
        self._wake(DtlsHandshakeError(self.report, self._t.redactor))
        self._t._forget(self)

    # ------------------------------------------------------------------ engine
    def _step(self) -> str:
        try:
            return self._buf._handshake_state.name
        except Exception:
            return "?"

    def _flush(self) -> bool:
        sent = False
        while True:
            try:
                data = self._buf.peek_outgoing(_READ_CHUNK)
            except Exception:
                return sent
            if not data:
                return sent
            self._buf.consume_outgoing(len(data))
            for dg in rec.pack_datagrams(rec.record_bounds(bytes(data)), self._t.mtu):
                if self.state == "handshake" or self.report.outcome != "ok":
                    self.report.observe(dg, "out")
                self._t._sendto(dg, self.peer)
                sent = True

    def _handshake(self, poke: bool) -> None:
        store = self._t._store
        if store is not None:
            store.observer = self._on_psk_lookup
        sent = False
        try:
            for _ in range(256):
                step = self._buf._handshake_state
                if step is HS.HANDSHAKE_OVER:
                    break
                if self._policy is not None and step is _CHECK_BEFORE[self.role] and not self._check_peer(step):
                    return
                try:
                    self._buf.do_handshake()
                except tls.WantReadError:
                    sent |= self._flush()
                    break
                except tls.WantWriteError:
                    sent |= self._flush()
                    continue
                except tls.HelloVerifyRequest:
                    self._flush()
                    self._t._hello_verify(self)
                    return
                except TLSError as exc:
                    self._flush()
                    self._failed(exc, step.name)
                    return
                sent |= self._flush()
        finally:
            if store is not None:
                store.observer = None
        if self._buf._handshake_state is HS.HANDSHAKE_OVER:
            self._established()
            return
        if poke and sent:
            self.report.retransmissions += 1
            self._rto = min(self._rto * 2, self._t.settings.handshake_timeout_max)
        elif sent:
            self._rto = self._t.settings.handshake_timeout_min
        self._arm(sent)

    def _arm(self, fresh: bool) -> None:
        loop = self._t.loop
        now = loop.time()
        if now >= self._deadline:
            self.report.fail(0x6800, f"no complete handshake within {self._t.settings.deadline():.1f}s",
                             self._step(), outcome="timeout")
            self._give_up()
            return
        if self._timer is not None and not fresh:
            return
        self._cancel_timer()
        # Mbed TLS resends once its own timer (set when the flight went out) expires; poke just after.
        delay = self._rto + 0.005 if fresh else max(0.02, self._rto / 8)
        self._timer = loop.call_at(min(now + delay, self._deadline + 0.001), self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        if self.state != "handshake":
            return
        self._handshake(poke=True)
        if self.state == "handshake" and self._timer is None:
            self._arm(False)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check_peer(self, step: Any) -> bool:
        """Certificate Usage / Matching Type (cert_usage.py) on the peer's chain, before our next flight.

        Runs once, after the peer's Certificate message and before anything of ours that depends on it
        is sent; a refusal sends a plaintext fatal alert (still epoch 0 on our side) and fails the
        handshake with the reason in the report."""
        policy, self._policy = self._policy, None
        r = self.report
        if r.resumed or (r.negotiated and "PSK" in r.negotiated):
            return True                 # abbreviated handshake (checked when the session was made) / PSK peer
        verdict = policy.check(r.peer_chain)
        r.certificate_check = verdict.reason
        r.certificate_check_ok = verdict.ok
        if verdict.ok:
            return True
        alert = rec.plaintext_alert(2, verdict.alert or 42, seq=0x7FFE)
        r.observe(alert, "out")
        self._t._sendto(alert, self.peer)
        r.fail(None, f"certificate refused: {verdict.reason}", step.name)
        log.info("%r: %s", self, verdict.reason)
        self._give_up()
        return False

    def _on_psk_lookup(self, identity: str, key: bytes | None) -> None:
        self.report.psk_identity = identity
        self.report.psk_identity_known = key is not None
        if key is not None and self._t.redactor is not None:
            self._t.redactor.add(key)

    def _established(self) -> None:
        self._cancel_timer()
        self.state = "open"
        try:
            c = self._buf.cipher()
            if c:
                name = c[0] if isinstance(c, tuple) else c
                self.report.negotiated = str(name).replace("-", "_")
        except Exception:
            pass
        der = self.peer_certificate()
        if der:
            try:
                from mbedtls import x509
                crt = x509.CRT.from_DER(der)
                self.report.peer_certificate_subject = str(crt.subject)
                self.report.peer_certificate_issuer = str(crt.issuer)
            except Exception:
                pass
            try:
                self.report.peer_verified = bool(self._buf._verified)
            except Exception:
                pass
            if self.report.certificate_check_ok:
                self.report.peer_verified = True     # verified by the Certificate Usage check (cert_usage.py)
        self.report.succeed()
        self._wake(None)
        self._t._on_established(self)
        pending, self._pending = self._pending, []
        for data in pending:
            self.write(data)
        self._read()   # application data that came with the last flight

    def _failed(self, exc: TLSError, step: str) -> None:
        code = getattr(exc, "err", None)
        text = getattr(exc, "msg", None) or str(exc)
        timeout = mbedtls_error_name(code) == "TIMEOUT"
        self.report.fail(code, text, step, outcome="timeout" if timeout else "failed")
        self._give_up()

    def _give_up(self) -> None:
        self._cancel_timer()
        self.state = "failed"
        self._wake(DtlsHandshakeError(self.report, self._t.redactor))
        self._t._on_failed(self)

    def _wake(self, exc: Exception | None) -> None:
        waiters, self._waiters = self._waiters, []
        for f in waiters:
            if not f.done():
                if exc is None:
                    f.set_result(None)
                else:
                    f.set_exception(exc)

    def _read(self) -> None:
        for _ in range(1024):
            try:
                data = self._buf.read(_READ_CHUNK)
            except tls.WantReadError:
                break
            except tls.WantWriteError:
                self._flush()
                continue
            except TLSError as exc:
                name = mbedtls_error_name(getattr(exc, "err", None))
                self._flush()
                if name in ("PEER_CLOSE_NOTIFY", "CONN_EOF"):
                    self.state = "closed"
                    self._t._forget(self)
                    self._t._peer_gone(self, ProtocolError(f"{self!r}: peer closed the session (close_notify)"))
                    return
                log.info("%r: read failed: %s", self, exc)
                if name == "FATAL_ALERT_MESSAGE":
                    self.state = "closed"
                    self._t._forget(self)
                    self._t._peer_gone(self, ProtocolError(f"{self!r}: peer sent a fatal alert"))
                    return
                break
            if not data:
                break
            self._t._deliver(bytes(data), self)
        self._flush()


class _DtlsBase(SocketTransport):
    """What both roles share: the socket (records cross it in ``_sendto`` / ``_received``, where a
    :class:`~meterproof.coap.transport.SocketFilter` such as network impairment sits), the context,
    report keeping."""

    role = "?"

    def __init__(self, host: str, port: int, settings: DtlsSettings, *, redactor: Redactor | None = None,
                 keep_reports: int = 1000) -> None:
        super().__init__(host, port)
        self.settings = settings
        self.redactor = redactor if redactor is not None else Redactor()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._store: PskStore | None = None
        self._ctx: Any = None
        #: Every handshake's report, newest last (bounded).
        self.reports: collections.deque[HandshakeReport] = collections.deque(maxlen=keep_reports)
        #: Called with each report when its handshake ends (either way).
        self.on_handshake: Callable[[HandshakeReport], None] | None = None
        self._register_secrets(settings)
        self._build()

    def _register_secrets(self, settings: DtlsSettings) -> None:
        if settings.psk is not None:
            self.redactor.add(settings.psk.key)
        if settings.rpk is not None:
            self.redactor.add(settings.rpk.private_key)
        if settings.psk_lookup is not None and hasattr(settings.psk_lookup, "values"):
            for k in settings.psk_lookup.values():   # type: ignore[union-attr]
                self.redactor.add(k)

    def _build(self) -> None:
        raise NotImplementedError

    def configure(self, settings: DtlsSettings | None = None, **changes: Any) -> None:
        """New settings for handshakes that start from now on (running sessions keep theirs)."""
        self.settings = (settings or self.settings).with_(**changes) if changes else (settings or self.settings)
        self._register_secrets(self.settings)
        self._build()

    @property
    def mtu(self) -> int:
        return self.settings.mtu

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    @property
    def scheme(self) -> str:
        return "coaps"

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        await super().open()

    #: Open sessions by peer address (each role fills it its own way).
    sessions: dict[tuple[str, int], DtlsSession]

    def close(self) -> None:
        for s in list(self.sessions.values()):
            s.close()
        self._close_socket()

    def send_record(self, data: bytes, remote: Remote) -> None:
        """Put bytes on the socket toward a session's peer (or an address) *without* encryption."""
        addr = remote.peer if isinstance(remote, DtlsSession) else remote
        self._sendto(bytes(data), addr)  # type: ignore[arg-type]

    def send_alert(self, remote: Remote, level: int, description: int) -> None:
        """A plaintext epoch-0 alert (valid before ChangeCipherSpec; dtls-modes.md §3 workaround a)."""
        self.send_record(rec.plaintext_alert(level, description, seq=0x7FFF), remote)

    def _deliver(self, data: bytes, session: DtlsSession) -> None:
        if self.on_datagram is not None:
            self.on_datagram(data, session.remote_key)

    def _peer_gone(self, session: DtlsSession, exc: Exception) -> None:
        if self.on_error is not None:
            self.on_error(session.remote_key, exc)

    def _finish_report(self, session: DtlsSession) -> None:
        r = session.report
        self.reports.append(r)
        log.info("%s", r.line(self.redactor))
        if self.on_handshake is not None:
            try:
                self.on_handshake(r)
            except Exception:
                log.exception("on_handshake callback failed")

    def _on_established(self, session: DtlsSession) -> None:
        self._finish_report(session)

    def _on_failed(self, session: DtlsSession) -> None:
        self._finish_report(session)
        self._forget(session)
        self._peer_gone(session, DtlsHandshakeError(session.report, self.redactor))

    def _hello_verify(self, session: DtlsSession) -> None:
        raise NotImplementedError

    def _forget(self, session: DtlsSession) -> None:
        raise NotImplementedError


class DtlsServerTransport(_DtlsBase):
    """The harness side: one socket, many sessions, cookies, per-identity PSKs, certificates."""

    role = "server"
    receive_buffer = SERVER_RECEIVE_BUFFER

    def __init__(self, host: str = "127.0.0.1", port: int = 0, settings: DtlsSettings | None = None, *,
                 max_sessions: int = 4096, redactor: Redactor | None = None, **kw: Any) -> None:
        self.sessions: dict[tuple[str, int], DtlsSession] = {}
        self.max_sessions = max_sessions
        #: Reports of ClientHellos answered with a HelloVerifyRequest, joined to the retry that follows.
        self._hvr: collections.OrderedDict[tuple[str, int], HandshakeReport] = collections.OrderedDict()
        #: Datagrams that are no DTLS record at all -- plaintext CoAP on the DTLS port, a NoSec fallback
        #: (REG-TLS-05, MP-SEC-NOSEC-FALLBACK) -- as (peer, first 512 bytes), newest last.
        self.plaintext: collections.deque[tuple[tuple[str, int], bytes]] = collections.deque(maxlen=256)
        self.on_plaintext: Callable[[tuple[str, int], bytes], None] | None = None
        #: A new handshake from the address of an open association, until it completes (RFC 6347 §4.2.8).
        self._successors: dict[tuple[str, int], DtlsSession] = {}
        super().__init__(host, port, settings or DtlsSettings(**kw), redactor=redactor)

    def _build(self) -> None:
        if self.settings.psk_lookup is not None:
            self._store = PskStore(self.settings.psk_lookup)
        else:
            self._store = None
        self._ctx = self.settings.server_context(self._store)
        self._cache = resumption.ServerCache() if self.settings.resumes else None

    def session_for(self, peer: tuple[str, int]) -> DtlsSession | None:
        return self.sessions.get(peer)

    def _new_session(self, addr: tuple[str, int]) -> DtlsSession:
        buf = self._ctx.wrap_buffers()
        buf.setcookieparam(f"{addr[0]}:{addr[1]}".encode())
        if self._cache is not None and not self._cache.install(buf):
            log.info("DTLS server: session resumption unavailable with this python-mbedtls build")
            self._cache = None
        try:
            buf.setmtu(self.mtu)
        except Exception:
            pass
        report = self._hvr.pop(addr, None) or HandshakeReport("server", addr, self.settings.policy(),
                                                             self.settings.mode)
        return DtlsSession(self, addr, buf, report)

    def _received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            self._datagram(addr, data)
        except Exception:   # bad input from a device is a finding, never a crash of the harness
            log.exception("DTLS server: datagram from %s could not be handled", addr)

    def _datagram(self, addr: tuple[str, int], data: bytes) -> None:
        if data and not rec.CHANGE_CIPHER_SPEC <= data[0] <= 25:   # not a DTLS content type (RFC 6347 §4.1)
            self.plaintext.append((addr, bytes(data[:512])))
            log.warning("DTLS server: %d bytes that are no DTLS record from %s:%d (plaintext CoAP?)",
                        len(data), addr[0], addr[1])
            if self.on_plaintext is not None:
                self.on_plaintext(addr, bytes(data))
            return
        sess = self.sessions.get(addr)
        pending = self._successors.get(addr)
        if pending is not None and (sess is None or sess.state != "open"):
            del self._successors[addr]              # the old association is gone: the new one is the peer's
            self.sessions[addr] = sess = pending
            pending = None
        if pending is not None and sess is not None and sess.state == "open":
            # a new handshake beside an open association: plaintext (epoch 0) goes to the new one; protected
            # records to the open one, and to the new one too once it waits for the peer's Finished
            if rec.without_epoch0(data) != data:
                pending.feed(data)
                return
            if pending._step() in ("CLIENT_FINISHED", "CLIENT_CHANGE_CIPHER_SPEC"):
                pending.feed(data)
            if self.sessions.get(addr) is sess:
                sess.feed(data)
            return
        if sess is not None and not (sess.state == "open" and _is_client_hello(data)):
            sess.feed(data)
            return
        if not _is_client_hello(data):
            return   # a stray record for no session: DTLS drops it silently (RFC 6347 §4.1.2.7)
        random = rec.client_random(data)
        if sess is not None and random is not None and random == sess.hello_random:
            # a copy of the ClientHello that began the open association (the network duplicated or delayed
            # it, or someone replays it): not a new handshake; dropped
            log.debug("DTLS server: a copy of %r's ClientHello, dropped", sess)
            return
        if sess is None and len(self.sessions) >= self.max_sessions:
            log.warning("DTLS server: %d sessions, refusing a new one from %s", len(self.sessions), addr)
            return
        cand = self._new_session(addr)
        cand.hello_random = random
        cand.feed(data)
        if cand.state == "handshake" and sess is not None and sess.state == "open":
            # RFC 6347 §4.2.8: proceed with the handshake but keep the existing association until the new
            # one delivers a verifiable Finished (a valid cookie alone proves little: any copy of an old
            # ClientHello from that address carries one)
            self._successors[addr] = cand
        elif cand.state == "handshake" or cand.state == "open":
            self._replace(addr, cand)

    def _replace(self, addr: tuple[str, int], new: DtlsSession) -> None:
        """``new`` is the peer's association from now on (a rebooted client, RFC 6347 §4.2.8)."""
        old = self.sessions.get(addr)
        self.sessions[addr] = new
        if old is not None and old is not new:
            old.state = "closed"
            old._cancel_timer()
            self._peer_gone(old, ProtocolError(f"{old!r} replaced: the peer completed a new handshake"))

    def _on_established(self, session: DtlsSession) -> None:
        if self._successors.get(session.peer) is session:
            del self._successors[session.peer]
            self._replace(session.peer, session)
        super()._on_established(session)


    def _hello_verify(self, session: DtlsSession) -> None:
        # stateless: keep only the report, for the diagnostics of the retry
        session.state = "closed"
        session._cancel_timer()
        self._hvr[session.peer] = session.report
        while len(self._hvr) > 1024:
            self._hvr.popitem(last=False)

    def _forget(self, session: DtlsSession) -> None:
        if self.sessions.get(session.peer) is session:
            del self.sessions[session.peer]
        if self._successors.get(session.peer) is session:
            del self._successors[session.peer]

    def close(self) -> None:
        for s in list(self._successors.values()):
            s.close(notify=False)
        super().close()

    def send(self, data: bytes, remote: Remote) -> None:
        if isinstance(remote, DtlsSession):
            remote.write(data)
            return
        sess = self.sessions.get(remote)  # type: ignore[arg-type]
        if sess is not None:
            sess.write(data)


class DtlsClientTransport(_DtlsBase):
    """The device side: a session per server address, opened on the first send to it.

    The remote handed up is the server address, as on UDP.  A failed or closed
    session is replaced by a fresh handshake on the next send (a device retries)."""

    role = "client"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, settings: DtlsSettings | None = None, *,
                 redactor: Redactor | None = None, **kw: Any) -> None:
        self.sessions: dict[tuple[str, int], DtlsSession] = {}
        self._saved: dict[tuple[str, int], resumption.SavedSession] = {}
        super().__init__(host, port, settings or DtlsSettings(**kw), redactor=redactor)

    def _build(self) -> None:
        self._ctx = self.settings.client_context()
        self._saved = {}

    def forget_session(self, addr: tuple[str, int] | None = None) -> None:
        """Drop the saved session(s): the next handshake is a full one."""
        if addr is None:
            self._saved.clear()
        else:
            self._saved.pop((addr[0], addr[1]), None)

    def _on_established(self, session: DtlsSession) -> None:
        if self.settings.resumes:
            saved = resumption.save(session._buf)
            if saved is not None:
                self._saved[session.peer] = saved
        super()._on_established(session)

    def _start(self, addr: tuple[str, int]) -> DtlsSession:
        c = self.settings.certificates
        buf = self._ctx.wrap_buffers(c.server_name if c is not None else None)
        try:
            buf.setmtu(self.mtu)
        except Exception:
            pass
        saved = self._saved.get(addr) if self.settings.resumes else None
        if saved is not None:
            resumption.offer(buf, saved)
        report = HandshakeReport("client", addr, self.settings.policy(), self.settings.mode)
        if self.settings.psk is not None:
            report.psk_identity = self.settings.psk.identity
        sess = DtlsSession(self, addr, buf, report, remote_key=addr)
        self.sessions[addr] = sess
        sess._handshake(poke=False)
        return sess

    def session_for(self, addr: tuple[str, int]) -> DtlsSession | None:
        return self.sessions.get((addr[0], addr[1]))

    async def connect(self, addr: tuple[str, int], timeout: float | None = None) -> DtlsSession:
        """Handshake with ``addr`` now (or reuse the open session); raises :class:`DtlsHandshakeError`."""
        addr = (addr[0], addr[1])
        sess = self.sessions.get(addr)
        if sess is None or sess.state in ("failed", "closed"):
            sess = self._start(addr)
        return await sess.wait_established(timeout if timeout is not None else self.settings.deadline() + 1)

    def _received(self, data: bytes, addr: tuple[str, int]) -> None:
        sess = self.sessions.get(addr)
        if sess is not None:
            sess.feed(data)

    def send(self, data: bytes, remote: Remote) -> None:
        if isinstance(remote, DtlsSession):
            remote.write(data)
            return
        addr = (remote[0], remote[1])  # type: ignore[index]
        sess = self.sessions.get(addr)
        if sess is None or sess.state in ("failed", "closed"):
            sess = self._start(addr)
        sess.write(data)

    def _hello_verify(self, session: DtlsSession) -> None:  # pragma: no cover - only servers send HVR
        pass

    def _forget(self, session: DtlsSession) -> None:
        if self.sessions.get(session.peer) is session:
            del self.sessions[session.peer]

    def _before_move(self) -> None:
        """A session is bound to the address it was made from: close each (close_notify from the old socket);
        the next send from the new socket handshakes again."""
        for s in list(self.sessions.values()):
            s.close()


#: Where each role checks the peer's certificate chain against a peer_policy: the client once the server's
#: flight is in (before its Certificate/ClientKeyExchange), the server before its ChangeCipherSpec.
_CHECK_BEFORE = {"client": HS.CLIENT_CERTIFICATE, "server": HS.SERVER_CHANGE_CIPHER_SPEC}


def _is_client_hello(data: bytes) -> bool:
    """A plaintext (epoch 0) handshake record carrying a ClientHello (RFC 6347 §4.2.8)."""
    return len(data) >= 26 and data[0] == rec.HANDSHAKE and data[3:5] == b"\0\0" and data[13] == 1
