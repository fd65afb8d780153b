"""A hypothesis strategy for what a device answers: any response code, a Content-Format right or wrong, a fuzzed
body — shared by the fuzz tests of the harness's decoders and of the suites' helpers."""

from __future__ import annotations

from aiocoap import Message
from hypothesis import strategies as st

from meterproof.coap import wire
from meterproof.errors import ProtocolError
from meterproof.fuzz import packets
from meterproof.fuzz import strategies_coap as sc
from meterproof.fuzz import strategies_payloads as sp

FORMATS = [None, 0, 40, 42, 60, 110, 112, 11542, 11543, 11544, 65535]


@st.composite
def answers(draw: st.DrawFn, *, any_type: bool = True, location: bool = True) -> bytes:
    """One response datagram: ``any_type`` draws ACK, CON or NON (else ACK); ``location`` may add Location-Path."""
    cf = draw(st.sampled_from(FORMATS))
    _, body = draw(sp.payloads())
    body = draw(st.one_of(st.just(body), sp.link_payloads(), st.binary(max_size=40)))
    opts = [] if cf is None else [(12, packets.uint(cf))]
    if location and draw(st.booleans()):
        opts.append((8, b"rd"))                                       # Location-Path
    code = draw(st.sampled_from(sc.RESPONSE_CODES))
    mtype = draw(st.sampled_from([packets.ACK, packets.CON, packets.NON])) if any_type else packets.ACK
    return packets.message(mtype, code, draw(st.integers(0, 0xFFFF)), b"\x01\x02", opts, body)


def decoded(raw: bytes) -> Message | None:
    """The datagram as a message, or None when even the message layer refuses it."""
    try:
        return wire.decode(raw)
    except ProtocolError:
        return None
