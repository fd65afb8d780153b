"""``meterproof simulate``: listing defects, bad input, and a real run against a harness server."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from meterproof.sim.defects import DEFECTS
from meterproof.tools.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_list_defects(capsys):
    assert main(["simulate", "--list-defects"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(DEFECTS)
    assert lines[0].split()[0] in DEFECTS and all(len(line.split()) >= 3 for line in lines)


def test_bad_input_is_one_line_and_exit_2(capsys):
    assert main(["simulate", "--server", "coap://127.0.0.1:5683", "--endpoint", "e", "--defect", "x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["meterproof simulate: error: unknown defect 'x'; see meterproof simulate --list-defects"]
    assert main(["simulate", "--endpoint", "e"]) == 2


def test_simulate_registers_and_deregisters_on_sigint(make_rig):
    rig = make_rig()                       # its server also hosts the CLI meter
    mark = rig.server.mark()
    proc = subprocess.Popen([sys.executable, "-m", "meterproof.tools.cli", "simulate", "--server", rig.aio.uri,
                             "--endpoint", "cli-meter", "--meter", "gas", "--lwm2m", "1.0", "--lifetime", "60"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ev = rig.server.wait_event("registered", "cli-meter", since=mark, timeout=15)
        assert ev["registration"].lwm2m_version == "1.0" and ev["registration"].lifetime == 60
        proc.send_signal(signal.SIGINT)
        rig.server.wait_event("deregistered", "cli-meter", since=mark, timeout=5)
        out, _ = proc.communicate(timeout=5)
        assert proc.returncode == 0 and "registered" in out
    finally:
        if proc.poll() is None:
            proc.kill()


def test_list_variants_names_each_trait_and_its_clause(capsys):
    from meterproof.sim.variants import VARIANTS
    assert main(["simulate", "--list-variants"]) == 0
    out = capsys.readouterr().out
    for name in VARIANTS:
        assert f"\n{name} " in "\n" + out
    assert out.count("allowed by: ") == len(VARIANTS)


def test_unknown_variant_is_one_line_and_exit_2(capsys):
    assert main(["simulate", "--server", "coap://127.0.0.1:5683", "--endpoint", "e", "--variant", "x"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["meterproof simulate: error: unknown variant 'x'; see meterproof simulate --list-variants"]
