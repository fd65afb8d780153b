"""The dictionary of public default credentials (``public_default_credentials.yaml``), versioned and hashed.

A device must neither present one of these identities nor complete a handshake with one of these keys
(ETSI EN 303 645 5.1-1 and 5.1-2; ETSI TS 103 701 5.1-1-2).  The file ships in the package; its version
and SHA-256 go into every case's evidence, so an auditor knows which dictionary a verdict used.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DICTIONARY_FILE = Path(__file__).with_name("public_default_credentials.yaml")


@dataclass(frozen=True)
class DefaultPsk:
    identity: str
    key: bytes = field(repr=False)
    source: str


@dataclass(frozen=True)
class Dictionary:
    version: int
    sha256: str
    psks: tuple[DefaultPsk, ...]
    endpoints: tuple[str, ...]

    def identity_matches(self, identity: str) -> list[DefaultPsk]:
        """Entries whose identity is ``identity`` (a sample's endpoint-named identity counts too)."""
        return [p for p in self.psks if p.identity and p.identity == identity] + \
            [DefaultPsk(e, b"", "sample client endpoint name") for e in self.endpoints
             if identity == e or identity.startswith(e + "-")]

    def evidence(self) -> dict[str, object]:
        return {"dictionary": DICTIONARY_FILE.name, "version": self.version, "sha256": self.sha256,
                "entries": [{"identity": p.identity, "source": p.source} for p in self.psks]}


def _key(entry: dict[str, str]) -> bytes:
    return entry["key_ascii"].encode() if "key_ascii" in entry else bytes.fromhex(entry["key_hex"])


@functools.cache
def load() -> Dictionary:
    raw = DICTIONARY_FILE.read_bytes()
    data = yaml.safe_load(raw)
    psks = tuple(DefaultPsk(str(e.get("identity", "")), _key(e), str(e["source"])) for e in data["psk"])
    return Dictionary(int(data["version"]), hashlib.sha256(raw).hexdigest(), psks,
                      tuple(str(e) for e in data.get("endpoints", ())))


__all__ = ["DICTIONARY_FILE", "DefaultPsk", "Dictionary", "load"]
