"""What the meter keeps across reboots and restarts: the ``state_file`` (JSON).

Only what a bootstrap or a server provisions survives, as on a real meter's
flash: the Security, Server, Access Control and OSCORE objects (/0, /1, /2, /21) and
the running firmware version, when the meter first metered (wall clock: its cumulative registers count
from then, so that they go on across a power cut, even one that kills the process), and for each OSCORE context
the Sender Sequence Number it resumes from (RFC 8613 Appendix B.1.1; keyed by the context's IDs, never its secret).  Values are JSON with three
tagged forms:
``{"$b64": "..."}`` for Opaque, ``{"$objlnk": "3:0"}`` for Objlnk and
``{"$multi": {"0": v, ...}}`` for a multiple resource.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from typing import Any

from ..errors import ConfigError
from ..lwm2m.values import ObjLnk

PERSISTED_OBJECTS = (0, 1, 2, 21)


def _enc(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray)):
        return {"$b64": base64.b64encode(bytes(v)).decode()}
    if isinstance(v, ObjLnk):
        return {"$objlnk": str(v)}
    if isinstance(v, dict):
        return {"$multi": {str(k): _enc(x) for k, x in v.items()}}
    return v


def _dec(v: Any) -> Any:
    if isinstance(v, dict):
        if "$b64" in v:
            return base64.b64decode(v["$b64"])
        if "$objlnk" in v:
            return ObjLnk.parse(v["$objlnk"])
        if "$multi" in v:
            return {int(k): _dec(x) for k, x in v["$multi"].items()}
    return v


def dump(objects: dict[int, dict[int, dict[int, Any]]], firmware_version: str,
         metering_since: float | None = None, oscore_sequences: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "firmware_version": firmware_version,
        "metering_since": metering_since,
        "oscore_sequences": dict(oscore_sequences or {}),
        "objects": {str(oid): {str(iid): {str(rid): _enc(v) for rid, v in res.items()}
                               for iid, res in insts.items()} for oid, insts in objects.items()},
    }


def save(path: str, objects: dict[int, dict[int, dict[int, Any]]], firmware_version: str,
         metering_since: float | None = None, oscore_sequences: dict[str, int] | None = None) -> None:
    """Write atomically (a meter that loses power mid-write must not lose its accounts)."""
    data = json.dumps(dump(objects, firmware_version, metering_since, oscore_sequences), indent=1, sort_keys=True)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".meterstate-", dir=folder)
    with os.fdopen(fd, "w") as f:
        f.write(data)
    os.replace(tmp, path)


def load(path: str) -> tuple[dict[int, dict[int, dict[int, Any]]], str | None] | None:
    """The saved objects and firmware version, or None when there is no file yet."""
    try:
        with open(path) as f:
            raw = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read meter state file {path}: {exc}") from None
    try:
        objects = {int(oid): {int(iid): {int(rid): _dec(v) for rid, v in res.items()}
                              for iid, res in insts.items()} for oid, insts in raw.get("objects", {}).items()}
    except (AttributeError, TypeError, ValueError) as exc:
        raise ConfigError(f"meter state file {path} is malformed: {exc}") from None
    return objects, raw.get("firmware_version")


def metering_since(path: str) -> float | None:
    """When (wall clock) the meter whose state this is first metered; None without a file or the field."""
    try:
        with open(path) as f:
            v = json.load(f).get("metering_since")
    except (OSError, ValueError, AttributeError):
        return None
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def oscore_sequences(path: str) -> dict[str, int]:
    """Context key -> the Sender Sequence Number to resume from; empty without a file or the field."""
    try:
        with open(path) as f:
            v = json.load(f).get("oscore_sequences")
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(v, dict):
        return {}
    return {str(k): n for k, n in v.items() if isinstance(n, int) and not isinstance(n, bool) and n >= 0}


__all__ = ["PERSISTED_OBJECTS", "dump", "load", "metering_since", "oscore_sequences", "save"]
