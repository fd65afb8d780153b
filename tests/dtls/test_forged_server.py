"""The hand-built HelloVerifyRequest / ServerHello of meterproof.dtls.forged_server parse as DTLS 1.2 records."""

from __future__ import annotations

from meterproof.dtls import records as rec
from meterproof.dtls.forged_server import hello_verify_request, server_hello


def test_server_hello_names_the_forced_suite_and_version() -> None:
    recs, rest = rec.split_records(server_hello(0xFEFF, 0x00B0, seq=1, mseq=1))
    assert rest == b"" and len(recs) == 1 and recs[0].version == 0xFEFF and recs[0].seq == 1
    msgs = rec.handshake_messages(recs[0].body)
    assert [m.name for m in msgs] == ["ServerHello", "ServerHelloDone"]
    assert [m.message_seq for m in msgs] == [1, 2] and all(m.complete for m in msgs)
    assert rec.parse_server_hello(msgs[0].body) == (0xFEFF, 0x00B0, b"")


def test_hello_verify_request_carries_the_cookie() -> None:
    recs, _ = rec.split_records(hello_verify_request(b"\x01" * 16))
    (m,) = rec.handshake_messages(recs[0].body)
    assert m.name == "HelloVerifyRequest" and m.body[2] == 16 and m.body[3:] == b"\x01" * 16
