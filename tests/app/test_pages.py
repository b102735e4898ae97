"""The overview and leads pages under AppTest on the demo database."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
from streamlit.testing.v1 import AppTest

from datastore import ReadOnlyDatabase
from datastore.figures import region_metrics
from datastore.scope import Scope
from models import casework
from models.service import current_leads
from tests.app.session import audit_rows, open_page
from tests.conftest import ROOT


def _month_figures(db, code: str, level: str, month: str = "2026-10") -> dict:
    con = ReadOnlyDatabase(db).cursor()
    frame = region_metrics(con, Scope(code), level, "month")
    return frame.filter(pl.col("period") == month).row(0, named=True)


def _headline(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def test_overview_headline_figures_equal_the_metrics_command(db):
    app = open_page()
    assert app.query_params["month"] == "2026-10"
    october = _month_figures(db, "210111000000", "district")
    shown = _headline(app)
    assert shown["注册率"] == f"{october['registration_rate']:.1%}"
    assert shown["当日回应率"] == f"{october['same_day_reply_rate']:.1%}"
    assert shown["公开完整率"] == f"{october['completeness']:.1%}"
    assert "苏家屯区 · 2026-10" in app.title[0].value
    assert app.get("plotly_chart")


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
    with casework.connect(casework.casework_path(db)) as con:
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
    assert len(attention) > 0
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
    assert len(app.dataframe[0].value) > 0  # the first village's calendar


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
    expected = current_leads(con, Scope("210111000000"), dt.date(2026, 8, 15))
    table = app.dataframe[0].value
    assert len(table) == expected.height
    assert list(table["名称"]) == expected.get_column("name").to_list()


def test_selecting_a_street_in_the_ranking_filters_every_page_to_it(db):
    app = open_page()
    ranking = app.dataframe[0].value
    app.session_state["ranking_all"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
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
    leads = current_leads(con, Scope("210111000000"))
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
