"""Demo mode (a role picker, no password) opens only what `etl demo` generated: never real
data, whatever its folder is called, and never again once a real export was loaded."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import demo.build
from etl import store
from etl.load import load_exports
from tests.conftest import ROOT
from tests.exports import base_export, rows

DASHBOARD = str(ROOT / "dashboard.py")
DEMO_ARGS = ["--months", "1", "--end", "2026-10-31"]


def _etl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True
    )


def _opened(monkeypatch, db: Path, **env: str) -> AppTest:
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    app.run()
    assert not app.exception
    return app


def _in_demo_mode(app: AppTest) -> bool:
    picker = [s for s in app.sidebar.selectbox if s.label == "以何种角色查看"]
    asks_password = any(i.label == "密码" for i in app.text_input)
    assert bool(picker) != asks_password, "either the role picker or the sign-in form"
    return bool(picker)


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory) -> Path:
    """A one-month demo built with `--out` somewhere not named like the demo's folder."""
    folder = tmp_path_factory.mktemp("small-demo")
    db = folder / "db" / "sunshine.duckdb"
    done = _etl("demo", "--db", str(db), "--out", str(folder / "elsewhere"), *DEMO_ARGS)
    assert done.returncode == 0, done.stderr
    return db


@pytest.fixture
def small_demo_copy(small_demo, tmp_path) -> Path:
    copy = tmp_path / "sunshine.duckdb"
    shutil.copyfile(small_demo, copy)
    return copy


def test_a_real_export_in_a_folder_named_like_the_demo_asks_for_a_password(monkeypatch, tmp_path):
    export = base_export(tmp_path / "demo-export-district")
    db = tmp_path / "sunshine.duckdb"
    load_exports([export], db)
    app = _opened(monkeypatch, db)
    assert not _in_demo_mode(app)
    assert not [w for w in app.warning if "演示" in w.value]


def test_a_demo_written_elsewhere_opens_in_demo_mode(monkeypatch, small_demo_copy):
    assert rows(small_demo_copy, "SELECT bool_and(demo) FROM loads") == [(True,)]
    assert _in_demo_mode(_opened(monkeypatch, small_demo_copy))


def test_a_real_load_ends_demo_mode_for_good_even_after_the_demo_is_rebuilt(
    monkeypatch, small_demo_copy, tmp_path
):
    loaded = _etl(
        "load", str(base_export(tmp_path / "real")), "--db", str(small_demo_copy), "--quiet"
    )
    assert loaded.returncode == 0, loaded.stderr
    assert not _in_demo_mode(_opened(monkeypatch, small_demo_copy))
    rebuilt = _etl("demo", "--db", str(small_demo_copy), "--force", *DEMO_ARGS)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rows(small_demo_copy, "SELECT bool_and(demo) FROM loads") == [(True,)]
    assert not _in_demo_mode(_opened(monkeypatch, small_demo_copy))


@pytest.mark.parametrize(
    "env", [{"SUNSHINE_DEMO": "off"}, {"SUNSHINE_DEMO": "false"}], ids=["off", "false"]
)
def test_demo_mode_can_be_switched_off_in_the_configuration(monkeypatch, small_demo_copy, env):
    assert not _in_demo_mode(_opened(monkeypatch, small_demo_copy, **env))


def test_asking_for_demo_mode_on_real_data_gets_the_sign_in(monkeypatch, tmp_path):
    db = tmp_path / "sunshine.duckdb"
    load_exports([base_export(tmp_path / "real")], db)
    assert not _in_demo_mode(_opened(monkeypatch, db, SUNSHINE_SIGN_IN="demo"))


def _load_while_generating(monkeypatch, db: Path, export: Path) -> None:
    """Make a real load finish while the demo's export is being generated."""
    generate = demo.build.generate_export

    def generate_then_someone_loads(*args, **kwargs):
        generate(*args, **kwargs)
        load_exports([export], db)

    monkeypatch.setattr(demo.build, "generate_export", generate_then_someone_loads)


def test_a_load_finishing_while_the_demo_is_generated_is_not_overwritten(
    monkeypatch, small_demo_copy, tmp_path
):
    _load_while_generating(monkeypatch, small_demo_copy, base_export(tmp_path / "real"))
    with pytest.raises(store.RealDataPresent):
        demo.build_demo(small_demo_copy, months=1, end="2026-10-31")
    sources = [s for (s,) in rows(small_demo_copy, "SELECT source FROM loads WHERE NOT demo")]
    assert sources == [str(tmp_path / "real")]


def test_the_first_run_demo_keeps_a_database_loaded_meanwhile(monkeypatch, tmp_path):
    db = tmp_path / "fresh" / "sunshine.duckdb"
    _load_while_generating(monkeypatch, db, base_export(tmp_path / "real"))
    assert demo.build_demo(db, months=1, end="2026-10-31", only_if_missing=True) is None
    assert rows(db, "SELECT source, demo FROM loads") == [(str(tmp_path / "real"), False)]
