"""#13 in the data layer on the demo: rectification items' states, the data re-check's three
outcomes, the two ledgers opened back with openpyxl, and the briefing's casework (every case
and item kept through a reload and re-scoring: tests/models/test_reload.py)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import polars as pl
import pytest

from datastore import ReadOnlyDatabase, casework, dispositions, rectifications
from datastore.scope import Scope
from datastore.scoring import lead_episodes
from models import recheck
from models.leads import MODEL_ONLY_Z
from reports import ledgers
from schema.timing import local_now

DISTRICT = Scope("210111000000")
STILL_SLOW = "210111009208-slow-202607"
MENDED = "210111005007-slow-202510"
TODAY = local_now().date()  # what is recorded now counts from Beijing's today


@pytest.fixture
def copy(demo_copy):
    return demo_copy


def _reader(path):
    return ReadOnlyDatabase(path).cursor()


def _lead(path, lead_id: str) -> dict:
    leads = lead_episodes(_reader(path), DISTRICT)
    return leads.filter(pl.col("lead_id") == lead_id).row(0, named=True)


def _opened(path, lead_id: str, deadline: dt.date, problem: str = "留言回复滞后") -> int:
    lead = _lead(path, lead_id)
    dispositions.record(_reader(path), DISTRICT, lead, "confirmed", "属实", "张某")
    return rectifications.add(_reader(path), DISTRICT, lead, problem, lead["region_code"],
                              "王某", "限期整改", deadline, "张某")  # fmt: skip


def test_states_follow_reports_returns_and_closing():
    items = pl.DataFrame(
        {"rectification_id": [1, 2, 3], "deadline": [dt.date(2026, 6, 30)] * 3},
    )
    events = pl.DataFrame(
        {
            "event_id": [1, 2, 3, 4, 5],
            "rectification_id": [2, 3, 3, 3, 1],
            "kind": ["reported", "reported", "reopened", "progress", "progress"],
            "happened_on": [dt.date(2026, 6, 20), dt.date(2026, 6, 25), None, None, None],
            "note": ["已完成", "已完成", "整改不到位", "仍在整改", "推进中"],
            "recheck": [None] * 5,
            "recorded_at": ["2026-06-21 10:00:00"] * 4 + ["2026-07-05 09:00:00"],
        }
    )
    on = casework.item_states(items, events, dt.date(2026, 7, 10)).sort("rectification_id")
    assert on.get_column("state").to_list() == ["overdue", "reported", "overdue"]
    assert on.get_column("days_overdue").to_list() == [10, None, 10]
    assert on.get_column("recheck_from").to_list() == [
        dt.date(2026, 7, 1), dt.date(2026, 6, 20), dt.date(2026, 7, 1)
    ]  # fmt: skip
    # What was recorded after the day does not count on it.
    before = casework.item_states(items, events, dt.date(2026, 6, 10)).sort("rectification_id")
    assert before.get_column("state").to_list() == ["in_progress"] * 3
    assert before.get_column("recheck_from").to_list() == [None] * 3


def test_the_data_recheck_passes_fails_or_finds_too_few_records(copy):
    con = _reader(copy)
    failed = _lead(copy, STILL_SLOW)
    mended = _lead(copy, MENDED)
    check = rectifications.data_recheck
    still = check(con, DISTRICT, failed["region_code"], failed["indicators"], dt.date(2026, 7, 1))
    assert still.verdict == "failed"
    assert still.indicators.get_column("still_fires").any()
    passed = check(con, DISTRICT, mended["region_code"], mended["indicators"], dt.date(2026, 7, 1))
    assert passed.verdict == "passed"
    (row,) = passed.indicators.rows(named=True)
    assert row["indicator"] == "slow_reply" and row["after"] < row["before_threshold"]
    assert passed.summary_zh().startswith("数据复核通过（2026-07-01 至 2026-10-31）：留言回复")
    short = check(con, DISTRICT, mended["region_code"], mended["indicators"], dt.date(2026, 10, 20))
    assert short.verdict == "too_few"
    assert check(con, DISTRICT, mended["region_code"], mended["indicators"], None).verdict == (
        "not_due"
    )


def test_an_item_needs_a_confirmed_lead_a_known_unit_and_its_fields(copy):
    lead = _lead(copy, MENDED)
    add = rectifications.add
    with pytest.raises(ValueError, match="confirmed or partly confirmed"):
        add(_reader(copy), DISTRICT, lead, "p", lead["region_code"], "王某", "m", TODAY, "张某")
    dispositions.record(_reader(copy), DISTRICT, lead, "partly_confirmed", "", "张某")
    with pytest.raises(ValueError, match="neither the lead's village nor its street"):
        add(_reader(copy), DISTRICT, lead, "p", "210111009000", "王某", "m", TODAY, "张某")
    with pytest.raises(ValueError, match="needs its measures"):
        add(_reader(copy), DISTRICT, lead, "p", lead["region_code"], "王某", " ", TODAY, "张某")
    rid = add(_reader(copy), DISTRICT, lead, "p", "210111005000", "李某", "m", TODAY, "张某")
    record = rectifications.record_event
    with pytest.raises(ValueError, match="not after today"):
        record(
            _reader(copy),
            DISTRICT,
            rid,
            "reported",
            "",
            "张某",
            TODAY,
            TODAY + dt.timedelta(days=1),
        )
    with pytest.raises(ValueError, match="no reopened now"):
        record(_reader(copy), DISTRICT, rid, "reopened", "再改", "张某", TODAY)
    with pytest.raises(ValueError, match="needs its note"):
        record(_reader(copy), DISTRICT, rid, "closed", "", "张某", TODAY)
    record(_reader(copy), DISTRICT, rid, "closed", "销号", "张某", TODAY)
    with pytest.raises(ValueError, match="is closed"):
        record(_reader(copy), DISTRICT, rid, "progress", "又有进展", "张某", TODAY)
    (item,) = rectifications.lead_items(_reader(copy), DISTRICT, lead, TODAY).rows(named=True)
    assert (item["state"], item["unit_name"]) == ("closed", "中兴街道")
    # A street inspector of another street can neither see nor touch it.
    other = Scope("210111001000")
    assert rectifications.lead_items(_reader(copy), other, lead, TODAY).is_empty()
    with pytest.raises(PermissionError):
        record(_reader(copy), other, rid, "progress", "越权", "李某", TODAY)


HEADERS = ["序号", "问题线索来源", "村（社区）", "所属街道", "问题类型", "问题描述", "核查情况",
           "责任单位", "责任人", "整改措施", "整改时限", "整改进展", "复核结果", "销号时间", "备注"]  # fmt: skip


def _sheet(data: bytes):
    book = openpyxl.load_workbook(io.BytesIO(data))
    return book.worksheets[0]


def _cells(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_ledgers_open_with_chinese_headers_names_dates_and_no_json(copy):
    rid = _opened(copy, MENDED, dt.date(2026, 6, 30))
    rectifications.record_event(_reader(copy), DISTRICT, rid, "reported", "已整改", "张某", TODAY,
                                dt.date(2026, 7, 1))  # fmt: skip
    rectifications.record_event(_reader(copy), DISTRICT, rid, "closed", "同意销号", "张某", TODAY)
    _opened(copy, STILL_SLOW, dt.date(2026, 9, 30), "公开滞后，联系人电话13912345678")
    rows = rectifications.ledgers(
        _reader(copy), DISTRICT, dt.date(2025, 10, 1), dt.date(2026, 10, 31), TODAY
    )
    for kind, expected_rows in (("leads", len(lead_episodes(_reader(copy), DISTRICT))),
                                ("items", 2)):  # fmt: skip
        sheet = _sheet(ledgers.workbook(kind, rows[kind], "苏家屯区", TODAY))
        cells = _cells(sheet)
        title = ledgers.TITLES[kind]
        assert cells[0][0] == title
        assert "苏家屯区" in cells[1][0] and "内部资料" in cells[1][0]
        assert cells[2][: len(HEADERS)] == HEADERS
        body = cells[3:]
        assert len(body) == expected_rows
        assert [r[0] for r in body] == list(range(1, expected_rows + 1))
        text = " ".join(str(v) for r in body for v in r if v is not None)
        assert "{" not in text and "[" not in text  # no JSON
        for code in ("210111005000", "210111009000", "slow_reply", "wrong", "confirmed"):
            assert code not in " ".join(str(v) for r in body for v in r[:15] if v is not None)
        assert "13912345678" not in text
        # Print-ready: frozen header, widths, A4 landscape, scope, date and 内部资料 printed.
        assert sheet.freeze_panes == "A4"
        assert sheet.column_dimensions["F"].width > 30
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9
        assert sheet.print_title_rows == "$3:$3"
        header = sheet.oddHeader
        assert "苏家屯区" in header.left.text and title in header.center.text
        assert "内部资料" in header.right.text and f"{TODAY:%Y-%m-%d}" in header.right.text
    items = _cells(_sheet(ledgers.workbook("items", rows["items"], "苏家屯区", TODAY)))[3:]
    by_village = {r[2]: r for r in items}
    closed, overdue = by_village["铜兴社区"], by_village["长兴甸社区村民委员会"]
    assert closed[3] == "中兴街道" and closed[4] == "慢作为" and closed[7] == "铜兴社区"
    assert closed[10] == dt.datetime(2026, 6, 30)  # a date, not text
    assert isinstance(closed[13], dt.datetime)
    assert closed[11] == "已销号：同意销号"
    assert closed[12].startswith("数据复核通过（2026-07-01 至 2026-10-31）")
    assert closed[6].startswith("属实（张某，")
    assert overdue[11] == "逾期" and overdue[12].startswith("数据复核未通过（2026-10-01")
    assert "139****5678" in overdue[5]
    leads = _cells(_sheet(ledgers.workbook("leads", rows["leads"], "苏家屯区", TODAY)))
    extra = leads[2][len(HEADERS) :]
    assert extra == ["线索编号", "首次发现", "最近发现", "峰值分"]
    mended = next(r for r in leads[3:] if r[15] == MENDED)
    assert mended[16] == dt.datetime(2025, 10, 31) and mended[18] == round(mended[18], 3)
    assert mended[7] == "铜兴社区" and mended[13] is not None


def test_the_briefing_carries_the_casework_by_street(copy):
    from reports import briefing, document

    _opened(copy, STILL_SLOW, dt.date(2026, 9, 30))  # first raised in July 2026
    _opened(copy, MENDED, dt.date(2026, 6, 30))  # first raised in 2025: not this year's
    brief = briefing.build(_reader(copy), DISTRICT, "district", dt.date(2026, 10, 1))
    totals = brief.casework.row(-1, named=True)
    assert totals["街道"] == "合计" and totals["属实（含部分属实）"] == 1 and totals["整改项"] == 1
    assert totals["逾期"] == 1
    street = brief.casework.filter(pl.col("街道") == "林盛街道").row(0, named=True)
    assert street["整改项"] == 1
    page = document.to_html(brief, {})
    assert "线索核查与整改情况（今年以来）" in page and "林盛街道" in page


def test_a_lead_the_model_raised_alone_is_rechecked_by_the_model(copy, monkeypatch):
    con = _reader(copy)
    start = dt.date(2026, 7, 1)
    village = _lead(copy, MENDED)["region_code"]
    usual = rectifications.data_recheck(con, DISTRICT, village, "[]", start)
    (row,) = usual.indicators.rows(named=True)
    assert row["indicator"] == recheck.MODEL and row["before_threshold"] == MODEL_ONLY_Z
    assert row["after_sample"] >= row["min_sample"] and row["after"] < MODEL_ONLY_Z
    assert usual.verdict == "passed" and not row["still_fires"]
    assert usual.summary_zh().startswith("数据复核通过（2026-07-01 至 2026-10-31）：异常模型")
    # The same village against a bar under its own distance from the others still fires.
    monkeypatch.setattr(recheck, "MODEL_ONLY_Z", row["after"] - 0.01)
    assert rectifications.data_recheck(con, DISTRICT, village, "[]", start).verdict == "failed"


def test_a_later_deadline_puts_an_item_off_and_keeps_the_first():
    items = pl.DataFrame({"rectification_id": [1, 2], "deadline": [dt.date(2026, 6, 30)] * 2})
    events = pl.DataFrame(
        {
            "event_id": [1, 2],
            "rectification_id": [1, 1],
            "kind": ["extended", "extended"],
            "happened_on": [dt.date(2026, 7, 31), dt.date(2026, 8, 31)],
            "note": ["雨季无法施工", "材料未到"],
            "recheck": [None] * 2,
            "recorded_at": ["2026-06-25 10:00:00", "2026-08-08 09:00:00"],
        }
    )
    on = casework.item_states(items, events, dt.date(2026, 8, 10)).sort("rectification_id")
    assert on.get_column("state").to_list() == ["in_progress", "overdue"]
    assert on.get_column("deadline").to_list() == [dt.date(2026, 8, 31), dt.date(2026, 6, 30)]
    assert on.get_column("first_deadline").to_list() == [dt.date(2026, 6, 30)] * 2
    assert on.get_column("extensions").to_list() == [2, 0]
    # On a day before the second was granted the first is in force, and has passed.
    early = casework.item_states(items, events, dt.date(2026, 8, 5)).sort("rectification_id")
    assert early.row(0, named=True)["deadline"] == dt.date(2026, 7, 31)
    assert early.row(0, named=True)["days_overdue"] == 5
    assert early.row(0, named=True)["recheck_from"] == dt.date(2026, 8, 1)


def test_a_deadline_is_put_off_only_to_a_later_day_with_a_reason(copy):
    lead = _lead(copy, MENDED)
    rid = _opened(copy, MENDED, dt.date(2026, 12, 15))
    record = rectifications.record_event
    with pytest.raises(ValueError, match="after the deadline in force"):
        record(_reader(copy), DISTRICT, rid, "extended", "材料未到", "张某", TODAY,
               dt.date(2026, 12, 10))  # fmt: skip
    with pytest.raises(ValueError, match="note"):
        record(_reader(copy), DISTRICT, rid, "extended", " ", "张某", TODAY,
               dt.date(2027, 1, 15))  # fmt: skip
    record(_reader(copy), DISTRICT, rid, "extended", "材料未到", "张某", TODAY,
           dt.date(2027, 1, 15))  # fmt: skip
    (item,) = rectifications.lead_items(_reader(copy), DISTRICT, lead, TODAY).rows(named=True)
    assert (item["deadline"], item["first_deadline"], item["extensions"]) == (
        dt.date(2027, 1, 15), dt.date(2026, 12, 15), 1
    )  # fmt: skip
    since = lead["window_start"]
    ledger = rectifications.ledgers(_reader(copy), DISTRICT, since, TODAY, TODAY)
    (row,) = ledger["items"].rows(named=True)
    assert row["deadline"] == dt.date(2027, 1, 15)
    assert "原定时限 2026-12-15，延期 1 次" in row["remark"]
