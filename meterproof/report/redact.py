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

    def add(self, secret: bytes | str | None) -> None:
        if not secret:
            return
        b = secret.encode() if isinstance(secret, str) else bytes(secret)
        if len(b) < 4 or b in self._secrets:  # too short to mask without mangling unrelated text
            return
        self._secrets.append(b)
        self._pattern = None

    def _regex(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._secrets:
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
            self._pattern = re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True) if f))
        return self._pattern

    def text(self, s: str) -> str:
        rx = self._regex()
        return rx.sub(self.MASK, s) if rx is not None else s

    def bytes(self, b: bytes) -> bytes:
        for s in self._secrets:
            if s in b:
                b = b.replace(s, b"\0" * len(s))
        return b

    def __bool__(self) -> bool:
        return bool(self._secrets)
