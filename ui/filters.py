"""The sidebar filters every page shares, kept in the URL so any view can be sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from datastore import status
from datastore.figures import region_metrics
from datastore.figures import span as data_span
from datastore.scope import Scope
from metrics.marts import Span
from schema.timing import month_end
from ui.auth import refuse
from ui.database import query
from ui.i18n import t


@dataclass(frozen=True)
class Filters:
    month: dt.date  # first day of the month looked at
    street: str | None
    top_code: str | None  # the district, or None for everything loaded
    top_level: str  # district, city or province
    kind: str | None = None  # village or community; None for both
    as_of: dt.date | None = None  # the day leads are judged on; None for the data's last day

    @property
    def area(self) -> Scope:
        """The area looked at, whatever the kind: a village profile is shown even when the
        kind filter would leave its village out."""
        return Scope(self.street or self.top_code)

    @property
    def scope(self) -> Scope:
        return Scope(self.street or self.top_code, self.kind)

    @property
    def level(self) -> str:
        return "street" if self.street else self.top_level

    @property
    def previous_month(self) -> dt.date:
        return (self.month - dt.timedelta(days=1)).replace(day=1)


def _param(name: str) -> str | None:
    return st.query_params.get(name)


def months_up_to(months: list[dt.date], as_of: dt.date, last_day: dt.date) -> list[dt.date]:
    """The months a page may show as of a day: those over by then, and the data's last
    (possibly partial) month only when looking as of the data's last day."""
    shown = [m for m in months if month_end(m) <= as_of or (as_of >= last_day and m <= as_of)]
    return shown or months[:1]


def _as_of(span: Span) -> dt.date:
    wanted = _param("as_of")
    try:
        chosen = dt.date.fromisoformat(wanted) if wanted else span.last_day
    except ValueError:
        chosen = span.last_day
    chosen = min(max(chosen, span.first_day), span.last_day)
    with st.sidebar:
        chosen = st.date_input(
            t("filter_as_of"),
            chosen,
            min_value=span.first_day,
            max_value=span.last_day,
            help=t("filter_as_of_help"),
        )
    if chosen == span.last_day:
        st.query_params.pop("as_of", None)
    else:
        st.query_params["as_of"] = chosen.isoformat()
    return chosen


def sidebar() -> Filters | None:
    """Month, street, village kind and as-of day, read from and written to the URL; None
    when nothing is loaded."""
    user = st.session_state["user"]
    months, streets, top_code, top_level = query(status.months_and_streets, user.jurisdiction)
    span = query(data_span, user.jurisdiction)
    street_only = user.region_code in streets  # a street inspector: no "all streets"
    if user.region_code is not None and not street_only:
        top_code, top_level = user.region_code, "district"
    if not months or span is None:
        return None
    as_of = _as_of(span)
    labels = [m.strftime("%Y-%m") for m in months_up_to(months, as_of, span.last_day)]
    wanted = _param("month")
    codes = list(streets) if street_only else [None, *streets]
    street = _param("street")
    if street and street not in codes:
        refuse(f"street:{street}")  # in the page itself, not at the foot of the sidebar
    with st.sidebar:
        month_label = st.selectbox(
            t("filter_month"),
            labels[::-1],
            index=labels[::-1].index(wanted) if wanted in labels else 0,
        )
        names = {None: t("filter_all_streets"), **streets}
        street = st.selectbox(
            t("filter_street"),
            codes,
            index=codes.index(street) if street in codes else 0,
            format_func=names.get,
        )
        kinds = [None, "village", "community"]
        kind = _param("kind")
        kind = st.selectbox(
            t("filter_kind"),
            kinds,
            index=kinds.index(kind) if kind in kinds else 0,
            format_func=lambda k: t(f"kind_{k or 'all'}"),
        )
    st.query_params["month"] = month_label
    for name, value in (("street", street), ("kind", kind)):
        if value:
            st.query_params[name] = value
        else:
            st.query_params.pop(name, None)
    month = dt.date.fromisoformat(month_label + "-01")
    return Filters(
        month, street, top_code, top_level, kind, None if as_of == span.last_day else as_of
    )


def filters_or_stop() -> Filters:
    """The sidebar's filters; stops the page with a message when nothing is loaded yet."""
    filters = sidebar()
    if filters is None:
        st.info(t("no_period_data"))
        st.stop()
    return filters


def data_end_label(span: Span | None, as_of: dt.date | None = None) -> str:
    """The day the page's data stands on: the as-of day when one is chosen."""
    if as_of is not None:
        return f"{as_of:%Y-%m-%d}"
    return f"{span.data_end:%Y-%m-%d}" if span else "—"


def scope_label(name: str, kind: str | None) -> str:
    """The scope's name, with the village kind when only one kind is counted."""
    return f"{name}（{t('kind_only_' + kind)}）" if kind else name


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
        return data_end_label(self.span, self.filters.as_of)

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
        scope_label(row.get("name") or "—", filters.kind),
        f"{month:%Y-%m}",
        query(data_span, filters.scope),
    )


KEPT_PARAMS = ("month", "kind", "as_of", "lang")


def _selection(event) -> dict:
    if not event:
        return {}
    return event.get("selection", {}) if isinstance(event, dict) else event.selection


def selected_code(event) -> str | None:
    """The code carried by the first point picked in a chart's selection event."""
    points = _selection(event).get("points") or []
    return points[0].get("customdata") if points else None


def selected_rows(event) -> list[int]:
    """The row positions picked in a table's selection event."""
    return list(_selection(event).get("rows") or [])


def drill_key(name: str, filters: Filters) -> str:
    """A chart's or table's key for the current street: after a drill-down the widget is a
    new one, so the click that led there is not followed again."""
    return f"{name}_{filters.street or 'all'}"


def drill_down(code: str | None, level: str) -> None:
    """Follow a click: a street narrows every page to it, a village opens its profile."""
    if code is None:
        return
    if level == "street":
        if st.query_params.get("street") != code:
            st.query_params["street"] = code
            st.rerun()
        return
    kept = {name: st.query_params[name] for name in KEPT_PARAMS if name in st.query_params}
    if "street" in st.query_params:
        kept["street"] = st.query_params["street"]
    st.switch_page("views/village.py", query_params={**kept, "village": code})
