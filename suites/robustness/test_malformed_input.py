"""Robustness against malformed input: the device rejects or ignores it, answers in time, and stays alive.

Messages are hand-built byte by byte (:mod:`meterproof.fuzz.packets`) and sent on the
server's own socket toward the registered device.  Liveness is a Read of /3/0/0 afterwards
(:func:`fixtures.expect.alive`).  "In time" is PROCESSING_DELAY plus one retransmission
window plus the lateness tolerance: a device that stalls after bad input misses it.
"""

from __future__ import annotations

from typing import Any

from fixtures import CF, P, codes, expect, mp
from meterproof.fuzz import packets
from meterproof.lwm2m.formats.tlv import tlv_header

ROB = dict(epic="Robustness", feature="Malformed input")


def _answer_budget(timing: Any) -> float:
    """How long an answer to one CON may take, one lost datagram included."""
    p = timing.params
    return p.ack_timeout * p.ack_random_factor + p.processing_delay + timing.late


def _device_path(dut: Any, path: str) -> str:
    return "/" + "/".join(dut.registration.device_path(P(path)))


def _replies(server: Any, dut: Any, data: bytes, timeout: float) -> list[Any]:
    """Send ``data`` once; the device's datagrams carrying its message ID within ``timeout``."""
    mid = int.from_bytes(data[2:4], "big")
    got = server.raw_send(dut.endpoint, data, timeout=timeout)
    return [ev.message for ev in got if ev.message is not None and ev.message.mid == mid]


@mp("MP-ROB-OPT", "Reserved option nibble 15", **ROB,
    clause="RFC 7252 §3.1 (nibble 15 is a message format error) and §4.2 (reject a CON with RST)")
def test_reserved_option_nibble(server, dut, timing, transcript):
    """Send a CON GET /3/0 whose option delta nibble is 15 (a message format error).
    Pass: the device answers RST, 4.00 or 4.02, or nothing — never a successful response.
    Pass: the device still answers a Read of /3/0/0."""
    mid, token = server.aio.endpoint.next_mid(), server.aio.endpoint.new_token()
    bad = packets.get_with_reserved_delta(_device_path(dut, "/3/0"), mid, token)
    for reply in _replies(server, dut, bad, _answer_budget(timing)):
        expect.true(reply.mtype == packets.RST or reply.code in (codes.BAD_REQUEST, codes.BAD_OPTION),
                    "answer to a message with option nibble 15", "RST, 4.00, 4.02 or none",
                    f"{reply.mtype.name} {reply.code}")
    expect.alive(server, dut.endpoint)


@mp("MP-ROB-TLV", "TLV length beyond the payload", **ROB,
    clause="OMA TS Core 1.1 §6.4.3 TLV (length of the value); TS Transport 1.1 Table 6.4-1 (4.00 Bad Request)")
def test_lying_tlv_length(server, dut, timing, transcript):
    """POST /1/x (partial Write on the Server instance serving us) in TLV: the Lifetime resource (1) whose length
    field says 32 bytes, 2 follow.
    Sent once, as raw bytes: a retransmission would hide a stall.
    Pass: 4.00 Bad Request, answered in time (no stall).
    Pass: the device still answers a Read of /3/0/0."""
    lying = tlv_header(3, 1, 32) + b"\x0e\x10"
    mid, token = server.aio.endpoint.next_mid(), server.aio.endpoint.new_token()
    write = packets.request(packets.POST, _device_path(dut, dut.server_path()), mid, token, content_format=CF.TLV,
                            payload=lying)
    replies = _replies(server, dut, write, _answer_budget(timing))
    expect.true(bool(replies), "answer to the malformed Write", f"4.00 within {_answer_budget(timing):.1f}s",
                "none (sent once, no retransmission)")
    expect.equal(replies[0].code, codes.BAD_REQUEST, "response code to the malformed Write")
    expect.alive(server, dut.endpoint)


@mp("MP-ROB-ACK", "ACK and RST with unknown message IDs", **ROB,
    clause="RFC 7252 §4.2/§4.3: an ACK or RST that matches nothing is silently ignored")
def test_unexpected_ack_and_reset(server, dut, timing, transcript):
    """Send an empty ACK, then an empty RST, each with a message ID the device never used.
    Pass: the device ignores both silently (no answer with that message ID).
    Pass: the device still answers a Read of /3/0/0."""
    for mtype in (packets.ACK, packets.RST):
        stray = packets.empty(mtype, server.aio.endpoint.next_mid())
        replies = _replies(server, dut, stray, timing.params.processing_delay)
        expect.true(not replies, f"answer to an unexpected {'ACK' if mtype == packets.ACK else 'RST'}",
                    "silence", ", ".join(f"{m.mtype.name} {m.code}" for m in replies))
    expect.alive(server, dut.endpoint)
