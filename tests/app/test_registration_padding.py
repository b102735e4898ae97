"""The registration page marks villages whose figures look padded, with the evidence, and
notes them in its tables; an inspector's finding of 不属实 lifts the note."""

from __future__ import annotations

import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from datastore import ReadOnlyDatabase, dispositions
from datastore.scope import Scope
from datastore.scoring import padded_villages
from etl.load import load_exports
from tests.app.session import DASHBOARD, add_account, sign_in
from tests.models import padding_world as world


@pytest.fixture(scope="module")
def padded_source(tmp_path_factory):
    folder = tmp_path_factory.mktemp("padded")
    db = folder / "source.duckdb"
    load_exports([world.build(folder / "export")], db)
    return db


@pytest.fixture
def padded_db(padded_source, tmp_path, monkeypatch):
    db = tmp_path / "sunshine.duckdb"
    shutil.copyfile(padded_source, db)
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    add_account(db, "wang", "district_inspector", world.DISTRICT)
    return db


def _registration(street: str | None = None, page: str = "registration", **params) -> AppTest:
    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    sign_in(app, "wang")
    app.switch_page(f"views/{page}.py")
    params = {"month": "2024-06", **({"street": street} if street else {}), **params}
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception
    return app


def test_the_streets_holding_padded_villages_are_noted_in_the_table(padded_db):
    app = _registration()
    by_street = app.dataframe[0].value.set_index("名称")
    assert by_street.loc["一街道", "备注"] == "数据异常，待核实（3 个村社区）"
    assert by_street.loc["三街道", "备注"] == "数据异常，待核实（2 个村社区）"
    assert "备注“数据异常，待核实”" in " ".join(c.value for c in app.caption)


def test_padded_villages_are_listed_with_their_evidence_and_hours(padded_db):
    app = _registration(street="210111002000")
    by_village = app.dataframe[0].value.set_index("名称")
    assert by_village.loc["二街道1村", "备注"] == "数据异常，待核实"
    assert by_village["备注"].isna().sum() == 6  # all but the two padded villages
    listed = app.dataframe[2].value
    assert list(listed["名称"]) == ["二街道1村", "二街道4村"]
    assert "多人同一分钟集中活跃" in listed.iloc[0]["触发的指标"]
    assert listed.iloc[0]["状态"] == "待核查"
    # The first listed village's evidence, from its episode's peak window (to April): its
    # residents and the minutes they were logged in.
    crowded = next(e for e in app.expander if e.label.startswith("多人同一分钟集中活跃"))
    assert crowded.label == "多人同一分钟集中活跃：相关记录 150 条（activity）"
    records = crowded.dataframe[0].value.iloc[:, 0].tolist()
    assert len(records) == 150 and records[0].endswith("2024-04-30 16:50")
    chart = json.loads(app.get("plotly_chart")[-1].proto.spec)
    assert chart["layout"]["title"]["text"] == "二街道1村 · 2024-06 每小时活跃群众数"
    hours = chart["data"][0]
    red = [y for y, colour in zip(hours["y"], hours["marker"]["color"], strict=True)
           if colour == "#c0392b"]  # fmt: skip
    assert len(red) == 1 and red[0] >= 150  # 16:00 on 30 June: the 150 logged in


def test_a_lead_found_unfounded_is_no_longer_noted(padded_db):
    con = ReadOnlyDatabase(padded_db).cursor()
    district = Scope(world.DISTRICT)
    flagged = padded_villages(con, district, world.AS_OF)
    crowd = flagged.filter(flagged["region_code"] == world.CROWD).row(0, named=True)
    lead = {**crowd, "indicators": "[]"}
    dispositions.record(con, district, lead, "unfounded", "会议集中演示", "测试")
    app = _registration(street="210111002000")
    listed = app.dataframe[2].value
    assert list(listed["名称"]) == ["二街道4村"]
    assert app.dataframe[0].value.set_index("名称")["备注"].isna().sum() == 7


def test_a_month_without_padding_says_so_in_english(padded_db):
    app = _registration(month="2024-03")
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    assert "Figures to check: villages whose registration or activity look padded" in [
        s.value for s in app.subheader
    ]
    assert any("No village's registration or activity figures look padded in 2024-03" in c.value
               for c in app.caption)  # fmt: skip


def test_the_overview_ranking_notes_the_streets_too(padded_db):
    app = _registration(page="overview")
    ranking = app.dataframe[0].value.set_index("名称")
    # No street has a message to be ranked on: both notes side by side.
    assert ranking.loc["一街道", "备注"] == "无留言；数据异常，待核实"
    assert ranking.loc["一街道", "备注"] == ranking.loc["三街道", "备注"]
