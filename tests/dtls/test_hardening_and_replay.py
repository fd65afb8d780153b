"""REG-TLS-14's judgement of the hardening extensions (meterproof.dtls.hardening) and REG-TLS-11's record copier
and exchange counter (meterproof.dtls.replay), on hand-built data: no sockets."""

from __future__ import annotations

from aiocoap.numbers import codes

from meterproof.coap import wire
from meterproof.coap.exchange_types import WireEvent
from meterproof.dtls import hardening
from meterproof.dtls.records import ClientHello
from meterproof.dtls.replay import ExchangeWatch, RecordReplayer

CCM8, PSK_CBC = 0xC0A8, 0x00AE       # TLS_PSK_WITH_AES_128_CCM_8, TLS_PSK_WITH_AES_128_CBC_SHA256


def hello(suites: list[int], exts: list[int]) -> ClientHello:
    return ClientHello(version=0xFEFD, suites=suites, extensions=exts)


def test_both_extensions_everywhere_pass():
    assert hardening.judge([hello([CCM8, PSK_CBC], [22, 23]), hello([CCM8, PSK_CBC], [22, 23])]) == ([], [], set())


def test_no_ems_anywhere_is_advisory_only():
    fails, adv, missing = hardening.judge([hello([CCM8], [10]), hello([CCM8], [10])])
    assert fails == [] and len(adv) == 1 and missing == {"extended_master_secret"}


def test_ems_in_some_hellos_only_fails():
    fails, _, missing = hardening.judge([hello([CCM8], []), hello([CCM8], [23])])
    assert fails and "RFC 7627 §5.2" in fails[0] and "extended_master_secret" in missing


def test_cbc_without_etm_is_advisory_and_aead_needs_none():
    fails, adv, missing = hardening.judge([hello([CCM8, PSK_CBC], [23])])
    assert fails == [] and missing == {"encrypt_then_mac"} and "TLS_PSK_WITH_AES_128_CBC_SHA256" in adv[0]
    assert hardening.judge([hello([CCM8], [23])]) == ([], [], set())


class FakeSocket:
    def __init__(self) -> None:
        self.taps: list = []
        self.sent: list[tuple[bytes, tuple]] = []

    def send_record(self, data: bytes, peer: tuple) -> None:
        self.sent.append((data, peer))


def record(ctype: int, epoch: int, seq: int, body: bytes = b"x" * 20) -> bytes:
    return bytes([ctype]) + b"\xfe\xfd" + epoch.to_bytes(2, "big") + seq.to_bytes(6, "big") + \
        len(body).to_bytes(2, "big") + body


def test_replayer_keeps_the_next_protected_application_record_to_the_peer_and_sends_it_unchanged():
    sock, peer = FakeSocket(), ("127.0.0.1", 5999)
    r = RecordReplayer(sock, peer, loop_time=lambda: 1.0)
    r.attach()
    tap = sock.taps[0]
    tap("out", record(23, 1, 3), peer, ("127.0.0.1", 5684))             # before arming: ignored
    r.arm()
    tap("out", record(22, 0, 1), peer, ("127.0.0.1", 5684))             # plaintext handshake: not it
    tap("out", record(23, 1, 4), ("127.0.0.1", 1), ("127.0.0.1", 5684))  # another peer: not it
    tap("out", record(23, 1, 5), peer, ("127.0.0.1", 5684))
    tap("out", record(23, 1, 6), peer, ("127.0.0.1", 5684))             # only the first after arming
    assert r.wait_captured(0) and r.captured == record(23, 1, 5)
    assert [(x.epoch, x.seq) for x in r.captured_records] == [(1, 5)]
    tap("in", record(23, 1, 9), peer, ("127.0.0.1", 5684))
    r.replay()
    assert sock.sent == [(record(23, 1, 5), peer)] and r.replays == [1.0]
    assert r.evidence()["protected records from the device after the capture"] == ["in epoch 1 seq 9 (33 bytes)"]
    r.detach()
    assert sock.taps == []


def ev(direction: str, msg, t: float) -> WireEvent:
    return WireEvent(direction, ("h", 1), wire.encode(msg), msg, t, t)


def test_exchange_watch_counts_transmissions_and_answers_of_one_request():
    w = ExchangeWatch("/1/0/8")
    w.arm()
    req = wire.new(codes.POST, uri_path=["1", "0", "8"])
    req.mtype, req.mid, req.token = wire.CON, 77, b"\x01\x02"
    other = wire.new(codes.GET, uri_path=["3", "0"])
    other.mtype, other.mid, other.token = wire.CON, 78, b"\x09"
    w(ev("out", other, 0.0))
    w(ev("out", req, 0.1))
    w(ev("out", req, 0.2))                  # a retransmission
    ack = wire.new(codes.CHANGED)
    ack.mtype, ack.mid, ack.token = wire.ACK, 77, b"\x01\x02"
    w(ev("in", ack, 0.3))
    w(ev("in", ack, 5.0))                   # the answer to a copy
    stray = wire.new(codes.CONTENT)
    stray.mtype, stray.mid, stray.token = wire.ACK, 78, b"\x09"
    w(ev("in", stray, 5.1))
    assert (w.mid, w.sent) == (77, 2)
    assert len(w.answers) == 2 and w.answers_after(1.0) == ["2.04 Changed mid 77"]
