"""LwM2M CBOR (Content-Format 11544, ``application/vnd.oma.lwm2m+cbor``), LwM2M 1.2.

Follows OMA TS Core 1.2 §7.5.4 ("LwM2M CBOR"): nested CBOR maps keyed by path ids from the
root, where a key is either one id (unsigned integer) or an array of ids standing for
several levels at once::

    {3: {0: {0: "Open Mobile Alliance"}}}   ==   {[3, 0, 0]: "Open Mobile Alliance"}

Leaves sit at resource (3 ids) or resource-instance (4 ids) depth; leaf items are typed as
in plain CBOR (:mod:`.cbor`: a float for an Integer is a finding, an integer for a Float is
not).  The decoder accepts any mix of nested and compressed keys, split at any level, and
merges maps that reach the same prefix by different keys (``{[3, 0]: {0: ..}, 3: {0: {1: ..}}}``:
§7.5.4 allows either spelling per key and forbids neither mix); one path with two values
stays an error, the format having no time to order them.  Empty: ``{}`` (and an empty
payload where the request path holds no value of its own, an object without instances) is
an empty value tree.
The encoder builds the tree and folds every chain of single-entry maps into one array key,
which reproduces the examples of §7.5.4.1-§7.5.4.5.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import FormatError
from ..path import MAX_ID, Path
from ..values import ValueTree
from ._common import check_shape, check_value_path, encoding_type, holds_no_value, resource_def
from .cbor import dumps, from_cbor_item, loads, to_cbor_item

if TYPE_CHECKING:
    from ..model.types import TypeResolver


def _walk(node: dict[Any, Any], prefix: tuple[int, ...], base: Path, model: "TypeResolver | None",
          tree: ValueTree) -> None:
    for key, value in node.items():
        tk = type(key)
        if tk is int:
            if not 0 <= key <= MAX_ID:
                raise FormatError(f"LwM2M CBOR id {key} out of range")
            ids = prefix + (key,)
        elif tk is tuple or tk is list:
            if not key:
                raise FormatError("LwM2M CBOR empty path array")
            for k in key:
                if type(k) is not int or not 0 <= k <= MAX_ID:
                    raise FormatError(f"LwM2M CBOR path arrays hold ids 0..65535, got {k!r:.40}")
            ids = prefix + tuple(key)
        else:
            raise FormatError(f"LwM2M CBOR keys are ids or id arrays, got {key!r:.40}")
        if len(ids) > 4:
            raise FormatError(f"LwM2M CBOR path {ids} is deeper than 4 levels")
        if type(value) is dict:
            if len(ids) == 4:
                raise FormatError(f"LwM2M CBOR map below resource instance {ids}")
            _walk(value, ids, base, model, tree)
            continue
        path = Path(ids)
        check_value_path(path, base)
        if path in tree:
            raise FormatError(f"{path} appears twice")
        rdef = resource_def(model, path)
        if rdef is not None:
            check_shape(path, rdef)
        tree[path] = from_cbor_item(value, rdef.type if rdef is not None else None, path)  # type: ignore[assignment]


def decode(payload: bytes, base: Path, model: "TypeResolver | None" = None) -> ValueTree:
    if not payload and holds_no_value(base, model):
        return {}
    doc = loads(payload)
    if type(doc) is not dict:
        raise FormatError("an LwM2M CBOR payload is a map")
    tree: ValueTree = {}
    _walk(doc, (), base, model, tree)
    return tree


def _fold(node: dict[int, Any]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for k, v in node.items():
        key: list[int] = [k]
        while type(v) is dict and len(v) == 1:
            ((k2, v),) = v.items()
            key.append(k2)
        out[key[0] if len(key) == 1 else tuple(key)] = _fold(v) if type(v) is dict else v
    return out


def encode(values: ValueTree, base: Path, model: "TypeResolver | None" = None) -> bytes:
    root: dict[int, Any] = {}
    for path, value in values.items():
        check_value_path(path, base)
        typed, dtype = encoding_type(path, value, model)
        item = to_cbor_item(typed, dtype)
        node = root
        for i in path.ids[:-1]:
            nxt = node.setdefault(i, {})
            if type(nxt) is not dict:
                raise FormatError(f"{path} lies below a value")
            node = nxt
        if path.ids[-1] in node:
            raise FormatError(f"{path} has both a value and values below it")
        node[path.ids[-1]] = item
    return dumps(_fold(root))


__all__ = ["encode", "decode"]
