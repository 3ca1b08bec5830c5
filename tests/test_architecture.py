"""The import graph of the product and the dev tools, read from the source (every import,
including those inside functions and relative ones): no cycle between modules, and only the
directions the design allows.

- quizzes never imports assessment; assessment imports nothing of quizzes but quizzes.results
  (the contract: result listeners, scheduling checks, the exam reads it needs);
- no product module imports the dev tools (tools/);
- a selectors module (reads) never imports a services module (writes).
"""

import ast
from functools import cache
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# import name → folder
PACKAGES = {
    "cases": "cases",
    "quizzes": "quizzes",
    "assessment": "assessment",
    "portal": "site",
    "tools": "tools",
}
CONTRACT = "quizzes.results"


@cache
def modules() -> dict[str, tuple[Path, bool]]:
    """Every module: its file and whether it is a package's __init__ (migrations left out: they
    are generated and only name models)."""
    found = {}
    for name, folder in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = [name, *path.relative_to(ROOT / folder).with_suffix("").parts]
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            found[".".join(parts)] = (path, is_package)
    return found


def _known(name: str) -> str | None:
    """The module an import lands in: the name itself, or the nearest enclosing module."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if node.module else package
    # `from package import module` imports the module; `from module import name` the module.
    return [
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base
        for alias in node.names
    ]


@cache
def graph() -> dict[str, frozenset[str]]:
    edges = {}
    for module, (path, is_package) in modules().items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(module, is_package, node):
                    known = _known(target)
                    if known and known != module:
                        imported.add(known)
        edges[module] = frozenset(imported)
    return edges


def cycles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
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
                    work.append((child, iter(sorted(edges.get(child, ())))))
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


def edges_where(condition) -> list[str]:
    return sorted(
        f"{module} → {target}"
        for module, targets in graph().items()
        for target in targets
        if condition(module, target)
    )


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_graph_is_read():
    assert len(modules()) > 100
    assert "quizzes.papers.services" in graph()["quizzes.papers.scheduling"]
    # Imports inside functions and relative imports count too.
    assert "quizzes.results" in graph()["assessment.apps"]


def test_the_cycle_finder_finds_cycles():
    edges = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert cycles(edges) == [["a", "b", "c"]]


def test_no_import_cycle():
    assert cycles(graph()) == []


def test_quizzes_never_imports_assessment():
    assert edges_where(lambda m, t: _in(m, "quizzes") and _in(t, "assessment")) == []


def test_assessment_imports_only_the_contract_of_quizzes():
    assert (
        edges_where(lambda m, t: _in(m, "assessment") and _in(t, "quizzes") and t != CONTRACT) == []
    )


def test_the_product_never_imports_the_dev_tools():
    assert edges_where(lambda m, t: not _in(m, "tools") and _in(t, "tools")) == []


def test_selectors_never_import_services():
    def is_kind(module: str, kind: str) -> bool:
        return module.rpartition(".")[2].endswith(kind)

    assert edges_where(lambda m, t: is_kind(m, "selectors") and is_kind(t, "services")) == []
