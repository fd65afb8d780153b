"""OMA ETS cases on the Portfolio object /16 (ETS configuration C.12): Write on a resource instance (int-228),
Write-Composite (int-230), setting values in SenML CBOR and JSON (int-233, int-234), Observe-Composite while
instances come and go (int-308, int-309), Create and Delete of Portfolio instances (int-1630, int-1635).

Source of the steps and pass criteria: OMA-ETS-LightweightM2M_INT-V1_2-20231003-A §6.3.18, 6.3.20, 6.3.23,
6.3.24, 6.4.8, 6.4.9, 6.7.5.6, 6.7.5.7 (paraphrased in ../shared/reference/oma-ets-cases.md §1.3, §1.4, §1.8).
Object 16 (Portfolio 1.0): multi-instance, Identity /16/x/0 a mandatory multiple String resource.

The ETS writes /16/0 and /16/1 and presumes C.12 (/16/0/0/0..3 hold four identities).  A device decides its
instance ids and may have no Portfolio at all: the cases take the instances from the device's registration,
create new ones at ids the registration leaves free, and are not applicable where the device has no /16 (or
no instance the case needs), with the reason.  What a case creates it deletes afterwards, what it deletes it
creates again, what it writes it writes back.
"""

from __future__ import annotations

from typing import Any

from meterproof.fixtures import CF, P, codes, errata, ets, expect, requires
from meterproof.fixtures.observation import (attributes as _attributes, check_periods as _check_periods,
                                            periods as _periods, values as _values)
from meterproof.lwm2m.values import ValueTree

PORTFOLIO, IDENTITY = 16, 0
LIFETIME, STORING = 1, 6                        # resources of the Server Object instance serving us
C12 = "ETS configuration C.12 (a Portfolio instance)"
#: the identities the ETS writes (int-230/308/309 step 1 and int-308/309's second instance; int-1630's Create)
FIRST_SET = ("aa", "bb", "cc", "dd")
SECOND_SET = ("11", "22", "33", "44")
CREATE_1630 = ("Host Device ID #2", "Host Device Model #2")


# ---------------------------------------------------------------------------- helpers
def _instances(dut: Any, why: str) -> list[int]:
    """The Portfolio instances the device registered; not applicable without the object."""
    dut.requires_object(PORTFOLIO, why)
    return dut.instances(PORTFOLIO)


def _identities(server: Any, dut: Any, iid: int) -> dict[int, Any]:
    """The Identity resource instances of /16/iid (a supporting Read in the device's multi-value format)."""
    path = f"/{PORTFOLIO}/{iid}/{IDENTITY}"
    with expect.supporting(f"read {path} for reference", "int-224 (Read on Resource)"):
        r = server.read(dut.endpoint, path, accept=dut.instance_format())
        expect.code(r, codes.CONTENT)
        values = expect.decodes(r)
    return {k.ids[3]: v for k, v in values.items() if len(k) == 4 and k.truncate(3) == P(path)}


def _portfolio_instance(server: Any, dut: Any, at_least: int) -> tuple[int, dict[int, Any]]:
    """The first registered Portfolio instance whose Identity holds ``at_least`` instances, and them."""
    listed = _instances(dut, C12)
    for iid in listed:
        ids = _identities(server, dut, iid)
        if len(ids) >= at_least:
            return iid, ids
    expect.not_applicable(f"no Portfolio instance of the device ({', '.join(f'/16/{i}' for i in listed) or 'none'}) "
                          f"has {at_least} Identity instances, as {C12} presumes")
    raise AssertionError("unreachable")


def _free_ids(dut: Any, count: int) -> list[int]:
    """``count`` instance ids the device's registration leaves free (the lowest, as the ETS's 0 and 1 are)."""
    used = set(dut.instances(PORTFOLIO))
    out: list[int] = []
    iid = 0
    while len(out) < count:
        if iid not in used:
            out.append(iid)
        iid += 1
    return out


def _identity_tree(iid: int, identities: tuple[str, ...]) -> dict[str, str]:
    return {f"/{PORTFOLIO}/{iid}/{IDENTITY}/{k}": v for k, v in enumerate(identities)}


def _create(server: Any, dut: Any, iid: int, identities: tuple[str, ...], cf: int | None = None) -> Any:
    """Create /16/iid (the id named in the payload) with these identities: 2.01; deleted when the case ends."""
    r = server.create(dut.endpoint, f"/{PORTFOLIO}", _identity_tree(iid, identities),
                      content_format=cf or dut.instance_format())
    expect.code(r, codes.CREATED, clause="OMA TS Core 1.1 §5.4.6 Create; OMA TS Transport 1.1 §6.4 (2.01 Created)")
    dut.delete_later(f"/{PORTFOLIO}/{iid}")
    return r


def _discover(server: Any, dut: Any, path: str) -> dict[str, dict[str, Any]]:
    r = server.discover(dut.endpoint, path)
    expect.code(r, codes.CONTENT, clause="OMA TS Core 1.1 §5.4.2 Discover")
    expect.true(r.links is not None, f"Discover {path} payload", "CoRE link format", r.decode_error)
    return {lk.target: lk.params for lk in r.links}


def _dim(links: dict[str, dict[str, Any]], resource: str, expected: int, what: str) -> None:
    expect.true(resource in links, f"<{resource}> in {what}", "listed", ", ".join(links) or "no links")
    dim = str(links[resource].get("dim", "")).strip('"')
    expect.equal(dim, str(expected), f"dim of <{resource}> in {what}",
                 clause="OMA TS Core 1.1 §5.1.2 <PROPERTIES> dim: the number of instances of a multiple resource")


def _read(server: Any, dut: Any, path: str, accept: int | None = None) -> ValueTree:
    r = server.read(dut.endpoint, path, accept=accept)
    expect.code(r, codes.CONTENT, clause="OMA TS Core 1.1 §5.4.1 Read")
    return expect.decodes(r)


def _senml(dut: Any) -> int:
    return CF.SENML_CBOR if dut.serves(CF.SENML_CBOR) else CF.SENML_JSON


def _keep_identities(dut: Any, iid: int, ids: dict[int, Any], riids: Any) -> None:
    """Write the device's own identities back into the ``riids`` of /16/iid when the case ends."""
    for k in riids:
        if k in ids:
            dut.restore_later(f"/{PORTFOLIO}/{iid}/{IDENTITY}/{k}", ids[k], dut.value_format())


def _lifetime_update(server: Any, dut: Any, timing: Any, mark: int, t0: float, lifetime: int, what: str) -> None:
    expect.update_carrying(server, dut.endpoint, {"lt": str(lifetime)}, since=mark, at=t0,
                           within=lifetime + timing.late, promptly=timing.reaction, what=what)


# ---------------------------------------------------------------------------- Device Management (§6.3)
@ets("LightweightM2M-1.1-int-228", "Write on Resource Instance",
     clause="OMA TS Core 1.1 §5.4.3 Write on a Resource Instance; OMA TS Transport 1.1 §6.4 (PUT)")
@requires(lwm2m="1.1")
def test_int_228_write_resource_instance(server, dut, transcript):
    """C.1 + a Portfolio instance x whose Identity has at least two instances (the first such instance the device
    registered; y: its second Identity instance).
    1. Write /16/x/0/y = "test" (erratum: PUT, the ETS prints POST), a payload with only instance y: 2.04.
    2. GET /16/x/0/y: 2.05 holding only /16/x/0/y, equal to "test".
    The identity is written back afterwards."""
    errata.apply("resource-write-is-put")
    iid, ids = _portfolio_instance(server, dut, at_least=2)
    path = f"/{PORTFOLIO}/{iid}/{IDENTITY}/{sorted(ids)[1]}"
    _keep_identities(dut, iid, ids, [P(path).ids[3]])
    expect.code(server.write(dut.endpoint, path, "test", content_format=dut.value_format()), codes.CHANGED,
                clause="OMA TS Transport 1.1 §6.4 Write: 2.04 Changed")
    values = _read(server, dut, path)
    expect.value(values, path, "test", clause="ETS int-228: the Read returns the value written")
    stray = [str(k) for k in values if k != P(path)]
    expect.true(not stray, f"paths in the answer to {path}", f"only {path}", ", ".join(stray[:5]))


@ets("LightweightM2M-1.1-int-230", "Write-Composite Operation",
     clause="OMA TS Core 1.1 §5.4.4 Write-Composite; OMA TS Transport 1.1 §6.4 (iPATCH)")
@requires(lwm2m="1.1", feature="composite")
def test_int_230_write_composite(server, dut, timing, transcript):
    """C.1 + a Portfolio instance x (the first the device registered; the ETS's /16/0).
    1. One iPATCH (SenML CBOR, or JSON where the device takes no CBOR): /1/s/1 = 61, /1/s/6 = true,
       /16/x/0/0..3 = "aa", "bb", "cc", "dd" (s: the Server instance serving us): 2.04, and the client sends an
       Update carrying lt=61.
    2. GET /1/s and GET /16: 2.05 each, holding the values written.
    Lifetime, storing and the identities are written back afterwards."""
    iid = next(iter(_instances(dut, C12)), None)
    if iid is None:
        expect.not_applicable(f"the device registered /16 without an instance, which {C12} presumes")
    ids = _identities(server, dut, iid)
    saved = _read(server, dut, dut.server_path())
    for rid in (LIFETIME, STORING):
        dut.restore_later(dut.server_path(rid), saved.get(P(dut.server_path(rid))), dut.value_format())
    _keep_identities(dut, iid, ids, range(len(FIRST_SET)))
    new: dict[str, Any] = {dut.server_path(LIFETIME): 61, dut.server_path(STORING): True,
                           **_identity_tree(iid, FIRST_SET)}
    mark, t0 = server.mark(), server.now()
    expect.code(server.write_composite(dut.endpoint, new, content_format=_senml(dut)), codes.CHANGED,
                clause="OMA TS Transport 1.1 §6.4 Write-Composite: 2.04 Changed")
    _lifetime_update(server, dut, timing, mark, t0, 61, "Registration Update after the lifetime change")
    after = {**_read(server, dut, dut.server_path()), **_read(server, dut, f"/{PORTFOLIO}")}
    for path, v in new.items():
        expect.value(after, path, v, clause="ETS int-230: the Reads return the values of the Write-Composite")


def _set_in_senml(server: Any, dut: Any, timing: Any, cf: int) -> None:
    """int-233/234 in ``cf``: partial update of /1/s, write of one identity, write of the lifetime."""
    iid = next(iter(_instances(dut, C12)), None)
    if iid is None:
        expect.not_applicable(f"the device registered /16 without an instance, which {C12} presumes")
    inst, identity = dut.server_path(), f"/{PORTFOLIO}/{iid}/{IDENTITY}/0"
    ids = _identities(server, dut, iid)
    saved = _read(server, dut, inst)
    for rid in (LIFETIME, STORING):
        dut.restore_later(dut.server_path(rid), saved.get(P(dut.server_path(rid))), dut.value_format())
    _keep_identities(dut, iid, ids, [0])
    # 1. partial update of the Server instance: 2.04 and an Update with the new lifetime
    mark, t0 = server.mark(), server.now()
    expect.code(server.write(dut.endpoint, inst, {dut.server_path(LIFETIME): 61, dut.server_path(STORING): True},
                             content_format=cf, partial=True), codes.CHANGED,
                clause="OMA TS Transport 1.1 §6.4 Write (partial update): 2.04 Changed")
    _lifetime_update(server, dut, timing, mark, t0, 61, "Registration Update after the lifetime change")
    # 2. GET /1 shows them
    objects = _read(server, dut, "/1")
    expect.value(objects, dut.server_path(LIFETIME), 61)
    expect.value(objects, dut.server_path(STORING), True)
    # 3. write an identity, 4. GET /16 shows it
    expect.code(server.write(dut.endpoint, identity, "test_value", content_format=cf), codes.CHANGED,
                clause="OMA TS Transport 1.1 §6.4 Write: 2.04 Changed")
    expect.value(_read(server, dut, f"/{PORTFOLIO}"), identity, "test_value")
    # 5. write the lifetime: 2.04 and an Update; 6. GET /1/s/1 = 63
    mark, t0 = server.mark(), server.now()
    expect.code(server.write(dut.endpoint, dut.server_path(LIFETIME), 63, content_format=cf), codes.CHANGED,
                clause="OMA TS Transport 1.1 §6.4 Write: 2.04 Changed")
    _lifetime_update(server, dut, timing, mark, t0, 63, "Registration Update after the lifetime write")
    expect.value(_read(server, dut, dut.server_path(LIFETIME)), dut.server_path(LIFETIME), 63)


@ets("LightweightM2M-1.1-int-233", "Setting basic information in SenML CBOR format",
     clause="OMA TS Core 1.1 §7.4.5 SenML CBOR; OMA TS Transport 1.1 §6.4 Write")
@requires(lwm2m="1.1", content_format=CF.SENML_CBOR)
def test_int_233_write_senml_cbor(server, dut, timing, transcript):
    """C.1 + a Portfolio instance x (the first the device registered; the ETS's /16/0); s: the Server instance
    serving us.  Every write in SenML CBOR (112):
    1. POST /1/s with lifetime 61 and storing true: 2.04 and an Update carrying lt=61.  2. GET /1: 2.05 with both.
    3. Write /16/x/0/0 = "test_value": 2.04.  4. GET /16: 2.05 with it.
    5. Write /1/s/1 = 63 (the ETS prints the path /1/x): 2.04 and an Update carrying lt=63.  6. GET /1/s/1: 2.05 = 63.
    Lifetime, storing and the identity are written back afterwards."""
    _set_in_senml(server, dut, timing, CF.SENML_CBOR)


@ets("LightweightM2M-1.1-int-234", "Setting basic information in SenML JSON format",
     clause="OMA TS Core 1.1 §7.4.4 SenML JSON; OMA TS Transport 1.1 §6.4 Write")
@requires(lwm2m="1.1", content_format=CF.SENML_JSON)
def test_int_234_write_senml_json(server, dut, timing, transcript):
    """C.1 + a Portfolio instance x (the first the device registered; the ETS's /16/0); s: the Server instance
    serving us.  Every write in SenML JSON (110):
    1. POST /1/s with lifetime 61 and storing true: 2.04 and an Update carrying lt=61.  2. GET /1: 2.05 with both.
    3. Write /16/x/0/0 = "test_value": 2.04.  4. GET /16: 2.05 with it.
    5. Write /1/s/1 = 63 (the ETS prints the path /1/x): 2.04 and an Update carrying lt=63.  6. GET /1/s/1: 2.05 = 63.
    Lifetime, storing and the identity are written back afterwards."""
    _set_in_senml(server, dut, timing, CF.SENML_JSON)


# ---------------------------------------------------------------------------- Information Reporting (§6.4)
def _observe_both(server: Any, dut: Any, paths: tuple[str, ...]) -> Any:
    obs = server.observe_composite(dut.endpoint, paths, content_format=_senml(dut))
    expect.code(obs.first, codes.CONTENT, clause="OMA TS Transport 1.1 §6.5 Observe-Composite (FETCH): 2.05")
    expect.true(obs.established, "Observe-Composite: the 2.05 carries an Observe option", "Observe option", "none")
    obs.t0 = obs.now()
    return obs


def _instances_in(values: ValueTree) -> set[str]:
    return {str(k.truncate(2)) for k in values if k.object_id == PORTFOLIO and len(k) >= 2}


def _holds_exactly(values: ValueTree, wanted: tuple[str, ...], what: str) -> None:
    expect.equal(sorted(_instances_in(values)), sorted(wanted), f"Portfolio instances in {what}",
                 clause="OMA TS Core 1.1 §5.5.1 Observe-Composite: the notification carries the current values of "
                        "the observed paths")


def _first(obs: Any, pmin: int, pmax: float, timing: Any) -> Any:
    """The first notification: no earlier than pmin, no later than pmax after the Observe-Composite (the ETS's
    "no earlier than 30 s and no later than 45 s")."""
    n = expect.notification(obs, pmax + timing.late, "composite notification")
    _check_periods(obs, [n], timing, pmin=pmin, pmax=pmax)
    return n


def _next_after(obs: Any, previous: Any, since: float, pmin: int, pmax: float, timing: Any, what: str) -> Any:
    """The first notification sent after ``since`` (a change), between pmin and pmax after the one before it."""
    while True:
        n = expect.notification(obs, pmax + timing.late, what)
        if n.time > since:
            obs.t0 = previous.time
            _check_periods(obs, [n], timing, pmin=pmin, pmax=pmax)
            return n
        previous = n


@ets("LightweightM2M-1.1-int-308", "Observe-Composite and Creating Object Instance",
     clause="OMA TS Core 1.1 §5.5.1 Observe-Composite, §5.4.6 Create")
@requires(lwm2m="1.1", feature="composite")
def test_int_308_observe_composite_create(server, dut, timing, transcript):
    """C.1 + Portfolio; a and b: the two lowest instance ids the device's registration leaves free (the ETS's 0
    and 1; b does not exist).  The ETS's pmin 30 / pmax 45 scaled to the profile's pmin/pmax (1 s / 2 s nominal).
    1. Create /16/a with Identity "aa", "bb", "cc", "dd": 2.01.
    2. Write-Attributes /16/a?pmin&pmax: 2.04 (a SHOULD of the client: refused, not applicable).
    3. FETCH Observe=0 on /16/a and /16/b: 2.05 holding /16/a only.
    4. A notification no earlier than pmin and no later than pmax after the 2.05, holding /16/a only.
    5. Create /16/b with Identity "11", "22", "33", "44" (erratum: the ETS prints /16/0/0/x): 2.01.
    6. The next notification, between pmin and pmax after the one before, holds /16/a and /16/b.
    Both instances are deleted afterwards."""
    errata.apply("int-308-instance-paths")
    _instances(dut, "the Portfolio object the case creates instances of")
    a, b = (f"/{PORTFOLIO}/{i}" for i in _free_ids(dut, 2))
    pmin, pmax = _periods(timing)
    _create(server, dut, P(a).ids[1], FIRST_SET)
    _attributes(server, dut, a, pmin=pmin, pmax=pmax)
    obs = _observe_both(server, dut, (a, b))
    _holds_exactly(expect.decodes(obs.first), (a,), "the Observe-Composite response")
    first = _first(obs, pmin, pmax, timing)
    _holds_exactly(_values(obs, first), (a,), "the first notification")
    created = server.now()
    _create(server, dut, P(b).ids[1], SECOND_SET)
    n = _next_after(obs, first, created, pmin, pmax, timing, f"composite notification after {b} was created")
    _holds_exactly(_values(obs, n), (a, b), f"the notification after {b} was created")


@ets("LightweightM2M-1.1-int-309", "Observe-Composite and Deleting Object Instance",
     clause="OMA TS Core 1.1 §5.5.1 Observe-Composite, §5.4.7 Delete")
@requires(lwm2m="1.1", feature="composite")
def test_int_309_observe_composite_delete(server, dut, timing, transcript):
    """C.1 + Portfolio; a and b: the two lowest instance ids the device's registration leaves free (the ETS's 0
    and 1).  The ETS's pmin 30 / pmax 45 scaled to the profile's pmin/pmax (1 s / 2 s nominal).
    1. Create /16/a ("aa".."dd") and 2. /16/b ("11".."44"): 2.01 each.
    3. Write-Attributes /16/a?pmin&pmax: 2.04 (a SHOULD of the client: refused, not applicable).
    4. FETCH Observe=0 on /16/a and /16/b: 2.05 holding both.
    5. A notification no earlier than pmin and no later than pmax after the 2.05, holding both.
    6. DELETE /16/b: 2.02 Deleted (erratum: the ETS prints 2.04).
    7. The next notification, between pmin and pmax after the one before, holds /16/a only.
    The instances left are deleted afterwards."""
    errata.apply("delete-is-2.02")
    _instances(dut, "the Portfolio object the case creates instances of")
    ia, ib = _free_ids(dut, 2)
    a, b = f"/{PORTFOLIO}/{ia}", f"/{PORTFOLIO}/{ib}"
    pmin, pmax = _periods(timing)
    _create(server, dut, ia, FIRST_SET)
    r = server.create(dut.endpoint, f"/{PORTFOLIO}", _identity_tree(ib, SECOND_SET), content_format=dut.instance_format())
    gone = not r.ok                      # /16/b is deleted by the case itself (step 6), else afterwards here
    try:
        expect.code(r, codes.CREATED, clause="OMA TS Core 1.1 §5.4.6 Create; OMA TS Transport 1.1 §6.4")
        _attributes(server, dut, a, pmin=pmin, pmax=pmax)
        obs = _observe_both(server, dut, (a, b))
        _holds_exactly(expect.decodes(obs.first), (a, b), "the Observe-Composite response")
        first = _first(obs, pmin, pmax, timing)
        _holds_exactly(_values(obs, first), (a, b), "the first notification")
        deleted = server.now()
        expect.code(server.delete(dut.endpoint, b), codes.DELETED, clause="OMA TS Transport 1.1 §6.4 Delete: 2.02")
        gone = True
        n = _next_after(obs, first, deleted, pmin, pmax, timing, f"composite notification after {b} was deleted")
        _holds_exactly(_values(obs, n), (a,), f"the notification after {b} was deleted")
    finally:
        if not gone:
            server.delete(dut.endpoint, b)


# ---------------------------------------------------------------------------- Portfolio object (§6.7.5)
@ets("LightweightM2M-1.1-int-1630", "Create Portfolio Object Instance",
     clause="OMA TS Core 1.1 §5.4.6 Create; OMA TS Transport 1.1 §6.4")
def test_int_1630_create_portfolio_instance(server, dut, transcript):
    """C.12; x: the first Portfolio instance the device registered (the ETS's /16/0), n: the lowest instance id its
    registration leaves free (the ETS's 1).
    1. Discover /16/x: 2.05 with </16/x/0> carrying dim = the number of its Identity instances (C.12: 4).
    2. Create POST /16 with instance n and Identity "Host Device ID #2", "Host Device Model #2" in TLV (the
       device's own multi-value format where it takes no TLV): 2.01 Created (erratum: a Location-Path is not
       required as the payload names the instance; if given it names /16/n).
    3. Discover /16/n: 2.05 with </16/n/0>;dim=2.
    4. GET /16 (TLV, else the device's format): 2.05 with /16/x's identities and /16/n's two.
    /16/n is deleted afterwards."""
    errata.apply("int-1630-create")
    iid, ids = _portfolio_instance(server, dut, at_least=1)
    _dim(_discover(server, dut, f"/{PORTFOLIO}/{iid}"), f"/{PORTFOLIO}/{iid}/{IDENTITY}", len(ids),
         f"Discover /16/{iid}")
    (new,) = _free_ids(dut, 1)
    cf = CF.TLV if dut.serves(CF.TLV) else dut.instance_format()
    r = _create(server, dut, new, CREATE_1630, cf)
    loc = "/" + "/".join(r.location_path) if getattr(r, "location_path", None) else None
    expect.true(loc in (None, f"/{PORTFOLIO}/{new}"), "Location-Path of the 2.01", f"none or /{PORTFOLIO}/{new}",
                str(loc), clause="OMA TS Transport 1.1 §6.4 Create: the instance the payload names is created")
    _dim(_discover(server, dut, f"/{PORTFOLIO}/{new}"), f"/{PORTFOLIO}/{new}/{IDENTITY}", len(CREATE_1630),
         f"Discover /16/{new}")
    values = _read(server, dut, f"/{PORTFOLIO}", accept=cf)
    for k, v in ids.items():
        expect.value(values, f"/{PORTFOLIO}/{iid}/{IDENTITY}/{k}", v)
    for path, v in _identity_tree(new, CREATE_1630).items():
        expect.value(values, path, v, clause="ETS int-1630: the Read returns the created instance")


@ets("LightweightM2M-1.1-int-1635", "Delete Portfolio Object Instance",
     clause="OMA TS Core 1.1 §5.4.7 Delete; OMA TS Transport 1.1 §6.4")
def test_int_1635_delete_portfolio_instances(server, dut, transcript):
    """C.12; x: the first Portfolio instance the device registered (the ETS's /16/0).
    1. Discover /16/x: 2.05 with at least </16/x> and </16/x/0> carrying dim = its Identity instances (C.12: 4).
    2. DELETE each Portfolio instance the device registered: 2.02 Deleted each (erratum: the ETS prints 2.04).
    3. Discover /16: 2.05 with </16> only (the object stays, without instances).
    Each instance is created again afterwards with the writable values it held."""
    errata.apply("delete-is-2.02")
    iid, ids = _portfolio_instance(server, dut, at_least=1)
    links = _discover(server, dut, f"/{PORTFOLIO}/{iid}")
    expect.true(f"/{PORTFOLIO}/{iid}" in links, f"</16/{iid}> in Discover /16/{iid}", "listed", ", ".join(links))
    _dim(links, f"/{PORTFOLIO}/{iid}/{IDENTITY}", len(ids), f"Discover /16/{iid}")
    cf = dut.instance_format()
    odef = dut.object_def(PORTFOLIO)
    for each in dut.instances(PORTFOLIO):
        with expect.supporting(f"read /16/{each} to create it again afterwards", "int-223 (Read on Object Instance)"):
            held = _read(server, dut, f"/{PORTFOLIO}/{each}", accept=cf)
        writable = {str(k): v for k, v in held.items()
                    if odef is not None and (rd := odef.resource(k.ids[2])) is not None and rd.operations.writable}
        expect.code(server.delete(dut.endpoint, f"/{PORTFOLIO}/{each}"), codes.DELETED,
                    clause="OMA TS Transport 1.1 §6.4 Delete: 2.02 Deleted")
        dut.create_later(f"/{PORTFOLIO}/{each}", writable, cf)
    after = _discover(server, dut, f"/{PORTFOLIO}")
    expect.equal(sorted(after), [f"/{PORTFOLIO}"], "links in Discover /16 after the deletes",
                 clause="OMA TS Core 1.1 §5.4.2 Discover on an object: its instances and their resources")
