"""总览: how the district (or a street) is doing this month, whether it is getting better or
worse, and what needs a look."""

from __future__ import annotations

import polars as pl
import streamlit as st

from charts import rank_history, score_heatmap, trend_panels
from datastore import status
from datastore.figures import region_metrics
from datastore.figures import span as data_span
from datastore.scoring import lead_episodes, padded_villages
from metrics import daily
from metrics.glossary import TARGETS, format_value
from metrics.headline import headline
from metrics.ranking import DEFAULT_PERIOD_MONTHS, HEADERS, over_months, rank, ranking_table
from models.indicators import LEAD_TYPES
from models.padding import NOTE_KEYS, ranking_notes, scoring_day
from reports.briefing import card_columns
from schema.timing import month_end, shift_months
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
from ui.i18n import explanation_column, language, t
from ui.rankings import daily_table
from ui.widgets import data_table, metric_help, metric_label

RANKING_MONTHS = (1, 3, 6, 12)
MOST_UNITS_CHARTED = 40
TABLE_ROW_PX = 35  # st.dataframe's row height

filters = filters_or_stop()
english = language() == "en"
data_end = data_end_label(query(data_span, filters.scope), filters.as_of)
months = query(region_metrics, filters.scope, filters.level, "month", None, filters.month)
scope_name = scope_label(months.get_column("name")[0] if months.height else "—", filters.kind)
month_label = f"{filters.month:%Y-%m}"
st.title(t("overview_title", scope=scope_name, month=month_label))
st.caption(t("headline_caption", month=month_label, data_end=data_end))

# Seven cards in one row leave a laptop or a projector "99.…": rows of four at most.
cards = headline(months, filters.month)
per_row = card_columns(len(cards))
for start in range(0, len(cards), per_row):
    for column, card in zip(st.columns(per_row), cards[start : start + per_row], strict=False):
        column.metric(
            metric_label(card.metric),
            format_value(card.metric, card.value),
            delta=card.month_change(english),
            help=f"{metric_help(card.metric)} {t('target')}: {card.target:.0%}",
            border=True,
        )
        change = card.year_change(english)
        column.caption(t("year_change", change=change) if change else t("no_year_before"))

st.subheader(t("trend_title"))
first, last = months.get_column("period").min(), months.get_column("period").max()
stamp = t("stamp", scope=scope_name, first=first, last=last, data_end=data_end)
panels = {m: metric_label(m) for m in [*TARGETS, "feedback"]}
st.plotly_chart(
    trend_panels(months, panels, f"{scope_name} · {t('trend_title')}", stamp,
                 english=english, targets=TARGETS),
    key="trends",
)  # fmt: skip
st.caption(t("trend_caption"))

unit_level = "village" if filters.street else "street"
# The month's ranking over the chosen period, which the trends below show too.
wanted = st.query_params.get("ranking_months")
default = DEFAULT_PERIOD_MONTHS[unit_level]
period_months = int(wanted) if wanted in {str(n) for n in RANKING_MONTHS} else default
monthly = query(region_metrics, filters.scope, unit_level, "month", None, filters.month)
grains = {"day": t("grain_day"), "month": t("grain_month")}
daily_grain = (
    st.segmented_control(t("ranking_grain"), list(grains), default="month", format_func=grains.get)
    == "day"
)
heading = ("village_" if filters.street else "") + ("daily_" if daily_grain else "")
st.subheader(t(heading + "ranking_heading"))
if not daily_grain:
    period_months = (
        st.segmented_control(
            t("ranking_period"),
            RANKING_MONTHS,
            default=period_months,
            format_func=lambda n: t("ranking_one_month") if n == 1 else t("ranking_months", n=n),
            key=f"ranking_months_{unit_level}",
        )
        or period_months
    )
    if period_months == default:
        st.query_params.pop("ranking_months", None)
    else:
        st.query_params["ranking_months"] = str(period_months)
ranked_all = rank(over_months(monthly, period_months))
ranked = ranked_all.filter(pl.col("period") == month_label)
if period_months > 1 and ranked.height:
    first_month = f"{ranked.get_column('first_month').min():%Y-%m}"
    period_text = t("ranking_span", first=first_month, last=month_label)
else:
    period_text = month_label
if daily_grain:
    day = filters.as_of or query(data_span, filters.scope).last_day
    st.caption(t("overview_ranking_daily", day=f"{day:%Y-%m-%d}"))
    shown = query(daily.day_report, filters.scope, unit_level, day)["units"]
    table, table_key = daily_table(shown), "ranking_day"
else:
    st.caption(t("ranking_caption", period=period_text, rule=metric_help("three_rates_score")))
    shown, table, table_key = ranked, ranking_table(ranked, english), f"ranking_{period_months}"
    # Units whose registration or activity figures look padded this month are noted
    # (views/registration.py has the villages and the evidence).
    padded = query(
        padded_villages,
        filters.scope,
        scoring_day(filters.month, filters.as_of, query(data_span, filters.scope).last_day),
        filters.as_of,
    )
    noted = ranked.select("region_code").join(
        ranking_notes(padded, unit_level), on="region_code", how="left", maintain_order="left"
    )
    padding = noted.get_column("note").replace_strict({k: t(k) for k in NOTE_KEYS}, default=None)
    note = pl.col(HEADERS["note"][1 if english else 0])
    table = (
        table.with_columns(padding.alias("padded"))
        .with_columns(
            pl.when(note == "")
            .then(pl.col("padded"))
            .otherwise(pl.concat_str(note, pl.lit("；"), pl.col("padded")))
            .fill_null(note)
            .alias(note.meta.output_name())
        )
        .drop("padded")
    )
picked = data_table(
    table,
    t("ranking_heading"),
    drill_key(table_key, filters),
    on_select="rerun",
    selection_mode="single-row",
    height=TABLE_ROW_PX * (min(shown.height, 20) + 1) + 3,  # every street without scrolling
)
ranked_units = ranked.get_column("rank").is_not_null().sum()
if not daily_grain and ranked.height and ranked_units * 2 < ranked.height:
    st.info(t("ranking_thin", period=period_text, ranked=ranked_units, units=ranked.height))
st.caption(t("click_row_to_drill"))
rows = selected_rows(picked)
if rows:
    drill_down(shown.get_column("region_code")[rows[0]], unit_level)

st.subheader(t("better_worse_heading"))
period_name = t("ranking_one_month") if period_months == 1 else t("ranking_months", n=period_months)
st.caption(t("better_worse_caption", period=period_name))
# The last twelve periods; of many units, those that need a look most.
recent = ranked_all.filter(pl.col("period_start") >= shift_months(filters.month, -11))
if ranked.height > MOST_UNITS_CHARTED:
    worst = ranked.sort("three_rates_score", nulls_last=True).head(MOST_UNITS_CHARTED)
    recent = recent.filter(pl.col("region_code").is_in(worst.get_column("region_code").implode()))
    st.caption(t("too_many_units", units=ranked.height, shown=MOST_UNITS_CHARTED))
recent_stamp = t("stamp", scope=scope_name, first=recent.get_column("period").min(),
                 last=month_label, data_end=data_end)  # fmt: skip
st.plotly_chart(
    score_heatmap(recent, f"{scope_name} · {t('score_heatmap_title')}", recent_stamp, english),
    key="score_heatmap",
)
ever_ranked = recent.filter(pl.col("rank").is_not_null()).get_column("region_code").n_unique()
if ever_ranked >= 2:
    # The unit at the bottom of this period's ranking is highlighted first.
    ranked_now = ranked.filter(pl.col("rank").is_not_null()).sort("rank")
    units = dict(ranked.select("region_code", "name").iter_rows())
    lowest = ranked_now.get_column("region_code")[-1] if ranked_now.height else None
    codes = list(units)
    highlight = st.selectbox(
        t("rank_history_highlight"),
        codes,
        index=codes.index(lowest) if lowest in codes else 0,
        format_func=units.get,
        key=drill_key("rank_history_unit", filters),
    )
    st.plotly_chart(
        rank_history(recent, f"{scope_name} · {t('rank_history_title')}", recent_stamp,
                     english, highlight),
        key="rank_history",
    )  # fmt: skip
else:
    st.caption(t("rank_history_too_few"))

st.subheader(t("leads_heading"))
leads = query(lead_episodes, filters.scope, filters.as_of)
st.caption(t("leads_caption", as_of=data_end))
if leads.is_empty():
    st.success(t("no_leads"))
else:
    type_names = {k: (v[1] if english else v[0]) for k, v in LEAD_TYPES.items()}
    st.dataframe(
        leads.head(5).select(
            pl.col("name").alias(t("name")),
            pl.col("lead_type").replace_strict(type_names).alias(t("lead_type")),
            pl.col("score").round(3).alias(t("score")),
            pl.col(explanation_column()).alias(t("explanation")),
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

latest = query(status.latest_load, filters.area)
if latest:
    st.caption(
        f"**{t('freshness')}** · "
        + t("freshness_text", finished_at=f"{latest['finished_at']:%Y-%m-%d %H:%M}",
            data_end=data_end, quarantined=f"{latest['rows_quarantined']:,}")
    )  # fmt: skip
