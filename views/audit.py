"""审计日志: who did what, when and from where. Administrators read and export it; nobody
can change it from here."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from datastore import accounts
from datastore.access import ROLES
from ui.auth import audit_once, role_name
from ui.database import query
from ui.i18n import language, t
from ui.widgets import data_table

english = language() == "en"
st.title(t("audit"))
st.caption(t("audit_caption"))
audit_once("view_audit", "audit")

today = accounts.local_now().date()
left, middle, right = st.columns([2, 3, 2])
days = left.date_input(t("audit_days"), (today - dt.timedelta(days=30), today), max_value=today)
since, until = (days[0], days[-1]) if days else (None, None)
actions = middle.multiselect(
    t("audit_actions"),
    list(accounts.ACTIONS),
    format_func=lambda a: accounts.ACTIONS[a][1 if english else 0],
    placeholder=t("choose_options"),
)
actor = right.text_input(t("audit_actor")).strip() or None
scope = st.session_state["user"].jurisdiction
trail = query(accounts.audit_trail, scope, since, until, actions, actor)
entries = trail.rows
people = query(accounts.account_list, scope)

st.caption(t("audit_count", n=f"{trail.total:,}"))
if trail.cut:
    st.caption(t("list_cut_newest", shown=f"{entries.height:,}", total=f"{trail.total:,}"))
data_table(
    entries.select(
        pl.col("entry_id").alias(t("audit_entry")),
        pl.col("at").alias(t("audit_at")),
        pl.col("actor").alias(t("audit_actor")),
        pl.col("role")
        .replace_strict({r: role_name(r) for r in ROLES}, default=pl.col("role"))
        .alias(t("audit_role")),
        pl.col("action")
        .replace_strict({a: v[1 if english else 0] for a, v in accounts.ACTIONS.items()})
        .alias(t("audit_action")),
        pl.col("target").alias(t("audit_target")),
        pl.col("detail").alias(t("audit_detail")),
        pl.col("origin").alias(t("audit_origin")),
    ),
    f"{t('audit')}_{since}_{until}",
    "audit_entries",
)

st.subheader(t("accounts_heading"))
st.caption(t("accounts_caption"))
st.dataframe(
    people.select(
        pl.col("username").alias(t("username")),
        pl.col("name").alias(t("name")),
        pl.col("role").replace_strict({r: role_name(r) for r in ROLES}).alias(t("audit_role")),
        pl.col("region_code").alias(t("region_code")),
        pl.col("oidc_email").alias(t("oidc_email")),
        pl.col("active").cast(pl.Boolean).alias(t("active")),
        pl.col("locked_until").alias(t("locked_until")),
    ),
    hide_index=True,
    placeholder="—",
    width="stretch",
)
