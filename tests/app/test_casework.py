"""#13 under AppTest on the demo database: from a lead through its dispositions to a
rectification item, its data re-check (passed, failed, too few records), closing (销号)
and overdue, with the follow-up lists, the summary, the audit trail and the digest."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from streamlit.testing.v1 import AppTest

from datastore import ReadOnlyDatabase, casework
from datastore.daily import overdue_rectifications
from datastore.scope import Scope
from schema.timing import local_now
from tests.app.session import audit_rows, open_page, page_text

DISTRICT = "210111000000"
# Seed 7's demo: a village slow in every duty to the data's end, and one whose slow
# replies stopped after October 2025 (tests/app/conftest.py's database).
STILL_SLOW = "210111009208-slow-202607"
MENDED = "210111005007-slow-202510"
TODAY = local_now().date()  # deadlines are Beijing's days


def _lead_page(lead_id: str) -> AppTest:
    app = open_page("leads", lead=lead_id)
    assert app.query_params["lead"] == lead_id
    return app


def _press(app: AppTest, label: str) -> AppTest:
    next(b for b in app.button if b.label == label).click()
    app.run()
    assert not app.exception, app.exception
    return app


def _confirm(app: AppTest, note: str = "经核查，情况属实") -> AppTest:
    next(s for s in app.selectbox if s.label == "状态").set_value("confirmed")
    next(a for a in app.text_area if a.label == "核查说明").input(note)
    return _press(app, "保存")


def _open_item(app: AppTest, deadline: dt.date, problem: str = "留言回复长期滞后") -> AppTest:
    app.text_area(key="rect_new_problem").input(problem)
    app.text_input(key="rect_new_person").input("王某（村党组织书记）")
    app.text_area(key="rect_new_measures").input("建立留言当日回复制度，逐条回复积压留言")
    app.date_input(key="rect_new_deadline").set_value(deadline)
    return _press(app, "新增整改项")


def _act(app: AppTest, rid: int, action: str, note: str, day: dt.date | None = None) -> AppTest:
    app.selectbox(key=f"rect_action_{rid}").set_value(action)
    if day:
        app.date_input(key=f"rect_day_{rid}").set_value(day)
    app.text_area(key=f"rect_note_{rid}").input(note)
    (submit,) = [b for b in app.button if b.proto.form_id == f"rect_form_{rid}"]
    submit.click()
    app.run()
    assert not app.exception, app.exception
    return app


def _messages(app: AppTest) -> str:
    return " ".join(e.value for kind in ("success", "error", "warning", "info")
                    for e in getattr(app, kind))  # fmt: skip


def test_a_lead_through_disposition_rectification_failed_recheck_and_closing(db):
    app = _lead_page(STILL_SLOW)
    app = _confirm(app, "经核查属实，联系电话13812345678")
    assert "已记录。" in [s.value for s in app.success]
    # The list and the lead read anew at once: no reload needed.
    lead_table = app.dataframe[0].value
    assert "属实" in set(lead_table["状态"])
    history = next(d.value for d in app.dataframe if "记录于" in d.value.columns)
    assert list(history["状态"]) == ["属实"]
    assert "138****5678" in history["核查说明"].iloc[0]  # masked on the page

    app = _open_item(app, dt.date(2026, 6, 30))
    text = page_text(app)
    assert "已新增整改项。" in text
    assert "整改项 1 · 逾期" in text  # the deadline has passed with no report
    app = _act(app, 1, "reported", "已逐条回复并建立制度", dt.date(2026, 7, 1))
    text = page_text(app)
    assert "整改项 1 · 已整改（待复核）" in text
    assert "复核区间：2026-07-01 至 2026-10-31" in text
    assert "数据复核未通过" in _messages(app)
    recheck = next(d.value for d in app.dataframe if "整改后" in d.value.columns)
    assert "是" in set(recheck["仍超出阈值"])  # still slow after the report

    app = _act(app, 1, "closed", "经研究，同意销号")  # shown, never forced
    assert "整改项 1 · 已销号" in page_text(app)
    assert not [b for b in app.button if b.proto.form_id == "rect_form_1"]  # nothing left to do
    with sqlite3.connect(casework.casework_path(db)) as con:
        events = con.execute(
            "SELECT kind, happened_on, note, recheck FROM rectification_events ORDER BY event_id"
        ).fetchall()
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE rectification_events SET note = ''")
    assert [e[:3] for e in events] == [
        ("reported", "2026-07-01", "已逐条回复并建立制度"),
        ("closed", None, "经研究，同意销号"),
    ]
    assert events[1][3].startswith("数据复核未通过（2026-07-01 至 2026-10-31）")
    audited = [(e["target"], e["detail"].split(":")[0]) for e in audit_rows(db, "rectification")]
    assert audited[::-1] == [  # newest first
        ("rectification:1", "opened on " + STILL_SLOW),
        ("rectification:1", "reported"),
        ("rectification:1", "closed"),
    ]


def test_a_mended_village_passes_and_a_short_window_has_too_few_records(db):
    app = _confirm(_lead_page(MENDED))
    app = _open_item(app, dt.date(2026, 6, 30))
    app = _act(app, 1, "reported", "已整改", dt.date(2026, 7, 1))
    assert "数据复核通过" in _messages(app)
    recheck = next(d.value for d in app.dataframe if "整改后" in d.value.columns)
    assert set(recheck["仍超出阈值"]) == {"否"}

    app = _open_item(app, dt.date(2026, 10, 1), "回复制度未上墙")
    app = _act(app, 2, "reported", "已上墙", dt.date(2026, 10, 20))  # 12 days of data after
    assert "样本不足" in _messages(app)
    assert "复核区间：2026-10-20 至 2026-10-31" in page_text(app)


def test_overdue_items_and_leads_left_pending_are_followed_up(db):
    app = _confirm(_lead_page(STILL_SLOW))
    app = _open_item(app, dt.date(2026, 9, 30), "三务公开长期滞后")
    days_overdue = (TODAY - dt.date(2026, 9, 30)).days
    overdue = next(d.value for d in app.dataframe if "逾期天数" in d.value.columns)
    assert list(overdue["逾期天数"]) == [days_overdue]
    assert list(overdue["存在问题"]) == ["三务公开长期滞后"]
    pending = next(d.value for d in app.dataframe if "待核查天数" in d.value.columns)
    assert STILL_SLOW not in " ".join(pending["查看"])  # checked now
    assert (pending["待核查天数"] > 30).all()
    # A street inspector elsewhere sees neither.
    other = open_page("leads", role="street_inspector", of="210111001000")
    assert "逾期未整改：0 项" in page_text(other)
    # The overview shows the same follow-up and the summary by street.
    overview = open_page()
    text = page_text(overview)
    assert "逾期未整改：1 项" in text
    summary = next(d.value for d in overview.dataframe if "线索数" in d.value.columns)
    total = summary.set_index("所属街道").loc["合计"]
    assert (total["属实（含部分属实）"], total["整改项"], total["逾期"]) == (1, 1, 1)
    # The 17:00 digest lists it too.
    listed = overdue_rectifications(ReadOnlyDatabase(db).cursor(), Scope(DISTRICT), TODAY)
    assert listed.select("lead_id", "problem", "days_overdue").rows() == [
        (STILL_SLOW, "三务公开长期滞后", days_overdue)
    ]


def test_an_overdue_item_put_off_is_in_progress_again_and_keeps_its_first_deadline(db):
    app = _confirm(_lead_page(STILL_SLOW))
    app = _open_item(app, dt.date(2026, 9, 30), "三务公开长期滞后")
    assert "整改项 1 · 逾期" in page_text(app)
    later = TODAY + dt.timedelta(days=30)
    app = _act(app, 1, "extended", "雨季无法施工，街道同意延期", later)
    text = page_text(app)
    assert "整改项 1 · 整改中" in text
    assert f"整改时限：{later:%Y-%m-%d}（原定 2026-09-30，延期 1 次）" in text
    steps = next(d.value for d in app.dataframe if "事项" in d.value.columns)
    assert list(steps["事项"]) == ["延期（新的整改时限）"]
    assert list(steps["完成日期 / 延期至"]) == [f"{later:%Y-%m-%d}"]
    # Not to a day before the deadline in force: refused, and said so in the page's words.
    app = _act(app, 1, "extended", "再延", later - dt.timedelta(days=1))
    assert f"未保存：新的整改时限须晚于现行时限（{later:%Y-%m-%d}）" in _messages(app)
    app = _act(app, 1, "progress", "  ")
    assert "未保存：请填写“说明”。" in _messages(app)


def test_no_rectification_before_the_lead_is_confirmed_nor_for_a_reader(db):
    app = _lead_page(MENDED)
    assert "核查结论为属实或部分属实后，可提出整改意见。" in page_text(app)
    assert not [b for b in app.button if b.label == "新增整改项"]
    app = _confirm(app)
    leader = open_page("leads", role="leadership", lead=MENDED)
    assert not [b for b in leader.button if b.label in ("新增整改项", "提交", "保存")]


def test_each_evidence_record_opens_in_the_village_profile(db):
    app = _lead_page(MENDED)
    evidence = next(d.value for d in app.dataframe if "记录编号" in d.value.columns)
    assert len(evidence) >= 1 and evidence["内容/收款方"].notna().all()
    first = evidence.iloc[0]
    assert first["查看"] == f"/village?village=210111005007&record={first['记录编号']}"
    village = open_page("village", village="210111005007", record=first["记录编号"])
    assert f"证据记录 · {first['记录编号']}" in [h.value for h in village.subheader]
    shown = village.dataframe[0].value
    assert list(shown.iloc[:, 0]) == [first["记录编号"]]
    assert "*" in " ".join(str(v) for v in shown.iloc[0])  # the ID number stays masked
    missing = open_page("village", village="210111005007", record="F99999999")
    assert "该村（社区）没有编号为 F99999999 的记录。" in [w.value for w in missing.warning]
