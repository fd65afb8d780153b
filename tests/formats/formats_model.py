"""A small, fixed object model for the codec tests (independent of objects/ and the DDF loader).

Objects 0, 1, 2, 3 follow OMA TS Core Appendix E (the resources the spec examples use);
65/66/67 are the hypothetical objects of TS Core 1.0 §6.4.3.3 / Figure 19 (object links);
3421 is a cut-down single-phase electrical meter; 9999 has one single and one multiple
resource of every data type, plus an executable one.
"""

from __future__ import annotations

from meterproof.lwm2m.model.types import DataType, ObjectDef, Operations, ResourceDef
from meterproof.lwm2m.path import Path

S, I, U, F, B, O, T, L, C, N = (
    DataType.STRING, DataType.INTEGER, DataType.UNSIGNED_INTEGER, DataType.FLOAT, DataType.BOOLEAN,
    DataType.OPAQUE, DataType.TIME, DataType.OBJLNK, DataType.CORELNK, DataType.NONE,
)


def _obj(oid: int, name: str, *res: tuple[int, DataType, bool]) -> ObjectDef:
    return ObjectDef(
        id=oid, name=name,
        resources={
            rid: ResourceDef(rid, f"r{rid}", Operations.E if t is N else Operations.RW, multi, False, t)
            for rid, t, multi in res
        },
    )


OBJECTS = (
    _obj(0, "LwM2M Security", (0, S, False), (1, B, False), (2, I, False), (3, O, False), (4, O, False),
         (5, O, False), (10, I, False)),
    _obj(1, "LwM2M Server", (0, I, False), (1, I, False), (2, I, False), (3, I, False), (5, I, False),
         (6, B, False), (7, S, False), (8, N, False)),
    _obj(2, "Access Control", (0, I, False), (1, I, False), (2, I, True), (3, I, False)),
    _obj(3, "Device", (0, S, False), (1, S, False), (2, S, False), (3, S, False), (4, N, False),
         (6, I, True), (7, I, True), (8, I, True), (9, I, False), (10, I, False), (11, I, True),
         (13, T, False), (14, S, False), (15, S, False), (16, S, False)),
    _obj(65, "Figure 19 object 65", (0, L, True), (1, S, False), (2, I, False)),
    _obj(66, "Figure 19 object 66", (0, S, False), (1, S, False), (2, L, False)),
    _obj(67, "Figure 19 object 67", (0, S, False), (1, S, False)),
    _obj(72, "TS Core 1.0 §6.4.4 object 72", (2, F, False)),
    _obj(3421, "Single-phase meter (cut)", (0, F, False), (1, F, False), (2, F, False), (3, F, False),
         (4, T, False), (5, U, False)),
    _obj(9999, "All types",
         *[(i, t, False) for i, t in enumerate((S, I, U, F, B, O, T, L, C))],
         *[(10 + i, t, True) for i, t in enumerate((S, I, U, F, B, O, T, L, C))],
         (20, N, False)),
)


class StubResolver:
    """TypeResolver over :data:`OBJECTS`."""

    def __init__(self, objects: tuple[ObjectDef, ...] = OBJECTS) -> None:
        self._objects = {o.id: o for o in objects}

    def resource_def(self, path: Path) -> ResourceDef | None:
        if len(path.ids) < 3:
            return None
        obj = self._objects.get(path.ids[0])
        return obj.resources.get(path.ids[2]) if obj is not None else None


MODEL = StubResolver()
