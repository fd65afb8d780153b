"""Device Management & Service Enablement and Information Reporting requests, as the client answers them.

TS Transport 1.1 §6 / oma-ets-cases.md §3.1 map the operations onto CoAP:

=======================  ==========================================================
GET                      Read; Discover with Accept 40; Observe=0 / Observe=1
PUT                      Write (replace); Write-Attributes when it has a query and no payload
POST /o                  Create (2.01, Location-Path when the client picks the id)
POST /o/i                Write (partial update)
POST /o/i/r              Execute; a partial write of a writable resource (1.1+)
DELETE /o/i              Delete
FETCH / iPATCH on /      Read-Composite (+Observe) / Write-Composite (1.1+)
=======================  ==========================================================

Codes: /0 (and /21) from a DM server 4.01; with more than one server account, an operation the requesting
server has no Access Control right for 4.01 (:mod:`.access_control`; the ``acl-not-enforced`` defect skips
that); a missing path 4.04; a method the
target does not allow 4.05 (write on read-only, execute on non-executable,
Create/Delete on a single-instance object); an undecodable payload 4.00; see
:mod:`.representation` for 4.06 / 4.15.  Every value check is the object model's.

A resource the meter does not implement (the ``minimal-resources`` variant: an
optional one) is 4.04 to every operation, and is ignored in a Create payload (TS
Core 1.1: "the LwM2M Client MAY ignore the optional resources it doesn't
support").  With ``alternate-path`` every request must start with the
registered alternate path (:func:`.registration_client.root_segments`), else 4.04.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Hashable

from aiocoap import Message
from aiocoap.numbers import codes

from ..coap import wire
from ..errors import FormatError
from ..lwm2m import formats
from ..lwm2m.contentformat import CF
from ..lwm2m.formats import link as linkformat
from ..lwm2m.model.types import DataType
from ..lwm2m.path import Path
from ..lwm2m.values import ValueTree
from . import access_control, representation
from .attributes import AttributeError_, fmt, merge, parse_query
from .registration_client import announced_version, root_path, root_segments
from .store import StoreError

if TYPE_CHECKING:
    from .host import MeterHost

log = logging.getLogger(__name__)

PROTECTED = (0, 21)                 # never accessible to a DM server
#: Seeded defects that acknowledge a write of one resource (object id, resource id) and drop it.
_DROPPED_WRITES = {(7, 8): "conn-stats-period-not-stored", (10, 14): "cellular-rai-write-ignored",
                   (501, 5): "band-reset-timeout-write-ignored", (504, 3): "rsp-download-uri-write-ignored"}
NOT_CREATABLE = (0, 1, 21)          # accounts come from bootstrap only
FW_PACKAGE_URI = Path((5, 0, 1))

#: Defect ``oscore-context-readable``: the OSCORE object (TS Core 1.1 E.x, bootstrap-only) and the master secret
#: it then serves to any LwM2M Server.
OSCORE = 21
OSCORE_DEMO_SECRET = bytes.fromhex("0102030405060708090a0b0c0d0e0f10")


class DeviceManagement:
    def __init__(self, meter: "MeterHost") -> None:
        self.meter = meter

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.meter.store

    def has(self, defect: str) -> bool:
        return self.meter.has(defect)

    # ------------------------------------------------------------------ entry point
    async def handle(self, req: Message, remote: Hashable) -> Message | None:
        try:
            segs, root = tuple(req.opt.uri_path), root_segments(self.meter)
            if segs[:len(root)] != root:
                raise StoreError(codes.NOT_FOUND, f"this meter serves its objects under {root_path(self.meter)}")
            try:
                path = Path.from_uri_path(segs[len(root):])
            except FormatError:
                raise StoreError(codes.NOT_FOUND, "not an LwM2M path") from None
            b2 = req.opt.block2
            if b2 is not None and b2.block_number and self.has("block2-restarts-at-zero"):
                # the vendor's block-wise layer keeps only the size of a Block2 request, never its number
                req.opt.block2 = type(b2)(0, b2.more, b2.size_exponent)
            if req.opt.size2 is not None and self.has("size2-request-refused"):
                # the vendor's request parser takes every option it does not handle for a critical one
                return wire.new(codes.BAD_OPTION, payload=b"unsupported option 28")
            if req.opt.block1 is not None and req.code in (codes.PUT, codes.POST) and self.has("block1-write-dropped"):
                return wire.new(codes.CHANGED)      # a body that came in blocks is acknowledged, never applied
            if self.has("oscore-context-readable") and req.code == codes.GET and path.object_id == OSCORE:
                # the vendor's OSCORE context sits in an ordinary object: readable by any server
                return wire.new(codes.CONTENT, payload=OSCORE_DEMO_SECRET, content_format=CF.OPAQUE)
            return self._dispatch(req, remote, path)
        except StoreError as err:
            return wire.new(err.code, payload=str(err).encode()[:120])

    def _dispatch(self, req: Message, remote: Hashable, path: Path) -> Message:
        code = req.code
        if code == codes.FETCH and path.is_root:
            return self._composite_read(req, remote)
        if code == codes.iPATCH and path.is_root:
            return self._composite_write(req, remote)
        if path.is_root:
            raise StoreError(codes.METHOD_NOT_ALLOWED, "no such operation on /")
        if path.object_id in PROTECTED:
            self._guard_security(code, path)
        self._authorize(req, remote, path)
        if (path.is_resource and code in (codes.PUT, codes.POST) and self.has("absent-resource-method-not-allowed")
                and self.store.has_instance(*path.ids[:2]) and self.store.resource_def(path) is None):
            # the vendor checks the operation against the resource's flags first, and an unknown id has none
            raise StoreError(codes.METHOD_NOT_ALLOWED, f"{path} allows no such operation")
        if code == codes.GET:
            if req.opt.accept == CF.LINK:
                return self._discover(path, remote, req.opt.uri_query)
            if req.opt.observe == 0:
                return self._observe(req, remote, path)
            if req.opt.observe == 1:
                self.meter.reporter.cancel_request(remote, req.token, (path,))
            return self._read(path, req.opt.accept, remote)
        if code == codes.PUT:
            if req.opt.uri_query and not req.payload:
                return self._write_attributes(path, req.opt.uri_query, remote)
            return self._write(path, req, replace=True)
        if code == codes.POST:
            if path.is_object:
                return self._create(path, req)
            if path.is_resource:
                rdef = self.store.resource_def(path)
                if rdef is not None and rdef.operations.executable:
                    return self._execute(path, req.payload)
                if not req.payload or self.meter.lwm2m == "1.0":
                    self._check_exists(path)
                    if self.has("execute-non-executable-accepted"):
                        return wire.new(codes.CHANGED)       # the vendor's Execute handler never looks at the flags
                    raise StoreError(codes.METHOD_NOT_ALLOWED, f"{path} is not executable")
            return self._write(path, req, replace=False)
        if code == codes.DELETE:
            return self._delete(path)
        raise StoreError(codes.METHOD_NOT_ALLOWED, f"{code} is not an LwM2M operation")

    def _authorize(self, req: Message, remote: Hashable, path: Path) -> None:
        """With more than one server account: the right the operation needs, from /2 (TS Core 1.1 §7.3:
        Read/Observe/Discover/Write-Attributes R, Write W, Execute E, Delete D, Create C), else 4.01."""
        ssid = self.meter.requester(remote)
        if ssid is None or self.has("acl-not-enforced") or path.is_root:
            return
        code = req.code
        if code == codes.GET or (code == codes.PUT and req.opt.uri_query and not req.payload):
            need = access_control.R
        elif code == codes.PUT:
            need = access_control.W
        elif code == codes.POST and path.is_object:
            need = access_control.C
        elif code == codes.POST and path.is_resource and (rdef := self.store.resource_def(path)) is not None \
                and rdef.operations.executable:
            need = access_control.E
        elif code == codes.POST:
            need = access_control.W
        elif code == codes.DELETE:
            need = access_control.D
        else:
            return
        access_control.check(self.store, ssid, need, path)

    def _guard_security(self, code: codes.Code, path: Path) -> None:
        if code == codes.GET and path.object_id == 0 and self.has("security-object-readable"):
            return
        if code == codes.GET and path.object_id == 0 and len(path) >= 2 and self.has("security-resource-readable"):
            return            # the vendor guards the object path /0 only, not its instances and resources
        if code == codes.PUT and path.object_id == 0 and self.has("security-object-writable"):
            return
        raise StoreError(codes.UNAUTHORIZED, "the Security object is not accessible to a server")

    # ------------------------------------------------------------------ read
    def _check_exists(self, path: Path) -> None:
        store = self.store
        oid = path.object_id
        assert oid is not None
        if not store.has_object(oid):
            raise StoreError(codes.NOT_FOUND, f"object {oid} is not supported")
        if len(path) >= 2 and not store.has_instance(oid, path.ids[1]):
            if self.has("missing-instance-wrong-code"):
                raise StoreError(codes.BAD_REQUEST, f"{path.truncate(2)}?")
            raise StoreError(codes.NOT_FOUND, f"{path.truncate(2)} does not exist")
        if len(path) >= 3:
            if store.resource_def(path) is None or not store.exists(path.truncate(3)):
                raise StoreError(codes.NOT_FOUND, f"{path.truncate(3)} does not exist")
        if len(path) == 4 and not store.exists(path):
            raise StoreError(codes.NOT_FOUND, f"{path} does not exist")

    def _hidden(self, remote: Hashable | None) -> Any:
        """With more than one server account: a ``skip`` for :meth:`ObjectStore.tree` that leaves out the object
        instances the server at ``remote`` has no Read right on (TS Core 1.1 §7.3: a Read of an object returns the
        instances the server may read); None when everything is visible."""
        ssid = None if remote is None or self.has("acl-not-enforced") else self.meter.requester(remote)
        if ssid is None:
            return None
        store = self.store

        def hidden(rp: Path) -> bool:
            oid, iid = rp.ids[0], rp.ids[1]
            return oid != access_control.ACCESS_CONTROL and not access_control.rights(store, ssid, oid, iid) \
                & access_control.R
        return hidden

    def read_values(self, path: Path, remote: Hashable | None = None) -> ValueTree:
        """The values a Read of ``path`` returns (by the server at ``remote``: only what it may read); StoreError
        for every refusal."""
        self._check_exists(path)
        if len(path) >= 3:
            rdef = self.store.resource_def(path)
            assert rdef is not None
            if not rdef.operations.readable and path.object_id not in PROTECTED:
                raise StoreError(codes.METHOD_NOT_ALLOWED, f"{path.truncate(3)} is not readable")
            if len(path) == 4:
                if self.meter.lwm2m == "1.0":
                    raise StoreError(codes.BAD_REQUEST, "LwM2M 1.0 has no resource-instance operations")
                if not rdef.multiple:
                    raise StoreError(codes.NOT_FOUND, f"{path.truncate(3)} is a single resource")
        if len(path) == 4 and self.has("resource-instance-read-refused"):
            raise StoreError(codes.BAD_REQUEST, "resource-instance paths are not supported")
        # only reachable for /0 through the security-object-readable defect: the vendor's read
        # path ignores that Security resources have no server operations at all
        return self.store.tree(path, readable_only=path.object_id not in PROTECTED, skip=self._hidden(remote))

    def encode(self, cf: int, values: ValueTree, base: Path) -> bytes:
        return representation.encode(cf, values, base, self.store.model, self.meter.defects, self.meter.variants)

    def choose(self, accept: int | None, path: Path) -> int:
        """The Content-Format of a read of ``path`` (:func:`.representation.choose`)."""
        m = self.meter
        return representation.choose(accept, path, self.store.model, m.lwm2m, m.defects, m.variants)

    def _read(self, path: Path, accept: int | None, remote: Hashable | None = None) -> Message:
        if self.has("read-executable-answers-empty") and len(path) == 3 and path.object_id not in PROTECTED:
            rdef = self.store.resource_def(path)
            if rdef is not None and rdef.type is DataType.NONE and self.store.exists(path):
                return wire.new(codes.CONTENT, payload=b"", content_format=CF.TEXT)   # the vendor "reads" it empty
        values = self.read_values(path, remote)
        cf = self.choose(accept, path)
        return wire.new(codes.CONTENT, payload=self.encode(cf, values, path),
                        content_format=representation.wire_format(cf, self.meter.defects))

    def _observe(self, req: Message, remote: Hashable, path: Path) -> Message:
        if path.object_id == 19 and self.has("bin-data-not-observable"):
            return self._read(path, req.opt.accept, remote)      # the vendor's /19 handler knows only Read
        params: dict[str, float | None] = {}
        if req.opt.uri_query and self.meter.lwm2m not in ("1.0", "1.1"):
            if self.has("observe-parameters-refused"):     # the vendor's GET handler allows no query at all
                raise StoreError(codes.BAD_REQUEST, "unexpected query in a Read")
            try:      # LwM2M 1.2: <NOTIFICATION> attributes as Observe parameters
                params = parse_query(req.opt.uri_query, self.meter.lwm2m)
            except AttributeError_ as exc:
                raise StoreError(codes.BAD_REQUEST, str(exc)) from None
        values = self.read_values(path, remote)
        cf = self.choose(req.opt.accept, path)
        payload = self.encode(cf, values, path)
        seq = self.meter.reporter.establish(remote, req.token, (path,), False, cf, values, params)
        return wire.new(codes.CONTENT, payload=payload, content_format=representation.wire_format(cf, self.meter.defects),
                        observe=seq)

    # ------------------------------------------------------------------ composite
    def _composite_cf(self, req: Message) -> tuple[int, int]:
        if self.meter.lwm2m == "1.0":
            raise StoreError(codes.METHOD_NOT_ALLOWED, "composite operations need LwM2M 1.1")
        cf = req.opt.content_format
        if cf not in representation.SENML:
            raise StoreError(codes.UNSUPPORTED_CONTENT_FORMAT, "composite bodies are SenML JSON or CBOR")
        accept = req.opt.accept if req.opt.accept is not None else cf
        if accept not in representation.SENML:
            raise StoreError(codes.NOT_ACCEPTABLE, f"composite results are SenML, not {accept}")
        return int(cf), int(accept)

    def composite_values(self, paths: tuple[Path, ...], remote: Hashable | None = None) -> ValueTree:
        """Best effort (int-236): paths that do not exist or are not readable (by the server at ``remote``, with
        more than one server account: without the Read right) are left out."""
        out: ValueTree = {}
        hidden = self._hidden(remote)
        for p in paths:
            try:
                if p.is_root:
                    if self.has("root-composite-includes-security"):
                        # the vendor's walk takes every object and ignores the resources' operations
                        out.update(self.store.tree(p, readable_only=False, skip=lambda rp: rp.object_id == 23))
                    else:
                        out.update(self.store.tree(p, skip=lambda rp: rp.object_id in PROTECTED + (23,)
                                                   or (hidden is not None and hidden(rp))))
                elif len(p) == 4 and self.has("composite-skips-resource-instances"):
                    continue                   # the vendor's composite walk only knows resources
                elif p.is_object and self.has("composite-skips-object-paths"):
                    continue                   # the vendor's composite walk starts at instances
                elif p.object_id not in PROTECTED:
                    out.update(self.read_values(p, remote))
            except StoreError:
                if self.has("read-composite-fails-on-missing"):
                    raise
        return dict(sorted(out.items()))

    def _composite_read(self, req: Message, remote: Hashable) -> Message:
        cf, accept = self._composite_cf(req)
        try:
            paths = tuple(formats.codec(cf).decode_paths(req.payload))
        except FormatError as exc:
            raise StoreError(codes.BAD_REQUEST, f"composite path list does not decode: {exc}") from None
        if req.opt.observe == 1:
            self.meter.reporter.cancel_request(remote, req.token, paths)
        values = self.composite_values(paths, remote)
        payload = self.encode(accept, values, Path())
        if req.opt.observe == 0:
            seq = self.meter.reporter.establish(remote, req.token, paths, True, accept, values)
            return wire.new(codes.CONTENT, payload=payload, content_format=accept, observe=seq)
        return wire.new(codes.CONTENT, payload=payload, content_format=accept)

    def _composite_write(self, req: Message, remote: Hashable) -> Message:
        cf, _ = self._composite_cf(req)
        ssid = None if self.has("acl-not-enforced") else self.meter.requester(remote)
        values = representation.decode(cf, req.payload, Path(), self.store.model, self.meter.lwm2m)
        if self.has("write-composite-first-only") and values:
            first = next(iter(values))
            values = {first: values[first]}
        for p in values:
            if p.object_id in PROTECTED:
                raise StoreError(codes.UNAUTHORIZED, "the Security object is not accessible to a server")
            if len(p) < 3:
                raise StoreError(codes.BAD_REQUEST, f"{p} is not a resource")
            self._check_exists(p.truncate(2))
            if ssid is not None:
                access_control.check(self.store, ssid, access_control.W, p)
        plan = self._plan(values, replace=False)
        self._commit(plan)
        return wire.new(codes.CHANGED)

    # ------------------------------------------------------------------ write
    def _write(self, path: Path, req: Message, *, replace: bool) -> Message:
        if path.is_object:
            raise StoreError(codes.METHOD_NOT_ALLOWED, "Write on an object is a Bootstrap operation")
        if len(path) == 4 and self.meter.lwm2m == "1.0":
            raise StoreError(codes.BAD_REQUEST, "LwM2M 1.0 has no resource-instance operations")
        self._check_exists(path.truncate(min(len(path), 2)))
        if len(path) >= 3 and (self.store.resource_def(path) is None or not self.store.implemented(path)):
            raise StoreError(codes.NOT_FOUND, f"{path.truncate(3)} is not defined")
        values = representation.decode(req.opt.content_format, req.payload, path, self.store.model, self.meter.lwm2m,
                                       self.meter.defects)
        for p in values:
            if not p.startswith(path) and not (len(path) == 4 and p == path.parent):
                raise StoreError(codes.BAD_REQUEST, f"{p} is not under {path}")
        if len(path) == 4 and self.has("resource-instance-write-to-first"):
            # the vendor's writer keeps the resource path and drops the instance id: the value lands in the first one
            first = min(self.store.get_path(path.parent, {}) or {path.ids[3]: None})
            values = {path.parent.child(first): v for v in values.values()}
        if req.opt.content_format == CF.TEXT and self.has("text-write-ignored"):
            return wire.new(codes.CHANGED)
        if (len(path) == 4 and req.opt.content_format in (CF.SENML_JSON, CF.SENML_CBOR)
                and self.has("senml-resource-instance-write-ignored")):
            return wire.new(codes.CHANGED)
        if req.opt.content_format == CF.CBOR and self.has("cbor-write-ignored"):
            return wire.new(codes.CHANGED)
        if req.opt.content_format == CF.OMA_JSON and not replace and self.has("oma-json-partial-update-ignored"):
            return wire.new(codes.CHANGED)
        if req.opt.content_format == CF.TLV and not replace and self.has("tlv-partial-update-ignored"):
            return wire.new(codes.CHANGED)
        plan = self._plan(values, replace=replace, base=path)
        if path.is_instance:
            self._plan_instance_rest(path, plan, replace)
        self._commit(plan)
        return wire.new(codes.CHANGED)

    def _plan(self, values: ValueTree, *, replace: bool, base: Path | None = None) -> dict[Path, Any]:
        """Group and check values per resource; returns resource path -> new value (None: remove)."""
        store = self.store
        plan: dict[Path, Any] = {}
        for p, v in values.items():
            rp = p.truncate(3)
            rdef = store.resource_def(rp)
            if rdef is None or not store.implemented(rp):
                raise StoreError(codes.NOT_FOUND, f"{rp} is not defined by the object model")
            if rdef.type is DataType.NONE:
                raise StoreError(codes.METHOD_NOT_ALLOWED, f"{rp} is executable")
            if not rdef.operations.writable and not self.has("write-readonly-accepted") \
                    and not (rp.object_id == 0 and self.has("security-object-writable")) \
                    and not (rp.object_id not in (0, 1) and self.has("readonly-written-except-server-object")):
                raise StoreError(codes.METHOD_NOT_ALLOWED, f"{rp} is not writable")
            if len(p) == 4:
                if not rdef.multiple:
                    raise StoreError(codes.BAD_REQUEST, f"{rp} is a single resource")
                if rp not in plan:
                    whole_replace = replace and base is not None and len(base) <= 3
                    cur = {} if whole_replace else store.get_path(rp, {})
                    plan[rp] = dict(cur) if isinstance(cur, dict) else {}
                plan[rp][p.ids[3]] = v
            else:
                if rdef.multiple:
                    raise StoreError(codes.BAD_REQUEST, f"{rp} is a multiple resource")
                plan[rp] = v
        for rp, v in plan.items():
            if rp == FW_PACKAGE_URI and self.has("fw-uri-length-unchecked"):
                continue                       # the vendor's URI buffer takes any length
            store.check_value(rp, v, ranges=not self.has("write-range-unchecked"))
        return plan

    def _plan_instance_rest(self, path: Path, plan: dict[Path, Any], replace: bool) -> None:
        """Replace removes the optional writable resources the payload leaves out (partial keeps them)."""
        wipe_all = not replace and self.has("partial-update-replaces")
        if not replace and not wipe_all:
            return
        store = self.store
        for rid in store.resource_ids(*path.ids):
            rp = path.child(rid)
            rdef = store.resource_def(rp)
            if rp in plan or rdef is None or rdef.type is DataType.NONE or not rdef.operations.writable:
                continue
            if wipe_all or not rdef.mandatory:
                plan[rp] = None

    def _commit(self, plan: dict[Path, Any]) -> None:
        m = self.meter
        for rp, v in plan.items():
            if rp.object_id == 19 and rp.resource_id == 0 and isinstance(v, dict) and self.has("bin-data-write-truncated"):
                v = {riid: bytes(x)[:4] for riid, x in v.items()}   # a 4-byte buffer per record
            if (rp.object_id, rp.resource_id) in _DROPPED_WRITES and self.has(_DROPPED_WRITES[rp.object_id,
                                                                                              rp.resource_id]):
                continue           # acknowledged, never applied
            if v is None:
                self.store.remove(rp)
            elif m.is_sink(rp):
                pass
            else:
                self.store.set(rp, v)
        for rp, v in plan.items():
            m.after_write(rp, v)

    # ------------------------------------------------------------------ write-attributes, discover
    def _write_attributes(self, path: Path, query: tuple[str, ...], remote: Hashable) -> Message:
        self._check_exists(path)
        if len(path) == 4 and self.meter.lwm2m == "1.0":
            raise StoreError(codes.BAD_REQUEST, "LwM2M 1.0 has no resource-instance attributes")
        attrs = self.meter.attributes_for(remote)
        try:
            update = parse_query(query, self.meter.lwm2m)
            merged = merge(attrs.get(path), update, path, self.store.resource_def(path) if len(path) >= 3 else None)
        except AttributeError_ as exc:
            raise StoreError(codes.BAD_REQUEST, str(exc)) from None
        attrs.set(path, merged)
        self.meter.reporter.changed(path)
        return wire.new(codes.CHANGED)

    def _discover_limit(self, path: Path, query: tuple[str, ...]) -> int:
        """The deepest path length a Discover on ``path`` lists (TS Core 1.2 Discover, Depth parameter).

        Without ``depth`` a Discover lists an object's instances and resources, an instance's resources and a
        resource's instances (1.1+); ``depth=N`` (1.2, N in 0..3) lists N levels below the target."""
        default = 4 if path.is_resource and self.meter.lwm2m != "1.0" else 3
        depth = [q.partition("=")[2] for q in query if q.partition("=")[0] == "depth"]
        if not depth or self.meter.lwm2m in ("1.0", "1.1"):
            return max(default, len(path))
        if len(depth) > 1 or depth[0] not in ("0", "1", "2", "3"):
            raise StoreError(codes.BAD_REQUEST, "depth must be one of 0, 1, 2, 3")
        if self.has("discover-depth-one-short"):
            return len(path) + max(0, int(depth[0]) - 1)
        return min(4, len(path) + int(depth[0]))

    def _discover(self, path: Path, remote: Hashable, query: tuple[str, ...] = ()) -> Message:
        self._check_exists(path)
        limit = self._discover_limit(path, query)
        store, attrs = self.store, self.meter.attributes_for(remote)
        links: list[linkformat.Link] = []
        oid = path.ids[0]

        def attr_params(p: Path, inherited: bool = False) -> dict[str, str | None]:
            if len(p) < 3 and self.has("discover-omits-attributes"):
                return {}     # the vendor prints only the attributes stored with resources
            a = attrs.inherited(p) if inherited else attrs.get(p)
            return {k: fmt(v) for k, v in a.items()}

        def resource_links(ip: Path, inherited: bool) -> None:
            for rid in store.resource_ids(*ip.ids):
                rp = ip.child(rid)
                rdef = store.resource_def(rp)
                if rdef is None:
                    continue
                params: dict[str, str | None] = {}
                if inherited:
                    params.update(attr_params(rp.parent, inherited=True))
                if rdef.multiple:
                    v = store.get_path(rp, {})
                    params["dim"] = str(len(v) if isinstance(v, dict) else 0)
                params.update(attr_params(rp))
                links.append(linkformat.Link(str(rp), params))
                if limit >= 4 and rdef.multiple and self.meter.lwm2m != "1.0":
                    v = store.get_path(rp, {})
                    for riid in sorted(v) if isinstance(v, dict) else ():
                        links.append(linkformat.Link(str(rp.child(riid)), attr_params(rp.child(riid))))

        if path.is_object:
            ver = announced_version(self.meter, oid)
            if self.has("discover-omits-object-version"):
                ver = None           # the vendor prints the version only in the Register
            params = {"ver": ver} if ver is not None else {}
            params.update(attr_params(path))
            links.append(linkformat.Link(str(path), params))
            for iid in store.instance_ids(oid):
                ip = Path((oid, iid))
                if not self.has("discover-omits-instances"):
                    links.append(linkformat.Link(str(ip), attr_params(ip)))
                resource_links(ip, inherited=False)
        elif path.is_instance:
            links.append(linkformat.Link(str(path), attr_params(path)))
            resource_links(path, inherited=False)
        elif path.is_resource:
            before = len(links)
            resource_links(path.parent, inherited=True)
            links[before:] = [lk for lk in links[before:] if Path.parse(lk.target).startswith(path)]
        else:
            links.append(linkformat.Link(str(path), attrs_with_parent(attrs, path)))
        links = [lk for lk in links if len(Path.parse(lk.target)) <= limit]
        return wire.new(codes.CONTENT, payload=linkformat.format(links).encode(), content_format=CF.LINK)

    # ------------------------------------------------------------------ execute, create, delete
    def _execute(self, path: Path, args: bytes) -> Message:
        self._check_exists(path)
        return wire.new(self.meter.execute(path, args))

    def _create(self, path: Path, req: Message) -> Message:
        store = self.store
        oid = path.ids[0]
        odef = store.object_def(oid)
        if not store.has_object(oid) or odef is None:
            raise StoreError(codes.NOT_FOUND, f"object {oid} is not supported")
        if oid in NOT_CREATABLE or (not odef.multiple and not (oid == 3 and self.has("create-device-instance-allowed"))):
            raise StoreError(codes.METHOD_NOT_ALLOWED, f"object {oid} does not allow Create")
        cf, model, lwm2m = req.opt.content_format, store.model, self.meter.lwm2m
        chosen = False
        try:
            values = representation.decode(cf, req.payload, path, model, lwm2m)
        except StoreError as first:
            if first.code != codes.BAD_REQUEST:
                raise
            values = {}
        if not values:
            iid = store.free_instance_id(oid)
            values = representation.decode(cf, req.payload, path.child(iid), model, lwm2m)
            chosen = True
        groups: dict[int, ValueTree] = {}
        for p, v in values.items():
            if len(p) < 3 or p.object_id != oid:
                raise StoreError(codes.BAD_REQUEST, f"{p} is not a resource of object {oid}")
            groups.setdefault(p.ids[1], {})[p] = v
        if len(groups) != 1:
            raise StoreError(codes.BAD_REQUEST, "Create takes exactly one object instance")
        ((iid, tree),) = groups.items()
        if store.has_instance(oid, iid):
            raise StoreError(codes.BAD_REQUEST, f"/{oid}/{iid} already exists")
        resources: dict[int, Any] = {rid: None for rid, rdef in odef.resources.items()
                                     if rdef.type is DataType.NONE and store.implemented(Path((oid, iid, rid)))}
        for p, v in tree.items():
            rid = p.ids[2]
            if store.resource_def(p) is None:
                raise StoreError(codes.NOT_FOUND, f"{p.truncate(3)} is not defined by the object model")
            if not store.implemented(p):
                continue          # an optional resource this meter does not support: ignored
            if len(p) == 4:
                if rid in resources and self.has("create-keeps-first-resource-instance"):
                    continue      # the vendor's Create parser stores one instance per multiple resource
                resources.setdefault(rid, {})[p.ids[3]] = v
            else:
                resources[rid] = v
        for rid, v in resources.items():
            if v is not None:
                store.check_value(Path((oid, iid, rid)), v)
        store.create_instance(oid, iid, resources)
        self.meter.instances_changed()
        resp = wire.new(codes.CREATED)
        if chosen:
            resp.opt.location_path = (str(oid), str(iid))
        return resp

    def _delete(self, path: Path) -> Message:
        if not path.is_instance:
            raise StoreError(codes.METHOD_NOT_ALLOWED, "Delete works on object instances")
        oid, iid = path.ids
        odef = self.store.object_def(oid)
        if odef is None or not self.store.has_object(oid):
            raise StoreError(codes.NOT_FOUND, f"object {oid} is not supported")
        device_bug = oid == 3 and self.has("delete-device-instance-allowed")
        if (not odef.multiple and not device_bug) or (oid in NOT_CREATABLE and not device_bug):
            raise StoreError(codes.METHOD_NOT_ALLOWED, f"object {oid} does not allow Delete")
        self.store.delete_instance(oid, iid)
        if self.has("delete-ends-composite-observation"):
            # the vendor drops every observation that names a deleted path, composite ones included
            self.meter.reporter.drop_observing(path)
        if self.has("delete-last-instance-removes-object") and not self.store.instance_ids(oid):
            self.store.remove_object(oid)    # the object's registry entry goes with its last instance
        self.meter.attributes.drop_under(path)
        self.meter.instances_changed()
        return wire.new(codes.DELETED)


def attrs_with_parent(attrs: Any, path: Path) -> dict[str, str | None]:
    return {k: fmt(v) for k, v in attrs.get(path).items()}


__all__ = ["DeviceManagement"]
