"""A catalog of object definitions keyed by (object id, object version).

One LwM2M object id can exist in several versions (Device 1.0, 1.1, 1.2 ...)
and a device says in its Register request which one it implements
(``</3>;ver=1.1``).  The catalog keeps every version it was given and answers
"what is the definition of /3/0/7 *for this device*" through a per-device view:

.. code-block:: python

    catalog = default_catalog()                      # the project's objects/
    device = catalog.for_versions({3: "1.1"})        # what the DUT registered
    device.resource_def(P("/3/0/7"))                 # TypeResolver for codecs

Version choice for a pinned object: the exact version if known; otherwise the
nearest version with the same major number, preferring a newer one (minor
versions only add optional resources, so a newer minor is a superset with the
same types); a different major number is never substituted (10243 2.0 changed
a resource's type), so such an object resolves to nothing.  Unpinned objects
use the newest version.

``default_catalog()`` reads the DDF files in the repository's ``objects/``
folder once per process; every call returns a fresh catalog sharing those
parsed definitions, so pinning or adding to one never changes another.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path as FsPath
from typing import Iterable, Iterator, Mapping

from ..._resources import objects_dir
from ...errors import ModelError
from ..path import Path
from . import ddf
from .types import ObjectDef, ResourceDef

__all__ = ["Catalog", "OBJECTS_DIR", "default_catalog", "version_key"]

#: The project's own DDF files (repository root / objects).
OBJECTS_DIR = objects_dir()


def version_key(version: str) -> tuple[int, int]:
    """``"1.10"`` -> ``(1, 10)``: object versions compare numerically, not as text."""
    try:
        major, minor = version.strip().split(".")
        return int(major), int(minor)
    except ValueError:
        raise ModelError(f"not an object version 'major.minor': {version!r}") from None


class Catalog:
    """Object definitions by (id, version), with optional per-object version pins.

    Implements :class:`~meterproof.lwm2m.model.types.TypeResolver`.
    """

    def __init__(self, defs: Iterable[ObjectDef] = (), pins: Mapping[int, str] | None = None) -> None:
        self._defs: dict[int, dict[str, ObjectDef]] = {}
        self._pins: dict[int, str] = {}
        #: object_def() answers per object id; codecs ask once per value, so this is the hot path.
        self._resolved: dict[int, ObjectDef | None] = {}
        #: resource_def() answers per (object id, resource id), cleared with _resolved.
        self._rdefs: dict[tuple[int, int], ResourceDef | None] = {}
        for d in defs:
            self.add(d)
        for oid, ver in (pins or {}).items():
            self.pin(oid, ver)

    # -- building ---------------------------------------------------------
    def add(self, objdef: ObjectDef) -> None:
        """Add (or replace) the definition of ``objdef.id`` at ``objdef.version``."""
        version_key(objdef.version)  # reject nonsense early
        self._defs.setdefault(objdef.id, {})[objdef.version] = objdef
        self._resolved.clear()
        self._rdefs.clear()

    def load_dir(self, folder: str | os.PathLike[str]) -> "Catalog":
        """Add every object of the DDF files in ``folder``; a same (id, version) replaces ours."""
        for d in ddf.load_dir(folder):
            self.add(d)
        return self

    def copy(self) -> "Catalog":
        """A catalog with the same definitions and pins that can be changed independently."""
        new = Catalog()
        new._defs = {oid: dict(vers) for oid, vers in self._defs.items()}
        new._pins = dict(self._pins)
        new._resolved = dict(self._resolved)
        return new

    @classmethod
    def with_user_dirs(cls, *dirs: str | os.PathLike[str]) -> "Catalog":
        """The default catalog plus vendor DDF folders, later folders overriding earlier ones."""
        cat = default_catalog()
        for folder in dirs:
            cat.load_dir(folder)
        return cat

    # -- versions -----------------------------------------------------------
    def pin(self, oid: int, version: str) -> None:
        """Record that the device registered object ``oid`` in ``version``."""
        version_key(version)
        self._pins[oid] = version
        self._resolved.pop(oid, None)
        self._rdefs.clear()

    def for_versions(self, versions: Mapping[int, str]) -> "Catalog":
        """A per-device view: these definitions, with ``versions`` pinned."""
        view = self.copy()
        for oid, ver in versions.items():
            view.pin(oid, ver)
        return view

    @property
    def pins(self) -> dict[int, str]:
        return dict(self._pins)

    def versions(self, oid: int) -> list[str]:
        """Known versions of ``oid``, oldest first."""
        return sorted(self._defs.get(oid, {}), key=version_key)

    def object_ids(self) -> list[int]:
        return sorted(self._defs)

    def __iter__(self) -> Iterator[ObjectDef]:
        """Every definition, by id then version."""
        for oid in self.object_ids():
            for ver in self.versions(oid):
                yield self._defs[oid][ver]

    def __len__(self) -> int:
        return sum(len(v) for v in self._defs.values())

    def __contains__(self, oid: object) -> bool:
        return oid in self._defs

    # -- look-ups -----------------------------------------------------------
    def get(self, oid: int, version: str | None = None) -> ObjectDef | None:
        """Exactly ``(oid, version)``; ``version=None`` means the newest."""
        vers = self._defs.get(oid)
        if not vers:
            return None
        if version is None:
            return vers[max(vers, key=version_key)]
        return vers.get(version)

    def best(self, oid: int, version: str | None = None) -> ObjectDef | None:
        """The definition to use for a device implementing ``oid`` at ``version``.

        Exact match, else the closest same-major version (newer preferred),
        else None.  ``version=None`` means the newest.
        """
        if version is None:
            return self.get(oid)
        exact = self.get(oid, version)
        if exact is not None:
            return exact
        want = version_key(version)
        same_major = [v for v in self.versions(oid) if version_key(v)[0] == want[0]]
        newer = [v for v in same_major if version_key(v) > want]
        if newer:
            return self._defs[oid][newer[0]]
        if same_major:
            return self._defs[oid][same_major[-1]]
        return None

    def object_def(self, path: Path | int) -> ObjectDef | None:
        """Definition of the object ``path`` lies in, at the pinned (else newest) version."""
        oid = path if isinstance(path, int) else path.object_id
        if oid is None:
            return None
        try:
            return self._resolved[oid]
        except KeyError:
            found = self._resolved[oid] = self.best(oid, self._pins.get(oid))
            return found

    def resource_def(self, path: Path) -> ResourceDef | None:
        """TypeResolver: the resource at (or containing) ``path``; None if unknown or too short."""
        ids = path.ids
        if len(ids) < 3:
            return None
        key = (ids[0], ids[2])
        try:
            return self._rdefs[key]
        except KeyError:
            obj = self.object_def(ids[0])
            found = self._rdefs[key] = obj.resources.get(ids[2]) if obj is not None else None
            return found

    def __repr__(self) -> str:
        return f"<Catalog {len(self)} definitions of {len(self._defs)} objects, pins={self._pins}>"


@functools.lru_cache(maxsize=1)
def _default_defs() -> tuple[ObjectDef, ...]:
    return tuple(ddf.load_dir(OBJECTS_DIR))


def default_catalog() -> Catalog:
    """A new catalog of the project's ``objects/`` (parsed once per process, then shared)."""
    return Catalog(_default_defs())
