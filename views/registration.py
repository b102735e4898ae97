"""注册与活跃: registration and activity by street and village, and who needs a look."""

from __future__ import annotations

import polars as pl
import streamlit as st

from datastore import status
from metrics.attention import needing_attention, with_change
from metrics.glossary import METRICS
from metrics.query import region_metrics
from ui.charts import bars
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
top = query(region_metrics, filters.scope, filters.level, "month", filters.month, filters.month)
scope_name = top.get_column("name")[0] if top.height else "—"
st.title(t("registration_title", scope=scope_name, month=month))
st.caption(t("registration_caption"))


def _label(metric: str) -> str:
    return METRICS[metric].en if english else METRICS[metric].zh


columns = ["registration_rate", "activity_rate"]
for column, metric in zip(st.columns(2), columns, strict=True):
    value = top.get_column(metric)[0] if top.height else None
    label = _label(metric)
    help_text = METRICS[metric].definition_en if english else METRICS[metric].definition_zh
    column.metric(label, "—" if value is None else f"{value:.1%}", help=help_text)

unit_level = "village" if filters.street else "street"
units = query(
    region_metrics, filters.scope, unit_level, "month", filters.previous_month, filters.month
)
changed = with_change(units, filters.month, filters.previous_month, columns)
stamp = f"{scope_name} · {month} · {data_end}"
st.plotly_chart(
    bars(
        changed.get_column("name").to_list(),
        [round(v * 100, 1) if v is not None else None for v in changed.get_column("activity_rate")],
        t("activity_by_unit") + " (%)",
        stamp,
    ),
    key="activity_by_unit",
)


def _table(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("name").alias(t("name")),
        (pl.col("registration_rate") * 100).round(2).alias(_label("registration_rate") + " %"),
        (pl.col("registration_rate_change") * 100).round(2).alias(t("change_pp")),
        (pl.col("activity_rate") * 100).round(1).alias(_label("activity_rate") + " %"),
        (pl.col("activity_rate_change") * 100).round(1).alias(t("change_pp") + " "),
        pl.col("residents").alias(t("residents")),
    )


st.subheader(t("by_unit"))
st.dataframe(_table(changed), hide_index=True, width="stretch")
st.subheader(t("attention_heading"))
villages = query(
    region_metrics, filters.scope, "village", "month", filters.previous_month, filters.month
)
attention = needing_attention(with_change(villages, filters.month, filters.previous_month, columns))
st.dataframe(_table(attention), hide_index=True, width="stretch")
