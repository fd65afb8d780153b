"""The Bootstrap-Server role against a minimal bootstrap client built from the engine's Endpoint:
client-initiated flow (int-0), pct, Discover/Read/Delete, Finish 4.06 on an inconsistent
configuration (int-9), Bootstrap-Pack (int-12), server-initiated (int-5), fresh credentials,
the sync façade, and the whole flow over DTLS-PSK."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiocoap import Message
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.endpoint import Endpoint
from meterproof.coap.transport import UdpTransport
from meterproof.lwm2m import formats
from meterproof.lwm2m.bootstrap import (BootstrapPlan, BootstrapServer, SyncBootstrapServer, consistency_problems,
                                        psk_account)
from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.model import default_catalog
from meterproof.lwm2m.path import Path
from meterproof.lwm2m.values import Value

from lwm2m_support import aio


class BootstrapClient:
    """Just enough of an LwM2M client's bootstrap interface to exercise the server: an object store
    with Write/Read/Discover/Delete, a BS account at /0/0 that Delete never removes, Finish checks."""

    def __init__(self, transport: Any = None, ep: str = "meter-0001") -> None:
        self.ep = ep
        self.endpoint = Endpoint(transport or UdpTransport(), handler=self._handle)
        self.store: dict[Path, Value] = {Path.of(0, 0, 0): "coap://bs", Path.of(0, 0, 1): True, Path.of(0, 0, 2): 3,
                                         Path.of(0, 0, 10): 0, Path.of(3, 0, 0): "Acme"}
        self.log: list[str] = []
        self.finished = asyncio.Event()

    async def start(self) -> "BootstrapClient":
        await self.endpoint.start()
        return self

    def close(self) -> None:
        self.endpoint.close()

    async def request(self, bs: tuple[str, int], *query: str) -> Message:
        return await self.endpoint.request(wire.new(codes.POST, uri_path=("bs",), uri_query=(f"ep={self.ep}",) + query),
                                           bs)

    def _instances(self) -> list[tuple[int, int]]:
        return sorted({(p.ids[0], p.ids[1]) for p in self.store})

    async def _handle(self, req: Message, remote: object) -> Message:
        path = Path.from_uri_path(req.opt.uri_path) if tuple(req.opt.uri_path) != ("bs",) else None
        self.log.append(f"{req.code.name} {'/bs' if path is None else path}")
        if path is None and req.code == codes.POST:
            problems = consistency_problems(self.store)
            if problems:
                return wire.new(codes.NOT_ACCEPTABLE, payload=problems[0].encode())
            self.finished.set()
            return wire.new(codes.CHANGED)
        assert path is not None
        if req.code == codes.PUT:
            cf = int(req.opt.content_format)
            tree = formats.decode(cf, req.payload, path, default_catalog())
            for k in [k for k in self.store if k.ids[:len(path.ids)] == path.ids and len(path.ids) == 2]:
                del self.store[k]
            for p, v in tree.items():
                self.store[p] = v
            return wire.new(codes.CHANGED)
        if req.code == codes.DELETE:
            for k in list(self.store):
                if k.ids[:len(path.ids)] == path.ids and k.ids[0] in (0, 1) and \
                        not (k.ids[0] == 0 and self.store.get(Path.of(0, k.ids[1], 1)) is True):
                    del self.store[k]
            return wire.new(codes.DELETED)
        if req.code == codes.GET and req.opt.accept == CF.LINK:
            links = ['</>;lwm2m="1.1"']
            for o, i in self._instances():
                if path.ids and path.ids[0] != o:
                    continue
                ssid = self.store.get(Path.of(o, i, 10 if o == 0 else 0))
                links.append(f"</{o}/{i}>" + (f";ssid={ssid}" if o in (0, 1) and ssid else ""))
            r = wire.new(codes.CONTENT, payload=",".join(links).encode())
            r.opt.content_format = CF.LINK
            return r
        if req.code == codes.GET:
            if path.ids[0] == 0:
                return wire.new(codes.UNAUTHORIZED)      # Bootstrap-Read of /0 is not allowed
            tree = {k: v for k, v in self.store.items() if k.ids[:len(path.ids)] == path.ids}
            r = wire.new(codes.CONTENT, payload=formats.encode(CF.TLV, tree, path, default_catalog()))
            r.opt.content_format = CF.TLV
            return r
        if req.code == codes.POST and path == Path.of(1, 0, 9):
            asyncio.get_running_loop().create_task(self.request(self.bs_address))
            return wire.new(codes.CHANGED)
        return wire.new(codes.METHOD_NOT_ALLOWED)

    bs_address: tuple[str, int] = ("127.0.0.1", 0)


async def _pair(**bs_kw: Any) -> tuple[BootstrapServer, BootstrapClient]:
    bs = await BootstrapServer(**bs_kw).start()
    c = await BootstrapClient().start()
    c.bs_address = bs.address
    return bs, c


@aio
async def test_client_initiated_bootstrap_int_0_with_scripted_plan() -> None:
    bs, c = await _pair()
    try:
        acct = psk_account("coaps://127.0.0.1:5684", c.ep)
        bs.plan(c.ep, BootstrapPlan([acct], delete_first=("/0", "/1"), discover=True))
        mark = bs.events.mark()
        assert (await c.request(bs.address)).code == codes.CHANGED
        req = await bs.wait_request(c.ep, since=mark, timeout=2)
        assert req["pct"] is None
        done = await bs.wait_done(c.ep, since=mark, timeout=5)
        assert "error" not in done.data
        fin = bs.events.find("bootstrap-finished", c.ep, since=mark)
        assert fin is not None and fin["code"] == "2.04"
        assert c.log == ["DELETE /0", "DELETE /1", "PUT /0/1", "PUT /1/0", "GET /", "POST /bs"]
        assert c.store[Path.of(0, 1, 5)] == acct.secret and c.store[Path.of(0, 0, 1)] is True   # BS account kept
        results = bs.sessions[c.ep].results
        assert [r.code_text for r in results] == ["2.02", "2.02", "2.04", "2.04", "2.05", "2.04"]
        assert results[4].links is not None
    finally:
        c.close(); bs.close()


@aio
async def test_manual_operations_discover_read_delete_and_pct() -> None:
    bs, c = await _pair()
    try:
        assert (await c.request(bs.address, f"pct={CF.SENML_CBOR}")).code == codes.CHANGED
        assert bs.sessions[c.ep].preferred_format == CF.SENML_CBOR
        acct = psk_account("coaps://h:5684", c.ep, ssid=7)
        w0, w1 = await bs.write_account(c.ep, acct)
        assert w0.ok and w1.ok and w0.request.opt.content_format == CF.SENML_CBOR   # the client's pct is honoured
        disc = await bs.discover(c.ep, "/")
        assert "</1/0>;ssid=7" in disc.payload.decode()
        read = await bs.read(c.ep, "/1")
        assert read.code_text == "2.05" and read.value("/1/0/1") == 86400
        assert (await bs.read(c.ep, "/0")).code_text == "4.01"
        assert (await bs.delete(c.ep, "/")).code_text == "2.02"
        assert Path.of(1, 0, 0) not in c.store and c.store[Path.of(0, 0, 1)] is True
        # secrets provisioned are known to the redactor and usable as a DTLS PSK lookup
        assert bs.credentials[acct.identity.decode()] == acct.secret
        assert "<redacted>" in bs.redactor.text(acct.secret.hex())
    finally:
        c.close(); bs.close()


@aio
async def test_account_written_at_object_level_as_ets_int_0_does() -> None:
    bs, c = await _pair()
    try:
        await c.request(bs.address)
        acct = psk_account("coaps://h:5684", c.ep, ssid=3)
        w0, w1 = await bs.write_account(c.ep, acct, object_level=True)
        assert w0.ok and w1.ok and [w0.request.opt.uri_path, w1.request.opt.uri_path] == [("0",), ("1",)]
        assert "</1/0>;ssid=3" in (await bs.discover(c.ep, "/")).payload.decode()
    finally:
        c.close(); bs.close()

@aio
async def test_finish_on_an_inconsistent_configuration_is_4_06_int_9() -> None:
    bs, c = await _pair()
    try:
        await c.request(bs.address)
        assert (await bs.write(c.ep, "/1/0/1", 86400)).ok      # only a lifetime: no server account
        fin = await bs.finish(c.ep)
        assert fin.code_text == "4.06"
        assert bs.events.find("bootstrap-finished", c.ep)["code"] == "4.06"  # type: ignore[index]
    finally:
        c.close(); bs.close()


@aio
async def test_bootstrap_pack_request_int_12() -> None:
    bs, c = await _pair()
    try:
        acct = psk_account("coaps://h:5684", c.ep)
        bs.plan(c.ep, BootstrapPlan([acct]))
        msg = wire.new(codes.GET, uri_path=("bspack",), uri_query=(f"ep={c.ep}",))
        msg.opt.accept = CF.SENML_CBOR
        resp = await c.endpoint.request(msg, bs.address)
        assert resp.code == codes.CONTENT and int(resp.opt.content_format) == CF.SENML_CBOR
        tree = formats.decode(CF.SENML_CBOR, resp.payload, Path(), None)
        assert tree[Path.of(0, 1, 0)] == "coaps://h:5684" and tree[Path.of(1, 0, 0)] == 1
        unknown = wire.new(codes.GET, uri_path=("bspack",), uri_query=("ep=nobody",))
        assert (await c.endpoint.request(unknown, bs.address)).code == codes.NOT_FOUND
    finally:
        c.close(); bs.close()


@aio
async def test_request_without_ep_or_refused_is_4_00() -> None:
    bs, c = await _pair()
    try:
        bare = await c.endpoint.request(wire.new(codes.POST, uri_path=("bs",)), bs.address)
        assert bare.code == codes.BAD_REQUEST
        bs.reject_request = lambda q, remote: "unknown endpoint" if q.params.get("ep") == c.ep else None
        assert (await c.request(bs.address)).code == codes.BAD_REQUEST
        assert bs.events.find("bootstrap-rejected", c.ep)["reason"] == "unknown endpoint"  # type: ignore[index]
    finally:
        c.close(); bs.close()


@aio
async def test_server_initiated_bootstrap_int_5() -> None:
    from meterproof.lwm2m.server import Lwm2mServer
    server = await Lwm2mServer().start()
    bs, c = await _pair()
    try:
        reg = wire.new(codes.POST, payload=b"</1/0>,</3/0>", uri_path=("rd",), uri_query=(f"ep={c.ep}",))
        reg.opt.content_format = CF.LINK
        assert (await c.endpoint.request(reg, server.address)).code == codes.CREATED
        mark = bs.events.mark()
        res = await bs.trigger(server, c.ep, 0)
        assert res.code_text == "2.04"
        await bs.wait_request(c.ep, since=mark, timeout=2)
    finally:
        c.close(); bs.close(); server.close()


def test_fresh_credentials_every_time() -> None:
    a, b = psk_account("coaps://h", "ep"), psk_account("coaps://h", "ep")
    assert a.secret != b.secret and a.identity != b.identity and len(a.secret) == 16
    assert psk_account("coaps://h", "ep", identity="lab-id", key=b"k" * 16).secret == b"k" * 16


def test_consistency_rules() -> None:
    acct = psk_account("coaps://h", "ep")
    assert consistency_problems(acct.values()) == []
    assert consistency_problems(acct.server_values())[0].startswith("/1/0 (SSID 1) has no Security instance")
    assert consistency_problems({}) == ["no complete LwM2M Server account (a /0 instance with a matching /1 instance)"]


def test_sync_facade_drives_a_bootstrap_over_dtls_psk() -> None:
    """The sync API pytest cases use, with the Bootstrap-Server on coaps (fresh PSK per run)."""
    import secrets as _s

    from meterproof.dtls import DtlsClientTransport, DtlsServerTransport, DtlsSettings, Psk
    from meterproof.lwm2m.sync import LoopThread

    fast = dict(handshake_timeout_min=0.1, handshake_timeout_max=0.8)
    bs_key = _s.token_bytes(16)
    lt = LoopThread()
    try:
        tr = DtlsServerTransport(settings=DtlsSettings(psk_lookup={"meter-0001": bs_key}, **fast))
        bs = SyncBootstrapServer.start(lt, transport=tr)
        assert bs.uri.startswith("coaps://")
        acct = psk_account("coaps://127.0.0.1:5684", "meter-0001")
        bs.plan("meter-0001", BootstrapPlan([acct]))

        async def client() -> BootstrapClient:
            c = BootstrapClient(DtlsClientTransport(settings=DtlsSettings(psk=Psk("meter-0001", bs_key), **fast)))
            await c.start()
            await c.request(bs.address)
            return c

        mark = bs.mark()
        c = lt.run(client(), timeout=5)
        done = bs.wait_event("bootstrap-done", "meter-0001", since=mark, timeout=5)
        assert "error" not in done.data
        assert c.store[Path.of(0, 1, 3)] == acct.identity
        assert tr.reports[-1].psk_identity == "meter-0001" and tr.reports[-1].outcome == "ok"
        assert bs.session("meter-0001").finished.code_text == "2.04"
        lt.call(c.close)
        bs.close()
    finally:
        lt.stop()
