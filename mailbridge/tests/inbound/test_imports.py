"""The inbound side's modules import one another in one direction: no circle.

A circle (a module importing, even inside a function, one that imports it) is how
the order of the pipeline's parts gets lost: who may use whom. Imports made for
type annotations only (under `if TYPE_CHECKING:`) never run and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

MAILBRIDGE = Path(__file__).resolve().parents[2]
PACKAGES = ("inbound", "smtp")
# The pipeline's steps are one layer: a module that imports one of them, or is
# imported by one, stands in that relation to them all.
LAYERS = ("mailbridge.inbound.steps",)


def _node(module: str) -> str:
    for layer in LAYERS:
        if module.startswith(layer + "."):
            return layer
    return module


def _modules() -> dict[Path, str]:
    modules = {}
    for package in PACKAGES:
        for path in (MAILBRIDGE / package).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            parts = path.relative_to(MAILBRIDGE.parent).with_suffix("").parts
            modules[path] = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    return modules


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imported(tree: ast.AST) -> set[str]:
    """Every module named by an import in `tree`, at any depth, bar TYPE_CHECKING."""
    names: set[str] = set()
    waiting = [tree]
    while waiting:
        node = waiting.pop()
        if _type_checking_only(node):
            waiting.extend(node.orelse)
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        waiting.extend(ast.iter_child_nodes(node))
    return names


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules.values())
    graph: dict[str, set[str]] = {_node(name): set() for name in known}
    for path, name in modules.items():
        names = _imported(ast.parse(path.read_text()))
        imported = {_node(other) for other in names if other in known}
        graph[_node(name)] |= imported - {_node(name)}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    return found


def test_the_inbound_and_smtp_modules_import_each_other_in_one_direction():
    graph = import_graph()
    assert "mailbridge.inbound.lookups" in graph["mailbridge.inbound.steps"]  # verify_token
    assert circles(graph) == []


def test_an_import_in_a_function_counts_and_one_for_annotations_does_not():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from mailbridge.inbound.lookups import ChunkLookups\n"
        "def wake():\n"
        "    from mailbridge.inbound.tasks import process_inbound\n"
    )
    names = _imported(ast.parse(source))
    assert "mailbridge.inbound.tasks" in names
    assert not any(name.startswith("mailbridge.inbound.lookups") for name in names)
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
