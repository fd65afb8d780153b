"""Access Control (/2) as the client enforces it when it has more than one LwM2M Server account.

OMA TS Core 1.1 §7.3 and the Access Control object (registry 2.xml):

* with a single server account the server has full access and the ACL is not consulted (§7.3: the mechanism
  "MUST be used in multiple LwM2M Servers environment");
* each Object Instance has at most one Access Control instance: /2/x/0 Object ID, /2/x/1 Object Instance ID
  (65535: the object itself, which carries the Create right), /2/x/2 ACL (Resource Instance ID = the server's
  SSID; Resource Instance 0 = the default rights of every server without its own entry), /2/x/3 owner;
* the owner without an ACL entry of its own has full rights; a server with neither its own entry nor a
  default entry has none (so has every server on an Object Instance without an Access Control instance);
* bits R (Read, Observe, Discover, Write-Attributes) W (Write) E (Execute) D (Delete) C (Create);
* an Access Control instance is managed only by its owner (a Read of it needs no right);
* an operation without the right is answered 4.01 Unauthorized.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiocoap.numbers import codes

from ..lwm2m.path import Path
from .store import StoreError

if TYPE_CHECKING:
    from .store import ObjectStore

R, W, E, D, C = 1, 2, 4, 8, 16
FULL = R | W | E | D | C
ACCESS_CONTROL = 2
#: /2/x/1 of the Access Control instance that governs the object itself (the Create right).
OBJECT_LEVEL = 65535
NAMES = {R: "Read", W: "Write", E: "Execute", D: "Delete", C: "Create"}


def governing(store: "ObjectStore", oid: int, iid: int) -> tuple[int, dict[int, Any]] | None:
    """The Access Control instance (its id, its resources) that governs /oid/iid, None when there is none."""
    if not store.has_object(ACCESS_CONTROL):
        return None
    for aiid in store.instance_ids(ACCESS_CONTROL):
        res = store.instance(ACCESS_CONTROL, aiid)
        if res.get(0) == oid and res.get(1) == iid:
            return aiid, res
    return None


def rights(store: "ObjectStore", ssid: int, oid: int, iid: int) -> int:
    """The access bits server ``ssid`` has on /oid/iid (TS Core 1.1 §7.3.2's decision, in its order)."""
    found = governing(store, oid, iid)
    if found is None:
        return 0
    res = found[1]
    acl = res.get(2) or {}
    if ssid in acl:
        return int(acl[ssid])
    if res.get(3) == ssid:
        return FULL
    return int(acl.get(0, 0))


def check(store: "ObjectStore", ssid: int, need: int, path: Path) -> None:
    """Raise 4.01 unless server ``ssid`` may do what ``need`` names on ``path`` (an instance or below; on an
    object path only Create is checked, against the object-level instance)."""
    oid = path.object_id
    assert oid is not None
    if oid == ACCESS_CONTROL and len(path) >= 2:
        if need == R:
            return                        # reading an Access Control instance needs no right
        found = store.instance(ACCESS_CONTROL, path.ids[1]) if store.has_instance(ACCESS_CONTROL, path.ids[1]) \
            else None
        if found is not None and found.get(3) != ssid:
            raise StoreError(codes.UNAUTHORIZED, f"{path.truncate(2)} is managed by its owner only")
        return
    if len(path) < 2:
        if need != C:
            return
        iid = OBJECT_LEVEL
    else:
        iid = path.ids[1]
    if not rights(store, ssid, oid, iid) & need:
        raise StoreError(codes.UNAUTHORIZED, f"server {ssid} has no {NAMES[need]} right on /{oid}/{iid}")


__all__ = ["C", "D", "E", "FULL", "OBJECT_LEVEL", "R", "W", "check", "governing", "rights"]
