"""#13: the 17:00 digest lists the rectification items overdue on its day, for the
recipient's own jurisdiction only (datastore.daily.overdue_rectifications, which listed
nothing before the casework ledger existed)."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from datastore import ReadOnlyDatabase, casework
from datastore.daily import overdue_rectifications
from datastore.digests import Recipient
from datastore.scope import Scope
from reports import daily
from schema.timing import local_now
from tests.daily_export import DISTRICT, NAMES, S1, V11, V12, V21, load_export

DAY = dt.date(2026, 3, 12)


def _lead(village: str) -> dict:
    return {"lead_id": f"{village}-slow-202602", "region_code": village, "lead_type": "slow",
            "window_start": dt.date(2025, 12, 1), "window_end": dt.date(2026, 2, 28),
            "indicators": "[]"}  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    db, _, _ = load_export(tmp_path_factory.mktemp("rectifications"))
    con = casework.connect(casework.casework_path(db))
    try:
        add = casework.record_rectification
        late = add(con, _lead(V11), "留言积压未回复，联系电话13812345678", V11, "王某",
                   "限期回复", dt.date(2026, 3, 2), "张某")  # fmt: skip
        add(con, _lead(V12), "公开不及时", V12, "李某", "按期公开", dt.date(2026, 3, 20), "张某")
        add(con, _lead(V21), "审核滞后", V21, "赵某", "按时审核", dt.date(2026, 3, 1), "张某")
        # Reported done today, long after the digest's day: on that day it was still overdue.
        casework.record_rectification_event(
            con, late, "reported", "", "张某", local_now().date(), dt.date(2026, 3, 11)
        )
    finally:
        con.close()
    return db


def _digest(db, region: str, role: str = "district_inspector") -> daily.Digest:
    con = ReadOnlyDatabase(db).cursor()
    return daily.build(con, Recipient("r", role, region), DAY, DAY - dt.timedelta(days=1))


def test_the_district_digest_lists_what_was_overdue_on_its_day_most_overdue_first(db):
    digest = _digest(db, DISTRICT)
    listed = digest.rectifications
    assert listed.select("region_code", "days_overdue").rows() == [(V21, 11), (V11, 10)]
    assert listed.get_column("problem")[1] == "留言积压未回复，联系电话138****5678"
    text = daily.to_text(digest)
    assert "四、逾期整改（2 项）" in text
    assert (
        f"{NAMES[V11]} · 留言积压未回复，联系电话138****5678 · 责任人 王某 · 期限 2026-03-02 · 已逾期 10 天"
        in text
    )
    assert "13812345678" not in text + daily.to_markdown(digest)
    assert "**逾期整改（2 项）**" in daily.to_markdown(digest)


def test_a_street_digest_lists_its_own_streets_items_only(db):
    listed = _digest(db, S1, "street_inspector").rectifications
    assert listed.get_column("region_code").to_list() == [V11]


def test_a_report_counts_from_the_day_it_was_recorded_and_the_store_keeps_it(db):
    # V11's report, recorded today, ends its overdue from today on, not on the digest's day.
    today = overdue_rectifications(ReadOnlyDatabase(db).cursor(), Scope(DISTRICT),
                                   local_now().date())  # fmt: skip
    assert today.get_column("region_code").to_list() == [V21, V12]
    con = casework.connect(casework.casework_path(db))
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM rectification_events")
    finally:
        con.close()
