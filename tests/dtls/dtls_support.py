"""Helpers of the DTLS tests: a coroutine runner, fast timers, a throwaway PKI, lossy transports."""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Awaitable, Callable

from meterproof.dtls import Certificates, DtlsClientTransport, DtlsServerTransport, DtlsSettings, Psk
from meterproof.dtls.pki import TestPki

#: Loopback-fast handshake timers: first retransmission after 0.1 s, give up after ~1.5 s.
FAST = dict(handshake_timeout_min=0.1, handshake_timeout_max=0.8)

KEY = bytes.fromhex("8f3a61c2d94b07e5a1c3b5d7e9f10234")   # test-only, never a default anywhere


def aio(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Run an ``async def`` test with :func:`asyncio.run` (15 s cap)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(asyncio.wait_for(fn(*args, **kwargs), 15))
    return wrapper


_PKI: dict[str, Any] = {}


def pki() -> dict[str, Any]:
    """One CA, a server cert (CN=localhost), a client cert, and a rogue CA with a client cert of its own."""
    if not _PKI:
        ca = TestPki.create("meterproof test CA")
        rogue = TestPki.create("Rogue CA")
        _PKI.update(ca=ca, rogue=rogue, server=ca.issue("localhost"), client=ca.issue("meter-0001"),
                    rogue_client=rogue.issue("meter-0001"))
    return _PKI


def server_certs(**kw: Any) -> Certificates:
    p = pki()
    return Certificates((p["server"].certificate,), p["server"].key, (p["ca"].ca.certificate,), **kw)


def client_certs(which: str = "client", trust: str = "ca", **kw: Any) -> Certificates:
    p = pki()
    kw.setdefault("server_name", "localhost")
    return Certificates((p[which].certificate,), p[which].key, (p[trust].ca.certificate,), **kw)


async def psk_server(keys: dict[str, bytes] | None = None, **kw: Any) -> DtlsServerTransport:
    keys = {"meter-0001": KEY} if keys is None else keys
    t = DtlsServerTransport(settings=DtlsSettings(psk_lookup=keys.get, **{**FAST, **kw}))
    await t.open()
    return t


async def psk_client(identity: str = "meter-0001", key: bytes = KEY, cls: type = DtlsClientTransport,
                     **kw: Any) -> DtlsClientTransport:
    t = cls(settings=DtlsSettings(psk=Psk(identity, key), **{**FAST, **kw}))
    await t.open()
    return t


class _Lossy:
    """Drops the outgoing datagrams whose 1-based numbers are in ``drop``; records every one in ``wire``."""

    def __init__(self, *a: Any, drop: set[int] = frozenset(), **kw: Any) -> None:  # type: ignore[assignment]
        super().__init__(*a, **kw)  # type: ignore[call-arg]
        self.drop = set(drop)
        self.count = 0
        self.wire: list[tuple[bytes, bool]] = []

    def _sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        self.count += 1
        lost = self.count in self.drop
        self.wire.append((data, lost))
        if not lost:
            super()._sendto(data, addr)  # type: ignore[misc]


class LossyClient(_Lossy, DtlsClientTransport):
    """A DTLS client transport that loses the chosen outgoing datagrams."""


class LossyServer(_Lossy, DtlsServerTransport):
    """A DTLS server transport that loses the chosen outgoing datagrams."""

