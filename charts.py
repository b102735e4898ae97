"""Chart builders: a frame in, a Plotly figure out, so that pages and exports draw the same.
Every chart is stamped with its scope, period and data date."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from schema.timing import next_month

PALETTE = ["#c0392b", "#2e86c1", "#27ae60", "#8e44ad", "#d68910", "#17a589", "#5d6d7e"]


def _finish(figure: go.Figure, title: str, stamp: str, height: int, **layout) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        height=height,
        annotations=[
            {"text": stamp, "xref": "paper", "yref": "paper", "x": 1, "y": 1.1,
             "showarrow": False, "font": {"size": 11, "color": "#666"}, "xanchor": "right"}
        ],
        **layout,
    )  # fmt: skip
    return figure


def rate_trends(frame: pl.DataFrame, rates: dict[str, str], title: str, stamp: str) -> go.Figure:
    """One line per rate over `period`; `rates` maps column → label."""
    figure = go.Figure()
    for i, (column, label) in enumerate(rates.items()):
        figure.add_trace(
            go.Scatter(
                x=frame.get_column("period").to_list(),
                y=frame.get_column(column).to_list(),
                name=label,
                mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)], "width": 2},
                hovertemplate="%{x}: %{y:.1%}<extra>" + label + "</extra>",
            )
        )
    return _finish(
        figure,
        title,
        stamp,
        380,
        yaxis={"tickformat": ".0%", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.2},
    )


def histogram(
    values: list[float], title: str, stamp: str, marker: float | None = None
) -> go.Figure:
    """A distribution, with an optional rule line (e.g. 24 h or 168 h)."""
    figure = go.Figure(go.Histogram(x=values, nbinsx=40, marker_color=PALETTE[1]))
    if marker is not None:
        figure.add_vline(x=marker, line_dash="dash", line_color=PALETTE[0])
    return _finish(figure, title, stamp, 300)


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
    return _finish(figure, title, stamp, 300, clickmode="event+select")


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
    return _finish(figure, title, stamp, max(300, 28 * len(row_codes) + 160))


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
