"""Secret redaction: keys and passwords never reach a report, a log or a capture.

A :class:`Redactor` is told the secrets of a run (PSKs, private keys, passwords)
and masks every occurrence in text (as UTF-8, hex and base64) and in raw bytes.
Everything that leaves the harness for a report goes through one.
"""

from __future__ import annotations

import base64
import re


class Redactor:
    MASK = "<redacted>"

    def __init__(self) -> None:
        self._secrets: list[bytes] = []
        self._pattern: re.Pattern[str] | None = None
        self._byte_forms: list[bytes] | None = None

    def add(self, secret: bytes | str | None) -> None:
        if not secret:
            return
        b = secret.encode() if isinstance(secret, str) else bytes(secret)
        if len(b) < 4 or b in self._secrets:  # too short to mask without mangling unrelated text
            return
        self._secrets.append(b)
        self._pattern = None
        self._byte_forms = None

    def _forms(self) -> set[str]:
        """Every textual form of every secret: UTF-8, hex (both cases), base64 (both alphabets), Python repr."""
        forms: set[str] = set()
        for s in self._secrets:
            forms.add(s.hex())
            forms.add(s.hex().upper())
            forms.add(base64.b64encode(s).decode().rstrip("="))
            forms.add(base64.urlsafe_b64encode(s).decode().rstrip("="))
            try:
                forms.add(s.decode("utf-8"))
            except UnicodeDecodeError:
                pass
            forms.add(repr(s)[2:-1])
        return {f for f in forms if f}

    def _regex(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._secrets:
            self._pattern = re.compile("|".join(re.escape(f) for f in sorted(self._forms(), key=len, reverse=True)))
        return self._pattern

    def text(self, s: str) -> str:
        rx = self._regex()
        return rx.sub(self.MASK, s) if rx is not None else s

    def bytes(self, b: bytes) -> bytes:
        """``b`` with every secret masked in place, lengths kept (a capture's framing stays valid): the raw
        secret becomes zero bytes, a textual form of it (hex, base64 ...) asterisks."""
        for s in self._secrets:
            if s in b:
                b = b.replace(s, b"\0" * len(s))
        if self._byte_forms is None:
            self._byte_forms = [f.encode("utf-8", "replace") for f in sorted(self._forms(), key=len, reverse=True)]
        for raw in self._byte_forms:
            if raw in b:
                b = b.replace(raw, b"*" * len(raw))
        return b

    def __bool__(self) -> bool:
        return bool(self._secrets)
