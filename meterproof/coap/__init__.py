"""The CoAP endpoint: transports, message layer, Observe (RFC 7641) and block-wise transfer (RFC 7959).

Wire encoding comes from aiocoap's ``Message``; everything above the bytes —
retransmission, deduplication, token matching, observation bookkeeping,
block-wise reassembly and the strict wire checks that turn a device's malformed
message into a finding — is ours, because a test harness must see and judge
every datagram instead of having a library hide it.
"""

from .params import TransmissionParams

__all__ = ["TransmissionParams"]
