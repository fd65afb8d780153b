"""Throwaway X.509 material made with python-mbedtls itself (no extra dependency).

EC P-256 keys and ecdsa-with-SHA256 signatures, as LwM2M's certificate mode
expects (TS Transport 1.1 §5.2.8.3).  Mbed TLS 2.28 matches the server name
against the CN (it ignores iPAddress SANs, dtls-modes.md §1 pitfall 4), so the
server certificate is issued to ``CN=localhost`` by default.  Fresh keys per run:
nothing here is ever a fixed demo credential.
"""

from __future__ import annotations

import datetime as _dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from mbedtls import hashlib, pk, x509


def _key() -> Any:
    k = pk.ECC(pk.Curve.SECP256R1)
    k.generate()
    return k


@dataclass
class Issued:
    certificate: x509.CRT
    key: Any = field(repr=False)

    @property
    def der(self) -> bytes:
        return self.certificate.to_DER()

    @property
    def key_der(self) -> bytes:
        return self.key.export_key("DER")


@dataclass
class TestPki:
    """A CA that issues server and client certificates; ``TestPki.create("LwM2M Test CA")``."""

    ca: Issued
    not_before: _dt.datetime
    not_after: _dt.datetime

    @classmethod
    def create(cls, name: str = "meterproof test CA", days: int = 2) -> "TestPki":
        now = _dt.datetime.utcnow().replace(microsecond=0) - _dt.timedelta(minutes=5)
        later = now + _dt.timedelta(days=days)
        k = _key()
        csr = x509.CSR.new(k, f"CN={name}", hashlib.sha256())
        crt = x509.CRT.selfsign(csr, k, not_before=now, not_after=later, serial_number=secrets.randbits(63),
                                basic_constraints=x509.BasicConstraints(True, 1))
        return cls(Issued(crt, k), now, later)

    def issue(self, cn: str, *, not_before: _dt.datetime | None = None,
              not_after: _dt.datetime | None = None) -> Issued:
        k = _key()
        crt = x509.CRT.new(not_before=not_before or self.not_before, not_after=not_after or self.not_after,
                           issuer=self.ca.certificate.subject, issuer_key=self.ca.key, subject=f"CN={cn}",
                           subject_key=k, serial_number=secrets.randbits(63), digestmod=hashlib.sha256())
        return Issued(crt, k)
