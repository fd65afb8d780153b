"""Object and resource definitions, as the OMNA DDF format describes them.

These are plain frozen dataclasses; :mod:`.ddf` builds them from XML and
:mod:`.catalog` indexes them.  Codecs only need :class:`TypeResolver`: "what is
the data type of the resource at this path, and is it multiple?".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

from ..path import Path


class DataType(enum.Enum):
    """LwM2M resource data types (TS Core Appendix C); values are the DDF spellings."""

    STRING = "String"
    INTEGER = "Integer"
    UNSIGNED_INTEGER = "Unsigned Integer"
    FLOAT = "Float"
    BOOLEAN = "Boolean"
    OPAQUE = "Opaque"
    TIME = "Time"
    OBJLNK = "Objlnk"
    CORELNK = "Corelnk"
    NONE = "none"  # executable resources

    @classmethod
    def from_ddf(cls, text: str | None) -> "DataType":
        t = (text or "").strip().lower().replace("_", " ")
        if t in ("", "none"):
            return cls.NONE
        aliases = {
            "string": cls.STRING, "integer": cls.INTEGER, "unsigned integer": cls.UNSIGNED_INTEGER,
            "unsignedinteger": cls.UNSIGNED_INTEGER, "float": cls.FLOAT, "boolean": cls.BOOLEAN,
            "opaque": cls.OPAQUE, "time": cls.TIME, "objlnk": cls.OBJLNK, "corelnk": cls.CORELNK,
        }
        try:
            return aliases[t]
        except KeyError:
            raise ValueError(f"unknown DDF data type {text!r}") from None


class Operations(enum.Flag):
    """Operations a resource allows (DDF ``<Operations>``: R, W, RW, E or empty)."""

    NONE = 0
    R = enum.auto()
    W = enum.auto()
    E = enum.auto()
    RW = R | W

    @classmethod
    def from_ddf(cls, text: str | None) -> "Operations":
        ops = cls.NONE
        for ch in (text or "").strip().upper():
            if ch == "R":
                ops |= cls.R
            elif ch == "W":
                ops |= cls.W
            elif ch == "E":
                ops |= cls.E
            elif ch.isspace():
                continue
            else:
                raise ValueError(f"unknown DDF operations {text!r}")
        return ops

    @property
    def readable(self) -> bool:
        return bool(self & Operations.R)

    @property
    def writable(self) -> bool:
        return bool(self & Operations.W)

    @property
    def executable(self) -> bool:
        return bool(self & Operations.E)


@dataclass(frozen=True, slots=True)
class ResourceDef:
    """One ``<Item>`` of a DDF file."""

    id: int
    name: str
    operations: Operations
    multiple: bool
    mandatory: bool
    type: DataType
    range_enumeration: str = ""
    units: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class ObjectDef:
    """One ``<Object>`` of a DDF file."""

    id: int
    name: str
    version: str = "1.0"          # ObjectVersion; absent means 1.0
    lwm2m_version: str = "1.0"    # LWM2MVersion; absent means 1.0
    urn: str = ""
    multiple: bool = True
    mandatory: bool = False
    description: str = ""
    resources: dict[int, ResourceDef] = field(default_factory=dict)
    source: str = ""              # file it was loaded from, for error messages

    def resource(self, rid: int) -> ResourceDef | None:
        return self.resources.get(rid)

    @property
    def mandatory_resources(self) -> list[ResourceDef]:
        return [r for r in self.resources.values() if r.mandatory]


class TypeResolver(Protocol):
    """What a codec needs from the object model."""

    def resource_def(self, path: Path) -> ResourceDef | None:
        """Definition of the resource at (or containing) ``path``, or None if unknown."""
        ...
