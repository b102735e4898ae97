"""The briefing page and its exports: PDF, PPTX and chart PNGs with the Chinese titles."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pypdf
import pytest
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from datastore import ReadOnlyDatabase
from datastore.scope import Scope
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
    assert brief.ranking.height == 12 and brief.leads.height > 0
    stamp = brief.charts["主要指标月度趋势"].layout.annotations[0].text
    assert "苏家屯区" in stamp and "2026-10" in stamp and "数据截至 2026-10-31" in stamp


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
