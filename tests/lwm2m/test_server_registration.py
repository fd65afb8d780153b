"""The Registration and Information Reporting (Send) interfaces of :class:`Lwm2mServer`
(OMA TS Core 1.1 §6.2, §6.4.4; TS Transport 1.1 §6.2), driven by a hand-made client.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiocoap.numbers import codes

from meterproof.errors import TimeoutError_
from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.events import EventLog

from lwm2m_support import aio, server_and_client

from meterproof.lwm2m.model.types import DataType, ObjectDef, Operations, ResourceDef


class StubModel:
    """/3/0/9 Battery Level is an Integer."""

    _obj = ObjectDef(id=3, name="Device", resources={9: ResourceDef(9, "Battery Level", Operations.R, False, False,
                                                                  DataType.INTEGER)})

    def resource_def(self, path):
        return self._obj.resources.get(path.ids[2]) if len(path.ids) >= 3 and path.ids[0] == 3 else None


# --------------------------------------------------------------------------- Register
@aio
async def test_register_creates_a_location_under_rd() -> None:
    async with server_and_client() as (server, client):
        mark = server.events.mark()
        resp = await client.register("ep=meter-1", "lt=300", "lwm2m=1.1", "b=U")
        assert resp.code == codes.CREATED
        loc = resp.opt.location_path
        assert len(loc) == 2 and loc[0] == "rd" and loc[1]                 # Location-Path /rd/{id}
        reg = server.registrations["meter-1"]
        assert reg.location == "/rd/" + loc[1] and reg.lifetime == 300 and reg.lwm2m_version == "1.1"
        assert not reg.queue_mode and reg.objects.has("/3/0")
        ev = await server.events.wait("registered", "meter-1", since=mark, timeout=1)
        assert ev["registration"] is reg and ev["replaced"] is False


@aio
async def test_register_defaults() -> None:
    async with server_and_client() as (server, client):
        assert (await client.register("ep=m")).code == codes.CREATED
        reg = server.registrations["m"]
        assert (reg.lifetime, reg.lwm2m_version, reg.binding) == (86400, "1.0", "U")  # TS Core Table 6.2.1-1


@pytest.mark.parametrize("spelled, release", [("1.0.0", "1.0"), ("1.1.1", "1.1"), ("1.2", "1.2")])
@aio
async def test_register_version_with_a_patch_digit_names_its_release(spelled: str, release: str) -> None:
    """TS Core 1.1 §6.2.1: the server refuses only another major digit or a version above its own."""
    async with server_and_client() as (server, client):
        assert (await client.register("ep=m", f"lwm2m={spelled}")).code == codes.CREATED
        assert server.registrations["m"].lwm2m_version == release


@pytest.mark.parametrize("query, code", [
    (("lt=60",), codes.BAD_REQUEST),                                  # ep is mandatory
    (("ep=",), codes.BAD_REQUEST),
    (("ep=m", "lwm2m=9.9"), codes.PRECONDITION_FAILED),                # unsupported version -> 4.12
    (("ep=m", "lwm2m=1.3"), codes.PRECONDITION_FAILED),                # above the newest we support -> 4.12
    (("ep=m", "lwm2m=one"), codes.BAD_REQUEST),                        # not a version at all
    (("ep=m", "lwm2m=1.1", "b=UQ"), codes.BAD_REQUEST),                # 1.1 spells queue mode as Q
    (("ep=m", "lwm2m=1.1", "Q=1"), codes.BAD_REQUEST),                 # Q takes no value
    (("ep=m", "lwm2m=1.0", "Q"), codes.BAD_REQUEST),                   # no Q in 1.0
    (("ep=m", "lt=abc"), codes.BAD_REQUEST),
    (("ep=m", "ep=n"), codes.BAD_REQUEST),                             # repeated parameter
    (("ep=m", "lwm2m=1.1", "pid=7"), codes.BAD_REQUEST),               # pid is 1.2
])
@aio
async def test_register_query_validation(query: tuple[str, ...], code: object) -> None:
    async with server_and_client() as (server, client):
        mark = server.events.mark()
        resp = await client.register(*query)
        assert resp.code == code
        assert server.registrations == {}
        ev = await server.events.wait("rejected", since=mark, timeout=1)
        assert ev["code"] == code.dotted


@pytest.mark.parametrize("query, binding", [
    (("ep=m", "lwm2m=1.0", "b=UQ"), "UQ"),      # TS Core 1.0: queue mode inside b
    (("ep=m", "lwm2m=1.1", "b=U", "Q"), "U"),   # TS Core 1.1: valueless Q
])
@aio
async def test_register_queue_mode(query: tuple[str, ...], binding: str) -> None:
    async with server_and_client() as (server, client):
        assert (await client.register(*query)).code == codes.CREATED
        reg = server.registrations["m"]
        assert reg.queue_mode and reg.binding == binding


@pytest.mark.parametrize("payload, cf", [
    (b"hello", 40),             # not CoRE link format
    (b"\xff\xfe", 40),          # not UTF-8
    (b"</1/0>", 0),             # link text, wrong Content-Format
])
@aio
async def test_register_payload_must_be_link_format(payload: bytes, cf: int) -> None:
    async with server_and_client() as (server, client):
        resp = await client.register("ep=m", payload=payload, content_format=cf)
        assert resp.code == codes.BAD_REQUEST and server.registrations == {}


@aio
async def test_register_alternate_path_and_content_formats() -> None:
    async with server_and_client() as (server, client):
        payload = b'</lwm2m>;rt="oma.lwm2m";ct="60 110 11543",</lwm2m/1/0>,</lwm2m/3/0>'
        assert (await client.register("ep=m", "lwm2m=1.1", payload=payload)).code == codes.CREATED
        objs = server.registrations["m"].objects
        assert objs.root == "/lwm2m" and objs.has("/3/0") and objs.content_formats == [60, 110, 11543]


@aio
async def test_re_register_replaces_the_old_location() -> None:
    async with server_and_client() as (server, client):
        await client.register("ep=m")
        old = client.location
        await client.register("ep=m")
        assert client.location != old
        assert (await client.update(location=old)).code == codes.NOT_FOUND
        assert server.events.all("registered")[-1]["replaced"] is True


# --------------------------------------------------------------------------- Update
@aio
async def test_update() -> None:
    async with server_and_client() as (server, client):
        await client.register("ep=m", "lt=100", "lwm2m=1.1")
        mark = server.events.mark()
        resp = await client.update("lt=200", payload=b"</1/0>,</3/0>,</3303/0>")
        assert resp.code == codes.CHANGED
        reg = server.registrations["m"]
        assert reg.lifetime == 200 and reg.updates == 1 and reg.objects.has("/3303/0")
        assert reg.expires_at == pytest.approx(reg.updated_at + 200)
        ev = await server.events.wait("updated", "m", since=mark, timeout=1)
        assert ev["params"] == {"lt": "200"}


@aio
async def test_update_unknown_location_is_4_04() -> None:
    async with server_and_client() as (server, client):
        resp = await client.update(location="/rd/nothere")
        assert resp.code == codes.NOT_FOUND
        assert server.events.find("update-unknown")["location"] == "/rd/nothere"


@pytest.mark.parametrize("query", [("ep=x",), ("lwm2m=1.1",), ("lt=-1",), ("lt=1", "lt=2")])
@aio
async def test_update_bad_query_is_4_00(query: tuple[str, ...]) -> None:
    async with server_and_client() as (server, client):
        await client.register("ep=m", "lwm2m=1.1")
        assert (await client.update(*query)).code == codes.BAD_REQUEST


@aio
async def test_forget_at_next_update() -> None:
    async with server_and_client() as (server, client):
        await client.register("ep=m")
        server.forget_at_next_update("m")
        assert "m" in server.registrations                         # kept until the Update
        assert (await client.update()).code == codes.NOT_FOUND     # int-105
        assert "m" not in server.registrations
        assert [e.kind for e in server.events.events[-2:]] == ["forgotten", "update-unknown"]
        assert (await client.register("ep=m")).code == codes.CREATED


# --------------------------------------------------------------------------- De-register, expiry
@aio
async def test_deregister() -> None:
    async with server_and_client() as (server, client):
        await client.register("ep=m")
        assert (await client.deregister()).code == codes.DELETED
        assert server.registrations == {} and server.events.find("deregistered", "m") is not None
        assert (await client.deregister()).code == codes.NOT_FOUND


@aio
async def test_lifetime_expiry_event() -> None:
    async with server_and_client() as (server, client):
        mark = server.events.mark()
        await client.register("ep=m", "lt=1")
        t0 = server.endpoint.loop.time()
        ev = await server.events.wait("expired", "m", since=mark, timeout=3)
        assert ev.time - t0 == pytest.approx(1.0, abs=0.2)
        assert "m" not in server.registrations
        assert (await client.update()).code == codes.NOT_FOUND


@aio
async def test_update_postpones_expiry() -> None:
    async with server_and_client() as (server, client):
        await client.register("ep=m", "lt=1")
        await asyncio.sleep(0.6)
        await client.update()
        await asyncio.sleep(0.6)
        assert "m" in server.registrations and server.events.find("expired") is None


# --------------------------------------------------------------------------- Send (/dp)
@aio
async def test_send_senml_json() -> None:
    async with server_and_client() as (server, client):
        await client.register("ep=m", "lwm2m=1.1")
        mark = server.events.mark()
        resp = await client.send(codes.POST, ["dp"], payload=b'[{"bn":"/3/0/","n":"13","v":5}]',
                                 content_format=CF.SENML_JSON)
        assert resp.code == codes.CHANGED
        ev = await server.events.wait("send", "m", since=mark, timeout=1)
        assert ev["error"] is None and [(str(r.path), r.value) for r in ev["records"]] == [("/3/0/13", 5)]


@aio
async def test_send_with_historical_values_keeps_the_series() -> None:
    # TS Core 1.1 §6.4.6 Send with Notification Storing: one resource three times, bt + t (RFC 8428
    # §4.5.3); times below 2**28 are relative to the arrival of the Send
    async with server_and_client() as (server, client):
        await client.register("ep=m", "lwm2m=1.1")
        mark = server.events.mark()
        payload = (b'[{"bn":"/3/0/","bt":1700000000,"n":"13","v":1700000000,"t":-20},'
                   b'{"n":"13","v":1700000010,"t":-10},{"n":"13","v":1700000020},{"n":"9","v":80,"bt":0,"t":-5}]')
        before = time.time()
        resp = await client.send(codes.POST, ["dp"], payload=payload, content_format=CF.SENML_JSON)
        assert resp.code == codes.CHANGED
        ev = await server.events.wait("send", "m", since=mark, timeout=1)
        recs = ev["records"]
        assert [(str(r.path), r.value) for r in recs] == [("/3/0/13", 1700000000), ("/3/0/13", 1700000010),
                                                          ("/3/0/13", 1700000020), ("/3/0/9", 80)]
        assert [r.time for r in recs[:3]] == [1699999980, 1699999990, 1700000000]
        assert before - 5 <= recs[3].time <= time.time() - 5
        assert {str(p): v for p, v in ev["values"].items()} == {"/3/0/13": 1700000020, "/3/0/9": 80}


@aio
async def test_send_typed_by_the_model_and_empty_send_rejected() -> None:
    # TS Core Table C-2: a float where the model says Integer is a finding in SenML CBOR -> 4.00
    import cbor2
    async with server_and_client(model=StubModel()) as (server, client):
        await client.register("ep=m", "lwm2m=1.1")
        resp = await client.send(codes.POST, ["dp"], payload=cbor2.dumps([{0: "/3/0/9", 2: 80.0}]),
                                 content_format=CF.SENML_CBOR)
        assert resp.code == codes.BAD_REQUEST and b"major type 7" in resp.payload
        resp = await client.send(codes.POST, ["dp"], payload=b"", content_format=CF.SENML_CBOR)
        assert resp.code == codes.BAD_REQUEST


@aio
async def test_send_undecodable_is_4_00_with_event() -> None:
    async with server_and_client() as (server, client):
        await client.register("ep=m", "lwm2m=1.1")
        resp = await client.send(codes.POST, ["dp"], payload=b"[{", content_format=CF.SENML_JSON)
        assert resp.code == codes.BAD_REQUEST
        assert server.events.find("send", "m")["error"]


@aio
async def test_send_from_unregistered_remote_is_4_00() -> None:
    async with server_and_client() as (server, client):
        resp = await client.send(codes.POST, ["dp"], payload=b"[]", content_format=CF.SENML_JSON)
        assert resp.code == codes.BAD_REQUEST
        assert server.events.find("send-unregistered") is not None


@aio
async def test_unknown_paths_and_methods() -> None:
    async with server_and_client() as (server, client):
        await client.register("ep=m")
        assert (await client.send(codes.GET, ["rd"])).code == codes.NOT_FOUND
        assert (await client.send(codes.PUT, [s for s in client.location.split("/") if s])).code == \
            codes.METHOD_NOT_ALLOWED
        assert (await client.send(codes.POST, ["bs"], ["ep=m"])).code == codes.NOT_FOUND


# --------------------------------------------------------------------------- events
@aio
async def test_wait_never_misses_an_event_emitted_before_the_wait() -> None:
    log = EventLog()
    mark = log.mark()
    log.emit("updated", "a")
    ev = await log.wait("updated", "a", since=mark, timeout=0.1)       # already there: returned at once
    assert ev.index == mark
    with pytest.raises(TimeoutError_):
        await log.wait("updated", "a", since=log.mark(), timeout=0.05)  # a later mark skips it


@aio
async def test_wait_wakes_for_an_event_emitted_during_the_wait() -> None:
    log = EventLog()
    waiter = asyncio.ensure_future(log.wait(("registered", "updated"), "b", timeout=1))
    await asyncio.sleep(0.01)
    log.emit("updated", "other")
    log.emit("updated", "b", n=1)
    ev = await waiter
    assert ev.endpoint == "b" and ev["n"] == 1


@aio
async def test_wait_many_emits_in_one_tick() -> None:
    log = EventLog()
    waiters = [asyncio.ensure_future(log.wait("k", str(i), timeout=1)) for i in range(20)]
    await asyncio.sleep(0)
    for i in range(20):
        log.emit("k", str(i))
    assert [w.endpoint for w in await asyncio.gather(*waiters)] == [str(i) for i in range(20)]
