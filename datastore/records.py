"""The records behind the figures, for drilling down: always within a scope.

A list cut to a length comes as `Listed`, with the number of rows it has in full, so that a
page can say it shows only part of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from datastore.privacy import mask_columns
from datastore.reads import scoped
from datastore.scope import Scope
from metrics.messages import overdue, submitted_in
from schema.timing import month_bounds


@dataclass(frozen=True)
class Listed:
    """The rows shown, and how many there are in all."""

    rows: pl.DataFrame
    total: int

    @property
    def cut(self) -> bool:
        return self.total > self.rows.height


def listed(
    con: duckdb.DuckDBPyConnection, query: str, params: list, order: str, limit: int
) -> Listed:
    """The rows of `query` in `order`, cut to `limit`, with their full count in the same
    read."""
    frame = con.sql(
        f"SELECT *, count(*) OVER () AS _total FROM ({query}) ORDER BY {order} LIMIT ?",
        params=[*params, limit],
    ).pl()
    total = int(frame.get_column("_total")[0]) if frame.height else 0
    return Listed(frame.drop("_total"), total)


@scoped
def village(con: duckdb.DuckDBPyConnection, scope: Scope, code: str) -> dict | None:
    """The village with its street and district, or None if it is not in the scope."""
    condition, params = scope.villages("v.region_code")
    rows = con.sql(
        "SELECT v.region_code, v.name, v.kind, v.households, v.population, v.street_code, "
        "s.name AS street_name, v.district_code, d.name AS district_name "
        "FROM regions v LEFT JOIN regions s ON s.region_code = v.street_code "
        "LEFT JOIN regions d ON d.region_code = v.district_code "
        f"WHERE v.level = 'village' AND v.region_code = ? AND {condition}",
        params=[code, *params],
    ).pl()
    return rows.row(0, named=True) if rows.height else None


@scoped
def villages(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    condition, params = scope.villages()
    return con.sql(
        "SELECT region_code, name, street_code FROM regions "
        f"WHERE level = 'village' AND {condition} ORDER BY region_code",
        params=params,
    ).pl()


MESSAGE_COLUMNS = (
    "feedback_id, region_code, submitted_at, topic, status, first_reply_at, closed_at, "
    "satisfaction, reply_hours, close_hours, same_day, closed_7d"
)


@scoped
def month_messages(con: duckdb.DuckDBPyConnection, scope: Scope, month: dt.date) -> pl.DataFrame:
    """Every message of the scope submitted in the month starting `month`, newest first,
    with reply and closure times in hours."""
    condition, params = scope.villages()
    start, end = month_bounds(month)
    # The bounds narrow the read; submitted_in is the month's one definition.
    frame = con.sql(
        f"SELECT {MESSAGE_COLUMNS} FROM mart_feedback WHERE {condition} "
        "AND submitted_at >= ? AND submitted_at < ? ORDER BY submitted_at DESC",
        params=[*params, start, end],
    ).pl()
    return submitted_in(frame, month)


@scoped
def overdue_messages(
    con: duckdb.DuckDBPyConnection, scope: Scope, as_of: dt.datetime, limit: int = 2000
) -> Listed:
    """The scope's messages overdue at `as_of`, oldest first, with their age in days: the
    `limit` oldest, and how many there are in all."""
    condition, params = scope.villages()
    # Only messages submitted before `as_of` can be open at it; overdue() decides the rest.
    candidates = con.sql(
        f"SELECT {MESSAGE_COLUMNS} FROM mart_feedback WHERE {condition} AND submitted_at < ?",
        params=[*params, as_of],
    ).pl()
    late = overdue(candidates, as_of)
    return Listed(late.head(limit), late.height)


@scoped
def message_texts(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    code: str,
    unmask: bool = False,
    limit: int = 2000,
) -> Listed:
    """One village's messages with what residents wrote and what they were told, newest
    first; phone, ID numbers and names masked unless `unmask`."""
    condition, params = scope.villages("m.region_code")
    texts = listed(
        con,
        "SELECT m.feedback_id, m.submitted_at, m.topic, f.content, m.status, m.first_reply_at, "
        "f.reply, m.closed_at, m.satisfaction, m.reply_hours, m.close_hours "
        "FROM mart_feedback m JOIN feedback f USING (feedback_id) "
        f"WHERE {condition} AND m.region_code = ?",
        [*params, code],
        "submitted_at DESC, feedback_id",
        limit,
    )
    return Listed(mask_columns(texts.rows, ["content", "reply"], unmask), texts.total)


@scoped
def disclosures(
    con: duckdb.DuckDBPyConnection, scope: Scope, code: str, limit: int = 2000
) -> Listed:
    """One village's disclosures, newest first."""
    condition, params = scope.villages()
    return listed(
        con,
        "SELECT disclosure_id, category, item_code, title, period, published_at, reviewed_at, "
        f"status, amount, payee FROM disclosures WHERE {condition} AND region_code = ?",
        [*params, code],
        "published_at DESC, disclosure_id",
        limit,
    )


def disclosure_timing(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """The scope's disclosures with what their timing needs."""
    condition, params = scope.villages()
    return con.sql(
        "SELECT region_code, category, item_code, period_start, period_end, published_at, status "
        f"FROM disclosures WHERE {condition}",
        params=params,
    ).pl()


@scoped
def catalogue(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """The disclosure catalogue: one for the whole load, read like every other table with
    the reader's scope."""
    return con.sql("SELECT * FROM catalogue ORDER BY item_code").pl()
