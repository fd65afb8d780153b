"""The reference smart meter: a complete LwM2M client on meterproof's own CoAP engine.

:class:`SimulatedMeter` ties the parts together — the object store
(:mod:`.store`, contents from :mod:`.profiles`), the request handler
(:mod:`.dm`), notifications (:mod:`.reporting`), the registration client
(:mod:`.registration_client`), firmware and software updates
(:mod:`.firmware`, :mod:`.software`) and persistence (:mod:`.persistence`) —
and owns what is per meter: one UDP socket, the clock, the seeded defects, the
variant traits (:mod:`.variants`) and the side effects of writes and executes
(an Update after a lifetime write, a reboot after /3/0/4, ...).  What the Server
object says (lifetime, binding, default periods, Mute Send, the triggers) is
always read from the Server instance of the account in use
(:func:`.security.server_instance`), wherever it is.  Further server accounts (a
Bootstrap-Server may write several) each get a registration of their own, their
own Write-Attributes and Access Control between them (:mod:`.servers`).

Everything runs on the caller's event loop; a meter has no thread and builds
its instances lazily, so a thousand of them fit in one process.  Incoming
datagrams pass a *gate* first: a queue-mode meter that sleeps does not
receive, and the robustness defects "crash" there by going silent.

The parts never import this module: each takes the meter as :class:`.host.MeterHost` (a Protocol of what
the parts use), so the package's imports run one way, from the meter to its parts.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import random
import socket
import time
import zlib
from typing import Any, Callable, Hashable, Iterable
from urllib.parse import urlsplit

from aiocoap.numbers import codes

from ..coap import blockwise, wire
from ..coap.endpoint import Endpoint
from ..coap.params import LOOPBACK, TransmissionParams
from ..coap.transport import UdpTransport
from .._resources import resource_dir
from ..errors import ConfigError, ProtocolError
from ..lwm2m.contentformat import CF
from ..lwm2m.formats import senml_cbor
from ..lwm2m.formats.senml import Record
from ..lwm2m.model.catalog import Catalog, default_catalog
from ..lwm2m.path import Path
from . import optional_objects, oscore_client, persistence, portfolio
from . import security as sec
from .attributes import AttributeStore
from .bootstrap_client import BootstrapClient
from .defects import check_defects
from .delivery import Delivery
from .variants import check_variants
from .dm import DeviceManagement
from .firmware import FirmwareUpdater
from .profiles import LWM2M_VERSIONS, METER_KINDS, METER_OBJECT, MeterContext, profile_for
from .registration_client import RegistrationClient
from .servers import ServerAccounts
from .hostile import Hostile
from .reporting import Reporter
from .representation import tlv_overruns
from .rsp import RspUpdater
from .software import SoftwareManager
from .store import ObjectStore, StoreError

log = logging.getLogger(__name__)

#: Where the ``vendor-object`` variant's DDF file lives: beside its profile, as a lab keeps a vendor's files.
VENDOR_DDF = "fixtures/profiles/variants/vendor-ddf"
ACTION_DELAY = 0.02          # an action caused by a request starts after its response went out
DEFAULT_SEND_PATHS = ("/3/0/9",)


@functools.lru_cache(maxsize=1)
def _shared_catalog() -> Catalog:
    return default_catalog()


@functools.lru_cache(maxsize=1)
def _vendor_catalog() -> Catalog:
    """The variant ``vendor-object``: our definitions plus the vendor's own DDF folder (the one its profile
    hands a lab)."""
    return default_catalog().with_user_dirs(resource_dir(VENDOR_DDF))


_VIEWS: dict[tuple[int, str, str, tuple[tuple[int, str], ...]], Catalog] = {}


def _model_view(catalog: Catalog, versions: dict[int, str], kind: str, lwm2m: str) -> Catalog:
    key = (id(catalog), kind, lwm2m, tuple(sorted(versions.items())))
    view = _VIEWS.get(key)
    if view is None:
        view = _VIEWS[key] = catalog.for_versions(versions)
    return view


class SimulatedMeter:
    def __init__(self, server_uri: str, endpoint: str, *, meter: str = "electricity", lwm2m: str = "1.1",
                 defects: Iterable[str] = (), state_file: str | None = None,
                 params: TransmissionParams = LOOPBACK, lifetime: int = 86400, binding: str = "U",
                 queue_mode: bool = False, bind_host: str = "127.0.0.1", seed: int = 0,
                 catalog: Catalog | None = None, dtls: Any = None, security: Any = None,
                 bootstrap_pack: bool = False, variants: Iterable[str] = (), standalone: bool = False,
                 clock: float = 1.0, hostile: float = 0.0) -> None:
        # dtls: a meterproof.dtls.DtlsSettings (client side) -> the meter talks coaps through a DtlsClientTransport
        # security: a sim.security.MeterSecurity -- the factory accounts in /0 (server, Bootstrap-Server, both)
        # bootstrap_pack: bootstrap with Bootstrap-Pack-Request (GET /bspack, LwM2M 1.2) instead of POST /bs
        # variants: legal device variations (sim/variants.py), e.g. "server-instance", "minimal-resources"
        # standalone: the meter is its own process (`meterproof simulate`), so a seeded crash may end it for real
        # clock: how long one of the meter's seconds lasts in real seconds for its lifetime schedule and its
        # queue-mode awake window (a case compresses time with it: 0.05 runs a 120 s lifetime in 6 s)
        # hostile: the share of DM answers and notifications sent mangled (sim/hostile.py; the harness's own tests)
        self.standalone = standalone
        self.security = sec.MeterSecurity.build(dtls, security)
        secure = self.security.secure
        if meter not in METER_KINDS:
            raise ConfigError(f"unknown meter kind {meter!r}; choose one of {', '.join(METER_KINDS)}")
        if lwm2m not in LWM2M_VERSIONS:
            raise ConfigError(f"unsupported LwM2M version {lwm2m!r}; choose one of {', '.join(LWM2M_VERSIONS)}")
        if not endpoint:
            raise ConfigError("the endpoint name must not be empty")
        if bootstrap_pack and lwm2m != "1.2":
            raise ConfigError(f"Bootstrap-Pack-Request is LwM2M 1.2; this meter is {lwm2m}")
        if not clock > 0:
            raise ConfigError(f"clock must be positive, got {clock!r}")
        if not isinstance(lifetime, int) or lifetime < 0:
            raise ConfigError(f"lifetime must be a non-negative integer, got {lifetime!r}")
        try:
            parts = urlsplit(server_uri)
            port = parts.port
        except ValueError:
            raise ConfigError(f"not a server URI: {server_uri!r}") from None
        #: CoAP over TCP/TLS (binding T, RFC 8323): the server URI is coap+tcp:// or coaps+tcp://
        self.tcp = parts.scheme.endswith("+tcp")
        if self.tcp and lwm2m == "1.0":
            raise ConfigError("LwM2M 1.0 has no TCP binding (TS 1.0 §5.3.1: U and S); coap+tcp needs 1.1 or later")
        if self.tcp and binding == "U":
            binding = "T"
        if binding != ("T" if self.tcp else "U"):
            raise ConfigError(f"binding {binding!r} is not supported by the simulator (U over UDP, T over TCP)")
        want = self.security.server.scheme if self.security.server is not None else parts.scheme
        want = want.removesuffix("+tcp") + ("+tcp" if self.tcp else "")
        if parts.scheme != want or not parts.hostname:
            raise ConfigError(f"server URI must be {want}://host[:port] "
                              f"(coaps needs dtls= settings), got {server_uri!r}")
        self.server_uri = server_uri
        self._server_host, self._server_port = parts.hostname, port or (5684 if parts.scheme.startswith("coaps")
                                                                        else 5683)
        self.endpoint_name = endpoint
        self.kind = meter
        self.lwm2m = lwm2m
        self.bootstrap_pack = bootstrap_pack
        self.defects: frozenset[str] = check_defects(defects)
        self.variants: frozenset[str] = check_variants(variants, lwm2m)
        self.state_file = state_file
        self.params = params
        self.clock = clock
        self.queue_mode = queue_mode
        self.seed = seed
        if catalog is None:
            catalog = _vendor_catalog() if "vendor-object" in self.variants else _shared_catalog()
        self.catalog = catalog
        self.profile = profile_for(meter, lwm2m, self.catalog, self.variants)
        self.ctx = MeterContext(endpoint, meter, lwm2m, server_uri, lifetime, binding, queue_mode, seed,
                                self.defects, self.variants)
        self._t0: float | None = None
        self.store = ObjectStore(_model_view(self.catalog, self.profile.versions, meter, lwm2m), self.profile,
                                 self.ctx, self.elapsed)
        self.store.on_change = self._on_change
        self.attributes = AttributeStore()
        self.reporter = Reporter(self)
        self.delivery = Delivery(self)
        self.reg = RegistrationClient(self)
        self.servers = ServerAccounts(self)
        self.dm = DeviceManagement(self)
        self.firmware = FirmwareUpdater(self)
        self.software = SoftwareManager(self)
        self.rsp = RspUpdater(self)
        self.bootstrap = BootstrapClient(self)
        self._account_in_use: Any = None
        self.oscore_contexts: dict[Any, Any] = {}      # sim/oscore_client.py: by /21 parameters
        self.oscore_resume: dict[str, int] = {}        # sequence numbers to resume from after a power cut
        sec.install_factory(self)
        rng = random.Random(seed ^ zlib.crc32(endpoint.encode()))
        self.hostile = Hostile(hostile, seed ^ zlib.crc32(endpoint.encode()) ^ 0x5EED) if hostile else None
        if self.tcp:
            from ..coap.stream import StreamTransport
            channels: Any = None
            if secure:
                from ..dtls.tls_stream import TlsChannels
                channels = TlsChannels(sec.initial_settings(self))
            transport: Any = StreamTransport(bind_host, 0, server=False, channels=channels)
        elif secure:
            from ..dtls import DtlsClientTransport
            transport = DtlsClientTransport(bind_host, 0, sec.initial_settings(self))
        else:
            transport = UdpTransport(bind_host, 0)
        self.endpoint = Endpoint(transport, params, handler=self.bootstrap.route, rng=rng, name=endpoint,
                                 recognized_options=None if self.has("critical-option-ignored")
                                 else wire.RECOGNIZED_OPTIONS)
        self.endpoint.on_notification_reply = self.reporter.on_reply
        self.firmware.attach(self.endpoint)
        inner = self.endpoint.transport.on_datagram
        assert inner is not None
        self.endpoint.transport.on_datagram = functools.partial(self._gate, inner)
        taps = getattr(self.endpoint.transport, "taps", None)
        if taps is not None:            # the Connectivity Statistics (/7) count what crosses the socket
            taps.append(optional_objects.live(self.ctx).traffic.tap)
        elif self.tcp:                  # a stream has no datagrams: count each CoAP message it carries
            self._tap_messages(optional_objects.live(self.ctx).traffic.tap)
        if self.has("token-truncated"):
            transport.send = functools.partial(_truncate_response_tokens, transport.send)
        if secure and not self.tcp and self.has("client-random-reused"):
            transport._sendto = functools.partial(_fixed_first_random, transport._sendto)
        if secure and not self.tcp and self.has("hello-extensions-first-flight-only"):
            transport._sendto = functools.partial(_first_flight_without_hardening, transport._sendto)
        if self.tcp:
            self._tcp_defects()
        # the seeded block-wise defects live in the meter's Block1 reassembly (RFC 7959 §2.5, §2.9.3)
        self.endpoint.block1.ignore_numbers = self.has("block1-numbers-ignored")
        self.endpoint.block1.size1_echoed = self.has("too-large-size1-echoed")
        if secure and not self.tcp:
            rec_inner = transport.datagram_received
            transport.datagram_received = functools.partial(self._record_gate, rec_inner)
        self.server_remote: Hashable = (self._server_host, self._server_port)
        self.running = False
        self.dead = False                 # a robustness defect "crashed" the stack
        self._silent_until = 0.0
        self._awake_until = float("inf")
        self._tasks: set[asyncio.Task[Any]] = set()
        self.bootstrap_requests = 0       # /1/x/9 executions (Bootstrap-Request Trigger)
        self.last_send_code: codes.Code | None = None

    # ------------------------------------------------------------------ public API
    @property
    def registered(self) -> asyncio.Event:
        return self.reg.registered

    @property
    def location(self) -> str | None:
        return self.reg.location

    def has(self, defect: str) -> bool:
        return defect in self.defects

    def varies(self, variant: str) -> bool:
        """Whether the meter was started with this variant trait (a legal variation, not a defect)."""
        return variant in self.variants

    @property
    def secure(self) -> bool:
        """The meter speaks DTLS (coaps); credentials per server come from /0 (sim/security.py)."""
        return self.security.secure

    async def start(self) -> None:
        """Open the socket and Register; returns once 2.01 arrived (raises on failure)."""
        loop = asyncio.get_running_loop()
        self._t0 = loop.time()
        self._load_state()
        if self.state_file is not None:
            self.oscore_resume = persistence.oscore_sequences(self.state_file)
        since = persistence.metering_since(self.state_file) if self.state_file is not None else None
        if since is not None:                 # the registers go on from where they stood at the power cut
            self.ctx.metering_offset = max(0.0, self.ctx.started_wall - since)
        try:
            info = await loop.getaddrinfo(self._server_host, self._server_port, type=socket.SOCK_DGRAM)
        except OSError as exc:
            raise ConfigError(f"cannot resolve server host {self._server_host!r}: {exc}") from None
        self.server_remote = (info[0][4][0], info[0][4][1])
        await self.endpoint.start()
        self.running = True
        if not sec.accounts(self) and self.bootstrap.start() is not None:
            return                        # factory state C.13: bootstrap first, register when it finishes
        try:
            await self.reg.register()
        except BaseException as exc:
            if isinstance(exc, Exception) and self.bootstrap.fallback() is not None:
                log.info("%s: registration failed (%s); falling back to bootstrap", self.endpoint_name, exc)
                return                    # int-7: fall back to the Bootstrap-Server
            self.running = False
            self.endpoint.close()
            raise

    async def stop(self, deregister: bool = True) -> None:
        if not self.running and self.endpoint.closed:
            return
        self.running = False
        self.reporter.clear()
        self.reporter.stop()
        self.delivery.stop()
        self.reg.close()
        if deregister and not self.dead:
            await self.servers.deregister()
        self.servers.forget()
        if deregister and self.reg.location is not None and not self.dead:
            await self.reg.deregister()
        else:
            self.reg.forget()
        for t in list(self._tasks):
            if t is not asyncio.current_task():
                t.cancel()
        self.endpoint.close()

    async def power_cut(self, state_file: str) -> None:
        """The power goes: what the meter keeps (persistence) is in ``state_file`` (its own, or the one given when
        it has none), and it stops without a word to the server.  A new meter started on that file is the power
        coming back (the simulator driver's ``power-cycle``).  ``power-loss-forgets-config`` keeps nothing."""
        self.state_file = self.state_file or state_file
        if self.has("power-loss-forgets-config"):
            try:
                os.remove(self.state_file)
            except FileNotFoundError:
                pass
        else:
            self._save_state()
        await self.stop(deregister=False)

    async def reboot(self) -> None:
        """As if /3/0/4 executed: observations and attributes go, persisted state reloads, fresh Register."""
        self.reporter.clear()
        self.delivery.stop()
        self.attributes.clear()
        self._load_state()
        oscore_client.reboot(self)        # RFC 8613 Appendix B.1: sequence numbers resume, replay windows unknown
        self.servers.forget()
        self.reg.forget()
        if self.running and not self.has("reboot-without-reregister"):
            await self.reg.register()

    def set_value(self, path: str, value: Any) -> None:
        """Change a resource locally, as a sensor would (observers are notified per their attributes)."""
        p = Path.parse(path)
        if len(p) < 3 or not self.store.exists(p.truncate(2)):
            raise ConfigError(f"{path} is not a resource of an existing instance")
        try:
            self.store.check_value(p.truncate(3), value if len(p) == 3 else {p.ids[3]: value})
        except StoreError as exc:
            raise ConfigError(f"cannot set {path}: {exc}") from None
        if p.object_id == 4 and self.has("connectivity-values-frozen"):
            return                        # the link changed, but the object never asks the modem again
        self.store.set(p, value)

    async def trigger_send(self, paths: list[str] | None = None) -> None:
        """Send (1.1+): POST /dp in SenML CBOR, unless Mute Send /1/x/23 is true or absent (TS Core 1.1 E.2:
        "If true or the Resource is not present, the LwM2M Client Send command capability is de-activated")."""
        if self.lwm2m == "1.0":
            raise ProtocolError("Send needs LwM2M 1.1 or later")
        if self.server_value(23, True) is not False and not self.has("mute-send-ignored"):
            return
        moid = METER_OBJECT[self.kind]
        wanted = paths or [f"/{moid}/{self.ctx.layout.first(moid)}", *DEFAULT_SEND_PATHS]
        now = time.time()
        records: list[Record] = []
        for text in wanted:
            try:
                tree = self.dm.read_values(Path.parse(text))
            except StoreError:
                continue
            if self.has("send-renumbers-resource-instances"):
                # the vendor's SenML writer counts resource instances from 1
                tree = {Path(p.ids[:3] + (p.ids[3] + 1,)) if len(p) == 4 else p: v for p, v in tree.items()}
            records.extend(Record(p, v, now) for p, v in tree.items())
        if self.has("send-unregistered-object"):
            # another kind of meter's object (resource 1, a Float in each): defined, never registered by this meter
            other = next(oid for oid in METER_OBJECT.values() if not self.store.has_object(oid))
            records.append(Record(Path((other, 0, 1)), 7.0, now))
        if self.varies("composite-reordered"):
            records.reverse()
        msg = wire.new(codes.POST, uri_path=("dp",), payload=senml_cbor.encode_records(records, self.store.model),
                       content_format=CF.SENML_CBOR)
        self.wake()
        resp = await blockwise.request(self.endpoint, msg, self.server_remote, timeout=self.params.exchange_lifetime)
        self.last_send_code = resp.code

    async def trigger_update(self) -> None:
        await self.reg.update()

    # ------------------------------------------------------------------ clock, tasks, liveness
    def loop_time(self) -> float:
        return self.endpoint.loop.time()

    def elapsed(self) -> float:
        return 0.0 if self._t0 is None else self.loop_time() - self._t0

    def track(self, task: asyncio.Task[Any]) -> asyncio.Task[Any]:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def later(self, fn: Callable[[], Any], delay: float = ACTION_DELAY) -> None:
        """Run ``fn`` (a plain function or one returning a coroutine) after the current response."""
        def go() -> None:
            if not self.running:
                return
            res = fn()
            if asyncio.iscoroutine(res):
                self.track(asyncio.get_running_loop().create_task(res))
        asyncio.get_running_loop().call_later(delay, go)

    @property
    def alive(self) -> bool:
        return not self.dead and self.loop_time() >= self._silent_until

    def wake(self) -> None:
        """Queue mode: stay reachable for MAX_TRANSMIT_WAIT after our own message."""
        if self.queue_mode:
            self._awake_until = self.loop_time() + self.awake_window

    @property
    def awake_window(self) -> float:
        """Queue mode: how long the meter listens after its own message (MAX_TRANSMIT_WAIT, TS Core 1.1 §6.5)."""
        return self.params.max_transmit_wait * self.clock

    def sleep_now(self) -> None:
        """Queue mode: the radio goes off at once (only the queue-mode-sleeps-after-update defect does this)."""
        self._awake_until = self.loop_time()

    def on_registered(self) -> None:
        self.wake()
        self.servers.sync()

    def attributes_for(self, remote: Hashable) -> AttributeStore:
        """The Write-Attributes of the server at ``remote`` (per server: TS Core 1.1 §5.1.2)."""
        return self.servers.attributes_for(remote)

    def requester(self, remote: Hashable) -> int | None:
        """The SSID of the server a request came from, when Access Control applies (more than one server
        account, TS Core 1.1 §7.3); None otherwise."""
        return self.servers.ssid_of(remote) if self.servers.multiple() else None

    def _tcp_defects(self) -> None:
        """The seeded CoAP-over-TCP defects (RFC 8323), which live in the meter's endpoint."""
        ep = self.endpoint
        if self.has("tcp-no-csm"):
            ep.csm = None                                   # §5.3: no CSM as the first message
        if self.has("tcp-no-pong"):
            ep.answer_ping = False                          # §5.4: a Ping goes unanswered
        if self.has("tcp-ignores-max-message-size"):
            ep.max_szx = lambda remote: ep.block_szx        # type: ignore[method-assign]  # §5.3.1 not honoured

    def _die(self, why: str) -> None:
        log.warning("%s: seeded defect: %s; the meter goes silent", self.endpoint_name, why)
        self.dead = True
        self.reg.close()
        self.reporter.stop()

    def _tap_messages(self, tap: Callable[[str, bytes, Any, Any], None]) -> None:
        """Over TCP (RFC 8323) hand every CoAP message sent and received to ``tap``, as the socket taps of UDP do
        with datagrams."""
        t = self.endpoint.transport
        send, receive = t.send, t.on_datagram
        assert receive is not None

        def sent(data: bytes, remote: Hashable) -> None:
            tap("out", data, remote, None)
            send(data, remote)

        def received(data: bytes, remote: Hashable) -> None:
            tap("in", data, remote, None)
            receive(data, remote)
        t.send, t.on_datagram = sent, received  # type: ignore[method-assign]

    def _gate(self, inner: Callable[[bytes, Hashable], None], raw: bytes, remote: Hashable) -> None:
        """Every incoming datagram passes here before the CoAP layer sees it."""
        if self.dead:
            return
        now = self.loop_time()
        if now < self._silent_until:
            return
        if self.queue_mode:
            if now > self._awake_until:
                return            # asleep: the radio is off
            self._awake_until = now + self.awake_window
        if self.has("crash-on-reserved-option-nibble") and any("nibble 15" in p for p in self.endpoint.check(raw)):
            self._die("option nibble 15")
            return
        if self.has("process-crash-on-reserved-option-nibble") and any("nibble 15" in p for p in self.endpoint.check(raw)):
            if self.standalone:          # a real segmentation fault: the process ends, its driver sees the signal
                log.error("%s: seeded defect: option nibble 15 crashes the process", self.endpoint_name)
                os.kill(os.getpid(), signal.SIGSEGV)
            self._die("option nibble 15 (the process would end)")
            return
        if self.has("crash-on-unexpected-ack") and not self.tcp and len(raw) >= 4 and (raw[0] >> 4) & 3 in (2, 3):
            key = (remote, int.from_bytes(raw[2:4], "big"))
            if key not in self.endpoint._pending_con and key not in self.endpoint._sent_notifications:
                self._die("ACK/RST with an unknown message ID")
                return
        if self.has("hang-on-lying-tlv-length") and self._lying_tlv_write(raw):
            self._silent_until = now + 10 * self.params.ack_timeout
            return
        if self.has("slows-down-under-load"):
            # a leak: every datagram handled makes the next answer a little slower (+2 ms per 100)
            self._handled = getattr(self, "_handled", 0) + 1
            asyncio.get_running_loop().call_later(0.00002 * self._handled, inner, raw, remote)
            return
        inner(raw, remote)

    def _record_gate(self, inner: Callable[[bytes, tuple], None], data: bytes, addr: tuple) -> None:
        """Every datagram on a DTLS meter's socket passes here before the DTLS transport sees it.

        The conformant path hands everything on: the transport itself discards epoch-0 records once
        the session is open (RFC 6347 §4.1.2.7, ``dtls.records.without_epoch0``).  The seeded defect
        believes a plaintext alert and tears the session down, as an unfiltered Mbed TLS 2.28 client does."""
        sess = self.endpoint.transport.session_for(addr)
        if (self.has("dtls-plaintext-alert-kills-session") and not self.dead and sess is not None
                and sess.established and _has_plaintext_alert(data)):
            sess.close(notify=False)
            self._die("plaintext epoch-0 alert after the handshake")
            return
        if self.has("plaintext-coap-served") and _is_plain_coap(data):
            # the vendor's debug path left in: plain CoAP on the DTLS port is served as if from the Server
            self.track(asyncio.ensure_future(self._serve_in_clear(data, addr)))
            return
        inner(data, addr)

    async def _serve_in_clear(self, data: bytes, addr: tuple) -> None:
        """Defect ``plaintext-coap-served``: answer one plain CoAP request in clear (piggybacked ACK)."""
        try:
            req = wire.decode(data, addr)
        except ProtocolError:
            return
        resp = await self.bootstrap.route(req, self.server_remote)
        if resp is None or req.mtype != wire.CON:
            return
        resp.mtype, resp.mid, resp.token = wire.ACK, req.mid, req.token
        self.endpoint.transport.send_record(wire.encode(resp), addr)

    @staticmethod
    def _lying_tlv_write(raw: bytes) -> bool:
        try:
            msg = wire.decode(raw)
        except ProtocolError:
            return False
        return (msg.code in (codes.PUT, codes.POST) and msg.opt.content_format == CF.TLV
                and bool(msg.payload) and tlv_overruns(msg.payload))

    # ------------------------------------------------------------------ server settings
    def server_value(self, rid: int, default: Any = None) -> Any:
        """Resource ``rid`` of the Server instance of the account in use (``default`` when absent)."""
        iid = sec.server_instance(self)
        return default if iid is None else self.store.get_path(Path((1, iid, rid)), default)

    def is_server_resource(self, ids: tuple[int, ...], rid: int) -> bool:
        """Whether ``ids`` names resource ``rid`` of the Server instance of the account in use."""
        return len(ids) >= 3 and ids[0] == 1 and ids[2] == rid and ids[1] == sec.server_instance(self)

    def default_pmin(self, remote: Hashable | None = None) -> float:
        """/1/x/2 of the server at ``remote`` (default: the account in use)."""
        return float(self._server_value_of(remote, 2, 0) or 0)

    def default_pmax(self, remote: Hashable | None = None) -> float | None:
        v = self._server_value_of(remote, 3, None)
        return float(v) if v else None

    def notification_mode(self, remote: Hashable | None = None) -> int:
        return int(self._server_value_of(remote, 26, 0) or 0)

    def _server_value_of(self, remote: Hashable | None, rid: int, default: Any) -> Any:
        return self.server_value(rid, default) if remote is None else self.servers.server_value(remote, rid, default)

    # ------------------------------------------------------------------ side effects of writes
    def is_sink(self, rp: Path) -> bool:
        """Resources whose written value is consumed, not stored (packages)."""
        return rp.ids[:3] == (5, 0, 0) or (rp.object_id == 9 and rp.resource_id == 2)

    def after_write(self, rp: Path, value: Any) -> None:
        ids = rp.ids
        if ids[0] in persistence.PERSISTED_OBJECTS:
            self._save_state()
        if value is None:   # a Write-replace removed the resource: nothing follows from a removal
            return
        if self.is_server_resource(ids, 1):
            if self.has("update-ignores-new-lifetime"):
                self.reg.spawn_update(delay=ACTION_DELAY)
            else:
                self.reg.spawn_update((f"lt={value}",), delay=ACTION_DELAY)
        elif self.is_server_resource(ids, 7):
            self.reg.spawn_update((f"b={value}",), delay=ACTION_DELAY)
        elif ids == (3, 0, 13):
            if not self.has("time-write-ignored"):
                self.ctx.time_offset = float(value) - time.time()
            self.store._pinned.discard((3, 0, 13))
            self.delivery.schedule_changed()
        elif ids[0] == 10264:
            self.delivery.schedule_changed()
        elif ids == (5, 0, 0):
            self.firmware.package_written(bytes(value))
        elif ids == (5, 0, 1):
            self.firmware.uri_written(str(value))
        elif ids[0] == 9 and ids[2] == 2:
            self.software.package_written(ids[1], bytes(value))
        elif ids[0] == 9 and ids[2] == 3:
            self.software.uri_written(ids[1], str(value))
        elif ids[0] == 11:
            optional_objects.apn_changed(self.ctx, self.store)
        elif ids[0] == 12 and len(ids) > 2 and ids[2] == 1:
            if optional_objects.enable_written(self.ctx, self.store, ids[1], bool(value)):
                self.later(functools.partial(self._change_bearer, "cellular"))
        elif ids[0] == 13 and len(ids) > 2 and ids[2] == 0:
            self.later(functools.partial(self._select_bearer, ids[1]))

    async def _select_bearer(self, iid: int) -> None:
        """A new Preferred Communications Bearer (/13/x/0): the bearer it names first among those the meter has."""
        values = self.store.get_path(Path((13, iid, 0)))
        preferred = [int(v) for _, v in sorted(values.items())] if isinstance(values, dict) else []
        await self._change_bearer(optional_objects.chosen_bearer(preferred, optional_objects.live(self.ctx).bearer))

    async def _change_bearer(self, new: str) -> None:
        """Talk over bearer ``new``: when that is a change, /4/x/0 and the WLAN interface /12 follow, the meter goes
        on from a new socket and tells every Server its new address with an Update (ETS CONMGMT-int-1350 steps 3,
        4 and 6).  The seeded defect bearer-change-silent keeps the old socket and says nothing."""
        state = optional_objects.live(self.ctx)
        if new == state.bearer or self.has("bearer-change-silent"):
            return
        state.bearer = new
        optional_objects.bearer_changed(self.ctx, self.store, new)
        await self._new_address(tell=True)

    async def _new_address(self, *, tell: bool) -> None:
        """The link went down and came back (a change of bearer, a radio reset): the meter goes on from a new socket
        (a new source address) and, with ``tell``, tells every Server where it is now with an Update (TS 1.0.2
        §8.2.4, TS Transport 1.1.1 §6.4.3: a client whose IP address changes MUST register again)."""
        await self.endpoint.transport.move()
        if tell:
            self.reg.spawn_update()
            self.servers.spawn_update()

    def _reset_radio_later(self, iid: int) -> None:
        """Reset (/501/x/6): the radio restarts once Reset Timeout (/501/x/5, seconds of the meter's clock) has
        passed, and comes back on a new source address (:meth:`_new_address`).  Seeded defects:
        band-reset-ignores-timeout resets at once, band-reset-silent never tells the Server its new address."""
        timeout = self.store.get_path(Path((501, iid, 5)), 0.0)
        delay = max(0.0, float(timeout or 0.0)) * self.clock
        if self.has("band-reset-ignores-timeout"):
            delay = 0.0
        self.later(functools.partial(self._new_address, tell=not self.has("band-reset-silent")),
                   ACTION_DELAY + delay)

    def instances_changed(self) -> None:
        """Create/Delete: the server learns the new object list from an Update."""
        optional_objects.apn_changed(self.ctx, self.store)
        self.reg.spawn_update(with_objects=True, delay=ACTION_DELAY)
        self.servers.spawn_update(with_objects=True, delay=ACTION_DELAY)
        if 2 in persistence.PERSISTED_OBJECTS:
            self._save_state()

    def _on_change(self, path: Path) -> None:
        self.reporter.changed(path)

    # ------------------------------------------------------------------ executes
    def execute(self, path: Path, args: bytes) -> codes.Code:
        ids = path.ids
        if self.is_server_resource(ids, 4):
            self.later(self._disable)
        elif self.is_server_resource(ids, 8):
            if not self.has("update-trigger-ignored"):
                params: tuple[str, ...] = ()
                if self.has("update-trigger-stale-lifetime"):
                    params = (f"lt={self.reg.registered_lifetime}", f"b={self.reg.binding()}")
                self.reg.spawn_update(params, delay=ACTION_DELAY)
        elif self.is_server_resource(ids, 9):
            self.bootstrap_requests += 1      # Bootstrap-Request Trigger: server-initiated bootstrap (int-5)
            self.bootstrap.trigger()
        elif ids == (3, 0, 4):
            self.later(self.reboot, 0.05)
        elif ids == (3, 0, 5):
            # the seeded defect restarts the client and keeps every setting: a reboot, not a factory reset
            self.later(self.reboot if self.has("factory-reset-keeps-configuration") else self._factory_reset, 0.05)
        elif ids == (3, 0, 12):
            if not self.has("reset-error-code-ignored"):
                self.store.set(Path((3, 0, 11)), {0: 0})
        elif ids == (5, 0, 2):
            return self.firmware.execute_update()
        elif ids == (5, 0, 10):
            return self.firmware.cancel()
        elif ids[0] == 9:
            return self.software.execute(ids[1], ids[2])
        elif ids[0] == portfolio.PORTFOLIO:
            return portfolio.execute(self.store, ids[1], ids[2])
        elif ids[0] in (7, 20):
            return optional_objects.execute(self.ctx, self.store, ids, args) or codes.CHANGED
        elif ids[0] == 501 and ids[2] == 6:
            self._reset_radio_later(ids[1])
        elif ids[0] == 504 and ids[2] == 4:
            return self.rsp.execute(ids[1], args)
        return codes.CHANGED

    async def _disable(self) -> None:
        timeout = float(self.server_value(5, 86400) or 0)
        self.reporter.clear()
        if self.has("disable-without-deregister"):
            self.reg.forget()
        else:
            await self.reg.deregister()
        self.reg.reregister(delay=timeout)

    async def _factory_reset(self) -> None:
        self.reporter.clear()
        self.delivery.stop()
        self.attributes.clear()
        self.servers.forget()
        self.store.reset()
        sec.install_factory(self)
        self.ctx.time_offset = 0.0
        optional_objects.factory_bearer(self.ctx)
        self._save_state()
        self.reg.forget()
        if not sec.accounts(self) and self.bootstrap.start() is not None:
            return                        # delivered in C.13: the initial deployment is a bootstrap again
        await self.reg.register()

    def install_firmware(self, version: str) -> None:
        if self.has("fw-version-not-reported"):
            return                          # the new image runs, but /3/0/3 (and the persisted state) keep the old one
        self.ctx.firmware_version = version
        if self.store.exists(Path((3, 0, 3))):       # optional: a minimal-resources meter has no /3/0/3
            self.store.set(Path((3, 0, 3)), version)
        if self.store.exists(Path((3, 0, 19))):
            self.store.set(Path((3, 0, 19)), "SW-" + version)
        self._save_state()

    # ------------------------------------------------------------------ persistence
    def _save_state(self) -> None:
        if self.state_file is None:
            return
        objects = {oid: self.store.export_object(oid) for oid in persistence.PERSISTED_OBJECTS
                   if self.store.has_object(oid)}
        persistence.save(self.state_file, objects, self.ctx.firmware_version,
                         self.ctx.started_wall - self.ctx.metering_offset, oscore_client.persisted(self))

    def _load_state(self) -> None:
        if self.state_file is None:
            return
        loaded = persistence.load(self.state_file)
        if loaded is None:
            return
        objects, fw = loaded
        for oid, insts in objects.items():
            if oid in persistence.PERSISTED_OBJECTS and self.store.has_object(oid):
                self.store.replace_object(oid, insts)
        if fw and fw != self.ctx.firmware_version:
            self.ctx.firmware_version = fw
            if self.store.exists(Path((3, 0, 3))):
                self.store.set(Path((3, 0, 3)), fw, notify=False)

    def __repr__(self) -> str:
        return (f"<SimulatedMeter {self.endpoint_name} {self.kind} LwM2M {self.lwm2m} defects={sorted(self.defects)}"
                f" variants={sorted(self.variants)}>")


def _has_plaintext_alert(data: bytes) -> bool:
    """Whether a datagram carries a DTLS alert record at epoch 0 (seeded defect helper)."""
    from ..dtls.records import ALERT, split_records
    recs, _ = split_records(data)
    return any(r.content_type == ALERT and r.epoch == 0 for r in recs)




def _is_plain_coap(data: bytes) -> bool:
    """A CoAP-over-UDP request in clear (RFC 7252 §3: version 1, a request code), not a DTLS record."""
    return len(data) >= 4 and data[0] >> 6 == 1 and 1 <= data[1] <= 31


#: Defect ``client-random-reused``: the 32 bytes an unseeded generator gives on every boot.
UNSEEDED_RANDOM = bytes(range(0x40, 0x60))


def _fixed_first_random(sendto: Callable[[bytes, tuple], None], data: bytes, addr: tuple) -> None:
    """Defect ``client-random-reused``: the first ClientHello of a handshake (no cookie yet) leaves with a
    constant random (RFC 6347 §4.2.1: the first flight and HelloVerifyRequest are outside the handshake hash, so
    the handshake still completes)."""
    off = 13 + 12 + 2
    if len(data) > off + 34 and data[0] == 22 and data[3:5] == b"\0\0" and data[13] == 1:
        sid = data[off + 32]
        if len(data) > off + 33 + sid and data[off + 33 + sid] == 0:
            data = data[:off] + UNSEEDED_RANDOM + data[off + 32:]
    sendto(data, addr)


#: encrypt_then_mac (RFC 7366) and extended_master_secret (RFC 7627), which ``hello-extensions-first-flight-only``
#: leaves out of the first ClientHello.
_HARDENING_EXTENSIONS = (22, 23)


def _first_flight_without_hardening(sendto: Callable[[bytes, tuple], None], data: bytes, addr: tuple) -> None:
    """Defect ``hello-extensions-first-flight-only``: the first ClientHello of a handshake (no cookie yet, one
    unfragmented record) leaves without encrypt_then_mac and extended_master_secret; the ClientHello that answers
    the HelloVerifyRequest still has both (the first flight is outside the handshake hash, RFC 6347 §4.2.1, so
    the handshake completes)."""
    hs, body = 13, 25
    if len(data) > body + 35 and data[0] == 22 and data[3:5] == b"\0\0" and data[hs] == 1:
        length = int.from_bytes(data[hs + 1:hs + 4], "big")
        rec_len = int.from_bytes(data[11:13], "big")
        if data[hs + 6:hs + 9] == b"\0\0\0" and int.from_bytes(data[hs + 9:hs + 12], "big") == length \
                and rec_len == 12 + length and len(data) >= 13 + rec_len:
            i = body + 34
            i += 1 + data[i]                                   # session id
            if i < len(data) and data[i] == 0:                 # no cookie: the first flight
                i += 1
                i += 2 + int.from_bytes(data[i:i + 2], "big")  # cipher suites
                i += 1 + data[i]                               # compression methods
                end = 13 + rec_len
                exts, j = b"", i + 2
                while j + 4 <= end:
                    n = int.from_bytes(data[j + 2:j + 4], "big")
                    if int.from_bytes(data[j:j + 2], "big") not in _HARDENING_EXTENSIONS:
                        exts += data[j:j + 4 + n]
                    j += 4 + n
                hello = data[body:i] + len(exts).to_bytes(2, "big") + exts
                n = len(hello)
                data = data[:11] + (12 + n).to_bytes(2, "big") + data[hs:hs + 1] + n.to_bytes(3, "big") + \
                    data[hs + 4:hs + 9] + n.to_bytes(3, "big") + hello + data[end:]
    sendto(data, addr)


def _truncate_response_tokens(send: Callable[[bytes, Hashable], None], raw: bytes, remote: Hashable) -> None:
    """Defect ``token-truncated``: a response leaves with at most 4 bytes of its token (a fixed 4-byte buffer)."""
    tkl = raw[0] & 0x0F if raw else 0
    if len(raw) >= 4 + tkl and tkl > 4 and 2 <= raw[1] >> 5 <= 5:
        raw = bytes([(raw[0] & 0xF0) | 4]) + raw[1:8] + raw[4 + tkl:]
    send(raw, remote)

__all__ = ["SimulatedMeter"]
