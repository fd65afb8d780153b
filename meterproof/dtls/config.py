"""Credentials and settings for a DTLS endpoint, and how they become python-mbedtls contexts.

One :class:`DtlsSettings` describes either side:

* PSK -- the client holds one ``(identity, key)``; the server holds a *lookup*
  (``identity -> key or None``), called during each handshake, so the harness can
  provision per-device keys at any time;
* certificates -- our chain and private key, the CAs we trust to verify the
  peer (the server always requires and verifies a client certificate: Mbed TLS
  has no "don't ask" mode, see dtls-modes.md §1 pitfall 1), and on the client
  the name checked against the server certificate (also sent as SNI);
* raw public keys (RFC 7250) -- our ECDSA P-256 key pair and the check of the
  peer's key (the client pins the server's, the server asks a lookup); these
  settings build a GnuTLS context (:mod:`.gnutls_rpk`) instead of a python-mbedtls one;
* the cipher-suite policy (IANA names, our order wins on the server), the MTU
  and the handshake retransmission timer bounds.

A context is cheap to build; change settings by building a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Union

from mbedtls import pk, tls, x509

from ..errors import ConfigError
from . import suites

PskLookup = Callable[[str], Union[bytes, None]]


@dataclass(frozen=True)
class Psk:
    identity: str
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, (bytes, bytearray)) or not self.key:
            raise ConfigError("a PSK key must be non-empty bytes")
        if len(self.key) > 64:
            raise ConfigError("a PSK key may be at most 64 bytes (TLS PSK limit)")
        if len(self.identity.encode()) > 128:
            raise ConfigError("a PSK identity may be at most 128 bytes")


@dataclass(frozen=True)
class Certificates:
    """Our certificate chain (leaf first) and key, plus the CAs trusted for the peer."""

    chain: tuple[x509.CRT, ...]
    key: Any = field(repr=False)                 # mbedtls.pk.ECC / RSA
    trusted: tuple[x509.CRT, ...] = ()
    server_name: str | None = None               # client only: SNI and the name the server cert must carry
    verify_peer: bool = True
    #: Checked against the peer's chain mid-handshake (cert_usage.CertUsagePolicy: Certificate Usage and
    #: Matching Type); a refusal aborts the handshake with a fatal alert.  None: Mbed TLS's verification only.
    peer_policy: Any = None

    @classmethod
    def load(cls, chain: bytes | x509.CRT | tuple[bytes | x509.CRT, ...], key: bytes | Any,
             trusted: tuple[bytes | x509.CRT, ...] = (), **kw: Any) -> "Certificates":
        """Build from DER/PEM bytes or mbedtls objects."""
        def crt(c: bytes | x509.CRT) -> x509.CRT:
            if isinstance(c, x509.CRT):
                return c
            return x509.CRT.from_PEM(c.decode()) if c.lstrip().startswith(b"-----") else x509.CRT.from_DER(c)
        chain_t = chain if isinstance(chain, tuple) else (chain,)
        k = key if not isinstance(key, (bytes, bytearray)) else pk.ECC.from_buffer(bytes(key))
        return cls(tuple(crt(c) for c in chain_t), k, tuple(crt(c) for c in trusted), **kw)


@dataclass(frozen=True)
class RawPublicKeys:
    """Our raw public key pair (RFC 7250) and how the peer's key is judged.

    ``public_key`` is a DER SubjectPublicKeyInfo and ``private_key`` a DER EC key (SEC1 or PKCS#8), as
    Security /0/x/3 and /0/x/5 hold them in RPK mode; ``peer_ok(spki)`` says whether the peer's key is
    acceptable (client: equal to /0/x/4; server: a key the harness provisioned)."""

    public_key: bytes
    private_key: bytes = field(repr=False)
    peer_ok: Callable[[bytes], bool] = field(default=lambda spki: False, repr=False)

    @classmethod
    def generate(cls, peer_ok: Callable[[bytes], bool] | None = None) -> "RawPublicKeys":
        """A fresh ECDSA P-256 key pair (the LwM2M mandatory curve, TS Transport 1.1 §5.2.8.2)."""
        k = pk.ECC(pk.Curve.SECP256R1)
        k.generate()
        return cls(k.export_public_key("DER"), k.export_key("DER"),
                   peer_ok if peer_ok is not None else (lambda spki: False))

    @classmethod
    def pinned(cls, public_key: bytes, private_key: bytes, peer_key: bytes) -> "RawPublicKeys":
        """A client's keys with the server's key pinned (/0/x/4: exactly this SubjectPublicKeyInfo)."""
        want = bytes(peer_key)
        return cls(bytes(public_key), bytes(private_key), lambda spki: bytes(spki) == want)


@dataclass(frozen=True)
class DtlsSettings:
    psk: Psk | None = None                      # client
    psk_lookup: PskLookup | Mapping[str, bytes] | None = None   # server
    certificates: Certificates | None = None
    rpk: RawPublicKeys | None = None            # raw public keys: either side, via GnuTLS (gnutls_rpk.py)
    ciphers: tuple[str, ...] | None = None      # IANA names; None -> LwM2M policy for the modes configured
    mtu: int = 1280
    handshake_timeout_min: float = 1.0          # RFC 6347 §4.2.4.1 initial timer
    handshake_timeout_max: float = 60.0
    handshake_deadline: float | None = None     # give up a handshake after this long (None: from the timer bounds)
    resumption: bool = True                     # server: keep a session cache; client: offer the last session
    #: RFC 6347 §4.1.2.6 record replay detection (Mbed TLS's anti_replay; GnuTLS, the RPK backend, always has it).
    #: Off only for the simulator's ``dtls-no-replay-protection`` defect.
    anti_replay: bool = True
    #: the client context these settings build, once (settings are frozen; sessions live in the wrapped buffers)
    _client_ctx: "tls.ClientContext | None" = field(default=None, init=False, repr=False, compare=False)

    def with_(self, **changes: Any) -> "DtlsSettings":
        return replace(self, **changes)

    @property
    def mode(self) -> str:
        modes = []
        if self.psk is not None or self.psk_lookup is not None:
            modes.append("psk")
        if self.certificates is not None:
            modes.append("certificate")
        if self.rpk is not None:
            modes.append("rpk")
        return "+".join(modes) or "none"

    def policy(self) -> tuple[str, ...]:
        if self.ciphers is not None:
            return suites.normalise(self.ciphers)
        out: tuple[str, ...] = ()
        if self.certificates is not None or self.rpk is not None:
            out += suites.LWM2M_CERT
        if self.psk is not None or self.psk_lookup is not None:
            out += suites.LWM2M_PSK
        return out

    @property
    def resumes(self) -> bool:
        """Session resumption in use (the python-mbedtls backend only: none with raw public keys)."""
        return self.resumption and self.rpk is None

    def _rpk_context(self, role: str) -> Any:
        from .gnutls_rpk import RpkContext
        if self.psk is not None or self.psk_lookup is not None or self.certificates is not None:
            raise ConfigError("raw public keys are served by their own backend: give rpk alone")
        assert self.rpk is not None
        return RpkContext(role, self.rpk.public_key, self.rpk.private_key, self.rpk.peer_ok, self.policy(),
                          timeouts=(self.handshake_timeout_min, self.handshake_timeout_max))

    def deadline(self) -> float:
        if self.handshake_deadline is not None:
            return self.handshake_deadline
        # the whole back-off schedule of RFC 6347 §4.2.4.1 up to the maximum, plus one last wait
        t, total = self.handshake_timeout_min, 0.0
        while t < self.handshake_timeout_max:
            total += t
            t *= 2
        return total + self.handshake_timeout_max

    def _base(self, **extra: Any) -> dict[str, Any]:
        kw: dict[str, Any] = dict(
            lowest_supported_version=tls.DTLSVersion.DTLSv1_2,
            highest_supported_version=tls.DTLSVersion.DTLSv1_2,
            handshake_timeout_min=self.handshake_timeout_min,
            handshake_timeout_max=self.handshake_timeout_max,
            ciphers=suites.to_mbedtls(self.policy()) or None,
            anti_replay=self.anti_replay,
        )
        c = self.certificates
        if c is not None:
            if c.chain:
                kw["certificate_chain"] = (tuple(c.chain), c.key)
            if c.trusted:
                kw["trust_store"] = tls.TrustStore(list(c.trusted))
            kw["validate_certificates"] = c.verify_peer
        else:
            kw["validate_certificates"] = False
        kw.update(extra)
        return kw

    def server_context(self, store: "PskStore | None" = None) -> Any:
        if self.rpk is not None:
            return self._rpk_context("server")
        extra: dict[str, Any] = {}
        if self.psk_lookup is not None:
            extra["pre_shared_key_store"] = store if store is not None else PskStore(self.psk_lookup)
        if self.certificates is None and self.psk_lookup is None:
            raise ConfigError("a DTLS server needs a PSK lookup or certificates")
        return tls.ServerContext(tls.DTLSConfiguration(**self._base(**extra)))

    def client_context(self) -> tls.ClientContext:
        """The client context of these settings, built on first use and shared by every transport that uses
        them (a fleet of simulated meters with one configuration builds it once)."""
        if self._client_ctx is None:
            object.__setattr__(self, "_client_ctx", self._new_client_context())
        return self._client_ctx  # type: ignore[return-value]

    def _new_client_context(self) -> Any:
        if self.rpk is not None:
            return self._rpk_context("client")
        extra: dict[str, Any] = {}
        if self.psk is not None:
            extra["pre_shared_key"] = (self.psk.identity, bytes(self.psk.key))
        if self.certificates is None and self.psk is None:
            raise ConfigError("a DTLS client needs a PSK or certificates")
        return tls.ClientContext(tls.DTLSConfiguration(**self._base(**extra)))


class PskStore(Mapping[str, bytes]):
    """The PSK store python-mbedtls consults during a handshake, turned into a lookup call.

    python-mbedtls keeps the mapping object and indexes it with the identity the
    client sent; this class answers from a callback (or a mapping) and tells the
    transport which identity was asked for and whether a key was found."""

    def __init__(self, lookup: PskLookup | Mapping[str, bytes]) -> None:
        self.lookup = lookup
        #: Called with (identity, found) on every lookup; the transport points it at the current session.
        self.observer: Callable[[str, bytes | None], None] | None = None

    def __getitem__(self, identity: str) -> bytes:
        if isinstance(identity, (bytes, bytearray)):
            identity = bytes(identity).decode("utf-8", "backslashreplace")
        if isinstance(self.lookup, Mapping):
            key = self.lookup.get(identity)
        else:
            key = self.lookup(identity)
        if self.observer is not None:
            self.observer(identity, key)
        if key is None:
            raise KeyError(identity)
        return bytes(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.lookup) if isinstance(self.lookup, Mapping) else iter(())

    def __len__(self) -> int:
        return len(self.lookup) if isinstance(self.lookup, Mapping) else 0

    def __bool__(self) -> bool:      # an empty-looking callback store must still be installed
        return True
