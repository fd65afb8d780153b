"""What the device does on the wire against what its declaration says (TS 103 701: "no indication that the
device differs from its IXIT").

Pure comparisons the wire checks of suites/regulatory call when a declaration is given; each returns the lines a
failure shows, naming the declaration field and the value observed (empty: no contradiction).
"""

from __future__ import annotations

from typing import Iterable

from ..dtls import suites
from .schema import DeclarationDoc

SUITES_FIELD = "ixit.communication.cipher_suites"
NOSEC_FIELD = "ixit.communication.nosec.supported"
EXTENSIONS_FIELD = "ixit.communication.tls_extensions"


def undeclared_suites(doc: DeclarationDoc, offered: Iterable[int]) -> list[str]:
    """Suites the device offered that the declaration's 11-ComMech does not list (signalling values such as
    TLS_EMPTY_RENEGOTIATION_INFO_SCSV are no suites and are left out).  No list declared: nothing to compare."""
    declared = set(doc.ixit.communication.cipher_suites)
    if not declared:
        return []
    out = []
    for code in dict.fromkeys(offered):
        if suites.classify(code) == "scsv":
            continue
        name = suites.name(code)
        if name not in declared:
            out.append(f"offered {name} (0x{code:04X}), which {SUITES_FIELD} does not list")
    return out


def nosec_unsupported(doc: DeclarationDoc) -> bool:
    """The declaration says the device does not support LwM2M NoSec (Security Mode 3)."""
    n = doc.ixit.communication.nosec
    return n is not None and not n.supported


def declared_extensions(doc: DeclarationDoc) -> set[str]:
    """The (D)TLS hardening extensions the declaration says the device offers (REG-TLS-14)."""
    return set(doc.ixit.communication.tls_extensions)


def declared_objects(doc: DeclarationDoc) -> tuple[str, set[int]] | None:
    """(the field, the objects) the declaration's 15-Intf says the LwM2M interface exposes; None if none listed."""
    for i, intf in enumerate(doc.ixit.interfaces):
        if intf.lwm2m_objects:
            return f"ixit.interfaces[{i}].lwm2m_objects", set(intf.lwm2m_objects)
    return None


def undeclared_objects(doc: DeclarationDoc, registered: Iterable[int]) -> list[str]:
    """Objects the device registered that its declared LwM2M interface does not list."""
    found = declared_objects(doc)
    if found is None:
        return []
    where, objs = found
    return [f"registered /{o}, which {where} does not list" for o in sorted(set(registered)) if o not in objs]


__all__ = ["EXTENSIONS_FIELD", "NOSEC_FIELD", "SUITES_FIELD", "declared_extensions", "declared_objects", "nosec_unsupported", "undeclared_objects",
           "undeclared_suites"]
