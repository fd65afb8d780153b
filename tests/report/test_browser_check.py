"""The reports as an auditor's browser shows them (issue 15): headless Debian Chromium, driven by selenium through
Debian's chromedriver, renders the HTML conformance report from disk and the Allure report that Allure's own
command-line tool generates (served over HTTP: Allure's page loads its data with requests a file:// page may
not make).

One run against two simulated meters, the gas meter with two seeded defects: in both reports each failure
shows its device, its clause, expected against received, its transcript and a link to its pcap; the HTML
report's regulator view is visible, one row per provision with its verdict per device and links to the cases.
Screenshots of each report's overview and of a failed case are kept as artefacts in a folder outside the
checkout (``$MP_ARTEFACTS`` or the system's temporary folder), named in the end-to-end summary.

What it needs: Debian's ``chromium`` and ``chromium-driver`` and a Java runtime (``default-jre-headless``), which
.ci/run installs when missing, the ``selenium`` package (the ``test`` extra), and the npm package
``allure-commandline`` (tests/report/npm/, pinned), which this test installs with ``npm ci`` into the cache
folder the interop clients use (:mod:`support.npm_install`). It is skipped, with the reason, only on a machine
that lacks one of them and cannot install it; with ``MP_REQUIRE_BROWSER=1`` (set by .ci/run) it fails instead.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any, Iterator, NoReturn

import pytest
import yaml

from support import npm_install
from support.e2e_report import report
from support.suites_run import REPO, run_suites

#: The npm folder pinning Allure's command-line tool.
ALLURE_NPM = Path(__file__).resolve().parent / "npm"
PROFILES = REPO / "fixtures" / "profiles"
GAS = "meterproof simulated gas meter (LwM2M 1.1)"
#: seeded defect -> the cases it fails (each case evidences regulatory provisions but int-221)
DEFECTS = {"security-object-readable": ("int-221", "REG-AC-01"), "register-lists-security-object": ("REG-AC-03",)}
CASES = ("int-203", "int-221", "REG-AC-01", "REG-AC-03")
#: a provision both failing cases evidence, and one only REG-AC-03 does
PROVISION, PROVISION_AC03 = "ETSI EN 303 645 5.4-1", "ETSI EN 303 645 5.6-2"
WAIT_S = 20


def unavailable(reason: str) -> NoReturn:
    """Skip with ``reason``; fail when the run requires the browser check (CI sets MP_REQUIRE_BROWSER=1)."""
    if os.environ.get("MP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MP_REQUIRE_BROWSER=1 but the browser check cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium under selenium, through the chromedriver of the same Debian build (never one fetched)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    missing = [n for n, p in (("chromium", chromium), ("chromedriver", driver)) if p is None]
    if missing:
        unavailable(f"{' and '.join(missing)} not on PATH (Debian packages chromium and chromium-driver; .ci/run "
                    f"installs them)")
    try:
        from selenium import webdriver
    except ImportError:
        unavailable("the selenium package is missing (pip install -e '.[test]')")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(chromium)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--hide-scrollbars"):
        opts.add_argument(arg)
    drv = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=str(driver)))
    drv.set_page_load_timeout(WAIT_S)
    try:
        yield drv
    finally:
        drv.quit()


@pytest.fixture(scope="module")
def allure_cli() -> Path:
    """Allure's command-line tool from the npm registry (pinned in tests/report/npm/), installed once per lock
    file into the cache folder; ALLURE_CLI names another installation."""
    if os.environ.get("ALLURE_CLI"):
        return Path(os.environ["ALLURE_CLI"])
    if shutil.which("java") is None:
        unavailable("no Java runtime on PATH for Allure's command-line tool (Debian package default-jre-headless; "
                    ".ci/run installs it)")
    try:
        modules = npm_install.ensure_installed(ALLURE_NPM)
    except npm_install.NodeMissing as exc:
        unavailable(f"installing allure-commandline needs npm: {exc}")
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        unavailable(f"npm could not install allure-commandline here: {str(exc)[-500:]}")
    return modules / ".bin" / "allure"


@pytest.fixture(scope="module")
def artefacts() -> Path:
    """A fresh folder for the screenshots, outside the checkout."""
    base = Path(os.environ.get("MP_ARTEFACTS") or tempfile.gettempdir()).resolve() / "meterproof-artefacts"
    base.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"browser-check-{time.strftime('%Y%m%dT%H%M%S')}-", dir=base))
    assert not folder.is_relative_to(REPO.resolve()), "artefacts never go into the checkout"
    return folder


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The two meters' run (results JSON and Allure results) and its HTML report."""
    tmp = tmp_path_factory.mktemp("browser")
    gas = yaml.safe_load((PROFILES / "sim-gas-1_1.yaml").read_text())
    gas["driver"]["defects"] = sorted(DEFECTS)
    prof = tmp / "sim-gas-defective.yaml"
    prof.write_text(yaml.safe_dump(gas))
    t0 = time.monotonic()
    data, out = run_suites(tmp, "run", "-n", "2", "--dut-profile", str(PROFILES / "sim-electricity-1_1.yaml"),
                           "--dut-profile", str(prof), *[a for c in CASES for a in ("--case", c)],
                           "--alluredir", str(tmp / "allure"), timeout=120)
    failed = sorted((r["case"], r["device"]) for r in data["cases"].values() if r["verdict"] == "failed")
    assert failed == sorted((c, GAS) for cs in DEFECTS.values() for c in cs), out
    rep = subprocess.run([sys.executable, "-m", "meterproof.tools.cli", "report", str(tmp / "run.json"), "-o",
                          str(tmp / "html")], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert rep.returncode == 0, rep.stderr
    return {"tmp": tmp, "data": data, "suite_s": time.monotonic() - t0}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:   # noqa: A002 - the base class's name
        pass


def _wait_text(drv: Any, text: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(drv, WAIT_S).until(lambda d: text in d.find_element("tag name", "body").text,
                                     f"{text!r} never shown")


def test_html_report_in_the_browser(browser: Any, run: dict[str, Any], artefacts: Path) -> None:
    from selenium.webdriver.common.by import By
    html = run["tmp"] / "html"
    browser.get((html / "report.html").as_uri())
    browser.save_screenshot(str(artefacts / "html-overview.png"))
    summary = json.loads((html / "summary.json").read_text())

    # each failure: device, clause, expected and received, its transcript inline, its pcap linked
    findings = browser.find_elements(By.CSS_SELECTOR, "div.finding")
    assert len(findings) == len(summary["findings"]) == 3
    for f in summary["findings"]:
        box = browser.find_element(By.ID, f"finding-{f['column']}-{f['anchor'].rsplit('-', 1)[1]}")
        text = box.text
        assert box.is_displayed() and GAS in text and f["case"] in text, text
        for label in ("clause", "expected", "received"):
            assert f"{label}\n{f[label]}" in text or f"{label} {f[label]}" in text, (label, text)
        box.find_element(By.LINK_TEXT, "transcript and capture").click()
        case = browser.find_element(By.ID, f["anchor"])
        assert case.is_displayed()
        pre = case.find_element(By.TAG_NAME, "pre")
        assert pre.is_displayed() and "<-" in pre.text, "the failed case's transcript shows inline"
        pcap = case.find_element(By.PARTIAL_LINK_TEXT, "pcap").get_attribute("href")
        assert pcap.endswith(".pcap") and Path(pcap.removeprefix("file://")).stat().st_size > 24
        if f["case"] == "REG-AC-01":
            assert PROVISION in text, "a finding names the provisions it evidences"
            browser.execute_script("arguments[0].scrollIntoView()", box)
            box.screenshot(str(artefacts / "html-failed-case.png"))
            case.screenshot(str(artefacts / "html-failed-case-evidence.png"))

    # the regulator view: visible, one row per provision, the gas meter fails it, the electricity meter passes
    section = browser.find_element(By.ID, "regulator-view")
    browser.execute_script("arguments[0].scrollIntoView()", section)
    assert section.is_displayed()
    section.screenshot(str(artefacts / "html-regulator-view.png"))
    rows = {r["provision"]: r for r in summary["regulator"]}
    assert {PROVISION, PROVISION_AC03, "EU CRA Annex I Part I (2)(e)", "EN 18031-1 SSM-3"} <= set(rows)
    row = browser.find_element(By.ID, rows[PROVISION]["anchor"])
    cells = row.find_elements(By.TAG_NAME, "td")
    assert cells[1].text == PROVISION and cells[0].text.startswith("ETSI EN 303 645")
    assert cells[2].text.startswith("passed") and cells[3].text.startswith("failed"), row.text
    assert rows[PROVISION]["verdicts"] == ["passed", "failed"]
    assert "REG-AC-01 failed" in cells[3].text and "pcap" in cells[3].text
    cells[3].find_element(By.LINK_TEXT, "REG-AC-01").click()
    target = browser.execute_script("return location.hash").lstrip("#")
    assert target.startswith("case-1-") and browser.find_element(By.ID, target).is_displayed()
    assert "REG-AC-01" in browser.find_element(By.ID, target).text


def test_allure_report_in_the_browser(browser: Any, run: dict[str, Any], allure_cli: Path, artefacts: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    site = run["tmp"] / "site"
    t0 = time.monotonic()
    gen = subprocess.run([str(allure_cli), "generate", str(run["tmp"] / "allure"), "-o", str(site), "--clean"],
                         capture_output=True, text=True, timeout=120)
    generate_s = time.monotonic() - t0
    assert gen.returncode == 0, gen.stdout + gen.stderr
    categories = json.loads((site / "widgets" / "categories.json").read_text())
    assert [c["name"] for c in categories["items"]] == ["Device non-conformance"]
    cases = [json.loads(p.read_text()) for p in (site / "data" / "test-cases").glob("*.json")]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    try:
        browser.get(base)
        _wait_text(browser, "Device non-conformance")
        browser.save_screenshot(str(artefacts / "allure-overview.png"))

        failed = [c for c in cases if c["status"] == "failed"]
        assert sorted(c["name"].split(":")[0] for c in failed) == sorted(c for cs in DEFECTS.values() for c in cs)
        for case in failed:
            browser.get(f"{base}#testresult/{case['uid']}")
            _wait_text(browser, case["name"])
            _wait_text(browser, "capture (pcap)")
            text = browser.find_element(By.TAG_NAME, "body").text
            severity = next(lb["value"] for lb in case["labels"] if lb["name"] == "severity")
            assert GAS in text and "Device non-conformance" in text and f"Severity: {severity}" in text
            assert "expected" in text and "received" in text and case["statusMessage"] in text
            clause = next(ln["name"] for ln in case["links"] if ln["type"] == "link")
            assert clause in text, "the clause is linked"
            assert "Set up" not in text and "NonConformance" not in text
            provisions = [lb["value"] for lb in case["labels"] if lb["name"] == "provision"]
            assert bool(provisions) == case["name"].startswith("REG-") and all(p in text for p in provisions), \
                "the case's provisions show as its tags"
            attachments = {a["name"]: a for a in case["testStage"]["attachments"]}
            assert (site / "data" / "attachments" / attachments["capture (pcap)"]["source"]).stat().st_size > 24
            browser.find_element(By.XPATH, "//*[normalize-space(text())='transcript']").click()
            _wait_text(browser, "<-")        # the transcript opens in the page
            if case["name"].startswith("REG-AC-01"):
                assert PROVISION in provisions
                browser.save_screenshot(str(artefacts / "allure-failed-case.png"))

        # per provision: the provisions are the cases' tags, and the tree's filter "tag:<provision>" leaves the cases
        # evidencing it (both devices' results), whatever tab the auditor is in
        browser.get(f"{base}#suites")
        box = WebDriverWait(browser, WAIT_S).until(lambda d: d.find_element(By.CSS_SELECTOR, "input.search__input"))
        box.send_keys(f"tag:{PROVISION_AC03}")
        _wait_text(browser, "REG-AC-03: Register never lists the Security, OSCORE or COSE objects")
        text = browser.find_element(By.TAG_NAME, "body").text
        assert GAS in text and "simulated electricity meter" in text
        assert "REG-AC-01" not in text and "int-221" not in text, "only the cases evidencing the provision"
        browser.save_screenshot(str(artefacts / "allure-by-provision.png"))
    finally:
        server.shutdown()
    report(f"browser check: suite run + HTML report {run['suite_s']:.1f} s, allure generate {generate_s:.1f} s; "
           f"screenshots in {artefacts}")
