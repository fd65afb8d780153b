"""The meter's Bootstrap interface, as the client (TS Core 1.1 §6.1, oma-ets-cases.md §3.6).

* Client-initiated bootstrap: ``POST /bs?ep=[&pct=]`` to the Bootstrap-Server
  account in /0 (the instance with /0/x/1 = true), over DTLS with that account's
  credentials when its URI is ``coaps``;
* while a bootstrap runs, requests from the Bootstrap-Server are Bootstrap
  operations, not Device Management: Write (``PUT``, on /0 and /1 too, whatever the
  resources' operations say; an instance write replaces the instance), Delete (``/``,
  ``/o``, ``/o/i``; never the Bootstrap-Server account), Discover (``GET`` Accept 40:
  ``lwm2m="1.x"`` then objects and instances with ``ssid`` and ``uri``), Read (1.1+,
  /1 and /2 only, 4.01 elsewhere) and Finish (``POST /bs``);
* Finish checks the configuration: no complete server account, or an account this
  meter cannot use, is answered 4.06 (int-9) and the bootstrap goes on; otherwise
  2.04, the accounts are persisted (``state_file``) and the meter registers to the
  first server account over DTLS when its URI is ``coaps``;
* server-initiated bootstrap: Execute /1/x/9 (int-5) starts a client-initiated one;
* fallback: a meter whose registration fails and which has a Bootstrap-Server
  account bootstraps (int-7);
* Bootstrap-Pack-Request (LwM2M 1.2, int-12), only for a meter started with
  ``bootstrap_pack=True`` (explicit: a meter never guesses which way its
  Bootstrap-Server provisions): ``GET /bspack?ep=`` Accept SenML CBOR; the 2.05
  pack is applied atomically -- each /0, /1, /2 instance it carries replaces that
  instance, as a Bootstrap-Write of the instance does, then the configuration is
  checked as Bootstrap-Finish checks it; on a problem nothing of the pack stays
  and the bootstrap fails (retried later) -- then the accounts are persisted and
  the meter registers.  5.01 (packs not served) or 4.05 (refused): the meter
  falls back to a Bootstrap-Request;
* no Finish within EXCHANGE_LIFETIME after the last Bootstrap-Server command
  fails the bootstrap, and the meter retries later (TS Core §6.1.x, §3.6).

Seeded defects here: ``bootstrap-finish-without-server-account`` (Finish is 2.04
whatever the configuration), ``bootstrap-delete-removes-bs-account`` and
``bootstrap-pack-ignored`` (the 2.05 pack is received, never applied).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Hashable

from aiocoap import Message
from aiocoap.numbers import codes

from ..coap import blockwise, wire
from ..errors import FormatError, ProtocolError
from ..lwm2m.bootstrap import SEC_BOOTSTRAP, SEC_SSID, SEC_URI, consistency_problems
from ..lwm2m.contentformat import CF
from ..lwm2m.formats import link as linkformat
from ..lwm2m.model.types import DataType
from ..lwm2m.path import Path
from . import oscore_client, representation, security
from .registration_client import announced_version
from .store import StoreError

if TYPE_CHECKING:
    from .host import MeterHost

log = logging.getLogger(__name__)

BOOTSTRAP_OBJECTS = (0, 1, 2)          # what Bootstrap-Delete "/" clears (the simulator's other objects stay)
READABLE = (1, 2)                      # Bootstrap-Read targets (TS Core 1.1 §6.1.7.2)
PACK_FALLBACK = (codes.NOT_IMPLEMENTED, codes.METHOD_NOT_ALLOWED)   # no packs here: ask with POST /bs instead


class BootstrapFailed(ProtocolError):
    """The Bootstrap-Server refused the request, or no Finish came in time."""


class BootstrapClient:
    def __init__(self, meter: "MeterHost") -> None:
        self.meter = meter
        self.remote: Hashable | None = None
        self.active = False
        self.done = asyncio.Event()          # set by an accepted Finish
        self.attempts = 0                    # Bootstrap-Requests sent
        self.finishes: list[str] = []        # the code of every Finish answered ("2.04", "4.06")
        self.packs: list[str] = []           # per Bootstrap-Pack received: "applied", "ignored" or the refusal
        self.log: list[str] = []             # "PUT /0/0", "DELETE /", ... (tests and symptoms)
        self._task: asyncio.Task[None] | None = None
        self._last_command = 0.0

    # ------------------------------------------------------------------ routing
    def serves(self, remote: Hashable) -> bool:
        return self.active and remote == self.remote

    async def route(self, req: Message, remote: Hashable) -> Message | None:
        """The meter's request handler: Bootstrap operations from the Bootstrap-Server, DM otherwise."""
        if self.serves(remote):
            try:
                return self.handle(req)
            except StoreError as err:
                return wire.new(err.code, payload=str(err).encode()[:120])
        answer = await self.meter.dm.handle(req, remote)
        return answer if self.meter.hostile is None else self.meter.hostile.answer(answer)

    # ------------------------------------------------------------------ client-initiated
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, delay: float = 0.0) -> asyncio.Task[None] | None:
        """Bootstrap in the background (no-op while one runs); the meter registers when it finishes."""
        if self.running:
            return self._task
        if security.bootstrap_account(self.meter) is None:
            log.info("%s: no Bootstrap-Server account; cannot bootstrap", self.meter.endpoint_name)
            return None
        self._task = self.meter.track(asyncio.get_running_loop().create_task(self._run(delay)))
        return self._task

    async def _run(self, delay: float) -> None:
        m = self.meter
        backoff = 1.0
        while m.running:
            if delay:
                await asyncio.sleep(delay)
            try:
                await self.bootstrap()
                m.reg.reregister()
                return
            except Exception as exc:   # keep trying, as a meter in the field would
                log.info("%s: bootstrap failed: %s", m.endpoint_name, exc)
                self.active = False
                delay, backoff = backoff, min(backoff * 2, 60.0)

    async def bootstrap(self) -> None:
        """One client-initiated bootstrap: request, serve the Bootstrap-Server's commands until Finish."""
        m = self.meter
        found = security.bootstrap_account(m)
        if found is None:
            raise BootstrapFailed("no Bootstrap-Server account in /0")
        _, res = found
        host, port = security.use(m, res)
        addr = await security.resolve(host, port)
        await security.connect(m, addr)
        if not m.has("oscore-bootstrap-unprotected"):
            oscore_client.apply(m, res, addr)    # /0/x/17 of the Bootstrap-Server account: OSCORE toward it
        self.remote = addr
        self.done.clear()
        self.attempts += 1
        if m.bootstrap_pack and await self._request_pack(addr):
            return
        self.active = True
        query = [f"ep={m.endpoint_name}"]
        if m.lwm2m != "1.0":
            query.append(f"pct={int(CF.SENML_CBOR)}")
        msg = wire.new(codes.POST, uri_path=("bs",))
        msg.opt.uri_query = tuple(query)
        m.wake()
        self._last_command = m.loop_time()
        resp = await m.endpoint.request(msg, addr, timeout=m.params.exchange_lifetime)
        if resp.code != codes.CHANGED:
            self.active = False
            raise BootstrapFailed(f"Bootstrap-Request answered {resp.code.dotted}")
        lifetime = m.params.exchange_lifetime
        while not self.done.is_set():
            left = self._last_command + lifetime - m.loop_time()
            if left <= 0:
                self.active = False
                raise BootstrapFailed(f"no Bootstrap-Finish within {lifetime:.0f}s of the last command")
            try:
                await asyncio.wait_for(self.done.wait(), left)
            except asyncio.TimeoutError:
                continue
        self.active = False

    async def _request_pack(self, addr: Hashable) -> bool:
        """Bootstrap-Pack-Request (1.2): True once the pack is applied; False when the Bootstrap-Server
        serves no packs (5.01, 4.05) and a Bootstrap-Request should follow; BootstrapFailed otherwise."""
        m = self.meter
        msg = wire.new(codes.GET, uri_path=("bspack",))
        msg.opt.uri_query = (f"ep={m.endpoint_name}",)
        msg.opt.accept = CF.SENML_CBOR
        m.wake()
        resp = await blockwise.request(m.endpoint, msg, addr, timeout=m.params.exchange_lifetime)
        if resp.code in PACK_FALLBACK:
            log.info("%s: Bootstrap-Pack-Request answered %s; Bootstrap-Request instead", m.endpoint_name,
                     resp.code.dotted)
            return False
        if resp.code != codes.CONTENT:
            raise BootstrapFailed(f"Bootstrap-Pack-Request answered {resp.code.dotted}")
        self.log.append("GET /bspack")
        if m.has("bootstrap-pack-ignored"):
            self.packs.append("ignored")      # "received" -- and the factory configuration stays as it was
            return True
        try:
            self.apply_pack(resp.opt.content_format, resp.payload)
        except StoreError as err:
            self.packs.append(f"refused: {err}")
            raise BootstrapFailed(f"Bootstrap-Pack not applied: {err}") from None
        self.packs.append("applied")
        m._save_state()
        return True

    def apply_pack(self, content_format: int | None, payload: bytes) -> None:
        """Apply a Bootstrap-Pack all or nothing: every /0, /1, /2 instance in it replaces that instance,
        then the configuration must pass the Bootstrap-Finish check; StoreError (and the store as it was)
        otherwise."""
        m, store = self.meter, self.meter.store
        values = representation.decode(content_format, payload, Path(), store.model, m.lwm2m)
        outside = sorted({str(p.truncate(1)) for p in values if p.object_id not in BOOTSTRAP_OBJECTS})
        if outside:
            raise StoreError(codes.BAD_REQUEST, f"the pack carries {', '.join(outside)}; this meter takes "
                                                f"/0, /1 and /2 from a pack")
        saved = {oid: {iid: dict(store.instance(oid, iid)) for iid in store.instance_ids(oid)}
                 for oid in BOOTSTRAP_OBJECTS if store.has_object(oid)}
        try:
            for oid in sorted({p.object_id for p in values if p.object_id is not None}):
                self._store_values(Path((oid,)), {p: v for p, v in values.items() if p.object_id == oid})
            problems = self.configuration_problems()
            if problems:
                raise StoreError(codes.NOT_ACCEPTABLE, "; ".join(problems))
        except BaseException:
            for oid, insts in saved.items():
                store.replace_object(oid, insts)
            raise

    # ------------------------------------------------------------------ server-initiated
    def trigger(self) -> None:
        """Execute /1/x/9: bootstrap now (after the 2.04 went out)."""
        if self.meter.has("bootstrap-trigger-ignored"):
            return
        self.meter.later(lambda: self.start())

    def fallback(self) -> asyncio.Task[None] | None:
        """Registration failed: bootstrap instead (int-7), if there is a Bootstrap-Server account."""
        if self.meter.has("no-bootstrap-fallback"):
            return None
        return self.start()

    # ------------------------------------------------------------------ operations
    def handle(self, req: Message) -> Message:
        self._last_command = self.meter.loop_time()
        segs = tuple(req.opt.uri_path)
        if segs == ("bs",):
            if req.code != codes.POST:
                raise StoreError(codes.METHOD_NOT_ALLOWED, "only Bootstrap-Finish (POST) on /bs")
            return self._finish()
        try:
            path = Path.from_uri_path(req.opt.uri_path)
        except FormatError:
            raise StoreError(codes.BAD_REQUEST, "not an LwM2M path") from None
        self.log.append(f"{req.code.name} {path}")
        if req.code == codes.PUT:
            return self._write(path, req)
        if req.code == codes.DELETE:
            return self._delete(path)
        if req.code == codes.GET:
            if req.opt.accept == CF.LINK:
                return self._discover(path)
            return self._read(path, req.opt.accept)
        raise StoreError(codes.METHOD_NOT_ALLOWED, f"{req.code} is not a Bootstrap operation")

    def _write(self, path: Path, req: Message) -> Message:
        m, store = self.meter, self.meter.store
        if path.is_root or len(path) > 3:
            raise StoreError(codes.BAD_REQUEST, "Bootstrap-Write targets an object, instance or resource")
        oid = path.object_id
        assert oid is not None
        if store.object_def(oid) is None or not store.has_object(oid):   # before decoding: 4.04 wins
            raise StoreError(codes.NOT_FOUND, f"object {oid} is not supported")
        values = representation.decode(req.opt.content_format, req.payload, path, store.model, m.lwm2m)
        self._store_values(path, values)
        return wire.new(codes.CHANGED)

    def _store_values(self, path: Path, values: dict[Path, Any]) -> None:
        """Bootstrap-Write semantics for ``values`` written at ``path`` (one object at most)."""
        store = self.meter.store
        oid = path.object_id
        assert oid is not None
        odef = store.object_def(oid)
        if odef is None or not store.has_object(oid):
            raise StoreError(codes.NOT_FOUND, f"object {oid} is not supported")
        groups: dict[int, dict[int, Any]] = {}
        for p, v in values.items():
            if not p.startswith(path) or len(p) < 3 or p.object_id != oid:
                raise StoreError(codes.BAD_REQUEST, f"{p} is not under {path}")
            rdef = store.resource_def(p.truncate(3))
            if rdef is None:
                raise StoreError(codes.NOT_FOUND, f"{p.truncate(3)} is not defined by the object model")
            if not store.implemented(p):
                continue          # minimal-resources: an optional resource this meter does not support
            res = groups.setdefault(p.ids[1], {})
            if len(p) == 4:
                res.setdefault(p.ids[2], {})[p.ids[3]] = v
            else:
                res[p.ids[2]] = v
        for iid, res in groups.items():
            for rid, v in res.items():
                store.check_value(Path((oid, iid, rid)), v)
        for iid, res in groups.items():
            execs = {rid: None for rid, rd in odef.resources.items()
                     if rd.type is DataType.NONE and store.implemented(Path((oid, iid, rid)))}
            if len(path) == 3 and store.has_instance(oid, iid):
                for rid, v in res.items():
                    store.set(Path((oid, iid, rid)), v, notify=False)
            elif store.has_instance(oid, iid) and len(path) == 1 and oid not in (0, 1, 2):
                for rid, v in res.items():
                    store.set(Path((oid, iid, rid)), v, notify=False)
            else:   # a new instance, or an instance of /0, /1, /2 written whole: replace it
                if store.has_instance(oid, iid):
                    store.delete_instance(oid, iid)
                store.create_instance(oid, iid, {**execs, **res})

    def _delete(self, path: Path) -> Message:
        store = self.meter.store
        keep_bs = not self.meter.has("bootstrap-delete-removes-bs-account")
        if len(path) > 2:
            raise StoreError(codes.BAD_REQUEST, "Bootstrap-Delete targets /, an object or an instance")
        targets: list[tuple[int, int]] = []
        if path.is_root:
            targets = [(oid, iid) for oid in BOOTSTRAP_OBJECTS if store.has_object(oid)
                       for iid in store.instance_ids(oid)]
            if self.meter.has("bootstrap-delete-wipes-device-object"):
                targets += [(3, iid) for iid in store.instance_ids(3)]     # the vendor's "factory wipe"
        else:
            oid = path.object_id
            assert oid is not None
            if not store.has_object(oid):
                raise StoreError(codes.NOT_FOUND, f"object {oid} is not supported")
            if oid == 3:
                raise StoreError(codes.BAD_REQUEST, "the Device object instance is never deleted")
            iids = [path.ids[1]] if len(path) == 2 else store.instance_ids(oid)
            targets = [(oid, iid) for iid in iids if store.has_instance(oid, iid)]
            if len(path) == 2 and not targets:
                raise StoreError(codes.NOT_FOUND, f"{path} does not exist")
        for oid, iid in targets:
            if oid == 0 and store.instance(0, iid).get(SEC_BOOTSTRAP) and keep_bs:
                if len(path) == 2:
                    raise StoreError(codes.BAD_REQUEST, "the Bootstrap-Server account is never deleted")
                continue
            store.delete_instance(oid, iid)
        return wire.new(codes.DELETED)

    def _discover(self, path: Path) -> Message:
        store, m = self.meter.store, self.meter
        if len(path) > 1:
            raise StoreError(codes.BAD_REQUEST, "Bootstrap-Discover targets / or an object")
        oids = store.object_ids() if path.is_root else [path.ids[0]]
        if not path.is_root and not store.has_object(oids[0]):
            raise StoreError(codes.NOT_FOUND, f"object {oids[0]} is not supported")
        links: list[linkformat.Link] = []
        for oid in oids:
            ver = announced_version(m, oid) if oid in m.profile.objects else None
            links.append(linkformat.Link(f"/{oid}", {"ver": ver} if ver is not None else {}))
            for iid in store.instance_ids(oid):
                params: dict[str, str | None] = {}
                if oid == 0:
                    res = store.instance(0, iid)
                    if not res.get(SEC_BOOTSTRAP) and res.get(SEC_SSID) is not None:
                        params["ssid"] = str(res[SEC_SSID])
                    if m.lwm2m != "1.0" and res.get(SEC_URI):
                        params["uri"] = str(res[SEC_URI])
                elif oid == 1:
                    ssid = store.get_path(Path((1, iid, 0)))
                    if ssid is not None:
                        params["ssid"] = str(ssid)
                links.append(linkformat.Link(f"/{oid}/{iid}", params))
        text = linkformat.format(links)
        if not m.has("bootstrap-discover-no-version"):
            text = f'lwm2m="{m.lwm2m}",' + text
        return wire.new(codes.CONTENT, payload=text.encode(), content_format=CF.LINK)

    def _read(self, path: Path, accept: int | None) -> Message:
        m = self.meter
        if m.lwm2m == "1.0":
            raise StoreError(codes.METHOD_NOT_ALLOWED, "LwM2M 1.0 has no Bootstrap-Read")
        if m.has("bootstrap-read-refused"):
            raise StoreError(codes.METHOD_NOT_ALLOWED, "Bootstrap-Read is not implemented")
        if path.is_root or (path.object_id not in READABLE
                            and not (path.object_id == 0 and m.has("bootstrap-read-security"))):
            raise StoreError(codes.UNAUTHORIZED, "Bootstrap-Read is for the Server and Access Control objects")
        values = m.dm.read_values(path)
        cf = m.dm.choose(accept, path)
        return wire.new(codes.CONTENT, payload=m.dm.encode(cf, values, path),
                        content_format=representation.wire_format(cf, m.defects))

    def configuration_problems(self) -> list[str]:
        m, store = self.meter, self.meter.store
        values: dict[Path, Any] = {}
        for oid in (0, 1):
            for iid in store.instance_ids(oid):
                for rid, v in store.instance(oid, iid).items():
                    if v is not None and not isinstance(v, dict):
                        values[Path((oid, iid, rid))] = v
        problems = consistency_problems(values)
        for iid, res, _ in security.accounts(m):
            problems += [f"/0/{iid}: {p}" for p in security.usable_problems(m, res)]
        return problems

    def _finish(self) -> Message:
        m = self.meter
        problems = self.configuration_problems()
        if problems and not m.has("bootstrap-finish-without-server-account"):
            self.finishes.append("4.06")
            log.info("%s: Bootstrap-Finish refused: %s", m.endpoint_name, "; ".join(problems))
            return wire.new(codes.NOT_ACCEPTABLE, payload="; ".join(problems).encode()[:200])
        self.finishes.append("2.04")
        self.log.append("POST /bs")
        m._save_state()
        self.done.set()
        return wire.new(codes.CHANGED)


__all__ = ["BootstrapClient", "BootstrapFailed"]
