"""村社区画像 (`?village=CODE`): one village against its street and the district, its
records and its leads."""

from __future__ import annotations

import polars as pl
import streamlit as st

from charts import episode_timeline, trend_panels
from datastore import casework, dispositions, records
from datastore.figures import region_metrics
from datastore.figures import span as data_span
from datastore.scope import Scope
from datastore.scoring import lead_episodes
from metrics.glossary import METRICS, MIN_SAMPLE, TARGETS, format_value
from models.indicators import LEAD_TYPES
from ui.auth import audit_once, refuse, unmask_toggle
from ui.database import query
from ui.filters import data_end_label, filters_or_stop
from ui.i18n import explanation_column, language, t, topic_column
from ui.widgets import data_table, record_table

filters = filters_or_stop()
english = language() == "en"
choices = query(records.villages, filters.area)
codes = choices.get_column("region_code").to_list()
names = dict(choices.select("region_code", "name").iter_rows())
wanted = st.query_params.get("village")
if wanted and wanted not in codes:
    if query(records.village, st.session_state["user"].jurisdiction, wanted) is None:
        refuse(f"village:{wanted}")
    st.error(t("not_in_scope"))
    st.stop()
code = st.selectbox(
    t("choose_village"), codes, index=codes.index(wanted) if wanted else 0, format_func=names.get
)
st.query_params["village"] = code
place = query(records.village, filters.area, code)
if place is None:
    refuse(f"village:{code}")

st.title(f"{place['name']} · {t('village_profile')}")
st.caption(
    t("profile_caption", street=place["street_name"], district=place["district_name"],
      households=f"{place['households'] or 0:,}", population=f"{place['population'] or 0:,}")
)  # fmt: skip

unmask = unmask_toggle(f"village:{code}")
record_id = st.query_params.get("record")  # a lead's evidence opens its record here
if record_id:
    st.subheader(f"{t('evidence_heading')} · {record_id}")
    shown = query(dispositions.evidence_record, filters.area, code, record_id, unmask)
    if shown.is_empty():
        st.warning(t("evidence_not_found", id=record_id))
    else:
        st.dataframe(
            record_table(shown, "feedback" if "feedback_id" in shown.columns else "disclosures"),
            hide_index=True,
            placeholder="—",
            width="stretch",
            key="evidence_record",
        )

month = f"{filters.month:%Y-%m}"
st.subheader(t("comparison_heading", month=month))
# Units above the user's own jurisdiction are left out: a street inspector sees the
# village against the street, not against the rest of the district.
user = st.session_state["user"]
levels = [
    (label, Scope(region), level)
    for label, region, level in (
        ("village_col", code, "village"),
        ("street_col", place["street_code"], "street"),
        ("district_col", place["district_code"], "district"),
    )
    if user.region_code in (None, place["district_code"])
    or (level != "district" and user.region_code == place["street_code"])
]
shown_metrics = [*TARGETS, "feedback", "backlog", "overdue", "median_reply_hours"]
rows = {}
for label, scope, level in levels:
    frame = query(region_metrics, scope, level, "month", filters.month, filters.month)
    rows[t(label)] = frame.row(0, named=True) if frame.height else {}

comparison = pl.DataFrame(
    {
        t("metric"): [METRICS[m].en if english else METRICS[m].zh for m in shown_metrics],
        **{col: [format_value(m, row.get(m)) for m in shown_metrics] for col, row in rows.items()},
    }
)
st.dataframe(comparison, hide_index=True, placeholder="—", width="stretch")

history = query(region_metrics, Scope(code), "village", "month", None, None)
data_end = data_end_label(query(data_span, filters.area), filters.as_of)
panels = {m: METRICS[m].en if english else METRICS[m].zh for m in [*TARGETS, "feedback"]}
first, last = history.get_column("period").min(), history.get_column("period").max()
stamp = t("stamp", scope=place["name"], first=first, last=last, data_end=data_end)
figure = trend_panels(history, panels, f"{place['name']} · {t('trend_title')}", stamp,
                      english=english, targets=TARGETS, min_sample=MIN_SAMPLE)  # fmt: skip
st.plotly_chart(figure, key="village_trends")
st.caption(t("village_trend_caption", min_sample=MIN_SAMPLE))

st.subheader(t("village_leads"))
episodes = query(lead_episodes, Scope(code), filters.as_of)
type_names = {k: v[1 if english else 0] for k, v in LEAD_TYPES.items()}
if episodes.is_empty():
    st.success(t("no_leads"))
else:
    span = query(data_span, filters.area)
    scored_to = filters.as_of or span.last_day
    timeline = episode_timeline(
        episodes,
        type_names,
        span.first_day.replace(day=1),
        scored_to.replace(day=1),
        f"{place['name']} · {t('episodes_timeline')}",
        t("stamp", scope=place["name"], first=f"{span.first_day:%Y-%m}",
          last=f"{scored_to:%Y-%m}", data_end=data_end),
    )  # fmt: skip
    st.plotly_chart(timeline, key="village_episodes")
for lead in episodes.iter_rows(named=True):
    state = t("episode_ongoing") if lead["ongoing"] else t("episode_ended")
    st.markdown(
        f"**{type_names[lead['lead_type']]} · {lead['months'][0]} – {lead['months'][-1]}"
        f"（{state}）· {t('peak_score')} {lead['score']:.3f}** — {lead[explanation_column()]}"
    )
    audit_once("view_lead", lead["lead_id"], lead["name"])
    st.page_link(
        "views/leads.py",
        label=t("open_lead"),
        icon=":material/flag:",
        query_params={"lead": lead["lead_id"]},
    )
history = query(dispositions.village_history, filters.area, code)
if history.height:
    st.markdown(f"**{t('lead_history')}**")
    status_names = {k: v[1 if english else 0] for k, v in casework.STATUSES.items()}
    st.dataframe(
        history.select(
            pl.col("recorded_at").alias(t("recorded_at")),
            pl.col("lead_type").replace_strict(type_names, default=None).alias(t("lead_type")),
            pl.format("{} – {}", "window_start", "window_end").alias(t("window")),
            pl.col("status").replace_strict(status_names, default=None).alias(t("status")),
            pl.col("note").alias(t("note_field")),
            pl.col("actor").alias(t("actor")),
        ),
        hide_index=True,
        placeholder="—",
        width="stretch",
    )

item_names = query(records.catalogue, filters.area).select(
    "item_code", "name_en" if english else "name_zh"
)
items = dict(item_names.iter_rows())
messages = query(records.message_texts, filters.area, code, unmask)
message_rows = messages.rows.with_columns(
    pl.col("reply_hours", "close_hours").round(1), topic_column()
)
disclosures = query(records.disclosures, filters.area, code)
disclosure_rows = disclosures.rows.with_columns(
    pl.col("item_code").replace_strict(items, default=pl.col("item_code"))
)
st.subheader(t("messages_heading"))
if messages.cut:
    st.caption(t("list_cut_newest", shown=f"{messages.rows.height:,}", total=f"{messages.total:,}"))
data_table(
    record_table(
        message_rows, "feedback", {"reply_hours": t("reply_hours"), "close_hours": t("close_hours")}
    ),
    f"{place['name']}_{t('messages_heading')}",
    "village_messages",
    height=300,
)
st.subheader(t("disclosures_heading"))
if disclosures.cut:
    st.caption(
        t("list_cut_newest", shown=f"{disclosures.rows.height:,}", total=f"{disclosures.total:,}")
    )
data_table(
    record_table(disclosure_rows, "disclosures").rename(
        {("Item code" if english else "事项编码"): t("item_name")}
    ),
    f"{place['name']}_{t('disclosures_heading')}",
    "village_disclosures",
    height=300,
)
