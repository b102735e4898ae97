"""#12 item 10: the messages page reads the month and the overdue list exactly, whatever
the number of messages, and a list cut for length says so with its full count."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from etl.load import load_exports
from tests.app.session import DASHBOARD, add_account, sign_in
from tests.exports import rows
from tests.security.districts import OWN, two_districts

MESSAGES = 6_000  # two hours apart: 2025-01-01 to 2026-05-14, none answered


@pytest.fixture(scope="module")
def many_messages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("many")
    db = folder / "sunshine.duckdb"
    load_exports([two_districts(folder / "export", MESSAGES)], db)
    add_account(db, "inspector", "district_inspector", OWN)
    return db


def _messages_page(db, monkeypatch, month: str) -> AppTest:
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    app = sign_in(AppTest.from_file(DASHBOARD, default_timeout=120), "inspector")
    app.switch_page("views/messages.py")
    app.query_params["month"] = month
    app.run()
    assert not app.exception
    return app


def test_an_early_month_is_counted_from_all_its_messages(many_messages, monkeypatch):
    app = _messages_page(many_messages, monkeypatch, "2025-01")
    card = {m.label: m.value for m in app.metric}["留言数"]
    topics = next(d.value for d in app.dataframe if "类别" in d.value.columns)
    assert card == "368" and topics["条数"].sum() == 368  # 8 on the 1st from 09:00, 30 × 12


def test_the_overdue_list_says_it_is_cut_and_counts_them_all(many_messages, monkeypatch):
    app = _messages_page(many_messages, monkeypatch, "2026-05")
    overdue = {m.label: m.value for m in app.metric}["超期未办结"]
    # Every message but the last week's is overdue at the end of the data.
    (last_week,) = rows(
        many_messages,
        "SELECT count(*) FROM mart_feedback WHERE region_code LIKE '210111%' "
        "AND submitted_at >= (SELECT max(submitted_at) FROM mart_feedback) - INTERVAL 7 DAY",
    )[0]
    assert abs(int(overdue.replace(",", "")) - (MESSAGES - last_week)) <= 1
    assert f"共 {overdue} 条，此处显示最早的 2,000 条" in " ".join(c.value for c in app.caption)
    listed = app.dataframe[-1].value
    assert len(listed) == 2_000
    assert listed["提交时间"].min().strftime("%Y-%m-%d %H:%M") == "2025-01-01 09:00"
