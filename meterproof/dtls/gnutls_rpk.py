"""Raw Public Keys (RFC 7250) over DTLS 1.2: a small ctypes binding to the system GnuTLS, used sans-IO.

python-mbedtls cannot do RPK (Mbed TLS never implemented RFC 7250; docs/DTLS.md), GnuTLS
(Debian libgnutls30, 3.6.6 and later) can.  This module gives the transport
(:mod:`.transport`) the same small surface a python-mbedtls context and its
``TLSWrappedBuffer`` have, so :class:`~.transport.DtlsSession` drives either
without knowing which one it holds:

* :class:`RpkContext` -- our key pair (ECDSA P-256: a SubjectPublicKeyInfo and a
  PKCS#8 private key, DER), the peer check (``peer_ok(spki) -> bool``: the
  client pins the server key from /0/x/4, the server asks its lookup of known
  clients) and the suites; ``wrap_buffers()`` makes one :class:`RpkBuffer` per
  association;
* :class:`RpkBuffer` -- ``receive_from_network`` / ``do_handshake`` / ``read`` /
  ``write`` / ``peek_outgoing`` / ``consume_outgoing`` / ``shutdown``, raising the
  python-mbedtls exceptions (``WantReadError``, ``HelloVerifyRequest``,
  ``TLSError``) the session already handles.

Datagrams go in and out through custom pull/push functions (no socket is given
to GnuTLS).  The server answers a ClientHello without a valid cookie with
``gnutls_dtls_cookie_send`` and keeps no state (RFC 6347 §4.2.1), as the
python-mbedtls server does.  A failed handshake sends the alert GnuTLS thinks
appropriate (``gnutls_alert_send_appropriate``: GnuTLS sends none by itself,
dtls-modes.md §2 pitfalls); a refused peer key is ``bad_certificate`` (42).
Retransmission: GnuTLS resends a lost flight when ``gnutls_handshake`` is called
after its timer expired, which the session's poke timer does.

The private key is copied into GnuTLS's credentials once per context (the ctypes copy is zeroed
afterwards); whoever holds the settings registers it with the run's redactor (the transports do,
``_DtlsBase._register_secrets``), so no report, log or capture shows it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import secrets
from typing import Any, Callable

from mbedtls import tls
from mbedtls.exceptions import TLSError

from ..errors import ConfigError

log = logging.getLogger(__name__)

# gnutls.h / dtls.h constants (GnuTLS 3.7)
_SERVER, _CLIENT, _DATAGRAM, _NONBLOCK, _ENABLE_RAWPK = 1, 2, 4, 8, 1 << 18
_CRD_CERTIFICATE, _CERT_REQUIRE, _FMT_DER, _CRT_RAWPK, _CTYPE_PEERS = 1, 2, 0, 3, 3
E_AGAIN, E_INTERRUPTED, E_LARGE_PACKET, E_REHANDSHAKE = -28, -52, -7, -37
E_FATAL_ALERT_RECEIVED, E_WARNING_ALERT_RECEIVED, E_CERTIFICATE_ERROR, E_TIMEDOUT = -12, -16, -43, -319
_COOKIE_KEY_SIZE = 16
_SHUT_WR = 1

#: IANA ECDHE-ECDSA suites -> the GnuTLS cipher and MAC keywords that make them (RPK is ECDSA only here).
_GNUTLS_SUITES = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8": ("AES-128-CCM-8", "AEAD"),
    "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8": ("AES-256-CCM-8", "AEAD"),
    "TLS_ECDHE_ECDSA_WITH_AES_128_CCM": ("AES-128-CCM", "AEAD"),
    "TLS_ECDHE_ECDSA_WITH_AES_256_CCM": ("AES-256-CCM", "AEAD"),
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": ("AES-128-GCM", "AEAD"),
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": ("AES-256-GCM", "AEAD"),
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": ("CHACHA20-POLY1305", "AEAD"),
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256": ("AES-128-CBC", "SHA256"),
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": ("AES-128-CBC", "SHA1"),
}


class _Datum(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_ubyte)), ("size", ctypes.c_uint)]


class _Prestate(ctypes.Structure):
    _fields_ = [("record_seq", ctypes.c_uint), ("hsk_read_seq", ctypes.c_uint), ("hsk_write_seq", ctypes.c_uint)]


_PUSH = ctypes.CFUNCTYPE(ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_PULL = ctypes.CFUNCTYPE(ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_PULL_TIMEOUT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint)
_VERIFY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)

_lib: Any = None
_load_error: str | None = None


def _load() -> Any:
    global _lib, _load_error
    if _lib is not None or _load_error is not None:
        return _lib
    name = ctypes.util.find_library("gnutls") or "libgnutls.so.30"
    try:
        lib = ctypes.CDLL(name)
        lib.gnutls_certificate_set_rawpk_key_mem    # GnuTLS >= 3.6.6
    except (OSError, AttributeError) as exc:
        _load_error = f"GnuTLS with RFC 7250 support not found ({name}: {exc}); install libgnutls30"
        return None
    vp, ip, up, cp = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_char_p
    sig = {
        "gnutls_init": (ip, [ctypes.POINTER(vp), up]),
        "gnutls_deinit": (None, [vp]),
        "gnutls_priority_set_direct": (ip, [vp, cp, ctypes.POINTER(cp)]),
        "gnutls_credentials_set": (ip, [vp, ip, vp]),
        "gnutls_certificate_allocate_credentials": (ip, [ctypes.POINTER(vp)]),
        "gnutls_certificate_free_credentials": (None, [vp]),
        "gnutls_certificate_set_rawpk_key_mem": (ip, [vp, ctypes.POINTER(_Datum), ctypes.POINTER(_Datum), ip, cp,
                                                      up, vp, up, up]),
        "gnutls_certificate_set_verify_function": (None, [vp, _VERIFY]),
        "gnutls_certificate_server_set_request": (None, [vp, ip]),
        "gnutls_certificate_get_peers": (ctypes.POINTER(_Datum), [vp, ctypes.POINTER(up)]),
        "gnutls_certificate_type_get2": (ip, [vp, ip]),
        "gnutls_transport_set_ptr": (None, [vp, vp]),
        "gnutls_transport_set_push_function": (None, [vp, _PUSH]),
        "gnutls_transport_set_pull_function": (None, [vp, _PULL]),
        "gnutls_transport_set_pull_timeout_function": (None, [vp, _PULL_TIMEOUT]),
        "gnutls_transport_set_errno": (None, [vp, ip]),
        "gnutls_dtls_set_mtu": (None, [vp, up]),
        "gnutls_dtls_set_timeouts": (None, [vp, up, up]),
        "gnutls_dtls_cookie_send": (ip, [ctypes.POINTER(_Datum), vp, ctypes.c_size_t, ctypes.POINTER(_Prestate),
                                         vp, _PUSH]),
        "gnutls_dtls_cookie_verify": (ip, [ctypes.POINTER(_Datum), vp, ctypes.c_size_t, vp, ctypes.c_size_t,
                                           ctypes.POINTER(_Prestate)]),
        "gnutls_dtls_prestate_set": (None, [vp, ctypes.POINTER(_Prestate)]),
        "gnutls_handshake": (ip, [vp]),
        "gnutls_record_send": (ctypes.c_ssize_t, [vp, vp, ctypes.c_size_t]),
        "gnutls_record_recv": (ctypes.c_ssize_t, [vp, vp, ctypes.c_size_t]),
        "gnutls_bye": (ip, [vp, ip]),
        "gnutls_alert_send_appropriate": (ip, [vp, ip]),
        "gnutls_alert_send": (ip, [vp, ip, ip]),
        "gnutls_alert_get": (ip, [vp]),
        "gnutls_error_is_fatal": (ip, [ip]),
        "gnutls_strerror": (cp, [ip]),
        "gnutls_strerror_name": (cp, [ip]),
        "gnutls_ciphersuite_get": (cp, [vp]),
        "gnutls_check_version": (cp, [cp]),
    }
    for fn, (res, args) in sig.items():
        f = getattr(lib, fn)
        f.restype, f.argtypes = res, args
    _lib = lib
    return lib


def available() -> str | None:
    """None when RPK can be used; otherwise why not (missing library, too old)."""
    _load()
    return _load_error


def version() -> str:
    lib = _load()
    return lib.gnutls_check_version(None).decode() if lib is not None else "absent"


def error_text(code: int) -> str:
    lib = _load()
    name = lib.gnutls_strerror_name(code)
    return f"{(name or b'?').decode()}: {lib.gnutls_strerror(code).decode()}"


def priority(ciphers: tuple[str, ...], server_order: bool = False) -> bytes:
    """A GnuTLS priority string: DTLS 1.2 only, ECDHE-ECDSA with the given suites, RPK both ways; a server
    picks in its own order (``server_order``), as the python-mbedtls server does."""
    chosen = [_GNUTLS_SUITES[c] for c in ciphers if c in _GNUTLS_SUITES]
    if not chosen:
        raise ConfigError(f"no ECDHE-ECDSA suite usable with raw public keys among {', '.join(ciphers)}")
    ciph = dict.fromkeys(c for c, _ in chosen)
    macs = dict.fromkeys(m for _, m in chosen)
    return ("NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+ECDHE-ECDSA:-CIPHER-ALL:" + ":".join("+" + c for c in ciph)
            + ":-MAC-ALL:" + ":".join("+" + m for m in macs) + ":-CTYPE-ALL:+CTYPE-CLI-RAWPK:+CTYPE-SRV-RAWPK"
            + (":%SERVER_PRECEDENCE" if server_order else "")).encode()


def _datum(data: bytes) -> tuple[_Datum, Any]:
    buf = (ctypes.c_ubyte * len(data)).from_buffer_copy(data)
    return _Datum(ctypes.cast(buf, ctypes.POINTER(ctypes.c_ubyte)), len(data)), buf


class RpkContext:
    """One side's RPK configuration; cheap per handshake, shared by every association of a transport."""

    def __init__(self, role: str, public_key: bytes, private_key: bytes, peer_ok: Callable[[bytes], bool],
                 ciphers: tuple[str, ...], *, timeouts: tuple[float, float] = (1.0, 60.0)) -> None:
        lib = _load()
        if lib is None:
            raise ConfigError(_load_error or "GnuTLS unavailable")
        self.role = role
        self.peer_ok = peer_ok
        self.priority = priority(ciphers, server_order=role == "server")
        self.timeouts = timeouts
        self._lib = lib
        cred = ctypes.c_void_p()
        _check(lib.gnutls_certificate_allocate_credentials(ctypes.byref(cred)), "allocate credentials")
        self._cred = cred
        spki, keep1 = _datum(bytes(public_key))
        key, keep2 = _datum(bytes(private_key))
        rc = lib.gnutls_certificate_set_rawpk_key_mem(cred, ctypes.byref(spki), ctypes.byref(key), _FMT_DER, None,
                                                      0, None, 0, 0)
        ctypes.memset(keep2, 0, len(keep2))
        del keep1, keep2
        if rc < 0:
            raise ConfigError(f"raw public key pair refused by GnuTLS: {error_text(rc)}")
        self._verify = _VERIFY(self._on_verify)
        lib.gnutls_certificate_set_verify_function(cred, self._verify)
        #: sessions by their GnuTLS handle, for the verify callback (it receives only the session)
        self.buffers: dict[int, RpkBuffer] = {}
        if role == "server":
            raw = secrets.token_bytes(_COOKIE_KEY_SIZE)
            self._cookie_key, self._cookie_buf = _datum(raw)

    def wrap_buffers(self, server_name: str | None = None) -> "RpkBuffer":
        return RpkBuffer(self)

    def _on_verify(self, session: int) -> int:
        buf = self.buffers.get(session or 0)
        try:
            n = ctypes.c_uint(0)
            lib = self._lib
            if lib.gnutls_certificate_type_get2(session, _CTYPE_PEERS) != _CRT_RAWPK:
                if buf is not None:
                    buf.refusal = "the peer presented no raw public key"
                return -1
            peers = lib.gnutls_certificate_get_peers(session, ctypes.byref(n))
            if not peers or n.value < 1:
                if buf is not None:
                    buf.refusal = "the peer presented no key"
                return -1
            spki = ctypes.string_at(peers[0].data, peers[0].size)
            if buf is not None:
                buf.peer_key = spki
            ok = bool(self.peer_ok(spki))
            if buf is not None:
                buf.verified = ok
                if not ok:
                    buf.refusal = "the peer's raw public key is not the one expected"
            return 0 if ok else -1
        except Exception:      # never let an exception cross into C
            log.exception("RPK verify callback failed")
            return -1

    def __del__(self) -> None:
        try:
            self._lib.gnutls_certificate_free_credentials(self._cred)
        except Exception:
            pass


def _check(rc: int, what: str) -> None:
    if rc < 0:
        raise ConfigError(f"GnuTLS {what}: {error_text(rc)}")


class RpkBuffer:
    """One association, sans-IO, with the part of python-mbedtls' ``TLSWrappedBuffer`` the session uses."""

    def __init__(self, ctx: RpkContext) -> None:
        self._ctx = ctx
        self._lib = ctx._lib
        self._inbox: list[bytes] = []
        self._outbox: list[bytes] = []
        self._session: ctypes.c_void_p | None = None
        self._cookie_param = b""
        self._mtu = 1280
        self._done = False
        self.peer_key: bytes | None = None
        self.verified = False
        self.refusal: str | None = None
        self._push = _PUSH(self._on_push)
        self._pull = _PULL(self._on_pull)
        self._pull_timeout = _PULL_TIMEOUT(self._on_pull_timeout)

    # -- the TLSWrappedBuffer surface
    @property
    def _handshake_state(self) -> Any:
        return tls.HandshakeStep.HANDSHAKE_OVER if self._done else tls.HandshakeStep.HELLO_REQUEST

    @property
    def _verified(self) -> bool:
        return self.verified

    def setcookieparam(self, param: bytes) -> None:
        self._cookie_param = bytes(param)

    def setmtu(self, mtu: int) -> None:
        self._mtu = int(mtu)
        if self._session is not None:
            self._lib.gnutls_dtls_set_mtu(self._session, self._mtu)

    def receive_from_network(self, data: bytes) -> None:
        if len(self._inbox) >= 64:
            raise BufferError("receive queue full")
        self._inbox.append(bytes(data))

    def peek_outgoing(self, amt: int) -> bytes:
        return b"".join(self._outbox)[:amt]

    def consume_outgoing(self, amt: int) -> None:
        out = b"".join(self._outbox)[amt:]
        self._outbox = [out] if out else []

    def do_handshake(self) -> None:
        if self._session is None:
            self._start()
        rc = self._lib.gnutls_handshake(self._session)
        if rc == 0:
            self._done = True
            return
        if rc in (E_AGAIN, E_INTERRUPTED):
            raise tls.WantReadError()
        if not self._lib.gnutls_error_is_fatal(rc) and rc != E_TIMEDOUT:
            raise tls.WantReadError()
        self._lib.gnutls_alert_send_appropriate(self._session, rc)
        text = self.refusal or error_text(rc)
        if rc == E_FATAL_ALERT_RECEIVED:
            text = f"{error_text(rc)} (alert {self._lib.gnutls_alert_get(self._session)})"
        raise TLSError(err=None, msg=f"GnuTLS: {text}")

    def read(self, amt: int) -> bytes:
        if self._session is None or not self._done:
            raise tls.WantReadError()
        data = ctypes.create_string_buffer(amt)
        n = self._lib.gnutls_record_recv(self._session, data, amt)
        if n > 0:
            return data.raw[:n]
        if n == 0:
            raise TLSError(err=0x7880, msg="peer closed the session (close_notify)")     # PEER_CLOSE_NOTIFY
        if n in (E_AGAIN, E_INTERRUPTED, E_REHANDSHAKE, E_WARNING_ALERT_RECEIVED) or \
                not self._lib.gnutls_error_is_fatal(n):
            if self._inbox:
                return self.read(amt)       # a record GnuTLS dropped (replay, bad MAC): try the next datagram
            raise tls.WantReadError()
        if n == E_FATAL_ALERT_RECEIVED:
            raise TLSError(err=0x7780, msg="GnuTLS: fatal alert received")              # FATAL_ALERT_MESSAGE
        raise TLSError(err=None, msg=f"GnuTLS: {error_text(n)}")

    def write(self, data: bytes) -> int:
        if self._session is None or not self._done:
            raise tls.WantWriteError()
        n = self._lib.gnutls_record_send(self._session, bytes(data), len(data))
        if n < 0:
            raise TLSError(err=None, msg=f"GnuTLS: {error_text(n)}")
        return n

    def shutdown(self) -> None:
        if self._session is not None and self._done:
            self._lib.gnutls_bye(self._session, _SHUT_WR)

    def cipher(self) -> str | None:
        if self._session is None or not self._done:
            return None
        name = self._lib.gnutls_ciphersuite_get(self._session)
        return name.decode() if name else None

    def getpeercert(self, binary_form: bool = True) -> bytes | None:
        """The peer's SubjectPublicKeyInfo (DER): the "certificate" of RPK mode."""
        return self.peer_key

    # -- internals
    def _start(self) -> None:
        lib, ctx = self._lib, self._ctx
        prestate = _Prestate()
        if ctx.role == "server":
            hello = self._inbox[0] if self._inbox else b""
            param = self._cookie_param or b"?"
            rc = lib.gnutls_dtls_cookie_verify(ctypes.byref(ctx._cookie_key), param, len(param), hello, len(hello),
                                               ctypes.byref(prestate))
            if rc < 0:      # no (valid) cookie: HelloVerifyRequest, no state kept (RFC 6347 §4.2.1)
                self._inbox.clear()
                lib.gnutls_dtls_cookie_send(ctypes.byref(ctx._cookie_key), param, len(param),
                                            ctypes.byref(prestate), None, self._push)
                raise tls.HelloVerifyRequest()
        s = ctypes.c_void_p()
        flags = (_SERVER if ctx.role == "server" else _CLIENT) | _DATAGRAM | _NONBLOCK | _ENABLE_RAWPK
        _check(lib.gnutls_init(ctypes.byref(s), flags), "init")
        self._session = s
        ctx.buffers[s.value or 0] = self
        err = ctypes.c_char_p()
        _check(lib.gnutls_priority_set_direct(s, ctx.priority, ctypes.byref(err)), f"priority {ctx.priority!r}")
        _check(lib.gnutls_credentials_set(s, _CRD_CERTIFICATE, ctx._cred), "credentials")
        if ctx.role == "server":
            lib.gnutls_certificate_server_set_request(s, _CERT_REQUIRE)
            lib.gnutls_dtls_prestate_set(s, ctypes.byref(prestate))
        lib.gnutls_transport_set_ptr(s, None)
        lib.gnutls_transport_set_push_function(s, self._push)
        lib.gnutls_transport_set_pull_function(s, self._pull)
        lib.gnutls_transport_set_pull_timeout_function(s, self._pull_timeout)
        lib.gnutls_dtls_set_mtu(s, self._mtu)
        lo, hi = ctx.timeouts
        lib.gnutls_dtls_set_timeouts(s, max(1, int(lo * 1000)), max(1, int(hi * 1000 * 4)))

    def _on_push(self, ptr: int, data: int, size: int) -> int:
        self._outbox.append(ctypes.string_at(data, size))
        return size

    def _on_pull(self, ptr: int, data: int, size: int) -> int:
        if not self._inbox:
            if self._session is not None:
                self._lib.gnutls_transport_set_errno(self._session, errno.EAGAIN)
            return -1
        dg = self._inbox.pop(0)[:size]
        ctypes.memmove(data, dg, len(dg))
        return len(dg)

    def _on_pull_timeout(self, ptr: int, ms: int) -> int:
        return 1 if self._inbox else 0

    def __del__(self) -> None:
        s = self._session
        if s is not None:
            try:
                self._ctx.buffers.pop(s.value or 0, None)
                self._lib.gnutls_deinit(s)
            except Exception:
                pass


__all__ = ["RpkBuffer", "RpkContext", "available", "error_text", "priority", "version"]
