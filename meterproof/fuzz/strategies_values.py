"""Hypothesis strategies for LwM2M values and value trees that an object model allows.

Used by the codec property tests and by the fuzzer: give them the object definitions a
device has, and they draw typed values (:func:`values_of`), single values at one resource
or resource instance (:func:`single_values`) and whole value trees under a request path
(:func:`value_trees`).  Values follow :mod:`meterproof.lwm2m.values`: Integer and Time are
signed 64-bit ints, Unsigned Integer 0..2**64-1, Float finite floats, Opaque bytes, Objlnk
:class:`ObjLnk`, String and Corelnk text.  Executable resources (type none) never get a value.
"""

from __future__ import annotations

from typing import Sequence

from hypothesis import strategies as st

from ..lwm2m.model.types import DataType, ObjectDef, ResourceDef
from ..lwm2m.path import Path
from ..lwm2m.values import ObjLnk, Value, ValueTree

ids = st.integers(0, 65534)
small_ids = st.one_of(st.integers(0, 9), st.integers(0, 300), ids)

_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)

_BY_TYPE: dict[DataType, st.SearchStrategy[Value]] = {
    DataType.STRING: _TEXT,
    DataType.CORELNK: _TEXT,
    DataType.INTEGER: st.one_of(st.integers(-300, 300), st.integers(-(1 << 63), (1 << 63) - 1)),
    DataType.TIME: st.one_of(st.integers(0, 1 << 32), st.integers(-(1 << 63), (1 << 63) - 1)),
    DataType.UNSIGNED_INTEGER: st.one_of(st.integers(0, 300), st.integers(0, (1 << 64) - 1)),
    DataType.FLOAT: st.floats(allow_nan=False, allow_infinity=False),
    DataType.BOOLEAN: st.booleans(),
    DataType.OPAQUE: st.binary(max_size=40),
    DataType.OBJLNK: st.builds(ObjLnk, st.integers(0, 65535), st.integers(0, 65535)),
}


def values_of(dtype: DataType) -> st.SearchStrategy[Value]:
    """Values of one LwM2M data type."""
    return _BY_TYPE[dtype]


def _valued(obj: ObjectDef) -> list[ResourceDef]:
    return [r for r in obj.resources.values() if r.type is not DataType.NONE]


def _resource_values(oid: int, iid: int, r: ResourceDef) -> st.SearchStrategy[ValueTree]:
    if not r.multiple:
        return values_of(r.type).map(lambda v: {Path((oid, iid, r.id)): v})
    return st.dictionaries(small_ids, values_of(r.type), min_size=1, max_size=4).map(
        lambda d: {Path((oid, iid, r.id, ri)): v for ri, v in sorted(d.items())}
    )


@st.composite
def _instance(draw: st.DrawFn, obj: ObjectDef, iid: int) -> ValueTree:
    resources = _valued(obj)
    chosen = draw(st.lists(st.sampled_from(resources), unique_by=lambda r: r.id, max_size=len(resources)))
    tree: ValueTree = {}
    for r in sorted(chosen, key=lambda r: r.id):
        tree.update(draw(_resource_values(obj.id, iid, r)))
    return tree


@st.composite
def single_values(draw: st.DrawFn, objects: Sequence[ObjectDef]) -> tuple[Path, ValueTree]:
    """``(base, {base: value})`` for one single resource or one resource instance."""
    obj = draw(st.sampled_from([o for o in objects if _valued(o)]))
    r = draw(st.sampled_from(_valued(obj)))
    iid = draw(small_ids)
    path = Path((obj.id, iid, r.id, draw(small_ids))) if r.multiple else Path((obj.id, iid, r.id))
    return path, {path: draw(values_of(r.type))}


@st.composite
def value_trees(draw: st.DrawFn, objects: Sequence[ObjectDef], depths: Sequence[int] = (1, 2, 3, 4)
                ) -> tuple[Path, ValueTree]:
    """``(base, tree)``: a request path at one of ``depths`` (1 object .. 4 resource instance)
    and a tree under it that the model allows.  Depth-3 trees of multiple resources and
    depth-1/2 trees may hold many values; depth 4 holds one."""
    obj = draw(st.sampled_from([o for o in objects if _valued(o)]))
    depth = draw(st.sampled_from(list(depths)))
    if depth == 1:
        iids = draw(st.lists(small_ids, unique=True, max_size=3))
        tree: ValueTree = {}
        for iid in sorted(iids):
            tree.update(draw(_instance(obj, iid)))
        return Path((obj.id,)), tree
    iid = draw(small_ids)
    if depth == 2:
        return Path((obj.id, iid)), draw(_instance(obj, iid))
    r = draw(st.sampled_from(_valued(obj)))
    if depth == 3:
        return Path((obj.id, iid, r.id)), draw(_resource_values(obj.id, iid, r))
    multiples = [r for r in _valued(obj) if r.multiple]
    if not multiples:
        return Path((obj.id, iid, r.id)), draw(_resource_values(obj.id, iid, r))
    r = draw(st.sampled_from(multiples))
    path = Path((obj.id, iid, r.id, draw(small_ids)))
    return path, {path: draw(values_of(r.type))}


@st.composite
def composite_trees(draw: st.DrawFn, objects: Sequence[ObjectDef]) -> tuple[Path, ValueTree]:
    """``(/, tree)`` spanning several objects, as in Read-Composite and Write-Composite."""
    tree: ValueTree = {}
    for _ in range(draw(st.integers(1, 3))):
        _, part = draw(value_trees(objects, depths=(2,)))
        tree.update(part)
    return Path(), tree


__all__ = ["values_of", "single_values", "value_trees", "composite_trees", "ids", "small_ids"]
