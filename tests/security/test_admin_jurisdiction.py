"""#12 item 2: an administrator of one district sees nothing of another district's loads,
files, rows kept aside, audit entries or accounts, in a load that holds both."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from datastore import accounts
from etl.load import load_exports
from tests.app.session import DASHBOARD, add_account, page_text, sign_in
from tests.security.districts import OTHER, OTHER_PHONE, OWN, OWN_STREET, two_districts


@pytest.fixture
def db(tmp_path, monkeypatch):
    db = tmp_path / "sunshine.duckdb"
    load_exports([two_districts(tmp_path / "export")], db)
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    add_account(db, "own-admin", "admin", OWN)
    add_account(db, "own-street", "street_inspector", OWN_STREET)
    add_account(db, "other-admin", "admin", OTHER)
    add_account(db, "root", "admin", None)
    with accounts.opened(accounts.access_path(db)) as con:
        for user, region in (("other-admin", OTHER), ("own-street", OWN_STREET)):
            accounts.audit(con, user, "admin", "export", f"{user}-file.xlsx", "", "", region)
    return db


def _page(username: str, page: str) -> AppTest:
    app = sign_in(AppTest.from_file(DASHBOARD, default_timeout=120), username)
    app.switch_page(f"views/{page}.py")
    app.run()
    assert not app.exception
    return app


def test_the_data_page_of_a_district_admin_holds_only_their_district(db):
    app = _page("own-admin", "home")
    text = page_text(app)
    assert "210111001201-bad" in text and "U3" in text  # their own rows kept aside
    for other in ("210112001201-bad", '"U4"', OTHER_PHONE[-4:], "浑南区", "远方村"):
        assert other not in text
    shown = {m.label: m.value for m in app.metric}
    assert shown["隔离"] == "2"  # of the load's 4
    assert shown["行政区划"] == "3"
    assert "本次装载写入、现仍有效的行" in shown
    assert "读取行数" not in shown  # the whole export's count is not theirs
    # The load's files: the table with each file's checksum.
    files = next(d.value for d in app.dataframe if "SHA-256" in d.value.columns)
    assert "读取行数" not in files.columns
    assert sorted(files["隔离"]) == [0, 1, 1]


def test_an_admin_of_everything_sees_the_whole_load(db):
    app = _page("root", "home")
    shown = {m.label: m.value for m in app.metric}
    assert shown["隔离"] == "4" and shown["读取行数"] == "18"
    text = page_text(app)
    assert "210112001201-bad" in text and "210111001201-bad" in text


def test_the_audit_page_of_a_district_admin_holds_their_district_only(db):
    _page("other-admin", "home")  # signs in (audited in the other district)
    app = _page("own-admin", "audit")
    entries = app.dataframe[0].value
    assert set(entries["操作人"]) == {"own-admin", "own-street"}
    assert "other-admin-file.xlsx" not in set(entries["对象"])
    people = app.dataframe[-1].value
    assert sorted(people["用户名"]) == ["own-admin", "own-street"]

    root = _page("root", "audit")
    assert {"own-admin", "other-admin", "own-street"} <= set(root.dataframe[0].value["操作人"])
    assert sorted(root.dataframe[-1].value["用户名"]) == sorted(
        ["own-admin", "own-street", "other-admin", "root"]
    )
