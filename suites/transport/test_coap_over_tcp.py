"""CoAP over TCP and TLS (RFC 8323; LwM2M binding T, TS Transport 1.1 §5, §6): the signalling every connection
carries, checked on the connection the device registered over.

Runs with ``--transport tcp`` or ``--transport tls`` (the harness's servers then listen on TCP); over UDP every
case here is not applicable.  The harness sends its own CSM first on every connection (Max-Message-Size 1152,
Block-Wise-Transfer) and keeps what the device's CSMs said per connection.
"""

from __future__ import annotations

from meterproof.errors import TimeoutError_
from meterproof.fixtures import expect, mp
from meterproof.fixtures.security import transport

TCP = dict(epic="Transport", feature="CoAP over TCP")
pytestmark = transport("tcp", reason="RFC 8323 signalling exists only on a TCP/TLS connection")

#: The Max-Message-Size MP-TCP-MMS announces: room for 16-byte blocks (SZX 0, RFC 7959 §2.2) with header and options.
SMALL_MMS = 96


@mp("MP-TCP-CSM", "The device's first message on the connection is a CSM", **TCP,
    clause="RFC 8323 §5.3: each endpoint MUST send a Capabilities and Settings Message (7.01) as its first "
    "message on the connection")
def test_csm_first(server, dut, transcript):
    peer = server.aio.peer_settings(dut.endpoint)
    expect.true(peer is not None and peer.csm_received, "CSM from the device on its connection", "received (7.01)",
                "none" if peer is None else peer.describe())
    first = [p for p in peer.problems if "first message" in p]
    expect.true(not first, "first message of the device on the connection", "7.01 CSM", "; ".join(first))


@mp("MP-TCP-PING", "The device answers a Ping with a Pong carrying its token", **TCP,
    clause="RFC 8323 §5.4: the receiver of a Ping (7.02) MUST send a Pong (7.03) with the same token")
def test_ping_pong(server, dut, timing, transcript):
    # a Pong is a turnaround like an ACK: PROCESSING_DELAY (RFC 7252 §4.8.2) plus the usual lateness
    wait = timing.params.processing_delay + timing.late
    try:
        pong = server.ping(dut.endpoint, timeout=wait)
    except TimeoutError_ as exc:
        expect.true(False, "Pong to the harness's Ping", f"7.03 within {wait:.1f}s", str(exc))
    expect.equal(str(pong.code), "7.03 Pong", "answer to the Ping")


@mp("MP-TCP-MMS", "The device sends no message larger than the Max-Message-Size the harness announced", **TCP,
    clause="RFC 8323 §5.3.1: Max-Message-Size is the largest message (header, options, payload) the sender of "
    "the CSM can receive; a later CSM updates it (§5.3)")
def test_max_message_size_honoured(server, dut, timing, transcript):
    path = "/3/0"
    fmt = dut.instance_format()
    full = server.read(dut.endpoint, path, accept=fmt)
    if not full.ok:
        expect.inconclusive(f"Read {path} with the base Max-Message-Size", "int-203", f"answered {full.code_text}")
    if len(full.payload) <= SMALL_MMS:
        expect.not_applicable(f"{path} is only {len(full.payload)} bytes: no answer would exceed {SMALL_MMS}")
    ep = server.aio.endpoint
    mark = len(ep.violations)
    server.lt.call(server.aio.send_csm, dut.endpoint, SMALL_MMS)
    try:
        r = server.read(dut.endpoint, path, accept=fmt)
    finally:
        server.lt.call(server.aio.send_csm, dut.endpoint, 1152)
    remote = dut.registration.remote
    over = [ev for ev in ep.violations[mark:] if ev.remote == remote and any("Max-Message-Size" in p
                                                                            for p in ev.problems)]
    expect.true(not over, f"size of the device's messages after a CSM with Max-Message-Size {SMALL_MMS}",
                f"at most {SMALL_MMS} bytes each (Block2 as needed)",
                "; ".join(f"{len(ev.raw)} bytes: {ev.summary}" for ev in over[:3]))
