"""Widgets the pages share."""

from __future__ import annotations

import streamlit as st

from metrics.glossary import METRICS, format_value
from ui.i18n import language


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
