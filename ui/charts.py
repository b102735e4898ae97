"""Chart builders: a frame in, a Plotly figure out, so that pages and exports draw the same."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

PALETTE = ["#c0392b", "#2e86c1", "#27ae60", "#8e44ad", "#d68910", "#17a589", "#5d6d7e"]


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
    figure.update_layout(
        title={"text": title, "x": 0},
        yaxis={"tickformat": ".0%", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        height=380,
        annotations=[
            {"text": stamp, "xref": "paper", "yref": "paper", "x": 1, "y": 1.08,
             "showarrow": False, "font": {"size": 11, "color": "#666"}, "xanchor": "right"}
        ],
    )  # fmt: skip
    return figure


def histogram(
    values: list[float], title: str, stamp: str, marker: float | None = None
) -> go.Figure:
    """A distribution, with an optional rule line (e.g. 24 h or 168 h)."""
    figure = go.Figure(go.Histogram(x=values, nbinsx=40, marker_color=PALETTE[1]))
    if marker is not None:
        figure.add_vline(x=marker, line_dash="dash", line_color=PALETTE[0])
    figure.update_layout(
        title={"text": title, "x": 0},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        height=300,
        annotations=[
            {"text": stamp, "xref": "paper", "yref": "paper", "x": 1, "y": 1.12,
             "showarrow": False, "font": {"size": 11, "color": "#666"}, "xanchor": "right"}
        ],
    )  # fmt: skip
    return figure


def bars(labels: list[str], values: list[float], title: str, stamp: str) -> go.Figure:
    figure = go.Figure(go.Bar(x=labels, y=values, marker_color=PALETTE[0], text=values))
    figure.update_layout(
        title={"text": title, "x": 0},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        height=300,
        annotations=[
            {"text": stamp, "xref": "paper", "yref": "paper", "x": 1, "y": 1.12,
             "showarrow": False, "font": {"size": 11, "color": "#666"}, "xanchor": "right"}
        ],
    )  # fmt: skip
    return figure
