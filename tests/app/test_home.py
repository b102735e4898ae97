"""The data page (what was loaded) under Streamlit's AppTest, and the first run."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from etl.load import load_exports
from tests.app.session import add_account, as_demo_role, sign_in
from tests.conftest import ROOT
from tests.exports import base_export, rows

DASHBOARD = str(ROOT / "dashboard.py")


@pytest.fixture
def app(monkeypatch, demo_db):
    db, _ = demo_db
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    return AppTest.from_file(DASHBOARD, default_timeout=60)


def _data_page(app: AppTest) -> AppTest:
    """The data page as the demo's administrator."""
    as_demo_role(app, "admin")
    app.run()
    app.switch_page("views/home.py")
    return app.run()


def _data_page_signed_in(app: AppTest, db) -> AppTest:
    """The data page of real (not demo) data: an administrator must sign in."""
    add_account(db, "admin", "admin", None)
    sign_in(app, "admin")
    app.switch_page("views/home.py")
    return app.run()


def test_home_shows_what_was_loaded(app, demo_db):
    db, _ = demo_db
    _data_page(app)
    assert not app.exception
    shown = {m.label: m.value for m in app.metric}
    assert shown["注册用户"] == f"{rows(db, 'SELECT count(*) FROM users')[0][0]:,}"
    assert shown["访问事件"] == f"{rows(db, 'SELECT count(*) FROM activity')[0][0]:,}"
    assert shown["三务公开"] == f"{rows(db, 'SELECT count(*) FROM disclosures')[0][0]:,}"
    assert shown["隔离"] == f"{rows(db, 'SELECT rows_quarantined FROM loads')[0][0]:,}"
    captions = " ".join(c.value for c in app.caption)
    assert "演示数据" in captions and "数据截至 2026-10-31" in captions
    reasons = app.dataframe[0].value
    assert set(reasons["原因代码"]) >= {"unknown_region", "conflicting_duplicate"}


def test_switches_to_english(app):
    _data_page(app)
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert "Registered users" in [m.label for m in app.metric]
    assert app.query_params["lang"] == "en"


def test_first_run_builds_the_demo_database(monkeypatch, tmp_path):
    db = tmp_path / "fresh" / "sunshine.duckdb"
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    app = AppTest.from_file(DASHBOARD, default_timeout=300)
    _data_page(app)
    assert not app.exception
    assert db.exists()
    assert (tmp_path / "fresh" / "demo-export-district.labels.csv").exists()
    assert int(dict((m.label, m.value) for m in app.metric)["行政区划"]) == 199


def test_shows_new_data_after_a_load_without_a_restart(monkeypatch, tmp_path, sample_export):
    db = tmp_path / "live.duckdb"
    load_exports([base_export(tmp_path / "first")], db)
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    _data_page_signed_in(app, db)
    assert {m.label: m.value for m in app.metric}["注册用户"] == "4"
    load_exports([sample_export], db)  # as another process would: a new file swapped in
    app.run()
    assert not app.exception
    assert {m.label: m.value for m in app.metric}["注册用户"] == f"{4 + 16_808:,}"
