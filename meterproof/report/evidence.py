"""A case's evidence on disk: its transcript, its capture (pcap) and, for DTLS, its records decoded.

:func:`write_case_evidence` writes them into one folder per case (and device) under a run's evidence folder
and returns their paths relative to the folder the results JSON lives in, which is what the results JSON
records and ``meterproof report`` links.  Everything goes through the run's
:class:`~.redact.Redactor` first: the transcript as text, the capture byte by byte (a secret that crossed
the wire in clear, such as a key a Bootstrap-Write carries on a nosec run, is masked in place, the
datagram's length kept).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .pcap import Datagram, write_pcap
from .redact import Redactor
from .transcript import Transcript

#: Files of a case's evidence folder, by the name the results JSON uses for them.
FILES = {"transcript": "transcript.txt", "pcap": "capture.pcap", "dtls": "dtls-records.txt"}


def case_folder_name(nodeid: str) -> str:
    """A file-system-safe, unique, readable folder name for a case's node id."""
    name = nodeid.split("::")[-1]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:80]
    return f"{slug}-{hashlib.sha1(nodeid.encode()).hexdigest()[:8]}"


def write_case_evidence(root: Path, relative_to: Path, nodeid: str, transcript: Transcript,
                        redactor: Redactor) -> dict[str, str]:
    """Write ``transcript``'s evidence for ``nodeid`` under ``root``; name -> path relative to ``relative_to``."""
    folder = root / case_folder_name(nodeid)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    out["transcript"] = folder / FILES["transcript"]
    out["transcript"].write_text(redactor.text(transcript.render()) + "\n", encoding="utf-8")
    cap = transcript.capture
    if cap.datagrams:
        out["pcap"] = write_pcap(folder / FILES["pcap"],
                                 [Datagram(d.time, d.src, d.dst, redactor.bytes(d.data)) for d in cap.datagrams])
        if cap.dtls:
            out["dtls"] = folder / FILES["dtls"]
            out["dtls"].write_text(redactor.text(cap.record_summary()) + "\n", encoding="utf-8")
    try:
        return {k: p.relative_to(relative_to).as_posix() for k, p in out.items()}
    except ValueError:          # evidence outside the results' folder: absolute paths
        return {k: str(p) for k, p in out.items()}
