"""数据概况: what is loaded, when it was loaded, and what was kept aside."""

from __future__ import annotations

import polars as pl
import streamlit as st

from datastore import digests, status
from datastore.figures import span as data_span
from datastore.scoring import settings_in_force
from schema.tables import TABLES
from ui.auth import audit
from ui.database import query
from ui.i18n import REASONS, TEXT, language, reason_text, t
from ui.widgets import data_table

st.title(t("home"))
# Translated here, not inside Polars' expressions, which run where the page's language is
# not known (they fell back to Chinese on the English page).
table_names = {name: t(f"table_{name}") for name in TABLES}
reason_names = {code: reason_text(code) for code in REASONS}
table_column = (
    pl.col("table_name")
    .replace_strict(table_names, default=pl.col("table_name"))
    .alias(t("table_name"))
)
units = {key.removeprefix("unit_"): t(key) for key in TEXT if key.startswith("unit_")}
user = st.session_state["user"]
scope = user.jurisdiction
whole = query(status.covers_everything, scope)  # else only what concerns the part

loads = query(status.load_history, scope)
history = loads.rows
if history.is_empty():
    st.info(t("no_database"))
    st.stop()
latest = history.row(0, named=True)
if latest["demo"]:
    st.caption(":material/science: " + t("demo_badge"))
if not whole:
    st.info(t("part_of_load_caption", region=user.region_code))

span = query(data_span, scope)
last = span.data_end if span else None
st.subheader(t("tables_heading"))
st.caption(t("tables_caption", data_end=f"{last:%Y-%m-%d %H:%M}" if last else "—"))
counts = dict(query(status.table_counts, scope).iter_rows())
columns = st.columns(len(counts))
for column, (name, rows) in zip(columns, counts.items(), strict=True):
    column.metric(t(f"table_{name}"), f"{rows:,}")

st.subheader(t("latest_load"))
seconds = (latest["finished_at"] - latest["started_at"]).total_seconds()
st.caption(
    t(
        "latest_load_caption",
        load_id=latest["load_id"],
        finished_at=f"{latest['finished_at']:%Y-%m-%d %H:%M}",
        seconds=f"{seconds:.0f}",
        source=latest["source"],
    )
)
shown = (
    (("rows_read", "metric_rows_read_help"), ("rows_inserted", None), ("rows_updated", None),
     ("rows_unchanged", None), ("rows_quarantined", "metric_quarantined_help"))
    if whole
    else (("rows_current", "rows_current_help"), ("rows_quarantined", "metric_quarantined_help"))
)  # fmt: skip
for column, (key, help_key) in zip(st.columns(5), shown, strict=False):
    column.metric(t(key), f"{latest[key]:,}", help=t(help_key) if help_key else None)

st.markdown(f"**{t('quarantined_heading')}**")
st.caption(t("quarantined_caption"))
reasons = query(status.quarantine_by_reason, scope, latest["load_id"])
if reasons.is_empty():
    st.success(t("no_quarantine"))
else:
    st.dataframe(
        reasons.select(
            pl.col("table_name")
            .replace_strict(table_names, default=pl.col("table_name"))
            .alias(t("table_name")),
            pl.col("reason")
            .replace_strict(reason_names, default=pl.col("reason"))
            .alias(t("reason")),
            pl.col("reason").alias(t("reason_code")),
            pl.col("rows").alias(t("rows")),
        ),
        hide_index=True,
        placeholder="—",
        width="stretch",
    )
    kept_aside = query(status.quarantined_rows, scope, latest["load_id"])
    if kept_aside.cut:
        st.caption(
            t("list_cut_oldest", shown=f"{kept_aside.rows.height:,}", total=f"{kept_aside.total:,}")
        )
    data_table(
        kept_aside.rows.select(
            pl.col("table_name")
            .replace_strict(table_names, default=pl.col("table_name"))
            .alias(t("table_name")),
            pl.col("file").alias(t("file")),
            pl.col("row_number").alias(t("row_number")),
            pl.col("column_name").alias(t("column_name")),
            pl.col("value").alias(t("value")),
            pl.col("reason")
            .replace_strict(reason_names, default=pl.col("reason"))
            .alias(t("reason")),
            pl.col("record").alias(t("record")),
        ),
        f"{t('quarantined_heading')}_{latest['load_id']}",
        "quarantined_rows",
        height=300,
    )

st.markdown(f"**{t('files_heading')}**")
files = query(status.load_files, scope, latest["load_id"])
st.dataframe(
    files.select(
        pl.col("file").alias(t("file")),
        table_column,
        pl.col("format").alias(t("format")),
        *([pl.col("rows_read").alias(t("rows_read"))] if whole else []),
        pl.col("rows_quarantined").alias(t("rows_quarantined")),
        pl.col("sha256").str.slice(0, 12).alias("SHA-256"),
    ),
    hide_index=True,
    placeholder="—",
    width="stretch",
)

st.subheader(t("settings_heading"))
settings = query(settings_in_force, scope)
st.caption(t("settings_caption"))
st.dataframe(
    settings.select(
        pl.col("name_en" if language() == "en" else "name_zh").alias(t("setting")),
        pl.col("key").alias(t("setting_key")),
        pl.struct("value", "unit")
        .map_elements(lambda r: f"{r['value']:,g} {units[r['unit']]}", return_dtype=pl.String)
        .alias(t("setting_value")),
        pl.col("default")
        .map_elements(lambda v: f"{v:,g}", return_dtype=pl.String)
        .alias(t("setting_default")),
        pl.col("source").fill_null(t("setting_from_default")).alias(t("source")),
        pl.col("doc" if language() == "en" else "doc_zh").alias(t("setting_doc")),
    ),
    hide_index=True,
    placeholder="—",
    width="stretch",
)

st.subheader(t("history_heading"))
st.caption(t("history_caption"))
if loads.cut:
    st.caption(t("list_cut_newest", shown=f"{history.height:,}", total=f"{loads.total:,}"))
counted = (
    ("rows_read", "rows_inserted", "rows_updated", "rows_unchanged", "rows_superseded",
     "rows_quarantined")
    if whole
    else ("rows_current", "rows_quarantined")
)  # fmt: skip
st.dataframe(
    history.select(
        pl.col("load_id").alias(t("load_id")),
        pl.col("finished_at").alias(t("finished_at")),
        pl.col("source").alias(t("source")),
        pl.col("files").alias(t("files")),
        *[pl.col(c).alias(t(c)) for c in counted],
    ),
    hide_index=True,
    placeholder="—",
    width="stretch",
)

problems = query(digests.problems_in, scope, 7)
if problems is not None:  # the daily digest is in use here
    st.subheader(t("digest_heading"))
    if problems.is_empty():
        st.success(t("digest_all_sent", days=7))
    else:
        st.error(t("digest_failed", n=problems.height, days=7))
        st.dataframe(
            problems.with_columns(
                pl.col("kind").replace({k: t(f"digest_kind_{k}") for k in digests.KINDS})
            ).select(
                pl.col(c).alias(t(f"digest_{c}"))
                for c in ("day", "kind", "recipient", "channel", "attempts", "error", "at")
            ),
            hide_index=True,
            width="stretch",
        )

st.subheader(t("upload_heading"))
if not user.can("load"):
    st.stop()
if not whole:
    st.info(t("upload_whole_only"))
    st.stop()
upload = st.file_uploader(t("upload_heading"), type=["zip"], help=t("upload_help"))
if upload is not None and st.button(t("upload_button")):
    from ui.database import UploadFailed, load_upload

    try:
        with st.spinner(upload.name):
            result = load_upload(upload.name, upload.getvalue())
    except UploadFailed as exc:
        audit("load", upload.name, f"failed: {exc}")
        st.error(t("upload_failed", error=exc))
    else:
        audit("load", upload.name, f"load {result.load_id}: {result.read:,} rows read, "
              f"{result.quarantined:,} kept aside")  # fmt: skip
        st.success(
            t("upload_done", load_id=result.load_id, read=f"{result.read:,}",
              inserted=f"{result.inserted:,}", updated=f"{result.updated:,}",
              quarantined=f"{result.quarantined:,}")
        )  # fmt: skip
