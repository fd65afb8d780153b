"""Robustness against malformed input: the device rejects or ignores it, answers in time, and stays alive.

Messages are hand-built byte by byte (:mod:`meterproof.fuzz.packets`) and sent on the
server's own socket toward the registered device.  A CON is retransmitted as RFC 7252 §4.2
retransmits any CON (same bytes, same message ID, back-off up to MAX_RETRANSMIT), so a datagram
the link loses is not taken for a device that ignores it; a conformant device answers each copy
(§4.5).  Liveness is a Read of /3/0/0 afterwards (:func:`meterproof.fixtures.expect.alive`).

"In time" is PROCESSING_DELAY plus one retransmission window plus the lateness tolerance,
counted from the copy that reached the device (the last transmission before the first answer);
while waiting the harness pings the device (CoAP ping, §4.3) every ACK_TIMEOUT/5, and a device
that stalls after bad input -- silent to the input and to every ping for longer than that -- is
caught however the retransmissions fall.
"""

from __future__ import annotations

from typing import Any

from meterproof.fixtures import CF, P, codes, expect, mp
from meterproof.fixtures.security import UDP_DATAGRAMS, transport
from meterproof.fuzz import packets
from meterproof.lwm2m.formats.tlv import tlv_header

pytestmark = transport("udp", reason=UDP_DATAGRAMS)

ROB = dict(epic="Robustness", feature="Malformed input")


def _answer_budget(timing: Any) -> float:
    """How long the device may take to answer the copy of a CON that reached it, or fall silent."""
    p = timing.params
    return p.ack_timeout * p.ack_random_factor + p.processing_delay + timing.late


def _device_path(dut: Any, path: str) -> str:
    return "/" + "/".join(dut.registration.device_path(P(path)))


def _exchange(server: Any, dut: Any, data: bytes, timeout: float, timing: Any) -> Any:
    """Send ``data`` (a CON: retransmitted up to MAX_RETRANSMIT times, pinging the device while waiting);
    the :class:`~meterproof.coap.raw.RawExchange`, ending at the first answer or ``timeout`` after the last copy."""
    return server.raw_send(dut.endpoint, data, timeout=timeout, heartbeat=timing.params.ack_timeout / 5)


def _replies(exchange: Any) -> list[Any]:
    """The device's decodable datagrams carrying the message ID of what was sent."""
    return [ev.message for ev in exchange.answers if ev.message is not None]


@mp("MP-ROB-OPT", "Reserved option nibble 15", **ROB,
    clause="RFC 7252 §3.1 (nibble 15 is a message format error) and §4.2 (reject a CON with RST)")
def test_reserved_option_nibble(server, dut, timing, transcript):
    """Send a CON GET /3/0 whose option delta nibble is 15 (a message format error).
    Pass: the device answers RST, 4.00 or 4.02, or nothing — never a successful response.
    Pass: the device still answers a Read of /3/0/0."""
    mid, token = server.aio.endpoint.next_mid(), server.aio.endpoint.new_token()
    bad = packets.get_with_reserved_delta(_device_path(dut, "/3/0"), mid, token)
    for reply in _replies(_exchange(server, dut, bad, _answer_budget(timing), timing)):
        expect.true(reply.mtype == packets.RST or reply.code in (codes.BAD_REQUEST, codes.BAD_OPTION),
                    "answer to a message with option nibble 15", "RST, 4.00, 4.02 or none",
                    f"{reply.mtype.name} {reply.code}")
    expect.alive(server, dut.endpoint)


@mp("MP-ROB-TLV", "TLV length beyond the payload", **ROB,
    clause="OMA TS Transport 1.1 §6.3 Table 'Write' (4.00 Bad Request: the format of the data to be written is "
           "different; the table lists the only valid codes); TLV in TS Core 1.1 §7.4.3 / TS 1.0 §6.4.3")
def test_lying_tlv_length(server, dut, timing, transcript, security_run):
    """POST /1/x (partial Write on the Server instance serving us) in TLV: the Lifetime resource (1) whose length
    field says 32 bytes, 2 follow.
    Raw bytes, a CON retransmitted by RFC 7252's rules; the device is pinged while the harness waits.
    Pass: 4.00 Bad Request (a device that serves no TLV -- optional from LwM2M 1.1, TS Core 1.1 §7.4 -- may
    answer 4.15 Unsupported Content-Format instead), answered in time (no stall: never silent to the Write and
    every ping for longer than the answer budget, and the answer in time after the copy that reached the device).
    Pass: the device still answers a Read of /3/0/0."""
    if security_run.oscore is not None:
        expect.not_applicable("the malformed TLV is sent as plaintext CoAP on the raw path; under OSCORE the device "
                              "refuses any unprotected request before its TLV parser sees it (MP-OSCORE-UNPROTECTED)")
    lying = tlv_header(3, 1, 32) + b"\x0e\x10"
    mid, token = server.aio.endpoint.next_mid(), server.aio.endpoint.new_token()
    write = packets.request(packets.POST, _device_path(dut, dut.server_path()), mid, token, content_format=CF.TLV,
                            payload=lying)
    budget = _answer_budget(timing)
    ex = _exchange(server, dut, write, budget, timing)
    replies = _replies(ex)
    expect.true(bool(replies), "answer to the malformed Write", f"4.00 within {budget:.1f}s of a copy",
                f"none ({ex.describe()})")
    expect.true(ex.silence <= budget, "device answering while it handles the malformed Write",
                f"no silence longer than {budget:.1f}s", f"silent for {ex.silence:.1f}s, the Write and every "
                f"ping unanswered: a stall ({ex.describe()})")
    expect.true(ex.answer_delay is not None and ex.answer_delay <= budget, "answer to the malformed Write in time",
                f"within {budget:.1f}s of the copy that reached the device", ex.describe())
    allowed = (codes.BAD_REQUEST,) if dut.serves(CF.TLV) else (codes.BAD_REQUEST, codes.UNSUPPORTED_CONTENT_FORMAT)
    expect.true(replies[0].code in allowed, "response code to the malformed Write",
                " or ".join(c.dotted for c in allowed), f"{replies[0].code.dotted} {replies[0].code.name_printable}")
    expect.alive(server, dut.endpoint)


@mp("MP-ROB-ACK", "ACK and RST with unknown message IDs", **ROB,
    clause="RFC 7252 §4.2/§4.3: an ACK or RST that matches nothing is silently ignored")
def test_unexpected_ack_and_reset(server, dut, timing, transcript):
    """Send an empty ACK, then an empty RST, each with a message ID the device never used.
    Pass: the device ignores both silently (no answer with that message ID).
    Pass: the device still answers a Read of /3/0/0."""
    for mtype in (packets.ACK, packets.RST):
        stray = packets.empty(mtype, server.aio.endpoint.next_mid())
        replies = _replies(_exchange(server, dut, stray, timing.params.processing_delay, timing))
        expect.true(not replies, f"answer to an unexpected {'ACK' if mtype == packets.ACK else 'RST'}",
                    "silence", ", ".join(f"{m.mtype.name} {m.code}" for m in replies))
    expect.alive(server, dut.endpoint)
