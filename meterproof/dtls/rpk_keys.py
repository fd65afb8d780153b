"""Raw public key material a lab hands meterproof (RFC 7250): a public key or a key pair from PEM, DER or hex.

A device in Raw Public Key mode (LwM2M Security Mode 1) that is not meterproof's simulator brings its own
keys: its public key, the DER SubjectPublicKeyInfo its /0/x/3 holds, which the harness's server must accept,
and the key pair of the server it has pinned in /0/x/4, which the harness's server must present.  The profile
names them (docs/DEVICES.md, ``security.public_key`` and ``security.server_key_pair``); ``meterproof simulate
--rpk-key --server-rpk`` reads them the same way.

Only elliptic-curve keys: the RPK backend (:mod:`.gnutls_rpk`) negotiates ECDHE-ECDSA suites only (TS
Transport 1.1 §5.2.8.2 names TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8).  Errors are :class:`ValueError` with one
short line the caller puts behind the field's name.
"""

from __future__ import annotations

import re
from pathlib import Path

#: DER of the algorithm OID id-ecPublicKey (1.2.840.10045.2.1) inside a SubjectPublicKeyInfo
_EC_OID = bytes.fromhex("06072a8648ce3d0201")
_HEX = re.compile(r"^\s*(0[xX])?[0-9a-fA-F:\s]+$")


def _parse(data: bytes, what: str) -> object:
    from mbedtls import pk
    try:
        return pk.ECC.from_buffer(bytes(data))
    except Exception:
        raise ValueError(f"not a PEM or DER {what}") from None


def public_key(data: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo of a PEM/DER public key (or of a private key's public half)."""
    key = _parse(data, "public key (SubjectPublicKeyInfo)")
    spki = bytes(key.export_public_key("DER"))  # type: ignore[attr-defined]
    if _EC_OID not in spki[:32]:
        raise ValueError("not an elliptic-curve key (raw public keys here are ECDSA: TS Transport §5.2.8.2)")
    return spki


def key_pair(data: bytes) -> tuple[bytes, bytes]:
    """(public SubjectPublicKeyInfo DER, private key DER) of a PEM/DER EC private key."""
    key = _parse(data, "EC private key")
    private = bytes(key.export_key("DER"))  # type: ignore[attr-defined]
    if not private:
        raise ValueError("holds a public key only; give the file with the private key (the key pair)")
    return public_key(private), private


def public_key_from(value: str, base: Path | None = None) -> bytes:
    """A public key given as a file (PEM or DER, relative to ``base``) or as its DER in hex: a file of that name
    wins, else the text must be hex."""
    p = Path(value).expanduser()
    if not p.is_absolute() and base is not None:
        p = base / p
    if p.is_file():
        return public_key(p.read_bytes())
    if not _HEX.match(value):
        raise ValueError(f"no such file {value!r} and not hex (a PEM/DER file, relative paths start at {base}, "
                         f"or the DER SubjectPublicKeyInfo in hex)")
    text = re.sub(r"[:\s]", "", value.strip())
    text = text[2:] if text[:2].lower() == "0x" else text
    if len(text) % 2:
        raise ValueError("odd number of hex digits")
    return public_key(bytes.fromhex(text))


def key_pair_file(path: str | Path) -> tuple[bytes, bytes]:
    """:func:`key_pair` of a file."""
    return key_pair(Path(path).read_bytes())


__all__ = ["key_pair", "key_pair_file", "public_key", "public_key_from"]
