"""The quick, deterministic fuzz set of the default run: a few hundred cases against the device.

Each case draws a fixed list of inputs from one family of :mod:`meterproof.fuzz`
strategies (derandomized: the same bytes on every run), sends them on the
server's socket with a liveness probe after every case (CoAP ping, then
GET /3/0/0; any answer is life) and watches for a re-registration.  A device
that goes silent or reboots fails the case; the failure names the minimal
input (shrunk by delta debugging against the device) in hex.  Requests a
conformant meter obeys disruptively (Reboot, Disable, server rewrites) are
never drawn.  Lab mode (``--fuzz-budget``) is ``test_fuzz_lab.py``.
"""

from __future__ import annotations

from meterproof.fixtures import expect, mp
from meterproof.fixtures.fuzzing import run_family
from meterproof.fixtures.security import UDP_DATAGRAMS, transport

pytestmark = transport("udp", reason=UDP_DATAGRAMS)

FUZZ = dict(epic="Robustness", feature="Fuzzing")
ALIVE = "RFC 7252 §4.2/§4.3 (reject or ignore malformed and unexpected messages); a meter must survive any input"


@mp("MP-FUZZ-COAP", "Byte-level CoAP datagrams (header fields, raw option nibbles, odd tails)", **FUZZ, clause=ALIVE)
def test_fuzz_coap_datagrams(fuzz):
    """120 datagrams: any version/type/TKL/code, TKL independent of the token, options as raw
    delta/length nibbles with extension bytes (13/14/15, cut short, wrapping), tails FF/F0/0F.
    Pass: the device answers the probe after every one and does not reboot."""
    run_family(fuzz, "coap")


@mp("MP-FUZZ-UNEXPECTED", "Messages the device never asked for (ACK, RST, responses)", **FUZZ,
    clause="RFC 7252 §4.2/§4.3 (unmatched ACK/RST ignored), §5.3.2 (unmatched responses rejected)")
def test_fuzz_unexpected_messages(fuzz):
    """40 stray ACKs, RSTs and responses with unknown message IDs and tokens (every response code,
    4.13 with/without Size1, 2.31, truncated options).  Pass: alive after each, no reboot."""
    run_family(fuzz, "unexpected")


@mp("MP-FUZZ-BLOCK", "Block-wise edge values (SZX 7, huge NUM, M on the last block, Size lies)", **FUZZ,
    clause="RFC 7959 §2.2-§2.5 (4.00/4.13/4.08 for bad blocks), TS Transport 1.1 §6.4")
def test_fuzz_blockwise(fuzz):
    """40 GET/PUT/POST/FETCH with Block1/Block2 at their edges and Size1/Size2 that lie.
    Pass: alive after each, no reboot."""
    run_family(fuzz, "block")


@mp("MP-FUZZ-QUERY", "URI queries and Write-Attributes values", **FUZZ,
    clause="OMA TS Core 1.1 §5.1.2 (attributes), RFC 7252 §6.5 (Uri-Query)")
def test_fuzz_queries(fuzz):
    """60 Write-Attributes / Discover requests: unknown names, names without '=', int64 edges, NaN,
    truncated percent escapes, some with malformed Uri-Query encodings.  Pass: alive, no reboot."""
    run_family(fuzz, "query")


@mp("MP-FUZZ-TLV", "TLV writes with lying lengths, every length type, nesting", **FUZZ,
    clause="OMA TS Core 1.1 §7.4.3 (TLV); TS Transport 1.1 Table 6.4-1 (4.00 Bad Request)")
def test_fuzz_tlv(fuzz):
    """40 Writes in TLV (11542): lengths that lie (0, ±1, 255/256/65535/65536, 2^24-1), 8/16-bit ids,
    in-type/8/16/24-bit lengths, nesting, short ints and floats.  Pass: alive, no reboot."""
    run_family(fuzz, "tlv")


@mp("MP-FUZZ-SENML", "SenML JSON/CBOR writes, and bodies declared as another format", **FUZZ,
    clause="RFC 8428 (SenML), OMA TS Core 1.1 §7.4.5-7.4.6; TS Transport 1.1 Table 6.4-1 (4.00/4.15)")
def test_fuzz_senml(fuzz):
    """40 writes with SenML records without n, bn only, int64/float edges, text CBOR labels,
    truncated documents — some declared as TLV or text (type confusion).  Pass: alive, no reboot."""
    run_family(fuzz, "senml")


@mp("MP-FUZZ-STATEFUL", "Walks over registration, observe and firmware-update states", **FUZZ,
    clause="OMA TS Core 1.1 §6.3-§6.4, Appendix E.6; RFC 7641 §3.6/§4.1")
def test_fuzz_state_walk(fuzz, dut):
    """Hypothesis stateful walks (derandomized): reads, Write-Attributes, Observe and cancel (GET and RST),
    the Update Trigger of the Server instance serving us, and -- on a device that claims firmware push and
    registers /5 -- firmware package writes and Update executes, with stray ACK/RST between them.
    Pass: alive after every step, no reboot, /5/0/3 only moves along Appendix E.6."""
    from meterproof.fuzz.stateful import WalkFailure, WalkNotRecurring, run_walk
    firmware = dut.profile.claims("firmware-push") and 5 in dut.registered_objects()
    try:
        run_walk(fuzz, examples=4, steps=15, shrink=False, account=dut.server_path(), firmware=firmware)
    except WalkFailure as exc:
        expect.fail("state walk", "every invariant holds after every step", str(exc).splitlines()[0])
    except WalkNotRecurring as exc:
        expect.inconclusive("the state walk", "MP-FUZZ-COAP and the reporting cases", str(exc).splitlines()[0])
