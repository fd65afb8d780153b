"""The LwM2M Bootstrap-Server role toward a device under test (asyncio).

Built on the Server role's engine: a :class:`BootstrapServer` answers ``/bs``
and ``/bspack`` through :attr:`Lwm2mServer.bootstrap_handler` -- on its own
endpoint (the usual separate bootstrap port) or on a server it is attached to --
and issues the Bootstrap interface operations to the client that asked:

========================  ==========================  ============================
operation                 CoAP (TS Transport §6.1)     success
========================  ==========================  ============================
Bootstrap-Request (C)     POST /bs?ep=[&pct=]          2.04 (TS Core §6.1.3)
Bootstrap-Pack-Request    GET /bspack?ep=  (1.2)       2.05 with /0 + /1 (int-12)
Bootstrap-Discover        GET /<obj>  Accept 40        2.05
Bootstrap-Read            GET /1, /2 ... (1.1+)        2.05
Bootstrap-Write           PUT /o[/i[/r]]               2.04
Bootstrap-Delete          DELETE / or /o[/i]           2.02
Bootstrap-Finish          POST /bs                     2.04, 4.06 when inconsistent
Server-initiated          Execute /1/x/9 (via Server)  2.04, then C -> POST /bs
========================  ==========================  ============================

Events on the shared :class:`~.events.EventLog`: ``bootstrap-request``,
``bootstrap-rejected``, ``bootstrap-pack``, ``bootstrap-finished`` (with the
code the client answered), ``bootstrap-done`` (a scripted flow ran to its end).

Credentials: :func:`psk_account` draws a fresh random identity suffix and key per
call (``secrets``) unless the caller gives them, so no run ever provisions a
fixed demo key; every key goes into :attr:`BootstrapServer.credentials` (use its
``get`` as the DTLS server's PSK lookup) and into the run's redactor.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Hashable, Iterable, Mapping

from aiocoap import Message
from aiocoap.numbers import codes

from ..coap import blockwise, wire
from ..coap.params import DEFAULT, TransmissionParams
from ..coap.transport import DatagramTransport
from ..errors import FormatError, ProtocolError
from ..report.redact import Redactor
from . import formats
from .contentformat import CF
from .formats import link as linkformat
from .events import Event
from .path import Path
from .registration import Query
from .server import Lwm2mServer, OpResult
from .values import Value

log = logging.getLogger(__name__)

SECURITY, SERVER = 0, 1
#: Security object (/0) resources: TS Core Appendix E.1 / registry 0.xml.
SEC_URI, SEC_BOOTSTRAP, SEC_MODE, SEC_IDENTITY, SEC_SERVER_KEY, SEC_SECRET, SEC_SSID = 0, 1, 2, 3, 4, 5, 10
MODE_PSK, MODE_RPK, MODE_CERT, MODE_NOSEC = 0, 1, 2, 3


@dataclass
class ServerAccount:
    """One LwM2M Server account: a /0 instance plus the matching /1 instance."""

    uri: str
    ssid: int = 1
    mode: int = MODE_PSK
    identity: bytes = b""
    secret: bytes = field(default=b"", repr=False)
    server_public_key: bytes = b""
    lifetime: int = 86400
    binding: str = "U"
    storing: bool = False
    security_instance: int = 1
    server_instance: int = 0
    extra_security: dict[int, Any] = field(default_factory=dict)   # a list: a multiple-instance resource
    extra_server: dict[int, Value] = field(default_factory=dict)

    def security_values(self) -> dict[Path, Value]:
        base = Path.of(SECURITY, self.security_instance)
        v: dict[int, Value] = {SEC_URI: self.uri, SEC_BOOTSTRAP: False, SEC_MODE: self.mode,
                               SEC_IDENTITY: self.identity, SEC_SERVER_KEY: self.server_public_key,
                               SEC_SECRET: self.secret, SEC_SSID: self.ssid}
        v.update(self.extra_security)
        out: dict[Path, Value] = {}
        for r, x in v.items():
            if isinstance(x, (list, tuple)):       # a multiple-instance resource (e.g. /0/x/16): instances 0..n-1
                out.update({Path(base.ids + (r, i)): item for i, item in enumerate(x)})
            else:
                out[Path(base.ids + (r,))] = x
        return out

    def server_values(self) -> dict[Path, Value]:
        base = Path.of(SERVER, self.server_instance)
        v: dict[int, Value] = {0: self.ssid, 1: self.lifetime, 6: self.storing, 7: self.binding}
        v.update(self.extra_server)
        return {Path(base.ids + (r,)): x for r, x in v.items()}

    def values(self) -> dict[Path, Value]:
        return {**self.security_values(), **self.server_values()}


def psk_account(uri: str, endpoint: str, *, ssid: int = 1, identity: str | bytes | None = None,
                key: bytes | None = None, key_bytes: int = 16, **kw: Any) -> ServerAccount:
    """A PSK server account with a fresh random key (and identity ``<ep>-<random>``) unless given."""
    ident = identity if identity is not None else f"{endpoint}-{secrets.token_hex(4)}"
    ident_b = ident.encode() if isinstance(ident, str) else bytes(ident)
    return ServerAccount(uri, ssid, MODE_PSK, ident_b, key if key is not None else secrets.token_bytes(key_bytes), **kw)


def discover_links(payload: bytes) -> tuple[str | None, list[linkformat.Link]]:
    """A Bootstrap-Discover answer: its ``lwm2m="1.x"`` first element (TS Core 1.1 §5.2.7.3; None when absent)
    and its links.  FormatError when the rest is not CoRE link format."""
    text = payload.decode("utf-8", "replace")
    head, _, rest = text.partition(",")
    version = head.split("=", 1)[1].strip('"') if head.startswith("lwm2m=") else None
    return version, linkformat.parse((rest if version is not None else text).encode())


@dataclass
class BootstrapPlan:
    """What the Bootstrap-Server does after a client's request, in order (int-0 by default)."""

    accounts: list[ServerAccount] = field(default_factory=list)
    delete_first: tuple[str, ...] = ()          # e.g. ("/0", "/1") or ("/",)
    content_format: int = CF.TLV
    discover: bool = False                       # a Bootstrap-Discover "/" before Finish (ETS int-0 step 3)
    extra_writes: list[tuple[str, dict[str, Value]]] = field(default_factory=list)
    finish: bool = True


@dataclass
class BootstrapSession:
    """One client's bootstrap, from its request to Finish."""

    endpoint: str
    remote: Hashable
    query: Query
    preferred_format: int | None
    started: float
    results: list[OpResult] = field(default_factory=list)
    finished: OpResult | None = None


Rejector = Callable[[Query, Hashable], "str | None"]


class BootstrapServer:
    """The harness's LwM2M Bootstrap-Server; see the module docstring."""

    def __init__(self, transport: DatagramTransport | None = None, params: TransmissionParams = DEFAULT, *,
                 server: Lwm2mServer | None = None, redactor: Redactor | None = None, **server_kw: Any) -> None:
        self.owns_server = server is None
        if server is None and "model" not in server_kw:
            from .model import default_catalog
            server_kw["model"] = default_catalog()      # Bootstrap-Read answers decode with /0, /1, /2 types
        self.server = server if server is not None else Lwm2mServer(transport, params, **server_kw)
        self.server.bootstrap_handler = self._handle
        self.events = self.server.events
        self.params = self.server.params
        self.redactor = redactor if redactor is not None else Redactor()
        #: identity -> key for every PSK provisioned; ``credentials.get`` is a DTLS PSK lookup.
        self.credentials: dict[str, bytes] = {}
        self.sessions: dict[str, BootstrapSession] = {}
        self.plans: dict[str, BootstrapPlan] = {}
        self.default_plan: BootstrapPlan | None = None
        #: Return a reason to refuse a Bootstrap-Request (answered 4.00), or None to accept.
        self.reject_request: Rejector | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> "BootstrapServer":
        if self.owns_server:
            await self.server.start()
        return self

    def close(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        if self.owns_server:
            self.server.close()

    @property
    def address(self) -> tuple[str, int]:
        return self.server.address

    @property
    def uri(self) -> str:
        return self.server.uri

    @property
    def endpoint(self):  # type: ignore[no-untyped-def]
        return self.server.endpoint

    # ------------------------------------------------------------------ provisioning
    def plan(self, endpoint: str | None, plan: BootstrapPlan) -> BootstrapPlan:
        """Run ``plan`` when ``endpoint`` (None: any endpoint without a plan of its own) asks to bootstrap."""
        for acct in plan.accounts:
            self.remember(acct)
        if endpoint is None:
            self.default_plan = plan
        else:
            self.plans[endpoint] = plan
        return plan

    def remember(self, account: ServerAccount) -> None:
        if account.mode == MODE_PSK and account.identity:
            self.credentials[account.identity.decode("utf-8", "backslashreplace")] = account.secret
        self.redactor.add(account.secret)

    # ------------------------------------------------------------------ incoming
    async def _handle(self, req: Message, remote: Hashable) -> Message:
        segs = tuple(req.opt.uri_path)
        q = Query.parse(req.opt.uri_query)
        ep = q.params.get("ep")
        if segs == ("bs",) and req.code == codes.POST:
            return self._request(req, remote, q, ep)
        if segs == ("bspack",) and req.code == codes.GET:
            return self._pack(req, remote, q, ep)
        return wire.new(codes.METHOD_NOT_ALLOWED if segs in (("bs",), ("bspack",)) else codes.NOT_FOUND)

    def _refuse(self, ep: str | None, reason: str, req: Message, remote: Hashable) -> Message:
        self.events.emit("bootstrap-rejected", ep, reason=reason, request=req, remote=remote)
        return wire.new(codes.BAD_REQUEST, payload=reason.encode()[:200])

    def _request(self, req: Message, remote: Hashable, q: Query, ep: str | None) -> Message:
        if not ep:
            return self._refuse(None, "Bootstrap-Request without ep= (TS Core §6.1.3)", req, remote)
        pct: int | None = None
        raw_pct = q.params.get("pct")
        if raw_pct is not None:
            if not raw_pct.isdigit():
                return self._refuse(ep, f"pct={raw_pct!r} is not a content-format number", req, remote)
            pct = int(raw_pct)
        if self.reject_request is not None:
            reason = self.reject_request(q, remote)
            if reason:
                return self._refuse(ep, reason, req, remote)
        sess = BootstrapSession(ep, remote, q, pct, self.server.endpoint.loop.time())
        self.sessions[ep] = sess
        self.events.emit("bootstrap-request", ep, session=sess, request=req, remote=remote, pct=pct)
        plan = self.plans.get(ep, self.default_plan)
        if plan is not None:
            task = self.server.endpoint.loop.create_task(self._run_plan(ep, plan))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return wire.new(codes.CHANGED)

    def _pack(self, req: Message, remote: Hashable, q: Query, ep: str | None) -> Message:
        if not ep:
            return self._refuse(None, "Bootstrap-Pack-Request without ep=", req, remote)
        plan = self.plans.get(ep, self.default_plan)
        if plan is None:
            self.events.emit("bootstrap-pack", ep, request=req, remote=remote, code="4.04")
            return wire.new(codes.NOT_FOUND)
        accept = int(req.opt.accept) if req.opt.accept is not None else CF.SENML_CBOR
        if accept not in (CF.SENML_CBOR, CF.SENML_JSON, CF.LWM2M_CBOR):
            self.events.emit("bootstrap-pack", ep, request=req, remote=remote, code="4.06")
            return wire.new(codes.NOT_ACCEPTABLE)
        tree: dict[Path, Value] = {}
        for acct in plan.accounts:
            tree.update(acct.values())
        payload = formats.encode(accept, tree, Path(), None)
        resp = wire.new(codes.CONTENT, payload=payload)
        resp.opt.content_format = accept
        self.events.emit("bootstrap-pack", ep, request=req, remote=remote, code="2.05", accounts=plan.accounts)
        return resp

    async def _run_plan(self, ep: str, plan: BootstrapPlan) -> None:
        await asyncio.sleep(0)      # let the 2.04 to the request go out first
        try:
            for p in plan.delete_first:
                await self.delete(ep, p)
            for acct in plan.accounts:
                if not plan.delete_first:
                    await self.place(ep, acct)
                await self.write(ep, f"/0/{acct.security_instance}", acct.security_values(),
                                 content_format=plan.content_format)
                await self.write(ep, f"/1/{acct.server_instance}", acct.server_values(),
                                 content_format=plan.content_format)
            for path, values in plan.extra_writes:
                await self.write(ep, path, values, content_format=plan.content_format)
            if plan.discover:
                await self.discover(ep, "/")
            if plan.finish:
                await self.finish(ep)
            self.events.emit("bootstrap-done", ep, session=self.sessions.get(ep))
        except Exception as exc:   # the device failed the flow: an event, never a harness crash
            log.info("bootstrap of %s stopped: %s", ep, exc)
            self.events.emit("bootstrap-done", ep, session=self.sessions.get(ep), error=str(exc))

    # ------------------------------------------------------------------ outgoing operations
    def session(self, endpoint: str) -> BootstrapSession:
        try:
            return self.sessions[endpoint]
        except KeyError:
            raise ProtocolError(f"{endpoint!r} has not sent a Bootstrap-Request") from None

    async def operate(self, endpoint: str, operation: str, code: codes.Code, path: Path, *, payload: bytes = b"",
                      content_format: int | None = None, accept: int | None = None,
                      timeout: float | None = None) -> OpResult:
        sess = self.session(endpoint)
        wait = timeout if timeout is not None else self.params.max_transmit_wait
        msg = wire.new(code, payload=payload, uri_path=path.uri_path)
        if content_format is not None:
            msg.opt.content_format = content_format
        if accept is not None:
            msg.opt.accept = accept
        exchanges: list[tuple[Message, Message]] = []
        resp = await blockwise.request(self.server.endpoint, msg, sess.remote, timeout=wait, exchanges=exchanges)
        res = self.server._result(operation, path, msg, resp, exchanges, None, True)
        sess.results.append(res)
        return res

    async def write(self, endpoint: str, path: str | Path, values: Mapping[str | Path, Value] | Value, *,
                    content_format: int | None = None, payload: bytes | None = None,
                    timeout: float | None = None) -> OpResult:
        """Bootstrap-Write (PUT); ``content_format`` defaults to the client's ``pct`` or TLV."""
        p = Path.parse(path)
        sess = self.session(endpoint)
        cf = content_format or sess.preferred_format or CF.TLV
        if payload is None:
            tree = {Path.parse(k): v for k, v in values.items()} if isinstance(values, Mapping) else {p: values}
            payload = formats.encode(cf, tree, p, None)
        return await self.operate(endpoint, "Bootstrap-Write", codes.PUT, p, payload=payload, content_format=cf,
                                  timeout=timeout)

    async def place(self, endpoint: str, account: ServerAccount, *, timeout: float | None = None) -> ServerAccount:
        """Choose the /0 and /1 instance ids of ``account`` on this client (it is changed in place and returned).

        A client numbers its instances as it likes, and a Bootstrap-Write overwrites whatever instance it names,
        the Bootstrap-Server account included.  So the ids come from a Bootstrap-Discover of ``/`` (TS Core 1.1
        §5.2.7.3, which lists every /0 and /1 instance with its ssid): an account with the same Short Server ID
        is replaced where it is; otherwise the account's own ids are kept when free, else the lowest free ones.
        A client that does not answer the Discover keeps the account's ids."""
        r = await self.discover(endpoint, "/", timeout=timeout)
        try:
            _, links = discover_links(r.payload) if r.ok else (None, [])
        except FormatError:
            return account
        used: dict[int, dict[int, str | None]] = {SECURITY: {}, SERVER: {}}
        for lk in links:
            try:
                p = Path.parse(lk.target)
            except Exception:
                continue
            if len(p) == 2 and p.object_id in used:
                used[p.object_id][p.ids[1]] = (lk.params.get("ssid") or "").strip('"') or None
        # a /1 instance without an ssid is an incomplete Server instance (its SSID is mandatory): it is taken
        # over; a /0 instance without one is the Bootstrap-Server account and is never touched
        used[SERVER] = {i: ssid for i, ssid in used[SERVER].items() if ssid is not None}
        for oid, attr in ((SECURITY, "security_instance"), (SERVER, "server_instance")):
            taken = used[oid]
            same = [i for i, ssid in taken.items() if ssid == str(account.ssid)]
            want = getattr(account, attr)
            if same:
                setattr(account, attr, same[0])
            elif want in taken:
                setattr(account, attr, next(i for i in range(65535) if i not in taken))
        return account

    async def write_account(self, endpoint: str, account: ServerAccount, *, content_format: int | None = None,
                            timeout: float | None = None, object_level: bool = False) -> tuple[OpResult, OpResult]:
        """Bootstrap-Write of one server account, at instance ids :meth:`place` chose: PUT /0/i and PUT /1/j, or
        with ``object_level`` PUT /0 and PUT /1 carrying those instances (as ETS int-0 writes them; TS Core 1.1
        §5.2.7.5 lets a Bootstrap-Write target an Object)."""
        self.remember(account)
        await self.place(endpoint, account, timeout=timeout)
        paths = ("/0", "/1") if object_level else (f"/0/{account.security_instance}", f"/1/{account.server_instance}")
        a = await self.write(endpoint, paths[0], account.security_values(), content_format=content_format,
                             timeout=timeout)
        b = await self.write(endpoint, paths[1], account.server_values(), content_format=content_format,
                             timeout=timeout)
        return a, b

    async def read(self, endpoint: str, path: str | Path, *, accept: int | None = None,
                   timeout: float | None = None) -> OpResult:
        """Bootstrap-Read (1.1+: on /1 and /2 and their instances)."""
        return await self.operate(endpoint, "Bootstrap-Read", codes.GET, Path.parse(path), accept=accept,
                                  timeout=timeout)

    async def discover(self, endpoint: str, path: str | Path = "/", *, timeout: float | None = None) -> OpResult:
        return await self.operate(endpoint, "Bootstrap-Discover", codes.GET, Path.parse(path), accept=CF.LINK,
                                  timeout=timeout)

    async def delete(self, endpoint: str, path: str | Path = "/", *, timeout: float | None = None) -> OpResult:
        return await self.operate(endpoint, "Bootstrap-Delete", codes.DELETE, Path.parse(path), timeout=timeout)

    async def finish(self, endpoint: str, *, timeout: float | None = None) -> OpResult:
        """Bootstrap-Finish: 2.04, or 4.06 when the client finds its configuration inconsistent (int-9)."""
        sess = self.session(endpoint)
        wait = timeout if timeout is not None else self.params.max_transmit_wait
        msg = wire.new(codes.POST, uri_path=("bs",))
        resp = await self.server.endpoint.request(msg, sess.remote, timeout=wait)
        res = self.server._result("Bootstrap-Finish", Path(), msg, resp, [(msg, resp)], None, True)
        sess.results.append(res)
        sess.finished = res
        self.events.emit("bootstrap-finished", endpoint, session=sess, code=resp.code.dotted, result=res)
        return res

    async def trigger(self, server: Lwm2mServer, endpoint: str, server_instance: int = 0, *,
                      timeout: float | None = None) -> OpResult:
        """Server-initiated bootstrap: Execute /1/x/9 (Bootstrap-Request Trigger) through the Server role."""
        return await server.execute(endpoint, f"/1/{server_instance}/9", timeout=timeout)

    # ------------------------------------------------------------------ events
    async def wait_request(self, endpoint: str | None = None, *, since: int = 0,
                           timeout: float | None = None) -> Event:
        return await self.events.wait("bootstrap-request", endpoint, since=since,
                                      timeout=timeout if timeout is not None else self.params.max_transmit_wait)

    async def wait_done(self, endpoint: str | None = None, *, since: int = 0,
                        timeout: float | None = None) -> Event:
        return await self.events.wait("bootstrap-done", endpoint, since=since,
                                      timeout=timeout if timeout is not None else 2 * self.params.max_transmit_wait)


def consistency_problems(values: Mapping[Path, Value]) -> list[str]:
    """Why a client's configuration cannot be used after Bootstrap-Finish (TS Core §6.1.7.5, int-9).

    A helper for clients (the simulator, test clients): at least one non-bootstrap /0 instance whose
    SSID has a /1 instance, and every /1 instance backed by a /0 instance."""
    sec: dict[int, dict[int, Value]] = {}
    srv: dict[int, dict[int, Value]] = {}
    for p, v in values.items():
        ids = p.ids
        if len(ids) >= 3 and ids[0] in (SECURITY, SERVER):
            (sec if ids[0] == SECURITY else srv).setdefault(ids[1], {})[ids[2]] = v
    problems = []
    accounts = {r.get(SEC_SSID) for r in sec.values() if not r.get(SEC_BOOTSTRAP)}
    servers = {r.get(0) for r in srv.values()}
    for iid, r in srv.items():
        if r.get(0) not in accounts:
            problems.append(f"/1/{iid} (SSID {r.get(0)}) has no Security instance")
    if not accounts & servers:
        problems.append("no complete LwM2M Server account (a /0 instance with a matching /1 instance)")
    return problems


def iter_accounts(accounts: Iterable[ServerAccount]) -> dict[Path, Value]:
    out: dict[Path, Value] = {}
    for a in accounts:
        out.update(a.values())
    return out


AsyncCallable = Callable[..., Awaitable[Any]]


# ---------------------------------------------------------------------- sync façade
from .sync import LoopThread, SyncServer  # noqa: E402  (after the role it wraps)


class SyncBootstrapServer(SyncServer):
    """Blocking wrapper for pytest: SyncServer's proxy (every coroutine method becomes a plain call,
    same event waits) around a :class:`BootstrapServer`."""

    aio: BootstrapServer  # type: ignore[assignment]

    @classmethod
    def start(cls, lt: LoopThread, **kwargs: Any) -> "SyncBootstrapServer":  # type: ignore[override]
        async def _mk() -> BootstrapServer:
            return await BootstrapServer(**kwargs).start()
        return cls(lt.run(_mk()), lt)  # type: ignore[arg-type]

    def plan(self, endpoint: str | None, plan: BootstrapPlan) -> BootstrapPlan:
        return self.lt.call(self.aio.plan, endpoint, plan)
