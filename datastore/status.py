"""What has been loaded: table sizes, the load history and the rows kept aside."""

from __future__ import annotations

import duckdb
import polars as pl

from datastore.privacy import mask_columns
from datastore.scope import Scope

DATA_TABLES = ("regions", "admins", "users", "activity", "disclosures", "feedback", "petitions")


def table_counts(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Rows per table within the scope: table_name, rows."""
    villages, params = scope.villages()
    regions, region_params = scope.regions()
    user_villages, user_params = scope.villages("u.region_code")
    petition_scope, petition_params = scope.regions("coalesce(region_code, district_code)")
    query = f"""
        SELECT 'regions' AS table_name, count(*) AS rows FROM regions WHERE {regions}
        UNION ALL SELECT 'admins', count(*) FROM admins WHERE {regions}
        UNION ALL SELECT 'users', count(*) FROM users WHERE {villages}
        UNION ALL SELECT 'activity', count(*) FROM activity a
            {"" if scope.region_code is None else "JOIN users u USING (user_id)"}
            WHERE {user_villages if scope.region_code else "TRUE"}
        UNION ALL SELECT 'disclosures', count(*) FROM disclosures WHERE {villages}
        UNION ALL SELECT 'feedback', count(*) FROM feedback WHERE {villages}
        UNION ALL SELECT 'petitions', count(*) FROM petitions WHERE {petition_scope}
    """
    all_params = region_params * 2 + params + (user_params if scope.region_code else [])
    all_params += params * 2 + petition_params
    frame = con.sql(query, params=all_params).pl()
    return frame.with_columns(pl.col("rows").cast(pl.Int64))


def load_history(con: duckdb.DuckDBPyConnection, limit: int = 100) -> pl.DataFrame:
    return con.sql("SELECT * FROM loads ORDER BY load_id DESC LIMIT ?", params=[limit]).pl()


def load_files(con: duckdb.DuckDBPyConnection, load_id: int) -> pl.DataFrame:
    return con.sql(
        "SELECT file, table_name, format, rows_read, rows_quarantined, bytes, sha256, warnings "
        "FROM load_files WHERE load_id = ? ORDER BY file",
        params=[load_id],
    ).pl()


def quarantine_by_reason(con: duckdb.DuckDBPyConnection, load_id: int) -> pl.DataFrame:
    """Rows kept aside by one load: table_name, reason, rows (a row counts once per reason)."""
    return (
        con.sql(
            "SELECT table_name, reason, count(DISTINCT (file, row_number)) AS rows "
            "FROM quarantine WHERE load_id = ? GROUP BY ALL ORDER BY table_name, reason",
            params=[load_id],
        )
        .pl()
        .with_columns(pl.col("rows").cast(pl.Int64))
    )


def quarantined_rows(
    con: duckdb.DuckDBPyConnection, load_id: int, limit: int = 1000, unmask: bool = False
) -> pl.DataFrame:
    """Rows kept aside by a load; the raw record and value masked unless `unmask`, since
    a message's text travels with its row."""
    frame = con.sql(
        "SELECT table_name, file, row_number, column_name, value, reason, record "
        "FROM quarantine WHERE load_id = ? ORDER BY file, row_number LIMIT ?",
        params=[load_id, limit],
    ).pl()
    return mask_columns(frame, ["value", "record"], unmask)


def months_and_streets(
    con: duckdb.DuckDBPyConnection, scope: Scope
) -> tuple[list, dict[str, str], str | None, str]:
    """The data's months (first days), the scope's streets by code, and the top of the
    loaded hierarchy: its code and level (the district, or the city or province of
    several)."""
    months = [
        m for (m,) in con.execute(
            "SELECT DISTINCT period_start FROM mart_village_month ORDER BY 1"
        ).fetchall()
    ]  # fmt: skip
    inside, params = scope.regions()
    streets = dict(
        con.execute(
            f"SELECT region_code, name FROM regions WHERE level = 'street' AND {inside} "
            "ORDER BY region_code",
            params,
        ).fetchall()
    )
    districts = [
        c for (c,) in con.execute(
            "SELECT region_code FROM regions WHERE level = 'district' ORDER BY 1"
        ).fetchall()
    ]  # fmt: skip
    if len(districts) <= 1:
        return months, streets, (districts or [None])[0], "district"
    cities = {c[:4] for c in districts}
    if len(cities) == 1:
        return months, streets, None, "city"
    return months, streets, None, "province"


def demo_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether everything loaded was made by the built-in demo generator (`etl demo`
    marks its loads; where the files came from does not matter)."""
    query = "SELECT count(*), count(*) FILTER (NOT demo) FROM loads"
    loads, real = con.execute(query).fetchall()[0]
    return loads > 0 and real == 0
