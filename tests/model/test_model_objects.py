"""Our objects/ DDF files: complete, in the 1.1 DDF form, faithful to the registry facts, our own prose."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # only for our own, trusted files: the order check needs the raw tree
from pathlib import Path

import pytest

from meterproof.lwm2m.model import Catalog, ddf
from meterproof.lwm2m.model.catalog import OBJECTS_DIR
from meterproof.tools import ddf_author

REQUIRED = {
    (0, "1.2"), (0, "1.0"), (1, "1.2"), (1, "1.0"), (2, "1.1"), (3, "1.2"), (3, "1.0"), (4, "1.3"), (5, "1.2"),
    (9, "1.0"), (19, "1.0"), (20, "2.1"), (501, "1.0"), (504, "1.0"), (3421, "2.0"), (3423, "1.1"),
    (3424, "1.1"), (10262, "1.0"), (10263, "1.0"), (10264, "1.0"), (10266, "1.0"), (10281, "1.0"),
}

# DDF element order of LWM2M-v1_1.xsd (xs:sequence), which our files follow exactly.
OBJECT_ORDER = ["Name", "Description1", "ObjectID", "ObjectURN", "LWM2MVersion", "ObjectVersion",
                "MultipleInstances", "Mandatory", "Resources", "Description2"]
ITEM_ORDER = ["Name", "Operations", "MultipleInstances", "Mandatory", "Type", "RangeEnumeration", "Units",
              "Description"]


def _ours() -> list:
    return ddf.load_dir(OBJECTS_DIR)


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_objects_folder_has_the_required_definitions_named_by_id_and_version() -> None:
    defs = _ours()
    assert REQUIRED <= {(d.id, d.version) for d in defs}
    newest: dict[int, str] = {}
    for d in defs:
        newest[d.id] = max(newest.get(d.id, d.version), d.version, key=lambda v: tuple(map(int, v.split("."))))
    for d in defs:
        expected = f"{d.id}.xml" if d.version == newest[d.id] else f"{d.id}-{d.version.replace('.', '_')}.xml"
        assert Path(d.source).name == expected


def test_objects_are_generated_from_the_author_tables() -> None:
    assert ddf_author.stale() == [], "run: python -m meterproof.tools.ddf_author"
    files = {p.name for p in OBJECTS_DIR.glob("*.xml")}
    assert files == {o.filename for o in ddf_author.ALL}


@pytest.mark.parametrize("path", sorted(OBJECTS_DIR.glob("*.xml")), ids=lambda p: p.name)
def test_file_form_and_provenance(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert re.search(r"<!-- Facts from the OMNA LwM2M registry, object \d+ version \d+\.\d+; "
                     r"the descriptions are meterproof's own\.", text)
    assert "Copyright" not in text and "Open Mobile Alliance" not in text and "LEGAL" not in text
    assert "LWM2M-v1_1.xsd" in text
    (obj,) = ET.fromstring(text)
    assert [c.tag for c in obj] == OBJECT_ORDER
    for item in obj.find("Resources"):
        assert [c.tag for c in item] == ITEM_ORDER, item.get("ID")
        assert (item.findtext("Description") or "").strip(), f"{path.name} item {item.get('ID')}: no description"


def test_objects_agree_with_the_registry(registry_catalog: Catalog) -> None:
    corrections = ddf_author.CORRECTIONS
    checked = 0
    for ours in _ours():
        reg = registry_catalog.get(ours.id, ours.version)
        if reg is None and (ours.id, ours.version) in ddf_author.SOURCED_ELSEWHERE:
            continue          # the registry file is not among the shared test files; the table says where from
        assert reg is not None, f"{ours.id} {ours.version} is not in the registry"
        where = f"{Path(ours.source).name}"
        assert (ours.multiple, ours.mandatory, ours.lwm2m_version, ours.urn) == \
               (reg.multiple, reg.mandatory, reg.lwm2m_version, reg.urn), where
        assert _norm(ours.name) == _norm(reg.name), where
        assert set(ours.resources) == set(reg.resources), f"{where}: resource ids differ"
        for rid, r in ours.resources.items():
            g = reg.resources[rid]
            facts = ("id", "operations", "multiple", "mandatory", "type", "range_enumeration", "units")
            for f in facts:
                if (ours.id, ours.version, rid) in corrections and corrections[ours.id, ours.version, rid][0] == f:
                    assert getattr(r, f) != getattr(g, f), f"{where} item {rid}: correction no longer needed"
                    continue
                assert getattr(r, f) == getattr(g, f), f"{where} item {rid}: {f}"
            assert _norm(r.name) == _norm(g.name), f"{where} item {rid}: name"
            checked += 1
    assert checked > 350


def test_prose_is_our_own(registry_dir: Path, registry_catalog: Catalog) -> None:
    for ours in _ours():
        reg = registry_catalog.get(ours.id, ours.version)
        if reg is None and (ours.id, ours.version) in ddf_author.SOURCED_ELSEWHERE:
            continue            # no registry copy beside us to compare with (the source is named there)
        ours_bytes = Path(ours.source).read_bytes()
        assert ours_bytes != (registry_dir / Path(ours.source).name).read_bytes()
        assert _norm(ours.description) != _norm(reg.description)
        for rid, r in ours.resources.items():
            theirs = _norm(reg.resources[rid].description)
            assert _norm(r.description) != theirs, f"{ours.id}/{rid}: description copied from the registry"
            if len(theirs) > 60:
                assert _norm(r.description) not in theirs, f"{ours.id}/{rid}: description lifted from the registry"
