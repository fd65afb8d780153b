"""Regulatory checks on input validation (REG-IN-*): LwM2M semantic negatives, CoAP and payload fuzzing.

ETSI EN 303 645 5.13-1 ("the consumer IoT device software shall validate data input via user interfaces or
transferred via application programming interfaces (APIs) or between networks in services and devices"), ETSI TS
103 701 5.13-1-2 (example 1: a fuzzer on a stateless protocol), EN 18031-1 GEC-6 (and RLM-1 for availability), EU
CRA Annex I Part I (2)(f) (integrity of data and commands), (2)(h) (availability), (2)(k) (exploitation
mitigation).

* REG-IN-01 is a table of requests a conformant client refuses, each row built from the device's own object model
  (:mod:`meterproof.fixtures.response_rows`, the rows of the MP-RC-* cases): a value past a resource's
  ``<RangeEnumeration>``, a plain-text value that is not of the resource's data type (Objlnk with an id past
  16 bits among them), a resource-instance path on a single-instance resource, a Create of an instance that
  exists.  Each row expects a refusal (4.xx; the 4.00 Bad Request of the Write and Create tables is what the
  tables name, so another 4.xx is a warning), and the resource read back unchanged; the device answers afterwards.
  Notification attributes with ``lt`` not below ``gt`` break a rule of TS Core 1.1 §5.1.2 whose client response
  the TS does not name: a device that takes them gets a warning.
* REG-IN-02 / REG-IN-03 run a short, bounded set of the quick fuzz engine's inputs (:mod:`meterproof.fuzz`, the
  same families as MP-FUZZ-*) with its liveness oracle after each: CoAP messages (byte-level datagrams,
  block-wise edges, stray ACK/RST/responses) and payload decoders (TLV, SenML).  The number of inputs per family
  is ``--reg-fuzz-cases`` (default small: the regulator's check proves the device survives hostile input; the lab
  campaign ``--fuzz-budget`` is the deep search).
"""

from __future__ import annotations

from typing import Any

from meterproof.lwm2m.model.types import DataType, ResourceDef
from meterproof.lwm2m.model.validate import parse_range, validate_value

from meterproof.fixtures import CF, P, codes, expect, mp, regulation
from meterproof.fixtures.fuzzing import reg_fuzz_cases, run_family
from meterproof.fixtures.response_rows import (
    KEY_OBJECTS, LIFETIME, acl, current, definition, format_for, rows, table)
from meterproof.fixtures.security import UDP_DATAGRAMS, transport

REG = dict(epic="Regulatory", feature="Input validation")
#: a plain-text body that is not a value of the type (TS Core 1.1 §7.3: decimal numbers, 0/1, "oid:iid" 16-bit ids)
NOT_OF_TYPE = {DataType.INTEGER: b"12x", DataType.UNSIGNED_INTEGER: b"-1", DataType.FLOAT: b"1.5.2",
               DataType.BOOLEAN: b"2", DataType.TIME: b"soon", DataType.OBJLNK: b"65536:0"}
NUMERIC = (DataType.INTEGER, DataType.UNSIGNED_INTEGER, DataType.FLOAT)


def past_range(rdef: ResourceDef) -> Any:
    """A value of the resource's type just past its ``<RangeEnumeration>`` (one above the upper bound, else one
    below the lower; one byte longer than the longest length), or None when the definition bounds nothing."""
    c = parse_range(rdef.range_enumeration, rdef.type)
    if c is None or not c.intervals:
        return None
    lo, hi = min(a for a, _ in c.intervals), max(b for _, b in c.intervals)
    candidates: list[Any] = []
    if c.kind == "values" and rdef.type in NUMERIC:
        step = 1.0 if rdef.type is DataType.FLOAT else 1
        candidates = [type(step)(hi) + step, type(step)(lo) - step]
    elif c.kind == "length" and rdef.type in (DataType.STRING, DataType.OPAQUE):
        n = int(hi) + 1
        candidates = ["f" * n if rdef.type is DataType.STRING else b"\xa5" * n]
    for v in candidates:
        issues = validate_value(rdef, v)
        if issues and all(i.rule in ("range", "length") for i in issues):
            return v
    return None


def _refused(r: Any, dut: Any, what: str, op: str) -> None:
    """A refusal (4.xx, never 2.xx); 4.00 is the code the table of ``op`` names for it (another 4.xx: a warning)."""
    expect.true(r.code.class_ == 4, f"{what} response code", "an error (4.00 Bad Request)", r.code_text,
                clause=f"{table(dut, op)}: 4.00 Bad Request")
    expect.should(r.code in (codes.BAD_REQUEST, *acl(dut)), f"{what} response code", "4.00 Bad Request",
                  r.code_text, clause=f"{table(dut, op)}")


#: How far a clock resource (a Time, such as /3/0/13 Current Time, which ticks on its own) may move between the
#: read before a refused request and the read after it, retransmissions on a lossy link included.
CLOCK_SLACK_S = 300


def _same(before: dict, after: dict, rdef: ResourceDef) -> bool:
    if rdef.type is not DataType.TIME or set(before) != set(after):
        return after == before
    return all(isinstance(after[p], int) and isinstance(before[p], int) and 0 <= after[p] - before[p] <= CLOCK_SLACK_S
               for p in before)


def _unchanged(server: Any, dut: Any, path: str, rdef: ResourceDef, before: dict, clause: str) -> None:
    """``path`` read back holds what it held before the refused request (put back, then failed, if not); a clock
    resource may have moved on by itself, forward and by at most :data:`CLOCK_SLACK_S`."""
    after = current(server, dut, path, rdef)
    if not _same(before, after, rdef):
        server.write(dut.endpoint, path, before, content_format=format_for(dut, rdef))
        expect.fail(f"{path} after the refused request", f"unchanged {before}", after, clause)


@mp("REG-IN-01", "LwM2M semantic negatives are refused and change nothing: out-of-range and ill-typed values, a "
    "resource instance of a single resource, lt not below gt, Create of an existing instance",
    clause="OMA TS Transport 1.1 §6.3 Tables 'Write', 'Write-Attributes', 'Create' (4.00 Bad Request); OMA TS Core "
    "1.1 §5.1.2 (lt < gt), §7.3 (plain text); ETSI EN 303 645 5.13-1", **REG)
@regulation("ETSI EN 303 645 5.13-1", "ETSI TS 103 701 5.13-1-2", "EN 18031-1 GEC-6", "EU CRA Annex I Part I (2)(f)",
            "EU CRA Annex I Part I (2)(k)", "EU CRA Annex I Part I (2)(h)", "OMA LwM2M TS Core §5.1.2")
def test_semantic_negatives(server, dut, transcript):
    """Rows, from the device's objects (first instance of each; /1: the Server instance serving us):
    (a) every writable single resource whose definition bounds it: Write a value just past the bound;
    (b) per data type (Integer, Unsigned, Float, Boolean, Time, Objlnk), the first writable single resource: Write a
    plain-text body that is not of the type (Objlnk: an object id of 65536); (c) Write /1/x/1/0 (Lifetime is a
    single resource); (d) Write-Attributes lt=50&gt=10 on the first readable numeric resource; (e) Create of the
    first instance of a multiple-instance object with that instance's id.
    Pass per row: an error (4.00: another 4.xx is a warning), the value read back unchanged (no second instance);
    row (d) taken (2.04) is a warning only (the TS names no client response to it).  Pass at the end: the device answers a Read of /3/0/0."""
    text = dut.serves(CF.TEXT)
    with expect.all_criteria() as criteria:
        writable = rows(server, dut, criteria, lambda r: r.operations.writable and r.operations.readable
                        and not r.multiple and r.type is not DataType.NONE)
        for path, rdef in writable:                                              # (a)
            bad = past_range(rdef)
            if bad is None:
                continue
            _write_row(server, dut, criteria, f"(a) Write {path} = a value past {rdef.range_enumeration!r}", path,
                       rdef, lambda p=path, r=rdef, v=bad: server.write(dut.endpoint, p, {P(p): v},
                                                                       content_format=format_for(dut, r)))
        seen: set[DataType] = set()
        for path, rdef in writable:                                              # (b)
            if rdef.type not in NOT_OF_TYPE or rdef.type in seen:
                continue
            seen.add(rdef.type)
            if not text:
                criteria.unjudged.append(f"(b) {path}: the device takes no plain text to carry an ill-typed value")
                continue
            body = NOT_OF_TYPE[rdef.type]
            _write_row(server, dut, criteria, f"(b) Write {path} ({rdef.type.value}) = {body.decode()!r}", path,
                       rdef, lambda p=path, b=body: server.write(dut.endpoint, p, payload=b, content_format=CF.TEXT))
        lifetime = dut.server_path(LIFETIME)                                     # (c)
        odef = definition(dut, 1)
        ldef = odef.resource(LIFETIME) if odef is not None else None
        if ldef is not None and text:
            _write_row(server, dut, criteria, f"(c) Write {lifetime}/0 (a single resource)", lifetime, ldef,
                       lambda: server.write(dut.endpoint, f"{lifetime}/0", payload=b"86400", content_format=CF.TEXT))
        _attributes_row(server, dut, criteria)                                   # (d)
        _create_row(server, dut, criteria)                                       # (e)
        with criteria.check("liveness after the table"):
            expect.alive(server, dut.endpoint, "device answers a Read of /3/0/0 after the semantic negatives")


def _write_row(server: Any, dut: Any, criteria: Any, what: str, path: str, rdef: ResourceDef, send: Any) -> None:
    before: dict = {}
    with criteria.step(f"read {path} before the row"):
        before = current(server, dut, path, rdef)
    if not before:
        return
    with criteria.check(what):
        r = send()
        if r.ok:
            dut.restore_later(path, before, format_for(dut, rdef))
        _refused(r, dut, what, "Write")
        _unchanged(server, dut, path, rdef, before, f"{table(dut, 'Write')}: a refused Write changes nothing")


def _attributes_row(server: Any, dut: Any, criteria: Any) -> None:
    numeric = rows(server, dut, criteria, lambda r: r.operations.readable and not r.multiple and r.type in NUMERIC)
    numeric = [(p, r) for p, r in numeric if not p.startswith("/1/")]
    if not numeric:
        criteria.unjudged.append("(d) the device has no readable numeric single resource")
        return
    path = numeric[0][0]
    what = f"(d) Write-Attributes {path}?lt=50&gt=10"
    clause = ("OMA TS Core 1.1 §5.1.2: lt < gt and lt + 2*st < gt must hold (the TS names no client response, so a "
              "device that takes them gets a warning, not a failure)")
    with criteria.check(what):
        r = server.write_attributes(dut.endpoint, path, lt=50, gt=10)
        if not expect.should(r.code.class_ == 4, f"{what} response code", "an error (4.00 Bad Request)",
                             r.code_text, clause=clause):
            server.write_attributes(dut.endpoint, path, lt=None, gt=None)     # take them off again
            return
        d = server.discover(dut.endpoint, path)
        if d.ok and d.links:
            set_ = {k for lk in d.links if lk.target == path for k in lk.params if k in ("lt", "gt")}
            expect.true(not set_, f"attributes of {path} after the refused Write-Attributes", "no lt/gt",
                        sorted(set_), clause=clause)


def _create_row(server: Any, dut: Any, criteria: Any) -> None:
    for oid in sorted(dut.registered_objects()):
        odef = definition(dut, oid)
        ids = dut.instances(oid)
        if oid in KEY_OBJECTS or oid in (1, 2, 3) or odef is None or not odef.multiple or not ids:
            continue
        inst = f"/{oid}/{ids[0]}"
        values: dict = {}
        with criteria.step(f"read {inst} for its values"):
            r = server.read(dut.endpoint, inst, accept=dut.instance_format())
            expect.code(r, codes.CONTENT)
            values = {k: v for k, v in expect.decodes(r).items()
                      if len(k) == 3 and (rd := odef.resource(k.ids[2])) is not None and rd.operations.writable}
        if not values:
            continue
        what = f"(e) Create {inst} (the instance exists)"
        with criteria.check(what):
            before = set(dut.instances(oid))
            c = server.create(dut.endpoint, f"/{oid}", values, content_format=dut.instance_format())
            expect.true(not c.ok, f"{what} response code", "an error (4.00 Bad Request: the instance exists)",
                        c.code_text, clause=f"{table(dut, 'Create')}: 4.00 Bad Request")
            expect.should(c.code in (codes.BAD_REQUEST, codes.METHOD_NOT_ALLOWED, *acl(dut)), f"{what} response "
                          "code", "4.00 (4.05 where the object takes no Create)", c.code_text,
                          clause=table(dut, "Create"))
            expect.true(before == set(dut.instances(oid)), f"instances of /{oid} after {what}", sorted(before),
                        sorted(dut.instances(oid)))
        return
    criteria.unjudged.append("(e) the device registers no multiple-instance object with an instance to duplicate")


@mp("REG-IN-02", "The device survives hostile CoAP messages (a bounded fuzz run with a liveness probe after each)",
    clause="RFC 7252 §4.2/§4.3 (reject or ignore malformed and unexpected messages); ETSI TS 103 701 5.13-1-2 "
    "example 1; ETSI EN 303 645 5.13-1", **REG)
@transport("udp", reason=UDP_DATAGRAMS)
@regulation("ETSI EN 303 645 5.13-1", "ETSI TS 103 701 5.13-1-2", "EN 18031-1 GEC-6", "EU CRA Annex I Part I (2)(f)",
            "EU CRA Annex I Part I (2)(k)", "EN 18031-1 RLM-1", "EU CRA Annex I Part I (2)(h)")
def test_coap_message_fuzzing(fuzz, pytestconfig):
    """--reg-fuzz-cases inputs of each of the quick fuzz families 'coap' (byte-level datagrams), 'block' (block-wise
    edges) and 'unexpected' (stray ACK/RST/responses), each followed by the liveness probe (CoAP ping, then GET
    /3/0/0).  Pass: the device answers every probe and does not register again (no reboot)."""
    n = reg_fuzz_cases(pytestconfig)
    for family in ("coap", "block", "unexpected"):
        run_family(fuzz, family, n)


@mp("REG-IN-03", "The device survives malformed payloads in its decoders (TLV, SenML) with a liveness probe after "
    "each", clause="OMA TS Core 1.1 §7.4 (TLV, SenML); OMA TS Transport 1.1 §6.3 (4.00 / 4.15 for a body that "
    "does not decode); ETSI TS 103 701 5.13-1-2; ETSI EN 303 645 5.13-1", **REG)
@transport("udp", reason=UDP_DATAGRAMS)
@regulation("ETSI EN 303 645 5.13-1", "ETSI TS 103 701 5.13-1-2", "EN 18031-1 GEC-6", "EU CRA Annex I Part I (2)(f)",
            "EU CRA Annex I Part I (2)(k)", "EU CRA Annex I Part I (2)(h)")
def test_payload_decoder_fuzzing(fuzz, pytestconfig):
    """--reg-fuzz-cases Writes of each of the quick fuzz families 'tlv' (lying lengths, nesting) and 'senml'
    (records without names, edge numbers, type confusion), each followed by the liveness probe.
    Pass: the device answers every probe and does not register again."""
    n = reg_fuzz_cases(pytestconfig)
    for family in ("tlv", "senml"):
        run_family(fuzz, family, n)


__all__ = ["NOT_OF_TYPE", "past_range"]
