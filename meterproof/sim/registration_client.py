"""The Registration interface as the client: Register, Update, De-register, lifetime and queue mode.

TS Core 1.1 §6.2 / Transport §6.2 and oma-ets-cases.md §3.2:

* Register ``POST /rd?ep=&lt=&lwm2m=&b=`` (+ valueless ``Q`` for a 1.1+ queue-mode
  client; 1.0 says ``b=UQ``), payload the CoRE link-format object list
  (:func:`object_list`): ``</>;rt="oma.lwm2m";ct="..."`` for 1.1+, then objects with
  ``ver`` where it is not 1.0 (or not the enabler's version of a core object) and
  their instances, never ``/0``;
* lifetime and binding are those of the Server instance of the account in use
  (``/1/x/1``, ``/1/x/7``), wherever a factory or a Bootstrap-Server put it;
* variants (:mod:`.variants`): ``no-binding-param`` leaves out ``b=U`` (and, for
  1.0, ``lt=86400``); ``no-root-link`` leaves out the ``</>`` link; ``alternate-path``
  declares ``</lwm2m>;rt="oma.lwm2m"`` and lists every object under it; ``profile-id``
  (1.2) adds ``pid=`` (:func:`profile_id`) beside the complete object list;
* Update ``POST /rd/{loc}`` with only what changed: ``lt`` after a /1/x/1 write,
  ``b`` after a binding write, the object list after Create/Delete, nothing at all
  for the Registration Update Trigger; one before the lifetime runs out (at 0.9 of it);
* an Update answered 4.04 means the server forgot us: Register again (int-105);
* De-register ``DELETE /rd/{loc}`` on stop and on Disable.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import TYPE_CHECKING, Any, Hashable, Iterator

from aiocoap.numbers import codes

from ..coap import blockwise, wire
from ..coap.endpoint import RequestTimeout, ResetError
from ..errors import ProtocolError
from ..lwm2m.contentformat import CF
from ..lwm2m.formats import link as linkformat
from ..lwm2m.formats.link import Link
from ..lwm2m.registration import DEFAULT_LIFETIME
from . import retry_policy, security
from .profiles import CORE_VERSIONS
from .representation import served

if TYPE_CHECKING:
    from .host import MeterHost

log = logging.getLogger(__name__)

UPDATE_AT = 0.9          # fraction of the lifetime after which the meter sends its Update
NEVER_LISTED = (0, 21)   # Security, OSCORE: never in the object list (TS Core §6.2.1)
ALTERNATE_PATH = "/lwm2m"   # the ``alternate-path`` variant's root (TS Core 1.1 §6.2.1)
DEFAULT_BINDING = "U"    # Register without b= means U (TS Core 1.1 §6.2.1, TS 1.0 §5.3.1)


class RegistrationFailed(ProtocolError):
    """The server did not accept our Register."""


def root_path(meter: "MeterHost") -> str:
    """Where the meter serves its objects: "/" or, with ``alternate-path``, :data:`ALTERNATE_PATH`."""
    return ALTERNATE_PATH if meter.varies("alternate-path") else "/"


def root_segments(meter: "MeterHost") -> tuple[str, ...]:
    """The Uri-Path segments every Device Management request must start with."""
    return tuple(s for s in root_path(meter).split("/") if s)


def announced_version(meter: "MeterHost", oid: int) -> str | None:
    """The ``ver`` to put on object ``oid``'s link, None to leave it out: every version other than 1.0,
    and any core object version other than the enabler's (TS Core 1.1 §7.2.3; 1.2 §7.2.3 makes that a MUST)."""
    ver = meter.profile.objects[oid].version
    enabler = CORE_VERSIONS[meter.lwm2m].get(oid)
    return ver if ver != "1.0" or (enabler is not None and ver != enabler) else None


def object_list(meter: "MeterHost") -> bytes:
    """The CoRE link-format object list of the Register / Update payload."""
    links: list[Link] = []
    root = root_path(meter)
    prefix = root.rstrip("/")
    if meter.lwm2m != "1.0" and not meter.varies("no-root-link"):
        cts = " ".join(str(int(cf)) for cf in served(meter.lwm2m))
        links.append(Link(root, {"rt": "oma.lwm2m", "ct": cts}))
    store = meter.store
    for oid in store.object_ids():
        if oid in NEVER_LISTED and not (oid == 0 and meter.has("register-lists-security-object")):
            continue
        ver = announced_version(meter, oid)
        iids = store.instance_ids(oid)
        if ver is not None or not iids:
            links.append(Link(f"{prefix}/{oid}", {"ver": ver} if ver is not None else {}))
        links.extend(Link(f"{prefix}/{oid}/{iid}") for iid in iids)
    return linkformat.format(links).encode()


#: RFC 6920 §9.4 Named Information Hash Algorithm Registry: suite 6 is sha-256-32 (SHA-256 truncated to 32 bits),
#: the Profile ID form of the ETS (int-110: ``pid=6:27354b9a``).
PID_SUITE, PID_HEX_DIGITS = 6, 8


def profile_id(meter: "MeterHost") -> str:
    """The ``pid`` of a 1.2 meter registering with a Profile ID (TS Core 1.2 §6.2.1): suite 6 and the truncated
    SHA-256 of the object list the profile stands for.  ``register-pid-malformed`` leaves out the suite."""
    digest = hashlib.sha256(object_list(meter)).hexdigest()[:PID_HEX_DIGITS]
    return digest if meter.has("register-pid-malformed") else f"{PID_SUITE}:{digest}"


class RegistrationClient:
    """The registration with one server account: the first by SSID (``ssid`` None, the meter's own ``reg``, whose
    server address is ``meter.server_remote``) or the account with Short Server ID ``ssid`` (:mod:`.servers`)."""

    def __init__(self, meter: "MeterHost", ssid: int | None = None) -> None:
        self.meter = meter
        self.ssid = ssid
        self._remote: Hashable | None = None
        self.location: str | None = None
        self.registered_lifetime = 0      # the lt of the last Register (a seeded defect repeats it later)
        self.registered = asyncio.Event()
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._retry: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ current settings
    @property
    def remote(self) -> Hashable | None:
        """The address of the server this registration is with."""
        return self.meter.server_remote if self.ssid is None else self._remote

    def _value(self, rid: int, default: Any) -> Any:
        if self.ssid is None:
            return self.meter.server_value(rid, default)
        return security.server_value(self.meter, self.ssid, rid, default)

    def lifetime(self) -> int:
        return int(self._value(1, self.meter.ctx.lifetime))

    def binding(self) -> str:
        return str(self._value(7, self.meter.ctx.binding_resource) or DEFAULT_BINDING)

    def register_query(self) -> tuple[str, ...]:
        m = self.meter
        version = "1.0" if m.has("register-wrong-version") else m.lwm2m
        binding = self.binding()
        lifetime = self.lifetime()
        optional = m.varies("no-binding-param")      # leave out what has its default value
        q = [f"ep={m.endpoint_name}"]
        if not (optional and m.lwm2m == "1.0" and lifetime == DEFAULT_LIFETIME):
            q.append(f"lt={lifetime}")
        q.append(f"lwm2m={version}")
        queue = m.queue_mode and not m.has("queue-mode-not-declared")
        if m.lwm2m == "1.0":
            if not queue:
                binding = binding.replace("Q", "")
        if m.has("register-rejected-binding") and m.lwm2m != "1.0":
            binding += "Q"              # the 1.0 spelling of queue mode, invalid in 1.1+ (TS Core 1.1 §6.2.1)
        if m.has("tcp-register-binding-u"):
            binding = binding.replace("T", "U")
        if not (optional and binding == DEFAULT_BINDING):
            q.append(f"b={binding}")
        if queue and m.lwm2m != "1.0":
            q.append("Q")
        if m.lwm2m == "1.2" and (m.varies("profile-id") or m.has("register-pid-malformed")):
            q.append(f"pid={profile_id(m)}")
        return tuple(q)

    # ------------------------------------------------------------------ operations
    async def register(self) -> None:
        """Register; raises RegistrationFailed / RequestTimeout when the server does not accept."""
        async with self._lock:
            await self._register()

    async def _register(self) -> None:
        m = self.meter
        self._cancel_timer()
        if self.ssid is None:
            await security.prepare_register(m, self.register_query())   # the /0 account; DTLS handshake first
        else:
            self._remote = await security.prepare_account(m, self.ssid)
        msg = wire.new(codes.POST, uri_path=("rd",), payload=object_list(m), content_format=CF.LINK)
        msg.opt.uri_query = self.register_query()
        self.registered_lifetime = self.lifetime()
        m.wake()
        sent_at = asyncio.get_running_loop().time()
        resp = await blockwise.request(m.endpoint, msg, self.remote, timeout=m.params.exchange_lifetime)
        if resp.code != codes.CREATED or not resp.opt.location_path:
            raise RegistrationFailed(f"Register answered {resp.code} "
                                     f"{resp.payload[:100].decode(errors='replace')}".strip())
        self.location = "/" + "/".join(resp.opt.location_path)
        self.registered.set()
        m.on_registered()
        self._schedule(sent_at)

    async def update(self, params: tuple[str, ...] = (), with_objects: bool = False) -> None:
        async with self._lock:
            if self.location is None:
                return
            m = self.meter
            self._cancel_timer()
            msg = wire.new(codes.POST, uri_path=tuple(s for s in self.location.split("/") if s))
            if params:
                msg.opt.uri_query = params
            if with_objects:
                msg.payload = object_list(m)
                msg.opt.content_format = CF.LINK
            m.wake()
            sent_at = asyncio.get_running_loop().time()
            try:
                resp = await blockwise.request(m.endpoint, msg, self.remote, timeout=m.params.exchange_lifetime)
            except (RequestTimeout, ResetError, ProtocolError) as exc:
                log.info("%s: Update failed (%s); registering again", m.endpoint_name, exc)
                self._forget()
                self._retry_register()
                return
            if resp.code == codes.NOT_FOUND:
                self._forget()
                if m.has("no-reregister-after-404"):
                    return      # stays silent: the server never hears from it again
                self._retry_register()
                return
            if not resp.code.is_successful():
                log.info("%s: Update answered %s", m.endpoint_name, resp.code)
            if m.queue_mode and m.has("queue-mode-sleeps-after-update"):
                m.sleep_now()       # the vendor powers the radio down as soon as the Update is acknowledged
            if any(p.startswith("lt=") for p in params) and m.has("lifetime-change-stops-refresh"):
                return              # the vendor re-arms its refresh timer only in the periodic path
            self._schedule(sent_at)

    async def deregister(self) -> None:
        async with self._lock:
            self._cancel_timer()
            loc, self.location = self.location, None
            self.registered.clear()
            if loc is None:
                return
            m = self.meter
            msg = wire.new(codes.DELETE, uri_path=tuple(s for s in loc.split("/") if s))
            m.wake()
            try:
                await m.endpoint.request(msg, self.remote, timeout=m.params.max_transmit_wait)
            except (RequestTimeout, ResetError, ProtocolError) as exc:
                log.info("%s: De-register failed: %s", m.endpoint_name, exc)

    def forget(self) -> None:
        """Drop the registration locally without telling the server (Disable defect, shutdown)."""
        self._forget()
        if self._retry is not None:
            self._retry.cancel()

    def _forget(self) -> None:
        self._cancel_timer()
        self.location = None
        self.registered.clear()

    # ------------------------------------------------------------------ background
    def _retry_register(self, delay: float = 0.0) -> None:
        if self._retry is not None and not self._retry.done():
            return
        self._retry = self.meter.track(asyncio.get_running_loop().create_task(self._retry_loop(delay)))

    async def _retry_loop(self, delay: float) -> None:
        schedule: Iterator[float] | None = None     # the TS Core 1.1 §6.2.1.1 waits (.retry_policy)
        while self.meter.running and self.location is None:
            if delay:
                await asyncio.sleep(delay)
            try:
                await self.register()
                return
            except Exception as exc:   # keep trying as the account's retry policy says
                log.info("%s: Register failed: %s", self.meter.endpoint_name, exc)
                schedule = schedule or retry_policy.schedule(self.meter, self._value)
                wait = next(schedule, None)
                if wait is None:
                    log.info("%s: registration failed: every retry sequence used up", self.meter.endpoint_name)
                    return
                delay = wait * self.meter.clock

    def reregister(self, delay: float = 0.0) -> None:
        """Fresh Register in the background (after a reboot, Disable timeout, 4.04)."""
        self._forget()
        self._retry_register(delay)

    def _schedule(self, sent_at: float | None = None) -> None:
        """Arm the lifetime refresh, counted from when the request that set the lifetime was first sent
        (``sent_at``, loop time): the server's lifetime runs from when that request reached it, which may be
        earlier than the answer (a lost ACK delays the answer by retransmissions, never the server's clock)."""
        self._cancel_timer()
        lt = self.lifetime()
        if lt > 0:
            loop = asyncio.get_running_loop()
            at = 1.5 if self.meter.has("no-update-before-expiry") else UPDATE_AT
            spent = 0.0 if sent_at is None else loop.time() - sent_at
            self._timer = loop.call_later(max(0.0, lt * at * self.meter.clock - spent), self.spawn_update)

    def spawn_update(self, params: tuple[str, ...] = (), with_objects: bool = False, delay: float = 0.0) -> None:
        """Send an Update soon (after the response that caused it has gone out)."""
        loop = asyncio.get_running_loop()

        def go() -> None:
            if self.meter.running and self.meter.alive:
                self.meter.track(loop.create_task(self.update(params, with_objects)))
        if delay:
            loop.call_later(delay, go)
        else:
            go()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def close(self) -> None:
        self._cancel_timer()
        if self._retry is not None:
            self._retry.cancel()


__all__ = ["ALTERNATE_PATH", "RegistrationClient", "RegistrationFailed", "announced_version", "object_list",
           "root_path", "root_segments"]
