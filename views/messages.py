"""群众留言: how fast messages are answered and cleared, what is open, what residents raise."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from charts import bars, histogram
from datastore import records
from metrics import messages
from metrics.marts import AGE_BUCKETS
from ui.database import query
from ui.filters import page_context
from ui.i18n import t, topic_column
from ui.widgets import data_table, metric_cards, metric_label

context = page_context()
filters, row, stamp = context.filters, context.figures, context.stamp
scope_name, month = context.scope_name, context.month
st.title(t("messages_title", scope=scope_name, month=month))
st.caption(t("messages_caption", month=month, data_end=context.data_end))
shown = ("feedback", "same_day_reply_rate", "closed_7d_rate", "median_reply_hours",
         "satisfaction_rate", "backlog", "overdue")  # fmt: skip
metric_cards(row, shown)

in_month = query(records.month_messages, filters.scope, filters.month)
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
        [metric_label(b) for b in buckets],
        [row.get(b, 0) for b in buckets],
        t("backlog_by_age"),
        stamp,
    ),
    key="backlog",
)
topics = messages.by_topic(in_month)
right.markdown(f"**{t('topics_heading')}**")
right.dataframe(
    topics.select(
        topic_column().alias(t("topic")),
        pl.col("messages").alias(t("count")),
        pl.col("dissatisfied").alias(t("dissatisfied")),
    ),
    hide_index=True,
    placeholder="—",
    width="stretch",
)

st.subheader(t("overdue_heading"))
# The overdue list at the end of the data, as the month-end figures count it.
if filters.as_of:
    as_of = dt.datetime.combine(filters.as_of + dt.timedelta(days=1), dt.time())
else:
    as_of = context.span.as_of_cap if context.span else dt.datetime.now()
late = query(records.overdue_messages, filters.scope, as_of)
names = dict(query(records.villages, filters.scope).select("region_code", "name").iter_rows())
if late.cut:
    st.caption(t("list_cut_oldest", shown=f"{late.rows.height:,}", total=f"{late.total:,}"))
data_table(
    late.rows.select(
        pl.col("region_code").replace_strict(names, default=None).alias(t("village")),
        pl.col("feedback_id").alias(t("feedback_id")),
        pl.col("submitted_at").alias(t("submitted_at")),
        topic_column().alias(t("topic")),
        pl.col("age_days").alias(t("age_days")),
    ),
    f"{scope_name}_{t('overdue_heading')}_{context.data_end}",
    "overdue",
)
