"""The briefing as a deck that can be projected (16:9): a title slide with the headline
figures as cards, one slide for the ranking, the leads over as many slides as they need
(a short reason on the slide, the full one in the speaker notes) and one slide per chart.
Every slide carries the scope, the period, the data date and 内部资料 in a footer that
nothing covers.

Nothing is left to the viewer's autofit: every text is measured (`TextMetrics`) and laid
out to fit its box, shrinking the type within limits and cutting a reason short with "…",
so that PowerPoint and LibreOffice show the same slide.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from PIL import Image, ImageFont
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from reports.briefing import Briefing, card_columns

FONT = "Microsoft YaHei"  # 微软雅黑, on the meeting room's Windows; LibreOffice substitutes
WIDTH, HEIGHT = 13.333, 7.5  # inches, 16:9
MARGIN = 0.5
BODY_TOP, BODY_BOTTOM = 1.3, 6.75  # the footer starts below BODY_BOTTOM + a gap
FOOTER_TOP, FOOTER_HEIGHT = 6.95, 0.35
LINE = 1.3  # line height as a multiple of the type size
CELL_MARGIN = 0.06  # inches, left and right in table cells
GREY, RED, GREEN, DARK = (RGBColor(0x66, 0x66, 0x66), RGBColor(0xC0, 0x39, 0x2B),
                          RGBColor(0x1E, 0x84, 0x49), RGBColor(0x22, 0x22, 0x22))  # fmt: skip
LATIN_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)


class TextMetrics:
    """Widths of text in points. CJK characters are one em wide in every CJK font; other
    characters are measured in DejaVu Sans, whose Latin is wider than Microsoft YaHei's
    and WenQuanYi's, and a tenth is added besides, so that what is measured to fit fits
    under either font."""

    SAFETY = 1.1

    def __init__(self) -> None:
        path = next((p for p in LATIN_FONTS if Path(p).exists()), None)
        self._latin = ImageFont.truetype(path, 100) if path else None

        self._widths: dict[str, float] = {}

    def _char(self, char: str) -> float:
        """A character's width in hundredths of an em."""
        width = self._widths.get(char)
        if width is None:
            if unicodedata.east_asian_width(char) in "WF":
                width = 100.0
            else:
                width = self._latin.getlength(char) if self._latin is not None else 62.0
            self._widths[char] = width
        return width

    def width(self, text: str, size: float) -> float:
        return sum(self._char(c) for c in text) / 100 * size * self.SAFETY

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        """Lines as a viewer breaks them: anywhere between CJK characters, at spaces in
        Latin text, inside a word only when it is longer than the line."""
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for token in _tokens(paragraph):
                if self.width(line + token, size) <= width or not line:
                    line += token
                else:
                    lines.append(line.rstrip())
                    line = token.lstrip()
                while self.width(line, size) > width and len(line) > 1:
                    cut = len(line) - 1
                    while cut > 1 and self.width(line[:cut], size) > width:
                        cut -= 1
                    lines.append(line[:cut])
                    line = line[cut:]
            lines.append(line.rstrip())
        return lines

    def height(self, text: str, size: float, width: float) -> float:
        return len(self.wrap(text, size, width)) * size * LINE

    def shorten(self, text: str, size: float, width: float, lines: int) -> str:
        """`text`, cut with … to fit in `lines` lines of `width` points."""
        if len(self.wrap(text, size, width)) <= lines:
            return text
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if len(self.wrap(text[:middle] + "…", size, width)) <= lines:
                low = middle
            else:
                high = middle - 1
        return text[:low] + "…"


def _tokens(text: str) -> list[str]:
    tokens, word = [], ""
    for char in text:
        if unicodedata.east_asian_width(char) in "WF" or char == " ":
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        else:
            word += char
    return tokens + ([word] if word else [])


METRICS = TextMetrics()


@dataclass(frozen=True)
class Column:
    name: str
    weight: float  # share of the table's width
    align: PP_ALIGN = PP_ALIGN.LEFT
    lines: int = 1  # most lines a cell may take
    cut: bool = False  # whether longer text is cut with … (else the type must shrink)


def _set_font(run, size: float, bold: bool = False, color: RGBColor = DARK) -> None:
    run.font.size, run.font.bold, run.font.name = Pt(size), bold, FONT
    run.font.color.rgb = color
    properties = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):  # the typeface of Chinese text is set apart from Latin's
        element = properties.find(qn(tag))
        if element is None:
            element = properties.makeelement(qn(tag), {})
            properties.append(element)
        element.set("typeface", FONT)


def _text_box(slide, left, top, width, height, lines, anchor=MSO_ANCHOR.TOP):
    """A text box of fixed size holding `lines`: (text, size, bold, color, align) each. The
    caller has measured that they fit."""
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap, frame.auto_size, frame.vertical_anchor = True, MSO_AUTO_SIZE.NONE, anchor
    frame.margin_left = frame.margin_right = Inches(0.05)
    frame.margin_top = frame.margin_bottom = Inches(0.02)
    for i, (text, size, bold, color, align) in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        paragraph.line_spacing = 1.0
        _set_font(paragraph.add_run(), size, bold, color)
        paragraph.runs[0].text = text
    return box


def _fits(lines, width: float, height: float) -> bool:
    """Whether (text, size, …) lines fit a box of `width` × `height` inches, its margins
    taken off."""
    needed = sum(METRICS.height(text, size, (width - 0.1) * 72) for text, size, *_ in lines)
    return needed <= (height - 0.04) * 72


class Deck:
    def __init__(self, briefing: Briefing):
        self.briefing = briefing
        self.deck = Presentation()
        self.deck.slide_width, self.deck.slide_height = Inches(WIDTH), Inches(HEIGHT)
        self.slides: list = []

    def slide(self, title: str | None):
        slide = self.deck.slides.add_slide(self.deck.slide_layouts[6])
        self.slides.append(slide)
        if title:
            size = 28
            width = WIDTH - 2 * MARGIN
            while size > 18 and not _fits([(title, size)], width, 0.8):
                size -= 2
            _text_box(slide, MARGIN, 0.35, width, 0.8,
                      [(title, size, True, DARK, PP_ALIGN.LEFT)], MSO_ANCHOR.MIDDLE)  # fmt: skip
        return slide

    def caption(self, slide, text: str, top: float = 1.12) -> float:
        """A grey line or two under the title; returns where the body may start."""
        width = WIDTH - 2 * MARGIN
        size = 13
        while size > 10 and not _fits([(text, size)], width, 0.5):
            size -= 1
        text = METRICS.shorten(text, size, (width - 0.1) * 72, 2)
        height = METRICS.height(text, size, (width - 0.1) * 72) / 72 + 0.08
        _text_box(slide, MARGIN, top, width, height, [(text, size, False, GREY, PP_ALIGN.LEFT)])
        return top + height + 0.1

    def finish(self) -> bytes:
        """Stamp every slide's footer: scope, period, data date, 内部资料, page n / N."""
        stamp = self.briefing.stamp
        for number, slide in enumerate(self.slides, start=1):
            color = RED if self.briefing.demo else GREY
            _text_box(slide, MARGIN, FOOTER_TOP, WIDTH - 2 * MARGIN - 1.2, FOOTER_HEIGHT,
                      [(stamp, 11, False, color, PP_ALIGN.LEFT)], MSO_ANCHOR.MIDDLE)  # fmt: skip
            _text_box(slide, WIDTH - MARGIN - 1.2, FOOTER_TOP, 1.2, FOOTER_HEIGHT,
                      [(f"{number} / {len(self.slides)}", 11, False, GREY, PP_ALIGN.RIGHT)],
                      MSO_ANCHOR.MIDDLE)  # fmt: skip
        buffer = io.BytesIO()
        self.deck.save(buffer)
        return buffer.getvalue()


def _table_layout(frame: pl.DataFrame, columns: list[Column], width: float, size: float):
    """The cells' text and every row's height in inches at type `size`; None when a cell
    that may not be cut (a number) does not fit its column's lines, or a header its two."""
    widths = [width * c.weight / sum(c.weight for c in columns) for c in columns]
    inner = [(w - 2 * CELL_MARGIN) * 72 for w in widths]
    rows = [[c.name for c in columns]] + [
        ["" if v is None else str(v) for v in values]
        for values in frame.select(c.name for c in columns).iter_rows()
    ]
    cells, heights = [], []
    for r, values in enumerate(rows):
        texts = []
        for c, text in enumerate(values):
            most = 2 if r == 0 else columns[c].lines
            if r and columns[c].cut:
                text = METRICS.shorten(text, size, inner[c], most)
            elif len(METRICS.wrap(text, size, inner[c])) > most:
                return None
            texts.append(text)
        lines = max(len(METRICS.wrap(text, size, inner[c])) for c, text in enumerate(texts))
        cells.append(texts)
        heights.append((lines * size * LINE + 8) / 72)
    return widths, cells, heights


def table(slide, frame, columns, left, top, width, height, sizes=(16, 15, 14, 13, 12, 11, 10)):
    """A table of `frame`'s `columns` that fits `width` × `height` inches at the largest
    of `sizes` it can; False (nothing drawn) when even the smallest does not fit."""
    for size in sizes:
        layout = _table_layout(frame, columns, width, size)
        if layout is not None and sum(layout[2]) <= height:
            widths, cells, heights = layout
            break
    else:
        return False
    shape = slide.shapes.add_table(
        len(cells), len(columns), Inches(left), Inches(top), Inches(width),
        Inches(sum(heights)),
    )  # fmt: skip
    grid = shape.table
    for c, column_width in enumerate(widths):
        grid.columns[c].width = Emu(int(Inches(column_width)))
    for r, (texts, row_height) in enumerate(zip(cells, heights, strict=True)):
        grid.rows[r].height = Emu(int(Inches(row_height)))
        for c, text in enumerate(texts):
            cell = grid.cell(r, c)
            cell.margin_left = cell.margin_right = Inches(CELL_MARGIN)
            cell.margin_top = cell.margin_bottom = Inches(0.04)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            frame_ = cell.text_frame
            frame_.word_wrap = True
            paragraph = frame_.paragraphs[0]
            paragraph.alignment = columns[c].align
            run = paragraph.add_run()
            run.text = text
            _set_font(run, size, bold=r == 0, color=RGBColor(0xFF, 0xFF, 0xFF) if r == 0 else DARK)
    return True


def _change_color(change: str | None) -> RGBColor:
    """Every headline figure is better higher: a rise green, a fall red."""
    if not change:
        return GREY
    return RED if change.startswith("-") else GREEN


def _cards(deck: Deck, slide, top: float) -> None:
    """The headline figures as cards, four to a row and never one alone on a row."""
    cards = deck.briefing.cards
    per_row = card_columns(len(cards))
    gap, width = 0.25, WIDTH - 2 * MARGIN
    card_width = (width - gap * (per_row - 1)) / per_row
    rows = [cards[i : i + per_row] for i in range(0, len(cards), per_row)]
    card_height = min(1.95, (BODY_BOTTOM - top - gap * (len(rows) - 1)) / len(rows))
    for r, row in enumerate(rows):
        offset = MARGIN + (width - (len(row) * card_width + (len(row) - 1) * gap)) / 2
        for c, card in enumerate(row):
            left = offset + c * (card_width + gap)
            y = top + r * (card_height + gap)
            shape = slide.shapes.add_shape(
                MSO_SHAPE.ROUNDED_RECTANGLE, Inches(left), Inches(y), Inches(card_width),
                Inches(card_height),
            )  # fmt: skip
            shape.adjustments[0] = 0.08
            shape.fill.solid()
            shape.fill.fore_color.rgb = RGBColor(0xF4, 0xF6, 0xF9)
            shape.line.color.rgb = RGBColor(0xD0, 0xD7, 0xE1)
            shape.text_frame.text = ""
            lines = [
                (card.label, 15, False, GREY, PP_ALIGN.LEFT),
                (card.value, 30, True, DARK, PP_ALIGN.LEFT),
                (card.target_text, 11, False, GREY, PP_ALIGN.LEFT),
                (card.month_text, 12, False, _change_color(card.month_change), PP_ALIGN.LEFT),
                (card.year_text, 12, False, _change_color(card.year_change), PP_ALIGN.LEFT),
            ]
            inner = (left + 0.12, y + 0.1, card_width - 0.24, card_height - 0.2)
            while not _fits(lines, inner[2], inner[3]) and lines[1][1] > 20:
                lines = [(t, s - 1 if s > 10 else s, *rest) for t, s, *rest in lines]
            _text_box(slide, *inner, lines)


RANKING_COLUMNS = [
    Column("排名", 0.6, PP_ALIGN.CENTER),
    Column("名次变化", 0.8, PP_ALIGN.CENTER),
    Column("名称", 2.6, cut=True),
    Column("得分", 0.8, PP_ALIGN.RIGHT),
    Column("留言数", 0.8, PP_ALIGN.RIGHT),
    Column("已评价", 0.8, PP_ALIGN.RIGHT),
    Column("当日回应率 %", 1.0, PP_ALIGN.RIGHT),
    Column("7日清零率 %", 1.0, PP_ALIGN.RIGHT),
    Column("满意率 %", 0.9, PP_ALIGN.RIGHT),
    Column("备注", 1.2, cut=True),
]
COMPACT_RANKING = [RANKING_COLUMNS[i] for i in (0, 1, 2, 3, 4, 5, 9)]
LEAD_COLUMNS = [
    Column("序号", 0.5, PP_ALIGN.CENTER),
    Column("村（社区）", 2.4, lines=2, cut=True),
    Column("类型", 0.9, PP_ALIGN.CENTER),
    Column("本月", 0.8, PP_ALIGN.CENTER),
    Column("峰值分", 0.8, PP_ALIGN.RIGHT),
    Column("主要原因", 5.2, lines=2, cut=True),
]


MOST_ROWS = 20  # per half of the ranking slide


def _ranking_slide(deck: Deck) -> None:
    briefing = deck.briefing
    slide = deck.slide(briefing.ranking_heading)
    top = deck.caption(slide, briefing.ranking_rule)
    width, height = WIDTH - 2 * MARGIN, BODY_BOTTOM - top
    ranking = briefing.ranking
    if table(slide, ranking, RANKING_COLUMNS, MARGIN, top, width, height, (16, 15, 14, 13, 12)):
        return
    # Too many units for one table: two side by side at one size, with the figures that
    # rank them.
    half = (ranking.height + 1) // 2
    parts = (ranking.head(half), ranking.slice(half))
    if ranking.height > 2 * MOST_ROWS:
        parts = (ranking.head(MOST_ROWS), ranking.tail(MOST_ROWS))
        note = (f"共 {ranking.height} 个单位，左为得分最高的 {MOST_ROWS} 个，"
                f"右为最低的 {MOST_ROWS} 个；完整排名见 PDF。")  # fmt: skip
        _text_box(slide, MARGIN, BODY_BOTTOM - 0.3, width, 0.3,
                  [(note, 11, False, GREY, PP_ALIGN.LEFT)])  # fmt: skip
        height -= 0.35
    column_width = (width - 0.3) / 2
    for size in (14, 13, 12, 11, 10):
        layouts = [_table_layout(part, COMPACT_RANKING, column_width, size) for part in parts]
        if all(layout is not None and sum(layout[2]) <= height for layout in layouts):
            for i, part in enumerate(parts):
                left = MARGIN + i * (column_width + 0.3)
                table(slide, part, COMPACT_RANKING, left, top, column_width, height, (size,))
            return
    raise ValueError(f"{ranking.height} units do not fit one slide")


def _lead_slides(deck: Deck) -> None:
    leads = deck.briefing.leads.with_row_index("序号", offset=1).with_columns(
        pl.col("序号").cast(pl.String)
    )
    if leads.is_empty():
        slide = deck.slide("重点线索")
        _text_box(slide, MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, 0.6,
                  [("当前没有线索。", 18, False, DARK, PP_ALIGN.LEFT)])  # fmt: skip
        return
    pages, start = [], 0
    while start < leads.height:
        # As many leads as fit at the projected size; at least one.
        count = 1
        while start + count < leads.height and _lead_table_fits(leads.slice(start, count + 1)):
            count += 1
        pages.append(leads.slice(start, count))
        start += count
    for number, page in enumerate(pages, start=1):
        suffix = f"（{number}/{len(pages)}）" if len(pages) > 1 else ""
        slide = deck.slide(f"重点线索{suffix}")
        top = deck.caption(slide, "线索是核查提示，不是结论；每条的完整说明见本页备注。")
        table(slide, page, LEAD_COLUMNS, MARGIN, top, WIDTH - 2 * MARGIN, BODY_BOTTOM - top,
              (16, 15, 14))  # fmt: skip
        slide.notes_slide.notes_text_frame.text = "\n\n".join(
            f"{r['序号']}. {r['村（社区）']}（{r['类型']}，{r['本月']}，{r['出现月份']}，"
            f"峰值分 {r['峰值分']}）：{r['为何提示']}"
            for r in page.iter_rows(named=True)
        )


def _lead_table_fits(leads: pl.DataFrame) -> bool:
    top = 1.12 + 0.5  # below a one-line caption
    layout = _table_layout(leads, LEAD_COLUMNS, WIDTH - 2 * MARGIN, 14)
    return layout is not None and sum(layout[2]) <= BODY_BOTTOM - top


def _chart_slides(deck: Deck, pngs: dict[str, bytes]) -> None:
    for name, png in pngs.items():
        slide = deck.slide(name)
        with Image.open(io.BytesIO(png)) as image:
            ratio = image.height / image.width
        width, height = WIDTH - 2 * MARGIN, BODY_BOTTOM - BODY_TOP
        if width * ratio > height:
            width = height / ratio
        left = (WIDTH - width) / 2
        slide.shapes.add_picture(io.BytesIO(png), Inches(left), Inches(BODY_TOP), Inches(width))


def to_pptx(briefing: Briefing, pngs: dict[str, bytes] | None = None) -> bytes:
    """The deck; `pngs` are the charts drawn (none: no chart slides)."""
    deck = Deck(briefing)
    slide = deck.slide(None)
    _text_box(slide, MARGIN, 0.7, WIDTH - 2 * MARGIN, 0.9,
              [(briefing.title, 34, True, DARK, PP_ALIGN.LEFT)], MSO_ANCHOR.MIDDLE)  # fmt: skip
    subtitle = f"范围：{briefing.scope} · 期间：{briefing.period} · 数据截至 {briefing.data_date}"
    _text_box(slide, MARGIN, 1.65, WIDTH - 2 * MARGIN - 3.2, 0.45,
              [(subtitle, 16, False, GREY, PP_ALIGN.LEFT)])  # fmt: skip
    if briefing.demo:
        badge = slide.shapes.add_shape(
            MSO_SHAPE.ROUNDED_RECTANGLE, Inches(WIDTH - MARGIN - 3.0), Inches(1.62),
            Inches(3.0), Inches(0.5),
        )  # fmt: skip
        badge.fill.solid()
        badge.fill.fore_color.rgb = RED
        badge.line.fill.background()
        badge.text_frame.text = ""
        _text_box(slide, WIDTH - MARGIN - 3.0, 1.62, 3.0, 0.5,
                  [("演示数据，非真实平台数据", 14, True, RGBColor(0xFF, 0xFF, 0xFF),
                    PP_ALIGN.CENTER)], MSO_ANCHOR.MIDDLE)  # fmt: skip
    _cards(deck, slide, 2.45)
    _ranking_slide(deck)
    _lead_slides(deck)
    _chart_slides(deck, pngs or {})
    return deck.finish()
