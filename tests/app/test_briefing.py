"""The briefing page and what it holds: headline cards, ranking, leads and stamped charts.
How its exported files look is tested in tests/reports/."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from datastore import ReadOnlyDatabase
from datastore.figures import region_metrics
from datastore.scope import Scope
from datastore.scoring import lead_episodes
from metrics.glossary import TARGETS, format_value
from metrics.headline import headline
from reports import briefing as report
from tests.conftest import ROOT

TITLE = "苏家屯区2026-10阳光三务监督简报"
DISTRICT = Scope("210111000000")
OCTOBER = dt.date(2026, 10, 1)


@pytest.fixture(scope="module")
def con(demo_db):
    db, _ = demo_db
    return ReadOnlyDatabase(db).cursor()


@pytest.fixture(scope="module")
def brief(con):
    return report.build(con, DISTRICT, "district", OCTOBER)


def test_the_briefing_holds_the_months_figures_with_their_changes(brief, con):
    assert brief.title == TITLE
    months = region_metrics(con, DISTRICT, "district", "month")
    expected = headline(months, OCTOBER)
    assert [c.label for c in brief.cards] == [
        "注册率", "活跃度", "当日回应率", "7日清零率", "满意率", "按时公开率", "公开完整率",
    ]  # fmt: skip
    for card, figure in zip(brief.cards, expected, strict=True):
        assert card.value == format_value(figure.metric, figure.value)
        assert card.month_change == figure.month_change() and card.target == TARGETS[figure.metric]
        assert card.month_change.endswith(" 个百分点")
        # The demo's year ends with October: no October a year before (同比) to compare.
        year_before = months.filter(pl.col("period") == "2025-10")
        assert card.year_change == (figure.year_change() if year_before.height else None)


def test_the_briefing_ranks_every_street(brief):
    assert brief.ranking_heading == "街道“三率”排名（2026-10）"
    assert brief.ranking.height == 12  # every street, those below the sample included
    assert "各不少于 5 条" in brief.ranking_rule
    unranked = brief.ranking.filter(pl.col("排名") == "—")
    assert set(unranked.get_column("备注")) <= {"仅供参考", "无留言"}


def test_the_briefing_lists_the_months_new_leads_then_the_continuing_ones(brief, con):
    october = lead_episodes(con, DISTRICT, None, OCTOBER, dt.date(2026, 10, 31)).filter(
        pl.col("months").list.contains("2026-10")
    )
    new = october.filter(pl.col("months").list.first() == "2026-10").sort("score", descending=True)
    going = october.filter(pl.col("months").list.first() != "2026-10").sort(
        "score", descending=True
    )
    expected = pl.concat([new, going]).head(10)
    assert brief.leads.columns == [
        "村（社区）", "类型", "本月", "出现月份", "峰值分", "主要原因", "为何提示",
    ]  # fmt: skip
    assert brief.leads.get_column("村（社区）").to_list() == expected.get_column("name").to_list()
    assert brief.leads.get_column("为何提示").to_list() == (
        expected.get_column("explanation").to_list()
    )
    assert brief.leads.get_column("本月").to_list() == (
        ["新出现"] * min(new.height, 10) + ["持续"] * (expected.height - min(new.height, 10))
    )
    assert expected.height > 0 and going.height > 0  # the demo's misconduct runs for months
    first = expected.row(0, named=True)
    assert brief.leads.row(0)[3] == f"{first['months'][0]} 至 {first['months'][-1]}"


def test_every_chart_is_stamped_with_scope_period_data_date_and_confidential(brief):
    assert list(brief.charts) == [report.TREND, report.HEATMAP]
    for figure in brief.charts.values():
        stamp = figure.layout.title.subtitle.text
        assert stamp.startswith("苏家屯区 · ") and " 至 2026-10 · 数据截至 2026-10-31" in stamp
        assert stamp.endswith("内部资料")


def test_a_leads_short_reason_names_the_indicators_that_fired():
    fired = '[{"indicator": "late_disclosures"}, {"indicator": "slow_review"}]'
    assert report.short_reason(fired, "…") == "三务公开明显滞后、街道审核明显滞后"
    three = fired[:-1] + ', {"indicator": "split_payments"}]'
    assert report.short_reason(three, "…") == "三务公开明显滞后、街道审核明显滞后等 3 项"
    assert report.short_reason("[]", "异常模型：某项明显偏离同类村。此为核查提示") == (
        "异常模型：某项明显偏离同类村"
    )


@pytest.mark.parametrize(("count", "per_row"), [(7, 4), (5, 3), (4, 4), (9, 3), (6, 4), (2, 2)])
def test_figure_cards_are_laid_out_with_no_card_alone_on_a_row(count, per_row):
    assert report.card_columns(count) == per_row
    assert count <= per_row or count % per_row != 1


def test_briefing_page_offers_the_three_downloads(monkeypatch, demo_db, brief):
    db, _ = demo_db
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    app.run()
    app.switch_page("views/briefing.py")
    app.run()
    assert not app.exception
    assert app.title[0].value == TITLE
    assert [(m.label, m.value) for m in app.metric] == [(c.label, c.value) for c in brief.cards]
    assert "演示数据：由生成器按真实区划生成，不是真实平台数据；导出的文件每页都标明。" in [
        w.value for w in app.warning
    ]
    assert [s.value for s in app.subheader] == [
        brief.ranking_heading, "重点线索", "线索核查与整改情况（今年以来）"
    ]  # fmt: skip
    casework = app.dataframe[-1].value  # the year's casework by street, then the total
    assert list(casework.columns)[:2] == ["街道", "线索数（01-01至10-31首次出现）"]
    assert casework.iloc[-1]["街道"] == "合计"
    assert casework.iloc[-1].iloc[1] == casework.iloc[:-1].iloc[:, 1].sum()
    assert len(app.get("plotly_chart")) == len(brief.charts) == 2
    next(b for b in app.button if "导出" in b.label).click()
    app.run()
    assert not app.exception
    assert [b.label for b in app.get("download_button")] == [
        "下载 PDF",
        "下载 PPTX",
        "下载图表 PNG（zip）",
    ]


def test_the_english_briefing_is_the_same_briefing_in_english(brief, con):
    english = report.build(con, DISTRICT, "district", OCTOBER, english=True)
    assert english.title == "苏家屯区 2026-10 Sunshine Three Affairs briefing"
    assert [c.label for c in english.cards][:3] == [
        "Registration rate", "Activity rate", "Same-day reply rate",
    ]  # fmt: skip
    assert [c.value for c in english.cards] == [c.value for c in brief.cards]
    assert all(c.month_change.endswith(" pp") for c in english.cards if c.month_change)
    assert english.leads.columns == [
        "Village", "Type", "This month", "Months seen", "Peak score", "Main reason",
        "Why flagged",
    ]  # fmt: skip
    assert english.leads.get_column("Village").to_list() == (
        brief.leads.get_column("村（社区）").to_list()
    )
    assert set(english.leads.get_column("This month")) <= {"new", "continuing"}
    assert english.ranking.height == brief.ranking.height
    assert english.stamp.endswith("internal · demo data")
    assert english.casework.columns[0] == "Street"
