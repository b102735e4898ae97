"""The meeting briefing: one period and scope, its headline figures, ranking, top leads and
charts, exported as PNG charts, a PDF and a PPTX with Chinese text.

Chart images come from kaleido, which drives the system's Chromium; the PDF is the
briefing's HTML printed by the same Chromium, so Chinese renders with the installed CJK
font (fonts-wqy-microhei) exactly as on screen.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
from pptx import Presentation
from pptx.util import Inches, Pt

from charts import rate_trends
from datastore import rectifications
from datastore.figures import data_span, region_metrics
from datastore.reads import scoped
from datastore.scoring import lead_episodes
from metrics.glossary import METRICS, TARGETS, format_change, format_value
from metrics.ranking import rank
from models.indicators import LEAD_TYPES
from schema.timing import local_now, month_end


class ExportUnavailable(Exception):
    """Images or PDF need Chromium, which is not installed here."""


@dataclass
class Briefing:
    title: str  # e.g. 苏家屯区 2026-10 阳光三务监督简报
    scope: str
    period: str
    data_date: str
    headline: list[tuple[str, str, str]]  # (metric, value, change on the month before)
    ranking: pl.DataFrame  # already labelled for display
    leads: pl.DataFrame  # already labelled for display
    charts: dict[str, go.Figure]  # name → figure, each stamped with scope, period, data date
    casework: pl.DataFrame | None = None  # leads checked and rectified by street (casework_table)


@scoped(cache=False)
def casework_table(con, scope, month: dt.date) -> pl.DataFrame:
    """The year's casework up to the month's end by street, labelled for the briefing:
    leads first raised since January, checked, confirmed, rectified, overdue today."""
    since, until = month.replace(month=1), month_end(month)
    table = rectifications.summary(con, scope, since, until, local_now().date())
    return table.select(
        pl.col("street_name").alias("街道"),
        pl.col("raised").alias(f"线索数（{since:%m-%d}至{until:%m-%d}首次出现）"),
        pl.col("concluded").alias("已核查"),
        pl.col("confirmed").alias("属实（含部分属实）"),
        pl.col("items").alias("整改项"),
        pl.col("closed").alias("已销号"),
        pl.col("overdue").alias("逾期"),
    )


def headline_rows(current: dict, previous: dict) -> list[tuple[str, str, str]]:
    rows = []
    for metric in TARGETS:
        value, before = current.get(metric), previous.get(metric)
        change = format_change(value, before) or "—"
        rows.append((METRICS[metric].zh, format_value(metric, value), change))
    return rows


def chromium() -> str:
    path = (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )
    if not path:
        raise ExportUnavailable(
            "导出图片和 PDF 需要 Chromium（apt-get install chromium fonts-wqy-microhei）"
        )
    return path


def chart_png(figure: go.Figure, width: int = 1100, height: int | None = None) -> bytes:
    chromium()
    return figure.to_image(
        format="png", width=width, height=height or figure.layout.height or 420, scale=2
    )


def charts_zip(briefing: Briefing) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, figure in briefing.charts.items():
            archive.writestr(f"{briefing.title}_{name}.png", chart_png(figure))
    return buffer.getvalue()


def _table_html(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row)
        + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(briefing: Briefing, images: dict[str, bytes]) -> str:
    cards = "".join(
        f"<div class='card'><div class='label'>{html.escape(m)}</div><div class='value'>{v}</div>"
        f"<div class='delta'>较上月 {c}</div></div>"
        for m, v, c in briefing.headline
    )
    charts = "".join(
        f"<img src='data:image/png;base64,{base64.b64encode(png).decode()}'/>"
        for png in images.values()
    )
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
    body {{ font-family: 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif;
            margin: 24px; color: #222; }}
    h1 {{ font-size: 24px; margin: 0 0 4px; }} h2 {{ font-size: 18px; margin: 22px 0 8px; }}
    .stamp {{ color: #666; font-size: 12px; }}
    .cards {{ display: flex; flex-wrap: wrap; gap: 8px; }}
    .card {{ border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; width: 150px; }}
    .label {{ font-size: 12px; color: #555; }} .value {{ font-size: 22px; font-weight: bold; }}
    .delta {{ font-size: 11px; color: #777; }}
    table {{ border-collapse: collapse; font-size: 11px; width: 100%; }}
    th, td {{ border: 1px solid #ddd; padding: 3px 6px; text-align: left; }}
    img {{ width: 100%; page-break-inside: avoid; margin-top: 8px; }}
    </style></head><body>
    <h1>{html.escape(briefing.title)}</h1>
    <div class="stamp">范围：{html.escape(briefing.scope)} · 期间：{briefing.period}
    · 数据截至 {briefing.data_date} · 线索为核查提示，不是结论</div>
    <h2>主要指标</h2><div class="cards">{cards}</div>
    <h2>“三率”排名</h2>{_table_html(briefing.ranking)}
    <h2>重点线索</h2>{_table_html(briefing.leads)}
    {_casework_html(briefing)}
    <h2>图表</h2>{charts}
    </body></html>"""


def _casework_html(briefing: Briefing) -> str:
    if briefing.casework is None:
        return ""
    return f"<h2>线索核查与整改情况（今年以来）</h2>{_table_html(briefing.casework)}"


def to_pdf(briefing: Briefing) -> bytes:
    browser = chromium()
    images = {name: chart_png(figure) for name, figure in briefing.charts.items()}
    with tempfile.TemporaryDirectory(prefix="briefing-") as folder:
        page, pdf = Path(folder) / "briefing.html", Path(folder) / "briefing.pdf"
        page.write_text(to_html(briefing, images), encoding="utf-8")
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run",
             f"--user-data-dir={folder}/profile", "--no-pdf-header-footer",
             f"--print-to-pdf={pdf}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return pdf.read_bytes()


def to_pptx(briefing: Briefing, with_images: bool = True) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.33), Inches(7.5)
    blank = deck.slide_layouts[6]

    def slide_with_title(text: str):
        slide = deck.slides.add_slide(blank)
        box = slide.shapes.add_textbox(Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.8))
        paragraph = box.text_frame.paragraphs[0]
        paragraph.text = text
        paragraph.font.size, paragraph.font.bold = Pt(28), True
        stamp = slide.shapes.add_textbox(Inches(0.5), Inches(6.9), Inches(12.3), Inches(0.4))
        stamp.text_frame.text = (
            f"{briefing.scope} · {briefing.period} · 数据截至 {briefing.data_date}"
        )
        stamp.text_frame.paragraphs[0].font.size = Pt(11)
        return slide

    def table(slide, frame: pl.DataFrame, top: float) -> None:
        rows, cols = min(frame.height, 12) + 1, len(frame.columns)
        shape = slide.shapes.add_table(
            rows, cols, Inches(0.5), Inches(top), Inches(12.3), Inches(0.35 * rows)
        )
        for c, name in enumerate(frame.columns):
            shape.table.cell(0, c).text = str(name)
        for r, values in enumerate(frame.head(rows - 1).iter_rows(), start=1):
            for c, value in enumerate(values):
                shape.table.cell(r, c).text = "" if value is None else str(value)
        for cell in (shape.table.cell(r, c) for r in range(rows) for c in range(cols)):
            cell.text_frame.paragraphs[0].font.size = Pt(11)

    slide = slide_with_title(briefing.title)
    lines = [f"{m}：{v}（较上月 {c}）" for m, v, c in briefing.headline]
    body = slide.shapes.add_textbox(Inches(0.5), Inches(1.3), Inches(12.3), Inches(5)).text_frame
    body.text = lines[0]
    for line in lines[1:]:
        body.add_paragraph().text = line
    for paragraph in body.paragraphs:
        paragraph.font.size = Pt(20)
    table(slide_with_title("“三率”排名"), briefing.ranking, 1.3)
    table(slide_with_title("重点线索（核查提示，不是结论）"), briefing.leads, 1.3)
    if briefing.casework is not None:
        table(slide_with_title("线索核查与整改情况（今年以来）"), briefing.casework, 1.3)
    if with_images:
        for name, figure in briefing.charts.items():
            slide = slide_with_title(name)
            slide.shapes.add_picture(
                io.BytesIO(chart_png(figure)), Inches(0.8), Inches(1.2), width=Inches(11.7)
            )
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def file_stem(briefing: Briefing) -> str:
    return f"{briefing.title}_{dt.date.today():%Y%m%d}"


def build(
    con, scope, level: str, month: dt.date, as_of: dt.date | None = None, scope_suffix: str = ""
) -> Briefing:
    """The briefing of `scope` (at `level`) for the month starting `month`, with leads as
    of `as_of` (default: the data's last day); `scope_suffix` qualifies the scope's name
    (e.g. communities only)."""
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    months = region_metrics(con, scope, level, "month")
    label = f"{month:%Y-%m}"
    now = months.filter(pl.col("period") == label)
    before = months.filter(pl.col("period") == f"{previous:%Y-%m}")
    current = now.row(0, named=True) if now.height else {}
    scope_name = current.get("name") or (months.get_column("name")[0] if months.height else "—")
    scope_name += scope_suffix
    data_date = f"{as_of or data_span(con).data_end:%Y-%m-%d}"
    units = region_metrics(con, scope, "village" if level == "street" else "street", "month",
                           previous, month)  # fmt: skip
    ranked = (
        rank(units)
        .filter(pl.col("period") == label)
        .select(
            pl.col("rank").cast(pl.String).fill_null("—").alias("排名"),
            pl.col("rank_change").cast(pl.String).fill_null("—").alias("较上月"),
            pl.col("name").alias("名称"),
            pl.col("three_rates_score").round(1).alias("得分"),
            pl.col("feedback").alias("留言数"),
            pl.col("note").fill_null("").alias("备注"),
        )
    )
    # The month's leads: those first seen in it, then those continuing from before.
    leads = (
        lead_episodes(con, scope, as_of, month, month_end(month))
        .filter(pl.col("months").list.contains(label))
        .with_columns((pl.col("months").list.first() == label).alias("new"))
        .sort(["new", "score"], descending=True)
        .head(10)
        .select(
            pl.col("name").alias("村（社区）"),
            pl.col("lead_type")
            .replace_strict({k: v[0] for k, v in LEAD_TYPES.items()})
            .alias("类型"),
            pl.when("new").then(pl.lit("新出现")).otherwise(pl.lit("持续")).alias("本月"),
            pl.format(
                "{} 至 {}", pl.col("months").list.first(), pl.col("months").list.last()
            ).alias("出现月份"),
            pl.col("score").round(3).alias("峰值分"),
            pl.col("explanation").alias("为何提示"),
        )
    )
    stamp = f"{scope_name} · {months.get_column('period').min()} 至 {label} · 数据截至 {data_date}"
    trend = rate_trends(
        months.filter(pl.col("period") <= label),
        {m: METRICS[m].zh for m in TARGETS},
        f"{scope_name} 主要指标月度趋势",
        stamp,
    )
    return Briefing(
        title=f"{scope_name}{label}阳光三务监督简报",
        scope=scope_name,
        period=label,
        data_date=data_date,
        headline=headline_rows(current, before.row(0, named=True) if before.height else {}),
        ranking=ranked,
        leads=leads,
        charts={"主要指标月度趋势": trend},
        casework=casework_table(con, scope, month),
    )
