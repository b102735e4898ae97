"""The briefing's files as people see them: every PPTX slide rendered by LibreOffice and
every PDF page by pdftoppm, checked by the text's positions on the rendered page and by
its pixels. One briefing of the demo district, exported and rendered once for the module.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
import streamlit  # noqa: F401  (as in the dashboard: it makes its Plotly template the default)
from PIL import Image, ImageChops
from pptx import Presentation
from pptx.util import Emu

from datastore import ReadOnlyDatabase
from datastore.scope import Scope
from reports import briefing as report
from reports import slides

A4 = (595.3, 841.9)  # points
DPI = 50  # slides (13.33 in) at 667 px, pages (A4) at 413 px: enough to find text and gaps


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: .ci/run installs libreoffice-impress and poppler-utils")
    return path


@pytest.fixture(scope="module")
def brief(demo_db):
    db, _ = demo_db
    con = ReadOnlyDatabase(db).cursor()
    return report.build(con, Scope("210111000000"), "district", dt.date(2026, 10, 1))


@pytest.fixture(scope="module")
def files(brief):
    return report.exports(brief)


@dataclass
class Rendered:
    pdf: pypdf.PdfReader
    pngs: list[Image.Image]


def _pngs(pdf: Path, folder: Path, dpi: int = DPI) -> list[Image.Image]:
    subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-png", str(pdf), str(folder / "page")],
                   check=True, capture_output=True, timeout=120)  # fmt: skip
    return [Image.open(p).convert("RGB") for p in sorted(folder.glob("page-*.png"))]


@pytest.fixture(scope="module")
def deck_rendered(files, tmp_path_factory) -> Rendered:
    folder = tmp_path_factory.mktemp("deck")
    (folder / "briefing.pptx").write_bytes(files["pptx"])
    subprocess.run(
        [_tool("soffice"), "--headless", f"-env:UserInstallation=file://{folder}/profile",
         "--convert-to", "pdf", "--outdir", str(folder), str(folder / "briefing.pptx")],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    return Rendered(
        pypdf.PdfReader(folder / "briefing.pdf"), _pngs(folder / "briefing.pdf", folder)
    )


@pytest.fixture(scope="module")
def pdf_rendered(files, tmp_path_factory) -> Rendered:
    folder = tmp_path_factory.mktemp("pdf")
    (folder / "briefing.pdf").write_bytes(files["pdf"])
    return Rendered(
        pypdf.PdfReader(folder / "briefing.pdf"), _pngs(folder / "briefing.pdf", folder)
    )


@pytest.fixture(scope="module")
def deck(files):
    return Presentation(io.BytesIO(files["pptx"]))


def positioned_text(page) -> list[tuple[str, float, float, float]]:
    """(text, x, y, size) of every piece of text on a PDF page, in points from the
    bottom left, as the renderer placed it."""
    pieces = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            pieces.append((text.strip(), x, y, size * scale))

    page.extract_text(visitor_text=visit)
    return pieces


def _is_blank(image: Image.Image, box: tuple[int, int, int, int], background=(255, 255, 255)):
    """Whether every pixel in `box` is (nearly) the background."""
    region = image.crop(box).convert("RGB")
    difference = ImageChops.difference(region, Image.new("RGB", region.size, background))
    return difference.convert("L").point(lambda v: 255 if v >= 24 else 0).getbbox() is None


def _has_ink(image: Image.Image, box, darker_than: int = 140) -> bool:
    return image.crop(box).convert("L").getextrema()[0] < darker_than


# --- the deck ---------------------------------------------------------------------------


def test_every_slide_is_rendered_and_stamped(brief, deck, deck_rendered):
    count = len(deck.slides)
    assert len(deck_rendered.pngs) == count == len(deck_rendered.pdf.pages)
    for number, page in enumerate(deck_rendered.pdf.pages, start=1):
        text = page.extract_text()
        assert brief.stamp in text.replace("\n", " ")
        assert f"{number} / {count}" in text
    assert "内部资料" in brief.stamp and "数据截至 2026-10-31" in brief.stamp
    assert brief.stamp.endswith("演示数据")  # the demo database is marked as such


def test_no_text_leaves_its_slide_or_reaches_the_footer(brief, deck_rendered):
    height_pt = 7.5 * 72
    footer_top = height_pt - slides.FOOTER_TOP * 72  # PDF y grows upwards
    body_bottom = height_pt - slides.BODY_BOTTOM * 72
    for number, page in enumerate(deck_rendered.pdf.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (960, 540)  # 13.33 × 7.5 in
        for text, x, y, size in positioned_text(page):
            assert 0 <= x < width and y - 0.25 * size >= 0 and y + size <= height, (number, text)
            if y < footer_top:
                stamp = text in brief.stamp or re.fullmatch(r"\d+ / \d+", text)
                assert stamp, f"slide {number}: {text!r} runs into the footer"
            else:
                # The lowest line of the body, descenders included, ends above the gap.
                assert y - 0.25 * size >= body_bottom - 1, f"slide {number}: {text!r} overflows"


def test_the_gap_above_the_footer_is_empty_and_the_footer_is_printed(deck_rendered):
    for number, image in enumerate(deck_rendered.pngs, start=1):
        scale = image.width / 13.333
        gap = (
            0,
            int(slides.BODY_BOTTOM * scale) + 2,
            image.width,
            int(slides.FOOTER_TOP * scale) - 1,
        )
        assert _is_blank(image, gap), f"slide {number}: something covers the gap above the footer"
        footer = (0, int(slides.FOOTER_TOP * scale), image.width // 2, image.height)
        assert _has_ink(image, footer, darker_than=200), f"slide {number}: no footer stamp"


def test_every_shape_lies_on_its_slide_and_text_fits_its_box(deck):
    width, height = deck.slide_width, deck.slide_height
    footer_top = Emu(int(slides.FOOTER_TOP * 914400))
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, (number, shape.name)
            assert shape.left + shape.width <= width, (number, shape.name)
            assert shape.top + shape.height <= height, (number, shape.name)
            if shape.top < footer_top:
                assert shape.top + shape.height <= footer_top, f"slide {number}: {shape.name}"
            if shape.has_text_frame and shape.text_frame.text:
                assert _rough_height(shape) <= _inner_height(shape), (number, shape.text_frame.text)


def _rough_height(shape) -> float:
    """The points a text box's text needs, estimated apart from the layout's own metrics:
    CJK characters one em wide, others 0.6 em, wrapped at any character, lines 1.2 em."""
    frame = shape.text_frame
    inner = (shape.width - frame.margin_left - frame.margin_right) / 12700
    needed = 0.0
    for paragraph in frame.paragraphs:
        size = max((r.font.size.pt for r in paragraph.runs if r.font.size), default=18)
        width = sum(size * (0.6 if c.isascii() else 1.0) for c in paragraph.text)
        needed += max(1, -(-width // inner)) * size * 1.2
    return needed


def _inner_height(shape) -> float:
    frame = shape.text_frame
    return (shape.height - frame.margin_top - frame.margin_bottom) / 12700


def test_the_title_slide_shows_the_headline_figures_as_cards_no_card_alone(
    brief, deck, deck_rendered
):
    title_slide = deck.slides[0]
    texts = [s.text_frame.text for s in title_slide.shapes if s.has_text_frame]
    assert brief.title in texts
    cards = [t for t in texts if t.split("\n")[0] in {c.label for c in brief.cards}]
    assert [c.split("\n") for c in cards] == [
        [c.label, c.value, c.target_text, c.month_text, c.year_text] for c in brief.cards
    ]
    tops = {}
    for shape in title_slide.shapes:
        if shape.has_text_frame and shape.text_frame.text in cards:
            tops.setdefault(shape.top, []).append(shape)
    assert sorted(len(row) for row in tops.values()) == [3, 4]  # seven cards: 4 + 3
    rendered = deck_rendered.pdf.pages[0].extract_text()
    for card in brief.cards:
        assert card.value in rendered


def test_the_ranking_takes_one_slide_listing_every_unit(brief, deck):
    titles = [_slide_title(s) for s in deck.slides]
    assert titles.count(brief.ranking_heading) == 1
    slide = deck.slides[titles.index(brief.ranking_heading)]
    table = next(s.table for s in slide.shapes if s.has_table)
    names = [table.cell(r, 2).text for r in range(1, len(table.rows))]
    assert names == brief.ranking.get_column("名称").to_list()
    assert len(names) == 12  # the district's streets, unranked ones included


def _slide_title(slide) -> str:
    boxes = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text]
    return min(boxes, key=lambda s: s.top).text_frame.text if boxes else ""


def test_leads_spread_over_slides_short_reason_shown_full_one_in_the_notes(brief, deck):
    lead_slides = [s for s in deck.slides if _slide_title(s).startswith("重点线索")]
    listed, notes = [], []
    for slide in lead_slides:
        table = next(s.table for s in slide.shapes if s.has_table)
        header = [table.cell(0, c).text for c in range(len(table.columns))]
        name, reason = header.index("村（社区）"), header.index("主要原因")
        listed += [
            (table.cell(r, name).text, table.cell(r, reason).text)
            for r in range(1, len(table.rows))
        ]
        notes.append(slide.notes_slide.notes_text_frame.text)
    leads = brief.leads
    assert [name for name, _ in listed] == leads.get_column("村（社区）").to_list()
    assert len(listed) == 10
    for (_, shown), short in zip(listed, leads.get_column("主要原因").to_list(), strict=True):
        assert shown == short or (shown.endswith("…") and short.startswith(shown[:-1]))
    every_note = "\n".join(notes)
    for explanation in leads.get_column("为何提示").to_list():
        assert explanation in every_note


# --- the PDF ----------------------------------------------------------------------------


def test_the_pdf_is_a4_titled_numbered_and_marked_as_demo(brief, pdf_rendered):
    pdf = pdf_rendered.pdf
    assert pdf.metadata.title == brief.title
    pages = len(pdf.pages)
    assert pages == len(pdf_rendered.pngs) >= 2
    for number, page in enumerate(pdf.pages, start=1):
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4, abs=1)
        text = page.extract_text()
        assert f"第 {number} 页，共 {pages} 页" in text
        assert "内部资料" in text
    first = pdf.pages[0].extract_text()
    assert "演示数据：由生成器按真实区划生成" in first


def test_no_figure_card_sits_alone_on_a_row(brief, pdf_rendered):
    labels = {c.label for c in brief.cards}
    rows: dict[int, int] = {}
    for text, _x, y, _size in positioned_text(pdf_rendered.pdf.pages[0]):
        if text in labels:
            rows[round(y)] = rows.get(round(y), 0) + 1
    assert sorted(rows.values()) == [3, 4]


def test_pdf_charts_keep_their_titles_and_axis_tick_labels_inside_the_page(brief, pdf_rendered):
    """The charts are vector: their ticks are text, found where they were printed."""
    found = {"title": False, "percent": [], "months": []}
    for page in pdf_rendered.pdf.pages:
        width = float(page.mediabox.width)
        for text, x, _y, _size in positioned_text(page):
            if text.endswith(report.TREND):
                found["title"] = True
            if re.fullmatch(r"\d{1,3}(\.\d)?%", text):
                found["percent"].append(x)
                assert 20 < x < width - 20, f"tick {text} at x={x:.0f} cut off"
            if re.fullmatch(r"\d{1,2}月", text):
                found["months"].append(text)
    assert found["title"]
    assert len(found["percent"]) >= 7 * 3  # at least three ticks on each rate's panel
    assert "10月" in found["months"]


# --- the chart PNGs ---------------------------------------------------------------------


def _plot_left(image: Image.Image) -> int:
    """The left edge of the first plot area: the first column that is mostly not white
    over the middle of the image (tick labels leave their columns mostly white)."""
    grey = image.convert("L")
    top, bottom = image.height // 6, image.height * 5 // 6
    for x in range(image.width):
        column = grey.crop((x, top, x + 1, bottom))
        inked = sum(count for level, count in enumerate(column.histogram()) if level < 245)
        if inked > 0.4 * (bottom - top):
            return x
    pytest.fail("no plot area found")


def test_chart_pngs_have_margins_and_their_y_tick_labels(brief, files):
    with zipfile.ZipFile(io.BytesIO(files["png"])) as archive:
        names = archive.namelist()
        assert names == [f"{brief.title}_{name}.png" for name in brief.charts]
        for name in names:
            image = Image.open(io.BytesIO(archive.read(name))).convert("RGB")
            assert image.width == report.PNG_WIDTH * report.PNG_SCALE
            edge = 8 * report.PNG_SCALE
            for strip in ((0, 0, image.width, edge), (0, 0, edge, image.height),
                          (image.width - edge, 0, image.width, image.height)):  # fmt: skip
                assert _is_blank(image, strip), f"{name}: something touches the edge {strip}"
            left = _plot_left(image)
            labels = (edge, image.height // 6, left - 2, image.height * 5 // 6)
            assert _has_ink(image, labels), f"{name}: no y-axis labels left of the plot"
            title = (edge, edge, image.width // 2, 40 * report.PNG_SCALE)
            assert _has_ink(image, title), f"{name}: no title"
