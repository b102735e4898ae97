"""The meeting briefing: one period and scope, its headline figures, ranking, top leads and
charts, exported as PNG charts, a PDF (reports/document.py) and a PPTX (reports/slides.py)
with Chinese text.

Chart images come from kaleido, which drives the system's Chromium (one browser kept for
the process's exports); the PDF is the briefing's HTML printed by the same Chromium, so
Chinese renders with the installed CJK font (fonts-wqy-microhei) exactly as on screen.

The briefing is issued in Chinese; `english=True` assembles the same briefing in English
for the dashboard's English page (its exports are made from the Chinese one).
"""

from __future__ import annotations

import atexit
import datetime as dt
import io
import json
import shutil
import threading
import warnings
import zipfile
from dataclasses import dataclass

import kaleido
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from charts import score_heatmap, trend_panels
from datastore import rectifications, status
from datastore.figures import data_span, region_metrics
from datastore.reads import scoped
from datastore.scoring import lead_episodes
from metrics.glossary import METRICS, TARGETS, format_value
from metrics.headline import headline
from metrics.ranking import DEFAULT_PERIOD_MONTHS, over_months, rank, ranking_table
from models.indicators import LEAD_TYPES, REGISTRY
from schema.timing import local_now, month_end, shift_months

LEADS_LISTED = 10
CONFIDENTIAL = "内部资料"
DEMO_MARK = "演示数据"
TREND = "主要指标月度趋势"
HEATMAP = "“三率”得分逐月"


class ExportUnavailable(Exception):
    """Images or PDF need Chromium, which is not installed here."""


@dataclass(frozen=True)
class Card:
    """One headline figure as the briefing shows it."""

    label: str
    value: str
    target: float
    month_change: str | None  # +0.3 个百分点; None without a month before
    year_change: str | None  # None where the data does not reach a year back
    english: bool = False

    @property
    def target_text(self) -> str:
        return f"{'Target' if self.english else '目标'} {self.target:.0%}"

    @property
    def month_text(self) -> str:
        return f"{'On the month before' if self.english else '较上月'} {self.month_change or '—'}"

    @property
    def year_text(self) -> str:
        if self.english:
            return f"Year on year {self.year_change or '— (no month a year before)'}"
        return f"同比 {self.year_change}" if self.year_change else "同比 —（无上年同月数据）"


@dataclass
class Briefing:
    title: str  # e.g. 苏家屯区2026-10阳光三务监督简报
    scope: str
    period: str
    data_date: str
    demo: bool  # everything loaded is the built-in demo's
    cards: list[Card]
    ranking_heading: str  # e.g. 街道“三率”排名（2026-10）
    ranking_rule: str  # the minimum-sample rule, as applied
    ranking: pl.DataFrame  # metrics.ranking.ranking_table, in Chinese
    leads: pl.DataFrame  # 村（社区）, 类型, 本月, 出现月份, 峰值分, 主要原因, 为何提示
    charts: dict[str, go.Figure]  # name → figure, each stamped with scope, period, data date
    casework: pl.DataFrame | None = None  # casework_table: leads checked and rectified
    english: bool = False

    @property
    def stamp(self) -> str:
        """What every page and slide carries."""
        if self.english:
            parts = [self.scope, f"period {self.period}", f"data to {self.data_date}",
                     "internal"] + (["demo data"] if self.demo else [])  # fmt: skip
            return " · ".join(parts)
        parts = [self.scope, f"期间 {self.period}", f"数据截至 {self.data_date}", CONFIDENTIAL]
        return " · ".join(parts + ([DEMO_MARK] if self.demo else []))


CASEWORK_HEADING = "线索核查与整改情况（今年以来）"


@scoped(cache=False)
def casework_table(con, scope, month: dt.date, english: bool = False) -> pl.DataFrame:
    """The year's casework up to the month's end by street, labelled for the briefing:
    leads first raised since January, checked, confirmed, rectified, overdue today
    (datastore.rectifications.summary). Read apart from the briefing's cached figures,
    since casework changes between loads."""
    since, until = month.replace(month=1), month_end(month)
    table = rectifications.summary(con, scope, since, until, local_now().date())
    headers = {
        "street_name": ("街道", "Street"),
        "raised": (f"线索数（{since:%m-%d}至{until:%m-%d}首次出现）",
                   f"Leads first raised {since:%m-%d} to {until:%m-%d}"),
        "concluded": ("已核查", "Checked"),
        "confirmed": ("属实（含部分属实）", "Confirmed (wholly or partly)"),
        "items": ("整改项", "Rectification items"),
        "closed": ("已销号", "Closed"),
        "overdue": ("逾期", "Overdue"),
    }  # fmt: skip
    return table.select(pl.col(c).alias(names[1 if english else 0]) for c, names in headers.items())


def cards(months: pl.DataFrame, month: dt.date, english: bool = False) -> list[Card]:
    """The headline figures of `month` for the briefing, from one scope's monthly rows."""
    return [
        Card(
            METRICS[figure.metric].en if english else METRICS[figure.metric].zh,
            format_value(figure.metric, figure.value),
            figure.target,
            figure.month_change(english),
            figure.year_change(english),
            english,
        )
        for figure in headline(months, month)
    ]


def card_columns(count: int, most: int = 4) -> int:
    """Cards per row: as many as `most`, fewer where that would leave one card alone on
    the last row."""
    if count <= most:
        return max(count, 1)
    for per_row in range(most, 1, -1):
        if count % per_row != 1:
            return per_row
    return most


def short_reason(indicators: str, explanation: str, english: bool = False) -> str:
    """A lead's reason in a few words for a slide: the indicators that fired, strongest
    first; the explanation's first clause for a lead the anomaly model raised alone."""
    fired = [REGISTRY[hit["indicator"]].name_en if english else REGISTRY[hit["indicator"]].name_zh
             for hit in json.loads(indicators or "[]") if hit["indicator"] in REGISTRY]  # fmt: skip
    if english:
        if not fired:
            return explanation.split(". ")[0]
        return "; ".join(fired[:2]) + (f" and {len(fired) - 2} more" if len(fired) > 2 else "")
    if not fired:
        return explanation.split("。")[0]
    more = f"等 {len(fired)} 项" if len(fired) > 2 else ""
    return "、".join(fired[:2]) + more


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


# Image sizes in layout pixels: PNGs for slides and the zip at twice that resolution, SVGs
# for the A4 PDF a little wider than its text column, so their text prints near 9 pt.
PNG_WIDTH, PNG_SCALE, SVG_WIDTH = 1200, 2, 900
_kaleido = threading.Lock()
_kaleido_started = False


def _image(
    figure: go.Figure, kind: str, width: int | None = None, height: int | None = None
) -> bytes:
    """One chart drawn by kaleido's browser, started at the first export and kept for
    the next (starting Chromium takes seconds; drawing a chart in it, a fraction of one)."""
    global _kaleido_started
    chromium()
    with _kaleido:
        if not _kaleido_started:
            kaleido.start_sync_server(silence_warnings=True)
            atexit.register(kaleido.stop_sync_server, silence_warnings=True)
            _kaleido_started = True
        # Drawn with Plotly's own template, as in any process: importing Streamlit makes
        # its template the default for every figure built afterwards.
        figure = go.Figure(figure).update_layout(template=pio.templates["plotly"])
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The kopts argument is ignored")
            return figure.to_image(
                format=kind,
                width=width or (PNG_WIDTH if kind == "png" else SVG_WIDTH),
                height=height or figure.layout.height or 420,
                scale=PNG_SCALE if kind == "png" else 1,
            )


def chart_png(figure: go.Figure, width: int | None = None, height: int | None = None) -> bytes:
    """A chart as PNG at twice its layout size (`PNG_WIDTH` wide unless `width`)."""
    return _image(figure, "png", width, height)


def render_charts(briefing: Briefing, formats: tuple[str, ...] = ("png", "svg")) -> dict:
    """Every chart of the briefing in each of `formats`: {format: {name: bytes}}."""
    return {
        kind: {name: _image(figure, kind) for name, figure in briefing.charts.items()}
        for kind in formats
    }


def charts_zip(briefing: Briefing, pngs: dict[str, bytes] | None = None) -> bytes:
    pngs = pngs or render_charts(briefing, ("png",))["png"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, png in pngs.items():
            archive.writestr(f"{briefing.title}_{name}.png", png)
    return buffer.getvalue()


def exports(briefing: Briefing) -> dict[str, bytes]:
    """The PDF, the PPTX and the zip of chart PNGs, the charts drawn once for all three."""
    from reports.document import to_pdf
    from reports.slides import to_pptx

    images = render_charts(briefing)
    return {
        "pdf": to_pdf(briefing, images["svg"]),
        "pptx": to_pptx(briefing, images["png"]),
        "png": charts_zip(briefing, images["png"]),
    }


def file_stem(briefing: Briefing) -> str:
    return f"{briefing.title}_{local_now():%Y%m%d}"  # the day in Beijing, as the pages say


# The listed leads' columns, in Chinese and in English.
LEAD_COLUMNS = {
    "村（社区）": "Village", "类型": "Type", "本月": "This month", "出现月份": "Months seen",
    "峰值分": "Peak score", "主要原因": "Main reason", "为何提示": "Why flagged",
}  # fmt: skip


def lead_rows(episodes: pl.DataFrame, label: str, english: bool = False) -> pl.DataFrame:
    """The lead episodes the briefing lists for the month `label` (YYYY-MM), labelled for
    print: those first seen in it, then those continuing from before, strongest first."""
    listed = _month_leads(episodes, label)
    language = 1 if english else 0
    explanation = "explanation_en" if english else "explanation"
    new, continuing, to = ("new", "continuing", "to") if english else ("新出现", "持续", "至")
    values = [
        listed.get_column("name"),
        [LEAD_TYPES[k][language] for k in listed.get_column("lead_type")],
        [new if first else continuing for first in listed.get_column("new")],
        [f"{m[0]} {to} {m[-1]}" for m in listed.get_column("months")],
        [f"{s:.3f}" for s in listed.get_column("score")],
        [
            short_reason(i, e, english)
            for i, e in listed.select("indicators", explanation).iter_rows()
        ],
        listed.get_column(explanation),
    ]
    columns = list(LEAD_COLUMNS.values() if english else LEAD_COLUMNS)
    return pl.DataFrame(
        dict(zip(columns, values, strict=True)), schema=dict.fromkeys(columns, pl.String)
    )


def _month_leads(episodes: pl.DataFrame, label: str) -> pl.DataFrame:
    """The episodes of month `label`, first seen in it (`new`) first, strongest first."""
    return (
        episodes.filter(pl.col("months").list.contains(label))
        .with_columns((pl.col("months").list.first() == label).alias("new"))
        .sort(["new", "score"], descending=True)
        .head(LEADS_LISTED)
    )


def _stamp(scope_name: str, first: str, last: str, data_date: str, english: bool = False) -> str:
    if english:
        return f"{scope_name} · {first} to {last} · data to {data_date} · internal"
    return f"{scope_name} · {first} 至 {last} · 数据截至 {data_date} · {CONFIDENTIAL}"


def unit_level(level: str) -> str:
    """The level ranked in a briefing of `level`: a street's villages, else streets."""
    return "village" if level == "street" else "street"


def build(
    con,
    scope,
    level: str,
    month: dt.date,
    as_of: dt.date | None = None,
    scope_suffix: str = "",
    english: bool = False,
) -> Briefing:
    """The briefing of `scope` (at `level`) for the month starting `month`, with leads as
    of `as_of` (default: the data's last day); `scope_suffix` qualifies the scope's name
    (e.g. communities only). The dashboard reads the same inputs through its cache and
    calls `assemble` itself."""
    briefing = assemble(
        month,
        level,
        region_metrics(con, scope, level, "month", None, month),
        region_metrics(con, scope, unit_level(level), "month", None, month),
        lead_episodes(con, scope, as_of, month, month_end(month)),
        as_of or data_span(con).data_end,
        status.demo_only(con),
        scope_suffix,
        english,
    )
    briefing.casework = casework_table(con, scope, month, english)
    return briefing


def assemble(
    month: dt.date,
    level: str,
    months: pl.DataFrame,
    units: pl.DataFrame,
    leads: pl.DataFrame,
    data_end: dt.date,
    demo: bool,
    scope_suffix: str = "",
    english: bool = False,
) -> Briefing:
    """The briefing from what it is made of: `months`, the scope's `region_metrics` up to
    `month`; `units`, those of the units it ranks (streets, or a street's villages) over
    the same span; `leads` as of `data_end`. Units are ranked over the overview's default
    period, the last twelve shown month by month. In English with `english`."""
    label = f"{month:%Y-%m}"
    current = months.filter(pl.col("period") == label)
    scope_name = (current.get_column("name")[0] if current.height else None) or (
        months.get_column("name")[0] if months.height else "—"
    )
    scope_name += scope_suffix
    data_date = f"{data_end:%Y-%m-%d}"

    ranked_level = unit_level(level)
    unit_name = (
        ("Villages'" if ranked_level == "village" else "Streets'")
        if english
        else ("村（社区）" if ranked_level == "village" else "街道")
    )
    period_months = DEFAULT_PERIOD_MONTHS[ranked_level]
    ranked_all = rank(over_months(units, period_months)).filter(
        pl.col("period_start") >= shift_months(month, -11)
    )
    ranked = ranked_all.filter(pl.col("period") == label)
    span = label
    if period_months > 1 and ranked.height:
        first_month = f"{ranked.get_column('first_month').min():%Y-%m}"
        span = f"{first_month} {'to' if english else '至'} {label}"

    first = months.get_column("period").min() if months.height else label
    first_ranked = ranked_all.get_column("period").min() if ranked_all.height else label
    name = "en" if english else "zh"
    panels = {m: getattr(METRICS[m], name) for m in [*TARGETS, "feedback"]}
    trend_title = "monthly trends of the main figures" if english else TREND
    heatmap_title = "three-rates score by month" if english else HEATMAP
    charts = {
        TREND: trend_panels(
            months, panels, f"{scope_name} {trend_title}",
            _stamp(scope_name, first, label, data_date, english), english=english,
            targets=TARGETS,
        ),
        HEATMAP: score_heatmap(
            ranked_all, f"{scope_name} {unit_name} {heatmap_title}".replace("  ", " "),
            _stamp(scope_name, first_ranked, label, data_date, english), english,
        ),
    }  # fmt: skip
    score = METRICS["three_rates_score"]
    if english:
        title, heading = (
            f"{scope_name} {label} Sunshine Three Affairs briefing",
            (f"{unit_name} three-rates ranking ({span})"),
        )
        rule = f"{span}: {score.definition_en} Rank change on the period before: ↑ up, ↓ down."
    else:
        title, heading = f"{scope_name}{label}阳光三务监督简报", f"{unit_name}“三率”排名（{span}）"
        rule = f"{span}：{score.definition_zh}名次变化较上一期：↑ 上升、↓ 下降。"
    return Briefing(
        title=title,
        scope=scope_name,
        period=label,
        data_date=data_date,
        demo=demo,
        cards=cards(months, month, english),
        ranking_heading=heading,
        ranking_rule=rule,
        ranking=ranking_table(ranked, english),
        leads=lead_rows(leads, label, english),
        charts=charts,
        english=english,
    )
