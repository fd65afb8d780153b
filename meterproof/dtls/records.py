"""DTLS 1.2 record and handshake-header parsing for diagnostics (RFC 6347 §4.1, §4.2; RFC 5246 §7).

Pure functions over bytes, never raising on peer input: the harness reads what
goes over the wire *beside* Mbed TLS, which exposes neither the ClientHello nor
the alerts it sends or receives.  Only plaintext (epoch 0) content is decoded;
epoch >= 1 records are reported as encrypted.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

CHANGE_CIPHER_SPEC, ALERT, HANDSHAKE, APPLICATION_DATA = 20, 21, 22, 23
CONTENT_TYPES = {20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data", 25: "tls12_cid"}

HANDSHAKE_TYPES = {
    0: "HelloRequest", 1: "ClientHello", 2: "ServerHello", 3: "HelloVerifyRequest", 4: "NewSessionTicket",
    11: "Certificate", 12: "ServerKeyExchange", 13: "CertificateRequest", 14: "ServerHelloDone",
    15: "CertificateVerify", 16: "ClientKeyExchange", 20: "Finished",
}

#: RFC 5246 §7.2 / RFC 4279 §2 / RFC 8446 §6 alert descriptions.
ALERT_DESCRIPTIONS = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
    22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
    42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
    46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied",
    50: "decode_error", 51: "decrypt_error", 60: "export_restriction", 70: "protocol_version",
    71: "insufficient_security", 80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
    100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension", 111: "certificate_unobtainable",
    112: "unrecognized_name", 113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
    115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol",
}
ALERT_LEVELS = {1: "warning", 2: "fatal"}

EXTENSIONS = {
    0: "server_name", 1: "max_fragment_length", 4: "truncated_hmac", 5: "status_request", 10: "supported_groups",
    11: "ec_point_formats", 13: "signature_algorithms", 15: "heartbeat", 16: "alpn", 19: "client_certificate_type",
    20: "server_certificate_type", 21: "padding", 22: "encrypt_then_mac", 23: "extended_master_secret",
    28: "record_size_limit", 35: "session_ticket", 43: "supported_versions", 54: "connection_id",
    254: "connection_id_draft", 0xFF01: "renegotiation_info",
}
GROUPS = {0x0010: "secp160r1", 0x0012: "secp192k1", 0x0013: "secp192r1", 0x0014: "secp224k1", 0x0015: "secp224r1",
          0x0016: "secp256k1", 0x001B: "brainpoolP384r1", 0x001C: "brainpoolP512r1", 0x0017: "secp256r1", 0x0018: "secp384r1",
          0x0019: "secp521r1", 0x001A: "brainpoolP256r1", 0x001D: "x25519", 0x001E: "x448"}
CERT_TYPES = {0: "X.509", 1: "OpenPGP", 2: "RawPublicKey"}
VERSIONS = {0xFEFF: "DTLS 1.0", 0xFEFD: "DTLS 1.2", 0xFEFC: "DTLS 1.3", 0x0303: "TLS 1.2"}

RECORD_HEADER = 13


@dataclass(slots=True)
class Record:
    content_type: int
    version: int
    epoch: int
    seq: int
    body: bytes

    @property
    def raw_len(self) -> int:
        return RECORD_HEADER + len(self.body)


def split_records(datagram: bytes) -> tuple[list[Record], bytes]:
    """The records of one datagram and any trailing bytes that do not form a record."""
    out: list[Record] = []
    i = 0
    n = len(datagram)
    while i + RECORD_HEADER <= n:
        ctype = datagram[i]
        version = int.from_bytes(datagram[i + 1:i + 3], "big")
        epoch = int.from_bytes(datagram[i + 3:i + 5], "big")
        seq = int.from_bytes(datagram[i + 5:i + 11], "big")
        length = int.from_bytes(datagram[i + 11:i + 13], "big")
        if i + RECORD_HEADER + length > n:
            break
        out.append(Record(ctype, version, epoch, seq, datagram[i + RECORD_HEADER:i + RECORD_HEADER + length]))
        i += RECORD_HEADER + length
    return out, datagram[i:]


def record_bounds(data: bytes) -> list[bytes]:
    """Cut a byte stream of DTLS records into the records' raw bytes (rest appended as one piece)."""
    out: list[bytes] = []
    i = 0
    n = len(data)
    while i + RECORD_HEADER <= n:
        length = int.from_bytes(data[i + 11:i + 13], "big")
        end = i + RECORD_HEADER + length
        if end > n:
            break
        out.append(data[i:end])
        i = end
    if i < n:
        out.append(data[i:])
    return out


def pack_datagrams(records: list[bytes], mtu: int) -> list[bytes]:
    """Greedily pack whole records into datagrams of at most ``mtu`` bytes (a bigger record goes alone)."""
    out: list[bytes] = []
    cur = b""
    for r in records:
        if cur and len(cur) + len(r) > mtu:
            out.append(cur)
            cur = b""
        cur += r
    if cur:
        out.append(cur)
    return out


@dataclass(slots=True)
class HandshakeMessage:
    msg_type: int
    length: int
    message_seq: int
    fragment_offset: int
    fragment_length: int
    body: bytes

    @property
    def name(self) -> str:
        return HANDSHAKE_TYPES.get(self.msg_type, f"handshake_{self.msg_type}")

    @property
    def complete(self) -> bool:
        return self.fragment_offset == 0 and self.fragment_length == self.length == len(self.body)


def handshake_messages(body: bytes) -> list[HandshakeMessage]:
    out: list[HandshakeMessage] = []
    i = 0
    while i + 12 <= len(body):
        mtype = body[i]
        length = int.from_bytes(body[i + 1:i + 4], "big")
        mseq = int.from_bytes(body[i + 4:i + 6], "big")
        foff = int.from_bytes(body[i + 6:i + 9], "big")
        flen = int.from_bytes(body[i + 9:i + 12], "big")
        frag = body[i + 12:i + 12 + flen]
        out.append(HandshakeMessage(mtype, length, mseq, foff, flen, frag))
        i += 12 + flen
    return out


@dataclass(slots=True)
class ClientHello:
    """What a ClientHello offered (RFC 5246 §7.4.1.2, RFC 6347 §4.2.1)."""

    version: int = 0
    random: bytes = b""                 # the 32-byte ClientHello.random (RFC 5246 §7.4.1.2)
    session_id: bytes = b""
    cookie: bytes = b""
    suites: list[int] = field(default_factory=list)
    compression: list[int] = field(default_factory=list)
    extensions: list[int] = field(default_factory=list)
    sni: str | None = None
    groups: list[int] = field(default_factory=list)
    client_cert_types: list[int] | None = None
    server_cert_types: list[int] | None = None
    signature_algorithms: list[int] = field(default_factory=list)
    fragmented: bool = False
    error: str | None = None

    @property
    def suite_names(self) -> list[str]:
        from .suites import name
        return [name(c) for c in self.suites]

    @property
    def extension_names(self) -> list[str]:
        return [EXTENSIONS.get(e, str(e)) for e in self.extensions]

    def describe(self) -> str:
        from .suites import name
        parts = [VERSIONS.get(self.version, f"0x{self.version:04X}"),
                 "suites " + ", ".join(name(c) for c in self.suites if c not in (0x00FF, 0x5600))]
        if self.sni is not None:
            parts.append(f"SNI {self.sni}")
        if self.client_cert_types is not None:
            parts.append("client cert types " + "/".join(CERT_TYPES.get(t, str(t)) for t in self.client_cert_types))
        if self.cookie:
            parts.append("with cookie")
        if self.session_id:
            parts.append("resuming a session")
        return "; ".join(parts)


def _u8list(b: bytes) -> list[int]:
    return list(b[1:1 + b[0]]) if b else []


def parse_client_hello(body: bytes, fragmented: bool = False, *, dtls: bool = True) -> ClientHello:
    """Parse a ClientHello handshake body (after the 12-byte DTLS handshake header; with ``dtls=False`` a TLS 1.2
    one after its 4-byte header, which has no cookie, RFC 5246 §7.4.1.2)."""
    ch = ClientHello(fragmented=fragmented)
    try:
        i = 0
        ch.version = struct.unpack_from("!H", body, i)[0]
        ch.random = bytes(body[i + 2:i + 34])
        i += 2 + 32
        sl = body[i]
        ch.session_id = body[i + 1:i + 1 + sl]
        i += 1 + sl
        if dtls:
            cl = body[i]
            ch.cookie = body[i + 1:i + 1 + cl]
            i += 1 + cl
        n = struct.unpack_from("!H", body, i)[0]
        ch.suites = [struct.unpack_from("!H", body, i + 2 + k)[0] for k in range(0, n - n % 2, 2)]
        i += 2 + n
        cm = body[i]
        ch.compression = list(body[i + 1:i + 1 + cm])
        i += 1 + cm
        if i + 2 > len(body):
            return ch
        total = struct.unpack_from("!H", body, i)[0]
        i += 2
        end = min(len(body), i + total)
        while i + 4 <= end:
            etype, elen = struct.unpack_from("!HH", body, i)
            data = body[i + 4:i + 4 + elen]
            i += 4 + elen
            ch.extensions.append(etype)
            if etype == 0 and len(data) >= 5:           # server_name list: len, type 0, len, name
                nl = struct.unpack_from("!H", data, 3)[0]
                ch.sni = data[5:5 + nl].decode("ascii", "replace")
            elif etype == 10 and len(data) >= 2:
                gl = struct.unpack_from("!H", data, 0)[0]
                ch.groups = [struct.unpack_from("!H", data, 2 + k)[0] for k in range(0, min(gl, len(data) - 2) - 1, 2)]
            elif etype == 13 and len(data) >= 2:
                sl2 = struct.unpack_from("!H", data, 0)[0]
                ch.signature_algorithms = [struct.unpack_from("!H", data, 2 + k)[0]
                                           for k in range(0, min(sl2, len(data) - 2) - 1, 2)]
            elif etype == 19:
                ch.client_cert_types = _u8list(data)
            elif etype == 20:
                ch.server_cert_types = _u8list(data)
    except (IndexError, struct.error) as exc:
        ch.error = f"truncated ClientHello ({exc})"
    return ch


def client_random(datagram: bytes) -> bytes | None:
    """The 32-byte random of the ClientHello a datagram starts with (record header, handshake header,
    version, random: RFC 6347 §4.1, §4.2.2), None when it holds none.  A client keeps it across its
    retransmissions and the cookie exchange; a new handshake has a new one."""
    if len(datagram) < RECORD_HEADER + 12 + 2 + 32 or datagram[0] != HANDSHAKE or datagram[RECORD_HEADER] != 1:
        return None
    start = RECORD_HEADER + 12 + 2
    return bytes(datagram[start:start + 32])


def parse_server_hello(body: bytes) -> tuple[int, int, bytes] | None:
    """(version, chosen suite, session id) of a ServerHello body, None when unreadable."""
    try:
        version = struct.unpack_from("!H", body, 0)[0]
        sl = body[34]
        sid = body[35:35 + sl]
        suite = struct.unpack_from("!H", body, 35 + sl)[0]
        return version, suite, sid
    except (IndexError, struct.error):
        return None


def psk_identity_from_cke(body: bytes) -> bytes | None:
    """The identity in a PSK / ECDHE-PSK ClientKeyExchange (RFC 4279 §2, RFC 5489 §2): it leads the body."""
    if len(body) < 2:
        return None
    n = int.from_bytes(body[:2], "big")
    if 2 + n > len(body):
        return None
    return body[2:2 + n]


def alert_name(desc: int) -> str:
    return ALERT_DESCRIPTIONS.get(desc, f"alert_{desc}")


def plaintext_alert(level: int, desc: int, seq: int = 0, epoch: int = 0) -> bytes:
    """An epoch-0 alert record built by hand (Mbed TLS has no alert API; dtls-modes.md §3 workaround a)."""
    return bytes([ALERT]) + (0xFEFD).to_bytes(2, "big") + epoch.to_bytes(2, "big") + seq.to_bytes(6, "big") + \
        (2).to_bytes(2, "big") + bytes([level, desc])


def without_epoch0(datagram: bytes) -> bytes:
    """The datagram without its epoch-0 (plaintext) records; a cut trailing record is kept for the
    DTLS stack to drop.  Once a session is established, epoch-0 records are leftovers or forgeries
    and are discarded (RFC 6347 §4.1.2.7): Mbed TLS 2.28 as a client otherwise lets one malformed
    plaintext alert reset the session (found by MP-FUZZ-DTLS, docs/FUZZING.md)."""
    out, i, n = bytearray(), 0, len(datagram)
    while i + RECORD_HEADER <= n:
        end = i + RECORD_HEADER + int.from_bytes(datagram[i + 11:i + 13], "big")
        if end > n:
            break
        if datagram[i + 3:i + 5] != b"\0\0":
            out += datagram[i:end]
        i = end
    if i < n and out:
        out += datagram[i:]
    return bytes(out)
