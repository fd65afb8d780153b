"""The catalog: versions, per-device pins, the TypeResolver view, vendor folders, load time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from meterproof.errors import ModelError
from meterproof.lwm2m.model import Catalog, ObjectDef, ResourceDef, default_catalog
from meterproof.lwm2m.model import catalog as catalog_module
from meterproof.lwm2m.model.types import DataType, Operations
from meterproof.lwm2m.path import P
from meterproof.tools import ddf_author


def test_default_catalog_has_the_project_objects() -> None:
    cat = default_catalog()
    for oid in (0, 1, 2, 3, 4, 5, 9, 19, 20, 501, 504, 3421, 3423, 3424, 10262, 10263, 10264, 10266, 10281):
        assert oid in cat, oid
    assert cat.versions(3) == ["1.0", "1.2"]
    assert cat.versions(0) == ["1.0", "1.2"] and cat.versions(1) == ["1.0", "1.2"]
    assert cat.get(3).version == "1.2"
    assert cat.get(3, "1.0").version == "1.0"
    assert cat.get(3, "1.1") is None and cat.get(65000) is None
    assert all(d.source.startswith(str(catalog_module.OBJECTS_DIR)) for d in cat)


def test_resource_def_uses_the_pinned_version() -> None:
    cat = default_catalog()
    assert cat.resource_def(P("/3/0/9")).units == "/100"  # unpinned: newest (1.2)
    v10 = cat.for_versions({3: "1.0"})
    assert v10.resource_def(P("/3/0/9")).units == "%"
    assert v10.object_def(P("/3")).version == "1.0"
    assert v10.pins == {3: "1.0"}
    # a device registering 1.1 gets the newer same-major definition (a superset)
    assert cat.for_versions({3: "1.1"}).object_def(P("/3/0")).version == "1.2"
    # the view does not leak into the shared default
    assert default_catalog().resource_def(P("/3/0/9")).units == "/100"
    assert default_catalog().pins == {}


def test_pin_on_one_catalog_only() -> None:
    cat = default_catalog()
    cat.pin(1, "1.0")
    assert cat.resource_def(P("/1/0/9")) is None  # 1.0 has no resource 9
    assert default_catalog().resource_def(P("/1/0/9")).operations == Operations.E
    with pytest.raises(ModelError):
        cat.pin(1, "one")


def test_resource_def_paths() -> None:
    cat = default_catalog()
    r = cat.resource_def(P("/3/0/7/1"))  # resource instance -> its resource
    assert (r.id, r.type, r.multiple, r.operations) == (7, DataType.INTEGER, True, Operations.R)
    assert cat.resource_def(P("/3/0")) is None and cat.resource_def(P("/3")) is None
    assert cat.resource_def(P("/")) is None
    assert cat.resource_def(P("/3/0/999")) is None and cat.resource_def(P("/65000/0/0")) is None
    assert cat.object_def(P("/")) is None and cat.object_def(3).id == 3


def _obj(oid: int, version: str, rtype: DataType, name: str = "X") -> ObjectDef:
    return ObjectDef(oid, name, version=version,
                     resources={0: ResourceDef(0, "v", Operations.R, False, True, rtype)})


def test_other_major_version_is_never_substituted() -> None:
    cat = Catalog([_obj(40000, "2.0", DataType.FLOAT), _obj(40000, "1.1", DataType.STRING)])
    assert cat.versions(40000) == ["1.1", "2.0"]
    assert cat.best(40000, "1.0").version == "1.1"
    assert cat.best(40000, "1.3").version == "1.1"  # only an older same-major one exists
    assert cat.best(40000, "3.0") is None
    assert cat.for_versions({40000: "3.0"}).resource_def(P("/40000/0/0")) is None
    assert cat.resource_def(P("/40000/0/0")).type is DataType.FLOAT


def test_versions_compare_numerically() -> None:
    cat = Catalog([_obj(40001, "1.9", DataType.STRING), _obj(40001, "1.10", DataType.INTEGER)])
    assert cat.versions(40001) == ["1.9", "1.10"]
    assert cat.get(40001).version == "1.10"


VENDOR = """<LWM2M><Object ObjectType="MODefinition"><Name>{name}</Name><ObjectID>{oid}</ObjectID>
<ObjectVersion>{ver}</ObjectVersion><MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory>
<Resources><Item ID="0"><Name>v</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances>
<Mandatory>Optional</Mandatory><Type>String</Type></Item></Resources></Object></LWM2M>"""


def test_with_user_dirs_overrides_and_extends(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "3.xml").write_text(VENDOR.format(name="Vendor Device", oid=3, ver="1.2"))
    (a / "33000.xml").write_text(VENDOR.format(name="Vendor A", oid=33000, ver="1.0"))
    (b / "33000.xml").write_text(VENDOR.format(name="Vendor B", oid=33000, ver="1.0"))
    (b / "3-1_3.xml").write_text(VENDOR.format(name="Device 1.3", oid=3, ver="1.3"))
    cat = Catalog.with_user_dirs(a, b)
    assert cat.get(3, "1.2").name == "Vendor Device"      # same (id, version): vendor's replaces ours
    assert cat.get(33000).name == "Vendor B"              # later folder wins
    assert cat.versions(3) == ["1.0", "1.2", "1.3"]       # a new version extends
    assert cat.get(3).name == "Device 1.3"
    assert default_catalog().get(3).name == "Device"      # the default is untouched


def test_default_catalog_is_parsed_once() -> None:
    """One definition per objects/ file, parsed once per process: later calls share the parsed definitions (how
    fast that is, is the benchmarks' business, not an assertion here)."""
    catalog_module._default_defs.cache_clear()
    cold = default_catalog()
    assert len(cold) == len(ddf_author.ALL)     # one definition per objects/ file
    assert catalog_module._default_defs.cache_info().misses == 1
    for _ in range(3):
        assert default_catalog().get(3) is cold.get(3)
    assert catalog_module._default_defs.cache_info().misses == 1
