"""Chart builders: a frame in, a Plotly figure out, so that pages and exports draw the same.
Every chart is stamped with its scope, period and data date (its subtitle), and leaves room
for its axis labels, so that an exported image is not cut at the edges."""

from __future__ import annotations

import datetime as dt
import math

import plotly.graph_objects as go
import polars as pl

from metrics.glossary import METRICS
from metrics.rollup import RATES
from schema.timing import next_month

PALETTE = ["#c0392b", "#2e86c1", "#27ae60", "#8e44ad", "#d68910", "#17a589", "#5d6d7e"]
# Twelve distinguishable lines for the rank history (a district has about a dozen streets).
LINES = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
]  # fmt: skip
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"


def month_name(period: str, english: bool = False) -> str:
    """ "2026-10" → 2026年10月, or Oct 2026."""
    year, month = int(period[:4]), int(period[5:7])
    return f"{MONTHS_EN[month - 1]} {year}" if english else f"{year}年{month}月"


def month_ticks(periods: list[str], english: bool = False, most: int = 6) -> dict:
    """Category-axis ticks for months: at most `most` labels, counted back from the last
    month so that it is always labelled; the year under the first label and wherever it
    changes (10月 / 2026年)."""
    step = max(1, math.ceil(len(periods) / most))
    shown = periods[::-1][::step][::-1]
    text, year = [], None
    for period in shown:
        month = int(period[5:7])
        name = MONTHS_EN[month - 1] if english else f"{month}月"
        if period[:4] != year:
            year = period[:4]
            name += f"<br>{year}" if english else f"<br>{year}年"
        text.append(name)
    return {"tickmode": "array", "tickvals": shown, "ticktext": text}


def _finish(figure: go.Figure, title: str, stamp: str, height: int, **layout) -> go.Figure:
    figure.update_layout(
        # The title kept 16 px off the image's edges, whatever the image's size.
        title={"text": title, "xref": "container", "yref": "container", "x": 0, "y": 1,
               "xanchor": "left", "yanchor": "top", "pad": {"l": 16, "t": 16},
               "subtitle": {"text": stamp, "font": {"size": 11, "color": "#666"}}},
        font={"family": FONT},
        margin={"l": 64, "r": 24, "t": 88, "b": 56},
        height=height,
        # Room for the tick labels whatever the template (Streamlit's has no automargin).
        xaxis_automargin=True,
        yaxis_automargin=True,
        **layout,
    )  # fmt: skip
    return figure


class Panels:
    """A grid of small panels, laid out as one layout dict (make_subplots and per-panel
    updates validate the whole figure on every call: half a second for a dozen panels)."""

    def __init__(self, count: int, columns: int, titles: list[str], v_gap: float):
        self.columns = min(columns, max(count, 1))
        self.rows = math.ceil(count / self.columns)
        h_gap = 0.06
        width = (1 - h_gap * (self.columns - 1)) / self.columns
        height = (1 - v_gap * (self.rows - 1)) / self.rows
        self.traces: list[dict] = []
        self.layout: dict = {"annotations": [], "shapes": []}
        for i, text in enumerate(titles):
            row, col = divmod(i, self.columns)
            x0, y1 = col * (width + h_gap), 1 - row * (height + v_gap)
            x_domain = [max(0.0, round(x0, 6)), min(1.0, round(x0 + width, 6))]
            y_domain = [max(0.0, round(y1 - height, 6)), min(1.0, round(y1, 6))]
            n = self.axis(i)
            self.layout[f"xaxis{n}"] = {"domain": x_domain, "anchor": f"y{n}",
                                        "automargin": True}  # fmt: skip
            self.layout[f"yaxis{n}"] = {"domain": y_domain, "anchor": f"x{n}",
                                        "automargin": True}  # fmt: skip
            self.layout["annotations"].append(
                {"text": text, "x": x0 + width / 2, "y": y1, "xref": "paper", "yref": "paper",
                 "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                 "font": {"size": 13}}
            )  # fmt: skip

    @staticmethod
    def axis(index: int) -> str:
        return "" if index == 0 else str(index + 1)

    def add(self, index: int, trace: dict) -> None:
        n = self.axis(index)
        self.traces.append({**trace, "xaxis": f"x{n}", "yaxis": f"y{n}"})

    def x(self, index: int, **settings) -> None:
        self.layout[f"xaxis{self.axis(index)}"].update(settings)

    def y(self, index: int, **settings) -> None:
        self.layout[f"yaxis{self.axis(index)}"].update(settings)

    def rule(self, index: int, value: float) -> None:
        """A dotted horizontal line across the panel (a target)."""
        n = self.axis(index)
        self.layout["shapes"].append(
            {"type": "line", "xref": f"x{n} domain", "x0": 0, "x1": 1, "yref": f"y{n}",
             "y0": value, "y1": value, "line": {"dash": "dot", "color": "#999", "width": 1}}
        )  # fmt: skip

    def note(self, index: int, text: str) -> None:
        """A grey note at the top of the panel."""
        n = self.axis(index)
        self.layout["annotations"].append(
            {"text": text, "xref": f"x{n} domain", "yref": f"y{n} domain", "x": 0.02,
             "y": 0.97, "xanchor": "left", "yanchor": "top", "showarrow": False,
             "font": {"size": 10, "color": "#888"}, "bgcolor": "rgba(255,255,255,0.7)"}
        )  # fmt: skip

    def months(self, index: int, periods: list[str], english: bool) -> None:
        self.x(index, type="category", categoryorder="array", categoryarray=periods,
               **month_ticks(periods, english, most=4))  # fmt: skip

    def figure(self) -> go.Figure:
        return go.Figure(data=self.traces, layout=self.layout)


def _rate_range(values: list[float], target: float | None) -> tuple[list[float], str]:
    """A panel's y range around its values and target, and the tick format it needs."""
    drawn = [v for v in values if v is not None]
    if not drawn:
        return [0, 1.02], ".0%"
    points = drawn + ([target] if target is not None else [])
    low, high = min(points), max(points)
    pad = max(0.01, (high - low) * 0.15)
    return [max(0.0, low - pad), min(1.02, high + pad)], ".1%" if high - low < 0.04 else ".0%"


def _thin_note(thin: int, months: int, min_sample: int, english: bool) -> str:
    if english:
        return f"{thin} of {months} months with a sample under {min_sample}: not drawn"
    return f"{months} 个月中 {thin} 个月样本少于 {min_sample}，未绘出"


def trend_panels(
    frame: pl.DataFrame,
    panels: dict[str, str],
    title: str,
    stamp: str,
    *,
    english: bool = False,
    targets: dict[str, float] | None = None,
    min_sample: int | None = None,
    columns: int = 4,
) -> go.Figure:
    """Small multiples over `period` (YYYY-MM), one panel per figure of `panels` (column →
    label), each on its own scale: rates as lines with their target dashed, counts as bars.
    With `min_sample`, a rate is drawn only in months whose denominator reaches it (the
    hover gives numerator and denominator wherever it is drawn)."""
    periods = frame.get_column("period").to_list()
    months = [month_name(p, english) for p in periods]
    targets = targets or {}
    target_word = "target" if english else "目标"
    opening, closing = (" (", ")") if english else ("（", "）")
    titles = [
        f"{label}{opening}{target_word} {targets[c]:.0%}{closing}" if c in targets else label
        for c, label in panels.items()
    ]
    rows = math.ceil(len(panels) / columns)
    grid = Panels(len(panels), columns, titles, v_gap=0.26 if rows > 1 else 0.1)
    for i, (column, label) in enumerate(panels.items()):
        values = frame.get_column(column).to_list()
        if METRICS[column].unit != "rate":
            hover = [f"{m}<br>{label}：{v:,}" for m, v in zip(months, values, strict=True)]
            grid.add(i, {"type": "bar", "x": periods, "y": values, "name": label,
                         "marker": {"color": "#85a9c9"}, "customdata": hover,
                         "hovertemplate": "%{customdata}<extra></extra>"})  # fmt: skip
            few = max([v for v in values if v is not None] or [0]) <= 5
            grid.y(i, rangemode="tozero", **({"dtick": 1} if few else {}))
        else:
            numerator, denominator = RATES[column]
            tops = frame.get_column(numerator).to_list()
            bottoms = frame.get_column(denominator).to_list()
            drawn = [
                v if min_sample is None or (d or 0) >= min_sample else None
                for v, d in zip(values, bottoms, strict=True)
            ]
            hover = [
                f"{m}<br>{label}：{v:.1%}（{n:,}/{d:,}）" if v is not None else ""
                for m, v, n, d in zip(months, drawn, tops, bottoms, strict=True)
            ]
            grid.add(i, {"type": "scatter", "x": periods, "y": drawn, "name": label,
                         "mode": "lines+markers", "marker": {"size": 5},
                         "line": {"color": PALETTE[i % len(PALETTE)], "width": 2},
                         "customdata": hover,
                         "hovertemplate": "%{customdata}<extra></extra>"})  # fmt: skip
            target = targets.get(column)
            if target is not None:
                grid.rule(i, target)
            thin = sum(1 for v, d in zip(values, drawn, strict=True) if v is not None and d is None)
            if thin:
                grid.note(i, _thin_note(thin, len(periods), min_sample, english))
            y_range, tick_format = _rate_range(drawn, target)
            grid.y(i, range=y_range, tickformat=tick_format)
        grid.months(i, periods, english)
    return _finish(grid.figure(), title, stamp, 230 * rows + 120, showlegend=False)


def score_heatmap(ranked: pl.DataFrame, title: str, stamp: str, english: bool = False) -> go.Figure:
    """Units × months of the three-rates score from `metrics.ranking.rank` (name, period,
    three_rates_score, rank): a number in each cell, marked * where the unit was below the
    minimum sample (for reference only, no rank)."""
    periods = sorted(ranked.get_column("period").unique().to_list())
    latest = ranked.filter(pl.col("period") == periods[-1]).sort(
        "three_rates_score", descending=True, nulls_last=True
    )
    names = latest.get_column("name").to_list()
    names += sorted(set(ranked.get_column("name").to_list()) - set(names))
    cells = {(r["name"], r["period"]): r for r in ranked.iter_rows(named=True)}
    z, text, hover = [], [], []
    for name in names[::-1]:  # the best of the last month on top
        z_row, text_row, hover_row = [], [], []
        for period in periods:
            cell = cells.get((name, period)) or {}
            score, place = cell.get("three_rates_score"), cell.get("rank")
            z_row.append(score)
            mark = "" if score is None or place is not None else "*"
            text_row.append("" if score is None else f"{score:.0f}{mark}")
            month = month_name(period, english)
            if score is None:
                detail = "no messages" if english else "无留言"
            elif place is None:
                detail = (f"score {score:.1f}, for reference only" if english
                          else f"得分 {score:.1f}，样本不足，仅供参考")  # fmt: skip
            else:
                detail = (
                    f"score {score:.1f}, rank {place}"
                    if english
                    else f"得分 {score:.1f}，第 {place} 名"
                )
            hover_row.append(f"{name} · {month}<br>{detail}")
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    figure = go.Figure(
        go.Heatmap(
            z=z, x=periods, y=names[::-1], zmin=50, zmax=100,
            colorscale=[[0, "#c0392b"], [0.6, "#f5cba7"], [1, "#27ae60"]],
            text=text, texttemplate="%{text}", customdata=hover,
            hovertemplate="%{customdata}<extra></extra>", xgap=1, ygap=1,
            colorbar={"title": {"text": "score" if english else "得分"}},
        )
    )  # fmt: skip
    note = ("* sample too small to rank: for reference only" if english
            else "* 样本不足，仅供参考，不排名次")  # fmt: skip
    figure.update_xaxes(type="category", title={"text": note, "font": {"size": 11}},
                        **month_ticks(periods, english, most=12))  # fmt: skip
    return _finish(figure, title, stamp, max(340, 26 * len(names) + 190))


def rank_history(
    ranked: pl.DataFrame,
    title: str,
    stamp: str,
    english: bool = False,
    highlight: str | None = None,
) -> go.Figure:
    """Each unit's rank month by month from `metrics.ranking.rank` (1 on top), one line
    per unit in grey and the `highlight`ed unit (a region code) in red, named at its
    last rank; a month without a rank (below the minimum sample) leaves a gap. One plot,
    however many units: light for the browser."""
    periods = sorted(ranked.get_column("period").unique().to_list())
    most = max([r for r in ranked.get_column("rank").to_list() if r is not None] or [1])
    traces, label = [], None
    for (code,), unit in ranked.sort("period").group_by("region_code", maintain_order=True):
        name = unit.get_column("name")[0]
        places = dict(unit.select("period", "rank").iter_rows())
        y = [places.get(p) for p in periods]
        word = (lambda r: f"rank {r}") if english else (lambda r: f"第 {r} 名")
        hover = [
            "" if r is None else f"{name} · {month_name(p, english)}<br>{word(r)}"
            for p, r in zip(periods, y, strict=True)
        ]
        chosen = code == highlight
        traces.append(
            {"type": "scatter", "x": periods, "y": y, "name": name, "mode": "lines+markers",
             "line": {"color": PALETTE[0] if chosen else "#c9ced6", "width": 3 if chosen else 1.5},
             "marker": {"size": 7 if chosen else 4}, "customdata": hover,
             "hovertemplate": "%{customdata}<extra></extra>"}
        )  # fmt: skip
        if chosen:
            last = next(((p, r) for p, r in zip(periods[::-1], y[::-1], strict=True) if r), None)
            if last:
                label = {"x": last[0], "y": last[1], "text": name, "showarrow": False,
                         "xanchor": "left", "xshift": 8, "font": {"color": PALETTE[0]}}  # fmt: skip
    traces.sort(key=lambda t: t["line"]["width"])  # the highlighted line drawn last, on top
    layout = {
        "showlegend": False,
        "annotations": [label] if label else [],
        "xaxis": {"type": "category", "categoryorder": "array", "categoryarray": periods,
                  "automargin": True, **month_ticks(periods, english, most=12)},
        "yaxis": {"range": [most + 0.5, 0.5], "dtick": 1, "automargin": True,
                  "title": {"text": "rank" if english else "名次"}},
    }  # fmt: skip
    return _finish(go.Figure(data=traces, layout=layout), title, stamp, 380)


def histogram(
    values: list[float], title: str, stamp: str, marker: float | None = None
) -> go.Figure:
    """A distribution, with an optional rule line (e.g. 24 h or 168 h)."""
    figure = go.Figure(go.Histogram(x=values, nbinsx=40, marker_color=PALETTE[1]))
    if marker is not None:
        figure.add_vline(x=marker, line_dash="dash", line_color=PALETTE[0])
    return _finish(figure, title, stamp, 320)


def bars(
    labels: list[str],
    values: list[float],
    title: str,
    stamp: str,
    codes: list[str] | None = None,
) -> go.Figure:
    """One bar per label; `codes` ride along as customdata so a click can drill down."""
    figure = go.Figure(
        go.Bar(x=labels, y=values, marker_color=PALETTE[0], text=values, customdata=codes)
    )
    return _finish(figure, title, stamp, 320, clickmode="event+select")


def heatmap(
    frame: pl.DataFrame, rows: dict[str, str], columns: dict[str, str], title: str, stamp: str
) -> go.Figure:
    """`frame` has unit, item_code and completeness; `rows`/`columns` map codes to labels."""
    row_codes, column_codes = list(rows), list(columns)
    cells = {(r["unit"], r["item_code"]): r["completeness"] for r in frame.iter_rows(named=True)}
    z = [[cells.get((row, column)) for column in column_codes] for row in row_codes]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[columns[c] for c in column_codes],
            y=[rows[r] for r in row_codes],
            zmin=0,
            zmax=1,
            colorscale=[[0, "#c0392b"], [0.8, "#f5cba7"], [1, "#27ae60"]],
            text=[["" if v is None else f"{v:.0%}" for v in line] for line in z],
            texttemplate="%{text}",
            hovertemplate="%{y} · %{x}: %{z:.0%}<extra></extra>",
            colorbar={"tickformat": ".0%"},
        )
    )
    return _finish(figure, title, stamp, max(320, 28 * len(row_codes) + 170))


def episode_timeline(
    episodes: pl.DataFrame,
    type_names: dict[str, str],
    first_month: dt.date,
    last_month: dt.date,
    title: str,
    stamp: str,
) -> go.Figure:
    """One bar per lead episode (`lead_type`, `months` as YYYY-MM, `score`) from the start
    of its first month to the end of its last, a row per lead type, over the months
    `first_month` … `last_month`."""
    figure = go.Figure()
    for colour, (lead_type, label) in zip(PALETTE, type_names.items(), strict=False):
        rows = episodes.filter(pl.col("lead_type") == lead_type)
        if rows.is_empty():
            continue
        starts = [dt.date.fromisoformat(f"{m[0]}-01") for m in rows.get_column("months")]
        ends = [next_month(dt.date.fromisoformat(f"{m[-1]}-01")) for m in rows.get_column("months")]
        figure.add_trace(
            go.Bar(
                base=[f"{s:%Y-%m-%d}" for s in starts],
                x=[(e - s).days * 86_400_000 for s, e in zip(starts, ends, strict=True)],
                y=[label] * rows.height,
                orientation="h",
                name=label,
                marker_color=colour,
                customdata=rows.select("score", pl.col("months").list.join(" ")).rows(),
                hovertemplate="%{customdata[1]} · %{customdata[0]:.3f}<extra>" + label + "</extra>",
            )
        )
    return _finish(
        figure,
        title,
        stamp,
        220,
        xaxis={
            "type": "date",
            "range": [f"{first_month:%Y-%m-%d}", f"{next_month(last_month):%Y-%m-%d}"],
        },
        barmode="overlay",
        showlegend=False,
    )


def hourly_activity(
    frame: pl.DataFrame, title: str, stamp: str, bar_label: str, residents_label: str
) -> go.Figure:
    """Residents active per hour (`hour`, `residents`), hours at or past the village's burst
    level (`bar`) in red, with that level as a dashed line."""
    hours = frame.get_column("hour").to_list()
    residents = frame.get_column("residents").to_list()
    bars = frame.get_column("bar").to_list()
    colours = [PALETTE[0] if r >= b else PALETTE[6] for r, b in zip(residents, bars, strict=True)]
    figure = go.Figure(
        go.Bar(x=hours, y=residents, marker_color=colours, name=residents_label,
               hovertemplate="%{x|%Y-%m-%d %H}:00: %{y}<extra></extra>")
    )  # fmt: skip
    if bars:
        figure.add_hline(
            y=bars[0], line_dash="dash", line_color=PALETTE[0], annotation_text=bar_label
        )
    return _finish(figure, title, stamp, 320, bargap=0)
