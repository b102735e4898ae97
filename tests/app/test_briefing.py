"""The briefing page and its exports: PDF, PPTX and chart PNGs with the Chinese titles."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import polars as pl
import pypdf
import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from datastore import ReadOnlyDatabase
from datastore.scope import Scope
from datastore.scoring import lead_episodes
from reports import briefing as report
from tests.conftest import ROOT

TITLE = "苏家屯区2026-10阳光三务监督简报"


@pytest.fixture(scope="module")
def brief(demo_db):
    db, _ = demo_db
    return report.build(
        ReadOnlyDatabase(db).cursor(), Scope("210111000000"), "district", dt.date(2026, 10, 1)
    )


def test_the_briefing_holds_headline_ranking_leads_and_a_stamped_chart(brief):
    assert brief.title == TITLE
    assert [m for m, _, _ in brief.headline][:3] == ["注册率", "活跃度", "当日回应率"]
    assert brief.ranking.height == 12
    stamp = brief.charts["主要指标月度趋势"].layout.annotations[0].text
    assert "苏家屯区" in stamp and "2026-10" in stamp and "数据截至 2026-10-31" in stamp


def test_the_briefing_lists_the_months_new_leads_then_the_continuing_ones(brief, demo_db):
    con = ReadOnlyDatabase(demo_db[0]).cursor()
    october = lead_episodes(con, Scope("210111000000"), None, dt.date(2026, 10, 1),
                            dt.date(2026, 10, 31)).filter(pl.col("months").list.contains("2026-10"))  # fmt: skip
    new = october.filter(pl.col("months").list.first() == "2026-10").sort("score", descending=True)
    going = october.filter(pl.col("months").list.first() != "2026-10").sort(
        "score", descending=True
    )
    expected = pl.concat([new, going]).head(10)
    assert brief.leads.columns == ["村（社区）", "类型", "本月", "出现月份", "峰值分", "为何提示"]
    assert brief.leads.get_column("村（社区）").to_list() == expected.get_column("name").to_list()
    assert brief.leads.get_column("本月").to_list() == (
        ["新出现"] * min(new.height, 10) + ["持续"] * (expected.height - min(new.height, 10))
    )
    assert expected.height > 0 and going.height > 0  # the demo's misconduct runs for months
    first = expected.row(0, named=True)
    assert brief.leads.row(0)[3] == f"{first['months'][0]} 至 {first['months'][-1]}"


def test_exports_pdf_pptx_and_pngs_with_the_chinese_title(brief):
    pdf = pypdf.PdfReader(io.BytesIO(report.to_pdf(brief)))
    first_page = pdf.pages[0].extract_text()
    assert TITLE in first_page and "“三率”排名" in first_page
    deck = Presentation(io.BytesIO(report.to_pptx(brief)))
    texts = [shape.text_frame.text for shape in deck.slides[0].shapes if shape.has_text_frame]
    assert TITLE in texts
    assert len(deck.slides) == 3 + len(brief.charts)
    with zipfile.ZipFile(io.BytesIO(report.charts_zip(brief))) as archive:
        names = archive.namelist()
        assert names == [f"{TITLE}_主要指标月度趋势.png"]
        assert archive.read(names[0])[:8] == b"\x89PNG\r\n\x1a\n"


def test_briefing_page_offers_the_three_downloads(monkeypatch, demo_db):
    db, _ = demo_db
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    app.run()
    app.switch_page("views/briefing.py")
    app.run()
    assert not app.exception
    assert app.title[0].value == TITLE
    next(b for b in app.button if "导出" in b.label).click()
    app.run()
    assert not app.exception
    assert [b.label for b in app.get("download_button")] == [
        "下载 PDF",
        "下载 PPTX",
        "下载图表 PNG（zip）",
    ]
