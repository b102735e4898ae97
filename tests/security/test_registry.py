"""#12 item 2: every function a page reads through is a declared read, held to the reader's
jurisdiction; anything else is refused. The functions are found in the pages' source, so a
new read cannot slip past this test."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from datastore import ReadOnlyDatabase, reads, status
from datastore.access import OutsideJurisdiction, User
from datastore.scope import Scope
from tests.conftest import ROOT

PAGE_SOURCES = sorted([ROOT / "dashboard.py", *(ROOT / "views").glob("*.py"),
                       *(ROOT / "ui").glob("*.py")])  # fmt: skip
DISTRICT, OWN_STREET, OTHER_STREET = "210111000000", "210111001000", "210111010000"


def _imports(tree: ast.Module, module: str) -> dict[str, str]:
    """Local name → dotted path of what it names, from the file's imports."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(module.split(".")[: -node.level] + ([base] if base else []))
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name
    return names


def _resolve(dotted: str):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(dotted)


def _passed_to(door: str) -> list[tuple[str, int, object]]:
    """(file, line, function) for every call `door(fn, …)` in the pages and ui/."""
    found = []
    for path in PAGE_SOURCES:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = _imports(tree, module)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name != door:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            target = node.args[0]
            dotted = None
            if isinstance(target, ast.Name) and target.id in imported:
                dotted = imported[target.id]
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                base = imported.get(target.value.id)
                dotted = f"{base}.{target.attr}" if base else None
            assert dotted, f"{where}: {door}() is given {ast.unparse(target)}, not an imported read"
            found.append((where, node.lineno, _resolve(dotted)))
    return found


READS = _passed_to("query")


def test_the_pages_read_through_the_one_door_many_times():
    assert len(READS) >= 30
    assert {reads.qualified_name(fn) for *_, fn in READS} >= {
        "datastore.status.load_history", "datastore.status.load_files",
        "datastore.status.quarantine_by_reason", "datastore.status.quarantined_rows",
        "datastore.accounts.audit_trail", "datastore.accounts.account_list",
        "datastore.figures.region_metrics", "datastore.records.overdue_messages",
        "datastore.dispositions.record", "datastore.scoring.lead_episodes",
    }  # fmt: skip


@pytest.mark.parametrize(("where", "fn"), [(w, fn) for w, _, fn in READS],
                         ids=[w for w, *_ in READS])  # fmt: skip
def test_every_function_a_page_reads_is_declared_and_scoped(where, fn):
    declared = reads.declaration(fn)
    assert declared is not None, f"{where}: {reads.qualified_name(fn)} is not declared"
    assert declared.kind in (reads.SCOPED, reads.GLOBAL), where


@pytest.fixture(scope="module")
def con(demo_db):
    return ReadOnlyDatabase(demo_db[0]).cursor()


STREET_USER = User("s", "s", "street_inspector", OWN_STREET, "password")
DISTRICT_USER = User("d", "d", "admin", DISTRICT, "password")
EVERYTHING_USER = User("a", "a", "admin", None, "password")


@pytest.mark.parametrize("fn", sorted({fn for *_, fn in READS}, key=reads.qualified_name),
                         ids=reads.qualified_name)  # fmt: skip
def test_every_read_refuses_what_lies_outside_the_readers_jurisdiction(con, fn):
    if reads.declaration(fn).kind == reads.GLOBAL:
        with pytest.raises(OutsideJurisdiction):
            reads.check(con, DISTRICT_USER, fn, ())
        reads.check(con, EVERYTHING_USER, fn, ())
        return
    for outside in (Scope(OTHER_STREET), Scope(DISTRICT), Scope(), Scope("nonsense")):
        with pytest.raises(OutsideJurisdiction):
            reads.check(con, STREET_USER, fn, (outside, "x"))
    with pytest.raises(OutsideJurisdiction):  # a second Scope among the arguments too
        reads.check(con, STREET_USER, fn, (Scope(OWN_STREET), Scope(OTHER_STREET)))
    with pytest.raises(TypeError):  # no scope first: not read at all
        reads.check(con, EVERYTHING_USER, fn, ("210111001201",))
    reads.check(con, STREET_USER, fn, (Scope(OWN_STREET),))
    reads.check(con, EVERYTHING_USER, fn, (Scope(),))


def test_undeclared_functions_and_sign_in_reads_are_refused_to_pages(con):
    for undeclared in (lambda c, scope: None, status._tables_in_scope, print):
        with pytest.raises(reads.UndeclaredRead):
            reads.check(con, EVERYTHING_USER, undeclared, (Scope(),))
    with pytest.raises(reads.UndeclaredRead):
        reads.check(con, EVERYTHING_USER, status.demo_only, ())
    with pytest.raises(reads.UndeclaredRead):
        reads.check_before_sign_in(status.load_history)
    reads.check_before_sign_in(status.demo_only)


def test_only_sign_in_reads_before_signing_in():
    unguarded = _passed_to("unguarded")
    assert {where.split(":")[0] for where, *_ in unguarded} == {"ui/auth.py"}
    for where, _, fn in unguarded:
        assert reads.declaration(fn).kind == reads.BEFORE_SIGN_IN, where


def test_reads_declared_by_name_still_exist():
    for name, declared in reads.DECLARED_ELSEWHERE.items():
        fn = _resolve(name)
        assert reads.qualified_name(fn) == name and declared.kind == reads.SCOPED


def test_no_page_opens_a_connection_itself():
    for path in PAGE_SOURCES:
        if path.name == "database.py":
            continue
        source = path.read_text(encoding="utf-8")
        for forbidden in ("cursor()", "_cached(", ".connect(", "casework_path("):
            assert forbidden not in source, f"{Path(path).relative_to(ROOT)}: {forbidden}"
