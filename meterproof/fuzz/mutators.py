"""A fast, seeded byte mutator over a pool of structured CoAP datagrams.

Hypothesis draws a few hundred structured datagrams per second (enough for the
quick deterministic set), while a lab campaign against a device on loopback
can afford thousands per second.  :class:`Mutator` fills the gap the way
AFL-style fuzzers do: it takes seeds (drawn by the strategies in
:mod:`.strategies_coap`, the published proof-of-concept inputs, captures) and
applies one to three byte-level edits chosen to hit the CoAP encodings that
matter — nibbles set to 13/14/15, TKL and type changed, truncation, repeated
option runs, splices of two seeds.  Every choice comes from one
``random.Random(seed)``, so a campaign is reproducible from its seed.
"""

from __future__ import annotations

import random
from typing import Callable, Sequence

INTERESTING_BYTES = (0x00, 0x01, 0x0D, 0x0E, 0x0F, 0x7F, 0x80, 0xC0, 0xD0, 0xE0, 0xF0, 0xFE, 0xFF, 0xB0, 0x60)
CODES = (0, 1, 2, 3, 4, 5, 7, 0x41, 0x44, 0x45, 0x5F, 0x80, 0x84, 0x8D, 0xA0, 0x20, 0xE0, 0xFF)
TAILS = (b"", b"\xff", b"\xf0", b"\x0f", b"\xff\x00", b"\xd0", b"\xe0\xfe", b"\x0e\xfe\xf3")


class Mutator:
    """``next()`` returns a mutated copy of a pool entry (see the module docstring)."""

    def __init__(self, pool: Sequence[bytes], seed: int = 0, *, max_len: int = 1200,
                 accept: Callable[[bytes], bool] | None = None) -> None:
        if not pool:
            raise ValueError("the mutator needs at least one seed input")
        self.pool = [bytes(p) for p in pool]
        self.rng = random.Random(seed)
        self.max_len = max_len
        self.accept = accept
        self._ops: list[Callable[[bytearray], None]] = [
            self._flip, self._interesting, self._nibble, self._nibble, self._tkl, self._type, self._code,
            self._truncate, self._insert, self._delete, self._duplicate, self._splice, self._tail, self._version,
        ]

    def add(self, data: bytes) -> None:
        self.pool.append(bytes(data))

    def next(self) -> bytes:
        for _ in range(8):
            b = bytearray(self.rng.choice(self.pool))
            for _ in range(self.rng.choice((1, 1, 2, 3))):
                self.rng.choice(self._ops)(b)
            out = bytes(b[:self.max_len])
            if self.accept is None or self.accept(out):
                return out
        return bytes(self.rng.choice(self.pool))

    def __iter__(self) -> "Mutator":
        return self

    def __next__(self) -> bytes:
        return self.next()

    # ------------------------------------------------------------------ edits
    def _pos(self, b: bytearray) -> int:
        return self.rng.randrange(len(b)) if b else 0

    def _flip(self, b: bytearray) -> None:
        if b:
            b[self._pos(b)] ^= 1 << self.rng.randrange(8)

    def _interesting(self, b: bytearray) -> None:
        if b:
            b[self._pos(b)] = self.rng.choice(INTERESTING_BYTES)

    def _nibble(self, b: bytearray) -> None:
        """Set an option delta or length nibble past the header to 13, 14 or 15."""
        if len(b) > 4:
            i = self.rng.randrange(4, len(b))
            v = self.rng.choice((13, 14, 15))
            b[i] = (b[i] & 0x0F) | (v << 4) if self.rng.random() < 0.5 else (b[i] & 0xF0) | v

    def _tkl(self, b: bytearray) -> None:
        if b:
            b[0] = (b[0] & 0xF0) | self.rng.randrange(16)

    def _type(self, b: bytearray) -> None:
        if b:
            b[0] = (b[0] & 0xCF) | (self.rng.randrange(4) << 4)

    def _version(self, b: bytearray) -> None:
        if b:
            b[0] = (b[0] & 0x3F) | (self.rng.randrange(4) << 6)

    def _code(self, b: bytearray) -> None:
        if len(b) > 1:
            b[1] = self.rng.choice(CODES) if self.rng.random() < 0.8 else self.rng.randrange(256)

    def _truncate(self, b: bytearray) -> None:
        if b:
            del b[self.rng.randrange(len(b)):]

    def _insert(self, b: bytearray) -> None:
        i = self._pos(b)
        b[i:i] = bytes(self.rng.choice(INTERESTING_BYTES) for _ in range(self.rng.randrange(1, 4)))

    def _delete(self, b: bytearray) -> None:
        if len(b) > 1:
            i = self.rng.randrange(len(b))
            del b[i:i + self.rng.randrange(1, 4)]

    def _duplicate(self, b: bytearray) -> None:
        """Repeat a run of bytes (repeated options, C5/C6/C12/C13)."""
        if len(b) > 5:
            i = self.rng.randrange(4, len(b))
            j = min(len(b), i + self.rng.randrange(1, 8))
            b[j:j] = b[i:j] * self.rng.randrange(1, 6)

    def _splice(self, b: bytearray) -> None:
        other = self.rng.choice(self.pool)
        if b and other:
            b[self.rng.randrange(len(b)):] = other[self.rng.randrange(len(other)):]

    def _tail(self, b: bytearray) -> None:
        b.extend(self.rng.choice(TAILS))


__all__ = ["Mutator"]
