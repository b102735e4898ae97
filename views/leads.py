"""问题线索: lead episodes within a period, ongoing first, why each was raised, and the
inspector's record."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from datastore import casework, dispositions
from datastore.figures import region_metrics
from datastore.figures import span as data_span
from datastore.scoring import lead_episodes
from models.indicators import LEAD_TYPES
from schema.timing import month_end
from ui import casework as case
from ui.auth import audit, audit_once, refuse
from ui.database import query
from ui.filters import filters_or_stop, scope_label, selected_rows
from ui.i18n import explanation_column, language, t

filters = filters_or_stop()
english = language() == "en"
type_names = {k: (v[1] if english else v[0]) for k, v in LEAD_TYPES.items()}
status_names = {k: (v[1] if english else v[0]) for k, v in casework.STATUSES.items()}

st.title(t("leads"))
case.show_flash()
span = query(data_span, filters.scope)
months = pl.date_range(span.first_day.replace(day=1), span.last_day, "1mo", eager=True)
labels = [f"{m:%Y-%m}" for m in months]
first = st.query_params.get("since")
last = st.query_params.get("until")
first, last = first if first in labels else labels[0], last if last in labels else labels[-1]
if len(labels) > 1:
    first, last = st.select_slider(t("leads_period"), labels, value=(first, last))
for name, value, default in (("since", first, labels[0]), ("until", last, labels[-1])):
    if value == default:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value
since = months[labels.index(first)]
until = month_end(months[labels.index(last)])
leads = query(lead_episodes, filters.scope, filters.as_of, since, until)
wanted = st.query_params.get("lead")
if wanted and wanted not in leads.get_column("lead_id").to_list():
    jurisdiction = st.session_state["user"].jurisdiction
    mine = query(lead_episodes, jurisdiction, filters.as_of).get_column("lead_id")
    if wanted not in mine.to_list():
        refuse(f"lead:{wanted}")
if leads.is_empty():
    st.success(t("no_leads"))
    st.stop()
scored_to = f"{filters.as_of or span.last_day:%Y-%m-%d}"
st.caption(t("episodes_caption", first=first, last=last, as_of=scored_to))

recorded = query(dispositions.current, filters.scope, leads)
leads = leads.join(recorded, on="lead_id", how="left")

left, middle, right = st.columns(3)
chosen_types = left.multiselect(
    t("filter_type"),
    list(LEAD_TYPES),
    format_func=type_names.get,
    placeholder=t("choose_options"),
)
chosen_status = middle.multiselect(
    t("filter_status"),
    list(casework.STATUSES),
    format_func=status_names.get,
    placeholder=t("choose_options"),
)
min_score = right.slider(t("min_score"), 0.0, 1.0, 0.0, 0.05)
shown = leads.filter(pl.col("score") >= min_score)
if chosen_types:
    shown = shown.filter(pl.col("lead_type").is_in(chosen_types))
if chosen_status:
    shown = shown.filter(pl.col("status").is_in(chosen_status))
ongoing = shown.get_column("ongoing").sum()
st.caption(t("episodes_count", n=shown.height, ongoing=ongoing))

table = shown.select(
    pl.col("name").alias(t("name")),
    pl.col("lead_type").replace_strict(type_names).alias(t("lead_type")),
    pl.when(pl.col("ongoing"))
    .then(pl.lit(t("episode_ongoing")))
    .otherwise(pl.lit(t("episode_ended")))
    .alias(t("episode_state")),
    pl.format("{} – {}", pl.col("months").list.first(), pl.col("months").list.last()).alias(
        t("episode_months")
    ),
    pl.col("months").list.len().alias(t("episode_length")),
    pl.col("score").round(3).alias(t("peak_score")),
    pl.col("status").replace_strict(status_names).alias(t("status")),
)
event = st.dataframe(
    table,
    hide_index=True,
    placeholder="—",
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="lead_table",
)
selected = selected_rows(event)
ids = shown.get_column("lead_id").to_list()
if selected:
    lead = shown.row(selected[0], named=True)
elif wanted in ids:
    lead = shown.row(ids.index(wanted), named=True)
elif wanted:  # within the jurisdiction (checked above), but not shown here
    st.warning(t("lead_not_shown"))
    lead = None
else:
    lead = shown.row(0, named=True) if shown.height else None
if lead is not None:
    st.query_params["lead"] = lead["lead_id"]
    audit_once("view_lead", lead["lead_id"], lead["name"])
    st.subheader(
        f"{lead['name']} · {type_names[lead['lead_type']]} · {t('peak_score')} {lead['score']:.3f}"
    )
    state = t("episode_ongoing") if lead["ongoing"] else t("episode_ended")
    st.caption(
        t("episode_detail", months="、".join(lead["months"]), state=state,
          peak=f"{lead['peak_window_start']:%Y-%m-%d} – {lead['peak_window_end']:%Y-%m-%d}")
    )  # fmt: skip
    st.markdown(f"**{t('explanation')}**：{lead[explanation_column()]}")
    st.page_link(
        "views/village.py",
        label=f"{t('village_profile')}：{lead['name']}",
        icon=":material/home_work:",
        query_params={"village": lead["region_code"]},
    )
    fired = pl.DataFrame(
        json.loads(lead["indicators"]),
        schema={"indicator": pl.String, "value": pl.Float64, "threshold": pl.Float64,
                "peer_median": pl.Float64, "sample": pl.Int64},
    )  # fmt: skip
    if fired.height:
        st.markdown(f"**{t('indicators_fired')}**")
        st.dataframe(
            case.indicators_table(filters.scope, fired),
            hide_index=True,
            placeholder="—",
            width="stretch",
        )
        st.caption(t("confirmation_caption"))
    case.evidence_section(filters.scope, lead)
    case.history_section(filters.scope, lead)

    user = st.session_state["user"]
    st.markdown(f"**{t('disposition')}**")
    if not user.can("record"):
        st.caption(t("disposition_read_only", status=status_names[lead["status"]]))
    else:
        with st.form(f"disposition_{lead['lead_id']}"):
            status_choice = st.selectbox(
                t("status"),
                list(casework.STATUSES),
                index=list(casework.STATUSES).index(lead["status"]),
                format_func=status_names.get,
            )
            note = st.text_area(t("note_field"))
            st.caption(t("recorded_by", name=user.name))
            if st.form_submit_button(t("save")):
                actor = f"{user.name} ({user.username})"
                try:
                    query(dispositions.record, filters.scope, lead, status_choice, note, actor)
                except ValueError as exc:
                    st.error(case.refused(exc))
                else:
                    audit("disposition", lead["lead_id"], f"{status_choice}: {note}")
                    case.flash(t("saved"))  # the list and the lead read anew
    case.rectification_section(filters.scope, lead)

case.follow_up_section(filters.scope, "leads")
named = query(region_metrics, filters.scope, filters.level, "month", filters.month, filters.month)
scope_name = scope_label(named.get_column("name")[0] if named.height else "—", filters.kind)
case.ledger_downloads(filters.scope, scope_name, since, until)
