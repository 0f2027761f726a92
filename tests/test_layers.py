"""The import graph of renkei's own packages: no cycles, and nothing imports upward.

Built with ``ast`` from the source, so an import hidden inside a function counts as much as one
at the top of a module. The layers are DESIGN.md's:

0. harness's ground floor: ``harness`` itself (the public names), ``harness.core``,
   ``harness.oneroster``, ``harness.lti``, ``harness.report``, ``harness.accounts``,
   ``harness.transport``; ``harness.core`` stands on nothing of ours;
1. ``fixtures`` and ``pipeline``, independent of each other;
2. ``mocks`` (only ``mocks.c4th`` may stand on ``fixtures``: it holds a fixtures city);
3. ``scenarios``;
4. the top floor: ``harness.cli``, ``harness.pytest_plugin`` with ``harness.pytest_world``,
   ``harness.__main__``.
"""

from __future__ import annotations

import ast
import collections
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("harness", "pipeline", "mocks", "fixtures", "scenarios")
TOP_FLOOR = ("harness.cli", "harness.pytest_plugin", "harness.pytest_world", "harness.__main__")

# What each part may import, by module-name prefix (itself always allowed).
GROUND = ("harness.core", "harness.oneroster", "harness.lti", "harness.report",
          "harness.accounts", "harness.transport")
ALLOWED: dict[str, tuple[str, ...]] = {
    "harness.core": (),
    "harness": GROUND,
    "fixtures": GROUND,
    "pipeline": GROUND,
    "mocks.c4th": (*GROUND, "fixtures", "mocks"),
    "mocks": GROUND,
    "scenarios": (*GROUND, "fixtures", "pipeline", "mocks"),
    **{top: ("",) for top in TOP_FLOOR},  # "" is a prefix of everything
}
for _part in GROUND:
    ALLOWED.setdefault(_part, GROUND)


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The modules of ours one import names (``from pkg import sub`` names ``pkg.sub``)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".")
            if MODULES[module].name != "__init__.py":
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        names = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in MODULES else prefix
                 for a in node.names]
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            yield name


def import_graph() -> dict[str, set[str]]:
    """Every module of ours → the modules of ours it imports, anywhere in its body."""
    graph: dict[str, set[str]] = collections.defaultdict(set)
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                graph[module].update(_imported(module, node))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(MODULES):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _part(module: str) -> str:
    """The most specific key of ALLOWED that ``module`` falls under."""
    candidates = [k for k in ALLOWED if module == k or module.startswith(k + ".")]
    return max(candidates, key=len)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in sorted(graph.items()):
        part = _part(module)
        for target in sorted(targets):
            if _part(target) == part or target.startswith(part + "."):
                continue
            if not any(target == p or target.startswith(p + ".") or p == ""
                       for p in ALLOWED[part]):
                bad.append(f"{module} -> {target}")
    return bad


def test_the_graph_sees_imports_inside_functions(tmp_path: Path) -> None:
    # A guard on the guard: the walk must count a lazy import as an edge.
    tree = ast.parse("def f():\n    from harness.core import rules\n")
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))
    assert list(_imported("harness.report.text", node)) == ["harness.core.rules"]


def test_every_module_is_in_a_layer() -> None:
    assert MODULES, "no modules found"
    for module in MODULES:
        assert _part(module) in ALLOWED, module


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in found)


@pytest.mark.parametrize("module, target, expected", [
    ("pipeline.run", "mocks.lgate", False),
    ("pipeline.run", "fixtures.model", False),
    ("mocks.lgate.views", "fixtures.model", False),
    ("mocks.c4th.store", "fixtures.model", True),
    ("harness.core.rules", "harness.oneroster.rules", False),
    ("harness.oneroster.checker", "harness.cli.check", False),
    ("scenarios.runner", "mocks.lgate", True),
    ("harness.cli.main", "scenarios.runner", True),
])
def test_the_layer_table(module: str, target: str, expected: bool) -> None:
    assert (upward_imports({module: {target}}) == []) is expected


def test_nothing_imports_upward() -> None:
    bad = upward_imports(import_graph())
    assert not bad, "imports across the layers of DESIGN.md:\n" + "\n".join(bad)
