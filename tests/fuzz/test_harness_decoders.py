"""The harness's own decoders, fuzzed: nothing a device sends may crash meterproof.

Arbitrary device-like datagrams go through the same paths a real answer takes:
the endpoint's receive path, :class:`Lwm2mServer` result building (every
content format, link format), the registration interface (Register / Update /
Send with fuzzed queries and payloads) and :meth:`Transcript.render`.  Decode
problems must come back as data (``decode_error``, a 4.xx answer, a
``[payload did not decode]`` line), never as an exception.
"""

from __future__ import annotations

import asyncio
import time

from aiocoap.numbers import codes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meterproof.coap import wire
from meterproof.coap.endpoint import WireEvent
from meterproof.errors import ProtocolError
from meterproof.fuzz import packets
from meterproof.fuzz import strategies_coap as sc
from meterproof.fuzz import strategies_payloads as sp
from meterproof.lwm2m.formats import link
from meterproof.errors import FormatError
from meterproof.lwm2m.model.catalog import default_catalog
from meterproof.lwm2m.path import Path
from meterproof.lwm2m.registration import ObjectList, RegistrationRejected
from meterproof.lwm2m.server import Lwm2mServer
from meterproof.report.transcript import Transcript
from support.device_answers import FORMATS, answers

SETTINGS = settings(max_examples=150, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))
CATALOG = default_catalog()


def _server() -> Lwm2mServer:
    return Lwm2mServer(model=lambda reg: CATALOG)


@SETTINGS
@given(raw=st.one_of(answers(), sc.datagrams()), path=st.sampled_from(["/", "/3", "/3/0", "/3/0/0", "/5/0/3",
                                                                          "/3/0/11/0"]))
def test_result_building_never_raises(raw, path):
    srv = _server()
    try:
        resp = wire.decode(raw)
    except ProtocolError:
        return
    if resp.code.is_request() or resp.code == 0:
        return
    req = wire.new(codes.GET, uri_path=tuple(str(i) for i in Path.parse(path).ids))
    res = srv._result("Read", Path.parse(path), req, resp, [], None, True)
    assert res.code == resp.code
    if res.decode_error is not None:
        assert isinstance(res.decode_error, str)


@SETTINGS
@given(query=sc.query_items(), payload=st.one_of(sp.link_payloads(), st.binary(max_size=60)),
       kind=st.sampled_from(["register", "update", "send", "deregister", "other"]),
       cf=st.sampled_from(FORMATS))
def test_registration_interface_never_raises(query, payload, kind, cf):
    """What a (broken) device sends to the server: answered with a code, never an exception."""
    srv = _server()

    async def go() -> None:
        srv.endpoint._loop = asyncio.get_running_loop()
        base = wire.new(codes.DELETE if kind == "deregister" else codes.POST, payload=payload)
        q = tuple(x.decode("utf-8", "replace") for x in query)
        segs = {"register": ("rd",), "update": ("rd", "abcd"), "send": ("dp",), "deregister": ("rd", "abcd"),
                "other": ("x",)}[kind]
        base.opt.uri_path = segs
        base.opt.uri_query = q if kind != "register" else ("ep=m1",) + q
        if cf is not None:
            base.opt.content_format = cf
        resp = await srv._handle(base, ("127.0.0.1", 1))
        assert resp is None or resp.code.is_response()

    asyncio.run(go())


@SETTINGS
@given(payload=st.one_of(sp.link_payloads(), st.binary(max_size=60)))
def test_link_and_object_list_parsers_raise_only_format_errors(payload):
    for fn in (link.parse, ObjectList.parse):
        try:
            fn(payload)
        except (FormatError, RegistrationRejected, UnicodeDecodeError):
            pass


@SETTINGS
@given(raws=st.lists(st.one_of(answers(), sc.datagrams(), sc.unexpected_messages(),
                                sc.lwm2m_requests(sp.payloads())), min_size=1, max_size=6))
def test_transcript_render_never_raises(raws):
    t = Transcript()
    now = time.monotonic()
    for i, raw in enumerate(raws):
        try:
            msg = wire.decode(raw)
        except ProtocolError:
            msg = None
        t.events.append(WireEvent("in" if i % 2 else "out", ("127.0.0.1", 5683), raw, msg, time.time(), now + i,
                                  wire.check(raw)))
    text = t.render()
    assert isinstance(text, str) and text.count("\n") >= len(raws) - 1
