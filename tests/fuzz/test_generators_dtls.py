"""The DTLS record generators reach the shapes they promise (strategies_dtls.py)."""

from __future__ import annotations

from meterproof.dtls.records import split_records
from meterproof.fuzz import strategies_dtls as sd
from meterproof.fuzz.campaign import hypothesis_cases
from meterproof.fuzz.reproducer import signature


def test_record_generators_reach_lying_lengths_versions_offsets_and_epochs():
    data = hypothesis_cases(sd.records(), 400)
    types, versions, epochs = set(), set(), set()
    lying = frag_past_end = cut = 0
    for d in data:
        recs, tail = split_records(d)
        cut += bool(tail) or not recs
        for r in recs:
            types.add(r.content_type)
            versions.add(r.version)
            epochs.add(r.epoch)
            if r.content_type == 22 and len(r.body) >= 12:
                length = int.from_bytes(r.body[1:4], "big")
                off = int.from_bytes(r.body[6:9], "big")
                flen = int.from_bytes(r.body[9:12], "big")
                frag_past_end += off + flen > length
        lying += len(d) >= 13 and int.from_bytes(d[11:13], "big") != len(d) - 13
    assert {20, 21, 22, 23} <= types and types - {20, 21, 22, 23}
    assert {0xFEFD, 0xFEFF} <= versions and len(versions) >= 4
    assert 0 in epochs and 1 in epochs and max(epochs) >= 2
    assert lying >= 20 and frag_past_end >= 5 and cut >= 20
    assert all(signature(d, "record").startswith("record ") for d in data)


def test_handcrafted_helpers():
    r = sd.record(21, b"\x02\x0a", seq=5)
    assert r == bytes.fromhex("15fefd0000000000000005" "0002" "020a")
    h = sd.handshake_fragment(0, b"", length=4, offset=8, frag_len=1)
    assert h == bytes.fromhex("00000004" "0000" "000008" "000001")
