"""The LwM2M Server role toward a device under test (asyncio).

Receives the Registration interface (Register, Update, De-register), Send
(``/dp``) and, through an optional delegate, Bootstrap-Request (``/bs``); issues
Device Management & Service Enablement and Information Reporting operations to
registered clients.  Every operation returns an :class:`OpResult` — code,
content format, raw bytes, decoded values (or the decode error, which is a
finding about the device, never an exception) and the exchanges on the wire.
Payloads with time-stamped values (SenML historical notifications, Send) keep
every record in ``OpResult.series`` / the Send event's ``records``; the value
tree holds each path's most recent value.

References: OMA TS Core 1.1 §6 (interfaces), TS Transport 1.1 §6 (CoAP mapping,
Tables 6.1-6.5).  :mod:`.sync` wraps this class for pytest.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Hashable, Iterable, Mapping

from aiocoap import Message
from aiocoap.numbers import codes

from ..coap import blockwise, wire
from ..coap.endpoint import Endpoint, RequestTimeout, ResetError
from ..coap.observe import Notification, Observation, observe as coap_observe
from ..coap.params import DEFAULT, TransmissionParams
from ..coap.transport import SERVER_RECEIVE_BUFFER, DatagramTransport, UdpTransport
from ..errors import FormatError, ProtocolError, TimeoutError_
from . import formats
from .contentformat import CF
from .events import EventLog
from .formats import link as linkformat
from .formats import senml_cbor, senml_json
from .model.types import TypeResolver
from .path import Path
from .registration import (ObjectList, Query, Registration, RegistrationRejected, check_register,
                           check_update)
from .values import Record, Value, ValueTree, latest

log = logging.getLogger(__name__)

_CODE_BY_TEXT = {"4.00": codes.BAD_REQUEST, "4.03": codes.FORBIDDEN, "4.04": codes.NOT_FOUND,
                 "4.12": codes.PRECONDITION_FAILED, "4.15": codes.UNSUPPORTED_CONTENT_FORMAT,
                 "5.03": codes.SERVICE_UNAVAILABLE}


class MissingValue(ProtocolError, KeyError):
    """A value a case asked of a device's answer that the answer does not carry (a device finding; still a KeyError
    for callers that look a path up)."""

    def __str__(self) -> str:          # KeyError would quote its message
        return str(self.args[0]) if self.args else ""


@dataclass(slots=True)
class OpResult:
    """The outcome of one operation on the device, as seen on the wire."""

    operation: str
    path: str
    code: codes.Code
    content_format: int | None
    payload: bytes
    values: ValueTree | None = None
    decode_error: str | None = None
    links: list[linkformat.Link] | None = None
    location: str | None = None
    request: Message | None = None
    response: Message | None = None
    exchanges: list[tuple[Message, Message]] = field(default_factory=list)
    _series: list[Record] | None = field(default=None, repr=False)
    _series_source: Callable[[], list[Record] | None] | None = field(default=None, repr=False, compare=False)

    @property
    def series(self) -> list[Record] | None:
        """Every decoded value with its time, in payload order (:func:`.formats.decode_series`):
        the historical values of a SenML / LwM2M 1.0 JSON payload, relative times resolved
        against the arrival of the response; one untimed record per value for other formats.
        None when ``values`` is None.  Decoded on first use (the tree is the common need)."""
        if self._series is None and self._series_source is not None:
            self._series = self._series_source()
            self._series_source = None
        return self._series

    @property
    def ok(self) -> bool:
        return self.code.is_successful()

    @property
    def code_text(self) -> str:
        return self.code.dotted

    def value(self, path: str | Path) -> Value:
        """The decoded value at ``path``; :class:`MissingValue` when the answer carries none (undecodable, an error
        code, or no such path): what the device sent, so a case that meets it judges the device."""
        if self.values is None:
            raise MissingValue(f"{self.operation} {self.path} has no decoded values ({self.decode_error or self.code})")
        p = Path.parse(path)
        if p not in self.values:
            raise MissingValue(f"{self.operation} {self.path}: no {p} in the answer")
        return self.values[p]

    def __str__(self) -> str:
        return f"{self.operation} {self.path} -> {self.code}"


@dataclass(slots=True)
class ObservationHandle:
    """An observation plus the decoding of its notifications."""

    observation: Observation
    first: OpResult
    server: "Lwm2mServer"
    base: Path
    decoded: list[tuple[Notification, ValueTree | None, str | None]] = field(default_factory=list)

    @property
    def established(self) -> bool:
        return self.observation.established

    def decode(self, n: Notification) -> tuple[ValueTree | None, str | None]:
        return self.server.decode_payload(n.message, self.base)

    def decode_series(self, n: Notification) -> tuple[list[Record] | None, str | None]:
        """Every value of a notification with its time (historical values of Notification
        Storing, TS Core 1.1 §7.4.4); relative times are taken from the notification's arrival."""
        loop = self.server.endpoint.loop
        arrived = time.time() - (loop.time() - n.time)
        return self.server.decode_series_payload(n.message, self.base, now=arrived)


ModelProvider = Callable[[Registration | None], TypeResolver | None]
BootstrapHandler = Callable[[Message, Hashable], Awaitable[Message]]


class Lwm2mServer:
    """The harness's LwM2M Server; one endpoint, many registered clients."""

    def __init__(self, transport: DatagramTransport | None = None, params: TransmissionParams = DEFAULT, *,
                 model: ModelProvider | TypeResolver | None = None, lifetime_grace: float = 0.0) -> None:
        transport = transport or UdpTransport("127.0.0.1", 0, receive_buffer=SERVER_RECEIVE_BUFFER)
        self.endpoint = Endpoint(transport, params, name="server")
        self.endpoint.handler = self._handle
        # a Read/Write/Delete/Observe whose exchange lost every copy is asked once more before the device
        # is called silent (Endpoint.request): packet loss is no device finding
        self.endpoint.repeat_idempotent = 1
        self.params = params
        self.events = EventLog()
        self.registrations: dict[str, Registration] = {}      # by endpoint name
        self._by_location: dict[str, Registration] = {}
        self._expiry_tasks: dict[str, asyncio.TimerHandle] = {}
        self.lifetime_grace = lifetime_grace
        self.bootstrap_handler: BootstrapHandler | None = None
        #: Endpoints whose next Update finds their registration gone (int-105).
        self._forget_at_update: set[str] = set()
        #: Queue mode: how long a client stays reachable after its Register/Update, per endpoint, where it is
        #: not this server's MAX_TRANSMIT_WAIT (ETS int-109 has both sides use the same value).
        self.awake_windows: dict[str, float] = {}
        self._model = model
        #: model_for() per endpoint: (registration, its object list, the provider's answer).  A provider
        #: answers from what the device registered (its object list and LwM2M version, both fixed until an
        #: Update replaces the list or a new Register the registration), so it is asked once per state,
        #: not once per decoded payload (building a per-device catalog view cost more than the decode).
        self._model_memo: dict[str, tuple[Registration, ObjectList, TypeResolver | None]] = {}
        self.reject_register: Callable[[Query], RegistrationRejected | None] | None = None
        #: Other resources this endpoint serves, by first URI path segment (the file shelf that a Package URI
        #: names, :class:`~meterproof.coap.files.FileShelf`): request -> response, or None for no answer.
        self.mounts: dict[str, Callable[[Message], Message | None]] = {}

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> "Lwm2mServer":
        await self.endpoint.start()
        return self

    def close(self) -> None:
        for h in self._expiry_tasks.values():
            h.cancel()
        self.endpoint.close()

    @property
    def address(self) -> tuple[str, int]:
        return self.endpoint.local_address

    @property
    def uri(self) -> str:
        host, port = self.address
        if ":" in host:
            host = f"[{host}]"
        return f"{self.endpoint.transport.scheme}://{host}:{port}"

    def model_for(self, reg: Registration | None) -> TypeResolver | None:
        if self._model is None:
            return None
        if callable(self._model) and not hasattr(self._model, "resource_def"):
            if reg is None:
                return self._model(reg)  # type: ignore[operator]
            memo = self._model_memo.get(reg.endpoint)
            if memo is not None and memo[0] is reg and memo[1] is reg.objects:
                return memo[2]
            model = self._model(reg)  # type: ignore[operator]
            self._model_memo[reg.endpoint] = (reg, reg.objects, model)
            return model
        return self._model  # type: ignore[return-value]

    # ------------------------------------------------------------------ incoming
    async def _handle(self, req: Message, remote: Hashable) -> Message | None:
        segs = tuple(req.opt.uri_path)
        try:
            if segs == ("rd",) and req.code == codes.POST:
                return self._register(req, remote)
            if len(segs) == 2 and segs[0] == "rd":
                loc = "/rd/" + segs[1]
                if req.code == codes.POST:
                    return self._update(req, remote, loc)
                if req.code == codes.DELETE:
                    return self._deregister(req, remote, loc)
                return wire.new(codes.METHOD_NOT_ALLOWED)
            if segs == ("dp",) and req.code == codes.POST:
                return self._send(req, remote)
            if segs and segs[0] in self.mounts:
                return self.mounts[segs[0]](req)
            if segs and segs[0] in ("bs", "bspack"):
                if self.bootstrap_handler is not None:
                    return await self.bootstrap_handler(req, remote)
                return wire.new(codes.NOT_FOUND)
        except RegistrationRejected as rej:
            self.events.emit("rejected", None, code=rej.code, reason=rej.reason, remote=remote,
                             request=req, path="/" + "/".join(segs))
            return wire.new(_CODE_BY_TEXT.get(rej.code, codes.BAD_REQUEST), payload=rej.reason.encode()[:200])
        return wire.new(codes.NOT_FOUND)

    def _register(self, req: Message, remote: Hashable) -> Message:
        q = Query.parse(req.opt.uri_query)
        if self.reject_register is not None:
            rej = self.reject_register(q)
            if rej is not None:
                raise rej
        fields = check_register(q)
        cf = req.opt.content_format
        if cf is not None and int(cf) != CF.LINK:
            raise RegistrationRejected("4.00", f"Register payload must be link format (40), got {int(cf)}")
        objects = ObjectList.parse(req.payload)
        now = self.endpoint.loop.time()
        ep = str(fields["endpoint"])
        old = self.registrations.pop(ep, None)
        if old is not None:
            self._by_location.pop(old.location, None)
            self._cancel_expiry(ep)
        location = "/rd/" + secrets.token_hex(4)
        lifetime = int(fields["lifetime"])  # type: ignore[call-overload]
        reg = Registration(
            endpoint=ep, location=location, remote=remote, lifetime=lifetime,
            lwm2m_version=str(fields["version"]), binding=str(fields["binding"]), queue_mode=bool(fields["queue"]),
            sms=fields["sms"], pid=fields["pid"], objects=objects, query=q,  # type: ignore[arg-type]
            registered_at=now, updated_at=now, expires_at=now + lifetime if lifetime else float("inf"),
            awake_until=now + self.awake_window(ep), content_format=int(cf) if cf is not None else None)
        self.registrations[ep] = reg
        self._by_location[location] = reg
        self._schedule_expiry(reg)
        self.events.emit("registered", ep, registration=reg, request=req, replaced=old is not None)
        return wire.new(codes.CREATED, location_path=tuple(s for s in location.split("/") if s))

    def _update(self, req: Message, remote: Hashable, location: str) -> Message:
        reg = self._by_location.get(location)
        if reg is not None and reg.endpoint in self._forget_at_update:
            self._forget_at_update.discard(reg.endpoint)
            self.forget(reg.endpoint)
            reg = None
        if reg is None:
            self.events.emit("update-unknown", None, location=location, request=req, remote=remote)
            return wire.new(codes.NOT_FOUND)
        q = Query.parse(req.opt.uri_query)
        fields = check_update(q, reg.lwm2m_version)
        if req.payload:
            reg.objects = ObjectList.parse(req.payload)
        now = self.endpoint.loop.time()
        if "lifetime" in fields:
            reg.lifetime = int(fields["lifetime"])  # type: ignore[call-overload]
        if "binding" in fields:
            reg.binding = str(fields["binding"])
        if "queue" in fields:
            reg.queue_mode = bool(fields["queue"])
        if "sms" in fields:
            reg.sms = fields["sms"]  # type: ignore[assignment]
        reg.remote = remote
        reg.updated_at = now
        reg.updates += 1
        reg.expires_at = now + reg.lifetime if reg.lifetime else float("inf")
        reg.awake_until = now + self.awake_window(reg.endpoint)
        self._schedule_expiry(reg)
        self.events.emit("updated", reg.endpoint, registration=reg, request=req, query=q,
                         params=dict(q.params), payload=req.payload, remote=remote)
        return wire.new(codes.CHANGED)

    def _deregister(self, req: Message, remote: Hashable, location: str) -> Message:
        reg = self._by_location.pop(location, None)
        if reg is None:
            return wire.new(codes.NOT_FOUND)
        self.registrations.pop(reg.endpoint, None)
        self._cancel_expiry(reg.endpoint)
        self.events.emit("deregistered", reg.endpoint, registration=reg, request=req)
        return wire.new(codes.DELETED)

    def _send(self, req: Message, remote: Hashable) -> Message:
        reg = next((r for r in self.registrations.values() if r.remote == remote), None)
        if reg is None:
            self.events.emit("send-unregistered", None, request=req, remote=remote)
            return wire.new(codes.BAD_REQUEST, payload=b"Send from an unregistered client")
        cf = int(req.opt.content_format) if req.opt.content_format is not None else None
        records = None
        error = None
        now = time.time()
        try:
            if not req.payload:
                error = "Send without a payload"
            elif cf in (CF.SENML_JSON, CF.SENML_CBOR) or (cf == CF.LWM2M_CBOR and reg.lwm2m_version == "1.2"):
                # TS Core 1.1 §6.4.6: SenML JSON/CBOR (1.2: also LwM2M CBOR); a Send may carry
                # several time-stamped values of one resource (historical values)
                records = formats.decode_series(cf, req.payload, Path(), self.model_for(reg), now)
            else:
                error = f"Send with content format {cf}, which is not SenML JSON/CBOR"
        except FormatError as exc:
            error = str(exc)
        if error is not None:
            self.events.emit("send", reg.endpoint, registration=reg, request=req, records=None, values=None,
                             error=error)
            return wire.new(codes.BAD_REQUEST, payload=error.encode()[:200])
        assert records is not None
        self.events.emit("send", reg.endpoint, registration=reg, request=req, records=records,
                         values=latest(records, now), error=None)
        return wire.new(codes.CHANGED)

    def awake_window(self, endpoint: str) -> float:
        """Queue mode (TS Core 1.1 §6.5): how long after a client's Register/Update it is reachable."""
        return self.awake_windows.get(endpoint, self.params.max_transmit_wait)

    def _schedule_expiry(self, reg: Registration) -> None:
        self._cancel_expiry(reg.endpoint)
        if reg.lifetime <= 0:
            return
        delay = reg.lifetime + self.lifetime_grace
        loc = reg.location

        def expire() -> None:
            cur = self._by_location.get(loc)
            if cur is reg:
                self._by_location.pop(loc, None)
                self.registrations.pop(reg.endpoint, None)
                self.events.emit("expired", reg.endpoint, registration=reg)

        self._expiry_tasks[reg.endpoint] = self.endpoint.loop.call_later(delay, expire)

    def _cancel_expiry(self, ep: str) -> None:
        h = self._expiry_tasks.pop(ep, None)
        if h is not None:
            h.cancel()

    def forget(self, endpoint: str) -> Registration | None:
        """Drop a registration as if it had expired (int-105 'discarded register update')."""
        reg = self.registrations.pop(endpoint, None)
        if reg is not None:
            self._by_location.pop(reg.location, None)
            self._cancel_expiry(endpoint)
            self.events.emit("forgotten", endpoint, registration=reg)
        return reg

    def forget_at_next_update(self, endpoint: str) -> None:
        """Keep the registration for now, but drop it when the client next Updates, which then
        gets 4.04 (int-105: the server 'forgot' the client between two Updates)."""
        self._forget_at_update.add(endpoint)

    # ------------------------------------------------------------------ outgoing operations
    def registration(self, endpoint: str) -> Registration:
        try:
            return self.registrations[endpoint]
        except KeyError:
            raise ProtocolError(f"{endpoint!r} is not registered") from None

    async def _reachable(self, reg: Registration, timeout: float) -> Registration:
        """Queue mode (TS Core §6.5): hold a request until the client is awake."""
        if not reg.queue_mode or self.endpoint.loop.time() < reg.awake_until:
            return reg
        ev = await self.events.wait(("updated", "registered"), reg.endpoint, since=self.events.mark(),
                                    timeout=timeout)
        return ev["registration"]

    def decode_payload(self, msg: Message, base: Path, reg: Registration | None = None
                       ) -> tuple[ValueTree | None, str | None]:
        """The value tree of a response or notification, or the decode error (a finding).

        A path sent several times (historical values) holds its most recent value.  A 2.05 with
        an empty payload at a path that holds no value of its own (an object without instances:
        Read answers 2.05, TS Transport 1.1 Table 6.4.4-1) is an empty tree, with or without a
        Content-Format."""
        cf = int(msg.opt.content_format) if msg.opt.content_format is not None else None
        if not msg.code.is_successful():
            return None, None
        if not msg.payload and cf is None:
            if msg.code == codes.CONTENT and formats.holds_no_value(base, self.model_for(reg)):
                return {}, None
            return None, None
        if cf is None:
            return None, "response carries a payload but no Content-Format option"
        try:
            return formats.decode(cf, msg.payload, base, self.model_for(reg)), None
        except FormatError as exc:
            return None, f"{CF(cf).name if cf in CF._value2member_map_ else cf}: {exc}"

    def decode_series_payload(self, msg: Message, base: Path, reg: Registration | None = None,
                              now: float | None = None) -> tuple[list[Record] | None, str | None]:
        """Every value of a response or notification with its time, in payload order
        (:func:`.formats.decode_series`; relative times resolved against ``now``, by default the
        clock at decoding), or the decode error; the same cases as :meth:`decode_payload`."""
        values, error = self.decode_payload(msg, base, reg)
        if values is None:
            return None, error
        if not msg.payload:
            return [], None
        assert msg.opt.content_format is not None
        try:
            return formats.decode_series(int(msg.opt.content_format), msg.payload, base, self.model_for(reg),
                                         time.time() if now is None else now), None
        except FormatError as exc:  # pragma: no cover - decode_payload has run the same checks
            return None, str(exc)

    async def operate(self, endpoint: str, operation: str, code: codes.Code, path: Path, *,
                      payload: bytes = b"", content_format: int | None = None, accept: int | None = None,
                      query: Iterable[str] = (), timeout: float | None = None,
                      confirmable: bool = True, decode: bool = True,
                      options: Iterable[tuple[int, bytes]] = (), block_szx: int | None = None) -> OpResult:
        """Send one request to a registered client and wrap what came back (``options``: extra CoAP options by
        number, e.g. one the client cannot recognise).

        ``block_szx``: the block size to use (RFC 7959 §2.2, 2**(SZX+4) bytes): a request body goes in Block1 blocks
        of that size when larger, and a GET asks for Block2 blocks of that size from the first (early negotiation,
        RFC 7959 §2.4)."""
        reg = self.registration(endpoint)
        wait = timeout if timeout is not None else self.params.max_transmit_wait
        reg = await self._reachable(reg, wait)
        msg = wire.new(code, payload=payload, uri_path=reg.device_path(path))
        if content_format is not None:
            msg.opt.content_format = content_format
        if accept is not None:
            msg.opt.accept = accept
        q = tuple(query)
        if q:
            msg.opt.uri_query = q
        for number, value in options:
            wire.add_option(msg, number, value)
        exchanges: list[tuple[Message, Message]] = []
        if block_szx is not None and code == codes.GET:
            msg.opt.block2 = blockwise.Block(0, False, block_szx)
        transfer = blockwise.request(self.endpoint, msg, reg.remote, timeout=wait, exchanges=exchanges,
                                     **({"szx": block_szx} if block_szx is not None else {}))
        if timeout is None:
            resp = await transfer
        else:
            # An explicit timeout bounds the whole operation, retransmissions and blocks included.
            try:
                resp = await asyncio.wait_for(transfer, timeout)
            except asyncio.TimeoutError:
                raise RequestTimeout(f"{operation} {path}: no complete answer from {endpoint} within "
                                     f"{timeout:.1f}s") from None
        return self._result(operation, path, msg, resp, exchanges, reg, decode)

    def _result(self, operation: str, path: Path, msg: Message, resp: Message,
                exchanges: list[tuple[Message, Message]], reg: Registration | None, decode: bool) -> OpResult:
        cf = int(resp.opt.content_format) if resp.opt.content_format is not None else None
        res = OpResult(operation, str(path), resp.code, cf, resp.payload, request=msg, response=resp,
                       exchanges=exchanges)
        if resp.opt.location_path:
            res.location = "/" + "/".join(resp.opt.location_path)
        if decode and resp.code.is_successful() and (resp.payload or resp.code == codes.CONTENT):
            if cf == CF.LINK:
                try:
                    res.links = linkformat.parse(resp.payload)
                except FormatError as exc:
                    res.decode_error = f"LINK: {exc}"
            else:
                res.values, res.decode_error = self.decode_payload(resp, path, reg)
                if res.values is not None:
                    arrived = time.time()
                    res._series_source = lambda: self.decode_series_payload(resp, path, reg, arrived)[0]
        return res

    # DM & SE -------------------------------------------------------------
    async def read(self, endpoint: str, path: str | Path, *, accept: int | None = None,
                   timeout: float | None = None, options: Iterable[tuple[int, bytes]] = (),
                   block_szx: int | None = None) -> OpResult:
        return await self.operate(endpoint, "Read", codes.GET, Path.parse(path), accept=accept, timeout=timeout,
                                  options=options, block_szx=block_szx)

    async def discover(self, endpoint: str, path: str | Path, *, depth: int | None = None,
                       timeout: float | None = None) -> OpResult:
        q = (f"depth={depth}",) if depth is not None else ()
        return await self.operate(endpoint, "Discover", codes.GET, Path.parse(path), accept=CF.LINK, query=q,
                                  timeout=timeout)

    def encode_values(self, endpoint: str, cf: int, values: Mapping[str | Path, Value] | ValueTree,
                      base: Path) -> bytes:
        reg = self.registrations.get(endpoint)
        tree = {Path.parse(k): v for k, v in values.items()}
        return formats.encode(cf, tree, base, self.model_for(reg))

    async def write(self, endpoint: str, path: str | Path, values: Mapping[str | Path, Value] | Value | None = None,
                    *, content_format: int = CF.TLV, partial: bool = False, payload: bytes | None = None,
                    timeout: float | None = None, options: Iterable[tuple[int, bytes]] = (),
                    block_szx: int | None = None) -> OpResult:
        """Write (replace with PUT, or partial update with POST on an instance).

        ``values`` is a value tree, or a single value for a resource path."""
        p = Path.parse(path)
        if payload is None:
            if not isinstance(values, Mapping):
                values = {p: values}  # type: ignore[dict-item]
            payload = self.encode_values(endpoint, content_format, values, p)
        code = codes.POST if partial else codes.PUT
        return await self.operate(endpoint, "Write-Partial" if partial else "Write", code, p, payload=payload,
                                  content_format=content_format, timeout=timeout, options=options,
                                  block_szx=block_szx)

    async def write_attributes(self, endpoint: str, path: str | Path, attrs: Mapping[str, Any] | None = None, *,
                               timeout: float | None = None, **kw: Any) -> OpResult:
        """Write-Attributes: ``pmin=5, pmax=None`` (None sends a valueless param, i.e. unset)."""
        merged = dict(attrs or {}, **kw)
        q = tuple(k if v is None else f"{k}={_attr_text(v)}" for k, v in merged.items())
        return await self.operate(endpoint, "Write-Attributes", codes.PUT, Path.parse(path), query=q,
                                  timeout=timeout)

    async def execute(self, endpoint: str, path: str | Path, args: str | bytes | None = None, *,
                      timeout: float | None = None) -> OpResult:
        payload = args.encode() if isinstance(args, str) else (args or b"")
        cf = CF.TEXT if payload else None
        return await self.operate(endpoint, "Execute", codes.POST, Path.parse(path), payload=payload,
                                  content_format=cf, timeout=timeout)

    async def create(self, endpoint: str, path: str | Path, values: Mapping[str | Path, Value] | ValueTree, *,
                     content_format: int = CF.TLV, payload: bytes | None = None,
                     timeout: float | None = None) -> OpResult:
        p = Path.parse(path)
        if payload is None:
            payload = self.encode_values(endpoint, content_format, values, p)
        return await self.operate(endpoint, "Create", codes.POST, p, payload=payload, content_format=content_format,
                                  timeout=timeout)

    async def delete(self, endpoint: str, path: str | Path, *, timeout: float | None = None) -> OpResult:
        return await self.operate(endpoint, "Delete", codes.DELETE, Path.parse(path), timeout=timeout)

    # composite (1.1) -------------------------------------------------------
    def _senml(self, cf: int):  # type: ignore[no-untyped-def]
        if cf == CF.SENML_JSON:
            return senml_json
        if cf == CF.SENML_CBOR:
            return senml_cbor
        raise FormatError(f"composite operations need SenML JSON (110) or CBOR (112), not {cf}")

    async def read_composite(self, endpoint: str, paths: Iterable[str | Path], *, content_format: int = CF.SENML_CBOR,
                             accept: int | None = None, timeout: float | None = None) -> OpResult:
        body = self._senml(content_format).encode_paths([Path.parse(p) for p in paths])
        return await self.operate(endpoint, "Read-Composite", codes.FETCH, Path(), payload=body,
                                  content_format=content_format, accept=accept or content_format, timeout=timeout)

    async def write_composite(self, endpoint: str, values: Mapping[str | Path, Value], *,
                              content_format: int = CF.SENML_CBOR, timeout: float | None = None) -> OpResult:
        tree = {Path.parse(k): v for k, v in values.items()}
        reg = self.registrations.get(endpoint)
        body = formats.encode(content_format, tree, Path(), self.model_for(reg))
        return await self.operate(endpoint, "Write-Composite", codes.iPATCH, Path(), payload=body,
                                  content_format=content_format, timeout=timeout)

    # information reporting --------------------------------------------------
    async def observe(self, endpoint: str, path: str | Path, *, accept: int | None = None,
                      query: Iterable[str] = (), timeout: float | None = None) -> ObservationHandle:
        p = Path.parse(path)
        reg = self.registration(endpoint)
        wait = timeout if timeout is not None else self.params.max_transmit_wait
        reg = await self._reachable(reg, wait)
        msg = wire.new(codes.GET, uri_path=reg.device_path(p))
        if accept is not None:
            msg.opt.accept = accept
        if query:
            msg.opt.uri_query = tuple(query)
        obs = await coap_observe(self.endpoint, msg, reg.remote, timeout=wait)
        assert obs.initial is not None
        first = self._result("Observe", p, msg, obs.initial, [(msg, obs.initial)], reg, True)
        return ObservationHandle(obs, first, self, p)

    async def observe_composite(self, endpoint: str, paths: Iterable[str | Path], *,
                                content_format: int = CF.SENML_CBOR, accept: int | None = None,
                                timeout: float | None = None) -> ObservationHandle:
        reg = self.registration(endpoint)
        wait = timeout if timeout is not None else self.params.max_transmit_wait
        reg = await self._reachable(reg, wait)
        body = self._senml(content_format).encode_paths([Path.parse(p) for p in paths])
        msg = wire.new(codes.FETCH, payload=body, uri_path=reg.device_path(Path()))
        msg.opt.content_format = content_format
        msg.opt.accept = accept or content_format
        obs = await coap_observe(self.endpoint, msg, reg.remote, timeout=wait)
        assert obs.initial is not None
        first = self._result("Observe-Composite", Path(), msg, obs.initial, [(msg, obs.initial)], reg, True)
        return ObservationHandle(obs, first, self, Path())

    async def cancel_observation(self, handle: ObservationHandle, *, mode: str = "get",
                                 timeout: float | None = None) -> OpResult | None:
        """Cancel with ``mode="get"`` (GET/FETCH Observe=1) or ``"reset"`` (RST the next notification)."""
        wait = timeout if timeout is not None else self.params.max_transmit_wait
        obs = handle.observation
        if mode == "reset":
            # the record stays registered (cancelled): later notifications land in after_cancel and get RST
            await obs.cancel_by_reset(wait)
            return None
        resp = await obs.cancel_by_get(wait)
        self.endpoint.forget_observation(obs)
        # keep receiving (and RST-ing) late notifications through the cancelled record
        obs.cancelled = True
        self.endpoint.register_observation(obs)
        return self._result("Cancel-Observe", handle.base, obs.request, resp, [], None, True)

    # CoAP over TCP / TLS (RFC 8323) -----------------------------------------
    def session(self, remote: Hashable) -> Any:
        """What secures ``remote``'s channel: the DTLS session (the remote itself) or, over TLS, the connection's
        TLS channel; both carry ``psk_identity``, ``cipher`` and the handshake ``report``."""
        connection = getattr(self.endpoint.transport, "connection", None)
        if connection is None:
            return remote
        conn = connection(remote)
        return conn.channel if conn is not None else None

    def peer_settings(self, endpoint: str) -> Any:
        """What the registered client's CSMs said on its connection (:class:`~meterproof.coap.tcp.PeerSettings`),
        None over UDP."""
        if not self.endpoint.reliable:
            return None
        return self.endpoint.peers.get(self.registration(endpoint).remote)

    async def ping(self, endpoint: str, *, timeout: float) -> Message:
        """RFC 8323 §5.4: a 7.02 Ping to the registered client; its 7.03 Pong (RequestTimeout without one)."""
        return await self.endpoint.ping(self.registration(endpoint).remote, timeout)

    def send_csm(self, endpoint: str, max_message_size: int | None, block_wise: bool = True) -> None:
        """A further CSM to the registered client (RFC 8323 §5.3): from now on it must send no message larger than
        ``max_message_size`` bytes (§5.3.1)."""
        from ..coap import tcp
        self.endpoint.send_csm(self.registration(endpoint).remote, tcp.csm(max_message_size, block_wise))

    # raw ------------------------------------------------------------------
    async def raw_request(self, endpoint: str, msg: Message, *, timeout: float | None = None) -> Message:
        """Send a hand-built request (any code/options) to a registered client."""
        reg = self.registration(endpoint)
        return await self.endpoint.request(msg, reg.remote, timeout=timeout)

    async def raw_send(self, endpoint: str, data: bytes, *, timeout: float, retransmit: bool = True,
                       heartbeat: float | None = None) -> Any:
        """Hand-built bytes to a registered client: a :class:`~meterproof.coap.raw.RawExchange`
        (a CON is retransmitted by RFC 7252's rules; ``timeout`` 0 sends once and returns at once)."""
        reg = self.registration(endpoint)
        return await self.endpoint.exchange_raw(data, reg.remote, timeout, retransmit=retransmit,
                                                heartbeat=heartbeat)


def _attr_text(v: Any) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v)) if abs(v) < 1e15 else repr(v)
    return str(v)


__all__ = ["Lwm2mServer", "ObservationHandle", "OpResult", "RequestTimeout", "ResetError", "TimeoutError_"]
