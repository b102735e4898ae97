"""The ranking page (日 / 月) and the overview's toggle under AppTest: a hand-computed day of
the tiny export of tests/daily_export.py, and jurisdiction on the demo."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.session import DASHBOARD, add_account, open_page, sign_in
from tests.daily_export import DISTRICT, S1, load_export

OTHER_STREET = "210111010000"  # 沙河街道 of the demo


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return load_export(tmp_path_factory.mktemp("tiny"))[0]


@pytest.fixture
def tiny_db(tiny, tmp_path, monkeypatch):
    copy = tmp_path / "sunshine.duckdb"
    shutil.copyfile(tiny, copy)
    monkeypatch.setenv("SUNSHINE_DB", str(copy))
    return copy


def _ranking(db, role: str, region: str, **params: str) -> AppTest:
    add_account(db, "inspector", role, region)
    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    sign_in(app, "inspector")
    app.switch_page("views/ranking.py")
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception
    return app


def _rows(app: AppTest) -> list[dict]:
    return app.dataframe[0].value.to_dict("records")


def test_the_daily_street_ranking_of_a_hand_computed_day(tiny_db):
    app = _ranking(tiny_db, "district_inspector", DISTRICT, grain="day", day="2026-03-12")
    assert app.title[0].value == "苏家屯区 · 排名"
    figures = {m.label: (m.value, m.delta) for m in app.metric}
    # 12 March: (2/4 + 2/3 + 1/3)/3; the day before (1/5 + 1/2 + 1/3)/3.
    assert figures["日工作得分"] == ("50.0", "+15.6")
    assert figures["应公开完成率"] == ("50.0%", "+30.0 个百分点")
    assert figures["当日回应率（日）"] == ("66.7%", "+16.7 个百分点")
    assert figures["新增注册"] == ("2", "+1")
    first, second = _rows(app)
    assert (first["排名"], first["较前日"], first["名称"], first["日工作得分"]) == (
        "1", "↑1", "解放街道", 55.6
    )  # fmt: skip
    assert (first["应公开完成率"], first["当日回应率（日）"], first["超期清零率"]) == (
        "2/3",
        "2/3",
        "1/3",
    )
    assert (first["仍超期"], first["新增注册"], first["当日发布公开"]) == (2, 2, 2)
    assert (second["排名"], second["较前日"], second["名称"], second["日工作得分"]) == (
        "2", "↓1", "八一街道", 0.0
    )  # fmt: skip
    assert pd.isna(second["当日回应率（日）"])  # nothing due: no fraction
    assert "03-11 17:00 至 03-12 17:00" in " ".join(c.value for c in app.caption)


def test_villages_of_a_street_with_the_one_that_had_nothing_due(tiny_db):
    app = _ranking(tiny_db, "street_inspector", S1, grain="day", day="2026-03-12")
    rows = [(r["排名"], r["较前日"], r["名称"], r["备注"]) for r in _rows(app)]
    assert rows == [
        ("1", "持平", "广场社区", ""),
        ("2", "↓1", "前进村", ""),
        ("—", "—", "幸福村", "当日无应办事项"),
    ]
    assert "红旗村" not in app.dataframe[0].value.to_csv()


def test_the_day_before_and_the_month_are_a_click_away(tiny_db):
    app = _ranking(tiny_db, "district_inspector", DISTRICT, grain="day", day="2026-03-11")
    assert [r["名称"] for r in _rows(app)] == ["八一街道", "解放街道"]
    app.get("button_group")[0].set_value("month").run()
    assert not app.exception
    assert app.query_params["grain"] == "month"
    assert "当日回应率 %" in app.dataframe[0].value.columns  # the monthly three rates


def test_in_english_the_page_and_its_note_are_english(tiny_db):
    app = _ranking(tiny_db, "street_inspector", S1, grain="day", day="2026-03-12")
    app.sidebar.radio[0].set_value("en").run()
    assert app.title[0].value == "解放街道 · ranking"
    assert list(_rows(app)[-1].values())[-1] == "nothing due"


def test_a_street_inspector_cannot_rank_another_street(db):
    app = open_page("ranking", "street_inspector", "210111001000", street=OTHER_STREET)
    assert "该内容不在您的辖区范围内" in " ".join(e.value for e in app.error)
    assert "沙河街道" not in " ".join(f.value.to_csv() for f in app.dataframe)


def test_the_overview_ranking_switches_to_the_day(db):
    app = open_page()
    app.get("button_group")[0].set_value("day").run()
    assert not app.exception
    assert "街道日排名" in [s.value for s in app.subheader]
    assert "日工作得分" in app.dataframe[0].value.columns
    assert app.dataframe[0].value.shape[0] == 12


def test_a_day_whose_data_stops_before_17_00_says_so(tmp_path, monkeypatch):
    db, _, _ = load_export(tmp_path, after_cutoff=False)
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    app = _ranking(db, "district_inspector", DISTRICT, grain="day", day="2026-03-12")
    assert "数据截至 2026-03-12 14:00，尚未到当日 17:00" in app.info[0].value
