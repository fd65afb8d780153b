"""Device Management & Service Enablement and Information Reporting operations of
:class:`Lwm2mServer`: each builds the CoAP request of OMA TS Transport 1.1 §6 (Tables 6.3-6.5)
-- method, Uri-Path (with the client's alternate path), Accept, Content-Format, Uri-Query --
and wraps what came back in an :class:`OpResult` without ever raising on a bad payload.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.path import Path

from lwm2m_support import FakeClient, aio, canned, server_and_client


async def registered(server, client: FakeClient, *query: str, payload: bytes = b"</1/0>,</3/0>") -> None:
    resp = await client.register("ep=m", "lwm2m=1.1", *query, payload=payload)
    assert resp.code == codes.CREATED


def last(client: FakeClient):
    return client.requests[-1]


def opts(msg) -> dict:
    return {"method": msg.code, "path": tuple(msg.opt.uri_path), "query": tuple(msg.opt.uri_query),
            "accept": None if msg.opt.accept is None else int(msg.opt.accept),
            "cf": None if msg.opt.content_format is None else int(msg.opt.content_format),
            "payload": msg.payload}


# --------------------------------------------------------------------------- requests on the wire
@aio
async def test_read() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.GET, "/3/0/0")] = canned(codes.CONTENT, b"ACME", CF.TEXT)
        res = await server.read("m", "/3/0/0", accept=CF.TEXT)
        assert opts(last(client)) == {"method": codes.GET, "path": ("3", "0", "0"), "query": (),
                                      "accept": 0, "cf": None, "payload": b""}
        assert res.ok and res.code_text == "2.05" and res.content_format == CF.TEXT
        assert res.value("/3/0/0") == "ACME" and res.decode_error is None


@aio
async def test_read_tlv_instance() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.GET, "/3/0")] = canned(codes.CONTENT, bytes.fromhex("c40041434d45"), CF.TLV)
        res = await server.read("m", "/3/0", accept=CF.TLV)
        assert opts(last(client))["accept"] == CF.TLV
        assert res.values == {Path.parse("/3/0/0"): b"ACME"}    # untyped without a model: opaque


@aio
async def test_alternate_path_prefixes_every_request() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client, payload=b'</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>')
        client.canned[(codes.GET, "/lwm2m/3/0/0")] = canned(codes.CONTENT, b"ACME", CF.TEXT)
        res = await server.read("m", "/3/0/0")
        assert opts(last(client))["path"] == ("lwm2m", "3", "0", "0") and res.ok
        await server.read_composite("m", ["/3/0/0"], content_format=CF.SENML_JSON)
        assert opts(last(client))["path"] == ("lwm2m",)        # composite goes to the root


@aio
async def test_write_replace_and_partial() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.PUT, "/3/0/14")] = canned(codes.CHANGED)
        client.canned[(codes.POST, "/3/0")] = canned(codes.CHANGED)
        res = await server.write("m", "/3/0/14", "+02", content_format=CF.TEXT)
        assert opts(last(client)) == {"method": codes.PUT, "path": ("3", "0", "14"), "query": (),
                                      "accept": None, "cf": 0, "payload": b"+02"}
        assert res.ok and res.operation == "Write"
        res = await server.write("m", "/3/0", {"/3/0/14": "+02"}, content_format=CF.SENML_JSON, partial=True)
        m = last(client)
        assert (m.code, tuple(m.opt.uri_path), int(m.opt.content_format)) == (codes.POST, ("3", "0"), 110)
        assert m.payload == b'[{"bn":"/3/0/","n":"14","vs":"+02"}]' and res.operation == "Write-Partial"


@aio
async def test_execute() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.POST, "/3/0/4")] = canned(codes.CHANGED)
        await server.execute("m", "/3/0/4")
        assert opts(last(client)) == {"method": codes.POST, "path": ("3", "0", "4"), "query": (),
                                      "accept": None, "cf": None, "payload": b""}
        await server.execute("m", "/3/0/4", "0='x'")
        assert opts(last(client))["payload"] == b"0='x'" and opts(last(client))["cf"] == CF.TEXT


@aio
async def test_create_and_delete() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.POST, "/1")] = canned(codes.CREATED, location_path=("1", "7"))
        client.canned[(codes.DELETE, "/1/7")] = canned(codes.DELETED)
        res = await server.create("m", "/1", {"/1/7/0": 7}, content_format=CF.SENML_JSON)
        m = last(client)
        assert (m.code, tuple(m.opt.uri_path), int(m.opt.content_format)) == (codes.POST, ("1",), 110)
        assert res.location == "/1/7" and res.code == codes.CREATED
        res = await server.delete("m", "/1/7")
        assert opts(last(client))["method"] == codes.DELETE and res.code == codes.DELETED


@aio
async def test_discover() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.GET, "/3")] = canned(codes.CONTENT, b"</3>,</3/0/0>,</3/0/13>;pmin=5", CF.LINK)
        res = await server.discover("m", "/3", depth=1)
        assert opts(last(client)) == {"method": codes.GET, "path": ("3",), "query": ("depth=1",),
                                      "accept": 40, "cf": None, "payload": b""}
        assert [lk.target for lk in res.links] == ["/3", "/3/0/0", "/3/0/13"]
        assert res.links[2].params == {"pmin": "5"}


@aio
async def test_write_attributes() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.PUT, "/3/0/13")] = canned(codes.CHANGED)
        res = await server.write_attributes("m", "/3/0/13", {"pmin": 5}, pmax=None, gt=1.5, st=2.0, epmin=True)
        assert opts(last(client)) == {"method": codes.PUT, "path": ("3", "0", "13"),
                                      "query": ("pmin=5", "pmax", "gt=1.5", "st=2", "epmin=1"),
                                      "accept": None, "cf": None, "payload": b""}
        assert res.ok


@aio
async def test_read_composite() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.FETCH, "")] = canned(
            codes.CONTENT, b'[{"bn":"/3/0/","n":"0","vs":"ACME"},{"n":"13","v":5}]', CF.SENML_JSON)
        client.canned[(codes.FETCH, "/")] = client.canned[(codes.FETCH, "")]
        res = await server.read_composite("m", ["/3/0/0", "/3/0/13"], content_format=CF.SENML_JSON)
        m = last(client)
        assert opts(m)["method"] == codes.FETCH and opts(m)["path"] == ()
        assert opts(m)["cf"] == opts(m)["accept"] == CF.SENML_JSON
        assert m.payload == b'[{"n":"/3/0/0"},{"n":"/3/0/13"}]'
        assert res.value("/3/0/13") == 5 and res.value("/3/0/0") == "ACME"


# --------------------------------------------------------------------------- bad payloads are findings
@pytest.mark.parametrize("payload, cf, fragment", [
    (b"\x00garbage", CF.TLV, "TLV"),
    (b"[{", CF.SENML_JSON, "SENML_JSON"),
    (b"x", 9999, "9999"),                  # a content format nobody registered
    (b"22.5", None, "no Content-Format"),  # payload without Content-Format
])
@aio
async def test_undecodable_response_is_decode_error_never_exception(payload: bytes, cf, fragment: str) -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.GET, "/3/0")] = canned(codes.CONTENT, payload, cf)
        res = await server.read("m", "/3/0")
        assert res.ok and res.values is None and fragment in res.decode_error
        with pytest.raises(KeyError):
            res.value("/3/0/0")


@pytest.mark.parametrize("payload, cf", [
    (b"", None), (b"", CF.SENML_CBOR), (b"", CF.TLV), (b"", CF.TEXT), (b"[]", CF.SENML_JSON),
    (b'{"bn":"/5/","e":[]}', CF.OMA_JSON), (b"\xa0", CF.LWM2M_CBOR),
])
@aio
async def test_read_of_an_object_without_instances_is_an_empty_tree(payload: bytes, cf) -> None:
    # TS Transport 1.1 Table 6.4.4-1: Read answers 2.05; an object without instances has nothing to list
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.GET, "/5")] = canned(codes.CONTENT, payload, cf)
        res = await server.read("m", "/5")
        assert res.ok and res.decode_error is None and res.values == {} and res.series == []


@aio
async def test_empty_answer_for_a_single_resource_is_not_a_value() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.GET, "/3/0/9")] = canned(codes.CONTENT, b"", CF.SENML_CBOR)
        res = await server.read("m", "/3/0/9")
        assert res.values is None and "SENML_CBOR" in res.decode_error and res.series is None
        client.canned[(codes.GET, "/3/0/9")] = canned(codes.CONTENT, b"", None)
        res = await server.read("m", "/3/0/9")
        assert res.values is None and res.decode_error is None    # nothing sent, nothing decoded


@aio
async def test_read_series_keeps_every_record() -> None:
    # TS Core 1.2.2 Table 7.5.6.-3 (historical values of /72/1/2); 25462629 < 2**28 is relative (RFC 8428
    # §4.5.3), resolved against the arrival of the answer
    payload = (b'[{"bn":"/72/","bt":25462634,"n":"1/2","v":22.4,"t":-5},'
               b'{"n":"1/2","v":22.9,"t":-30},{"n":"1/2","v":24.1,"t":-50}]')
    async with server_and_client() as (server, client):
        await registered(server, client, payload=b"</1/0>,</3/0>,</72/1>")
        client.canned[(codes.GET, "/72/1/2")] = canned(codes.CONTENT, payload, CF.SENML_JSON)
        before = time.time()
        res = await server.read("m", "/72/1/2")
        assert res.values == {Path.parse("/72/1/2"): 22.4}
        assert [r.value for r in res.series] == [22.4, 22.9, 24.1]
        assert before + 25462584 <= res.series[2].time <= time.time() + 25462584
        assert res.series[0].time - res.series[1].time == 25


@aio
async def test_series_of_a_format_without_times() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.GET, "/3/0")] = canned(codes.CONTENT, bytes.fromhex("c40041434d45"), CF.TLV)
        res = await server.read("m", "/3/0")
        assert [(str(r.path), r.value, r.time) for r in res.series] == [("/3/0/0", b"ACME", None)]


@aio
async def test_undecodable_discover_is_decode_error() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.GET, "/3")] = canned(codes.CONTENT, b"not a link", CF.LINK)
        res = await server.discover("m", "/3")
        assert res.links is None and res.decode_error.startswith("LINK")


@aio
async def test_error_response_is_not_decoded() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        res = await server.read("m", "/5/0")       # not canned -> 4.04
        assert res.code == codes.NOT_FOUND and not res.ok and res.decode_error is None


@aio
async def test_operation_on_unknown_endpoint_raises_protocol_error() -> None:
    from meterproof.errors import ProtocolError
    async with server_and_client() as (server, client):
        with pytest.raises(ProtocolError):
            await server.read("nobody", "/3/0")


# --------------------------------------------------------------------------- observe / cancel
def notification(seq: int, value: bytes) -> object:
    return wire.new(codes.CONTENT, payload=value, content_format=CF.TEXT, observe=seq)


@aio
async def test_observe_and_cancel_by_get() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.GET, "/3/0/13")] = lambda req: canned(
            codes.CONTENT, b"100", CF.TEXT, observe=None if req.opt.observe == 1 else 1)
        h = await server.observe("m", "/3/0/13", accept=CF.TEXT)
        req = last(client)
        assert req.opt.observe == 0 and int(req.opt.accept) == 0 and tuple(req.opt.uri_path) == ("3", "0", "13")
        assert h.established and h.first.value("/3/0/13") == "100"
        remote, token = client.requests[-1].remote, req.token
        assert await client.endpoint.notify(notification(2, b"101"), server.address, token,
                                            confirmable=True) == "acked"
        n = await h.observation.next(1)
        values, err = h.decode(n)
        assert err is None and values[Path.parse("/3/0/13")] == "101"
        series, err = h.decode_series(n)
        assert err is None and [(str(r.path), r.value, r.time) for r in series] == [("/3/0/13", "101", None)]
        res = await server.cancel_observation(h, mode="get")
        cancel = last(client)
        assert cancel.opt.observe == 1 and cancel.token == token and res.operation == "Cancel-Observe"
        # a late notification after the cancel is RST and kept as evidence
        assert await client.endpoint.notify(notification(3, b"102"), server.address, token,
                                            confirmable=True) == "reset"
        assert [a.seq for a in h.observation.after_cancel] == [3]
        del remote


@aio
async def test_notification_with_stored_values_decodes_as_a_series() -> None:
    # TS Core 1.1 §7.4.4 / Notification Storing (Appendix D.2 /1/x/6): a notification carrying the
    # values stored while offline; relative times are taken from the notification's arrival
    async with server_and_client() as (server, client):
        await registered(server, client, payload=b"</1/0>,</3/0>,</72/1>")
        client.canned[(codes.GET, "/72/1/2")] = canned(codes.CONTENT, b'[{"n":"/72/1/2","v":20.5}]',
                                                       CF.SENML_JSON, observe=1)
        h = await server.observe("m", "/72/1/2", accept=CF.SENML_JSON)
        stored = b'[{"bn":"/72/1/2","v":21.5,"t":-60},{"v":22.5,"t":-30},{"v":23.5}]'
        msg = wire.new(codes.CONTENT, payload=stored, content_format=CF.SENML_JSON, observe=2)
        assert await client.endpoint.notify(msg, server.address, last(client).token, confirmable=True) == "acked"
        n = await h.observation.next(1)
        values, err = h.decode(n)
        assert err is None and values == {Path.parse("/72/1/2"): 23.5}
        series, err = h.decode_series(n)
        arrived = time.time() - (server.endpoint.loop.time() - n.time)
        assert err is None and [r.value for r in series] == [21.5, 22.5, 23.5]
        assert abs(series[0].time - (arrived - 60)) < 1 and abs(series[1].time - (arrived - 30)) < 1
        assert series[2].time is None                     # no time at all: "roughly now" (RFC 8428 §4.5.3)


@aio
async def test_observe_cancel_by_reset() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.GET, "/3/0/13")] = canned(codes.CONTENT, b"1", CF.TEXT, observe=1)
        h = await server.observe("m", "/3/0/13")
        token = last(client).token
        cancel = asyncio.ensure_future(server.cancel_observation(h, mode="reset", timeout=1))
        await asyncio.sleep(0.01)
        assert await client.endpoint.notify(notification(2, b"2"), server.address, token,
                                            confirmable=True) == "reset"
        assert await cancel is None
        assert await client.endpoint.notify(notification(3, b"3"), server.address, token,
                                            confirmable=False) == "sent"


@aio
async def test_observe_with_attributes_query() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client)
        client.canned[(codes.GET, "/3/0/13")] = canned(codes.CONTENT, b"1", CF.TEXT)
        h = await server.observe("m", "/3/0/13", query=("pmin=1",))
        assert tuple(last(client).opt.uri_query) == ("pmin=1",)
        assert not h.established                   # the client answered without Observe


# --------------------------------------------------------------------------- queue mode
@aio
async def test_queue_mode_operation_waits_for_the_next_update() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client, "Q")
        client.canned[(codes.GET, "/3/0/0")] = canned(codes.CONTENT, b"ACME", CF.TEXT)
        reg = server.registrations["m"]
        assert reg.queue_mode
        reg.awake_until = server.endpoint.loop.time() - 1      # the client has gone to sleep
        n_before = len(client.requests)
        op = asyncio.ensure_future(server.read("m", "/3/0/0", timeout=2))
        await asyncio.sleep(0.15)
        assert not op.done() and len(client.requests) == n_before   # held, nothing sent
        assert (await client.update()).code == codes.CHANGED          # the client wakes up
        res = await op
        assert res.ok and res.value("/3/0/0") == "ACME"


@aio
async def test_queue_mode_awake_client_is_not_held() -> None:
    async with server_and_client() as (server, client):
        await registered(server, client, "Q")
        client.canned[(codes.GET, "/3/0/0")] = canned(codes.CONTENT, b"ACME", CF.TEXT)
        res = await server.read("m", "/3/0/0")       # right after Register: awake for MAX_TRANSMIT_WAIT
        assert res.ok
