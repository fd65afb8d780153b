"""Batch-level checks over every device of a run: identities and credentials must be unique.

A lab certifies a *batch* of meters, and some requirements only make sense
across the batch: no two meters share a serial number, an endpoint name, a PSK
identity or a PSK (ETSI EN 303 645 provision 5.1-1: no universal default
passwords; the same reasoning applies to pre-shared keys).  Each xdist worker
records the devices it owns (:func:`device_record`); the controller gathers
the records (``workeroutput``) and runs :func:`uniqueness_findings` once.

Records carry a one-way fingerprint of a key, never the key.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any, Iterable

from ..profile import Profile

CHECK_ID = "MP-BATCH-UNIQUE"
CHECK_TITLE = "Identities and credentials are unique across the devices of the batch"
CLAUSE = "ETSI EN 303 645 5.1-1 (no universal default passwords); LwM2M TS Core §7.1 (endpoint name unique)"
_FIELDS = (("endpoint", "endpoint client name"), ("serial", "serial number (/3/0/2)"),
           ("psk_identity", "PSK identity"), ("psk_fingerprint", "pre-shared key"))


def device_record(index: int, profile: Profile, endpoint: str, info: dict[str, str], worker: str = "", *,
                  lwm2m: str = "", security: str = "", slug: str = "", defects: str = "") -> dict[str, str]:
    """What one device showed of its identity: from its profile, its registration (``lwm2m``: the version it
    registered with) and /3/0 (manufacturer, model, serial number, firmware version); ``security``: the mode
    of its channel in this run; ``slug``: its name in node ids; ``defects``: the seeded defects a simulated
    device runs with (comma-separated)."""
    sec = profile.security
    serial = info.get("device.serial", "")
    return {
        "index": str(index), "profile": profile.name, "source": profile.source, "worker": worker,
        "driver": profile.driver, "slug": slug, "digest": profile.digest,
        "lwm2m_profile": profile.lwm2m_version, "lwm2m": lwm2m, "security": security,
        "firmware": info.get("device.firmware", ""), "defects": defects,
        # the profile's fixed endpoint is the identity; a {n} pattern is per-start, so the pattern is not unique
        "endpoint": endpoint if "{n}" not in profile.endpoint else "",
        "endpoint_pattern": profile.endpoint,
        "serial": "" if serial.startswith("(") else serial,
        "manufacturer": info.get("device.manufacturer", ""), "model": info.get("device.model", ""),
        "psk_identity": sec.identity_for(endpoint) or "" if sec.mode == "psk" else "",
        "psk_fingerprint": (sec.fingerprint() or "") if sec.mode == "psk" else "",
    }


def merge(records: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """One record per device index (workers may report the same device only once, but be safe)."""
    seen: dict[str, dict[str, str]] = {}
    for r in records:
        seen.setdefault(r["index"], r)
    return [seen[k] for k in sorted(seen, key=int)]


def uniqueness_findings(records: list[dict[str, str]]) -> list[str]:
    """One line per value two or more devices share (empty: the batch passes)."""
    out = []
    for key, label in _FIELDS:
        by_value: dict[str, list[str]] = {}
        for r in records:
            if r.get(key):
                by_value.setdefault(r[key], []).append(f"#{r['index']} {r['profile']}")
        for value, devs in sorted(by_value.items()):
            if len(devs) > 1:
                shown = "(same key)" if key == "psk_fingerprint" else repr(value)
                out.append(f"{len(devs)} devices share the {label} {shown}: {', '.join(devs)}")
    return out


def summary_lines(records: list[dict[str, str]], findings: list[str]) -> list[str]:
    lines = [f"batch: {len(records)} devices; {CHECK_ID} {'FAILED' if findings else 'passed'} ({CHECK_TITLE})"]
    for r in records:
        lines.append(f"  #{r['index']} {r['profile']} [{r['driver']}] worker {r['worker'] or '-'}: "
                     f"endpoint {r['endpoint'] or r['endpoint_pattern']}, serial {r['serial'] or '?'}"
                     + (f", PSK identity {r['psk_identity']}" if r['psk_identity'] else ""))
    lines += [f"  FINDING {f}" for f in findings]
    return lines


def allure_result(records: list[dict[str, str]], findings: list[str], started: float) -> dict[str, Any]:
    """An Allure result (the ``*-result.json`` schema) for the batch check, so it sits in the same report."""
    now = int(time.time() * 1000)
    table = "\n".join(f"#{r['index']} {r['profile']}: endpoint {r['endpoint'] or r['endpoint_pattern']}, "
                      f"serial {r['serial'] or '?'}, PSK identity {r['psk_identity'] or '-'}, "
                      f"key fingerprint {r['psk_fingerprint'] or '-'}" for r in records)
    return {
        "uuid": str(uuid.uuid4()),
        "historyId": hashlib.md5(CHECK_ID.encode()).hexdigest(),
        "testCaseId": hashlib.md5(CHECK_ID.encode()).hexdigest(),
        "name": f"{CHECK_ID}: {CHECK_TITLE}",
        "fullName": f"meterproof.batch.{CHECK_ID}",
        "status": "failed" if findings else "passed",
        "statusDetails": {"message": "\n".join(findings) if findings else
                          f"{len(records)} devices, no shared identity or credential"},
        "description": f"{CLAUSE}\n\nDevices of the batch:\n{table}",
        "stage": "finished",
        "start": int(started * 1000) if started > 1e9 else now,
        "stop": now,
        "labels": [{"name": "epic", "value": "Batch checks"},
                   {"name": "feature", "value": "Identity and credential uniqueness"},
                   {"name": "story", "value": CHECK_TITLE},
                   {"name": "tag", "value": CHECK_ID},
                   {"name": "suite", "value": "batch"},
                   {"name": "framework", "value": "meterproof"}],
        "parameters": [], "attachments": [], "steps": [],
    }


def dumps(records: Iterable[dict[str, str]]) -> str:
    return json.dumps(list(records))


def main(argv: list[str] | None = None) -> int:
    """``python -m meterproof.dut.fleet results-*.json``: the batch check over separate runs (one CI job per
    device), from the ``devices`` entries of their ``--meterproof-results`` files.  Exit status 1 on a finding."""
    import sys
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m meterproof.dut.fleet RESULTS.json ...", file=sys.stderr)
        return 2
    records: list[dict[str, str]] = []
    for p in paths:
        with open(p, encoding="utf-8") as fh:
            for r in json.load(fh).get("devices", []):
                records.append({**r, "index": str(len(records)), "worker": r.get("worker") or p})
    findings = uniqueness_findings(records)
    print("\n".join(summary_lines(records, findings)))
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
