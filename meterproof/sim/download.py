"""How the reference meter fetches a package named by a URI (Firmware Update /5/0/1, Software Management /9/x/3).

The meter declares in /5/0/8 the protocols it implements (0 CoAP, 1 CoAPS, 2 HTTP 1.1, 3 HTTPS 1.1; object 5
v1.2) and fetches with:

* ``coap://`` -- block-wise GET (RFC 7959 §2.4: Block2, the server's block size, Size2 announced on block 0 and
  checked against the meter's storage before the rest is fetched), from its own endpoint when the URI names the
  server it is registered with, else from a plain socket of its own;
* ``coaps://`` -- the same inside the DTLS session it holds with its LwM2M Server (a file served elsewhere over
  DTLS is out of its reach: connection lost);
* ``http://``, ``https://`` -- HTTP/1.1 GET (Content-Length checked against its storage), HTTPS validated against
  the meter's built-in trust store (``MeterSecurity.trust_store``) and the URI's host name.

Failures are :class:`DownloadError` carrying the Update Result to report (object 5: 2 not enough storage,
4 connection lost, 7 invalid URI, 9 unsupported protocol); the caller maps them to object 9's codes.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import ssl
import urllib.error
import urllib.request
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

from aiocoap.numbers import codes
from aiocoap.optiontypes import BlockOption

from ..coap import wire
from ..coap.blockwise import block_size
from ..coap.endpoint import Endpoint
from ..coap.transport import UdpTransport

if TYPE_CHECKING:
    from .host import MeterHost

NO_STORAGE, CONNECTION_LOST, INVALID_URI, UNSUPPORTED_PROTOCOL = 2, 4, 7, 9
#: /5/0/8 Firmware Update Protocol Support: what this meter implements, by URI scheme.
PROTOCOLS = {"coap": 0, "coaps": 1, "http": 2, "https": 3}
_DEFAULT_PORT = {"coap": 5683, "coaps": 5684, "http": 80, "https": 443}


class DownloadError(Exception):
    """A failed download; ``result`` is object 5's Update Result for it."""

    def __init__(self, result: int, reason: str) -> None:
        super().__init__(reason)
        self.result = result


def parse(uri: str, supported: frozenset[str]) -> SplitResult:
    """The URI's parts; DownloadError 7 (it does not parse, or names no host) or 9 (a scheme not supported)."""
    try:
        parts = urlsplit(uri)
        parts.port   # noqa: B018 -- raises ValueError on a bad port
    except ValueError as exc:
        raise DownloadError(INVALID_URI, f"not a URI: {exc}") from None
    if not parts.scheme or not parts.hostname:
        raise DownloadError(INVALID_URI, "a URI with a scheme and a host is needed (RFC 3986)")
    if parts.scheme not in supported:
        raise DownloadError(UNSUPPORTED_PROTOCOL, f"scheme {parts.scheme!r} is not one this meter implements")
    return parts


async def fetch(meter: "MeterHost", uri: str, limit: int, supported: frozenset[str]) -> bytes:
    """The package at ``uri`` (at most ``limit`` bytes), or DownloadError."""
    parts = parse(uri, supported)
    if parts.scheme in ("coap", "coaps"):
        return await _fetch_coap(meter, parts, limit)
    return await asyncio.to_thread(_fetch_http, meter, parts, limit)


# ---------------------------------------------------------------------------- CoAP
async def _fetch_coap(meter: "MeterHost", parts: SplitResult, limit: int) -> bytes:
    loop = asyncio.get_running_loop()
    port = parts.port or _DEFAULT_PORT[parts.scheme]
    try:
        info = await loop.getaddrinfo(parts.hostname, port, type=socket.SOCK_DGRAM)
    except OSError as exc:
        raise DownloadError(CONNECTION_LOST, f"cannot resolve {parts.hostname}: {exc}") from None
    remote = (info[0][4][0], info[0][4][1])
    own = meter.endpoint
    ours = remote == tuple(meter.server_remote)  # type: ignore[arg-type]
    if parts.scheme == "coaps":
        if not (meter.secure and ours):
            raise DownloadError(CONNECTION_LOST, "no DTLS session with that file server")
        ep, temporary = own, False
    elif ours and not meter.secure:
        ep, temporary = own, False
    else:
        ep, temporary = Endpoint(UdpTransport(own.transport.local_address[0], 0), meter.params,
                                 name=f"{meter.endpoint_name}-download"), True
        await ep.start()
    try:
        meter.wake()
        return await _blocks(ep, parts, remote, limit, meter.params.max_transmit_wait)
    finally:
        if temporary:
            ep.close()


async def _blocks(ep: Endpoint, parts: SplitResult, remote: tuple[str, int], limit: int, timeout: float) -> bytes:
    path = tuple(s for s in parts.path.split("/") if s)
    query = tuple(parts.query.split("&")) if parts.query else ()
    body = bytearray()
    num, szx, etag = 0, 6, None
    while True:
        msg = wire.new(codes.GET, uri_path=path, block2=BlockOption.BlockwiseTuple(num, False, szx))
        if query:
            msg.opt.uri_query = query
        if num == 0:
            msg.opt.size2 = 0                      # RFC 7959 §4: ask for the total size
        try:
            resp = await ep.request(msg, remote, timeout=timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise DownloadError(CONNECTION_LOST, f"block {num}: {exc}") from None
        if resp.code == codes.NOT_FOUND:
            raise DownloadError(INVALID_URI, "the file server has no such file (4.04)")
        if resp.code != codes.CONTENT:
            raise DownloadError(CONNECTION_LOST, f"block {num}: {resp.code}")
        b2 = resp.opt.block2
        if num == 0:
            etag = resp.opt.etag
            total = resp.opt.size2
            if total is not None and total > limit:
                raise DownloadError(NO_STORAGE, f"the package has {total} bytes, the meter room for {limit}")
        elif resp.opt.etag != etag:
            raise DownloadError(CONNECTION_LOST, "the file changed during the download (ETag)")
        body += resp.payload
        if len(body) > limit:
            raise DownloadError(NO_STORAGE, f"the package exceeds the meter's {limit} bytes")
        if b2 is None or not b2.more:
            return bytes(body)
        if b2.block_number != num:
            raise DownloadError(CONNECTION_LOST, f"asked for block {num}, got {b2.block_number}")
        # the server's block size wins (RFC 7959 §2.4); continue at the next offset in that size
        offset = len(body)
        szx = min(szx, b2.size_exponent)
        num = offset // block_size(szx)


# ---------------------------------------------------------------------------- HTTP
def _fetch_http(meter: "MeterHost", parts: SplitResult, limit: int) -> bytes:
    ctx = None
    if parts.scheme == "https":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)      # verifies the chain and the host name; no system CAs
        for der in meter.security.trust_store:
            ctx.load_verify_locations(cadata=der)
    timeout = meter.params.max_transmit_wait
    try:
        with urllib.request.urlopen(parts.geturl(), timeout=timeout, context=ctx) as resp:
            length = resp.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > limit:
                raise DownloadError(NO_STORAGE, f"the package has {length} bytes, the meter room for {limit}")
            data = resp.read(limit + 1)
            if length is not None and length.isdigit() and len(data) < int(length):
                raise DownloadError(CONNECTION_LOST, f"the connection closed after {len(data)} of {length} bytes")
    except DownloadError:
        raise
    except urllib.error.HTTPError as exc:
        raise DownloadError(INVALID_URI if exc.code == 404 else CONNECTION_LOST, f"HTTP {exc.code}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        raise DownloadError(CONNECTION_LOST, f"{type(exc).__name__}: {exc}") from None
    if len(data) > limit:
        raise DownloadError(NO_STORAGE, f"the package exceeds the meter's {limit} bytes")
    return data


__all__ = ["DownloadError", "PROTOCOLS", "fetch", "parse"]
