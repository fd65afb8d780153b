"""Load OMNA DDF XML (LwM2M object definitions) into :class:`ObjectDef` values.

A DDF file is ``<LWM2M><Object ObjectType="MODefinition">...</Object></LWM2M>``.
Real files differ in ways that do not matter to us and this reader accepts them
all (see ``shared/objects-ddf/INDEX.md`` for the registry's quirks):

* child elements in any order (the uCIFI files put ``<Type>`` before
  ``<Operations>``), any XML namespace, ``xsi:`` attributes, a UTF-8 BOM;
* both schema versions (LWM2M.xsd 1.0 and LWM2M-v1_1.xsd, whose types add
  ``Unsigned Integer`` and ``Corelnk``);
* no ``<ObjectVersion>`` / ``<LWM2MVersion>``: both mean "1.0";
* several ``<Object>`` elements in one file;
* ``<Object ObjectType="CommonResources">`` (the registry's reusable
  resources, ``Common.xml``) defines no object and yields nothing.

Parsing goes through :mod:`defusedxml` with DTDs forbidden: a DDF never needs
one, so entity expansion ("billion laughs") and external entities are refused
before they can cost anything.  Every problem is a one-line
:class:`~meterproof.errors.ModelError` naming the file, the object or item and
what is wrong, e.g. ``objects/3.xml: Object 3 Item 7: unknown Type 'Int'``.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path as FsPath
from typing import Iterator
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from ...errors import ModelError
from .types import DataType, ObjectDef, Operations, ResourceDef

__all__ = ["MAX_DDF_BYTES", "load", "load_dir", "load_file", "parse_ddf", "iter_dir"]

log = logging.getLogger(__name__)

#: Largest DDF we read.  The biggest registry file is ~100 KB; this only stops
#: a hostile or mistaken "DDF" from being read into memory whole.
MAX_DDF_BYTES = 8 * 1024 * 1024

_VERSION = re.compile(r"^\d+\.\d+$")
_MAX_ID = 65535


def _local(tag: object) -> str:
    """Tag name without its ``{namespace}`` (comments/PIs have non-str tags)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(elem: Element) -> dict[str, Element]:
    """First child of each local name; order of children does not matter."""
    out: dict[str, Element] = {}
    for child in elem:
        out.setdefault(_local(child.tag), child)
    return out


def _text(children: dict[str, Element], name: str) -> str | None:
    """Stripped text of child ``name``; None when the element is absent."""
    elem = children.get(name)
    if elem is None:
        return None
    return (elem.text or "").strip()


def _parse_bool(text: str | None, true: str, false: str, what: str, where: str) -> bool:
    """``Multiple``/``Single`` or ``Mandatory``/``Optional`` (any case)."""
    if text is None:
        raise ModelError(f"{where}: missing <{what}>")
    t = text.strip().lower()
    if t == true.lower():
        return True
    if t == false.lower():
        return False
    raise ModelError(f"{where}: <{what}> must be {true!r} or {false!r}, got {text!r}")


def _parse_id(text: str | None, what: str, where: str) -> int:
    if text is None or text == "":
        raise ModelError(f"{where}: missing {what}")
    t = text.strip()
    if not t.isascii() or not t.isdigit() or int(t) > _MAX_ID:
        raise ModelError(f"{where}: {what} must be an integer 0..65535, got {text!r}")
    return int(t)


def _parse_version(text: str | None, what: str, where: str) -> str:
    if not text:
        return "1.0"
    if not _VERSION.match(text):
        raise ModelError(f"{where}: <{what}> must look like '1.0', got {text!r}")
    return text


def _description(children: dict[str, Element], *names: str) -> str:
    parts = [_text(children, n) or "" for n in names]
    return "\n\n".join(p for p in parts if p)


def _parse_item(item: Element, where: str) -> ResourceDef:
    rid = _parse_id(item.get("ID"), "Item ID attribute", where)
    where = f"{where} Item {rid}"
    ch = _children(item)
    try:
        ops = Operations.from_ddf(_text(ch, "Operations"))
    except ValueError:
        raise ModelError(f"{where}: unknown Operations {_text(ch, 'Operations')!r}") from None
    type_text = _text(ch, "Type")
    if type_text is None and ops & Operations.RW:
        raise ModelError(f"{where}: missing <Type> for a readable/writable resource")
    try:
        dtype = DataType.from_ddf(type_text)
    except ValueError:
        raise ModelError(f"{where}: unknown Type {type_text!r}") from None
    return ResourceDef(
        id=rid,
        name=_text(ch, "Name") or "",
        operations=ops,
        multiple=_parse_bool(_text(ch, "MultipleInstances"), "Multiple", "Single",
                             "MultipleInstances", where),
        mandatory=_parse_bool(_text(ch, "Mandatory"), "Mandatory", "Optional", "Mandatory", where),
        type=dtype,
        range_enumeration=_text(ch, "RangeEnumeration") or "",
        units=_text(ch, "Units") or "",
        description=_description(ch, "Description"),
    )


def _parse_object(obj: Element, source: str) -> ObjectDef:
    ch = _children(obj)
    oid = _parse_id(_text(ch, "ObjectID"), "<ObjectID>", f"{source}: Object")
    where = f"{source}: Object {oid}"
    resources: dict[int, ResourceDef] = {}
    res_elem = ch.get("Resources")
    if res_elem is not None:
        for item in res_elem:
            if _local(item.tag) != "Item":
                continue
            rdef = _parse_item(item, where)
            if rdef.id in resources:
                raise ModelError(f"{where} Item {rdef.id}: defined twice")
            resources[rdef.id] = rdef
    return ObjectDef(
        id=oid,
        name=_text(ch, "Name") or "",
        version=_parse_version(_text(ch, "ObjectVersion"), "ObjectVersion", where),
        lwm2m_version=_parse_version(_text(ch, "LWM2MVersion"), "LWM2MVersion", where),
        urn=_text(ch, "ObjectURN") or "",
        multiple=_parse_bool(_text(ch, "MultipleInstances"), "Multiple", "Single",
                             "MultipleInstances", where),
        mandatory=_parse_bool(_text(ch, "Mandatory"), "Mandatory", "Optional", "Mandatory", where),
        description=_description(ch, "Description1", "Description2"),
        resources=dict(sorted(resources.items())),
        source=source,
    )


def parse_ddf(data: bytes | str, source: str = "<bytes>") -> list[ObjectDef]:
    """Parse one DDF document; ``source`` names it in error messages.

    Returns the object definitions in document order (empty for a
    CommonResources file).  Raises :class:`ModelError` for XML that is not
    well-formed, uses a DTD or entities, is not an ``<LWM2M>`` document, or
    holds an object or item that does not fit the DDF rules.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_DDF_BYTES:
        raise ModelError(f"{source}: {len(data)} bytes is larger than a DDF may be ({MAX_DDF_BYTES})")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise ModelError(f"{source}: refused unsafe XML ({type(exc).__name__})") from None
    except ParseError as exc:
        raise ModelError(f"{source}: not well-formed XML ({exc})") from None
    except (ValueError, RecursionError) as exc:  # e.g. bad encoding declaration, absurd nesting
        raise ModelError(f"{source}: unreadable XML ({type(exc).__name__}: {exc})") from None
    if _local(root.tag) != "LWM2M":
        raise ModelError(f"{source}: not a DDF file: root element is <{_local(root.tag)}>, expected <LWM2M>")
    defs: list[ObjectDef] = []
    for obj in root:
        if _local(obj.tag) != "Object":
            continue
        kind = obj.get("ObjectType", "MODefinition")
        if kind != "MODefinition":
            log.debug("%s: skipping <Object ObjectType=%r>", source, kind)
            continue
        defs.append(_parse_object(obj, source))
    return defs


def load_file(path: str | os.PathLike[str]) -> list[ObjectDef]:
    """Load every object defined in one DDF file."""
    p = FsPath(path)
    try:
        size = p.stat().st_size
        if size > MAX_DDF_BYTES:
            raise ModelError(f"{p}: {size} bytes is larger than a DDF may be ({MAX_DDF_BYTES})")
        data = p.read_bytes()
    except OSError as exc:
        raise ModelError(f"{p}: cannot read ({exc.strerror or exc})") from None
    return parse_ddf(data, str(p))


def _looks_like_ddf(path: FsPath) -> bool:
    """True if the document's root element is ``<LWM2M>`` (cheap prefix sniff)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(64 * 1024)
    except OSError:
        return True  # let load_file report the error
    # Skip the XML declaration, comments and PIs; find the first start tag.
    for m in re.finditer(rb"<([A-Za-z_][\w.:-]*)", head):
        return m.group(1).split(b":")[-1] == b"LWM2M"
    return True


def iter_dir(folder: str | os.PathLike[str]) -> Iterator[tuple[FsPath, list[ObjectDef]]]:
    """Yield ``(file, objects)`` for each DDF (``*.xml`` with an ``<LWM2M>`` root) in ``folder``.

    Other XML files (the registry's ``DDF.xml`` index, SenML unit lists) are
    skipped; a file that claims to be a DDF but is broken raises ModelError.
    """
    root = FsPath(folder)
    if not root.is_dir():
        raise ModelError(f"{root}: not a folder of DDF files")
    for p in sorted(root.glob("*.xml")):
        if not p.is_file():
            continue
        if not _looks_like_ddf(p):
            log.debug("%s: not a DDF (root is not <LWM2M>), skipped", p)
            continue
        yield p, load_file(p)


def load_dir(folder: str | os.PathLike[str]) -> list[ObjectDef]:
    """Load every object defined by the DDF files in ``folder`` (not recursive)."""
    return [d for _, defs in iter_dir(folder) for d in defs]


def load(source: bytes | str | os.PathLike[str]) -> list[ObjectDef]:
    """Load DDF content (``bytes``), a DDF file or a folder of DDF files."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return parse_ddf(bytes(source))
    p = FsPath(source)
    return load_dir(p) if p.is_dir() else load_file(p)
