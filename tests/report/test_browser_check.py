"""The reports as a browser shows them (issue 15, item 6): headless Chromium renders the HTML conformance report
from disk, and Allure's own command-line tool turns the Allure results into its report, which Chromium renders
over HTTP (Allure's page loads its data with requests a file:// page may not make).

Needs tools the project does not install: ``chromium`` (Debian package) and the ``allure`` command (npm
package ``allure-commandline``, which needs Java), found on PATH or, for allure, in ALLURE_CLI. Skipped when
they are missing, so a machine without them still runs every other test.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import pytest

from support.suites_run import REPO, run_suites

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
ALLURE = os.environ.get("ALLURE_CLI") or shutil.which("allure")
pytestmark = pytest.mark.skipif(not CHROMIUM or not ALLURE, reason="needs chromium and the allure command-line tool")


def _dom(url: str) -> str:
    """The page's DOM after its scripts ran (Chromium's virtual time lets Allure's page load its data)."""
    proc = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=8000",
                           "--dump-dom", url], capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_reports_render_in_a_browser(tmp_path: Path) -> None:
    import yaml
    gas = yaml.safe_load((REPO / "fixtures/profiles/sim-gas-1_1.yaml").read_text())
    gas["driver"]["defects"] = ["security-object-readable"]
    prof = tmp_path / "sim-gas-defective.yaml"
    prof.write_text(yaml.safe_dump(gas))
    allure = tmp_path / "allure"
    run_suites(tmp_path, "run", "--dut-profile", str(REPO / "fixtures/profiles/sim-electricity-1_1.yaml"),
               "--dut-profile", str(prof), "--case", "int-203", "--case", "int-221", "--alluredir", str(allure),
               timeout=120)

    rep = subprocess.run([sys.executable, "-m", "meterproof.tools.cli", "report", str(tmp_path / "run.json"), "-o",
                          str(tmp_path / "html")], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert rep.returncode == 0, rep.stderr
    dom = _dom((tmp_path / "html" / "report.html").as_uri())
    assert "FAILED int-221" in dom and "2.05 Content" in dom and "meterproof simulated gas meter" in dom

    site = tmp_path / "site"
    gen = subprocess.run([str(ALLURE), "generate", str(allure), "-o", str(site), "--clean"], capture_output=True,
                         text=True, timeout=180)
    assert gen.returncode == 0, gen.stdout + gen.stderr
    categories = json.loads((site / "widgets" / "categories.json").read_text())
    assert [c["name"] for c in categories["items"]] == ["Device non-conformance"]
    case = next(json.loads(p.read_text()) for p in (site / "data" / "test-cases").glob("*.json")
                if json.loads(p.read_text())["name"].startswith("int-221") and "gas" in json.loads(p.read_text())["name"])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(http.server.SimpleHTTPRequestHandler,
                                                                      directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dom = _dom(f"http://127.0.0.1:{server.server_address[1]}/index.html#testresult/{case['uid']}")
    finally:
        server.shutdown()
    assert "int-221: Attempt to perform operations on Security [meterproof simulated gas meter" in dom
    assert "Severity" in dom and "critical" in dom and "Device non-conformance" in dom
    assert "Set up" not in dom, "no fixture plumbing in the set-up view"
    assert "NonConformance" not in dom
