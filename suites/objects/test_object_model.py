"""Object model conformance: every object instance the device registers, read and checked against
its object definition (DDF in objects/).

One case per object, ``MP-OBJ-<oid>``: the list below covers the core objects a meter
registers, the metering objects and the SEW delivery set, and every object defined in the DDF
folders the device's profile names (``ddf_dirs``: a vendor's own objects, covered with no change
here); an object the device did not register is "not applicable".  The definition used is the version the device implements
(``ver=`` in its Register, else its LwM2M release's default: :mod:`meterproof.lwm2m.model.versions`),
never the newest by accident; an object registered without instances may answer its Read with no values.
"""

from __future__ import annotations

from typing import Any

import pytest

from meterproof.fixtures import CF, codes, expect, mp
from meterproof.fixtures.options import lab_objects

OBJECTS = {1: "LwM2M Server", 2: "Access Control", 3: "Device", 4: "Connectivity Monitoring",
           5: "Firmware Update", 6: "Location", 7: "Connectivity Statistics", 9: "Software Management",
           10: "Cellular Connectivity", 11: "APN Connection Profile", 12: "WLAN Connectivity", 13: "Bearer Selection",
           19: "BinaryAppDataContainer", 20: "Event Log",
           501: "LTE-M/NB-IoT band", 504: "Remote SIM Provisioning", 3421: "Single-phase electrical meter",
           3423: "Gas meter", 3424: "Water meter", 10262: "Interval Data Delivery", 10263: "Event Data Delivery",
           10264: "Delivery Schedule", 10266: "Water Flow Readings", 10281: "Low Battery Alarm"}


def _case(oid: int, name: str) -> Any:
    return pytest.param(oid, id=f"MP-OBJ-{oid}", marks=mp(
        f"MP-OBJ-{oid}", f"{name} (/{oid}): mandatory resources, types and ranges", epic="Core objects",
        feature="Object model", clause=f"OMA TS Core 1.1 §6.3.1 Read; object definition {oid} (OMNA registry)"))


def _accept(dut: Any) -> int | None:
    """TLV when claimed (the 1.0 default), else SenML CBOR or JSON; None lets the device choose."""
    for cf in (CF.TLV, CF.SENML_CBOR, CF.SENML_JSON):
        if dut.serves(cf):
            return cf
    return None


def _definition(dut: Any, oid: int) -> Any:
    version = dut.object_version(oid)
    odef = dut.catalog.best(oid, version)
    if odef is None:
        expect.not_applicable(f"meterproof has no definition of object {oid} version {version} (add its DDF file to "
                              f"the profile's ddf_dirs)")
    return odef


def _instances(dut: Any, oid: int) -> list[str]:
    listed = [f"/{oid}/{i}" for i in dut.instances(oid)]
    return listed or [f"/{oid}"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One case per object of :data:`OBJECTS` and of the profiles' own DDF folders."""
    if metafunc.function is test_object_instances_conform:
        objects = {**OBJECTS, **{oid: name for oid, name in lab_objects(metafunc.config).items() if oid not in OBJECTS}}
        metafunc.parametrize("oid", [_case(oid, name) for oid, name in objects.items()])


def test_object_instances_conform(server, dut, transcript, oid):
    """The device registered object <oid> (else not applicable).
    Read each registered instance (TLV, else SenML): 2.05, and the payload decodes.
    Pass: every mandatory readable resource is present; each value has its definition's type and range.
    Pass: no resource that is not readable (W-only or E) appears in the payload."""
    dut.requires_object(oid)
    odef = _definition(dut, oid)
    for path in _instances(dut, oid):
        r = server.read(dut.endpoint, path, accept=_accept(dut))
        expect.code(r, codes.CONTENT)
        values = expect.decodes(r)
        used = _version_holding(dut, odef, values)
        # an instance whose only mandatory resources are executables (Connectivity Statistics: Start, Stop) may
        # hold no readable value at all
        readable = any(r.mandatory and r.operations.readable for r in used.resources.values())
        expect.has_mandatory_resources(values, dut, obj=oid, version=used.version,
                                       allow_empty=path.count("/") == 1 or not readable)
        for p in values:
            rdef = used.resource(p.ids[2]) if len(p) >= 3 else None
            expect.true(rdef is None or rdef.operations.readable, f"{p} in the Read of {path}",
                        "only readable resources", f"{rdef.name!r} ({rdef.operations.name})" if rdef else "")


def _version_holding(dut: Any, odef: Any, values: Any) -> Any:
    """The definition to judge ``values`` by: the registered version's, unless the device serves resources only a
    later version of the object defines -- then that version's, with a warning that the Register did not declare
    it (TS Core 1.1 §6.2.3: the version is told with ``ver``)."""
    extra = sorted({p.ids[2] for p in values if len(p) >= 3 and p.ids[2] not in odef.resources})
    if not extra:
        return odef
    for v in dut.catalog.versions(odef.id):
        later = dut.catalog.get(odef.id, v)
        if later is not None and v.split(".")[0] == odef.version.split(".")[0] and \
                _newer(v, odef.version) and all(r in later.resources for r in extra):
            expect.should(False, f"object /{odef.id} version in the Register", f"ver={v} (it serves resources "
                          f"{', '.join(map(str, extra))}, which version {odef.version} lacks)",
                          f"{dut.registered_objects().get(odef.id) or 'no ver, i.e. ' + odef.version}",
                          clause="OMA TS Core 1.1 §6.2.3 and §5.1.2 (ver): the client gives the object version")
            return later
    return odef


def _newer(a: str, b: str) -> bool:
    return tuple(int(x) for x in a.split(".")) > tuple(int(x) for x in b.split("."))
