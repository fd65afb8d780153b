"""Content-format edge cases the OMA ETS does not pin down: the spelling of a plain-text Boolean,
and a Float that must survive every format the device serves."""

from __future__ import annotations

from typing import Any

from meterproof.fixtures import CF, P, codes, expect, mp, requires

FMT = dict(epic="Content formats", feature="Value encoding")
METER_FLOATS = {3421: 1, 3423: 1, 3424: 1}   # Voltage / Cumulated gas volume / Cumulated water volume: Float, M


@mp("MP-FMT-TEXT-BOOL", "Plain-text Boolean is 0 or 1", **FMT,
    clause="OMA TS Core 1.1 Appendix C (Data Types): Boolean in plain text is the character 0 or 1")
@requires(content_format=CF.TEXT)
def test_text_boolean(server, dut, transcript):
    """GET /1/x/6 (Notification Storing, Boolean, of the Server instance serving us) with Accept text/plain:
    2.05 text/plain.  Pass: the payload is exactly b"0" or b"1"."""
    path = dut.server_path(6)
    r = server.read(dut.endpoint, path, accept=CF.TEXT)
    expect.code(r, codes.CONTENT)
    expect.content_format(r, CF.TEXT)
    expect.true(r.payload in (b"0", b"1"), f"{path} in text/plain", "b'0' or b'1'", repr(r.payload))


def _read(server: Any, dut: Any, path: str, cf: int) -> Any:
    r = server.read(dut.endpoint, path, accept=cf)
    expect.code(r, codes.CONTENT)
    expect.content_format(r, cf)
    return expect.decodes(r)[P(path)]


@mp("MP-FMT-FLOAT", "A Float reads the same in TLV and SenML CBOR", **FMT,
    clause="OMA TS Core 1.1 §7.4 (SenML CBOR: v is the numeric value) and Appendix C (Float)")
@requires(lwm2m="1.1", content_format=[CF.TLV, CF.SENML_CBOR])
def test_float_tlv_vs_senml_cbor(server, dut, transcript):
    """Pick the meter object's mandatory Float (/3421/0/1, /3423/0/1 or /3424/0/1).
    Read it in TLV, in SenML CBOR, and in TLV again (the value is a live reading; retry until the TLV reads agree
    on a value with a fractional part: an integral value cannot show truncation).
    Pass: the SenML CBOR value equals the TLV value (no truncation or rounding)."""
    oid = next((o for o in METER_FLOATS if o in dut.registration.objects.objects), None)
    if oid is None:
        expect.not_applicable("the device registers none of the meter objects 3421, 3423, 3424")
    path = f"/{oid}/{(dut.instances(oid) or [0])[0]}/{METER_FLOATS[oid]}"
    for _ in range(50):
        before, cbor, after = (_read(server, dut, path, cf) for cf in (CF.TLV, CF.SENML_CBOR, CF.TLV))
        if before == after and not float(before).is_integer():
            expect.equal(cbor, before, f"{path} in SenML CBOR against TLV")
            return
    expect.not_applicable(f"{path} never held a stable non-integral value over 50 read triples; "
                          "truncation cannot be observed")


#: What each mandatory format is read on: a resource, an instance, a Discover (every device has /3/0/16 and /3/0).
_PROBES = {CF.TLV: ("/3/0", "Read"), CF.TEXT: ("/3/0/16", "Read"), CF.LINK: ("/3", "Discover")}


@mp("MP-FMT-MANDATORY", "The content formats the device's LwM2M release makes mandatory are served", **FMT,
    clause="OMA TS 1.0 §6.4 (the client MUST support TLV); OMA TS Core 1.1 §7.4 (the client MUST support plain "
           "text, opaque and CoRE Link, and SHOULD support SenML CBOR or SenML JSON)")
def test_mandatory_formats(server, dut, transcript):
    """For the release the device registered with, whatever its profile claims:
    1.0: GET /3/0 Accept TLV: 2.05 TLV that decodes.
    1.1+: GET /3/0/16 Accept text/plain: 2.05 text; Discover /3: 2.05 link format (opaque applies to Opaque
    resources only and is covered where the device has one); GET /3/0 in SenML CBOR or SenML JSON: a warning
    when neither is served (SHOULD).
    A profile that omits a mandatory format is a warning too: cases gated on it still run."""
    from meterproof.lwm2m.contentformat import MANDATORY_FORMATS, SHOULD_ONE_OF
    version = dut.lwm2m_version
    for cf in MANDATORY_FORMATS.get(version, ()):
        expect.should(cf == CF.LINK or dut.profile.claims_format(cf), f"the profile's content_formats", f"to list {CF(cf).name}, "
                      f"mandatory in LwM2M {version}", "omitted (cases needing it run regardless)")
        if cf not in _PROBES:
            continue
        path, op = _PROBES[cf]
        r = server.discover(dut.endpoint, path) if op == "Discover" else server.read(dut.endpoint, path, accept=cf)
        expect.code(r, codes.CONTENT)
        expect.content_format(r, cf)
        if op == "Read":
            expect.decodes(r)
    wanted = SHOULD_ONE_OF.get(version, ())
    if wanted:
        served = [cf for cf in wanted if server.read(dut.endpoint, "/3/0", accept=cf).code == codes.CONTENT]
        expect.should(bool(served), "SenML CBOR or SenML JSON for GET /3/0", "at least one served", "neither")
