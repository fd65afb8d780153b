"""Regulatory checks on what a secure device exposes without authentication (REG-SURF-02, REG-AC-07).

A device in a secure mode speaks LwM2M only inside DTLS (OMA LwM2M TS Transport 1.1 §5.2.1: the Security modes
PSK, RPK and Certificate secure every exchange; RFC 6347 §4.1.2.7: records that do not verify are silently
discarded).  So an unprotected CoAP request (RFC 7252 §3) to the port the device talks from, or to the default
CoAP port 5683 (RFC 7252 §6.1) on its address, must get no answer in clear and change nothing.  Evidenced
provisions: ETSI EN 303 645 5.5-4 (access to device functionality via a network interface in the initialised
state should only be possible after authentication), 5.5-5 (security-relevant changes in configuration via a
network interface shall only be performed after authentication), 5.6-2 (minimise unauthenticated disclosure of
security-relevant information), the matching ETSI TS 103 701 test cases 5.5-4-2, 5.5-5-2, 5.6-2-2; EN 18031-1
ACM-1, AUM-1, GEC-2; EU CRA Annex I Part I (2)(d),(j).
"""

from __future__ import annotations

import json
import secrets

from aiocoap.numbers import codes as coap_codes

from meterproof.coap import clear_probe, wire
from meterproof.lwm2m.contentformat import CF

from meterproof.fixtures import codes, expect, mp, regulation
from meterproof.fixtures.security import UDP_DATAGRAMS, channel, transport

REG = dict(epic="Regulatory", feature="Attack surface")
LIFETIME = 1


def _window(timing) -> float:  # type: ignore[no-untyped-def]
    """How long answers in clear are awaited: a CON that is not acknowledged within ACK_TIMEOUT x ACK_RANDOM_FACTOR
    is retransmitted (RFC 7252 §4.2), so an endpoint that answers at all does so before that, plus slack."""
    return timing.retransmission + timing.s(0.5)


def _get(path: str):  # type: ignore[no-untyped-def]
    return lambda: wire.new(coap_codes.GET, uri_path=[p for p in path.split("/") if p])


def _attach(name: str, data: object) -> None:
    try:
        import allure
        allure.attach(json.dumps(data, indent=1, default=str), name=name, attachment_type=allure.attachment_type.JSON)
    except Exception:   # the report must not depend on it
        pass


def _judge(probes: list[clear_probe.ClearProbe], what: str, clause: str) -> None:
    """No response in clear: a response code (2.xx-5.xx) or a payload fails; a bare ACK/RST is a warning (a CoAP
    endpoint is listening in clear, but tells nothing)."""
    answered = [p for p in probes if p.answers]
    responses, bare = [], []
    for p in answered:
        for raw in p.answers:
            try:
                m = wire.decode(raw)
                (responses if m.code != coap_codes.EMPTY or m.payload else bare).append(p.line())
            except Exception:
                responses.append(p.line())
    for line in dict.fromkeys(bare):
        expect.should(False, f"{what}: empty ACK/RST", "nothing in clear", line, clause=clause)
    expect.true(not responses, what, "no answer in clear", "; ".join(dict.fromkeys(responses)), clause=clause)


@mp("REG-SURF-02", "No unauthenticated access: plain CoAP to the device's port and to 5683 gets no answer in clear",
    clause="OMA LwM2M TS Transport 1.1 §5.2.1 (LwM2M over DTLS in the secure modes); RFC 6347 §4.1.2.7; ETSI EN "
    "303 645 5.5-4, 5.6-2; ETSI TS 103 701 5.5-4-2(a), 5.6-2-2(a)", **REG)
@channel("psk", "cert")
@transport("udp", reason=UDP_DATAGRAMS)
@regulation("ETSI EN 303 645 5.5-4", "ETSI EN 303 645 5.6-2", "ETSI TS 103 701 5.5-4-2", "ETSI TS 103 701 5.6-2-2",
            "EN 18031-1 GEC-2", "EU CRA Annex I Part I (2)(d)", "EU CRA Annex I Part I (2)(j)",
            "OMA LwM2M TS Transport §5.2.1")
def test_no_unauthenticated_access(server, dut, timing, loop_thread, transcript):
    """Unprotected GET /.well-known/core, GET /3/0 and GET /0/0 from another socket of the harness to the
    port the device registered from and to 5683 on its address; answers are collected until a CON would be retransmitted (RFC 7252 §4.2)."""
    host, port = dut.address
    targets = list(dict.fromkeys([(host, port), (host, clear_probe.COAP_PORT)]))
    reqs = [_get(".well-known/core"), _get("3/0"), _get("0/0")]
    probes = loop_thread.run(clear_probe.probe(targets, reqs, _window(timing)), timeout=_window(timing) + 10)
    _attach("plain CoAP probes", [p.line() for p in probes])
    _judge(probes, "unprotected CoAP requests to the device", "OMA LwM2M TS Transport 1.1 §5.2.1; ETSI EN 303 645 "
           "5.5-4")


@mp("REG-AC-07", "Unauthenticated configuration is ignored: plain CoAP and forged records change nothing",
    clause="OMA LwM2M TS Transport 1.1 §5.2.1; RFC 6347 §4.1.2.7 (records that fail to verify are discarded); "
    "ETSI EN 303 645 5.5-5; ETSI TS 103 701 5.5-5-2(a)", **REG)
@channel("psk", "cert")
@transport("udp", reason=UDP_DATAGRAMS)
@regulation("ETSI EN 303 645 5.5-5", "ETSI TS 103 701 5.5-5-2", "EN 18031-1 ACM-1", "EN 18031-1 AUM-1",
            "EU CRA Annex I Part I (2)(d)", "OMA LwM2M TS Transport §5.2.1")
def test_unauthenticated_configuration_ignored(server, dut, timing, loop_thread, transcript):
    """The Lifetime of the account serving us (/1/x/1) is read inside the session; then a Write of another
    value and an Execute of the Registration Update Trigger (/1/x/8) go to the device's port in clear, from
    another socket and from the Server's own address (spoofed), and a forged epoch-1 application-data record
    from the Server's address.  Pass: no answer in clear, no Update, and the authenticated Read shows the
    Lifetime unchanged."""
    path = dut.server_path(LIFETIME)
    with expect.supporting(f"read the Lifetime {path} inside the session", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, path, accept=CF.TEXT)
        expect.code(r, codes.CONTENT)
        before = r.payload
    wanted = str(int(before or b"0") + 77).encode() if (before or b"").isdigit() else b"86400"
    host, port = dut.address
    segs = [p for p in path.split("/") if p]
    writes = [lambda: wire.new(coap_codes.PUT, uri_path=segs, payload=wanted, content_format=CF.TEXT),
              lambda: wire.new(coap_codes.POST, uri_path=segs[:2] + ["8"])]
    mark = server.mark()
    own = server.aio.endpoint.transport
    forged = bytes([23]) + (0xFEFD).to_bytes(2, "big") + (1).to_bytes(2, "big") + secrets.token_bytes(6) + \
        (40).to_bytes(2, "big") + secrets.token_bytes(40)

    async def go():  # type: ignore[no-untyped-def]
        import asyncio
        runs = [clear_probe.probe([(host, port)], writes, _window(timing))]
        if hasattr(own, "send_record"):
            own.send_record(forged, (host, port))
            runs.append(clear_probe.probe([(host, port)], writes, _window(timing), send=own.send_record,
                                          received=lambda: [(d, a) for a, d in getattr(own, "plaintext", [])]))
        return [p for got in await asyncio.gather(*runs) for p in got]
    probes = loop_thread.run(go(), timeout=_window(timing) + 10)
    _attach("unauthenticated configuration attempts", [p.line() for p in probes] + ["forged epoch-1 record "
                                                                                     "from the Server's address"])
    _judge(probes, "unprotected configuration requests", "OMA LwM2M TS Transport 1.1 §5.2.1")
    expect.true(server.no_event(("updated", "registered"), dut.endpoint, since=mark, within=timing.s(0.5)),
                "Update or Register after the unprotected Execute of /1/x/8", "none", "the device acted on it")
    with expect.supporting(f"read the Lifetime {path} again inside the session", "int-224 (Read on Resource)"):
        after = server.read(dut.endpoint, path, accept=CF.TEXT)
        expect.code(after, codes.CONTENT)
    expect.true(after.payload == before, f"{path} after the unprotected Write of {wanted.decode()}",
                f"unchanged ({bytes(before or b'').decode()})", bytes(after.payload or b"").decode())
