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

Formats that can carry several time-stamped values of one resource (SenML JSON/CBOR,
RFC 8428 §4.5.3; LwM2M 1.0 JSON, TS Core 1.0 §6.4.4) also decode to a *series*: a list of
:class:`Record` (path, value, time, sum) in payload order.  :func:`latest` folds a series
into the value tree of each path's most recent value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Union

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


@dataclass(frozen=True, slots=True)
class Record:
    """One resolved, time-stamped value: absolute path, value (None in path-only records),
    time and, for SenML, the resolved Sum (RFC 8428 §4.2 ``s``, with ``bs`` added).

    ``time`` is the resolved time (base time + time).  Decoders given the receiver's ``now``
    turn relative times into absolute Unix seconds; without ``now`` a relative time stays as
    sent (SenML: below 2**28, RFC 8428 §4.5.3; LwM2M 1.0 JSON: zero or negative).  None means
    the record carried no time at all, which both formats read as "roughly now".
    """

    path: Path
    value: "Value | None" = None
    time: float | int | None = None
    sum: float | int | None = None


def latest(records: Iterable[Record], now: float | None = None) -> "ValueTree":
    """The value tree of a series: for each path, the value of its most recent record.

    Most recent = the greatest time; a record without a time counts as taken at ``now``
    (RFC 8428 §4.5.3: no time means "roughly now"), or, when ``now`` is None, as later than
    every time-stamped record.  Between equal times the later record in the payload wins
    (payload order being the only order left).  Times are compared as given, so a
    series should carry absolute times (decode it with ``now``).  Records without a value
    are skipped.  Paths keep the order of their first appearance.
    """
    inf = float("inf")
    best: dict[Path, tuple[float, Value]] = {}
    for r in records:
        if r.value is None:
            continue
        key = r.time if r.time is not None else (now if now is not None else inf)
        cur = best.get(r.path)
        if cur is None or key >= cur[0]:
            best[r.path] = (key, r.value)
    return {p: v for p, (_, v) in best.items()}


def tree(items: Mapping[str | Path, Value]) -> ValueTree:
    """Build a value tree from string paths: ``tree({"/3/0/0": "Acme"})``."""
    return {Path.parse(k): v for k, v in items.items()}


def python_type_name(v: object) -> str:
    return type(v).__name__
