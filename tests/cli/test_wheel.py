"""The wheel is the product: built with ``python -m build``, installed (not editable) into a fresh venv, it
runs the installed suites through ``meterproof run`` from a folder outside the checkout, and installs no
top-level name but ``meterproof``.

The source is copied first (``git ls-files``), so building writes nothing into the checkout; the fresh
venv gets the wheel's dependencies from the configured package index (``pip config list``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def run(argv: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the fresh venv's bin folder)."""
    base = tmp_path_factory.mktemp("wheel")
    files = run(["git", "ls-files", "-co", "--exclude-standard"], REPO).stdout.splitlines()
    src = base / "src"
    for name in files:
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    built = run([sys.executable, "-m", "build", "--wheel", "--outdir", str(base / "dist"), str(src)], base)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheel = next((base / "dist").glob("meterproof-*.whl"))
    venv.create(base / "env", with_pip=True, system_site_packages=False)
    bindir = base / "env" / "bin"
    inst = run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)], base)
    assert inst.returncode == 0, inst.stderr[-3000:]
    return wheel, bindir


def test_wheel_carries_what_a_run_reads(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"meterproof", wheel.name.split("-py3")[0] + ".dist-info"}
    for expected in ("meterproof/objects/3.xml", "meterproof/reports/categories.json",
                     "meterproof/fixtures/plugin.py", "meterproof/fixtures/profiles/sim-electricity-1_1.yaml",
                     "meterproof/fixtures/profiles/examples/sim-process.yaml",
                     "meterproof/fixtures/declarations/sim-meter.yaml",
                     "meterproof/fixtures/profiles/variants/sim-combined-1_1.yaml",
                     "meterproof/dut/modem_families/quectel-bc66.yaml", "meterproof/tools/run.ini",
                     "meterproof/suites/oma/test_registration.py", "meterproof/suites/fuzz/corpus/stray-ack.json"):
        assert expected in names, expected
    assert not [n for n in names if "allure-results" in n or "__pycache__" in n or "/findings/" in n]


def test_installed_wheel_runs_the_suites(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, bindir = installed
    py = str(bindir / "python")
    for name in ("fixtures", "tools", "suites"):
        res = run([py, "-c", f"import {name}"], tmp_path)
        assert res.returncode != 0 and "No module named" in res.stderr, (name, res.stderr)
    res = run([py, "-c", "import meterproof.fixtures.plugin, meterproof.tools.cli, meterproof.profile as p; "
                         "print(p.BUILTIN_DIR)"], tmp_path)
    assert res.returncode == 0 and "site-packages" in res.stdout, res.stderr
    # one seed, as a checkout's end-to-end tests use: the simulator's meter values come from it, and MP-FMT-FLOAT
    # is rightly not applicable when a seed leaves /3421/0/1 integral
    res = run([str(bindir / "meterproof"), "run", "-p", "no:cacheprovider", "-n", "2", "--meterproof-seed", "1",
               "--case", "int-101", "--case", "int-203", "--case", "MP-FMT-TEXT-BOOL", "--case", "MP-FMT-FLOAT",
               "--meterproof-results", "results.json", "--alluredir", "allure"], tmp_path)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert "warnings" not in res.stdout.splitlines()[-1], res.stdout[-3000:]
    cases = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["cases"]
    verdicts = {k: v["verdict"] for k, v in cases.items()}   # node ids read as in a checkout: suites/...
    assert verdicts == {"suites/oma/test_registration.py::test_int_101_initial_registration": "passed",
                        "suites/oma/test_device_management.py::test_int_203_read_tlv": "passed",
                        "suites/formats/test_format_edge_cases.py::test_text_boolean": "passed",
                        "suites/formats/test_format_edge_cases.py::test_float_tlv_vs_senml_cbor": "passed"}, verdicts
    assert (tmp_path / "allure" / "environment.properties").is_file()
    assert (tmp_path / "allure" / "categories.json").is_file()
    listed = run([str(bindir / "meterproof"), "list-cases", "--sim-lwm2m", "1.0"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "MP-FMT-FLOAT" in listed.stdout and "n/a: needs LwM2M 1.1" in listed.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["allure", "results-evidence", "results.json"]
    report = run([str(bindir / "meterproof"), "report", "results.json", "-o", "report"], tmp_path)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "report" / "report.html").is_file() and (tmp_path / "report" / "summary.json").is_file()
