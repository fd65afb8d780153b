"""Secrets never written (issue 15; DESIGN.md "Principles"): a suite run in PSK mode, one in certificate mode and
one in Raw Public Key mode (the device key pairs written by the Bootstrap-Server, the servers' keys), one with an
external RPK device (``meterproof simulate --rpk-key`` through the process driver, its keys from its profile),
one with an external OSCORE device (``meterproof simulate --oscore-*``, the profile's Master Secret from the
environment),
a handful of cases each (bootstrap, registration, a read, the channel-security cases), and every file either run
wrote — results JSON, evidence (transcripts, pcaps, DTLS record summaries), Allure results and attachments, the
log file, the pytest cache, the JUnit XML, the console output, and the ``meterproof report`` made from them —
is searched for every secret the run made, raw, as hex (both cases), as base64 (both alphabets, also across
the line breaks of a PEM) and as Python prints bytes (``\x8b\x02...``, how a transcript shows a decoded value).

The secrets come from the run itself (tests/support/secret_dump.py writes them outside the outputs): fresh
random PSKs, the private keys of the run's CA, server and device certificates, and the private halves of the
raw public key pairs.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.suites_run import REPO

RUNS = {
    "psk": ["int-0", "int-1", "int-101", "int-203", "int-401"],
    "cert": ["int-2", "int-101", "int-203", "int-402", "int-403"],
    "rpk": ["MP-SEC-RPK-BOOTSTRAP", "int-101", "int-203", "MP-SEC-RPK", "REG-TLS-07"],
    "oscore": ["int-101", "int-203", "int-405", "MP-OSCORE-REPLAY"],      # master secrets (16 bytes) of /21
    # an external RPK device (tests/support/rpk_device.py) bootstrapped by the harness: the profile's server key
    # pair, the device's own key file, and the key pair the Bootstrap-Server writes
    "rpk-process": ["int-101", "int-203", "REG-TLS-01"],
    # an external OSCORE device (tests/support/oscore_device.py): the profile's master secret, from the environment
    "oscore-process": ["int-101", "int-203", "MP-OSCORE-REPLAY"],
}


def _forms(secret: bytes) -> list[bytes]:
    """Raw, hex, base64, and as Python shows bytes (a decoded value in a transcript), also inside JSON."""
    shown = repr(secret)[2:-1]
    forms = {secret, secret.hex().encode(), secret.hex().upper().encode(),
             base64.b64encode(secret).rstrip(b"="), base64.urlsafe_b64encode(secret).rstrip(b"="),
             shown.encode(), json.dumps(shown)[1:-1].encode()}
    return [f for f in forms if len(f) >= 8]


def _run(tmp: Path, mode: str) -> tuple[list[bytes], Path]:
    out = tmp / mode
    out.mkdir()
    dump = tmp / f"{mode}.secrets"
    extra: list[str] = []
    given: list[bytes] = []
    extra_env: dict[str, str] = {}
    if mode == "oscore-process":
        from support import oscore_device
        odev = oscore_device.write(tmp / "device")
        extra, given, extra_env = ["--dut-profile", str(odev.profile)], [odev.master_secret], odev.env
    if mode == "rpk-process":
        from support import rpk_device
        dev = rpk_device.write(tmp / "device", provisioning="bootstrap")
        extra, given = ["--dut-profile", str(dev.profile)], [dev.device_private, dev.server_private]
    cmd = [sys.executable, "-m", "pytest", "suites", "-q", "-p", "support.secret_dump", "-p", "no:randomly",
           "--security", mode.removesuffix("-process"), f"--meterproof-results={out / 'results.json'}",
           f"--alluredir={out / 'allure'}",
           f"--junitxml={out / 'junit.xml'}", f"--log-file={out / 'run.log'}", "--log-file-level=DEBUG",
           "-o", f"cache_dir={out / 'cache'}", *extra, *[a for c in RUNS[mode] for a in ("--case", c)]]
    env = dict(os.environ, METERPROOF_SECRET_DUMP=str(dump), PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join([str(REPO / "tests"), os.environ.get("PYTHONPATH", "")]),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""), **extra_env)
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    (out / "console.txt").write_text(proc.stdout + proc.stderr)
    assert (out / "results.json").exists(), proc.stdout[-3000:] + proc.stderr[-2000:]
    report = subprocess.run([sys.executable, "-m", "meterproof.tools.cli", "report", str(out / "results.json"),
                             "-o", str(out / "report")], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert report.returncode == 0, report.stderr
    secrets = [bytes.fromhex(line) for line in dump.read_text().split()] if dump.exists() else []
    return secrets + given, out


@pytest.mark.parametrize("mode", sorted(RUNS))
def test_no_output_file_holds_a_secret(tmp_path: Path, mode: str) -> None:
    secrets, out = _run(tmp_path, mode)
    assert secrets, f"the {mode} run made no secret to look for"
    if mode in ("psk", "oscore", "oscore-process"):
        assert any(len(s) == 16 for s in secrets), "the run's fresh PSKs / OSCORE master secrets are among them"
    else:
        assert any(s[:1] == b"\x30" and len(s) > 100 for s in secrets), "private keys (DER) are among them"
    files = [p for p in out.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".json", ".pcap", ".txt", ".log", ".html", ".xml"} <= kinds, kinds
    assert any("attachment" in p.name for p in files), "Allure attachments are scanned too"
    leaks = []
    for p in files:
        data = p.read_bytes()
        flat = data.replace(b"\n", b"").replace(b"\r", b"")    # base64 across the lines of a PEM
        for s in secrets:
            for form in _forms(s):
                if form in data or form in flat:
                    leaks.append(f"{p.relative_to(out)}: {form[:12]!r}... (a {len(s)}-byte secret)")
    assert not leaks, "\n".join(leaks[:20])
