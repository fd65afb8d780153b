"""The Firmware Update object /5 state machine (registry 5.xml v1.2; oma-ets-cases.md §3.8).

State /5/0/3: 0 Idle, 1 Downloading, 2 Downloaded, 3 Updating.  Update Result
/5/0/5: 0 initial, 1 success, 2 not enough flash, 4 connection lost, 5 integrity
check failure, 6 unsupported package type, 7 invalid URI, 8 update failed,
9 unsupported protocol, 10 cancelled.

* push: a write of the image to /5/0/0 (Block1 for large ones) -> Downloading ->
  integrity check (:mod:`.firmware_image`) -> Downloaded, or Idle with Result 5/6/2;
* pull: a ``coap://`` URI written to /5/0/1 is fetched block-wise over the meter's
  own endpoint; other schemes give Result 9 (only CoAP is in /5/0/8), a URI that
  does not parse Result 7, a failed download Result 4;
* ``b"\\0"`` to /5/0/0 or ``""`` to /5/0/1 resets to Idle / Result 0;
* Execute /5/0/2 only in Downloaded (else 4.05): Updating, then the new version in
  /3/0/3, Idle / Result 1 and a reboot (fresh Register); an image older than the
  running firmware is refused with Result 8 and the state stays Downloaded.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiocoap.numbers import codes

from ..coap import blockwise, wire
from ..lwm2m.path import Path
from .firmware_image import FirmwareImage, ImageError, is_older, parse_image

if TYPE_CHECKING:
    from .host import MeterHost

log = logging.getLogger(__name__)

IDLE, DOWNLOADING, DOWNLOADED, UPDATING = 0, 1, 2, 3
(R_INITIAL, R_SUCCESS, R_NO_FLASH, R_NO_RAM, R_CONN_LOST, R_INTEGRITY, R_UNSUPPORTED, R_INVALID_URI,
 R_FAILED, R_PROTOCOL, R_CANCELLED) = range(11)
MAX_IMAGE = 1024 * 1024
STEP_DELAY = 0.05    # time a transient state (Downloading, Updating) stays visible

STATE, RESULT, PKG_NAME, PKG_VERSION = (Path((5, 0, r)) for r in (3, 5, 6, 7))


class FirmwareUpdater:
    def __init__(self, meter: "MeterHost") -> None:
        self.meter = meter
        self.image: FirmwareImage | None = None
        self._job: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> int:
        return int(self.meter.store.get_path(STATE, IDLE))

    def _set(self, state: int | None = None, result: int | None = None) -> None:
        store = self.meter.store
        if state is not None:
            store.set(STATE, state)
        if result is not None:
            store.set(RESULT, result)

    def _package_info(self, name: str, version: str) -> None:
        """/5/0/6 and /5/0/7 are optional: a meter without them (minimal-resources) keeps nothing."""
        store = self.meter.store
        for path, value in ((PKG_NAME, name), (PKG_VERSION, version)):
            if store.exists(path):
                store.set(path, value, notify=False)

    def _reset(self) -> None:
        self._abort()
        self.image = None
        self._package_info("", "")
        self._set(IDLE, R_INITIAL)

    def _abort(self) -> None:
        if self._job is not None and not self._job.done():
            self._job.cancel()
        self._job = None

    def _start(self, coro) -> None:  # type: ignore[no-untyped-def]
        self._abort()
        self._job = self.meter.track(asyncio.get_running_loop().create_task(coro))

    # ------------------------------------------------------------------ writes
    def package_written(self, data: bytes) -> None:
        if data in (b"", b"\0"):
            self._reset()
            return
        self._set(DOWNLOADING, R_INITIAL)
        self._start(self._verify(data))

    def uri_written(self, uri: str) -> None:
        if uri == "":
            self._reset()
            return
        self._set(DOWNLOADING, R_INITIAL)
        self._start(self._pull(uri))

    async def _pull(self, uri: str) -> None:
        try:
            parts = urlsplit(uri)
            host, port = parts.hostname, parts.port
        except ValueError:
            host = port = None
            parts = None  # type: ignore[assignment]
        await asyncio.sleep(STEP_DELAY)
        if parts is None or not parts.scheme or not host:
            self._set(IDLE, R_INVALID_URI)
            return
        if parts.scheme != "coap":
            self._set(IDLE, R_PROTOCOL)
            return
        m = self.meter
        try:
            info = await asyncio.get_running_loop().getaddrinfo(host, port or 5683, type=socket.SOCK_DGRAM)
            remote = (info[0][4][0], info[0][4][1])
            msg = wire.new(codes.GET, uri_path=tuple(s for s in parts.path.split("/") if s))
            if parts.query:
                msg.opt.uri_query = tuple(parts.query.split("&"))
            m.wake()
            resp = await blockwise.request(m.endpoint, msg, remote, timeout=m.params.max_transmit_wait)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("%s: firmware download from %s failed: %s", m.endpoint_name, uri, exc)
            self._set(IDLE, R_CONN_LOST)
            return
        if resp.code == codes.NOT_FOUND:
            self._set(IDLE, R_INVALID_URI)
        elif not resp.code.is_successful():
            self._set(IDLE, R_CONN_LOST)
        else:
            await self._verify(resp.payload)

    async def _verify(self, data: bytes) -> None:
        m = self.meter
        await asyncio.sleep(STEP_DELAY)
        if len(data) > MAX_IMAGE:
            self._set(IDLE, R_NO_FLASH)
            return
        try:
            image = parse_image(data, verify=not m.has("fw-corrupt-image-accepted"))
        except ImageError as exc:
            self._set(IDLE, exc.result)
            return
        self.image = image
        self._package_info("meterproof-firmware", image.version)
        self._set(DOWNLOADED, R_INITIAL)
        if m.has("fw-skips-downloaded"):
            await self._install()          # no wait for Execute /5/0/2

    # ------------------------------------------------------------------ execute
    def execute_update(self) -> codes.Code:
        if self.state != DOWNLOADED or self.image is None:
            if self.meter.has("fw-update-without-package"):
                return codes.CHANGED       # accepted, and nothing happens
            return codes.METHOD_NOT_ALLOWED
        self._start(self._install())
        return codes.CHANGED

    def cancel(self) -> codes.Code:
        if self.state in (DOWNLOADING, DOWNLOADED):
            self._abort()
            self.image = None
            self._set(IDLE, R_CANCELLED)
            return codes.CHANGED
        return codes.METHOD_NOT_ALLOWED

    async def _install(self) -> None:
        m = self.meter
        image = self.image
        assert image is not None
        await asyncio.sleep(STEP_DELAY)
        self._set(UPDATING)
        await asyncio.sleep(STEP_DELAY)
        if is_older(image.version, m.ctx.firmware_version) and not m.has("fw-rollback-allowed"):
            self._set(DOWNLOADED, R_FAILED)   # anti-rollback: the running firmware stays
            return
        m.install_firmware(image.version)
        self.image = None
        self._set(IDLE, R_SUCCESS)
        await asyncio.sleep(STEP_DELAY)
        await m.reboot()


__all__ = ["FirmwareUpdater"]
