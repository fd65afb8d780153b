"""Where a case's evidence is written down: a link to its exact ETS case and to the clause it cites.

* ETS cases (``LightweightM2M-1.1-int-203``) link to the approved ETS 1.2 PDF with a ``#search=`` fragment
  naming the case id (PDF viewers such as pdf.js and Acrobat open the document at the case); the ETS is one
  PDF, there is no page per case.
* A clause text (``RFC 7252 §4.2``, ``OMA TS Core 1.1 §6.2.1``, ``OMA TS 1.0 §5.3.1``, ``TS Transport 1.1
  §6.2``) links to its document: RFCs to the section on rfc-editor.org; OMA TS documents to the release's
  HTML version (1.0.2: the PDF, OMA publishes no HTML of it); the clause itself is the link's name.  The
  first reference of the clause text is linked; a clause with no document reference gets no link.

URLs as OMA lists them (openmobilealliance.org LwM2M page; the ETS and TS release folders).
"""

from __future__ import annotations

import re
from urllib.parse import quote

ETS_PDF = "https://www.openmobilealliance.org/release/LightweightM2M/ETS/OMA-ETS-LightweightM2M_INT-V1_2-20231003-A.pdf"
_OMA = "https://www.openmobilealliance.org/release/LightweightM2M/"
#: (document, release) -> URL of the published TS
TS_DOCS: dict[tuple[str, str], str] = {
    ("Core", "1.0"): _OMA + "V1_0_2-20180209-A/OMA-TS-LightweightM2M-V1_0_2-20180209-A.pdf",
    ("Transport", "1.0"): _OMA + "V1_0_2-20180209-A/OMA-TS-LightweightM2M-V1_0_2-20180209-A.pdf",
    ("Core", "1.1"): _OMA + "V1_1-20180710-A/HTML-Version/OMA-TS-LightweightM2M_Core-V1_1-20180710-A.html",
    ("Transport", "1.1"): _OMA + "V1_1-20180710-A/HTML-Version/OMA-TS-LightweightM2M_Transport-V1_1-20180710-A.html",
    ("Core", "1.1.1"): _OMA + "V1_1_1-20190617-A/HTML-Version/OMA-TS-LightweightM2M_Core-V1_1_1-20190617-A.html",
    ("Transport", "1.1.1"): _OMA + "V1_1_1-20190617-A/HTML-Version/"
                                   "OMA-TS-LightweightM2M_Transport-V1_1_1-20190617-A.html",
    ("Core", "1.2"): _OMA + "V1_2-20201110-A/HTML-Version/OMA-TS-LightweightM2M_Core-V1_2-20201110-A.html",
    ("Transport", "1.2"): _OMA + "V1_2-20201110-A/HTML-Version/OMA-TS-LightweightM2M_Transport-V1_2-20201110-A.html",
}

_RFC = re.compile(r"RFC\s*(\d{3,5})(?:\s*§\s*([0-9A-Z][0-9.]*[0-9]|[0-9A-Z]))?")
_TS = re.compile(r"TS\s+(?:(Core|Transport)\s+)?(1\.\d(?:\.\d)?)")


def ets_link(case_id: str) -> str:
    """The ETS document opened at ``case_id`` (``LightweightM2M-1.1-int-203``); "" for a non-ETS id."""
    if "-int-" not in case_id:
        return ""
    return f"{ETS_PDF}#search={quote(chr(34) + case_id + chr(34))}"


def clause_link(clause: str) -> str:
    """A URL for the first document reference in ``clause`` ("" when it names none we know)."""
    rfc, ts = _RFC.search(clause or ""), _TS.search(clause or "")
    if rfc is not None and (ts is None or rfc.start() < ts.start()):
        section = rfc.group(2)
        anchor = ""
        if section:
            anchor = f"#appendix-{section}" if section[0].isalpha() else f"#section-{section}"
        return f"https://www.rfc-editor.org/rfc/rfc{rfc.group(1)}{anchor}"
    if ts is not None:
        doc, release = ts.group(1) or "Core", ts.group(2)
        return TS_DOCS.get((doc, release)) or TS_DOCS.get((doc, release[:3]), "")
    return ""
