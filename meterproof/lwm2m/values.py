"""Typed LwM2M values and value trees.

Every codec decodes to, and encodes from, a *value tree*: a flat
``dict[Path, Value]`` keyed by resource paths (single resources) and
resource-instance paths (instances of multiple resources).  Python types map to
LwM2M data types as follows:

=================  =====================================================
LwM2M type         Python
=================  =====================================================
String             ``str``
Integer            ``int``
Unsigned Integer   ``int`` (>= 0)
Float              ``float``
Boolean            ``bool``
Opaque             ``bytes``
Time               ``int`` (seconds since the Unix epoch; TS Core §C.1)
Objlnk             :class:`ObjLnk`
Corelnk            ``str`` (CoRE link-format text)
None               (executable resources carry no value)
=================  =====================================================

A decoder that cannot know a resource's type (a TLV resource of an object the
model does not define) returns ``bytes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Union

from ..errors import FormatError
from .path import Path


@dataclass(frozen=True, order=True, slots=True)
class ObjLnk:
    """An Object Link (``Objlnk``): object id and instance id, ``65535:65535`` means none."""

    object_id: int
    instance_id: int

    def __post_init__(self) -> None:
        for v in (self.object_id, self.instance_id):
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 0xFFFF:
                raise FormatError(f"object link id out of range 0..65535: {v!r}")

    def __str__(self) -> str:
        return f"{self.object_id}:{self.instance_id}"

    @classmethod
    def parse(cls, text: str) -> "ObjLnk":
        try:
            o, i = text.split(":")
            if not (o.isdigit() and i.isdigit()):
                raise ValueError
            return cls(int(o), int(i))
        except ValueError:
            raise FormatError(f"not an object link 'oid:iid': {text!r}") from None


NULL_OBJLNK = ObjLnk(0xFFFF, 0xFFFF)

Value = Union[str, int, float, bool, bytes, ObjLnk]
ValueTree = dict[Path, Value]


def tree(items: Mapping[str | Path, Value]) -> ValueTree:
    """Build a value tree from string paths: ``tree({"/3/0/0": "Acme"})``."""
    return {Path.parse(k): v for k, v in items.items()}


def python_type_name(v: object) -> str:
    return type(v).__name__
