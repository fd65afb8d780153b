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


#: REG-PW-02: the credentials the devices *present* on the wire are unique across the batch.
PRESENTED_ID = "REG-PW-02"
PRESENTED_TITLE = "Credentials the devices present are unique across the batch"
PRESENTED_CLAUSE = ("ETSI EN 303 645 5.1-1 (unique per device), 5.4-4; OMA LwM2M TS Transport 1.1 §5.2.1 (keys "
                    "unique per client): the PSK identity each device sent in its ClientKeyExchange (RFC 4279 §2) "
                    "and the SubjectPublicKeyInfo of the certificate it presented")
PRESENTED_PROVISIONS = ("ETSI EN 303 645 5.1-1", "ETSI EN 303 645 5.4-4", "ETSI TS 103 701 5.1-1-2",
                        "ETSI TS 103 701 5.4-4-1", "EN 18031-1 AUM-5", "EN 18031-1 CCK-3", "UK PSTI Sch.1 ¶1(2)(a)",
                        "EU CRA Annex I Part I (2)(d)", "OMA LwM2M TS Transport §5.2.1")


def presented_findings(presented: dict[int, dict[str, Any]]) -> list[str]:
    """One line per PSK identity or certificate key two or more devices presented (empty: unique).

    ``presented``: device index -> {"profile", "psk_identities": [...], "spki_sha256": [...]} (every start of a
    device may present another credential; a value shared *between* devices is the finding)."""
    out = []
    for key, label in (("psk_identities", "PSK identity"), ("spki_sha256", "certificate public key (SPKI SHA-256)")):
        by_value: dict[str, list[str]] = {}
        for index in sorted(presented):
            rec = presented[index]
            for v in sorted(set(rec.get(key, ()))):
                by_value.setdefault(v, []).append(f"#{index} {rec.get('profile', '')}")
        for value, devs in sorted(by_value.items()):
            if len(devs) > 1:
                out.append(f"{len(devs)} devices presented the same {label} {value!r}: {', '.join(devs)}")
    return out


def batch_allure_result(check_id: str, title: str, clause: str, findings: list[str], description: str,
                        started: float, provisions: Iterable[str] = ()) -> dict[str, Any]:
    """An Allure result for a batch-level check judged at the end of the run (``findings`` empty: passed)."""
    now = int(time.time() * 1000)
    labels = [{"name": "epic", "value": "Batch checks"}, {"name": "feature", "value": title},
              {"name": "tag", "value": check_id}, {"name": "suite", "value": "batch"},
              {"name": "framework", "value": "meterproof"}]
    labels += [{"name": "provision", "value": p} for p in provisions]
    return {
        "uuid": str(uuid.uuid4()), "historyId": hashlib.md5(check_id.encode()).hexdigest(),
        "testCaseId": hashlib.md5(check_id.encode()).hexdigest(), "name": f"{check_id}: {title}",
        "fullName": f"meterproof.batch.{check_id}", "status": "failed" if findings else "passed",
        "statusDetails": {"message": "\n".join(findings) if findings else "no credential shared between devices"},
        "description": f"{clause}\n\n{description}", "stage": "finished",
        "start": int(started * 1000) if started > 1e9 else now, "stop": now, "labels": labels,
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
