"""群众留言: how fast messages are answered and cleared, what is open, what residents raise."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from datastore import records, status
from metrics import messages
from metrics.glossary import METRICS, format_value
from metrics.marts import AGE_BUCKETS
from metrics.query import region_metrics
from ui.charts import bars, histogram
from ui.database import query
from ui.filters import sidebar
from ui.i18n import language, t

filters = sidebar()
if filters is None:
    st.info(t("no_period_data"))
    st.stop()
english = language() == "en"
span = query(status.data_span)
data_end = f"{span[1]:%Y-%m-%d}" if span[1] else "—"
month = f"{filters.month:%Y-%m}"
figures = query(region_metrics, filters.scope, filters.level, "month", filters.month, filters.month)
row = figures.row(0, named=True) if figures.height else {}
scope_name = row.get("name", "—")
st.title(t("messages_title", scope=scope_name, month=month))
st.caption(t("messages_caption", month=month, data_end=data_end))


def _label(metric: str) -> str:
    return METRICS[metric].en if english else METRICS[metric].zh


def _help(metric: str) -> str:
    return METRICS[metric].definition_en if english else METRICS[metric].definition_zh


shown = ("feedback", "same_day_reply_rate", "closed_7d_rate", "median_reply_hours",
         "satisfaction_rate", "backlog", "overdue")  # fmt: skip
for column, metric in zip(st.columns(len(shown)), shown, strict=True):
    column.metric(_label(metric), format_value(metric, row.get(metric)), help=_help(metric))

all_messages = query(records.messages, filters.scope)
in_month = messages.submitted_in(all_messages, filters.month)
stamp = f"{scope_name} · {month} · {data_end}"
left, right = st.columns(2)
left.plotly_chart(
    histogram(
        in_month.get_column("reply_hours").drop_nulls().to_list(),
        t("reply_distribution"),
        stamp,
        24,
    ),
    key="reply_hours",
)
right.plotly_chart(
    histogram(
        in_month.get_column("close_hours").drop_nulls().to_list(),
        t("close_distribution"),
        stamp,
        168,
    ),
    key="close_hours",
)
left, right = st.columns(2)
buckets = [name for name, _, _ in AGE_BUCKETS]
left.plotly_chart(
    bars(
        [_label(b) for b in buckets], [row.get(b, 0) for b in buckets], t("backlog_by_age"), stamp
    ),
    key="backlog",
)
topics = messages.by_topic(in_month)
right.markdown(f"**{t('topics_heading')}**")
right.dataframe(
    topics.select(
        pl.col("topic").alias(t("topic")),
        pl.col("messages").alias(t("count")),
        pl.col("dissatisfied").alias(t("dissatisfied")),
    ),
    hide_index=True,
    width="stretch",
)

st.subheader(t("overdue_heading"))
as_of = span[1] + dt.timedelta(microseconds=1) if span[1] else dt.datetime.now()
late = messages.overdue(all_messages, as_of)
names = dict(query(records.villages, filters.scope).select("region_code", "name").iter_rows())
st.dataframe(
    late.select(
        pl.col("region_code").replace_strict(names, default=None).alias(t("village")),
        pl.col("feedback_id"),
        pl.col("submitted_at").alias(t("submitted_at")),
        pl.col("topic").alias(t("topic")),
        pl.col("age_days").alias(t("age_days")),
    ),
    hide_index=True,
    width="stretch",
)
