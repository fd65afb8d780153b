"""LwM2M paths: ``/Object/Instance/Resource/ResourceInstance``.

A :class:`Path` is an immutable tuple of 0 to 4 ids (the root ``/`` has none).
It is hashable and ordered, so value trees are plain ``dict[Path, Value]`` and
sort in the order a device lists them.  Ids are 0..65535 (TS Core §7.1; 65535
is reserved but still parses, so tests can send it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from ..errors import FormatError

MAX_ID = 65535


@dataclass(frozen=True, order=True, slots=True)
class Path:
    """An LwM2M path such as ``/3/0/7/1``; ``Path()`` is the root ``/``."""

    ids: tuple[int, ...] = ()
    #: hash(ids), kept: value trees are dicts keyed by paths and every lookup would hash the tuple again
    _hash: int = field(init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        return self._hash

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash(self.ids))
        if len(self.ids) > 4:
            raise FormatError(f"an LwM2M path has at most 4 levels, got {len(self.ids)}")
        for i in self.ids:
            if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i <= MAX_ID:
                raise FormatError(f"LwM2M path id out of range 0..65535: {i!r}")

    # -- construction -----------------------------------------------------
    @classmethod
    def of(cls, *ids: int) -> "Path":
        return cls(tuple(ids))

    @classmethod
    def trusted(cls, ids: tuple[int, ...]) -> "Path":
        """A Path from ids the caller has already range-checked (no re-validation; decoders' hot paths)."""
        p = object.__new__(cls)
        object.__setattr__(p, "ids", ids)
        object.__setattr__(p, "_hash", hash(ids))
        return p

    @classmethod
    def parse(cls, text: "str | Path") -> "Path":
        """Parse ``"/3/0/1"`` (leading slash optional, one trailing slash allowed)."""
        if isinstance(text, Path):
            return text
        if not isinstance(text, str):
            raise FormatError(f"not a path: {text!r}")
        s = text.strip()
        if s in ("", "/"):
            return cls(())
        if s.startswith("/"):
            s = s[1:]
        if s.endswith("/"):
            s = s[:-1]
        parts = s.split("/")
        ids: list[int] = []
        for p in parts:
            if not p.isdigit() or (len(p) > 1 and p[0] == "0") or not p.isascii():
                raise FormatError(f"not an LwM2M path: {text!r}")
            ids.append(int(p))
        return cls(tuple(ids))

    @classmethod
    def from_uri_path(cls, segments: Iterable[str]) -> "Path":
        """Build from CoAP Uri-Path option values (``("3", "0")``)."""
        segs = [s for s in segments if s != ""]
        return cls.parse("/" + "/".join(segs))

    # -- views ------------------------------------------------------------
    def __str__(self) -> str:
        return "/" + "/".join(str(i) for i in self.ids)

    def __repr__(self) -> str:
        return f"Path({str(self)!r})"

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids)

    @property
    def uri_path(self) -> tuple[str, ...]:
        return tuple(str(i) for i in self.ids)

    @property
    def depth(self) -> int:
        return len(self.ids)

    @property
    def is_root(self) -> bool:
        return not self.ids

    @property
    def is_object(self) -> bool:
        return len(self.ids) == 1

    @property
    def is_instance(self) -> bool:
        return len(self.ids) == 2

    @property
    def is_resource(self) -> bool:
        return len(self.ids) == 3

    @property
    def is_resource_instance(self) -> bool:
        return len(self.ids) == 4

    @property
    def object_id(self) -> int | None:
        return self.ids[0] if len(self.ids) > 0 else None

    @property
    def instance_id(self) -> int | None:
        return self.ids[1] if len(self.ids) > 1 else None

    @property
    def resource_id(self) -> int | None:
        return self.ids[2] if len(self.ids) > 2 else None

    @property
    def resource_instance_id(self) -> int | None:
        return self.ids[3] if len(self.ids) > 3 else None

    @property
    def parent(self) -> "Path":
        if not self.ids:
            raise FormatError("the root path has no parent")
        return Path(self.ids[:-1])

    def child(self, i: int) -> "Path":
        return Path(self.ids + (i,))

    def truncate(self, depth: int) -> "Path":
        return Path(self.ids[:depth])

    @property
    def resource_path(self) -> "Path":
        """The resource this path is or lies in (``/3/0/7/1`` -> ``/3/0/7``)."""
        if len(self.ids) < 3:
            raise FormatError(f"{self} is not a resource or resource-instance path")
        return Path(self.ids[:3])

    def startswith(self, prefix: "Path") -> bool:
        """True when ``prefix`` is this path or one of its ancestors."""
        return self.ids[: len(prefix.ids)] == prefix.ids

    def relative_to(self, base: "Path") -> tuple[int, ...]:
        if not self.startswith(base):
            raise FormatError(f"{self} is not under {base}")
        return self.ids[len(base.ids):]


ROOT = Path(())


def P(text: str) -> Path:
    """Short alias used in suites and tests: ``P("/3/0/1")``."""
    return Path.parse(text)
