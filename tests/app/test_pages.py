"""The overview and leads pages under AppTest on the demo database."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from datastore import ReadOnlyDatabase, casework, records
from datastore.figures import disclosure_calendar, region_metrics
from datastore.scope import Scope
from datastore.scoring import lead_episodes
from metrics.attention import needing_attention, with_change
from metrics.glossary import MIN_SAMPLE
from metrics.ranking import rank
from schema.timing import month_end, shift_months
from tests.app.session import audit_rows, open_page
from tests.conftest import ROOT


def _month_figures(db, code: str, level: str, month: str = "2026-10") -> dict:
    con = ReadOnlyDatabase(db).cursor()
    frame = region_metrics(con, Scope(code), level, "month")
    return frame.filter(pl.col("period") == month).row(0, named=True)


def _headline(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


@pytest.fixture(scope="module")
def overview(demo_db):
    """The district's overview of October, opened once for the tests that only read it
    (on the shared demo database: the overview writes nothing but the audit trail)."""
    db, _ = demo_db
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUNSHINE_DB", str(db))
        yield open_page(), db


def test_overview_headline_figures_equal_the_metrics_command(overview):
    app, db = overview
    assert app.query_params["month"] == "2026-10"
    october = _month_figures(db, "210111000000", "district")
    shown = _headline(app)
    assert shown["注册率"] == f"{october['registration_rate']:.1%}"
    assert shown["当日回应率"] == f"{october['same_day_reply_rate']:.1%}"
    assert shown["公开完整率"] == f"{october['completeness']:.1%}"
    assert "苏家屯区 · 2026-10" in app.title[0].value
    charts = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    titles = [c["layout"]["title"]["text"] for c in charts]
    assert titles == [
        "苏家屯区 · 月度趋势",
        "苏家屯区 · “三率”综合得分逐月",
        "苏家屯区 · 各单位名次逐月",
    ]


def test_overview_cards_show_the_change_on_the_month_and_on_the_year_before(overview):
    app, db = overview
    con = ReadOnlyDatabase(db).cursor()
    months = region_metrics(con, Scope("210111000000"), "district", "month")
    by_period = {r["period"]: r for r in months.iter_rows(named=True)}
    october, september = by_period["2026-10"], by_period["2026-09"]
    deltas = {m.label: m.delta for m in app.metric}
    same_day = (october["same_day_reply_rate"] - september["same_day_reply_rate"]) * 100
    assert deltas["当日回应率"] == f"{same_day:+.1f} 个百分点"
    year_before = by_period.get("2025-10")
    captions = [c.value for c in app.caption if c.value.startswith("同比")]
    if year_before is None:  # the demo's year starts in November
        assert captions == ["同比 —（无上年同月数据）"] * 7
    else:
        change = (october["registration_rate"] - year_before["registration_rate"]) * 100
        assert captions[0] == f"同比 {change:+.1f} 个百分点"


def test_overview_trend_is_one_panel_per_figure_with_its_target_and_chinese_months(overview):
    app, _ = overview
    trend = json.loads(app.get("plotly_chart")[0].proto.spec)
    panels = [a["text"] for a in trend["layout"]["annotations"]]
    assert panels == [
        "注册率（目标 99%）", "活跃度（目标 30%）", "当日回应率（目标 100%）",
        "7日清零率（目标 100%）", "满意率（目标 95%）", "按时公开率（目标 95%）",
        "公开完整率（目标 100%）", "留言数",
    ]  # fmt: skip
    targets = [shape["y0"] for shape in trend["layout"]["shapes"]]
    assert targets == [0.99, 0.30, 1.0, 1.0, 0.95, 0.95, 1.0]
    ticks = trend["layout"]["xaxis"]["ticktext"]
    assert ticks[-1] == "10月" and re.fullmatch(r"\d{1,2}月<br>20\d\d年", ticks[0])
    assert all(re.fullmatch(r"\d{1,2}月(<br>20\d\d年)?", tick) for tick in ticks)
    hover = trend["data"][2]["customdata"][-1]
    assert hover.startswith("2026年10月<br>当日回应率：") and "/" in hover


def test_overview_ranking_lists_every_street_with_rates_and_marks_thin_samples(overview):
    app, db = overview
    ranking = app.dataframe[0].value
    con = ReadOnlyDatabase(db).cursor()
    streets = region_metrics(con, Scope("210111000000"), "street", "month")
    october = streets.filter(pl.col("period") == "2026-10")
    assert len(ranking) == october.height == 12
    thin = october.filter((pl.col("feedback") < 5) | (pl.col("rated") < 5))
    unranked = ranking[ranking["排名"] == "—"]
    assert sorted(unranked["名称"]) == sorted(thin.get_column("name").to_list())
    assert set(unranked["备注"]) <= {"仅供参考", "无留言"}
    listed = unranked[unranked["备注"] == "仅供参考"]
    assert listed["当日回应率 %"].notna().all()  # their rates are shown, not hidden
    ranked = ranking[ranking["排名"] != "—"]
    assert list(ranked["排名"].astype(int)) == sorted(ranked["排名"].astype(int))
    assert set(ranking["名次变化"]) <= {"—", "持平"} | {
        f"{arrow}{n}" for arrow in "↑↓" for n in range(1, 13)
    }
    caption = next(c.value for c in app.caption if c.value.startswith("2026-10："))
    assert "各不少于 5 条" in caption and "↑ 上升、↓ 下降" in caption


def test_a_streets_villages_are_ranked_over_three_months_by_default(db):
    app = open_page(street="210111010000")
    assert app.subheader[1].value == "村（社区）“三率”排名"
    caption = next(c.value for c in app.caption if "：" in c.value and "至 2026-10" in c.value)
    assert caption.startswith("2026-08 至 2026-10：")
    con = ReadOnlyDatabase(db).cursor()
    villages = region_metrics(
        con, Scope("210111010000"), "village", "month", dt.date(2026, 8, 1), dt.date(2026, 10, 1)
    )
    sums = villages.group_by("name").agg(pl.col("feedback", "rated").sum())
    ranking = app.dataframe[0].value
    shown = dict(zip(ranking["名称"], ranking["留言数"], strict=True))
    assert shown == dict(sums.select("name", "feedback").iter_rows())


def test_getting_better_or_worse_heatmap_holds_every_street_and_month(overview):
    app, db = overview
    heatmap = json.loads(app.get("plotly_chart")[1].proto.spec)["data"][0]
    assert len(heatmap["y"]) == 12
    assert heatmap["x"] == [f"{m:%Y-%m}" for m in _months(dt.date(2025, 11, 1), 12)]
    con = ReadOnlyDatabase(db).cursor()
    streets = region_metrics(con, Scope("210111000000"), "street", "month")
    ranked = rank(streets).filter(pl.col("period") == "2026-10")
    best = ranked.row(0, named=True)
    # The best street of the month on top (the last row of a heatmap is drawn highest).
    assert heatmap["y"][-1] == best["name"]
    assert heatmap["z"][-1][-1] == pytest.approx(best["three_rates_score"])
    # Each street's rank history, the last-ranked street of the month in red.
    history = json.loads(app.get("plotly_chart")[2].proto.spec)
    assert sorted(t["name"] for t in history["data"]) == sorted(heatmap["y"])
    lowest = ranked.filter(pl.col("rank").is_not_null()).sort("rank").row(-1, named=True)
    red = [t for t in history["data"] if t["line"]["width"] == 3]
    assert [t["name"] for t in red] == [lowest["name"]]
    assert red[0]["y"][-1] == lowest["rank"]


def _months(first: dt.date, count: int) -> list[dt.date]:
    return [shift_months(first, i) for i in range(count)]


def test_overview_follows_the_street_and_month_in_the_url(db):
    app = open_page(month="2026-09", street="210111010000")
    september = _month_figures(db, "210111010000", "street", "2026-09")
    assert _headline(app)["活跃度"] == f"{september['activity_rate']:.1%}"
    assert "沙河街道 · 2026-09" in app.title[0].value
    assert app.query_params["street"] == "210111010000"


def test_leads_page_explains_a_lead_and_records_a_disposition(db):
    app = open_page("leads")
    assert "此为核查提示" in " ".join(m.value for m in app.markdown)
    next(s for s in app.selectbox if s.label == "状态").set_value("checking")
    app.text_area[0].input("已约谈村书记")
    next(b for b in app.button if b.label == "保存").click()
    app.run()
    assert not app.exception
    assert "已记录。" in [s.value for s in app.success]
    with sqlite3.connect(casework.casework_path(db)) as con:
        rows = con.execute("SELECT lead_id, status, note, actor FROM dispositions").fetchall()
    # Who recorded it comes from the sign-in, not from a field anyone could fill.
    lead_id = app.query_params["lead"]
    assert rows == [(lead_id, "checking", "已约谈村书记", "演示用户 (demo-district_inspector)")]
    entries = audit_rows(db, "disposition")
    assert [(e["actor"], e["target"], e["detail"]) for e in entries] == [
        ("demo-district_inspector", lead_id, "checking: 已约谈村书记")
    ]
    assert [e["target"] for e in audit_rows(db, "view_lead")] == [lead_id]


def test_village_profile_deep_link_shows_the_village_against_its_street(db):
    app = open_page("village", village="210111010203")
    assert app.title[0].value.startswith("鲍家洼子社区村民委员会")
    comparison = app.dataframe[0].value
    assert list(comparison.columns) == ["指标", "本村", "所在街道", "全区"]
    october = _month_figures(db, "210111010203", "village")
    registration = comparison.set_index("指标").loc["注册率", "本村"]
    assert registration == f"{october['registration_rate']:.1%}"


def test_village_trend_draws_a_rate_only_above_the_minimum_sample(db):
    app = open_page("village", village="210111010203")
    trend = json.loads(app.get("plotly_chart")[0].proto.spec)
    con = ReadOnlyDatabase(db).cursor()
    history = region_metrics(con, Scope("210111010203"), "village", "month")
    same_day = trend["data"][2]  # the third panel: same-day reply rate
    expected = [
        rate if messages >= MIN_SAMPLE else None
        for rate, messages in history.select("same_day_reply_rate", "feedback").iter_rows()
    ]
    assert same_day["y"] == expected
    messages = trend["data"][7]  # the counts panel
    assert messages["y"] == history.get_column("feedback").to_list()
    thin = sum(1 for n in history.get_column("feedback").to_list() if 0 < n < MIN_SAMPLE)
    notes = [a["text"] for a in trend["layout"]["annotations"] if "样本少于" in a["text"]]
    if thin:
        assert f"个月中 {thin} 个月样本少于 5，未绘出" in notes[0]
    assert any("比率只在样本（分母）不少于 5 的月份画出" in c.value for c in app.caption)


def test_village_profile_refuses_a_village_outside_the_street_in_the_url(db):
    # 210111010203 is a village of 沙河街道, not of 解放街道 (210111001000).
    app = open_page("village", street="210111001000", village="210111010203")
    assert [e.value for e in app.error] == [
        "该村（社区）不在当前选定的街道内：请在左侧把街道改为“全部街道”或其所在街道。"
    ]
    assert not app.dataframe


def test_messages_page_figures_and_overdue_list(db):
    app = open_page("messages")
    october = _month_figures(db, "210111000000", "district")
    shown = {m.label: m.value for m in app.metric}
    assert shown["留言数"] == f"{october['feedback']:,}"
    assert shown["超期未办结"] == f"{october['overdue']:,}"
    # The overdue list at the data date is the month-end overdue count (the data ends then).
    assert app.dataframe[1].value.shape[0] == october["overdue"]
    assert len(app.get("plotly_chart")) == 3


def test_no_pages_folder_beside_the_entry_script():
    # Streamlit would serve its files at their own URLs, bypassing dashboard.py.
    assert not (ROOT / "pages").exists()
    assert (ROOT / "views" / "overview.py").exists()


def test_registration_page_lists_streets_and_villages_needing_a_look(db):
    app = open_page("registration")
    by_street = app.dataframe[0].value
    assert len(by_street) == 12
    october = _month_figures(db, "210111000000", "district")
    assert {m.label: m.value for m in app.metric}["活跃度"] == f"{october['activity_rate']:.1%}"
    attention = app.dataframe[1].value
    con = ReadOnlyDatabase(db).cursor()
    villages = region_metrics(con, Scope("210111000000"), "village", "month",
                              dt.date(2026, 9, 1), dt.date(2026, 10, 1))  # fmt: skip
    columns = ["registration_rate", "activity_rate"]
    expected = needing_attention(
        with_change(villages, dt.date(2026, 10, 1), dt.date(2026, 9, 1), columns)
    )
    assert list(attention["名称"]) == expected.get_column("name").to_list()
    assert len(attention) == expected.height > 0
    for _, row in attention.iterrows():
        assert row["注册率 %"] < 99 or row["较上月（百分点） "] <= -5


def test_disclosures_page_heatmap_matches_the_completeness_figure(db):
    app = open_page("disclosures")
    october = _month_figures(db, "210111000000", "district")
    shown = {m.label: m.value for m in app.metric}
    assert shown["公开完整率"] == f"{october['completeness']:.1%}"
    assert shown["财务公开"] == f"{october['disclosures_finance']:,}"
    heatmap = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert "公开完整率" in heatmap["layout"]["title"]["text"]
    assert any("月度财务收支明细" in label for label in heatmap["data"][0]["x"])
    assert len(heatmap["data"][0]["y"]) == 12  # the streets
    first_village = records.villages(ReadOnlyDatabase(db).cursor(), Scope("210111000000"))
    calendar = disclosure_calendar(
        ReadOnlyDatabase(db).cursor(), Scope("210111000000"), first_village["region_code"][0]
    )
    assert len(app.dataframe[0].value) == calendar.height > 0  # the first village's calendar


def test_village_kind_filter_counts_only_that_kind(db):
    app = open_page(kind="community")
    con = ReadOnlyDatabase(db).cursor()
    frame = region_metrics(con, Scope("210111000000", "community"), "district", "month")
    october = frame.filter(pl.col("period") == "2026-10").row(0, named=True)
    both = _month_figures(db, "210111000000", "district")
    assert october["residents"] < both["residents"]
    assert _headline(app)["活跃度"] == f"{october['activity_rate']:.1%}"
    assert "苏家屯区（仅社区）" in app.title[0].value
    assert app.query_params["kind"] == "community"


def test_as_of_day_limits_the_months_and_dates_the_leads(db):
    app = open_page("leads", as_of="2026-08-15")
    assert app.query_params["month"] == "2026-07"  # August is not over on the 15th
    assert "2026-08-15" in " ".join(c.value for c in app.caption)
    con = ReadOnlyDatabase(db).cursor()
    expected = lead_episodes(con, Scope("210111000000"), dt.date(2026, 8, 15))
    table = app.dataframe[0].value
    assert len(table) == expected.height
    assert list(table["名称"]) == expected.get_column("name").to_list()


def test_selecting_a_street_in_the_ranking_filters_every_page_to_it(db):
    app = open_page()
    ranking = app.dataframe[0].value
    app.session_state["ranking_1_all"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    app.run()
    assert not app.exception
    con = ReadOnlyDatabase(db).cursor()
    street = con.execute(
        "SELECT region_code FROM regions WHERE level = 'street' AND name = ?",
        [ranking.iloc[0]["名称"]],
    ).fetchall()[0][0]
    assert app.query_params["street"] == street
    assert ranking.iloc[0]["名称"] in app.title[0].value


def test_clicking_a_street_bar_filters_to_it(db):
    app = open_page("registration")
    app.session_state["activity_by_unit_all"] = {
        "selection": {"points": [{"customdata": "210111010000"}], "point_indices": [0]}
    }
    app.run()
    assert not app.exception
    assert app.query_params["street"] == "210111010000"
    assert "沙河街道" in app.title[0].value


def test_a_lead_link_opens_that_lead_and_a_lead_elsewhere_is_not_shown(db):
    con = ReadOnlyDatabase(db).cursor()
    leads = lead_episodes(con, Scope("210111000000"))
    last = leads.row(leads.height - 1, named=True)
    app = open_page("leads", lead=last["lead_id"])
    assert app.subheader[0].value.startswith(last["name"])
    elsewhere = leads.filter(pl.col("street_code") != last["street_code"]).row(0, named=True)
    app = open_page("leads", street=last["street_code"], lead=elsewhere["lead_id"])
    assert "链接中的线索不在当前范围或筛选条件内。" in [w.value for w in app.warning]
    assert elsewhere["name"] not in " ".join(s.value for s in app.subheader)


def test_village_records_are_labelled_in_chinese(db):
    app = open_page("village", village="210111010203")
    messages, disclosures = app.dataframe[-2].value, app.dataframe[-1].value
    assert {"提交时间", "问题类别", "状态", "满意度", "回复用时（小时）"} <= set(messages.columns)
    assert set(messages["状态"]) <= {"待回复", "已回复", "已办结", None}
    assert {"事项", "所属期间", "发布时间", "金额(元)"} <= set(disclosures.columns)
    assert not disclosures["事项"].str.fullmatch(r"[A-Z]{2}\d{2}").any()


def test_clicking_a_village_bar_opens_its_profile_keeping_the_filters(db):
    app = open_page("registration", street="210111010000", month="2026-09")
    app.session_state["activity_by_unit_210111010000"] = {
        "selection": {"points": [{"customdata": "210111010203"}], "point_indices": [0]}
    }
    app.run()
    assert not app.exception
    assert app.title[0].value.startswith("鲍家洼子社区村民委员会")
    assert app.query_params["village"] == "210111010203"
    assert app.query_params["month"] == "2026-09"


def test_leads_page_lists_the_episodes_of_its_period_ongoing_first(db):
    con = ReadOnlyDatabase(db).cursor()
    every = lead_episodes(con, Scope("210111000000"))
    app = open_page("leads")
    table = app.dataframe[0].value
    assert list(table["名称"]) == every.get_column("name").to_list()
    assert list(table["进展"]) == ["进行中" if o else "已结束" for o in every.get_column("ongoing")]
    assert table["进展"].tolist() == sorted(table["进展"].tolist(), key=lambda s: s != "进行中")
    first = every.row(0, named=True)
    assert table.iloc[0]["出现月份"] == f"{first['months'][0]} – {first['months'][-1]}"
    month = every.row(every.height - 1, named=True)["months"][0]  # the last one's first
    app = open_page("leads", since=month, until=month)
    shown = app.dataframe[0].value
    start = dt.date.fromisoformat(f"{month}-01")
    within = lead_episodes(con, Scope("210111000000"), None, start, month_end(start))
    assert list(shown["名称"]) == within.get_column("name").to_list()
    assert all(month in months for months in within.get_column("months"))  # raised in it


def test_village_profile_draws_its_episodes_on_a_timeline(db):
    con = ReadOnlyDatabase(db).cursor()
    lead = lead_episodes(con, Scope("210111000000")).row(0, named=True)
    mine = lead_episodes(con, Scope(lead["region_code"]))
    app = open_page("village", village=lead["region_code"])
    chart = next(c for c in app.get("plotly_chart") if "village_episodes" in c.proto.id)
    spec = json.loads(chart.proto.spec)
    assert sum(len(trace["y"]) for trace in spec["data"]) == mine.height
    assert "线索时间线" in spec["layout"]["title"]["text"]
    assert any(lead["explanation"] in m.value for m in app.markdown)
