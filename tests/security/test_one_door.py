"""#16 "The one door is not the only door": only the data layer (datastore/) and the loader
(etl/) open DuckDB or SQLite. Everything else reads through the data layer, with a scope."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

DRIVERS = {"duckdb", "sqlite3"}
DOORS = ("datastore", "etl", "tests", "bench")  # tests and benchmarks look behind the door


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in DOORS or relative.parts[0].startswith("."):
            continue
        yield relative


def _drivers_imported(path) -> set[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found & DRIVERS


@pytest.mark.parametrize("path", list(_modules()), ids=str)
def test_no_module_outside_the_data_layer_opens_a_database(path):
    assert not _drivers_imported(path), f"{path} imports {_drivers_imported(path)}"
