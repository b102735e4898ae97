"""The sidebar filters every page shares, kept in the URL so any view can be sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from datastore import status
from datastore.scope import Scope
from metrics.marts import Span
from metrics.query import region_metrics
from metrics.query import span as data_span
from ui.database import query
from ui.i18n import t


@dataclass(frozen=True)
class Filters:
    month: dt.date  # first day of the month looked at
    street: str | None
    top_code: str | None  # the district, or None for everything loaded
    top_level: str  # district, city or province

    @property
    def scope(self) -> Scope:
        return Scope(self.street or self.top_code)

    @property
    def level(self) -> str:
        return "street" if self.street else self.top_level

    @property
    def previous_month(self) -> dt.date:
        return (self.month - dt.timedelta(days=1)).replace(day=1)


def _param(name: str) -> str | None:
    return st.query_params.get(name)


def sidebar() -> Filters | None:
    """Month and street, read from and written to the URL; None when nothing is loaded."""
    months, streets, top_code, top_level = query(status.months_and_streets)
    if not months:
        return None
    labels = [m.strftime("%Y-%m") for m in months]
    wanted = _param("month")
    with st.sidebar:
        month_label = st.selectbox(
            t("filter_month"),
            labels[::-1],
            index=labels[::-1].index(wanted) if wanted in labels else 0,
        )
        codes = [None, *streets]
        names = {None: t("filter_all_streets"), **streets}
        street = _param("street")
        street = st.selectbox(
            t("filter_street"),
            codes,
            index=codes.index(street) if street in codes else 0,
            format_func=names.get,
        )
    st.query_params["month"] = month_label
    if street:
        st.query_params["street"] = street
    else:
        st.query_params.pop("street", None)
    return Filters(dt.date.fromisoformat(month_label + "-01"), street, top_code, top_level)


def filters_or_stop() -> Filters:
    """The sidebar's filters; stops the page with a message when nothing is loaded yet."""
    filters = sidebar()
    if filters is None:
        st.info(t("no_period_data"))
        st.stop()
    return filters


def data_end_label(span: Span | None) -> str:
    return f"{span.data_end:%Y-%m-%d}" if span else "—"


@dataclass(frozen=True)
class PageContext:
    """What the monthly pages share: the filters, the scope's figures for the month, its
    name and the data date."""

    filters: Filters
    figures: dict
    scope_name: str
    month: str
    span: Span | None

    @property
    def data_end(self) -> str:
        return data_end_label(self.span)

    @property
    def stamp(self) -> str:
        return f"{self.scope_name} · {self.month} · {self.data_end}"


def page_context() -> PageContext:
    """The sidebar and the month's figures; stops the page when nothing is loaded yet."""
    filters = filters_or_stop()
    month = filters.month
    figures = query(region_metrics, filters.scope, filters.level, "month", month, month)
    row = figures.row(0, named=True) if figures.height else {}
    return PageContext(
        filters,
        row,
        row.get("name") or "—",
        f"{month:%Y-%m}",
        query(data_span),
    )
