"""The meter's object store: instances and resource values, typed and checked by the object model.

Storage is one dict per materialised instance (``rid -> value``; a multiple
resource is a ``dict[riid, value]``; an executable resource is stored as
``None`` so it "exists").  Instances are created lazily from the meter's
:class:`~meterproof.sim.profiles.Profile`: a fleet of a thousand meters that
only registers never builds its Device or metering instances.  Values that a
sensor produces (voltage, energy, time) come from *providers* — pure functions
of the time since start — unless something wrote or set the resource.

Every type and range check is the object model's (:mod:`meterproof.lwm2m.model.validate`);
the store raises :class:`StoreError` carrying the CoAP code to answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator

from aiocoap.numbers import codes

from ..lwm2m.model.types import DataType, ObjectDef, ResourceDef
from ..lwm2m.model.validate import validate_value
from ..lwm2m.path import Path
from ..lwm2m.values import ValueTree

if TYPE_CHECKING:
    from ..lwm2m.model.catalog import Catalog
    from .profiles import MeterContext, Profile


class StoreError(Exception):
    """An operation the store refuses; ``code`` is the CoAP response code."""

    def __init__(self, code: codes.Code, reason: str) -> None:
        super().__init__(reason)
        self.code = code


Resources = dict[int, Any]


class ObjectStore:
    def __init__(self, model: "Catalog", profile: "Profile", ctx: "MeterContext",
                 clock: Callable[[], float]) -> None:
        self.model = model
        self.profile = profile
        self.ctx = ctx
        self.clock = clock                      # seconds since the meter started
        # oid -> iid -> resources (None: not built yet, defaults come from the profile)
        self._objects: dict[int, dict[int, Resources | None]] = {
            oid: {iid: None for iid in op.instances} for oid, op in profile.objects.items()}
        self._pinned: set[tuple[int, int, int]] = set()   # provider overridden by a write/set
        self.on_change: Callable[[Path], None] | None = None

    # ------------------------------------------------------------------ model
    def object_def(self, oid: int) -> ObjectDef | None:
        return self.model.object_def(oid)

    def resource_def(self, path: Path) -> ResourceDef | None:
        return self.model.resource_def(path)

    def implemented(self, path: Path) -> bool:
        """Whether the meter implements the resource at ``path`` at all (with the ``minimal-resources``
        variant only the mandatory ones); a path above resource level always is."""
        op = self.profile.objects.get(path.object_id) if path.object_id is not None else None
        return op is None or len(path) < 3 or op.implements(path.ids[2])

    # ------------------------------------------------------------------ structure
    def object_ids(self) -> list[int]:
        return sorted(self._objects)

    def has_object(self, oid: int) -> bool:
        return oid in self._objects

    def instance_ids(self, oid: int) -> list[int]:
        return sorted(self._objects.get(oid, {}))

    def has_instance(self, oid: int, iid: int) -> bool:
        return iid in self._objects.get(oid, {})

    def instance(self, oid: int, iid: int) -> Resources:
        insts = self._objects.get(oid)
        if insts is None or iid not in insts:
            raise StoreError(codes.NOT_FOUND, f"/{oid}/{iid} does not exist")
        res = insts[iid]
        if res is None:
            res = insts[iid] = self.profile.objects[oid].defaults(self.ctx, iid)
        return res

    def free_instance_id(self, oid: int) -> int:
        """The id a Create gets when the server leaves it to the meter: the lowest free one, or with the
        ``instance-numbering`` variant the highest in use plus 3 (any free id is legal, TS Core 'Create')."""
        used = self._objects.get(oid, {})
        if self.ctx.layout.sparse:
            pick = max(used) + 3 if used else 3
            if pick < 65535:
                return pick
        return next(i for i in range(65535) if i not in used)

    def create_instance(self, oid: int, iid: int, values: Resources) -> None:
        self._objects.setdefault(oid, {})[iid] = values
        self._changed(Path((oid,)))

    def delete_instance(self, oid: int, iid: int) -> None:
        insts = self._objects.get(oid, {})
        if iid not in insts:
            raise StoreError(codes.NOT_FOUND, f"/{oid}/{iid} does not exist")
        del insts[iid]
        self._pinned = {k for k in self._pinned if k[:2] != (oid, iid)}
        self._changed(Path((oid,)))

    def remove_object(self, oid: int) -> None:
        """Forget an object altogether (only the defect ``delete-last-instance-removes-object`` does this)."""
        self._objects.pop(oid, None)
        self._changed(Path((oid,)))

    def replace_object(self, oid: int, instances: dict[int, Resources]) -> None:
        """Load persisted instances of an object (Security/Server/ACL after a reboot)."""
        self._objects[oid] = dict(instances)

    def reset(self) -> None:
        """Factory defaults for every object (Factory Reset)."""
        self._objects = {oid: {iid: None for iid in op.instances} for oid, op in self.profile.objects.items()}
        self._pinned.clear()

    def export_object(self, oid: int) -> dict[int, Resources]:
        return {iid: dict(self.instance(oid, iid)) for iid in self.instance_ids(oid)}

    # ------------------------------------------------------------------ values
    def resource_ids(self, oid: int, iid: int) -> list[int]:
        return sorted(self.instance(oid, iid))

    def get(self, oid: int, iid: int, rid: int) -> Any:
        """The current value (a dict for a multiple resource); StoreError 4.04 if absent."""
        res = self.instance(oid, iid)
        if rid not in res:
            raise StoreError(codes.NOT_FOUND, f"/{oid}/{iid}/{rid} does not exist")
        if (oid, iid, rid) not in self._pinned:
            prov = self.profile.objects[oid].providers.get(rid) if oid in self.profile.objects else None
            if prov is not None:
                v = prov(self.ctx, iid, self.clock())
                if v is not None:       # a provider may cover only some instances
                    return v
        return res[rid]

    def get_path(self, path: Path, default: Any = None) -> Any:
        try:
            v = self.get(*path.ids[:3])
        except StoreError:
            return default
        if len(path) == 4:
            return v.get(path.ids[3], default) if isinstance(v, dict) else default
        return v

    def exists(self, path: Path) -> bool:
        ids = path.ids
        if not ids:
            return True
        if ids[0] not in self._objects:
            return False
        if len(ids) == 1:
            return True
        if not self.has_instance(ids[0], ids[1]):
            return False
        if len(ids) == 2:
            return True
        res = self.instance(ids[0], ids[1])
        if ids[2] not in res:
            return False
        if len(ids) == 3:
            return True
        v = self.get(*ids[:3])
        return isinstance(v, dict) and ids[3] in v

    def set(self, path: Path, value: Any, *, notify: bool = True) -> None:
        """Store a value at a resource or resource-instance path (no checks)."""
        oid, iid, rid = path.ids[:3]
        res = self.instance(oid, iid)
        if len(path) == 4:
            cur = self.get(oid, iid, rid) if rid in res else {}
            cur = dict(cur) if isinstance(cur, dict) else {}
            cur[path.ids[3]] = value
            value = cur
        res[rid] = value
        self._pinned.add((oid, iid, rid))
        if notify:
            self._changed(path)

    def remove(self, path: Path) -> None:
        res = self.instance(*path.ids[:2])
        res.pop(path.ids[2], None)
        self._changed(path)

    def _changed(self, path: Path) -> None:
        if self.on_change is not None:
            self.on_change(path)

    # ------------------------------------------------------------------ checks
    def check_value(self, path: Path, value: Any) -> None:
        """StoreError 4.00 unless ``value`` fits the model at ``path``."""
        rdef = self.resource_def(path)
        if rdef is None:
            raise StoreError(codes.NOT_FOUND, f"{path} is not defined by the object model")
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for riid, v in items:
            p = path if riid is None else path.child(riid)
            issues = validate_value(rdef, v, p)
            if issues:
                raise StoreError(codes.BAD_REQUEST, str(issues[0]))

    # ------------------------------------------------------------------ trees
    def tree(self, path: Path, *, readable_only: bool = True,
             skip: Callable[[Path], bool] | None = None) -> ValueTree:
        """Values at and under ``path`` (object, instance, resource or resource instance)."""
        out: ValueTree = {}
        ids = path.ids
        if not ids:
            for oid in self.object_ids():
                out.update(self.tree(Path((oid,)), readable_only=readable_only, skip=skip))
            return out
        oid = ids[0]
        iids = [ids[1]] if len(ids) > 1 else self.instance_ids(oid)
        for iid in iids:
            res = self.instance(oid, iid)
            rids = [ids[2]] if len(ids) > 2 else sorted(res)
            for rid in rids:
                rpath = Path((oid, iid, rid))
                rdef = self.resource_def(rpath)
                if rdef is None or rdef.type is DataType.NONE:
                    continue
                if readable_only and not rdef.operations.readable:
                    continue
                if skip is not None and skip(rpath):
                    continue
                v = self.get(oid, iid, rid)
                if isinstance(v, dict):
                    for riid in sorted(v):
                        if len(ids) < 4 or ids[3] == riid:
                            out[rpath.child(riid)] = v[riid]
                elif v is not None:
                    out[rpath] = v
        return out

    def iter_instances(self) -> Iterator[Path]:
        for oid in self.object_ids():
            for iid in self.instance_ids(oid):
                yield Path((oid, iid))


__all__ = ["ObjectStore", "StoreError"]
