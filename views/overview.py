"""总览: how the district (or a street) is doing this month, and what needs a look."""

from __future__ import annotations

import polars as pl
import streamlit as st

from charts import rate_trends
from datastore import status
from datastore.figures import region_metrics
from datastore.figures import span as data_span
from datastore.scoring import lead_episodes
from metrics import daily
from metrics.glossary import TARGETS, format_change
from metrics.ranking import rank
from models.indicators import LEAD_TYPES
from schema.timing import month_end
from ui import casework as case
from ui.database import query
from ui.filters import (
    data_end_label,
    drill_down,
    drill_key,
    filters_or_stop,
    scope_label,
    selected_rows,
)
from ui.i18n import language, t
from ui.rankings import daily_table, monthly_table
from ui.widgets import data_table, metric_help, metric_label

HEADLINE = list(TARGETS)


def _help(metric: str) -> str:
    return f"{metric_help(metric)} {t('target')}: {TARGETS[metric]:.0%}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


filters = filters_or_stop()
data_end = data_end_label(query(data_span, filters.scope), filters.as_of)
months = query(region_metrics, filters.scope, filters.level, "month", None, filters.month)
scope_name = scope_label(months.get_column("name")[0] if months.height else "—", filters.kind)
month_label = f"{filters.month:%Y-%m}"
st.title(t("overview_title", scope=scope_name, month=month_label))
st.caption(t("headline_caption", month=month_label, data_end=data_end))

current = months.filter(pl.col("period") == month_label)
previous = months.filter(pl.col("period") == f"{filters.previous_month:%Y-%m}")
columns = st.columns(len(HEADLINE))
for column, metric in zip(columns, HEADLINE, strict=True):
    value = current.get_column(metric)[0] if current.height else None
    before = previous.get_column(metric)[0] if previous.height else None
    delta = format_change(value, before)
    column.metric(metric_label(metric), _pct(value), delta=delta, help=_help(metric))

st.subheader(t("trend_title"))
rates = {m: metric_label(m) for m in HEADLINE}
first, last = months.get_column("period").min(), months.get_column("period").max()
stamp = t("stamp", scope=scope_name, first=first, last=last, data_end=data_end)
st.plotly_chart(
    rate_trends(months, rates, f"{scope_name} · {t('trend_title')}", stamp), key="trends"
)

unit_level = "village" if filters.street else "street"
grains = {"day": t("grain_day"), "month": t("grain_month")}
daily_grain = (
    st.segmented_control(t("ranking_grain"), list(grains), default="month", format_func=grains.get)
    == "day"
)
heading = ("village_" if filters.street else "") + ("daily_" if daily_grain else "")
st.subheader(t(heading + "ranking_heading"))
if daily_grain:
    day = filters.as_of or query(data_span, filters.scope).last_day
    st.caption(t("overview_ranking_daily", day=f"{day:%Y-%m-%d}"))
    ranked = query(daily.day_report, filters.scope, unit_level, day)["units"]
    table = daily_table(ranked)
else:
    min_sample = 5
    st.caption(t("ranking_caption", month=month_label, min_sample=min_sample))
    units = query(
        region_metrics, filters.scope, unit_level, "month", filters.previous_month, filters.month
    )
    ranked = rank(units, min_sample=min_sample).filter(pl.col("period") == month_label)
    table = monthly_table(ranked)
picked = data_table(
    table,
    t("ranking_heading"),
    drill_key("ranking_day" if daily_grain else "ranking", filters),
    on_select="rerun",
    selection_mode="single-row",
)
st.caption(t("click_row_to_drill"))
rows = selected_rows(picked)
if rows:
    drill_down(ranked.get_column("region_code")[rows[0]], unit_level)

st.subheader(t("leads_heading"))
leads = query(lead_episodes, filters.scope, filters.as_of)
st.caption(t("leads_caption", as_of=data_end))
if leads.is_empty():
    st.success(t("no_leads"))
else:
    type_names = {k: (v[1] if language() == "en" else v[0]) for k, v in LEAD_TYPES.items()}
    st.dataframe(
        leads.head(5).select(
            pl.col("name").alias(t("name")),
            pl.col("lead_type").replace_strict(type_names).alias(t("lead_type")),
            pl.col("score").round(3).alias(t("score")),
            pl.col("explanation").alias(t("explanation")),
        ),
        hide_index=True,
        placeholder="—",
        width="stretch",
    )

# Casework (#13): follow-up (督办) and the year's casework by street, in the scope.
case.follow_up_section(filters.scope, "overview")
case.summary_section(
    filters.scope, filters.month.replace(month=1), month_end(filters.month), "casework_summary"
)

history = query(status.load_history, filters.area, 1).rows
if history.height:
    latest = history.row(0, named=True)
    st.caption(
        f"**{t('freshness')}** · "
        + t("freshness_text", finished_at=f"{latest['finished_at']:%Y-%m-%d %H:%M}",
            data_end=data_end, quarantined=f"{latest['rows_quarantined']:,}")
    )  # fmt: skip
