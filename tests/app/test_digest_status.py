"""The data page tells the administrator which digest deliveries failed, within their
jurisdiction, and says nothing about digests where none was ever sent."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from datastore import digests
from tests.app.session import DASHBOARD, add_account, sign_in

DISTRICT = "210111000000"
OTHER_DISTRICT = "210112000000"


def _data_page(db) -> AppTest:
    add_account(db, "admin", "admin", DISTRICT)
    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    sign_in(app, "admin")
    app.switch_page("views/home.py")
    app.run()
    assert not app.exception
    return app


def _record(db, name: str, region: str, channel: str, sent: bool, error: str = "") -> None:
    con = digests.connect(digests.ledger_path(db))
    recipient = digests.Recipient(name, "district_inspector", region, None, region)
    digests.record(con, dt.date(2026, 10, 31), "digest", recipient, channel, sent, 3, error)
    con.close()


def test_failed_deliveries_are_listed_and_the_others_are_not(db):
    _record(db, "区纪委监委", DISTRICT, "outbox", True)
    _record(db, "区纪委监委", DISTRICT, "wecom/markdown", False, "HTTP 500 Internal Server Error")
    _record(db, "区纪委监委", DISTRICT, "email:a@example.gov.cn", False, "SMTP: refused")
    _record(db, "区纪委监委", DISTRICT, "email:a@example.gov.cn", True)  # sent on a rerun
    _record(db, "邻区纪委监委", OTHER_DISTRICT, "wecom/markdown", False, "HTTP 404")
    app = _data_page(db)
    assert "日报推送" in [s.value for s in app.subheader]
    assert "近 7 天有 1 项日报推送失败" in app.error[0].value
    failed = app.dataframe[-1].value
    assert failed.to_dict("records") == [
        {"日期": "2026-10-31", "类型": "日报", "接收方": "区纪委监委", "渠道": "wecom/markdown",
         "尝试次数": 3, "错误": "HTTP 500 Internal Server Error",
         "时间": failed["时间"][0]}
    ]  # fmt: skip


def test_nothing_is_said_where_no_digest_was_ever_sent(db):
    app = _data_page(db)
    assert "日报推送" not in [s.value for s in app.subheader]
