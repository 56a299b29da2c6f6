"""The dependency rules the code keeps: notifications sends what other apps hand it and
never imports them (the board hands over its letter and its feed events), and the bench
modules do not import each other in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_notifications_never_imports_the_board():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imports_of(path) if m.split(".")[0] == "board"
        )
        for path in (ROOT / "notifications").rglob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_the_bench_modules_import_each_other_without_a_cycle():
    modules = {path.stem: path for path in (ROOT / "bench").glob("*.py")}
    graph = {
        name: {m.split(".")[1] for m in imports_of(path) if m.startswith("bench.")} & set(modules)
        for name, path in modules.items()
    }
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, " -> ".join((*trail, name))
        if name in done:
            return
        for dependency in sorted(graph[name]):
            visit(dependency, (*trail, name))
        done.add(name)

    for name in sorted(graph):
        visit(name, ())
