"""Widgets the pages share."""

from __future__ import annotations

import io

import polars as pl
import streamlit as st

from metrics.glossary import METRICS, format_value
from schema.tables import TABLES
from ui.auth import audit
from ui.i18n import language, t


def metric_label(metric: str) -> str:
    return METRICS[metric].en if language() == "en" else METRICS[metric].zh


def metric_help(metric: str) -> str:
    m = METRICS[metric]
    return m.definition_en if language() == "en" else m.definition_zh


def metric_cards(figures: dict, metrics: tuple[str, ...] | list[str]) -> None:
    """One card per metric, labelled and explained from the glossary."""
    for column, metric in zip(st.columns(len(metrics)), metrics, strict=True):
        column.metric(
            metric_label(metric),
            format_value(metric, figures.get(metric)),
            help=metric_help(metric),
        )


def record_table(frame: pl.DataFrame, table: str, labels: dict[str, str] | None = None):
    """Records with the schema's column names and category values in the page's language;
    `labels` names the columns the schema does not have."""
    english = language() == "en"
    schema = TABLES[table]
    known = {c.name: c for c in schema.columns}
    columns = []
    for name in frame.columns:
        column = known.get(name)
        if column is None:
            label = (labels or {}).get(name, name)
            columns.append(pl.col(name).alias(label))
            continue
        label = name.replace("_", " ").capitalize() if english else column.zh
        expr = pl.col(name)
        if column.values:
            shown = {}
            for text, code in column.values.items():
                shown.setdefault(code, code.replace("_", " ") if english else text)
            expr = expr.replace_strict(shown, default=expr)
        columns.append(expr.alias(label))
    return frame.select(columns)


def excel_bytes(frame: pl.DataFrame, sheet: str) -> bytes:
    workbook = io.BytesIO()
    frame.write_excel(workbook, worksheet=sheet[:31])
    return workbook.getvalue()


def download(label: str, data, file_name: str, key: str, detail: str, **options) -> None:
    """A download button whose every click is audited; none for a role without export.
    `data` is bytes, or a function making them when the button is clicked, so that files
    nobody asks for are not written on every rerun."""
    if not st.session_state["user"].can("export"):
        return
    st.download_button(
        label,
        data,
        file_name=file_name,
        key=key,
        on_click=audit,
        args=("download", file_name, detail),
        **options,
    )


def data_table(frame: pl.DataFrame, name: str, key: str, **options):
    """A sortable table with CSV and Excel downloads (the table's own export is turned off
    so that every download is audited)."""
    event = st.dataframe(
        frame, hide_index=True, placeholder="—", width="stretch", key=key, **options
    )
    rows = f"{frame.height:,} rows"
    left, right, _ = st.columns([1, 1, 6])
    with left:
        download(t("download_csv"), lambda: frame.write_csv().encode("utf-8-sig"),
                 f"{name}.csv", f"{key}_csv", rows, type="tertiary",
                 icon=":material/download:")  # fmt: skip
    with right:
        download(t("download_excel"), lambda: excel_bytes(frame, name), f"{name}.xlsx",
                 f"{key}_xlsx", rows, type="tertiary", icon=":material/download:")  # fmt: skip
    return event
