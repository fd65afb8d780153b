"""A pytest plugin for the secret scan only (tests/report/test_no_secrets_written.py): at the end of a suite
run it writes every secret the run made (PSKs, private keys of the run's CA, servers and devices, whatever the
redactor was told, less the public default credentials) to the file named by METERPROOF_SECRET_DUMP, outside
the run's output, so the test can look for them in what the run wrote.  Never loaded by a user's run."""

from __future__ import annotations

import os
from typing import Any

import pytest


def _keys(obj: Any) -> list[bytes]:
    out = []
    for issued in (obj, getattr(obj, "ca", None)):
        key = getattr(issued, "key", None)
        if key is not None and hasattr(key, "export_key"):
            out.append(bytes(key.export_key("DER")))
    return out


def pytest_sessionfinish(session: pytest.Session) -> None:
    from meterproof.fixtures.security import _RUN
    target = os.environ.get("METERPROOF_SECRET_DUMP")
    run = session.config.stash.get(_RUN, None)
    if not target or run is None:
        return
    found: set[bytes] = set(run.dm_keys.values()) | set(run.bs_keys.values())
    found |= {bytes(s) for s in getattr(run.redactor, "_secrets", ())}
    for obj in run._pki.values():
        found.update(_keys(obj))
    # the public default credentials the REG-PW checks offer are public knowledge, not secrets of the run: the
    # word "password" in a case title, or a firmware test image counting 00 01 02 ..., is no leak
    from meterproof.dtls.default_credentials import load
    found -= {p.key for p in load().psks}
    with open(target, "a", encoding="ascii") as fh:
        for s in sorted(found):
            fh.write(s.hex() + "\n")
