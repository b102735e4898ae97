"""Widgets the pages share."""

from __future__ import annotations

import io

import polars as pl
import streamlit as st

from etl.schema import TABLES
from metrics.glossary import METRICS, format_value
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


def data_table(frame: pl.DataFrame, name: str, key: str, **options):
    """A sortable table with its CSV download (in the table's toolbar) and an Excel one."""
    event = st.dataframe(frame, hide_index=True, width="stretch", key=key, **options)
    workbook = io.BytesIO()
    frame.write_excel(workbook, worksheet=name[:31])
    st.download_button(
        t("download_excel"),
        workbook.getvalue(),
        file_name=f"{name}.xlsx",
        key=f"{key}_xlsx",
        type="tertiary",
        icon=":material/download:",
    )
    return event
