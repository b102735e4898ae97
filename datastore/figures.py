"""The figures the pages show and the command line writes: the marts of a scope rolled up
to a level over a span of periods, and the disclosure views of the disclosures page, each
computed where the data is read so that the dashboard caches the small result."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from datastore import records
from datastore.reads import scoped
from datastore.scope import Scope
from metrics.disclosures import calendar, completeness_by_item, lateness
from metrics.marts import Span
from metrics.rollup import rollup

OUTPUT_COLUMNS = (
    "region_code", "name", "period",
    "registration_rate", "activity_rate", "feedback", "same_day_reply_rate",
    "closed_7d_rate", "median_reply_hours", "satisfaction_rate", "backlog", "overdue",
    "open_le_1d", "open_1_7d", "open_7_30d", "open_gt_30d",
    "disclosures_party", "disclosures_village", "disclosures_finance",
    "on_time_rate", "completeness", "petitions", "accusations",
    "petitions_yoy", "accusations_yoy",
)  # fmt: skip


def data_span(con: duckdb.DuckDBPyConnection) -> Span | None:
    """The days the loaded data covers and the instant it ends; None before any load."""
    row = con.execute("SELECT first_day, last_day, data_end FROM mart_span").fetchall()
    if not row or row[0][0] is None:
        return None
    return Span(*row[0])


@scoped
def span(con: duckdb.DuckDBPyConnection, scope: Scope) -> Span | None:
    """`data_span` for a reader of the scope: the marts run over the whole load, so every
    scope's data ends where the load's does."""
    return data_span(con)


def _period_label(grain: str) -> pl.Expr:
    return pl.col("period_start").dt.strftime("%Y-%m-%d" if grain == "day" else "%Y-%m")


@scoped
def region_metrics(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    level: str,
    grain: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pl.DataFrame:
    """One row per unit of `level` inside `scope` and per period overlapping [start, end]."""
    villages, params = scope.villages()
    first = start or dt.date.min
    last = end or dt.date.max
    if grain == "month":
        first = first.replace(day=1)
    period_filter = "period_start BETWEEN ? AND ?"
    village_rows = con.sql(
        f"SELECT * FROM mart_village_{grain} WHERE {villages} AND {period_filter}",
        params=[*params, first, last],
    ).pl()
    facts = con.sql(
        f"SELECT region_code, submitted_at, reply_hours FROM mart_feedback WHERE {villages}",
        params=params,
    ).pl()
    petition_scope, petition_params = scope.regions()
    petitions = con.sql(
        f"SELECT * FROM mart_petitions_{grain} WHERE {petition_scope}", params=petition_params
    ).pl()
    regions = con.sql(
        "SELECT region_code, name, level, street_code, district_code FROM regions"
    ).pl()
    frame = (
        rollup(village_rows.lazy(), facts.lazy(), petitions.lazy(), regions.lazy(), level, grain)
        .filter(pl.col("period_start").is_between(first, last))
        .join(village_rows.lazy().select("period_start").unique(), on="period_start")
        .with_columns(_period_label(grain).alias("period"))
        .sort("region_code", "period_start")
        .collect()
    )
    counts = [c for c in frame.columns if c not in OUTPUT_COLUMNS and c != "period_start"]
    return frame.select(*OUTPUT_COLUMNS, "period_start", *counts)


@scoped
def disclosure_completeness(
    con: duckdb.DuckDBPyConnection, scope: Scope, month: dt.date, unit: str
) -> pl.DataFrame:
    """`completeness_by_item` of the scope's disclosures for the month."""
    loaded = data_span(con)
    if loaded is None:
        return pl.DataFrame()
    return completeness_by_item(
        records.disclosure_timing(con, scope),
        records.catalogue(con, scope),
        records.villages(con, scope),
        loaded,
        month,
        unit,
    )


@scoped
def disclosure_lateness(
    con: duckdb.DuckDBPyConnection, scope: Scope, month: dt.date
) -> pl.DataFrame:
    """`lateness` of the scope's disclosures published in the month."""
    return lateness(records.disclosure_timing(con, scope), records.catalogue(con, scope), month)


@scoped
def disclosure_calendar(con: duckdb.DuckDBPyConnection, scope: Scope, code: str) -> pl.DataFrame:
    """`calendar` of one village of the scope (empty when the village is outside it)."""
    loaded = data_span(con)
    village = records.villages(con, scope).filter(pl.col("region_code") == code)
    if loaded is None or village.is_empty():
        return pl.DataFrame()
    timing = records.disclosure_timing(con, Scope(code))
    return calendar(timing, records.catalogue(con, scope), village, loaded)
