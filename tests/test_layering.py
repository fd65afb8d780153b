"""The engine's rooms import one way (DESIGN.md: "Data flows one way"; issue 11, "Rooms that show the design").

Read from the sources with :mod:`ast`, not by importing them, so an import inside a function counts as much
as one at the top of a module (a function-local import that only dodges a circle is still a circle).  Imports
under ``if TYPE_CHECKING:`` are left out: they exist for annotations and never run.

* Within ``meterproof/coap`` and ``meterproof/sim`` the modules import each other without a cycle (and
  without one even counting annotations: the helpers and parts name their hub by a Protocol).
* Nothing in ``meterproof/`` imports pytest or the plugin (``fixtures`` / ``meterproof.fixtures``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "meterproof"


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(tree: ast.AST, *, type_checking: bool = False) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement at any depth (functions, classes, try blocks), optionally without TYPE_CHECKING."""
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if not type_checking and _is_type_checking(child):
                for other in child.orelse:      # the else branch does run
                    walk(ast.Module(body=[other], type_ignores=[]))
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append(child)
            walk(child)

    walk(tree)
    return found


def package_graph(folder: Path, package: str, *, type_checking: bool = False) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (by file stem), TYPE_CHECKING blocks left out
    unless ``type_checking``."""
    modules = {p.stem for p in folder.glob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for path in folder.glob("*.py"):
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path)), type_checking=type_checking):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    base = node.module or ""
                elif node.level == 0 and node.module and (node.module == package
                                                          or node.module.startswith(package + ".")):
                    base = node.module[len(package) + 1:]
                else:
                    continue
                targets = [base.split(".")[0]] if base else [a.name for a in node.names]
            else:
                targets = [a.name[len(package) + 1:].split(".")[0] for a in node.names
                           if a.name.startswith(package + ".")]
            graph[path.stem].update(t for t in targets if t in modules and t != path.stem)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("room", ["coap", "sim"])
def test_modules_of_a_room_import_one_way(room: str) -> None:
    graph = package_graph(ENGINE / room, f"meterproof.{room}")
    loops = cycles(graph)
    assert loops == [], "import cycles in meterproof/{}: {}".format(
        room, "; ".join(" <-> ".join(c) + " (" + ", ".join(f"{m} -> {sorted(graph[m] & set(c))}" for m in c) + ")"
                         for c in loops))


@pytest.mark.parametrize("room", ["coap", "sim"])
def test_not_even_annotations_point_back(room: str) -> None:
    """coap's blockwise, observe and raw name what they need of an endpoint as Protocols (exchange_types); the
    simulator's parts name the meter as sim.host.MeterHost: counting TYPE_CHECKING imports too, the modules
    a room's hub imports never know the hub."""
    assert cycles(package_graph(ENGINE / room, f"meterproof.{room}", type_checking=True)) == []


def test_the_engine_never_imports_pytest_or_the_plugin() -> None:
    bad = []
    for path in sorted(ENGINE.rglob("*.py")):
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path)), type_checking=True):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif node.level == 0:
                names = [node.module or ""]
            else:   # relative: meterproof/<...>/ may reach the plugin only as ..fixtures (installed layout)
                names = [f"meterproof.{node.module}"] if node.module and node.level == len(
                    path.relative_to(ENGINE).parts) else []
            for name in names:
                top = name.split(".")
                if top[0] in ("pytest", "_pytest", "fixtures") or top[:2] == ["meterproof", "fixtures"]:
                    bad.append(f"{path.relative_to(ENGINE.parent)}:{node.lineno} imports {name}")
    assert bad == []


def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """A cycle made only of a function-local import is found; one under TYPE_CHECKING is not."""
    pkg = tmp_path / "room"
    pkg.mkdir()
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from .c import x\n")
    (pkg / "c.py").write_text("import room.a\n")
    (pkg / "d.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import y\n")
    (pkg / "e.py").write_text("from .d import z\n")
    graph = package_graph(pkg, "room")
    assert cycles(graph) == [["a", "b", "c"]]
    assert graph["d"] == set() and graph["e"] == {"d"}
    assert package_graph(pkg, "room", type_checking=True)["d"] == {"a"}


def _members(protocol: type) -> dict[str, object]:
    names = set(getattr(protocol, "__annotations__", {}))
    names |= {n for n, v in vars(protocol).items() if not n.startswith("__") and (callable(v) or isinstance(v, property))}
    return {n: vars(protocol).get(n) for n in sorted(names)}


def _same_parameters(proto_fn: object, impl: object) -> bool:
    import inspect
    fn = proto_fn.fget if isinstance(proto_fn, property) else proto_fn
    if isinstance(impl, property) or not callable(fn):
        return isinstance(proto_fn, property) == isinstance(impl, property)
    return list(inspect.signature(fn).parameters) == list(inspect.signature(impl).parameters)


def test_the_meter_is_what_its_parts_take_it_for() -> None:
    """sim.host's Protocols match the classes the meter hands its parts: every member exists, with the same
    parameters (a renamed method in the meter or a part fails here, not in a run)."""
    from meterproof.sim import host
    from meterproof.sim.dm import DeviceManagement
    from meterproof.sim.meter import SimulatedMeter
    from meterproof.sim.registration_client import RegistrationClient
    from meterproof.sim.reporting import Reporter
    from meterproof.sim.security import MeterSecurity

    meter = SimulatedMeter("coap://127.0.0.1:5683", "layering")
    pairs = [(host.MeterHost, SimulatedMeter, meter), (host.Values, DeviceManagement, meter.dm),
             (host.Observations, Reporter, meter.reporter), (host.Reregistration, RegistrationClient, meter.reg),
             (host.SecuritySettings, MeterSecurity, meter.security)]
    problems = []
    for protocol, cls, obj in pairs:
        for name, proto_member in _members(protocol).items():
            if not (hasattr(cls, name) or name in vars(obj)):   # (no property is run: some need a loop)
                problems.append(f"{cls.__name__} has no {name} ({protocol.__name__})")
            elif proto_member is not None and not _same_parameters(proto_member, vars(cls).get(name)):
                problems.append(f"{cls.__name__}.{name} differs from {protocol.__name__}.{name}")
    assert problems == []
