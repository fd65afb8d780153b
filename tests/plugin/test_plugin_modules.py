"""The plugin's modules: ``plugin.py`` registers each module once, every hook and fixture is defined in one
module only, and the names other code imported from ``meterproof.fixtures.plugin`` still resolve there.

Checked on this very session's plugin manager (the checkout's conftest.py wires the plugin in as a run does).
"""

from __future__ import annotations

import importlib
from collections import Counter

import pytest
from _pytest.fixtures import FixtureFunctionDefinition

import meterproof.fixtures.plugin as plugin

ROOMS = ["options", "scheduling", "session", "bringup", "outcomes", "collection", "summary", "lifecycle",
         "security", "fuzzing", "delivery", "network", "hygiene", "declaration"]


def _ours(pm: pytest.PytestPluginManager) -> dict[str, object]:
    return {name: mod for name, mod in pm.list_name_plugin()
            if isinstance(name, str) and name.startswith("meterproof.fixtures.")}


def test_each_module_is_registered_once(pytestconfig: pytest.Config) -> None:
    pm = pytestconfig.pluginmanager
    ours = _ours(pm)
    assert sorted(ours) == sorted(["meterproof.fixtures.plugin", *(f"meterproof.fixtures.{r}" for r in ROOMS)])
    modules = [mod for _, mod in pm.list_name_plugin() if getattr(mod, "__name__", "").startswith("meterproof.fixtures.")]
    assert len(modules) == len({id(m) for m in modules}), "a plugin module registered under two names"


def test_every_hook_implementation_is_registered_once(pytestconfig: pytest.Config) -> None:
    pm = pytestconfig.pluginmanager
    seen: Counter[tuple[str, str]] = Counter()
    for caller in pm.hook.__dict__.values():
        for impl in getattr(caller, "get_hookimpls", lambda: [])():
            module = getattr(impl.function, "__module__", "") or ""
            if module.startswith("meterproof.fixtures."):
                seen[(module, impl.function.__qualname__)] += 1
    assert seen, "no meterproof hook is registered"
    assert [k for k, n in seen.items() if n > 1] == []
    assert not [k for k in seen if k[0] == "meterproof.fixtures.plugin"], "plugin.py only registers the modules"
    hook_names = Counter(name for _, name in seen if "." not in name)
    # one module per hook among the rooms that came out of plugin.py (security/fuzzing/network/declaration add
    # their own)
    split = Counter(name for module, name in seen if "." not in name
                    and module.rsplit(".", 1)[1] not in ("security", "fuzzing", "network", "declaration"))
    assert [h for h, n in split.items() if n > 1] == [], hook_names


def test_every_fixture_is_defined_in_one_module() -> None:
    where: dict[str, list[str]] = {}
    for room in ["plugin", *ROOMS]:
        mod = importlib.import_module(f"meterproof.fixtures.{room}")
        for name, obj in vars(mod).items():
            if isinstance(obj, FixtureFunctionDefinition):
                where.setdefault(name, []).append(room)
    assert {n: w for n, w in where.items() if len(w) > 1} == {}
    assert {"server", "dut", "profile", "timing", "loop_thread", "redactor", "registration", "transcript",
            "meterproof_device"} <= set(where)
    assert "plugin" not in {w[0] for w in where.values()}


@pytest.mark.parametrize("name", sorted(plugin._MOVED))
def test_names_imported_from_plugin_still_resolve(name: str) -> None:
    module = importlib.import_module(f"meterproof.fixtures.{plugin._MOVED[name]}")
    assert getattr(plugin, name) is getattr(module, name)


def test_plugin_defines_no_hook_or_fixture_of_its_own() -> None:
    assert not [n for n in dir(plugin) if n.startswith("pytest_") and n != "pytest_plugins"]
    with pytest.raises(AttributeError):
        plugin.no_such_name  # noqa: B018
