"""Hypothesis strategies for DTLS records the harness (the DTLS *server*) can send a device.

The harness is the server side of the device's session, so what it can throw at
the device's DTLS stack is bounded by that role (bug corpus §1.4, checklist 12):

* **inside the session** — CoAP fuzz encrypted into the established session is
  the ordinary campaign over ``--security psk|cert`` (``Endpoint.send_raw``
  encrypts into the session): every CoAP strategy of :mod:`.strategies_coap`
  already runs inside DTLS there;
* **beside the session** (:func:`records`, sent unencrypted with
  ``transport.send_record`` toward the device's address, campaign channel
  ``"record"``):

  - :func:`plaintext_alerts` — epoch-0 alerts of every level and description
    (close_notify, fatal unexpected_message, bad_record_mac ...), also with
    a wrong length or a truncated body.  After the handshake a device must
    drop them: they are not authenticated (RFC 6347 §4.1.2.7);
  - :func:`plaintext_handshakes` — epoch-0 handshake messages the server role
    could send (HelloRequest, ServerHello, HelloVerifyRequest, Certificate,
    ServerHelloDone, Finished) with lying message lengths, fragment offsets
    past the end, fragment lengths larger than the message, message_seq
    values far ahead;
  - :func:`odd_records` — ChangeCipherSpec bodies other than ``01`` (CVE-2017-7243),
    application data at epoch 0 (plaintext CoAP where ciphertext is expected),
    garbage ciphertext at epoch 1 (a bad MAC: must be dropped silently),
    epochs far ahead, unknown content types (25 tls12_cid, 0, 255), every
    record version (DTLS 1.0/1.2/1.3, TLS 1.2, random), record lengths that lie
    (0, short, long, 0xFFFF) and sequence numbers at the 48-bit edges;
  - several records in one datagram, and a datagram that ends in a cut record header.

What a server cannot do — malformed ClientHellos toward a device's DTLS server,
or anything before the device starts its handshake — is out of reach of this
role; a device that listens on coaps needs a client-side fuzzer.
"""

from __future__ import annotations

from hypothesis import strategies as st

CCS, ALERT, HANDSHAKE, APPDATA = 20, 21, 22, 23
VERSIONS = (0xFEFD, 0xFEFF, 0xFEFC, 0x0303, 0x0000, 0xFFFF)
#: handshake types a server sends (RFC 5246 §7.4, RFC 6347 §4.2.1), and a few it must never send
SERVER_HANDSHAKES = (0, 2, 3, 4, 11, 12, 13, 14, 20, 1, 15, 16, 255)
ALERT_DESCS = (0, 10, 20, 21, 22, 40, 42, 47, 48, 50, 51, 70, 80, 90, 100, 115, 255)

u16 = st.one_of(st.sampled_from([0, 1, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF]), st.integers(0, 0xFFFF))
u24 = st.one_of(st.sampled_from([0, 1, 0xFFFF, 0x10000, 0xFFFFFF]), st.integers(0, 0xFFFFFF))
seq48 = st.one_of(st.sampled_from([0, 1, 2**47, 2**48 - 1]), st.integers(0, 2**48 - 1))


def record(ctype: int, body: bytes, *, version: int = 0xFEFD, epoch: int = 0, seq: int = 0,
           length: int | None = None) -> bytes:
    """One DTLS record header + body (RFC 6347 §4.1); ``length`` may lie."""
    n = len(body) if length is None else length
    return (bytes([ctype & 0xFF]) + (version & 0xFFFF).to_bytes(2, "big") + (epoch & 0xFFFF).to_bytes(2, "big")
            + (seq % 2**48).to_bytes(6, "big") + (n & 0xFFFF).to_bytes(2, "big") + body)


def handshake_fragment(mtype: int, body: bytes, *, length: int | None = None, message_seq: int = 0,
                       offset: int = 0, frag_len: int | None = None) -> bytes:
    """A DTLS handshake message header (RFC 6347 §4.2.2) + fragment; every length may lie."""
    ln = len(body) if length is None else length
    fl = len(body) if frag_len is None else frag_len
    return (bytes([mtype & 0xFF]) + (ln % 2**24).to_bytes(3, "big") + (message_seq & 0xFFFF).to_bytes(2, "big")
            + (offset % 2**24).to_bytes(3, "big") + (fl % 2**24).to_bytes(3, "big") + body)


@st.composite
def _header(draw: st.DrawFn, epoch: st.SearchStrategy[int] | None = None) -> dict:
    version = draw(st.one_of(st.just(0xFEFD), st.sampled_from(VERSIONS), st.integers(0, 0xFFFF)))
    return dict(version=version, epoch=draw(epoch if epoch is not None else st.just(0)), seq=draw(seq48))


@st.composite
def _lying_length(draw: st.DrawFn, body: bytes) -> int | None:
    return draw(st.one_of(st.none(), st.none(), st.sampled_from([0, 1, len(body) - 1, len(body) + 1, 0xFFFF]),
                          st.integers(0, 0xFFFF)))


@st.composite
def plaintext_alerts(draw: st.DrawFn) -> bytes:
    """Epoch-0 alerts: any level/description, sometimes with a lying length or a cut body."""
    level = draw(st.sampled_from([1, 2, 0, 3, 255]))
    desc = draw(st.one_of(st.sampled_from(ALERT_DESCS), st.integers(0, 255)))
    body = bytes([level, desc])
    body = draw(st.sampled_from([body, body, body[:1], b"", body + b"\x00"]))
    h = draw(_header())
    return record(ALERT, body, length=draw(_lying_length(body)), **h)


@st.composite
def plaintext_handshakes(draw: st.DrawFn) -> bytes:
    """Epoch-0 handshake messages of the server role with lying lengths and fragment fields."""
    mtype = draw(st.sampled_from(SERVER_HANDSHAKES))
    body = draw(st.one_of(st.binary(max_size=0), st.binary(min_size=1, max_size=48),
                          st.just(b"\xfe\xfd" + b"\x00" * 32 + b"\x00"),          # ServerHello/HVR-like start
                          st.just(b"\xfe\xfd\x20" + b"\xaa" * 32)))
    length = draw(st.one_of(st.none(), u24))
    frag_len = draw(st.one_of(st.none(), u24))
    offset = draw(st.one_of(st.just(0), st.sampled_from([1, len(body), len(body) + 1, 0xFFFFFF]), u24))
    msg = handshake_fragment(mtype, body, length=length, message_seq=draw(u16), offset=offset, frag_len=frag_len)
    msg = draw(st.sampled_from([msg, msg, msg[:draw(st.integers(0, 11))]]))      # cut inside the 12-byte header
    h = draw(_header())
    return record(HANDSHAKE, msg, length=draw(_lying_length(msg)), **h)


@st.composite
def odd_records(draw: st.DrawFn) -> bytes:
    """CCS with odd bodies, plaintext application data, garbage at epoch 1+, unknown types."""
    kind = draw(st.sampled_from(["ccs", "appdata0", "garbage1", "future", "unknown"]))
    if kind == "ccs":
        body = draw(st.sampled_from([b"\x01", b"", b"\x00", b"\x02", b"\x01\x01", b"\xff" * 8]))
        return record(CCS, body, length=draw(_lying_length(body)), **draw(_header()))
    if kind == "appdata0":                      # plaintext CoAP where ciphertext is expected
        body = draw(st.sampled_from([b"\x40\x01\x12\x34\xb1\x33", b"\x40\x00\x12\x35", b""]))
        return record(APPDATA, body, length=draw(_lying_length(body)), **draw(_header()))
    if kind == "garbage1":                      # ciphertext that cannot authenticate: drop silently
        body = draw(st.binary(min_size=0, max_size=64))
        return record(APPDATA, body, length=draw(_lying_length(body)),
                      **draw(_header(epoch=st.sampled_from([1, 1, 2]))))
    if kind == "future":
        body = draw(st.binary(max_size=32))
        ctype = draw(st.sampled_from([CCS, ALERT, HANDSHAKE, APPDATA]))
        return record(ctype, body, **draw(_header(epoch=st.sampled_from([2, 0x7FFF, 0xFFFF]))))
    body = draw(st.binary(max_size=32))
    ctype = draw(st.sampled_from([0, 19, 24, 25, 26, 255]))
    return record(ctype, body, length=draw(_lying_length(body)), **draw(_header()))


def single_records() -> st.SearchStrategy[bytes]:
    return st.one_of(plaintext_alerts(), plaintext_handshakes(), odd_records())


@st.composite
def records(draw: st.DrawFn) -> bytes:
    """One datagram toward the device: one record, several, or ones followed by a cut header."""
    first = draw(single_records())
    more = draw(st.lists(single_records(), max_size=3))
    tail = draw(st.sampled_from([b"", b"", b"", b"\x15\xfe\xfd\x00", b"\x17", b"\x16\xfe\xfd\x00\x00\x00"]))
    return first + b"".join(more) + tail


__all__ = ["handshake_fragment", "odd_records", "plaintext_alerts", "plaintext_handshakes", "record", "records",
           "single_records"]
