"""The Software Management object /9: the package installation and activation state machines.

Object 9 (9.xml v1.0; OMA TS LwM2M SwMgmt): Update State /9/x/7: 0 INITIAL, 1 DOWNLOAD STARTED, 2 DOWNLOADED,
3 DELIVERED, 4 INSTALLED.  Update Result /9/x/9: 0 initial, 1 downloading, 2 installed, 3 downloaded and
verified, 50 not enough storage, 52 connection lost, 53 integrity failure, 56 invalid URI, 57 device-defined
error (here: a URI scheme the meter does not implement).

* a package written to /9/x/2 is checked (any non-empty bytes; a meterproof firmware image must also pass its
  SHA-256) -> DELIVERED / Result 3, or INITIAL / Result 53;
* a URI written to /9/x/3 is fetched (:mod:`.download`, the protocols of /5/0/8): DOWNLOAD STARTED / Result 1,
  DOWNLOADED, then checked as a pushed package; a failed download goes back to INITIAL with its Result;
* Install (4) only when DELIVERED -> INSTALLED / Result 2, deactivated;
* Uninstall (6) when DELIVERED or INSTALLED -> INITIAL / Result 0 ("One side effect of executing the Uninstall
  resource is to reset Update Result to this initial value"), deactivated;
* Activate (10) / Deactivate (11) only when INSTALLED (Activation State /9/x/12);
* any other Execute is 4.05.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiocoap.numbers import codes

from ..lwm2m.path import Path
from .download import PROTOCOLS, DownloadError, fetch
from .firmware_image import MAGIC, ImageError, parse_image

if TYPE_CHECKING:
    from .host import MeterHost

INITIAL, DOWNLOAD_STARTED, DOWNLOADED, DELIVERED, INSTALLED = range(5)
R_INITIAL, R_DOWNLOADING, R_INSTALLED, R_VERIFIED, R_INTEGRITY = 0, 1, 2, 3, 53
#: object 5's Update Result for a failed download -> object 9's
FROM_FIRMWARE = {2: 50, 4: 52, 7: 56, 9: 57}
STORAGE = 1024 * 1024
STEP_DELAY = 0.05    # time a transient state (DOWNLOAD STARTED) stays visible


class SoftwareManager:
    def __init__(self, meter: "MeterHost") -> None:
        self.meter = meter
        self._jobs: dict[int, asyncio.Task[None]] = {}

    def _p(self, iid: int, rid: int) -> Path:
        return Path((9, iid, rid))

    def _state(self, iid: int) -> int:
        return int(self.meter.store.get_path(self._p(iid, 7), INITIAL))

    def _set(self, iid: int, state: int, result: int | None, active: bool | None = None) -> None:
        store = self.meter.store
        store.set(self._p(iid, 7), state)
        if result is not None:
            store.set(self._p(iid, 9), result)
        if active is not None:
            store.set(self._p(iid, 12), active)

    def _abort(self, iid: int) -> None:
        job = self._jobs.pop(iid, None)
        if job is not None and not job.done():
            job.cancel()

    def package_written(self, iid: int, data: bytes) -> None:
        self._abort(iid)
        if data in (b"", b"\0"):
            self._set(iid, INITIAL, R_INITIAL, False)
            return
        self._check(iid, data)

    def _check(self, iid: int, data: bytes) -> None:
        if data.startswith(MAGIC):
            try:
                parse_image(data, verify=not self.meter.has("sw-corrupt-package-accepted"))
            except ImageError:
                self._set(iid, INITIAL, R_INTEGRITY)
                return
        self._set(iid, DELIVERED, R_VERIFIED)

    def uri_written(self, iid: int, uri: str) -> None:
        self._abort(iid)
        if uri == "" or self.meter.has("sw-uri-ignored"):
            return
        self._set(iid, DOWNLOAD_STARTED, R_DOWNLOADING)
        self._jobs[iid] = self.meter.track(asyncio.get_running_loop().create_task(self._pull(iid, uri)))

    async def _pull(self, iid: int, uri: str) -> None:
        await asyncio.sleep(STEP_DELAY)
        try:
            data = await fetch(self.meter, uri, STORAGE, frozenset(PROTOCOLS))
        except DownloadError as exc:
            self._set(iid, INITIAL, FROM_FIRMWARE.get(exc.result, 57))
            return
        self._set(iid, DOWNLOADED, R_DOWNLOADING)
        await asyncio.sleep(STEP_DELAY)
        self._check(iid, data)

    def execute(self, iid: int, rid: int) -> codes.Code:
        state = self._state(iid)
        m = self.meter
        if rid == 4 and state == DELIVERED:
            self._set(iid, INSTALLED, R_INSTALLED, False)
        elif rid == 6 and state in (DELIVERED, INSTALLED):
            self._set(iid, INITIAL, None if m.has("sw-uninstall-keeps-result") else R_INITIAL, False)
        elif rid == 10 and (state == INSTALLED or m.has("sw-activates-uninstalled")):
            m.store.set(self._p(iid, 12), True)
        elif rid == 11 and state == INSTALLED:
            if not m.has("sw-deactivate-ignored"):
                m.store.set(self._p(iid, 12), False)
        else:
            return codes.METHOD_NOT_ALLOWED
        return codes.CHANGED


__all__ = ["SoftwareManager"]
