"""问题线索: leads ranked and filtered, why each was raised, and the inspector's record."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from datastore import dispositions
from models import casework
from models.indicators import LEAD_TYPES, REGISTRY
from models.service import current_leads
from ui.auth import audit, audit_once, refuse
from ui.database import query
from ui.filters import filters_or_stop, selected_rows
from ui.i18n import language, t
from ui.widgets import download, excel_bytes

filters = filters_or_stop()
english = language() == "en"
type_names = {k: (v[1] if english else v[0]) for k, v in LEAD_TYPES.items()}
status_names = {k: (v[1] if english else v[0]) for k, v in casework.STATUSES.items()}

st.title(t("leads"))
leads = query(current_leads, filters.scope, filters.as_of)
if leads.is_empty():
    st.success(t("no_leads"))
    st.stop()
as_of = f"{leads.get_column('window_end')[0]:%Y-%m-%d}"
st.caption(t("leads_caption", as_of=as_of))

recorded = query(dispositions.current, filters.scope, leads)
leads = leads.join(recorded, on="lead_id", how="left")

left, middle, right = st.columns(3)
chosen_types = left.multiselect(t("filter_type"), list(LEAD_TYPES), format_func=type_names.get)
chosen_status = middle.multiselect(
    t("filter_status"), list(casework.STATUSES), format_func=status_names.get
)
min_score = right.slider(t("min_score"), 0.0, 1.0, 0.0, 0.05)
shown = leads.filter(pl.col("score") >= min_score)
if chosen_types:
    shown = shown.filter(pl.col("lead_type").is_in(chosen_types))
if chosen_status:
    shown = shown.filter(pl.col("status").is_in(chosen_status))
st.caption(t("leads_count", n=shown.height))

table = shown.select(
    pl.col("name").alias(t("name")),
    pl.col("lead_type").replace_strict(type_names).alias(t("lead_type")),
    pl.col("score").round(3).alias(t("score")),
    pl.format("{} – {}", "window_start", "window_end").alias(t("window")),
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
ledger = shown.drop("evidence")
download(
    t("download_ledger"),
    lambda: excel_bytes(ledger, "问题线索台账"),
    f"问题线索台账_{as_of}.xlsx",
    "ledger",
    f"{ledger.height:,} leads",
)

selected = selected_rows(event)
wanted = st.query_params.get("lead")
ids = shown.get_column("lead_id").to_list()
if selected:
    lead = shown.row(selected[0], named=True)
elif wanted in ids:
    lead = shown.row(ids.index(wanted), named=True)
elif wanted:
    jurisdiction = st.session_state["user"].jurisdiction
    mine = query(current_leads, jurisdiction, filters.as_of).get_column("lead_id")
    if wanted not in mine.to_list():
        refuse(f"lead:{wanted}")
    st.warning(t("lead_not_shown"))
    lead = None
else:
    lead = shown.row(0, named=True) if shown.height else None
if lead is not None:
    st.query_params["lead"] = lead["lead_id"]
    audit_once("view_lead", lead["lead_id"], lead["name"])
    st.subheader(
        f"{lead['name']} · {type_names[lead['lead_type']]} · {t('score')} {lead['score']:.3f}"
    )
    st.markdown(f"**{t('explanation')}**：{lead['explanation']}")
    st.page_link(
        "views/village.py",
        label=f"{t('village_profile')}：{lead['name']}",
        icon=":material/home_work:",
        query_params={"village": lead["region_code"]},
    )
    fired = pl.DataFrame(json.loads(lead["indicators"]))
    if fired.height:
        names = {k: (v.name_en if english else v.name_zh) for k, v in REGISTRY.items()}
        st.markdown(f"**{t('indicators_fired')}**")
        st.dataframe(
            fired.select(
                pl.col("indicator").replace_strict(names).alias(t("indicator")),
                pl.col("value").round(3).alias(t("value")),
                pl.col("threshold").round(3).alias(t("threshold")),
                pl.col("peer_median").round(3).alias(t("peer_median")),
                pl.col("sample").alias(t("sample")),
            ),
            hide_index=True,
            placeholder="—",
            width="stretch",
        )
    evidence = json.loads(lead["evidence"])
    with st.expander(t("evidence")):
        for indicator, ids in evidence.items():
            st.markdown(
                f"- {REGISTRY[indicator].name_zh}（{REGISTRY[indicator].evidence_table}）："
                + "、".join(ids[:50])
            )

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
                    st.error(str(exc))
                else:
                    audit("disposition", lead["lead_id"], f"{status_choice}: {note}")
                    st.success(t("saved"))
