"""Nothing left behind: a run interrupted by Ctrl-C (SIGINT) or SIGTERM ends every device process its
process driver started (each runs in its own process group; the plugin ends the groups on the way out)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SIM_PROCESS = REPO / "fixtures" / "profiles" / "examples" / "sim-process.yaml"

pytestmark = pytest.mark.slow


def marked(marker: str) -> list[int]:
    """Processes whose environment carries ``marker`` (inherited from the run: the device processes)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in env:
            pids.append(int(entry.name))
    return pids


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_run_leaves_no_device_process(tmp_path: Path, sig: signal.Signals) -> None:
    marker = f"MP_LEFTOVER_{uuid.uuid4().hex}"
    env = {**os.environ, marker: "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    run = subprocess.Popen([sys.executable, "-m", "meterproof.tools.cli", "run", "-p", "no:cacheprovider",
                            "--dut-profile", str(SIM_PROCESS)], cwd=tmp_path, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           # as at a terminal: a background job of a script inherits SIGINT ignored
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        devices: list[int] = []
        while time.monotonic() < deadline and run.poll() is None:
            devices = [p for p in marked(marker) if p != run.pid]
            if devices:
                break
            time.sleep(0.1)
        assert devices, f"no device process started: {run.communicate(timeout=30)[0][-3000:]}"
        time.sleep(1.0)             # mid-case
        run.send_signal(sig)
        out, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    deadline = time.monotonic() + 5
    while marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = marked(marker)
    assert not left, f"device processes left after {sig.name}: {left}\n{out[-2000:]}"
    assert not (tmp_path / ".pytest_cache").exists()
