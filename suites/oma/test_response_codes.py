"""The response-code tables, row by row, on the device's own objects (MP-RC-*).

OMA TS Transport 1.1 §6.3 (TS 1.0: §5.4 with the code tables of §8.2) lists for each Device Management operation
the only valid response codes and when each applies; RFC 7252 §5.4.1, §5.9 and §5.10 add the CoAP ones.  These
cases turn those rows into checks on what the device really has:

* the objects and instances come from its Register, the resources from a Discover of each object's first
  instance (the Server Object instance serving us for /1), each resource's operations from the definition of
  the object version it registered (meterproof's objects/ and the profile's ``ddf_dirs``, so a vendor's own
  objects get rows too);
* one case per row class (write on read-only, execute on non-executable, read on non-readable, key material,
  absent paths, critical option, unsupported or unacceptable format, malformed body), a sub-check per resource
  or path, all judged (``expect.all_criteria``): the first failure is the verdict, every other one is listed.

Where a device uses Access Control (it registered object 2), 4.01 Unauthorized -- "Access Right Permission
Denied" in the same tables -- is accepted beside the row's code: the ACL may refuse the operation before the
resource's own rule does.  Oversized requests (4.13) get no row: no clause obliges a client to refuse a body of
a given size, and a client that accepts it is right.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import pytest

from meterproof.fixtures import CF, P, codes, expect, mp, requires
from meterproof.lwm2m.model.catalog import default_catalog
from meterproof.lwm2m.model.types import DataType, ObjectDef, ResourceDef
from meterproof.lwm2m.model.validate import validate_value
from meterproof.lwm2m.values import ObjLnk

RC = dict(epic="Device Management and Service Enablement", feature="Response codes")
#: Bootstrap-only objects holding key material: Security (TS Core 1.1 E.1), OSCORE (E.9), 1.2: COSE (/23).
KEY_OBJECTS = {0: "Security", 21: "OSCORE", 23: "COSE"}
#: An option number in the experimental range (RFC 7252 §12.2: 65000-65535), odd: critical (§5.4.6).
CRITICAL_OPTION = 65001
ELECTIVE_OPTION = 65000
#: A Content-Format number in the experimental range (RFC 7252 §12.3): no client reads it.
UNKNOWN_FORMAT = 65000
LIFETIME, STORING = 1, 6


# ----------------------------------------------------------------------------------------- clauses
def _table(dut: Any, op: str) -> str:
    """The response-code table of ``op`` for the device's registered LwM2M version."""
    if dut.version_at_least("1.1"):
        return f"OMA TS Transport {'1.2' if dut.version_at_least('1.2') else '1.1'} §6.3 Table '{op}'"
    return f"OMA TS 1.0 §5.4 and §8.2 response codes of '{op}'"


def _acl(dut: Any) -> tuple[Any, ...]:
    """4.01 where Access Control may refuse first (the device registered object 2)."""
    return (codes.UNAUTHORIZED,) if 2 in dut.registered_objects() else ()


# ----------------------------------------------------------------------------------------- what the device has
def _definition(dut: Any, oid: int) -> ObjectDef | None:
    catalog = getattr(dut, "catalog", None) or default_catalog()
    return catalog.best(oid, dut.object_version(oid))


def _instances(dut: Any, criteria: Any) -> list[tuple[str, ObjectDef]]:
    """(first instance, definition) of every registered object but the key objects; /1: the instance serving us."""
    out = []
    for oid in sorted(dut.registered_objects()):
        if oid in KEY_OBJECTS:
            continue
        odef = _definition(dut, oid)
        if odef is None:
            criteria.unjudged.append(f"/{oid}: meterproof has no definition of object {oid} version "
                                     f"{dut.object_version(oid)} (add its DDF file to the profile's ddf_dirs)")
            continue
        if oid == 1:
            with criteria.step("find the Server Object instance serving us"):
                out.append((dut.server_path(), odef))
            continue
        ids = dut.instances(oid)
        if ids:
            out.append((f"/{oid}/{ids[0]}", odef))
    return out


def _present(server: Any, dut: Any, inst: str) -> frozenset[int]:
    """The resource ids the device has in ``inst``: its Discover (TS Core 1.1 §5.4.2), else -- a device whose Discover
    of that object fails -- the resources a Read of the instance returns (readable ones only)."""
    try:
        return dut.resources(inst)
    except pytest.skip.Exception as exc:
        why = str(getattr(exc, "msg", exc))
        if not why.startswith("inconclusive: "):
            raise
    with expect.supporting(f"learn the resources of {inst} (its Discover failed; Read instead)",
                           "int-260 (Discover) and int-223 (Read on Object Instance)"):
        r = server.read(dut.endpoint, inst, accept=dut.instance_format())
        expect.code(r, codes.CONTENT)
        values = expect.decodes(r)
    return frozenset(k.ids[2] for k in values if len(k) >= 3 and k.startswith(P(inst)))


def _rows(server: Any, dut: Any, criteria: Any, keep: Callable[[ResourceDef], bool]) -> list[tuple[str, ResourceDef]]:
    """Every resource the device has in the first instance of each object whose definition ``keep``s it."""
    rows = []
    for inst, odef in _instances(dut, criteria):
        with criteria.step(f"learn the resources of {inst}"):
            for rid in sorted(_present(server, dut, inst)):
                rdef = odef.resource(rid)
                if rdef is not None and keep(rdef):
                    rows.append((f"{inst}/{rid}", rdef))
    return rows


def _none_if_empty(rows: list[Any], criteria: Any, what: str) -> None:
    if not rows and not criteria.unjudged:
        expect.not_applicable(f"the device has no {what} in the objects it registered")


# ----------------------------------------------------------------------------------------- values
def _candidates(rdef: ResourceDef, old: Any) -> Iterable[Any]:
    t = rdef.type
    if t is DataType.BOOLEAN:
        return (not old,) if isinstance(old, bool) else (True, False)
    if t in (DataType.INTEGER, DataType.UNSIGNED_INTEGER):
        return (1, 2, 0, 100, 255, 65534)
    if t is DataType.FLOAT:
        return (1.5, 0.5, 2.25, 0.0)
    if t is DataType.TIME:
        return ((old + 3600) if isinstance(old, int) else 1700000000, 1600000000)
    if t is DataType.OPAQUE:
        return (b"mp", b"\x00")
    if t is DataType.OBJLNK:
        return (ObjLnk(65535, 65535), ObjLnk(0, 0))
    if t is DataType.CORELNK:
        return ("</3>", "</1>")
    return ("meterproof", "mp")


def _other_value(rdef: ResourceDef, old: Any) -> Any:
    """A valid value of the resource's type and range that differs from ``old``."""
    for v in _candidates(rdef, old):
        if v != old and not validate_value(rdef, v):
            return v
    return next(v for v in _candidates(rdef, old) if v != old)


def _format(dut: Any, rdef: ResourceDef) -> int:
    """Plain text for one simple value (TS Core 1.1 §7.4 mandatory), else the multi-value format the device takes
    (opaque and multiple resources)."""
    if rdef.multiple or rdef.type is DataType.OPAQUE:
        return dut.instance_format()
    return dut.value_format()


def _current(server: Any, dut: Any, path: str, rdef: ResourceDef) -> dict:
    """What the device holds at ``path`` (the resource or its instances); a supporting step."""
    with expect.supporting(f"read {path}", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, path, accept=dut.instance_format() if rdef.multiple else None)
        expect.code(r, codes.CONTENT)
        values = expect.decodes(r)
    return {k: v for k, v in values.items() if k.startswith(P(path))}


def _shown(r: Any) -> str:
    """A response for a message: its code and how much payload (never the bytes: it may be key material)."""
    return f"{r.code_text} with {len(r.payload)} bytes of payload (not shown)" if r.ok and r.payload else r.code_text


# ----------------------------------------------------------------------------------------- write on read-only
@mp("MP-RC-WRITE-RO", "Write on a read-only resource answers 4.05 Method Not Allowed and changes nothing",
    clause="OMA TS Transport 1.1 §6.3 Table 'Write' (4.05: target not allowed for Write); TS 1.0 §8.2", **RC)
def test_write_read_only(server, dut, transcript):
    """For every resource the device has whose definition says R without W (first instance of each registered
    object; /1: the instance serving us): read it, Write another valid value (plain text, or the device's
    multi-value format for opaque and multiple resources).
    Pass: each Write answers 4.05 (4.01 too where Access Control is in use).
    Pass: each resource, read back, does not hold the written value (where the device took it: put back)."""
    with expect.all_criteria() as criteria:
        rows = _rows(server, dut, criteria, lambda r: r.operations.readable and not r.operations.writable
                     and r.type is not DataType.NONE)
        _none_if_empty(rows, criteria, "read-only resource")
        clause = f"{_table(dut, 'Write')}: 4.05 Method Not Allowed, the target is not allowed for Write"
        for path, rdef in rows:
            if criteria.went_silent("Write", f"Write {path} response code"):
                continue
            old: dict = {}
            with criteria.step(f"read {path} before the Write"):
                old = _current(server, dut, path, rdef)
            first = next(iter(old.values()), None)
            new_value = _other_value(rdef, first)
            target = next(iter(old), P(f"{path}/0")) if rdef.multiple else P(path)
            cf = _format(dut, rdef)
            with criteria.check(f"Write {path} response code", silence="Write"):
                w = server.write(dut.endpoint, path, {target: new_value}, content_format=cf)
                if w.ok and old:
                    dut.restore_later(path, old, cf)      # a device that outlives the case gets its value back
                expect.code(w, codes.METHOD_NOT_ALLOWED, *_acl(dut), clause=clause)
            with criteria.check(f"{path} after the refused Write"):
                after = _current(server, dut, path, rdef)
                if after.get(target) == new_value and first != new_value:
                    if old:
                        server.write(dut.endpoint, path, old, content_format=cf)    # put the device's value back
                    expect.fail(f"value of {target} after a Write to the read-only resource", f"not the written "
                                f"{new_value!r} (read-only: {rdef.name})", repr(new_value), clause)


# ----------------------------------------------------------------------------------------- execute, read
@mp("MP-RC-EXEC-NE", "Execute on a resource that is not executable answers 4.05 Method Not Allowed",
    clause="OMA TS Transport 1.1 §6.3 Table 'Execute' (4.05: target not allowed for Execute); TS 1.0 §8.2", **RC)
def test_execute_non_executable(server, dut, transcript):
    """For every resource the device has whose definition does not make it executable: Execute (POST, no
    arguments).
    Pass: each answers 4.05 (4.01 too where Access Control is in use), never 2.04."""
    with expect.all_criteria() as criteria:
        rows = _rows(server, dut, criteria, lambda r: not r.operations.executable)
        _none_if_empty(rows, criteria, "non-executable resource")
        clause = f"{_table(dut, 'Execute')}: 4.05 Method Not Allowed, the target is not allowed for Execute"
        for path, _ in rows:
            criteria.row(f"Execute {path}", lambda p=path: expect.code(server.execute(dut.endpoint, p),
                                                                       codes.METHOD_NOT_ALLOWED, *_acl(dut),
                                                                       clause=clause))


@mp("MP-RC-READ-NR", "Read on a resource that is not readable (executable or write-only) answers 4.05",
    clause="OMA TS Transport 1.1 §6.3 Table 'Read' (4.05: target not allowed for Read); TS 1.0 §8.2", **RC)
def test_read_not_readable(server, dut, transcript):
    """For every resource the device has whose definition does not make it readable (E, or W without R): Read.
    Pass: each answers 4.05 (4.01 too where Access Control is in use), never 2.05."""
    with expect.all_criteria() as criteria:
        rows = _rows(server, dut, criteria, lambda r: not r.operations.readable)
        _none_if_empty(rows, criteria, "executable or write-only resource")
        clause = f"{_table(dut, 'Read')}: 4.05 Method Not Allowed, the target is not allowed for Read"
        allowed = (codes.METHOD_NOT_ALLOWED, *_acl(dut))

        def judge(path: str) -> None:
            r = server.read(dut.endpoint, path)
            expect.true(r.code in allowed, f"Read {path} response code",
                        " or ".join(f"{c.dotted} {c.name_printable}" for c in allowed), _shown(r), clause=clause)

        for path, _ in rows:
            criteria.row(f"Read {path}", lambda p=path: judge(p))


# ----------------------------------------------------------------------------------------- key material
def _key_resources(dut: Any, oid: int) -> list[int]:
    """The resources of a key object that hold key material: its Opaque ones (keys, identities, secrets)."""
    odef = _definition(dut, oid)
    return sorted(r.id for r in odef.resources.values() if r.type is DataType.OPAQUE) if odef is not None else []


@mp("MP-RC-KEYS", "Key material is out of a Server's reach: Read, Discover and Write-Attributes on the Security "
    "(and OSCORE, COSE) instances and key resources are refused",
    clause="OMA TS Core 1.1 E.1 (Security: MUST NOT be accessible by any other LwM2M Server than the Bootstrap-"
    "Server) and §6.3; TS Transport 1.1 §6.3 (4.01 Unauthorized); TS 1.0 Appendix E.1", **RC)
def test_key_material_refused(server, dut, transcript):
    """For the Security object (/0), OSCORE (/21) and, from 1.2, COSE (/23): a Server cannot learn their instance
    ids (they are not registered), so instances 0..n are tried, n the number of Server Object instances (one
    Security instance per account plus the Bootstrap-Server's).  Read and Discover /o/i; Read and Write-Attributes
    (pmin=1) on each resource the definition types Opaque (keys, identities, secret keys).  The object path
    itself is int-221's.
    Pass (1.1+): each answers 4.01 Unauthorized, or 4.04 (an instance the device does not have; answering so
    reveals nothing).  Pass (1.0, whose TS fixes no code): any 4.xx.  Never a success, never key bytes."""
    v10 = not dut.version_at_least("1.1")
    objects = [o for o in KEY_OBJECTS if o != 23 or dut.version_at_least("1.2")]
    count = max(2, len(dut.instances(1)) + 1)
    clause = ("OMA TS 1.0 Appendix E.1: not accessible to a LwM2M Server (no code fixed: any 4.xx)" if v10 else
              "OMA TS Core 1.1 E.1 and ETS int-221: 4.01 Unauthorized (4.04 where the instance does not exist)")
    expected = "a 4.xx error" if v10 else "4.01 Unauthorized or 4.04 Not Found"
    with expect.all_criteria() as criteria:
        for oid in objects:
            for iid in range(count):
                inst = f"/{oid}/{iid}"
                requests = [(f"Read {inst}", lambda p=inst: server.read(dut.endpoint, p)),
                            (f"Discover {inst}", lambda p=inst: server.discover(dut.endpoint, p))]
                for rid in _key_resources(dut, oid):
                    path = f"{inst}/{rid}"
                    requests += [(f"Read {path}", lambda p=path: server.read(dut.endpoint, p)),
                                 (f"Write-Attributes {path}?pmin=1",
                                  lambda p=path: server.write_attributes(dut.endpoint, p, pmin=1))]
                for what, send in requests:
                    def judge(what: str = what, send: Callable[[], Any] = send, oid: int = oid) -> None:
                        r = send()
                        ok = r.code.class_ == 4 if v10 else r.code in (codes.UNAUTHORIZED, codes.NOT_FOUND)
                        expect.true(ok, f"{what} ({KEY_OBJECTS[oid]}) response code", expected, _shown(r),
                                    clause=clause)
                    criteria.row(what, judge)


# ----------------------------------------------------------------------------------------- absent paths
def _absent_object(dut: Any) -> int:
    return next(o for o in (32767, 65000, 9999, 42769) if o not in dut.registered_objects()
                and o not in KEY_OBJECTS)


@mp("MP-RC-404", "Every operation on an absent object, instance or resource answers 4.04 Not Found",
    clause="OMA TS Transport 1.1 §6.3 Tables 'Read', 'Discover', 'Write', 'Write-Attributes', 'Execute', "
    "'Create', 'Delete' (4.04: URI of the operation is not found); TS 1.0 §8.2", **RC)
def test_absent_paths(server, dut, transcript):
    """(a) An object the device did not register: Read, Discover, Write-Attributes on /o; Read, Delete on /o/0;
    Write (text "1") and Execute on /o/0/0; Create on /o.  (b) Per registered object: the first instance id it does
    not have: Read, Discover, Write-Attributes, Delete (4.05 also passes: the object may allow no Delete at all);
    Execute on its first executable resource.  (c) Per registered object, in its first instance: a resource id
    neither its definition nor the device's Discover knows: Read, Discover, Write (text "1"), Write-Attributes,
    Execute.
    Pass: each answers 4.04 (4.01 too where Access Control is in use)."""
    acl = _acl(dut)
    text = dut.value_format()
    with expect.all_criteria() as criteria:
        def row(what: str, send: Callable[[], Any], *also: Any) -> None:
            criteria.row(what, lambda: expect.code(send(), codes.NOT_FOUND, *acl, *also,
                                                   clause=f"{_table(dut, what.split()[0])}: 4.04 Not Found, the URI "
                                                   f"of the operation is not found"))

        o = f"/{_absent_object(dut)}"
        ep = dut.endpoint
        row(f"Read {o}", lambda: server.read(ep, o))
        row(f"Discover {o}", lambda: server.discover(ep, o))
        row(f"Write-Attributes {o}", lambda: server.write_attributes(ep, o, pmin=1))
        row(f"Read {o}/0", lambda: server.read(ep, f"{o}/0"))
        row(f"Delete {o}/0", lambda: server.delete(ep, f"{o}/0"))
        row(f"Write {o}/0/0", lambda: server.write(ep, f"{o}/0/0", payload=b"1", content_format=text))
        row(f"Execute {o}/0/0", lambda: server.execute(ep, f"{o}/0/0"))
        row(f"Create {o}", lambda: server.create(ep, o, {f"{o}/0/0": 1}, content_format=dut.instance_format()))
        for inst, odef in _instances(dut, criteria):
            oid = odef.id
            have = set(dut.instances(oid)) | {int(inst.rsplit("/", 1)[1])}
            free = next(i for i in range(0, 65535) if i not in have)
            gone = f"/{oid}/{free}"
            row(f"Read {gone}", lambda: server.read(ep, gone))
            row(f"Discover {gone}", lambda: server.discover(ep, gone))
            row(f"Write-Attributes {gone}", lambda: server.write_attributes(ep, gone, pmin=1))
            row(f"Delete {gone}", lambda: server.delete(ep, gone), codes.METHOD_NOT_ALLOWED)
            exe = sorted(r.id for r in odef.resources.values() if r.operations.executable)
            if exe:
                row(f"Execute {gone}/{exe[0]}", lambda: server.execute(ep, f"{gone}/{exe[0]}"))
            with criteria.step(f"learn the resources of {inst}"):
                known = set(odef.resources) | set(_present(server, dut, inst))
                rid = max(known, default=0) + 1
                if rid <= 65534:
                    res = f"{inst}/{rid}"
                    row(f"Read {res}", lambda: server.read(ep, res))
                    row(f"Discover {res}", lambda: server.discover(ep, res))
                    row(f"Write {res}", lambda: server.write(ep, res, payload=b"1", content_format=text))
                    row(f"Write-Attributes {res}", lambda: server.write_attributes(ep, res, pmin=1))
                    row(f"Execute {res}", lambda: server.execute(ep, res))


# ----------------------------------------------------------------------------------------- CoAP options, formats
@mp("MP-RC-402", "A request with an unrecognised critical option answers 4.02 Bad Option and is not acted on; an "
    "unrecognised elective option is ignored", clause="RFC 7252 §5.4.1 (critical: 4.02 for a Confirmable request; "
    "elective: silently ignored) and §5.9.2.3", **RC)
def test_unrecognised_critical_option(server, dut, transcript):
    """Option 65001 (experimental range, odd: critical) on a CON Read of the Lifetime /1/x/1 and on a CON Write of
    another Lifetime; option 65000 (even: elective) on a CON Read of the Lifetime.
    Pass: both requests with the critical option answer 4.02 Bad Option.
    Pass: the Lifetime, read back, is not the value the refused Write carried (put back if it is).
    Pass: the Read with the elective option answers 2.05 as without it."""
    path = dut.server_path(LIFETIME)
    clause = "RFC 7252 §5.4.1: an unrecognized critical option in a Confirmable request MUST cause 4.02 Bad Option"
    with expect.all_criteria() as criteria:
        with criteria.check(f"Read {path} with a critical option"):
            r = server.read(dut.endpoint, path, options=[(CRITICAL_OPTION, b"\x01")])
            expect.code(r, codes.BAD_OPTION, clause=clause)
        old = None
        with criteria.step(f"read {path}"):
            old = _current(server, dut, path, _lifetime(dut)).get(P(path))
        new_value = (old + 7) if isinstance(old, int) else 86407
        with criteria.check(f"Write {path} with a critical option"):
            w = server.write(dut.endpoint, path, new_value, content_format=dut.value_format(),
                             options=[(CRITICAL_OPTION, b"\x01")])
            expect.code(w, codes.BAD_OPTION, clause=clause)
        with criteria.check(f"{path} after the refused Write"):
            _not_taken(server, dut, path, new_value, old, clause)
        with criteria.check(f"Read {path} with an elective option"):
            r = server.read(dut.endpoint, path, options=[(ELECTIVE_OPTION, b"\x01")])
            expect.code(r, codes.CONTENT, clause="RFC 7252 §5.4.1: an unrecognized elective option MUST be "
                        "silently ignored")


def _lifetime(dut: Any) -> ResourceDef:
    odef = _definition(dut, 1)
    rdef = odef.resource(LIFETIME) if odef is not None else None
    assert rdef is not None, "meterproof's Server object definition has a Lifetime"
    return rdef


def _not_taken(server: Any, dut: Any, path: str, written: Any, old: Any, clause: str) -> None:
    """``path`` does not hold the value a refused Write carried; put ``old`` back if it does."""
    with expect.supporting(f"read {path} back", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, path)
        expect.code(r, codes.CONTENT)
        now = expect.decodes(r).get(P(path))
    if now == written and old != written:
        if old is not None:
            server.write(dut.endpoint, path, old, content_format=dut.value_format())
        expect.fail(f"value of {path} after a refused Write", f"not the written {written!r}", repr(now), clause)


@mp("MP-RC-415", "A Write in a Content-Format the client does not take is refused (4.15) and changes nothing",
    clause="OMA TS Transport 1.1.1/1.2 §6.3 Table 'Write' (4.15 Unsupported Content-Format); RFC 7252 §5.9.2.9 "
    "and §5.10.3", **RC)
def test_unsupported_content_format(server, dut, transcript):
    """PUT the Lifetime /1/x/1 with another value as plain text but labelled Content-Format 65000 (experimental
    range); POST /1/x (partial update) likewise.
    Pass: both answer 4.15 Unsupported Content-Format (LwM2M 1.2); for 1.0 and 1.1, whose tables name the format
    error 4.00 Bad Request ("the format of data to be written is different"), 4.00 passes too.
    Pass: the Lifetime, read back, is not the written value (put back if it is)."""
    path, inst = dut.server_path(LIFETIME), dut.server_path()
    allowed = (codes.UNSUPPORTED_CONTENT_FORMAT,) if dut.version_at_least("1.2") else \
        (codes.UNSUPPORTED_CONTENT_FORMAT, codes.BAD_REQUEST)
    clause = (f"{_table(dut, 'Write')}: 4.15 Unsupported Content-Format" if dut.version_at_least("1.2") else
              f"{_table(dut, 'Write')}: 4.00 (format of the data differs) or 4.15 (RFC 7252 §5.9.2.9)")
    with expect.all_criteria() as criteria:
        old = None
        with criteria.step(f"read {path}"):
            old = _current(server, dut, path, _lifetime(dut)).get(P(path))
        new_value = (old + 11) if isinstance(old, int) else 86411
        for what, partial, target in ((f"Write {path}", False, path), (f"Write-Partial {inst}", True, inst)):
            body = str(new_value).encode()
            with criteria.check(f"{what} in Content-Format {UNKNOWN_FORMAT}"):
                w = server.write(dut.endpoint, target, payload=body, content_format=UNKNOWN_FORMAT,
                                 partial=partial)
                expect.code(w, *allowed, clause=clause)
        with criteria.check(f"{path} after the refused Writes"):
            _not_taken(server, dut, path, new_value, old, clause)


@mp("MP-RC-406-TEXT", "A Read of an object instance asking for text/plain answers 4.06 Not Acceptable",
    clause="RFC 7252 §5.10.4 (a preferred Content-Format that cannot be returned: 4.06 MUST); OMA TS Core 1.1 §7.3 "
    "(plain text carries a single value); TS Transport 1.1 §6.3 Table 'Read'", **RC)
@requires(content_format=CF.TEXT)
def test_text_accept_on_instance(server, dut, transcript):
    """GET /3/0 and GET /1/x (several values each) with Accept text/plain (0).
    Pass: each answers 4.06 Not Acceptable (never 2.05 in another format, nor text)."""
    with expect.all_criteria() as criteria:
        for inst in ("/3/0", dut.server_path()):
            with criteria.check(f"Read {inst} Accept text/plain"):
                r = server.read(dut.endpoint, inst, accept=CF.TEXT)
                expect.code(r, codes.NOT_ACCEPTABLE, clause="RFC 7252 §5.10.4: 4.06 when the preferred "
                            "Content-Format cannot be returned; plain text carries one value (TS Core 1.1 §7.3)")


@mp("MP-RC-400", "A plain-text Write whose value does not parse answers 4.00 Bad Request and changes nothing",
    clause="OMA TS Transport 1.1 §6.3 Table 'Write' (4.00: the format of the data to be written is different); "
    "TS Core 1.1 §7.3 plain text (integers in decimal, booleans 0/1); TS 1.0 §6.4.1", **RC)
@requires(content_format=CF.TEXT)
def test_malformed_text_write(server, dut, transcript):
    """PUT text "<n>x" (digits then a letter) to the Lifetime /1/x/1 (Integer) and "yes" to Notification Storing
    /1/x/6 (Boolean).
    Pass: each answers 4.00 Bad Request.
    Pass: neither resource, read back, holds a value the Write could have meant (n; true) unless it held it
    before (put back if so)."""
    clause = f"{_table(dut, 'Write')}: 4.00 Bad Request, the format of the data to be written is different"
    with expect.all_criteria() as criteria:
        for rid, meant_from in ((LIFETIME, lambda old: (old + 13) if isinstance(old, int) else 86413),
                                (STORING, lambda old: True)):
            path = dut.server_path(rid)
            old = None
            with criteria.step(f"read {path}"):
                r = server.read(dut.endpoint, path)
                expect.code(r, codes.CONTENT)
                old = expect.decodes(r).get(P(path))
            meant = meant_from(old)
            body = f"{meant}x".encode() if rid == LIFETIME else b"yes"
            with criteria.check(f"Write {path} = {body.decode()!r}"):
                w = server.write(dut.endpoint, path, payload=body, content_format=CF.TEXT)
                expect.code(w, codes.BAD_REQUEST, clause=clause)
            with criteria.check(f"{path} after the malformed Write"):
                _not_taken(server, dut, path, meant, old, clause)
