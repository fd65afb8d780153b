"""The Firmware Update object /5 state machine (registry 5.xml v1.2; OMA TS Core 1.1 Appendix E.6).

State /5/0/3: 0 Idle, 1 Downloading, 2 Downloaded, 3 Updating.  Update Result
/5/0/5: 0 initial, 1 success, 2 not enough flash, 3 out of RAM (a compressed image
that unpacks beyond the meter's RAM), 4 connection lost, 5 integrity
check failure, 6 unsupported package type, 7 invalid URI, 8 update failed,
9 unsupported protocol, 10 cancelled.

* push: a write of the image to /5/0/0 (Block1 for large ones) -> Downloading ->
  integrity check (:mod:`.firmware_image`) -> Downloaded, or Idle with Result 5/6;
  a Block1 transfer announcing (Size1) or growing past the meter's storage is
  refused with 4.13 and Result 2;
* pull: a URI written to /5/0/1 is fetched by :mod:`.download` over CoAP, CoAPS,
  HTTP or HTTPS (all four in /5/0/8): a URI that does not parse gives Result 7, an
  unsupported scheme Result 9, a lost link Result 4, a package larger than the
  storage Result 2 -- each back in Idle;
* ``b"\\0"`` to /5/0/0 or ``""`` to /5/0/1 resets to Idle / Result 0 (and drops a
  download in progress); Cancel /5/0/10 (object 5 v1.1+) in Downloading or
  Downloaded gives Idle / Result 10, else 4.05;
* Execute /5/0/2 only in Downloaded (else 4.05): Updating, then the new version in
  /3/0/3 and /5/0/7, Idle / Result 1 and a reboot (fresh Register); an image older
  than the running firmware is refused with Result 8 and the state stays Downloaded.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiocoap import Message
from aiocoap.numbers import codes

from ..lwm2m.path import Path
from .download import PROTOCOLS, DownloadError, fetch
from .firmware_image import VENDOR_KEY, FirmwareImage, ImageError, is_older, parse_image

if TYPE_CHECKING:
    from ..coap.endpoint import Endpoint
    from .host import MeterHost

log = logging.getLogger(__name__)

IDLE, DOWNLOADING, DOWNLOADED, UPDATING = 0, 1, 2, 3
(R_INITIAL, R_SUCCESS, R_NO_FLASH, R_NO_RAM, R_CONN_LOST, R_INTEGRITY, R_UNSUPPORTED, R_INVALID_URI,
 R_FAILED, R_PROTOCOL, R_CANCELLED) = range(11)
#: The meter's firmware storage: a 1 MiB image with its header fits, anything much larger does not.
STORAGE = 1024 * 1024 + 64 * 1024
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
        if self.state == DOWNLOADED and self.meter.has("fw-package-kept-after-reset"):
            return                          # acknowledged; the downloaded package stays
        self._abort()
        self.image = None
        self._package_info("", "")
        self._set(IDLE, None if self.meter.has("fw-reset-keeps-result") else R_INITIAL)

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
        if self.meter.has("fw-uri-ignored"):
            return                          # stored, acknowledged, never fetched
        self._set(DOWNLOADING, R_INITIAL)
        self._start(self._pull(uri))

    # ------------------------------------------------------------------ Block1 pushes past the storage
    def attach(self, endpoint: "Endpoint") -> None:
        """Let the meter's endpoint ask the storage before it takes a Block1 package (4.13 past it)."""
        endpoint.body_limit = self._body_limit
        endpoint.on_body_refused = self._too_large

    def _body_limit(self, req: Message) -> int | None:
        if tuple(req.opt.uri_path)[-3:] == ("5", "0", "0") and not self.meter.has("fw-storage-unchecked"):
            return STORAGE
        return None

    def _too_large(self, req: Message) -> None:
        """A push refused with 4.13 for its size: Downloading, then Idle with Result 2 (not enough flash)."""
        self._set(DOWNLOADING, R_INITIAL)
        self._start(self._fail(R_NO_FLASH))

    async def _fail(self, result: int) -> None:
        await asyncio.sleep(STEP_DELAY)
        self._set(IDLE, result)

    # ------------------------------------------------------------------ pull
    async def _pull(self, uri: str) -> None:
        m = self.meter
        await asyncio.sleep(STEP_DELAY)
        limit = STORAGE * 4 if m.has("fw-storage-unchecked") else STORAGE
        try:
            data = await fetch(m, uri, limit, frozenset(PROTOCOLS))
        except DownloadError as exc:
            log.info("%s: firmware download from %s failed: %s", m.endpoint_name, uri, exc)
            result = exc.result
            if result == R_PROTOCOL and m.has("fw-unsupported-protocol-as-invalid-uri"):
                result = R_INVALID_URI
            if result == R_INVALID_URI and m.has("fw-invalid-uri-as-connection-lost"):
                result = R_CONN_LOST
            if result == R_CONN_LOST and m.has("fw-stuck-downloading-after-lost-link"):
                return                      # the download task ends; State stays Downloading, Result 0
            self._set(IDLE, result)
            return
        await self._verify(data)

    async def _verify(self, data: bytes) -> None:
        m = self.meter
        await asyncio.sleep(STEP_DELAY)
        if len(data) > STORAGE:
            self._set(IDLE, R_INTEGRITY if m.has("fw-storage-unchecked") else R_NO_FLASH)
            return
        try:
            image = parse_image(data, verify=not m.has("fw-corrupt-image-accepted"),
                                trusted=None if m.has("fw-signature-unchecked") else VENDOR_KEY)
        except ImageError as exc:
            result = exc.result
            if result == R_NO_RAM and m.has("fw-out-of-ram-as-no-flash"):
                result = R_NO_FLASH
            if result == R_UNSUPPORTED and m.has("fw-unsupported-type-as-integrity"):
                result = R_INTEGRITY
            self._set(IDLE, result)
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
            if self.state == DOWNLOADED and self.meter.has("fw-package-kept-after-reset"):
                return codes.CHANGED        # acknowledged; the package stays
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
