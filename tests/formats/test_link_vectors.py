"""Known-answer vectors for CoRE Link Format (CF 40), each with its source.

RFC 6690 §5 example and LwM2M payloads from OMA TS Core 1.2.2 §6.1.7.3, §6.2.1, §6.3.2 and
TS Transport 1.2.2 (retyped from fiumaralabs/lwm2m spec/vectors/spec-examples.json).
"""

from __future__ import annotations

import pytest

from meterproof.errors import FormatError
from meterproof.lwm2m.formats import link
from meterproof.lwm2m.formats.link import Link, parse, parse_attribute_value


def test_rfc6690_section5_example() -> None:
    # RFC 6690 §5 (first example): two links with quoted if
    assert parse('</sensors/temp>;if="sensor",</sensors/light>;if="sensor"') == [
        Link("/sensors/temp", {"if": "sensor"}), Link("/sensors/light", {"if": "sensor"})]


def test_bootstrap_discover_with_spaces_after_commas() -> None:
    # TS Core 1.2.2 §6.1.7.3 Bootstrap-Discover /0 (SP after ',' as in every TS example)
    got = parse('</>;lwm2m=1.1,</0/0>;ssid=101;uri="coaps://server_1.example.com", </0/1/>, '
                '</0/2>;ssid=102;uri="coaps://server_2.example.com"')
    assert got == [
        Link("/", {"lwm2m": "1.1"}),
        Link("/0/0", {"ssid": "101", "uri": "coaps://server_1.example.com"}),
        Link("/0/1/", {}),
        Link("/0/2", {"uri": "coaps://server_2.example.com", "ssid": "102"}),  # order-insensitive
    ]


def test_register_payload_with_ct_list() -> None:
    # TS Core 1.2.2 §6.2.1: several content formats, quoted and space-separated (RFC 7252 §7.2.1)
    got = parse('</>;ct="110 112 60", </1/0>,</1/1>,</2/0>,</3/0>,</4/0>,</5>')
    assert got[0] == Link("/", {"ct": "110 112 60"})
    assert parse_attribute_value("ct", got[0].params["ct"]) == (110, 112, 60)
    assert [lk.target for lk in got[1:]] == ["/1/0", "/1/1", "/2/0", "/3/0", "/4/0", "/5"]


def test_alternate_path_rt() -> None:
    # TS Transport 1.2.2 §6.4.1: </lwm2m>;rt="oma.lwm2m"
    assert parse('</lwm2m>;rt="oma.lwm2m", </lwm2m/1/0>')[0] == Link("/lwm2m", {"rt": "oma.lwm2m"})


def test_discover_attributes() -> None:
    # TS Core 1.2.2 §6.3.2 Discover /3/0/7
    got = parse("</3/0/7>;dim=2;pmin=10;pmax=60;gt=50;lt=42.2, </3/0/7/0>, </3/0/7/1>;lt=45")
    attrs = {k: parse_attribute_value(k, v) for k, v in got[0].params.items()}
    assert attrs == {"dim": 2, "pmin": 10, "pmax": 60, "gt": 50.0, "lt": 42.2}
    assert got[2] == Link("/3/0/7/1", {"lt": "45"})


def test_valueless_parameters() -> None:
    # TS Core 1.1 §6.2.1 queue mode flag style, and the TS Gateway 1.1.1 Table 10.-1 erratum
    # ";ver1.1" which RFC 6690 reads as a valueless parameter named "ver1.1"
    assert parse("</1/0>;Q") == [Link("/1/0", {"Q": None})]
    assert parse("</5/0>;ver1.1")[0].params == {"ver1.1": None}
    assert parse_attribute_value("pmin", None) is None


@pytest.mark.parametrize("payload", ['</>;ct=110', '</>;ct="110"', '</> ; ct = 110', '</>;ct="110" '])
def test_ct_quoted_or_not(payload: str) -> None:
    # RFC 6690 §2: a link-param value is a ptoken or a quoted-string, so both spellings carry the
    # same value (TS Core 1.2.2 §6.2.1 quotes a list of formats, devices often leave one bare)
    (got,) = parse(payload)
    assert parse_attribute_value("ct", got.params["ct"]) == (110,)


def test_format_round_trip() -> None:
    links = [Link("/", {"lwm2m": "1.1", "ct": "110 112"}), Link("/3/0", {"ver": "1.1", "Q": None}),
             Link("/0/0", {"uri": 'coap://"x"'})]
    text = link.format(links)
    assert text == '</>;lwm2m=1.1;ct="110 112",</3/0>;ver=1.1;Q,</0/0>;uri="coap://\\"x\\""'
    assert parse(text) == links


def test_format_quotes_resource_type() -> None:
    # TS Core 1.1 §6.2.1 Register payload writes rt="oma.lwm2m" quoted; RFC 6690 allows the bare
    # token too, but Wakaama's lwm2mserver (interop run, docs/INTEROP.md) answers 4.00 to it
    text = link.format([Link("/", {"rt": "oma.lwm2m", "ct": "110"}), Link("/1/0")])
    assert text == '</>;rt="oma.lwm2m";ct=110,</1/0>'
    assert link.format([Link("/sensors", {"if": "sensor"})]) == '</sensors>;if="sensor"'
    assert parse(text) == [Link("/", {"rt": "oma.lwm2m", "ct": "110"}), Link("/1/0")]


@pytest.mark.parametrize("text", [
    "</1/1>,</1/2>,</2/0></2/1>,</3/0>",  # TS Transport 1.2.2 Figure 6.4.3.-1 erratum: missing comma
    "lwm2m=1.0,</0/0>;ssid=101",           # TS Core 1.2.2 §6.1.7.3 Note: pre-1.2 form, not RFC 6690
    "</1/0>,", "</1/0", "<1/0> x", '</0/0>;uri="unterminated', "</0/0>;=1", "</0/0>;ssid=101;ssid=102",
    "</a b>", "</0/0>;ct=",
])
def test_rejects(text: str) -> None:
    with pytest.raises(FormatError):
        parse(text)


def test_attribute_value_rejects() -> None:
    for name, value in (("pmin", "-1"), ("gt", "abc"), ("ct", "110,112"), ("dim", "2.5")):
        with pytest.raises(FormatError):
            parse_attribute_value(name, value)


def test_empty_and_bytes() -> None:
    assert parse(b"") == []
    assert parse(b"</3/0>") == [Link("/3/0", {})]
    with pytest.raises(FormatError):
        parse(b"\xff")
