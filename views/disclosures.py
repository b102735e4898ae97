"""三务公开: completeness of the catalogue, lateness, category mix, one village's calendar."""

from __future__ import annotations

import polars as pl
import streamlit as st

from charts import bars, heatmap, histogram
from datastore import records, status
from datastore.figures import disclosure_calendar, disclosure_completeness, disclosure_lateness
from ui.database import query
from ui.filters import page_context
from ui.i18n import language, t
from ui.widgets import metric_cards, metric_label

context = page_context()
filters, row, stamp = context.filters, context.figures, context.stamp
english = language() == "en"
st.title(t("disclosures_title", scope=context.scope_name, month=context.month))

shown = (
    "disclosures_party",
    "disclosures_village",
    "disclosures_finance",
    "on_time_rate",
    "completeness",
)
metric_cards(row, shown)

catalogue = query(records.catalogue, filters.scope)
villages = query(records.villages, filters.scope)
unit = "region_code" if filters.street else "street_code"
by_item = query(disclosure_completeness, filters.scope, filters.month, unit)
if by_item.is_empty():
    st.info(t("no_due_items"))
else:
    names = dict(villages.select("region_code", "name").iter_rows())
    _, streets, _, _ = query(status.months_and_streets, filters.area)
    row_labels = names if filters.street else streets
    rows = {code: row_labels.get(code, code) for code in by_item.get_column("unit").unique().sort()}
    items = catalogue.filter(pl.col("item_code").is_in(by_item.get_column("item_code").implode()))
    columns = {
        r["item_code"]: f"{r['item_code']} {r['name_en' if english else 'name_zh']}"
        for r in items.iter_rows(named=True)
    }
    st.plotly_chart(
        heatmap(by_item, rows, columns, t("completeness_heatmap"), stamp), key="heatmap"
    )

left, right = st.columns(2)
late = query(disclosure_lateness, filters.scope, filters.month)
left.plotly_chart(
    histogram(late.get_column("days_late").to_list(), t("lateness_heading"), stamp, 0),
    key="lateness",
)
mix = [metric_label(m) for m in shown[:3]]
right.plotly_chart(
    bars(mix, [row.get(m, 0) for m in shown[:3]], t("category_mix"), stamp), key="mix"
)

st.subheader(t("calendar_heading"))
codes = villages.get_column("region_code").to_list()
chosen = st.selectbox(
    t("choose_village"),
    codes,
    format_func=dict(villages.select("region_code", "name").iter_rows()).get,
)
entries = query(disclosure_calendar, filters.scope, chosen)
item_names = dict(catalogue.select("item_code", "name_en" if english else "name_zh").iter_rows())
st.dataframe(
    entries.select(
        pl.col("item_code").replace_strict(item_names, default=None).alias(t("item")),
        pl.format("{} – {}", "period_start", "period_end").alias(t("window")),
        pl.col("due").alias(t("due_date")),
        pl.col("published_at").alias(t("published_date")),
        pl.col("days_late").alias(t("days_late")),
    ),
    hide_index=True,
    placeholder="—",
    width="stretch",
)
