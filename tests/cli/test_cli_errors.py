"""User mistakes get one line, once: the command line's answers to a typo, a missing program, a broken
profile or DDF folder, a busy port; ``list-cases``; a closed pipe; one port per xdist worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROFILES = Path(__file__).resolve().parents[2] / "fixtures" / "profiles"


def meterproof(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``meterproof <args>`` from ``cwd`` (a temporary folder: nothing is written into the checkout)."""
    return subprocess.run([sys.executable, "-m", "meterproof.tools.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def lines(res: subprocess.CompletedProcess[str]) -> list[str]:
    return [ln for ln in (res.stdout + res.stderr).splitlines() if ln.strip()]


def one_line_error(res: subprocess.CompletedProcess[str], *words: str) -> str:
    out = lines(res)
    assert res.returncode != 0, out
    assert "Traceback" not in res.stdout + res.stderr, out
    errors = [ln for ln in out if ln.startswith("ERROR") or "error:" in ln]
    assert len(errors) == 1, out
    assert len(out) <= 12, out         # the error, at most pytest's session header and "no tests ran" beside it
    for w in words:
        assert w in errors[0], errors[0]
    return errors[0]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unknown_case_names_near_matches(tmp_path: Path) -> None:
    res = meterproof("run", "-p", "no:cacheprovider", "--case", "int-2033", "--case", "int-101", cwd=tmp_path)
    line = one_line_error(res, "--case", "'int-2033'", "int-203")
    assert "'int-101'" not in line      # the known one is not blamed


def test_unknown_case_under_xdist_is_one_line_too(tmp_path: Path) -> None:
    res = meterproof("run", "-p", "no:cacheprovider", "-n", "2", "--case", "int-999", cwd=tmp_path)
    one_line_error(res, "--case", "'int-999'")
    assert "INTERNALERROR" not in res.stdout


def test_missing_program_is_one_line_within_seconds(tmp_path: Path) -> None:
    t0 = time.monotonic()
    res = meterproof("run", "-p", "no:cacheprovider", "--dut", "no-such-binary {server_port}", cwd=tmp_path)
    # seconds, not a registration timeout per case (minutes): the bound leaves room for a loaded machine
    assert time.monotonic() - t0 < 60
    one_line_error(res, "no-such-binary", "cannot start", "fix the --dut command line")


def test_broken_profile_is_one_line(tmp_path: Path) -> None:
    prof = tmp_path / "broken.yaml"
    prof.write_text("name: x\nlwm2m_version: [1.1\n", encoding="utf-8")
    one_line_error(meterproof("run", "-p", "no:cacheprovider", "--dut-profile", str(prof), cwd=tmp_path),
                   "broken.yaml", "YAML")
    unreadable = tmp_path / "unreadable.yaml"
    unreadable.write_bytes(b"name: \xff\xfe\n")
    one_line_error(meterproof("run", "-p", "no:cacheprovider", "--dut-profile", str(unreadable), cwd=tmp_path),
                   "unreadable.yaml")


def test_malformed_ddf_folder_is_one_line(tmp_path: Path) -> None:
    ddf = tmp_path / "vendor-ddf"
    ddf.mkdir()
    (ddf / "33000.xml").write_text("<LWM2M><Object><ObjectID>33000</Object>", encoding="utf-8")
    text = (PROFILES / "sim-electricity-1_1.yaml").read_text(encoding="utf-8")
    prof = tmp_path / "vendor.yaml"
    prof.write_text(text + "\nddf_dirs: [vendor-ddf]\n", encoding="utf-8")
    one_line_error(meterproof("run", "-p", "no:cacheprovider", "--dut-profile", str(prof), cwd=tmp_path),
                   "ddf_dirs")


def test_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        res = meterproof("run", "-p", "no:cacheprovider", "--server-address", f"127.0.0.1:{port}",
                         "--case", "int-101", cwd=tmp_path)
    one_line_error(res, f"127.0.0.1:{port}", "cannot listen")


def test_each_worker_gets_its_own_port(tmp_path: Path) -> None:
    port = free_udp_port()
    while True:     # PORT and PORT+1 both free
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", port + 1))
            break
        except OSError:
            port = free_udp_port()
    res = meterproof("run", "-p", "no:cacheprovider", "-n", "2", "--server-address", f"127.0.0.1:{port}",
                     "--case", "int-101", "--case", "int-203", "--case", "int-301", "--case", "int-302",
                     cwd=tmp_path)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "4 passed" in res.stdout


def test_list_cases(tmp_path: Path) -> None:
    res = meterproof("list-cases", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    rows = {ln.split()[0]: ln for ln in res.stdout.splitlines() if ln.strip()}
    assert "int-101" in rows and "Registration" in rows["int-101"] and rows["int-101"].rstrip().endswith("applies")
    old = meterproof("list-cases", "--sim-lwm2m", "1.0", cwd=tmp_path)
    assert old.returncode == 0, old.stderr
    assert any("n/a: needs LwM2M 1.1" in ln for ln in old.stdout.splitlines())
    manual = meterproof("list-cases", "--dut-profile", str(PROFILES / "examples" / "manual-meter.yaml"),
                        cwd=tmp_path)
    assert manual.returncode == 0, manual.stderr
    assert "n/a:" in manual.stdout
    one_line_error(meterproof("list-cases", "--dut-profile", "nowhere.yaml", cwd=tmp_path), "nowhere.yaml")


def test_list_defects_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    r, w = os.pipe()
    os.close(r)     # the reader is gone before the first byte, as `| head` is after its lines
    try:
        res = subprocess.run([sys.executable, "-m", "meterproof.tools.cli", "simulate", "--list-defects"],
                             stdout=w, stderr=subprocess.PIPE, text=True, timeout=60, cwd=tmp_path)
    finally:
        os.close(w)
    assert res.returncode == 0
    assert res.stderr == ""
