"""Firmware Update /5 (push and pull) and Software Management /9 of the simulated meter."""

from __future__ import annotations

import asyncio

import pytest
from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.endpoint import Endpoint
from meterproof.coap.transport import UdpTransport
from meterproof.lwm2m.contentformat import CF
from meterproof.lwm2m.path import P
from meterproof.sim.firmware_image import TAMPER, UNTRUSTED_KEY, ImageError, build_image, parse_image


def _wait_state(rig, state, result=None, timeout=3.0):
    async def poll():
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            res = await rig.aio.read(rig.ep, "/5/0", accept=CF.TLV)
            if res.ok and res.values[P("/5/0/3")] == state and (result is None or res.values[P("/5/0/5")] == result):
                return res.values
            await asyncio.sleep(0.05)
        raise AssertionError(f"/5/0 never reached state {state} result {result}: {res.values}")
    return rig.run(poll())


def test_image_format_round_trip():
    img = build_image("2.1.0", b"x" * 100)
    assert parse_image(img).version == "2.1.0"
    with pytest.raises(ImageError) as bad:
        parse_image(build_image("2.1.0", corrupt=True))
    assert bad.value.result == 5
    with pytest.raises(ImageError) as wrong:
        parse_image(b"ELF\x00" + b"\x00" * 60)
    assert wrong.value.result == 6
    packed = build_image("2.1.0", b"y" * 5000, compressed=True)
    assert len(packed) < 1000 and parse_image(packed).body == b"y" * 5000
    with pytest.raises(ImageError) as ram:
        parse_image(packed, ram=4999)
    assert ram.value.result == 3


@pytest.mark.parametrize("kind", ["unsigned", "wrong-signer", *TAMPER])
def test_image_signature_checked(kind):
    """The vendor's signature covers everything; no signature, another signer or one changed byte is Result 5,
    and only an unchecked signature (the fw-signature-unchecked defect) lets a changed payload through."""
    signer = {"unsigned": None, "wrong-signer": UNTRUSTED_KEY}.get(kind, build_image.__kwdefaults__["signer"])
    img = build_image("2.1.0", b"z" * 64, signer=signer, tamper=kind if kind in TAMPER else None)
    with pytest.raises(ImageError) as refused:
        parse_image(img)
    assert refused.value.result == 5
    if kind != "manifest":          # a changed version string breaks the digest too
        assert parse_image(img, trusted=None).version == "2.1.0"


def test_push_update_end_to_end(rig):
    assert _wait_state(rig, 0, 0)[P("/5/0/9")] == 2
    assert rig.server.write(rig.ep, "/5/0/0", b"\0", content_format=CF.OPAQUE).code_text == "2.04"
    image = build_image("1.1.0", bytes(range(256)) * 20)          # > 1 block: Block1 transfer
    res = rig.server.write(rig.ep, "/5/0/0", image, content_format=CF.OPAQUE)
    assert res.code_text == "2.04" and any(r.code == codes.CONTINUE for _, r in res.exchanges)
    assert _wait_state(rig, 2, 0)[P("/5/0/7")] == "1.1.0"
    mark = rig.server.mark()
    assert rig.server.execute(rig.ep, "/5/0/2").code_text == "2.04"
    _wait_state(rig, 0, 1)
    rig.server.wait_event("registered", rig.ep, since=mark, timeout=3)
    assert rig.server.read(rig.ep, "/3/0/3").values == {P("/3/0/3"): "1.1.0"}


def test_execute_without_package_is_405(rig):
    assert rig.server.execute(rig.ep, "/5/0/2").code_text == "4.05"
    _wait_state(rig, 0, 0)


@pytest.mark.parametrize("image,result", [(build_image("1.2.0", corrupt=True), 5), (b"PK\x03\x04zip", 6)])
def test_bad_images_are_refused(rig, image, result):
    assert rig.server.write(rig.ep, "/5/0/0", image, content_format=CF.OPAQUE).code_text == "2.04"
    _wait_state(rig, 0, result)


def test_downgrade_refused(rig):
    rig.server.write(rig.ep, "/5/0/0", build_image("0.9.0"), content_format=CF.OPAQUE)
    _wait_state(rig, 2, 0)
    assert rig.server.execute(rig.ep, "/5/0/2").code_text == "2.04"
    _wait_state(rig, 2, 8)
    assert rig.server.read(rig.ep, "/3/0/3").values == {P("/3/0/3"): "1.0.0"}


def test_pull_over_coap_and_unsupported_schemes(rig):
    image = build_image("1.3.0", b"pulled" * 300)

    async def serve(req, remote):
        if tuple(req.opt.uri_path) == ("fw", "1.3.0"):
            return wire.new(codes.CONTENT, payload=image, content_format=CF.OPAQUE)
        return wire.new(codes.NOT_FOUND)

    async def start():
        return await Endpoint(UdpTransport("127.0.0.1", 0), handler=serve).start()
    host = rig.run(start())
    try:
        port = host.local_address[1]
        ok = rig.server.write(rig.ep, "/5/0/1", f"coap://127.0.0.1:{port}/fw/1.3.0", content_format=CF.TEXT)
        assert ok.code_text == "2.04"
        assert _wait_state(rig, 2, 0)[P("/5/0/7")] == "1.3.0"
        assert rig.server.write(rig.ep, "/5/0/1", "", content_format=CF.TEXT).code_text == "2.04"
        _wait_state(rig, 0, 0)
        rig.server.write(rig.ep, "/5/0/1", f"coap://127.0.0.1:{port}/nothing", content_format=CF.TEXT)
        _wait_state(rig, 0, 7)
    finally:
        rig.call(host.close)
    rig.server.write(rig.ep, "/5/0/1", "coap+tcp://example.com/fw.bin", content_format=CF.TEXT)   # not in /5/0/8
    _wait_state(rig, 0, 9)
    rig.server.write(rig.ep, "/5/0/1", "not a uri", content_format=CF.TEXT)
    _wait_state(rig, 0, 7)


def test_software_management_state_machine(rig):
    assert rig.server.execute(rig.ep, "/9/0/4").code_text == "4.05"          # nothing delivered
    assert rig.server.write(rig.ep, "/9/0/2", b"app-v2", content_format=CF.OPAQUE).code_text == "2.04"
    vals = rig.server.read(rig.ep, "/9/0").values
    assert vals[P("/9/0/7")] == 3 and vals[P("/9/0/9")] == 3
    assert rig.server.execute(rig.ep, "/9/0/4").code_text == "2.04"
    assert rig.server.execute(rig.ep, "/9/0/10").code_text == "2.04"
    vals = rig.server.read(rig.ep, "/9/0").values
    assert vals[P("/9/0/7")] == 4 and vals[P("/9/0/12")] is True
    assert rig.server.execute(rig.ep, "/9/0/6").code_text == "2.04"
    assert rig.server.execute(rig.ep, "/9/0/10").code_text == "4.05"
