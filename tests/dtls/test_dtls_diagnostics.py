"""Diagnostics without sockets: the ClientHello parser, alert and record parsing, the one-line
summaries for the cases loopback cannot produce easily, and secret redaction."""

from __future__ import annotations

import struct

import pytest

from meterproof.dtls import DtlsClientTransport, DtlsHandshakeError, DtlsServerTransport, DtlsSettings, HandshakeReport
from meterproof.dtls import records as rec
from meterproof.dtls import suites
from meterproof.dtls.config import Certificates
from meterproof.report.redact import Redactor

from dtls_support import FAST, KEY, aio, pki, server_certs


def _client_hello(suites_: list[int], exts: list[tuple[int, bytes]], cookie: bytes = b"", sid: bytes = b"") -> bytes:
    body = struct.pack("!H", 0xFEFD) + bytes(32) + bytes([len(sid)]) + sid + bytes([len(cookie)]) + cookie
    body += struct.pack("!H", 2 * len(suites_)) + b"".join(struct.pack("!H", s) for s in suites_) + b"\x01\x00"
    ext = b"".join(struct.pack("!HH", t, len(d)) + d for t, d in exts)
    body += struct.pack("!H", len(ext)) + ext
    hs = bytes([1]) + len(body).to_bytes(3, "big") + b"\0\0" + b"\0\0\0" + len(body).to_bytes(3, "big") + body
    return bytes([22]) + struct.pack("!H", 0xFEFD) + b"\0\0" + bytes(6) + struct.pack("!H", len(hs)) + hs


def test_client_hello_parser_reads_suites_sni_groups_and_cert_types() -> None:
    sni = b"localhost"
    dg = _client_hello([0xC0A8, 0x00AE, 0x00FF], [
        (0, struct.pack("!HBH", len(sni) + 3, 0, len(sni)) + sni),
        (10, struct.pack("!HHH", 4, 0x0017, 0x001D)),
        (19, b"\x01\x02"), (20, b"\x01\x02"), (23, b"")], cookie=b"\xAA" * 8)
    r = HandshakeReport("server", ("10.0.0.7", 5684))
    r.observe(dg, "in")
    ch = r.client_hello
    assert ch is not None and ch.error is None
    assert ch.suite_names == [suites.PSK_CCM_8, suites.PSK_CBC, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"]
    assert ch.sni == "localhost" and ch.groups == [0x0017, 0x001D] and ch.cookie == b"\xAA" * 8
    assert ch.client_cert_types == [2] and ch.server_cert_types == [2]
    assert ch.extension_names == ["server_name", "supported_groups", "client_certificate_type",
                                  "server_certificate_type", "extended_master_secret"]
    assert r.offered == [suites.PSK_CCM_8, suites.PSK_CBC]
    assert "SNI localhost" in ch.describe()
    r.fail(0x7380, "no cipher", "CLIENT_HELLO")
    assert r.line() == ("10.0.0.7:5684 offered only Raw Public Keys (RFC 7250 certificate types [2]/[2]), "
                        "but this listener is not in RPK mode (--security rpk)")


@pytest.mark.parametrize("cut", [1, 20, 36, 40, 45])
def test_truncated_client_hello_never_raises(cut: int) -> None:
    dg = _client_hello([0xC0A8], [(23, b"")])
    body = dg[25:]
    ch = rec.parse_client_hello(body[:cut])
    assert ch.error is not None or cut >= 42      # cut inside the header fields is reported, never raised
    HandshakeReport("server", "x").observe(dg[:13 + cut], "in")     # a broken record is skipped


def test_plaintext_alert_round_trip_and_names() -> None:
    r = HandshakeReport("client", ("h", 1))
    r.observe(rec.plaintext_alert(2, 115), "in")
    assert r.alerts[0].text == "fatal unknown_psk_identity" and r.alerts[0].direction == "received"
    assert rec.alert_name(48) == "unknown_ca" and rec.alert_name(250) == "alert_250"


def test_records_are_packed_into_datagrams_under_the_mtu() -> None:
    recs = [bytes(13 + n) for n in (100, 100, 100, 400)]
    for i, r in enumerate(recs):
        recs[i] = r[:11] + (len(r) - 13).to_bytes(2, "big") + r[13:]
    stream = b"".join(recs)
    assert rec.record_bounds(stream) == recs
    assert [len(d) for d in rec.pack_datagrams(recs, 300)] == [226, 113, 413]


def test_suite_classification_follows_the_regulatory_lists() -> None:
    assert suites.classify(0xC0A8) == "mandatory"
    assert suites.classify(0x00AE) == "warn"
    assert suites.classify(0x0000) == "deny" and suites.classify(0xC0B4) == "deny"
    assert suites.classify(0xFFFF) == "unknown"
    assert suites.name(0xC0AE) == suites.ECDSA_CCM_8


def test_report_dict_and_line_are_redacted() -> None:
    red = Redactor()
    red.add(KEY)
    r = HandshakeReport("server", ("h", 1), psk_identity="id")
    r.notes.append(f"key was {KEY.hex()}")
    r.error_text = f"debug {KEY.hex()}"
    r.fail(0x7100, f"debug {KEY.hex()}", "X")
    d = r.as_dict(red)
    assert KEY.hex() not in repr(d) and "<redacted>" in d["error_text"]
    assert KEY.hex() not in r.line(red)


@pytest.mark.parametrize("code, name", [
    (0x6C80, "UNKNOWN_IDENTITY"), (0x6C00, "INTERNAL_ERROR"), (0x6A80, "HELLO_VERIFY_REQUIRED"),
    (0x6A00, "BUFFER_TOO_SMALL"), (0x6780, "CLIENT_RECONNECT"), (0x6700, "UNEXPECTED_RECORD"),
    (0x6E80, "BAD_HS_PROTOCOL_VERSION"), (0x5E80, "BAD_CONFIG"), (0x6600, "INVALID_VERIFY_HASH"),
])
def test_mbedtls_error_names_match_ssl_h(code: int, name: str) -> None:
    # Regression (INTEROP Run 7, Wakaama + tinydtls with an unknown identity): the table had six SSL codes
    # off by 0x80 or more, so a real UNKNOWN_IDENTITY (-0x6C80) showed as "-0x6C80" and an INTERNAL_ERROR
    # (-0x6C00) was named UNKNOWN_IDENTITY.  Values from Mbed TLS 2.28 include/mbedtls/ssl.h.
    from meterproof.dtls.diagnostics import mbedtls_error_name
    assert mbedtls_error_name(-code) == name


def test_internal_error_is_not_diagnosed_as_an_unknown_identity() -> None:
    r = HandshakeReport("server", ("127.0.0.1", 1))
    r.fail(-0x6C00, "SSL - Internal error (eg, unexpected failure in lower-level module)", "CLIENT_KEY_EXCHANGE")
    assert "unknown PSK identity" not in r.line()
    assert r.as_dict()["error"] == "INTERNAL_ERROR"


@aio
async def test_client_without_certificate_is_diagnosed_on_the_server() -> None:
    server = DtlsServerTransport(settings=DtlsSettings(certificates=server_certs(), **FAST))
    await server.open()
    p = pki()
    client = DtlsClientTransport(settings=DtlsSettings(
        certificates=Certificates((), None, (p["ca"].ca.certificate,), server_name="localhost"),
        **FAST, handshake_deadline=0.4))
    await client.open()
    try:
        with pytest.raises(DtlsHandshakeError):
            await client.connect(server.local_address)
        line = server.reports[-1].line()
        assert "sent no client certificate but the server requires one" in line
    finally:
        client.close(); server.close()


def test_without_epoch0_drops_plaintext_records_only() -> None:
    """RFC 6347 §4.1.2.7: once a session is open, epoch-0 records are discarded, epoch-1 ones kept."""
    from meterproof.dtls.records import without_epoch0
    alert0 = bytes.fromhex("15fefd" "0000" "000000000000" "0003" "000000")     # malformed plaintext alert
    app1 = bytes.fromhex("17fefd" "0001" "000000000001" "0002" "abcd")         # epoch-1 application data
    assert without_epoch0(alert0) == b""
    assert without_epoch0(alert0 + app1) == app1
    assert without_epoch0(app1 + alert0) == app1
    assert without_epoch0(app1 + b"\x17\xfe") == app1 + b"\x17\xfe"             # a cut tail stays for the stack
