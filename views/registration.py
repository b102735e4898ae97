"""注册与活跃: registration and activity by street and village, who needs a look, and whose
figures look padded (数据异常，待核实) with the evidence."""

from __future__ import annotations

import polars as pl
import streamlit as st

from charts import bars, hourly_activity
from datastore.activity import village_hours
from datastore.casework import STATUSES
from datastore.figures import region_metrics
from datastore.scoring import padded_villages
from metrics.attention import needing_attention, with_change
from models.indicators import REGISTRY
from models.indicators._padding import HOUR_BURST
from models.padding import NOTE_KEYS, ranking_notes, scoring_day
from schema.timing import day_after, month_bounds
from ui.database import query
from ui.filters import drill_down, drill_key, page_context, selected_code
from ui.i18n import language, t
from ui.widgets import data_table, metric_cards, metric_label

MAX_BARS = 40
EVIDENCE_SHOWN = 500

context = page_context()
filters, stamp = context.filters, context.stamp
english = language() == "en"
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

# Villages whose figures look padded this month: noted in the tables, shown below.
scored_on = scoring_day(filters.month, filters.as_of, context.span.last_day)
noted = query(padded_villages, filters.scope, scored_on, filters.as_of)


def _notes(level: str) -> pl.DataFrame:
    """Per unit: its note, with how many of its villages for a street."""
    text = pl.col("note").replace_strict({k: t(k) for k in NOTE_KEYS})
    if level == "street":
        text = pl.concat_str(text, pl.format(t("padding_note_villages", n="{}"), "villages"))
    return ranking_notes(noted, level).select("region_code", text.alias("padding_note"))


def _table(frame: pl.DataFrame, level: str) -> pl.DataFrame:
    padded = _notes(level)
    return frame.join(padded, on="region_code", how="left", maintain_order="left").select(
        pl.col("name").alias(t("name")),
        (pl.col("registration_rate") * 100)
        .round(2)
        .alias(metric_label("registration_rate") + " %"),
        (pl.col("registration_rate_change") * 100).round(2).alias(t("change_pp")),
        (pl.col("activity_rate") * 100).round(1).alias(metric_label("activity_rate") + " %"),
        (pl.col("activity_rate_change") * 100).round(1).alias(t("change_pp") + " "),
        pl.col("residents").alias(t("residents")),
        pl.col("padding_note").alias(t("note")),
    )


st.subheader(t("by_unit"))
data_table(
    _table(changed, unit_level), f"{context.scope_name}_{t('by_unit')}_{context.month}", "by_unit"
)
st.caption(t("padding_ranking_caption"))
st.subheader(t("attention_heading"))
villages = query(
    region_metrics, filters.scope, "village", "month", filters.previous_month, filters.month
)
attention = needing_attention(with_change(villages, filters.month, filters.previous_month, columns))
data_table(
    _table(attention, "village"),
    f"{context.scope_name}_{t('attention_heading')}_{context.month}",
    "attention",
)

st.subheader(t("padding_heading"))
if noted.is_empty():
    st.caption(t("padding_none", month=context.month, data_end=context.data_end))
    st.stop()
window = noted.row(0, named=True)
st.caption(
    t("padding_caption", first=f"{window['window_start']:%Y-%m-%d}",
      last=f"{window['window_end']:%Y-%m-%d}")
)  # fmt: skip
names = {k: (v.name_en if english else v.name_zh) for k, v in REGISTRY.items()}
statuses = {k: (v[1] if english else v[0]) for k, v in STATUSES.items()}
listed = noted.select(
    pl.col("name").alias(t("name")),
    pl.col("indicators")
    .list.eval(pl.element().struct.field("indicator").replace_strict(names))
    .list.join("；")
    .alias(t("indicators_fired")),
    pl.col("score").round(3).alias(t("score")),
    pl.col("status").replace_strict(statuses).alias(t("status")),
)
picked = data_table(
    listed,
    f"{context.scope_name}_{t('padding_heading')}_{context.month}",
    "padded",
    on_select="rerun",
    selection_mode="single-row",
)
rows = (picked.get("selection", {}) if isinstance(picked, dict) else picked.selection).get("rows")
village = noted.row(rows[0] if rows else 0, named=True)

st.markdown(f"**{village['name']}** · {t('padding_evidence_heading')}")
fired = pl.DataFrame(village["indicators"])
st.dataframe(
    fired.select(
        pl.col("indicator").replace_strict(names).alias(t("indicator")),
        (pl.col("value") * 100).round(1).alias(t("value") + " %"),
        (pl.col("threshold") * 100).round(1).alias(t("threshold") + " %"),
        (pl.col("peer_median") * 100).round(1).alias(t("peer_median") + " %"),
        pl.col("sample").alias(t("sample")),
    ),
    hide_index=True,
    placeholder="—",
    width="stretch",
)
for entry in village["evidence"]:
    records = entry["records"]
    table = REGISTRY[entry["indicator"]].evidence_table
    with st.expander(
        t("padding_records", indicator=names[entry["indicator"]], n=len(records), table=table)
    ):
        st.dataframe(
            pl.DataFrame({t("evidence"): records[:EVIDENCE_SHOWN]}),
            hide_index=True,
            width="stretch",
        )
        if len(records) > EVIDENCE_SHOWN:
            st.caption(t("padding_records_more", shown=EVIDENCE_SHOWN, n=len(records)))

start, end = month_bounds(filters.month)
cut = min(end, day_after(filters.as_of)) if filters.as_of else end
hours = query(village_hours, filters.scope, village["region_code"], start, cut, HOUR_BURST)
if hours.height:
    st.plotly_chart(
        hourly_activity(
            hours,
            t("padding_hours_title", name=village["name"], month=context.month),
            stamp,
            t("padding_burst_level"),
            t("residents"),
        ),
        key=f"padded_hours_{village['region_code']}",
    )
    st.caption(t("padding_hours_caption"))
st.page_link(
    "views/leads.py",
    label=t("padding_open_lead", name=village["name"]),
    icon=":material/flag:",
    query_params={"lead": village["lead_id"], "as_of": f"{village['window_end']:%Y-%m-%d}"},
)
