"""注册与活跃: registration and activity by street and village, and who needs a look."""

from __future__ import annotations

import polars as pl
import streamlit as st

from charts import bars
from datastore.figures import region_metrics
from metrics.attention import needing_attention, with_change
from ui.database import query
from ui.filters import drill_down, drill_key, page_context, selected_code
from ui.i18n import t
from ui.widgets import data_table, metric_cards, metric_label

MAX_BARS = 40

context = page_context()
filters, stamp = context.filters, context.stamp
st.title(t("registration_title", scope=context.scope_name, month=context.month))
st.caption(t("registration_caption"))
columns = ["registration_rate", "activity_rate"]
metric_cards(context.figures, columns)

unit_level = "village" if filters.street else "street"
units = query(
    region_metrics, filters.scope, unit_level, "month", filters.previous_month, filters.month
)
changed = with_change(units, filters.month, filters.previous_month, columns)
# A bar per unit reads well up to a few dozen; beyond (a city or province) the chart
# shows the least active, the table below has them all.
charted = changed
if changed.height > MAX_BARS:
    charted = changed.sort("activity_rate", nulls_last=True).head(MAX_BARS)
clicked = st.plotly_chart(
    bars(
        charted.get_column("name").to_list(),
        [round(v * 100, 1) if v is not None else None for v in charted.get_column("activity_rate")],
        t("activity_by_unit") + " (%)",
        stamp,
        codes=charted.get_column("region_code").to_list(),
    ),
    key=drill_key("activity_by_unit", filters),
    on_select="rerun",
    selection_mode="points",
)
if charted.height < changed.height:
    st.caption(t("least_active_shown", shown=charted.height, total=changed.height))
st.caption(t("click_to_drill"))
drill_down(selected_code(clicked), unit_level)


def _table(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("name").alias(t("name")),
        (pl.col("registration_rate") * 100)
        .round(2)
        .alias(metric_label("registration_rate") + " %"),
        (pl.col("registration_rate_change") * 100).round(2).alias(t("change_pp")),
        (pl.col("activity_rate") * 100).round(1).alias(metric_label("activity_rate") + " %"),
        (pl.col("activity_rate_change") * 100).round(1).alias(t("change_pp") + " "),
        pl.col("residents").alias(t("residents")),
    )


st.subheader(t("by_unit"))
data_table(_table(changed), f"{context.scope_name}_{t('by_unit')}_{context.month}", "by_unit")
st.subheader(t("attention_heading"))
villages = query(
    region_metrics, filters.scope, "village", "month", filters.previous_month, filters.month
)
attention = needing_attention(with_change(villages, filters.month, filters.previous_month, columns))
data_table(
    _table(attention), f"{context.scope_name}_{t('attention_heading')}_{context.month}", "attention"
)
