"""What has been loaded: table sizes, the load history and the rows kept aside."""

from __future__ import annotations

import duckdb
import polars as pl

from datastore.per_load import PerLoad
from datastore.privacy import mask_columns
from datastore.reads import before_sign_in, scoped
from datastore.records import Listed, listed
from datastore.scope import Scope

DATA_TABLES = ("regions", "admins", "users", "activity", "disclosures", "feedback", "petitions")

# What a quarantined row is about: the first region its raw record names that is loaded
# (its own, a region's parent, a petition's district), else the region of the user it
# names (an activity row), looked up in `quarantined_users`. A row naming no loaded
# region belongs to no district.
_QUARANTINED_REGION = """coalesce(
    (SELECT region_code FROM regions
     WHERE region_code = trim(json_extract_string(q.record, '$.region_code'))),
    (SELECT region_code FROM regions
     WHERE region_code = trim(json_extract_string(q.record, '$.parent_code'))),
    (SELECT region_code FROM regions
     WHERE region_code = trim(json_extract_string(q.record, '$.district_code'))),
    (SELECT u.region_code FROM (SELECT unnest(?::VARCHAR[]) AS user_id,
                                       unnest(?::VARCHAR[]) AS region_code) u
     WHERE u.user_id = trim(json_extract_string(q.record, '$.user_id'))))"""


def _tables_in_scope(scope: Scope) -> list[tuple[str, str, list]]:
    """Per data table, `FROM … WHERE …` selecting its rows about the scope, with parameters."""
    villages, params = scope.villages()
    below, below_params = scope.below()
    activity = "activity a"
    activity_where, activity_params = "TRUE", []
    if scope.region_code is not None:
        activity = "activity a JOIN users u USING (user_id)"
        activity_where, activity_params = scope.villages("u.region_code")
    petitions, petition_params = scope.below("coalesce(region_code, district_code)")
    return [
        ("regions", f"regions WHERE {below}", below_params),
        ("admins", f"admins WHERE {below}", below_params),
        ("users", f"users WHERE {villages}", params),
        ("activity", f"{activity} WHERE {activity_where}", activity_params),
        ("disclosures", f"disclosures WHERE {villages}", params),
        ("feedback", f"feedback WHERE {villages}", params),
        ("petitions", f"petitions WHERE {petitions}", petition_params),
    ]


_ROWS_BY_LOAD = PerLoad(keep=64)


def rows_by_load(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """The scope's rows per table and the load that wrote their present version
    (table_name, load_id, rows), in one pass, once per load and scope: at province scale
    the events joined to their residents are the slowest read of the bookkeeping, and
    both the table counts and the load history are sums of these."""

    def count() -> pl.DataFrame:
        parts = _tables_in_scope(scope)
        query = " UNION ALL ".join(
            f"SELECT '{name}' AS table_name, {'a.' if name == 'activity' else ''}load_id, "
            f"count(*) AS rows FROM {source} GROUP BY ALL"
            for name, source, _ in parts
        )
        frame = con.sql(query, params=[p for *_, params in parts for p in params]).pl()
        return frame.with_columns(pl.col("rows").cast(pl.Int64))

    return _ROWS_BY_LOAD.get(con, scope, count)


@scoped
def table_counts(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Rows per table within the scope: table_name, rows."""
    names = pl.DataFrame({"table_name": [name for name, _, _ in _tables_in_scope(scope)]})
    counted = rows_by_load(con, scope).group_by("table_name").agg(pl.col("rows").sum())
    return names.join(counted, on="table_name", how="left").with_columns(
        pl.col("rows").fill_null(0)
    )


@scoped
def covers_everything(con: duckdb.DuckDBPyConnection, scope: Scope) -> bool:
    """Whether everything loaded lies within the scope (a district install read by its
    district): then the loads' own bookkeeping is all about the scope."""
    if scope.region_code is None:
        return True
    outside = con.execute(
        "SELECT count(*) FROM regions WHERE NOT (? IN (region_code, street_code, district_code))",
        [scope.region_code],
    ).fetchall()[0][0]
    return outside == 0


def _part(con: duckdb.DuckDBPyConnection, scope: Scope) -> Scope:
    """The scope the bookkeeping is cut to: everything when the scope holds all of it."""
    return Scope() if covers_everything(con, scope) else Scope(scope.region_code)


_QUARANTINED_USERS = PerLoad(keep=4)


def quarantined_users(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """The users the quarantined rows name that are loaded, and their villages (two lists
    in the same order), read once per load: finding them among a province's five million
    users took most of each of the data page's reads of the rows kept aside."""

    def read() -> tuple[list[str], list[str]]:
        rows = con.execute(
            "SELECT user_id, region_code FROM users WHERE user_id IN ("
            "SELECT trim(json_extract_string(record, '$.user_id')) FROM quarantine) "
            "ORDER BY user_id"
        ).fetchall()
        return [user for user, _ in rows], [region for _, region in rows]

    return _QUARANTINED_USERS.get(con, "users", read)


def _quarantine_in_scope(con: duckdb.DuckDBPyConnection, scope: Scope) -> tuple[str, list]:
    """The quarantine's rows about the scope, with `region_code` (what the row is about,
    None when it names no loaded region): all of them for everything."""
    below, params = scope.below("region_code")
    return (
        f"SELECT * FROM (SELECT q.*, {_QUARANTINED_REGION} AS region_code FROM quarantine q) "
        f"WHERE {below}",
        [*quarantined_users(con), *params],
    )


def _loads_kept_aside(con: duckdb.DuckDBPyConnection, scope: Scope, limit: int) -> Listed:
    """The loads, newest first, with their own totals for everything (`scope` as `_part`
    gives it), or for a part only the rows kept aside that concern it."""
    if scope.region_code is None:
        return listed(con, "SELECT * FROM loads", [], "load_id DESC", limit)
    kept, kept_params = _quarantine_in_scope(con, scope)
    query = f"""
        SELECT l.load_id, l.started_at, l.finished_at, l.source, l.files,
               NULL::BIGINT AS rows_read, NULL::BIGINT AS rows_inserted,
               NULL::BIGINT AS rows_updated, NULL::BIGINT AS rows_unchanged,
               NULL::BIGINT AS rows_superseded,
               coalesce(k.rows, 0)::BIGINT AS rows_quarantined, l.demo
        FROM loads l
        LEFT JOIN (SELECT load_id, count(DISTINCT (file, row_number)) AS rows FROM ({kept})
                   GROUP BY load_id) k USING (load_id)
    """
    return listed(con, query, kept_params, "load_id DESC", limit)


@scoped
def load_history(con: duckdb.DuckDBPyConnection, scope: Scope, limit: int = 100) -> Listed:
    """The loads, newest first. For everything, each load's own totals; for a part, only
    what is about that part: rows kept aside that concern it, and `rows_current`, its rows
    whose present version this load wrote. A load's totals cover the whole export, so for
    a part they are null."""
    scope = _part(con, scope)
    loads = _loads_kept_aside(con, scope, limit)
    if scope.region_code is None:
        return Listed(loads.rows.with_columns(rows_current=pl.lit(None, pl.Int64)), loads.total)
    written = rows_by_load(con, scope).group_by("load_id").agg(rows_current=pl.col("rows").sum())
    rows = loads.rows.join(written, on="load_id", how="left", maintain_order="left")
    return Listed(rows.with_columns(pl.col("rows_current").fill_null(0)), loads.total)


@scoped
def latest_load(con: duckdb.DuckDBPyConnection, scope: Scope) -> dict | None:
    """The latest load, as `load_history` gives it without `rows_current`: when it
    finished and the rows kept aside (for a part, those concerning it); None before any."""
    loads = _loads_kept_aside(con, _part(con, scope), 1).rows
    return loads.row(0, named=True) if loads.height else None


@scoped
def load_files(con: duckdb.DuckDBPyConnection, scope: Scope, load_id: int) -> pl.DataFrame:
    """The files a load read. For a part of what is loaded, the rows a file held about
    other parts are not told: `rows_read` is null and `rows_quarantined` counts the part's."""
    scope = _part(con, scope)
    if scope.region_code is None:
        return con.sql(
            "SELECT file, table_name, format, rows_read, rows_quarantined, bytes, sha256, "
            "warnings FROM load_files WHERE load_id = ? ORDER BY file",
            params=[load_id],
        ).pl()
    kept, params = _quarantine_in_scope(con, scope)
    return con.sql(
        "SELECT f.file, f.table_name, f.format, NULL::BIGINT AS rows_read, "
        "coalesce(k.rows, 0)::BIGINT AS rows_quarantined, f.bytes, f.sha256, "
        "NULL::VARCHAR[] AS warnings FROM load_files f "
        "LEFT JOIN (SELECT file, count(DISTINCT row_number) AS rows "
        f"FROM ({kept}) WHERE load_id = ? GROUP BY file) k USING (file) "
        "WHERE f.load_id = ? ORDER BY f.file",
        params=[*params, load_id, load_id],
    ).pl()


@scoped
def quarantine_by_reason(
    con: duckdb.DuckDBPyConnection, scope: Scope, load_id: int
) -> pl.DataFrame:
    """Rows kept aside by one load that concern the scope: table_name, reason, rows (a row
    counts once per reason)."""
    kept, params = _quarantine_in_scope(con, _part(con, scope))
    return (
        con.sql(
            "SELECT table_name, reason, count(DISTINCT (file, row_number)) AS rows "
            f"FROM ({kept}) WHERE load_id = ? GROUP BY ALL ORDER BY table_name, reason",
            params=[*params, load_id],
        )
        .pl()
        .with_columns(pl.col("rows").cast(pl.Int64))
    )


@scoped
def quarantined_rows(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    load_id: int,
    limit: int = 1000,
    unmask: bool = False,
) -> Listed:
    """Rows kept aside by a load that concern the scope; the raw record and value masked
    unless `unmask`, since a message's text travels with its row."""
    kept, params = _quarantine_in_scope(con, _part(con, scope))
    rows = listed(
        con,
        "SELECT table_name, file, row_number, column_name, value, reason, record "
        f"FROM ({kept}) WHERE load_id = ?",
        [*params, load_id],
        "file, row_number, column_name",
        limit,
    )
    return Listed(mask_columns(rows.rows, ["value", "record"], unmask), rows.total)


@scoped
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


@before_sign_in
def demo_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether everything loaded was made by the built-in demo generator (`etl demo`
    marks its loads; where the files came from does not matter)."""
    query = "SELECT count(*), count(*) FILTER (NOT demo) FROM loads"
    loads, real = con.execute(query).fetchall()[0]
    return loads > 0 and real == 0


@scoped
def demo_data(con: duckdb.DuckDBPyConnection, scope: Scope) -> bool:
    """`demo_only`, for a page of a signed-in user: the flag is the whole database's, the
    same whatever the scope."""
    return demo_only(con)


@before_sign_in
def demo_choices(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], str | None]:
    """The demo's streets by code and its district, for the demo's role picker; nothing
    while anything loaded is real."""
    if not demo_only(con):
        return {}, None
    _, streets, top_code, _ = months_and_streets(con, Scope())
    return streets, top_code
