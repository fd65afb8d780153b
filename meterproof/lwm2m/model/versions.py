"""Which version of an object a device implements: ``ver=`` from its Register, else its enabler's default.

OMA TS Core 1.1 §6.2.3 (Table "Object Version usage rules") and §5.1.2 (``ver``, Object Version):
a client states an object's version with the ``ver`` attribute of the object's link in Register and
Discover.  Without ``ver``, an object defined outside the TS enabler is version 1.0 (§6.2.2: a URN
without a version is "supposed to be 1.0"), and an object the TS enabler itself defines (Security,
Server, Access Control, Device: TS Core Appendix E) is the version that enabler release defines — a
LwM2M 1.1 client registering ``</1/0>`` implements Server 1.1, a 1.0 client Server 1.0.

Decoding, validation and applicability all take the version from here, so no case ever uses the
newest definition by accident.
"""

from __future__ import annotations

from typing import Iterable, Mapping

#: Object versions each LwM2M enabler release defines for its own objects (TS Core Appendix E of that
#: release).  Objects not listed are version 1.0 when the Register does not say otherwise.
ENABLER_OBJECT_VERSIONS: dict[str, dict[int, str]] = {
    "1.0": {0: "1.0", 1: "1.0", 2: "1.0", 3: "1.0"},
    "1.1": {0: "1.1", 1: "1.1", 2: "1.0", 3: "1.1"},
    "1.2": {0: "1.2", 1: "1.2", 2: "1.0", 3: "1.2"},
}


def object_version(oid: int, declared: str | None, lwm2m_version: str) -> str:
    """The version of object ``oid`` a client of ``lwm2m_version`` implements, given its ``ver`` (or None)."""
    if declared:
        return declared.strip('"')
    return ENABLER_OBJECT_VERSIONS.get(lwm2m_version, {}).get(oid, "1.0")


def pins(objects: Mapping[int, str | None], lwm2m_version: str, extra: Iterable[int] = ()) -> dict[int, str]:
    """Object id -> implemented version for every object of a Register's object list (and ``extra`` ids,
    e.g. the enabler's own objects a client need not list, such as the Security object)."""
    out = {oid: object_version(oid, ver, lwm2m_version) for oid, ver in objects.items()}
    for oid in extra:
        out.setdefault(oid, object_version(oid, None, lwm2m_version))
    return out


__all__ = ["ENABLER_OBJECT_VERSIONS", "object_version", "pins"]
