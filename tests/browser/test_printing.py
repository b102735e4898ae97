"""Ctrl+P on a page: Chromium's own printing of the overview, as the print stylesheet lays
it out (A4, no sidebar, the whole page, charts inside the sheet)."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from playwright.sync_api import Page

from tests.browser.test_dashboard import visit
from tests.reports.test_briefing_render import A4, positioned_text


def test_a_page_prints_whole_on_a4_without_the_sidebar_and_with_its_charts(page: Page, server):
    base, _ = server
    visit(page, base, "")
    page.emulate_media(media="print")
    pdf = pypdf.PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True, print_background=True)))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in pdf.pages))
    for sheet in pdf.pages:
        size = (float(sheet.mediabox.width), float(sheet.mediabox.height))
        assert size == pytest.approx(A4, abs=1)
    assert "苏家屯区·2026-10总览" in text
    # The sidebar's filters are not printed; the end of the page is (not only the part in
    # view), and so are the charts, their ticks inside the sheet.
    assert "截至日期" not in text and "以何种角色查看" not in text
    assert "数据更新" in text
    ticks = []
    for sheet in pdf.pages:
        width = float(sheet.mediabox.width)
        for piece, x, _y, _size in positioned_text(sheet):
            if re.fullmatch(r"\d{1,3}(\.\d)?%", piece):
                ticks.append(piece)
                assert 0 < x < width, f"tick {piece} printed off the sheet"
    assert len(ticks) >= 7 * 3  # every rate's panel with its ticks
