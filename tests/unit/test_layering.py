"""The import structure the design asks for, read from the code's own imports.

privacy/ decides and proves, transforms/ applies, flows/ orchestrates: privacy/ never imports
transforms/ or flows/, transforms/ never imports flows/ or Prefect, and no two modules of the
project import each other in a circle (so no import has to hide inside a function to dodge one).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("configs", "examples", "flows", "privacy", "transforms")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = {
    _module(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
}


def _project(names: set[str]) -> set[str]:
    return {name for name in names if name in MODULES}


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("privacy", ("transforms", "flows", "prefect")),
        ("transforms", ("flows", "prefect")),
    ],
)
def test_layers_import_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    wrong = sorted(
        f"{module} imports {name}"
        for module, path in MODULES.items()
        if module.split(".")[0] == package
        for name in _imports(path, top_level_only=False)
        if name.split(".")[0] in forbidden
    )
    assert not wrong, wrong


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle of ``graph`` (module -> modules it imports), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return [*path, module, target]
            if target not in state and (circle := visit(target, [*path, module])):
                return circle
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (circle := visit(module, [])):
            return circle
    return None


def test_no_import_circle() -> None:
    graph = {m: _project(_imports(p, top_level_only=True)) - {m} for m, p in MODULES.items()}
    circle = _circle(graph)
    assert circle is None, " -> ".join(circle)


@pytest.mark.parametrize(
    ("graph", "has_circle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, True),
        ({"a": {"b", "c"}, "b": {"c"}, "c": set()}, False),
        ({"a": {"a"}}, True),
    ],
)
def test_the_circle_finder(graph: dict[str, set[str]], has_circle: bool) -> None:
    assert (_circle(graph) is not None) == has_circle
