"""The records behind the figures, for drilling down: always within a scope."""

from __future__ import annotations

import duckdb
import polars as pl

from datastore.privacy import mask_columns
from datastore.scope import Scope


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


def villages(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    condition, params = scope.villages()
    return con.sql(
        "SELECT region_code, name, street_code FROM regions "
        f"WHERE level = 'village' AND {condition} ORDER BY region_code",
        params=params,
    ).pl()


def messages(con: duckdb.DuckDBPyConnection, scope: Scope, limit: int = 5000) -> pl.DataFrame:
    """Messages of the scope, newest first, with reply and closure times in hours."""
    condition, params = scope.villages()
    return con.sql(
        "SELECT feedback_id, region_code, submitted_at, topic, status, first_reply_at, closed_at, "
        "satisfaction, reply_hours, close_hours, same_day, closed_7d FROM mart_feedback "
        f"WHERE {condition} ORDER BY submitted_at DESC LIMIT ?",
        params=[*params, limit],
    ).pl()


def message_texts(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    code: str,
    unmask: bool = False,
    limit: int = 2000,
) -> pl.DataFrame:
    """One village's messages with what residents wrote and what they were told, newest
    first; phone, ID numbers and names masked unless `unmask`."""
    condition, params = scope.villages("m.region_code")
    frame = con.sql(
        "SELECT m.feedback_id, m.submitted_at, m.topic, f.content, m.status, m.first_reply_at, "
        "f.reply, m.closed_at, m.satisfaction, m.reply_hours, m.close_hours "
        "FROM mart_feedback m JOIN feedback f USING (feedback_id) "
        f"WHERE {condition} AND m.region_code = ? ORDER BY m.submitted_at DESC LIMIT ?",
        params=[*params, code, limit],
    ).pl()
    return mask_columns(frame, ["content", "reply"], unmask)


def disclosures(
    con: duckdb.DuckDBPyConnection, scope: Scope, code: str, limit: int = 2000
) -> pl.DataFrame:
    """One village's disclosures, newest first."""
    condition, params = scope.villages()
    return con.sql(
        "SELECT disclosure_id, category, item_code, title, period, published_at, reviewed_at, "
        f"status, amount, payee FROM disclosures WHERE {condition} AND region_code = ? "
        "ORDER BY published_at DESC LIMIT ?",
        params=[*params, code, limit],
    ).pl()


def disclosure_timing(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """The scope's disclosures with what their timing needs."""
    condition, params = scope.villages()
    return con.sql(
        "SELECT region_code, category, item_code, period_start, period_end, published_at, status "
        f"FROM disclosures WHERE {condition}",
        params=params,
    ).pl()


def catalogue(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT * FROM catalogue ORDER BY item_code").pl()
