"""Certificate Usage and Matching Type: how a peer's certificate is checked against the Security object.

LwM2M reuses the four DANE certificate usages of RFC 6698 §2.1.1 for the Security
object (/0/x/15 Certificate Usage, /0/x/13 Matching Type, TS Transport 1.2
§5.2.9.7; the default is 3 with exact matching, LwM2M 1.0's behaviour).  The
value they constrain is the "Server Public Key" /0/x/4: the certificate itself
(matching 0) or its SHA-256/384/512 hash (1, 2, 3).  LwM2M has no Selector, so the
whole DER certificate is matched (DANE selector 0).

=====  ===================================  ===================================================
usage  name                                 the presented chain is accepted when
=====  ===================================  ===================================================
0      CA constraint (PKIX-TA)              it passes PKIX to the device's trust store AND a CA
                                            certificate on that path matches /0/x/4
1      service certificate constraint       it passes PKIX to the device's trust store AND the
       (PKIX-EE)                            end-entity certificate matches /0/x/4
2      trust anchor assertion (DANE-TA)     it chains to the certificate matching /0/x/4, used as
                                            the only trust anchor (with a hash, the anchor must
                                            be in the presented chain, RFC 7671 §5.2.2)
3      domain-issued certificate (DANE-EE)  the end-entity certificate matches /0/x/4; no path
                                            validation, no name check (RFC 7671 §5.1)
=====  ===================================  ===================================================

This is what AVSystem Anjay documents for its client too (its "Certificate Usage"
page): 0 and 1 need a PKIX trust store, 2 ignores it, 3 compares the leaf only.

:class:`CertUsagePolicy` is pure: ``check(chain)`` takes the DER certificates the
peer sent (leaf first) and returns a :class:`Verdict`.  The DTLS transport runs it
in the middle of the handshake, once the peer's Certificate message is in and
before our next flight (``Certificates(peer_policy=...)``), for either role; a
rejection aborts the handshake with a fatal alert and the reason in the report.
:meth:`CertUsagePolicy.mbedtls_trust` says which CAs Mbed TLS itself may verify
with first (usages 0, 1 and 2 with an exact anchor), so the usual Mbed TLS
diagnostics still apply where PKIX is part of the usage.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

from ..errors import ConfigError

CA_CONSTRAINT, SERVICE_CERTIFICATE_CONSTRAINT, TRUST_ANCHOR_ASSERTION, DOMAIN_ISSUED = 0, 1, 2, 3
EXACT, SHA256, SHA384, SHA512 = 0, 1, 2, 3
#: /0/x/15 values (RFC 6698 §2.1.1 names in brackets)
USAGES = {0: "CA constraint", 1: "service certificate constraint", 2: "trust anchor assertion",
          3: "domain-issued certificate"}
#: /0/x/13 values (RFC 6698 §2.1.3)
MATCHING_TYPES = {0: "exact match", 1: "SHA-256", 2: "SHA-384", 3: "SHA-512"}
#: When the resources are absent (0.xml: "value (3) ... is assumed"; matching 0 "if not present").
DEFAULT_USAGE, DEFAULT_MATCHING = DOMAIN_ISSUED, EXACT
_HASHES = {SHA256: hashlib.sha256, SHA384: hashlib.sha384, SHA512: hashlib.sha512}
#: TLS alerts for a rejection: the certificate does not match (42), no acceptable anchor (48)
BAD_CERTIFICATE, UNKNOWN_CA = 42, 48
_MAX_DEPTH = 8


def association(der: bytes, matching: int) -> bytes:
    """What /0/x/4 holds for certificate ``der`` under Matching Type ``matching``."""
    if matching == EXACT:
        return bytes(der)
    if matching not in _HASHES:
        raise ConfigError(f"Matching Type {matching}: 0 exact, 1 SHA-256, 2 SHA-384, 3 SHA-512")
    return _HASHES[matching](bytes(der)).digest()


def matches(der: bytes, value: bytes, matching: int) -> bool:
    """Does certificate ``der`` match the /0/x/4 ``value`` under ``matching``?"""
    try:
        return bool(value) and association(der, matching) == bytes(value)
    except ConfigError:
        return False


def describe(usage: int, matching: int) -> str:
    return f"Certificate Usage {usage} ({USAGES.get(usage, '?')}), Matching Type {matching} " \
           f"({MATCHING_TYPES.get(matching, '?')})"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str                                 # one sentence: why accepted or refused
    alert: int = 0                              # the TLS alert to send when refused
    path: tuple[str, ...] = ()                  # subjects of the validated path, leaf first

    def __bool__(self) -> bool:
        return self.ok


@dataclass
class _Cert:
    der: bytes
    crt: Any

    @property
    def subject(self) -> str:
        return str(self.crt.subject)

    @property
    def issuer(self) -> str:
        return str(self.crt.issuer)

    @property
    def is_ca(self) -> bool:
        try:
            return bool(self.crt.basic_constraints.ca)
        except Exception:
            return False

    def signed(self, child: "_Cert") -> bool:
        """Did this certificate's key sign ``child`` (and do the names chain)?"""
        if child.issuer != self.subject:
            return False
        try:
            return bool(self.crt.verify(child.crt))
        except Exception:
            return False

    def valid_at(self, now: _dt.datetime) -> bool:
        try:
            return self.crt.not_before <= now <= self.crt.not_after
        except Exception:
            return False

    def names(self) -> list[str]:
        """DNS names the certificate is for: subjectAltName dNSNames, else the CN (as Mbed TLS does)."""
        try:
            sans = [str(n) for n in self.crt.subject_alternative_names if str(n)]
        except Exception:
            sans = []
        if sans:
            return sans
        out = []
        for part in self.subject.split(","):
            k, _, v = part.strip().partition("=")
            if k.strip().upper() == "CN":
                out.append(v.strip())
        return out


def _parse(der: bytes) -> _Cert | None:
    from mbedtls import x509
    try:
        return _Cert(bytes(der), x509.CRT.from_DER(bytes(der)))
    except Exception:
        return None


def _name_ok(name: str, pattern: str) -> bool:
    name, pattern = name.lower().rstrip("."), pattern.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = name.partition(".")
        return bool(head) and rest == pattern[2:]
    return name == pattern


@dataclass(frozen=True)
class CertUsagePolicy:
    """How one account checks its peer's certificate: /0/x/4, /0/x/15, /0/x/13, SNI and a trust store.

    ``server_key`` -- /0/x/4 (a certificate, or its hash per ``matching``);
    ``trust_store`` -- the device's PKIX trust anchors (DER), used by usages 0 and 1 only;
    ``server_name`` -- the name the certificate must carry (/0/x/14 or the URI host); not checked
    for usage 3."""

    server_key: bytes = field(repr=False)
    usage: int = DEFAULT_USAGE
    matching: int = DEFAULT_MATCHING
    trust_store: tuple[bytes, ...] = field(default=(), repr=False)
    server_name: str | None = None

    def __post_init__(self) -> None:
        if self.usage not in USAGES:
            raise ConfigError(f"Certificate Usage {self.usage}: 0 CA constraint, 1 service certificate constraint, "
                              f"2 trust anchor assertion, 3 domain-issued certificate")
        if self.matching not in MATCHING_TYPES:
            raise ConfigError(f"Matching Type {self.matching}: 0 exact, 1 SHA-256, 2 SHA-384, 3 SHA-512")
        if not self.server_key:
            raise ConfigError("certificate mode: /0/x/4 (Server Public Key) is empty")
        if self.matching == EXACT and _parse(self.server_key) is None:
            raise ConfigError("/0/x/4 with Matching Type 0 must be a DER certificate")
        want = {1: 32, 2: 48, 3: 64}.get(self.matching)
        if want is not None and len(self.server_key) != want:
            raise ConfigError(f"/0/x/4 with Matching Type {self.matching} must be a {want}-byte hash, "
                              f"got {len(self.server_key)} bytes")

    @property
    def text(self) -> str:
        return describe(self.usage, self.matching)

    def mbedtls_trust(self) -> tuple[bytes, ...]:
        """The CAs Mbed TLS may verify the chain with during the handshake (empty: Mbed TLS must not verify).

        python-mbedtls 2.10's ``TrustStore`` only ever verifies against its *first* CA (measured: a chain to
        the second CA of a two-CA store fails with unknown_ca), so a store of several CAs is left to
        :meth:`check` alone."""
        if self.usage in (CA_CONSTRAINT, SERVICE_CERTIFICATE_CONSTRAINT):
            return tuple(self.trust_store) if len(self.trust_store) == 1 else ()
        if self.usage == TRUST_ANCHOR_ASSERTION and self.matching == EXACT:
            return (bytes(self.server_key),)
        return ()

    # ------------------------------------------------------------------ the check
    def check(self, chain: Sequence[bytes], now: _dt.datetime | None = None) -> Verdict:
        """Accept or refuse the certificate chain the peer presented (DER, leaf first)."""
        now = now or _dt.datetime.utcnow()
        how = self.text
        if not chain:
            return Verdict(False, f"no certificate was presented ({how})", BAD_CERTIFICATE)
        certs = [_parse(d) for d in chain]
        if certs[0] is None:
            return Verdict(False, "the presented certificate does not parse", BAD_CERTIFICATE)
        leaf = certs[0]
        extra = [c for c in certs[1:] if c is not None]
        if self.usage == DOMAIN_ISSUED:
            if matches(leaf.der, self.server_key, self.matching):
                return Verdict(True, f"{leaf.subject} is the pinned certificate ({how})", path=(leaf.subject,))
            return Verdict(False, f"{leaf.subject} issued by {leaf.issuer} is not the certificate pinned in "
                                  f"/0/x/4 ({how})", BAD_CERTIFICATE)
        if self.usage == TRUST_ANCHOR_ASSERTION:
            if self.matching == EXACT:
                anchors = [c for c in [_parse(self.server_key)] if c is not None]
            else:
                anchors = [c for c in certs if c is not None and matches(c.der, self.server_key, self.matching)]
                if not anchors:
                    return Verdict(False, f"no certificate in the presented chain of {leaf.subject} matches the "
                                          f"trust anchor hash in /0/x/4 ({how})", UNKNOWN_CA)
            paths = list(self._paths(leaf, extra, anchors, now))
            if not paths:
                return Verdict(False, f"{leaf.subject} issued by {leaf.issuer} does not chain to the asserted trust "
                                      f"anchor ({how})", UNKNOWN_CA)
            return self._named(leaf, paths[0], how)
        # 0 and 1: PKIX to the device's trust store, then the constraint
        store = [c for c in (_parse(d) for d in self.trust_store) if c is not None]
        if not store:
            return Verdict(False, f"the device has no PKIX trust store, which {how} needs", UNKNOWN_CA)
        paths = list(self._paths(leaf, extra, store, now))
        if not paths:
            return Verdict(False, f"{leaf.subject} issued by {leaf.issuer} does not chain to the device's trust "
                                  f"store ({how})", UNKNOWN_CA)
        if self.usage == SERVICE_CERTIFICATE_CONSTRAINT:
            if not matches(leaf.der, self.server_key, self.matching):
                return Verdict(False, f"{leaf.subject} issued by {leaf.issuer} chains to the trust store but is not "
                                      f"the service certificate in /0/x/4 ({how})", BAD_CERTIFICATE)
            return self._named(leaf, paths[0], how)
        for p in paths:
            if any(matches(c.der, self.server_key, self.matching) for c in p[1:]):
                return self._named(leaf, p, how)
        return Verdict(False, f"{leaf.subject} chains via {' -> '.join(c.subject for c in paths[0][1:])}, none of "
                              f"which is the CA in /0/x/4 ({how})", BAD_CERTIFICATE)

    def _named(self, leaf: _Cert, path: list[_Cert], how: str) -> Verdict:
        subjects = tuple(c.subject for c in path)
        if self.server_name and not any(_name_ok(self.server_name, n) for n in leaf.names()):
            return Verdict(False, f"{leaf.subject} chains correctly but does not name {self.server_name!r} ({how})",
                           BAD_CERTIFICATE, subjects)
        return Verdict(True, f"{' -> '.join(subjects)} ({how})", path=subjects)

    def _paths(self, leaf: _Cert, extra: list[_Cert], anchors: list[_Cert],
               now: _dt.datetime) -> Iterator[list[_Cert]]:
        """Every certification path leaf -> [presented intermediates] -> anchor (validity dates checked)."""
        if not leaf.valid_at(now):
            return

        def walk(path: list[_Cert]) -> Iterator[list[_Cert]]:
            cur = path[-1]
            for a in anchors:
                if a.der == cur.der and len(path) == 1:
                    yield path                      # the leaf itself is an anchor (pinned self-signed)
                elif a.signed(cur):
                    yield path + [a]
            if len(path) >= _MAX_DEPTH:
                return
            for i in extra:
                if i.is_ca and i.valid_at(now) and all(i.der != p.der for p in path) and i.signed(cur):
                    yield from walk(path + [i])
        yield from walk([leaf])


@dataclass(frozen=True)
class PkixPolicy:
    """Plain PKIX: the chain reaches one of ``anchors`` and names ``server_name`` -- no usage, no matching.

    What a client that ignores /0/x/15 and /0/x/13 does (the simulator's ``cert-usage-ignored`` defect)."""

    anchors: tuple[bytes, ...] = field(repr=False)
    server_name: str | None = None
    text: str = "plain PKIX, Certificate Usage and Matching Type ignored"

    def mbedtls_trust(self) -> tuple[bytes, ...]:
        return ()

    def check(self, chain: Sequence[bytes], now: _dt.datetime | None = None) -> Verdict:
        now = now or _dt.datetime.utcnow()
        certs = [c for c in (_parse(d) for d in chain) if c is not None]
        if not certs:
            return Verdict(False, "no usable certificate was presented", BAD_CERTIFICATE)
        store = [c for c in (_parse(d) for d in self.anchors) if c is not None]
        probe = CertUsagePolicy(certs[0].der, DOMAIN_ISSUED, EXACT, server_name=self.server_name)
        paths = list(probe._paths(certs[0], certs[1:], store, now))
        if not paths:
            return Verdict(False, f"{certs[0].subject} does not chain to a trusted CA ({self.text})", UNKNOWN_CA)
        return probe._named(certs[0], paths[0], self.text)


def certificate_chain(body: bytes) -> list[bytes]:
    """The DER certificates of a TLS 1.2 Certificate message body (RFC 5246 §7.4.2); [] if malformed."""
    if len(body) < 3:
        return []
    total = int.from_bytes(body[0:3], "big")
    data, out, i = body[3:3 + total], [], 0
    while i + 3 <= len(data):
        n = int.from_bytes(data[i:i + 3], "big")
        if n == 0 or i + 3 + n > len(data):
            return out
        out.append(bytes(data[i + 3:i + 3 + n]))
        i += 3 + n
    return out


__all__ = ["BAD_CERTIFICATE", "CA_CONSTRAINT", "CertUsagePolicy", "PkixPolicy", "DEFAULT_MATCHING", "DEFAULT_USAGE",
           "DOMAIN_ISSUED", "EXACT", "MATCHING_TYPES", "SERVICE_CERTIFICATE_CONSTRAINT", "SHA256", "SHA384",
           "SHA512", "TRUST_ANCHOR_ASSERTION", "UNKNOWN_CA", "USAGES", "Verdict", "association",
           "certificate_chain", "describe", "matches"]
