"""--net-impair in the plugin (fixtures/network.py): a bad value is one line saying what to write; the
settings reach the Allure environment and the results JSON.  Through pytester, no device involved."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

CASE = '''
from meterproof.fixtures import ets, expect

@ets("LightweightM2M-1.1-int-201", "conformant")
def test_pass():
    expect.equal(1, 1, "one")
'''


@pytest.mark.parametrize("value, says", [("loss=abc", "expected a percentage such as loss=10"),
                                         ("drop=5", "unknown setting 'drop'"),
                                         ("loss=10,delay=5-40", "expected milliseconds such as delay=5-40ms")])
def test_a_bad_value_is_one_line_saying_what_to_write(pytester: pytest.Pytester, value: str, says: str) -> None:
    pytester.makepyfile(test_x="def test_x(): pass\n")
    res = pytester.runpytest("-p", "meterproof.fixtures.plugin", "--net-impair", value)
    err = res.stderr.str()
    assert res.ret != 0 and "Traceback" not in err
    lines = [ln for ln in err.splitlines() if "--net-impair" in ln]
    assert len(lines) == 1 and says in lines[0] and "write loss=PCT,dup=PCT,reorder=PCT" in lines[0], err


def test_the_settings_reach_the_allure_environment_and_the_results(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_cases=CASE)
    out, results = pytester.path / "allure", pytester.path / "verdicts.json"
    res = pytester.runpytest("-p", "meterproof.fixtures.plugin", "--net-impair", "loss=10,dup=5,reorder=10,delay=5-40ms",
                             "--alluredir", str(out), f"--meterproof-results={results}")
    assert res.ret == 0
    env = (out / "environment.properties").read_text()
    assert "net.impair=loss\\=10,dup\\=5,reorder\\=10,delay\\=5-40ms" in env
    assert json.loads(results.read_text())["environment"] == {"net.impair": "loss=10,dup=5,reorder=10,delay=5-40ms"}
    res.stdout.fnmatch_lines(["*network impairment --net-impair loss=10,dup=5,reorder=10,delay=5-40ms*"])


def test_without_the_option_nothing_changes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_cases=CASE)
    results = pytester.path / "verdicts.json"
    res = pytester.runpytest("-p", "meterproof.fixtures.plugin", f"--meterproof-results={results}")
    assert res.ret == 0 and "environment" not in json.loads(results.read_text())
    assert "network impairment" not in res.stdout.str()
