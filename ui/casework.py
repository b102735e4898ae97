"""The casework parts of the pages: a lead's case file (history, evidence, confirmation
rates), its rectification items with their data re-check and forms, the follow-up lists
(督办), the casework summary by street and the two ledgers. Everything read goes through
the one door with the page's scope; every change is audited."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from datastore import casework, dispositions, rectifications
from datastore.scoring import settings_in_force
from models.indicators import LEAD_TYPES, REGISTRY
from models.recheck import MODEL, VERDICTS, indicator_name
from reports import ledgers
from schema.timing import local_now
from ui.auth import audit
from ui.database import query
from ui.i18n import language, t
from ui.widgets import download

FLASH = "casework_flash"


def today() -> dt.date:
    """Deadlines are days of the calendar: judged on Beijing's today, not the data's."""
    return local_now().date()


def _english() -> bool:
    return language() == "en"


def _names(table: dict) -> dict:
    return {k: v[1] if _english() else v[0] for k, v in table.items()}


def _indicator_names() -> dict[str, str]:
    """Names of the indicators, and of the anomaly model as a re-check names it."""
    return {i: indicator_name(i, _english()) for i in [*REGISTRY, MODEL]}


def refused(exc: ValueError) -> str:
    """What the page says of a record the data layer refused, in the page's language."""
    if not isinstance(exc, casework.Refusal):
        return str(exc)
    params = dict(exc.params)
    if "field" in params:
        params["field"] = t(params["field"])
    if "state" in params:
        params["state"] = _names(casework.RECTIFICATION_STATES)[params["state"]]
    if "kind" in params:
        params["kind"] = t(f"rect_event_{params['kind']}")
    return t(exc.key, **params)


def flash(message: str) -> None:
    """Show `message` after the rerun that follows a change (lists read it anew)."""
    st.session_state[FLASH] = message
    st.rerun()


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message)


def indicators_table(scope, fired: pl.DataFrame) -> pl.DataFrame:
    """The lead's indicators with how often leads holding them were confirmed."""
    rates = query(dispositions.confirmation_rates, scope)
    joined = fired.join(rates, on="indicator", how="left")
    return joined.select(
        pl.col("indicator").replace_strict(_indicator_names()).alias(t("indicator")),
        pl.col("value").round(3).alias(t("value")),
        pl.col("threshold").round(3).alias(t("threshold")),
        pl.col("peer_median").round(3).alias(t("peer_median")),
        pl.col("sample").alias(t("sample")),
        pl.col("checked").fill_null(0).alias(t("confirmed_checked")),
        pl.col("confirmed").fill_null(0).alias(t("confirmed_count")),
        (pl.col("rate") * 100).round(0).alias(t("confirmed_rate") + " %"),
    )


def evidence_section(scope, lead: dict) -> None:
    records = query(dispositions.evidence, scope, lead["region_code"], lead["evidence"])
    kinds = {k: t(f"evidence_kind_{k}") for k in ("feedback", "disclosure", "missing")}
    link = pl.format("/village?village={}&record={}", pl.lit(lead["region_code"]), "record_id")
    table = records.select(
        pl.col("indicator")
        .replace_strict(_indicator_names(), default=None)
        .alias(t("evidence_indicator")),
        pl.col("kind").replace_strict(kinds).alias(t("evidence_kind")),
        pl.col("record_id").alias(t("evidence_id")),
        pl.col("happened_at").alias(t("evidence_at")),
        pl.col("title").alias(t("evidence_title")),
        pl.col("period").alias(t("evidence_period")),
        pl.col("content").alias(t("evidence_content")),
        pl.col("amount").alias(t("evidence_amount")),
        pl.col("answered_at").alias(t("evidence_answered")),
        pl.col("closed_at").alias(t("evidence_closed")),
        pl.when(pl.col("kind") != "missing")
        .then(link)
        .otherwise(pl.format("/village?village={}", pl.lit(lead["region_code"])))
        .alias(t("evidence_link")),
    )
    with st.expander(f"{t('evidence')}（{records.height}）", expanded=True):
        st.caption(t("evidence_caption", n=records.height))
        st.dataframe(
            table,
            hide_index=True,
            placeholder="—",
            width="stretch",
            key=f"evidence_{lead['lead_id']}",
            column_config={
                t("evidence_link"): st.column_config.LinkColumn(display_text=t("evidence_open")),
                t("evidence_amount"): st.column_config.NumberColumn(format="%.2f"),
            },
        )


def history_section(scope, lead: dict) -> None:
    history = query(dispositions.lead_history, scope, lead)
    st.markdown(f"**{t('case_history')}**")
    if history.is_empty():
        st.caption(t("case_history_empty"))
        return
    st.dataframe(
        history.select(
            pl.col("recorded_at").alias(t("recorded_at")),
            pl.col("status").replace_strict(_names(casework.STATUSES)).alias(t("status")),
            pl.col("note").alias(t("note_field")),
            pl.col("actor").alias(t("actor")),
            pl.col("recorded_on").alias(t("carried_from")),
        ),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key=f"history_{lead['lead_id']}",
    )


def _recheck_block(scope, item: dict) -> None:
    st.markdown(f"**{t('recheck_heading')}**")
    result = query(
        rectifications.data_recheck,
        scope,
        item["region_code"],
        item["indicators"],
        item["recheck_from"],
    )
    verdict = _names(VERDICTS)[result.verdict]
    if result.verdict == "not_due":
        st.info(t("recheck_not_due"))
        return
    since = t("recheck_since_report") if item["reported_on"] else t("recheck_since_deadline")
    st.caption(
        t("recheck_window", first=f"{result.window_start:%Y-%m-%d}",
          last=f"{result.window_end:%Y-%m-%d}", since=since)
    )  # fmt: skip
    show = {"passed": st.success, "failed": st.error, "too_few": st.warning}[result.verdict]
    show(f"{verdict} · {t('recheck_advice')}")
    still = (
        pl.when(pl.col("still_fires"))
        .then(pl.lit(t("recheck_yes")))
        .when(pl.col("still_fires").not_())
        .then(pl.lit(t("recheck_no")))
        .otherwise(pl.lit(t("recheck_unknown")))
    )
    st.dataframe(
        result.indicators.select(
            pl.col("indicator").replace_strict(_indicator_names()).alias(t("indicator")),
            pl.col("before").round(3).alias(t("recheck_before")),
            pl.col("before_threshold").round(3).alias(t("threshold")),
            pl.col("after").round(3).alias(t("recheck_after")),
            pl.col("after_sample").alias(t("recheck_sample_after")),
            still.alias(t("recheck_still")),
        ),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key=f"recheck_{item['rectification_id']}",
    )


ACTIONS = {
    "in_progress": ("progress", "reported", "extended", "closed"),
    "overdue": ("progress", "reported", "extended", "closed"),
    "reported": ("progress", "reopened", "closed"),
    "closed": (),
}


def _item_form(scope, lead: dict, item: dict) -> None:
    user = st.session_state["user"]
    actions = ACTIONS[item["state"]]
    if not actions or not user.can("record"):
        return
    rid = item["rectification_id"]
    with st.form(f"rect_form_{rid}", clear_on_submit=True):
        action = st.selectbox(
            t("rect_action"),
            actions,
            format_func=lambda kind: t(f"rect_event_{kind}"),
            key=f"rect_action_{rid}",
        )
        day = st.date_input(t("rect_report_day"), value=today(), key=f"rect_day_{rid}")
        note = st.text_area(t("rect_note"), key=f"rect_note_{rid}")
        if st.form_submit_button(t("rect_submit")):
            actor = f"{user.name} ({user.username})"
            happened = day if action in ("reported", "extended") else None
            try:
                query(rectifications.record_event, scope, rid, action, note, actor, today(),
                      happened)  # fmt: skip
            except ValueError as exc:
                st.error(refused(exc))
            else:
                detail = f"{action}: {note}" + (f" ({happened:%Y-%m-%d})" if happened else "")
                audit("rectification", f"rectification:{rid}", detail)
                flash(t("rect_recorded"))


NEW_ITEM_FIELDS = ("rect_new_problem", "rect_unit", "rect_new_person", "rect_new_measures",
                   "rect_new_deadline")  # fmt: skip


def _new_item_form(scope, lead: dict) -> None:
    user = st.session_state["user"]
    if not user.can("record"):
        return
    units = query(rectifications.responsible_units, scope, lead["region_code"])
    with st.form(f"rect_new_{lead['lead_id']}"):
        st.markdown(f"**{t('rect_add')}**")
        problem = st.text_area(t("rect_problem"), key="rect_new_problem")
        unit = st.selectbox(t("rect_unit"), list(units), format_func=units.get, key="rect_unit")
        person = st.text_input(t("rect_person"), key="rect_new_person")
        measures = st.text_area(t("rect_measures"), key="rect_new_measures")
        deadline = st.date_input(
            t("rect_deadline"), value=today() + dt.timedelta(days=30), key="rect_new_deadline"
        )
        if st.form_submit_button(t("rect_add")):
            actor = f"{user.name} ({user.username})"
            try:
                rid = query(rectifications.add, scope, lead, problem, unit, person, measures,
                            deadline, actor)  # fmt: skip
            except ValueError as exc:
                st.error(refused(exc))
            else:
                audit(
                    "rectification",
                    f"rectification:{rid}",
                    f"opened on {lead['lead_id']}: {problem} · {units[unit]} {person} · "
                    f"{deadline:%Y-%m-%d}",
                )
                for field in NEW_ITEM_FIELDS:  # an empty form for the next item
                    st.session_state.pop(field, None)
                flash(t("rect_added"))


def rectification_section(scope, lead: dict) -> None:
    st.markdown(f"**{t('rectification')}**")
    items = query(rectifications.lead_items, scope, lead, today())
    events = query(rectifications.lead_events, scope, lead)
    states = _names(casework.RECTIFICATION_STATES)
    for item in items.iter_rows(named=True):
        rid = item["rectification_id"]
        with st.container(border=True):
            st.markdown(
                f"**{t('rectification_item', id=rid, state=states[item['state']])}**"
                + (f"（{t('rect_days_overdue')} {item['days_overdue']}）"
                   if item["state"] == "overdue" else "")
            )  # fmt: skip
            st.markdown(f"{t('rect_problem')}：{item['problem']}")
            st.markdown(f"{t('rect_measures')}：{item['measures']}")
            deadline = f"{item['deadline']:%Y-%m-%d}" + (
                t("rect_put_off", first=f"{item['first_deadline']:%Y-%m-%d}",
                  n=item["extensions"]) if item["extensions"] else ""
            )  # fmt: skip
            st.caption(
                t("rect_details", unit=item["unit_name"], person=item["person"],
                  deadline=deadline, actor=item["actor"], at=item["recorded_at"][:16])
            )  # fmt: skip
            own = events.filter(pl.col("rectification_id") == rid)
            if own.height:
                st.dataframe(
                    own.select(
                        pl.col("recorded_at").alias(t("recorded_at")),
                        pl.col("kind")
                        .replace_strict({k: t(f"rect_event_{k}") for k in casework.EVENTS})
                        .alias(t("rect_event_kind")),
                        pl.col("happened_on").dt.strftime("%Y-%m-%d").alias(t("rect_happened_on")),
                        pl.col("note").alias(t("rect_note")),
                        pl.col("actor").alias(t("actor")),
                    ),
                    hide_index=True,
                    placeholder="—",
                    width="stretch",
                    key=f"rect_events_{rid}",
                )
            _recheck_block(scope, item)
            _item_form(scope, lead, item)
    if lead["status"] in casework.CONFIRMED:
        _new_item_form(scope, lead)
    elif items.is_empty():
        st.caption(t("rectification_needs_confirmed"))


def _lead_link() -> pl.Expr:
    return pl.format("/leads?lead={}", "lead_id").alias(t("evidence_link"))


def _linked(frame: pl.DataFrame, key: str, **options) -> None:
    """A table whose link column opens each row's page."""
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key=key,
        column_config={
            t("evidence_link"): st.column_config.LinkColumn(display_text=t("evidence_open"))
        },
        **options,
    )


def follow_up_section(scope, key: str) -> None:
    """督办: overdue rectification items and leads left to check too long, in `scope`; the
    number of days starts at the district's setting (pending_days)."""
    st.subheader(t("follow_up"))
    settings = query(settings_in_force, scope)
    setting = settings.filter(pl.col("key") == "pending_days").get_column("value")[0]
    days = st.number_input(
        t("follow_up_days"), min_value=0, max_value=365, value=int(setting), step=5,
        key=f"{key}_pending_days",
    )  # fmt: skip
    found = query(rectifications.follow_up, scope, today(), int(days))
    day = f"{today():%Y-%m-%d}"
    overdue, pending = found["overdue"], found["pending"]
    st.markdown(f"**{t('follow_up_overdue', n=overdue.height, today=day)}**")
    if overdue.height:
        _linked(
            overdue.select(
                pl.col("name").alias(t("name")),
                pl.col("street_name").alias(t("street")),
                pl.col("problem").alias(t("rect_problem")),
                pl.col("unit_name").alias(t("rect_unit")),
                pl.col("person").alias(t("rect_person")),
                pl.col("deadline").alias(t("rect_deadline")),
                pl.col("days_overdue").alias(t("rect_days_overdue")),
                _lead_link(),
            ),
            f"{key}_overdue",
        )
    st.markdown(
        f"**{t('follow_up_pending', days=found['pending_days'], n=pending.height, today=day)}**"
    )
    if pending.height:
        _linked(
            pending.select(
                pl.col("name").alias(t("name")),
                pl.col("street_name").alias(t("street")),
                pl.col("lead_type").replace_strict(_names(LEAD_TYPES)).alias(t("lead_type")),
                pl.col("first_seen").alias(t("first_seen")),
                pl.col("days_pending").alias(t("days_pending")),
                pl.col("score").round(3).alias(t("peak_score")),
                _lead_link(),
            ),
            f"{key}_pending",
            height=250,
        )


def summary_section(scope, since: dt.date, until: dt.date, key: str) -> None:
    st.subheader(t("casework_summary"))
    st.caption(
        t("casework_summary_caption", first=f"{since:%Y-%m-%d}", last=f"{until:%Y-%m-%d}",
          today=f"{today():%Y-%m-%d}")
    )  # fmt: skip
    table = query(rectifications.summary, scope, since, until, today())
    st.dataframe(
        table.select(
            pl.col("street_name").alias(t("street")),
            *(
                pl.col(c).alias(t(f"sum_{c}"))
                for c in (
                    "raised",
                    "checking",
                    "concluded",
                    "confirmed",
                    "items",
                    "closed",
                    "overdue",
                )
            ),
        ),
        hide_index=True,
        width="stretch",
        key=key,
    )


def ledger_downloads(scope, scope_name: str, since: dt.date, until: dt.date) -> None:
    day = today()
    rows = query(rectifications.ledgers, scope, since, until, day)

    def made(kind: str):
        return lambda: ledgers.workbook(kind, rows[kind], scope_name, day)

    left, right, _ = st.columns([1, 1, 2])
    for column, kind, label in ((left, "leads", "ledger_leads"), (right, "items", "ledger_items")):
        with column:
            name = ledgers.file_name(kind, scope_name, day)
            download(t(label), made(kind), name, f"ledger_{kind}",
                     f"{since:%Y-%m-%d}–{until:%Y-%m-%d}")  # fmt: skip
