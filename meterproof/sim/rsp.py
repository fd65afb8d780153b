"""Remote SIM Provisioning (/504) RSP Update (/504/x/4): the state machine the reference meter's eUICC runs.

Facts from the object's OMNA definition (504.xml, version 1.0):

* RSP Update (4, Execute) takes the actions as Execute arguments, comma separated (TS Core 1.1 §5.4.5: an argument
  is one digit, optionally ``='value'``): 0 Download & install profile, 1 Enable, 2 Disable, 3 Delete (the profile
  named by /504/x/14), 4 Reset memory; 5-9 are reserved: the meter answers 4.00 Bad Request to them, to a payload
  that is not an argument list, and to none at all;
* RSP Update State (5): 0 Idle, 1 Downloading, ...; RSP Update Result (6): 0 initial value, which "MUST be reset"
  once an update is initiated, 1 success, 2 not enough SIM memory, 4 connection lost, 7 invalid URI,
  8 unsupported protocol, 11 generic download and installation error, 12 error in profile package format,
  13..16 enable / disable / delete / reset memory failed;
* ICCID (11, multiple): the first instance is the active profile.

What the meter does: action 0 sets State 1 (Downloading) and Result 0, then fetches the package from Download
URI/Information (/504/x/3) with :mod:`.download` (the protocols it knows for firmware): no URI or one that does not
parse gives 7, an unknown scheme 8, a host that does not resolve 11 (a ``.invalid`` name fails at once, RFC 6761
§6.4: name resolution libraries SHOULD give an immediate negative answer), a lost link 4, too large a package 2; a
package that does arrive is refused with 12 (the simulated eUICC takes only a package an SM-DP+ bound to it, which
no test server makes).  Each ends in State 0 (Idle) with the active profile unchanged.  Actions 1-4 fail with
13-16: the meter's one operational profile is the one it depends on.  An update while one runs: 4.05.

Seeded defects: ``rsp-failed-download-reports-success`` (Result 1 after a failed download),
``rsp-failed-download-drops-profile`` (the meter disables and deletes its active profile before the download, and
a failed download leaves it without one: /504/x/11 empty).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import TYPE_CHECKING

from aiocoap.numbers import codes

from ..lwm2m.path import Path
from .download import PROTOCOLS, DownloadError, fetch, parse

if TYPE_CHECKING:
    from .host import MeterHost

log = logging.getLogger(__name__)

RSP = 504
URI, UPDATE, STATE, RESULT, ICCID = 3, 4, 5, 6, 11
IDLE, DOWNLOADING = 0, 1
(R_INITIAL, R_SUCCESS, R_NO_MEMORY, R_CONN_LOST, R_INVALID_URI, R_UNSUPPORTED_PROTOCOL, R_DOWNLOAD_ERROR,
 R_PACKAGE_FORMAT) = 0, 1, 2, 4, 7, 8, 11, 12
#: object 5's Update Result from :mod:`.download` -> object 504's RSP Update Result
_FROM_DOWNLOAD = {2: R_NO_MEMORY, 4: R_CONN_LOST, 7: R_INVALID_URI, 9: R_UNSUPPORTED_PROTOCOL}
#: actions 1..4 and the Result each fails with (13 enable, 14 disable, 15 delete, 16 reset memory failed)
_REFUSED = {1: 13, 2: 14, 3: 15, 4: 16}
DOWNLOAD = 0
#: the room a profile package may take (the SIM's free memory, /504/x/9, is 64 KiB)
PACKAGE_LIMIT = 64 * 1024
STEP_DELAY = 0.05    # how long Downloading stays visible before the outcome


def actions(args: bytes) -> list[int] | None:
    """The actions of an RSP Update's Execute payload (``0``, ``0,1,2``), or None when it is not a TS Core 1.1
    §5.4.5 argument list of known actions (0..4)."""
    try:
        text = args.decode("ascii")
    except UnicodeDecodeError:
        return None
    found = []
    for part in text.split(","):
        key, eq, value = part.strip().partition("=")
        if len(key) != 1 or not key.isdigit() or (eq and not (len(value) >= 2 and value[0] == value[-1] == "'")):
            return None
        if int(key) not in (DOWNLOAD, *_REFUSED):
            return None
        found.append(int(key))
    return found


class RspUpdater:
    """RSP Update on each /504 instance of one meter; see the module docstring."""

    def __init__(self, meter: "MeterHost") -> None:
        self.meter = meter
        self._jobs: dict[int, asyncio.Task[None]] = {}

    def _path(self, iid: int, rid: int) -> Path:
        return Path((RSP, iid, rid))

    def _set(self, iid: int, rid: int, value: object) -> None:
        path = self._path(iid, rid)
        if self.meter.store.exists(path):       # State and Result are optional
            self.meter.store.set(path, value)

    def execute(self, iid: int, args: bytes) -> codes.Code:
        wanted = actions(args)
        if not wanted:
            return codes.BAD_REQUEST
        job = self._jobs.get(iid)
        if job is not None and not job.done():
            return codes.METHOD_NOT_ALLOWED
        self._set(iid, RESULT, R_INITIAL)        # 504.xml resource 6: reset once the update is initiated
        if DOWNLOAD in wanted:
            self._set(iid, STATE, DOWNLOADING)
        task = asyncio.get_running_loop().create_task(self._run(iid, wanted))
        self._jobs[iid] = self.meter.track(task)
        return codes.CHANGED

    async def _run(self, iid: int, wanted: list[int]) -> None:
        await asyncio.sleep(STEP_DELAY)
        if DOWNLOAD in wanted:
            result = await self._download(iid)
        else:
            result = _REFUSED[wanted[0]]
        self._set(iid, STATE, IDLE)
        self._set(iid, RESULT, result)

    async def _download(self, iid: int) -> int:
        m = self.meter
        if m.has("rsp-failed-download-drops-profile"):
            m.store.set(self._path(iid, ICCID), {})     # the old profile is deleted before the new one is had
        uri = str(m.store.get_path(self._path(iid, URI), "") or "")
        try:
            if not await _resolves(uri):
                result = R_DOWNLOAD_ERROR
            else:
                await fetch(m, uri, PACKAGE_LIMIT, frozenset(PROTOCOLS))
                return R_PACKAGE_FORMAT
        except DownloadError as exc:
            result = _FROM_DOWNLOAD.get(exc.result, R_DOWNLOAD_ERROR)
        log.info("%s: RSP download from %r failed: Result %d", m.endpoint_name, uri, result)
        return R_SUCCESS if m.has("rsp-failed-download-reports-success") else result


async def _resolves(uri: str) -> bool:
    """Whether the URI's host resolves (DownloadError when the URI does not parse or names an unknown scheme)."""
    parts = parse(uri, frozenset(PROTOCOLS))
    host = parts.hostname or ""
    if host.rstrip(".").lower().endswith(".invalid"):
        return False                    # RFC 6761 §6.4: an immediate negative answer
    try:
        await asyncio.get_running_loop().getaddrinfo(host, parts.port or 0, type=socket.SOCK_DGRAM)
    except OSError:
        return False
    return True


__all__ = ["RspUpdater", "actions"]
