"""DTLS record-level fuzzing: records the device's DTLS stack receives beside its session.

Over ``--security psk|cert`` every other case of this folder already runs
*inside* the device's DTLS session (its CoAP bytes are encrypted into the
session).  This case sends what the harness, as the DTLS server, can put on the
wire *next to* the session, unencrypted, toward the device's address
(:mod:`meterproof.fuzz.strategies_dtls`): epoch-0 alerts and handshake messages
with lying lengths, versions and fragment offsets, ChangeCipherSpec with odd
bodies, plaintext application data, garbage ciphertext at epoch 1, unknown
content types, several records per datagram.  None of them is authenticated,
so a conformant device drops every one (RFC 6347 §4.1.2.7) and its session
keeps working; the liveness probe after each goes inside the session.
"""

from __future__ import annotations

import functools

from meterproof.fixtures import expect, mp
from meterproof.fixtures.security import channel, transport
from meterproof.fuzz import strategies_dtls as sd
from meterproof.fuzz.campaign import hypothesis_cases

pytestmark = transport("udp", reason="fuzzes DTLS records (RFC 6347); over TCP the channel is TLS")


@functools.lru_cache(maxsize=1)
def cases() -> list[bytes]:
    return hypothesis_cases(sd.records(), 80)


@channel("psk", "cert", reason="DTLS record fuzzing needs a DTLS session with the device")
@mp("MP-FUZZ-DTLS", "Unauthenticated DTLS records beside the session (alerts, handshakes, CCS, garbage)",
    epic="Robustness", feature="Fuzzing",
    clause="RFC 6347 §4.1.2.7 (invalid records are silently discarded), §4.1.2.1 (epochs); "
           "bug corpus D1, D2, D6")
def test_fuzz_dtls_records(fuzz):
    """80 datagrams of plaintext epoch-0 alerts (every level/description), handshake messages with lying
    lengths/fragment offsets/versions, odd ChangeCipherSpec, plaintext application data, garbage at
    epoch 1 and unknown content types, sent unencrypted to the device's address, each followed by a
    probe inside the session.  Pass: the session keeps answering and the device does not re-register."""
    data = cases()
    fuzz.config.channel = "record"
    stats = fuzz.run((d, "dtls-record") for d in data)
    found = [f"{f.kind}: {f.summary}; minimal record datagram {f.case.hex()}" for f in stats.findings]
    expect.true(not found, f"DTLS session alive and no re-registration through {len(data)} record-level cases",
                "answers every probe inside the session, no re-registration", "; ".join(found))
