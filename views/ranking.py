"""排名: the streets of the district, or the villages of a street, ranked on the day's work
as of 17:00 (日, the seed districts' daily ranking) or on the month's three rates (月)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from charts import bars
from datastore.figures import region_metrics
from metrics import daily
from metrics.glossary import format_change, format_value
from metrics.ranking import rank
from schema.timing import daily_window
from ui.database import query
from ui.filters import drill_down, drill_key, page_context, selected_code, selected_rows
from ui.i18n import language, t
from ui.rankings import daily_table, monthly_table
from ui.widgets import data_table, metric_help, metric_label

DAY_FIGURES = (
    "daily_score",
    "daily_disclosure_rate",
    "daily_reply_rate",
    "daily_overdue_clearance_rate",
    "daily_new_registrations",
)


def _choice(name: str, options: list[str], default: str) -> str:
    wanted = st.query_params.get(name)
    return wanted if wanted in options else default


def _day(span) -> dt.date:
    default = context.filters.as_of or span.last_day
    try:
        wanted = dt.date.fromisoformat(st.query_params.get("day", ""))
    except ValueError:
        wanted = default
    return min(max(wanted, span.first_day), span.last_day)


def _delta(metric: str, now: dict, before: dict) -> str | None:
    value, previous = now.get(metric), before.get(metric)
    if value is None or previous is None:
        return None
    if metric == "daily_score":
        return f"{value - previous:+.1f}"
    if metric == "daily_new_registrations":
        return f"{value - previous:+,}"
    return format_change(value, previous, language() == "en")


context = page_context()
filters, span = context.filters, context.span
st.title(t("ranking_title", scope=context.scope_name))

left, middle, right = st.columns([2, 2, 3])
grains = {"day": t("grain_day"), "month": t("grain_month")}
grain = left.segmented_control(
    t("ranking_grain"),
    list(grains),
    default=_choice("grain", list(grains), "day"),
    format_func=grains.get,
    key="ranking_grain",
) or _choice("grain", list(grains), "day")
st.query_params["grain"] = grain
if filters.street:
    unit_level = "village"
else:
    levels = {"street": t("units_streets"), "village": t("units_villages")}
    unit_level = right.radio(
        t("ranking_units"),
        list(levels),
        index=list(levels).index(_choice("units", list(levels), "street")),
        format_func=levels.get,
        horizontal=True,
    )
    st.query_params["units"] = unit_level

if grain == "day":
    day = middle.date_input(
        t("ranking_day"), _day(span), min_value=span.first_day, max_value=span.last_day
    )
    st.query_params["day"] = day.isoformat()
    start, end = daily_window(day)
    report = query(daily.day_report, filters.scope, unit_level, day)
    st.caption(t("daily_caption", start=f"{start:%m-%d %H:%M}", end=f"{end:%m-%d %H:%M}"))
    if span.data_end < end:
        st.info(t("daily_partial", data_end=f"{span.data_end:%Y-%m-%d %H:%M}"))
    totals = {r["period_start"]: r for r in report["total"].iter_rows(named=True)}
    now, before = totals.get(day, {}), totals.get(day - dt.timedelta(days=1), {})
    for column, metric in zip(st.columns(len(DAY_FIGURES)), DAY_FIGURES, strict=True):
        value = now.get(metric)
        shown = f"{value:.1f}" if metric == "daily_score" and value is not None else None
        column.metric(
            metric_label(metric),
            shown or format_value(metric, value),
            delta=_delta(metric, now, before),
            help=metric_help(metric),
        )
    ranked = report["units"]
    score, table, name = "daily_score", daily_table(ranked), t("daily_ranking_file", day=day)
    stamp = f"{context.scope_name} · {start:%m-%d %H:%M}–{end:%m-%d %H:%M} · {context.data_end}"
else:
    units = query(
        region_metrics, filters.scope, unit_level, "month", filters.previous_month, filters.month
    )
    ranked = rank(units).filter(pl.col("period_start") == filters.month)
    st.caption(t("ranking_caption", period=context.month, rule=metric_help("three_rates_score")))
    score, table, name = "three_rates_score", monthly_table(ranked), t("ranking_heading")
    stamp = context.stamp

scored = ranked.filter(pl.col(score).is_not_null())
clicked = st.plotly_chart(
    bars(
        scored.get_column("name").to_list(),
        [round(v, 1) for v in scored.get_column(score)],
        t("score_by_unit"),
        stamp,
        codes=scored.get_column("region_code").to_list(),
    ),
    key=drill_key(f"ranking_{grain}_{unit_level}", filters),
    on_select="rerun",
    selection_mode="points",
)
picked = data_table(
    table,
    name,
    drill_key(f"ranking_table_{grain}_{unit_level}", filters),
    on_select="rerun",
    selection_mode="single-row",
)
st.caption(t("click_row_to_drill"))
rows = selected_rows(picked)
picked_code = ranked.get_column("region_code")[rows[0]] if rows else selected_code(clicked)
drill_down(picked_code, unit_level)
