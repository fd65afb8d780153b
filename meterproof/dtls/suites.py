"""Cipher-suite registry and the policy the harness offers (LwM2M mandatory suites first).

Code points and the LwM2M status of each suite come from
shared/reference/regulatory-checks.md §3.1 (allow-list) and §3.2 (deny-list),
and shared/reference/oma-ets-cases.md §3.5 (TS Transport 1.1 §5.2.8).
python-mbedtls only accepts its own dash spelling ("TLS-PSK-WITH-AES-128-CCM-8"),
so every suite is kept here as (IANA name, code, mbedtls name or None when the
bundled Mbed TLS 2.28 lacks it).
"""

from __future__ import annotations

import functools

from dataclasses import dataclass
from typing import Iterable

from mbedtls import tls as _tls

from ..errors import ConfigError


@dataclass(frozen=True, slots=True)
class Suite:
    name: str           # IANA spelling
    code: int
    status: str         # "mandatory", "allowed", "warn" (CBC, LwM2M-listed), "deny"
    note: str = ""

    @property
    def mbedtls_name(self) -> str:
        return self.name.replace("_", "-")

    @property
    def psk(self) -> bool:
        return "PSK" in self.name

    @property
    def certificate(self) -> bool:
        return "ECDSA" in self.name or "_RSA_" in self.name


_TABLE: tuple[Suite, ...] = (
    # allow-list (regulatory-checks.md §3.1)
    Suite("TLS_PSK_WITH_AES_128_CCM_8", 0xC0A8, "mandatory", "LwM2M PSK mandatory (TS Transport 1.1 §5.2.8)"),
    Suite("TLS_PSK_WITH_AES_128_CBC_SHA256", 0x00AE, "warn", "LwM2M server MUST support; client SHOULD NOT use CBC"),
    Suite("TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", 0xC0AE, "mandatory", "LwM2M certificate/RPK mandatory"),
    Suite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xC023, "warn", "LwM2M server MUST support; CBC"),
    Suite("TLS_ECDHE_ECDSA_WITH_AES_128_CCM", 0xC0AC, "allowed"),
    Suite("TLS_ECDHE_ECDSA_WITH_AES_256_CCM", 0xC0AD, "allowed"),
    Suite("TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", 0xC0AF, "allowed"),
    Suite("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02B, "allowed"),
    Suite("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xC02C, "allowed"),
    Suite("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA9, "allowed"),
    Suite("TLS_PSK_WITH_AES_128_CCM", 0xC0A4, "allowed"),
    Suite("TLS_PSK_WITH_AES_256_CCM", 0xC0A5, "allowed"),
    Suite("TLS_PSK_WITH_AES_256_CCM_8", 0xC0A9, "allowed"),
    Suite("TLS_PSK_WITH_AES_128_GCM_SHA256", 0x00A8, "allowed"),
    Suite("TLS_PSK_WITH_AES_256_GCM_SHA384", 0x00A9, "allowed"),
    Suite("TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256", 0xD001, "allowed", "forward-secret PSK (RFC 8442)"),
    Suite("TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384", 0xD002, "allowed", "forward-secret PSK (RFC 8442)"),
    Suite("TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256", 0xD003, "allowed", "forward-secret PSK (RFC 8442)"),
    Suite("TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256", 0xD005, "allowed", "forward-secret PSK (RFC 8442)"),
    Suite("TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256", 0xCCAC, "allowed", "forward-secret PSK"),
    Suite("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256", 0xC037, "warn", "CBC; removed from LwM2M 1.0 drafts"),
    Suite("TLS_PSK_WITH_CHACHA20_POLY1305_SHA256", 0xCCAB, "allowed"),
    # deny-list (regulatory-checks.md §3.2)
    Suite("TLS_NULL_WITH_NULL_NULL", 0x0000, "deny", "no encryption"),
    Suite("TLS_RSA_WITH_NULL_MD5", 0x0001, "deny", "no encryption"),
    Suite("TLS_RSA_WITH_NULL_SHA", 0x0002, "deny", "no encryption"),
    Suite("TLS_RSA_WITH_NULL_SHA256", 0x003B, "deny", "no encryption"),
    Suite("TLS_PSK_WITH_NULL_SHA", 0x002C, "deny", "no encryption"),
    Suite("TLS_PSK_WITH_NULL_SHA256", 0x00B0, "deny", "no encryption"),
    Suite("TLS_PSK_WITH_NULL_SHA384", 0x00B1, "deny", "no encryption"),
    Suite("TLS_ECDHE_PSK_WITH_NULL_SHA", 0xC039, "deny", "no encryption"),
    Suite("TLS_ECDHE_PSK_WITH_NULL_SHA256", 0xC03A, "deny", "no encryption"),
    Suite("TLS_ECDHE_PSK_WITH_NULL_SHA384", 0xC03B, "deny", "no encryption"),
    Suite("TLS_ECDHE_ECDSA_WITH_NULL_SHA", 0xC006, "deny", "no encryption"),
    Suite("TLS_ECDH_anon_WITH_NULL_SHA", 0xC015, "deny", "no encryption"),
    Suite("TLS_SHA256_SHA256", 0xC0B4, "deny", "integrity only (RFC 9150)"),
    Suite("TLS_SHA384_SHA384", 0xC0B5, "deny", "integrity only (RFC 9150)"),
    Suite("TLS_DH_anon_WITH_AES_128_CBC_SHA", 0x0034, "deny", "anonymous"),
    Suite("TLS_DH_anon_WITH_AES_128_GCM_SHA256", 0x00A6, "deny", "anonymous"),
    Suite("TLS_ECDH_anon_WITH_AES_128_CBC_SHA", 0xC018, "deny", "anonymous"),
    Suite("TLS_RSA_WITH_RC4_128_MD5", 0x0004, "deny", "RC4"),
    Suite("TLS_RSA_WITH_RC4_128_SHA", 0x0005, "deny", "RC4"),
    Suite("TLS_PSK_WITH_RC4_128_SHA", 0x008A, "deny", "RC4"),
    Suite("TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", 0xC007, "deny", "RC4"),
    Suite("TLS_RSA_EXPORT_WITH_RC4_40_MD5", 0x0003, "deny", "export"),
    Suite("TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", 0x0008, "deny", "export"),
    Suite("TLS_RSA_WITH_DES_CBC_SHA", 0x0009, "deny", "DES"),
    Suite("TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x000A, "deny", "3DES"),
    Suite("TLS_PSK_WITH_3DES_EDE_CBC_SHA", 0x008B, "deny", "3DES"),
    Suite("TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", 0xC008, "deny", "3DES"),
    Suite("TLS_PSK_WITH_AES_128_CBC_SHA", 0x008C, "deny", "CBC with SHA-1"),
    Suite("TLS_PSK_WITH_AES_256_CBC_SHA", 0x008D, "deny", "CBC with SHA-1"),
    Suite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC009, "deny", "CBC with SHA-1"),
    Suite("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xC00A, "deny", "CBC with SHA-1"),
    Suite("TLS_RSA_WITH_AES_128_CBC_SHA", 0x002F, "deny", "static RSA"),
    Suite("TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009C, "deny", "static RSA"),
    # informational
    Suite("TLS_EMPTY_RENEGOTIATION_INFO_SCSV", 0x00FF, "scsv"),
    Suite("TLS_FALLBACK_SCSV", 0x5600, "scsv"),
)

BY_CODE: dict[int, Suite] = {s.code: s for s in _TABLE}
BY_NAME: dict[str, Suite] = {s.name: s for s in _TABLE}

PSK_CCM_8 = "TLS_PSK_WITH_AES_128_CCM_8"
PSK_CBC = "TLS_PSK_WITH_AES_128_CBC_SHA256"
ECDHE_PSK_CBC = "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"
ECDHE_PSK_CHACHA = "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"
ECDSA_CCM_8 = "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"
ECDSA_CBC = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"

#: The suite a device must support per channel mode (OMA LwM2M TS Transport 1.1 §5.2.8.1, §5.2.8.3; RFC 7925 §4.3.1,
#: §4.4): what REG-TLS-01 wants offered and REG-TLS-02 negotiates.
MANDATORY = {"psk": PSK_CCM_8, "cert": ECDSA_CCM_8, "rpk": ECDSA_CCM_8}
#: What the harness offers in PSK mode, in its order of preference (the server's order wins in Mbed TLS).
LWM2M_PSK = (PSK_CCM_8, PSK_CBC, ECDHE_PSK_CBC, ECDHE_PSK_CHACHA)
#: What the harness offers in certificate mode.
LWM2M_CERT = (ECDSA_CCM_8, ECDSA_CBC)
#: What a LwM2M 1.1+ *client* offers: the mandatory CCM_8 suite (and a forward-secret AEAD one), no CBC --
#: TS Transport 1.1 §5.2.8.1/§5.2.8.3: the server MUST support the CBC suites, the client SHOULD NOT use them.
CLIENT_PSK = (PSK_CCM_8, ECDHE_PSK_CHACHA)
CLIENT_CERT = (ECDSA_CCM_8,)
#: Deny-listed suites Mbed TLS can still offer (CBC with a SHA-1 MAC): the simulator's weak-suite defect.
PSK_CBC_SHA1 = "TLS_PSK_WITH_AES_128_CBC_SHA"
ECDSA_CBC_SHA1 = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"


def name(code: int) -> str:
    """IANA name of a code point; unknown ones as ``0xC0FF``; falls back on Mbed TLS's table."""
    s = BY_CODE.get(code)
    if s is not None:
        return s.name
    try:
        from mbedtls._tls import _get_ciphersuite_name  # type: ignore[attr-defined]
        n = _get_ciphersuite_name(code)
        if n:
            return str(n).replace("-", "_")
    except Exception:
        pass
    return f"0x{code:04X}"


@functools.cache
def _available() -> frozenset[str]:
    """The suites the bundled Mbed TLS was built with (fixed for the process)."""
    return frozenset(_tls.ciphers_available())


def to_mbedtls(names: Iterable[str]) -> tuple[str, ...]:
    """IANA (or dash) names -> python-mbedtls names; a ConfigError names any suite Mbed TLS lacks."""
    avail = _available()
    out: list[str] = []
    for n in names:
        m = n.replace("_", "-")
        if m not in avail:
            raise ConfigError(f"cipher suite {n} is not available in the bundled Mbed TLS "
                              f"(python-mbedtls {getattr(_tls, '__version__', '')}); choose from meterproof.dtls.suites")
        out.append(m)
    return tuple(out)


def normalise(names: Iterable[str]) -> tuple[str, ...]:
    """Accept IANA or dash spellings, return IANA spellings."""
    return tuple(n.replace("-", "_") for n in names)


def classify(code: int) -> str:
    """"mandatory" / "allowed" / "warn" / "deny" / "scsv" / "unknown" for one offered code point."""
    s = BY_CODE.get(code)
    return s.status if s is not None else "unknown"
