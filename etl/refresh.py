"""Materialise the marts in the database, inside the load that changed the data.

A load recomputes only what it touched. The marts' rows are (village, day) and (village,
month); a row depends on the village's own records and on the data's last moment, and
`marts.village_marts` gives the same rows for a run of whole months as for the whole span.
So a load finds the (village, month) pairs whose rows may differ from what is stored
(`_dirty`, rule by rule below), recomputes those months for those villages and replaces
their rows. The events are read a month at a time, so a full rebuild of a province's year
holds one month of activity, never the year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import polars as pl

from etl.store import USER_MONTHS
from metrics.marts import (
    COUNT_COLUMNS,
    GRAINS,
    Span,
    active_residents_sql,
    feedback_facts,
    petitions_by_period,
    residents_sql,
    user_months_sql,
    village_marts,
    village_months_sql,
)
from schema.timing import next_month

SOURCE_TABLES = (
    "regions",
    "users",
    "activity",
    "disclosures",
    "feedback",
    "catalogue",
    "petitions",
)
MART_TABLES = (
    "mart_span",
    "mart_feedback",
    *(f"mart_village_{grain}" for grain in GRAINS),
    *(f"mart_petitions_{grain}" for grain in GRAINS),
)
VILLAGE_CHUNK = 3000  # villages computed together: bounds the users held at once


@dataclass
class Changes:
    """What a load changed: keyed tables with both versions of each changed record in the
    temporary table `changed_<name>`, the months that received new events, and whether
    the catalogue changed (which touches every due item)."""

    tables: set[str] = field(default_factory=set)
    event_months: dict[str, set[dt.date]] = field(default_factory=dict)
    catalogue: bool = False
    rebuild: bool = False  # a table was loaded for the first time: every row is new


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [name]
        ).fetchall()[0][0]
    )


def data_span(con: duckdb.DuckDBPyConnection) -> Span | None:
    """From the first to the last moment of activity, messages and disclosures."""
    first, last = con.execute(
        """SELECT min(t), max(t) FROM (
            SELECT min(ts) AS t FROM activity UNION ALL SELECT max(ts) FROM activity
            UNION ALL SELECT min(least(submitted_at, first_reply_at, closed_at)) FROM feedback
            UNION ALL SELECT max(greatest(submitted_at, first_reply_at, closed_at)) FROM feedback
            UNION ALL SELECT min(published_at) FROM disclosures
            UNION ALL SELECT max(published_at) FROM disclosures)"""
    ).fetchall()[0]
    if first is None:
        return None
    return Span(first.date(), last.date(), last)


def _replace(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    con.register("mart_rows", frame.to_arrow())
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM mart_rows")
    con.unregister("mart_rows")


def _append(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    con.register("mart_rows", frame.to_arrow())
    con.execute(f"INSERT INTO {name} SELECT * FROM mart_rows")
    con.unregister("mart_rows")


def _span_frame(span: Span | None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "first_day": [span.first_day if span else None],
            "last_day": [span.last_day if span else None],
            "data_end": [span.data_end if span else None],
        },
        schema={"first_day": pl.Date, "last_day": pl.Date, "data_end": pl.Datetime("us")},
    )


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def refresh_marts(con: duckdb.DuckDBPyConnection, changes: Changes | None = None) -> None:
    """Bring every mart up to date with the tables in `con`: only what `changes` touched,
    or everything when `changes` is None, the catalogue changed or no marts exist yet."""
    span = data_span(con)
    full = changes is None or changes.catalogue or not all(_exists(con, t) for t in MART_TABLES)
    old_span = None if full else _stored_span(con)
    _replace(con, "mart_span", _span_frame(span))
    _refresh_feedback(con, None if full else changes)
    _refresh_petitions(con, None if full else changes)
    if span is None:
        _empty_village_marts(con)
        return
    if full or old_span is None:
        _build_dirty_all(con, span)
    else:
        _build_dirty(con, changes, span, old_span)
    _refresh_villages(con, span, full or old_span is None)


def _stored_span(con: duckdb.DuckDBPyConnection) -> Span | None:
    row = con.execute("SELECT first_day, last_day, data_end FROM mart_span").fetchall()
    return Span(*row[0]) if row and row[0][0] is not None else None


def _refresh_feedback(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:
    """mart_feedback: one row per message; only changed messages are recomputed."""
    if changes is None:
        _replace(
            con,
            "mart_feedback",
            feedback_facts(con.sql("SELECT * FROM feedback").pl().lazy()).collect(),
        )
        return
    if "feedback" not in changes.tables:
        return
    ids = "SELECT DISTINCT feedback_id FROM changed_feedback"
    con.execute(f"DELETE FROM mart_feedback WHERE feedback_id IN ({ids})")
    changed = con.sql(f"SELECT * FROM feedback WHERE feedback_id IN ({ids})").pl()
    _append(con, "mart_feedback", feedback_facts(changed.lazy()).collect())


def _refresh_petitions(con: duckdb.DuckDBPyConnection, changes: Changes | None) -> None:
    """mart_petitions_*: every period of the petitions table; only the regions whose
    petitions changed are recomputed."""
    region = "coalesce(region_code, district_code)"
    if changes is not None and "petitions" not in changes.tables:
        return
    where = "TRUE"
    if changes is not None:
        where = f"{region} IN (SELECT {region} FROM changed_petitions)"
    petitions = con.sql(f"SELECT * FROM petitions WHERE {where}").pl().lazy()
    for grain in GRAINS:
        frame = petitions_by_period(petitions, grain).collect()
        if changes is None:
            _replace(con, f"mart_petitions_{grain}", frame)
        else:
            con.execute(
                f"DELETE FROM mart_petitions_{grain} WHERE region_code IN "
                f"(SELECT {region} FROM changed_petitions)"
            )
            _append(con, f"mart_petitions_{grain}", frame)


# Which (village, month) rows a change can move. Each rule mirrors what marts.py reads:
#   users: a resident's registration, cancellation, household and role count from the
#     moment the versions part (registration, or the earlier end) to the span's end;
#   feedback: the months of submission (counts, replies, satisfaction), and for the
#     backlog the months over which the two versions' open intervals differ;
#   disclosures: the month of publication and the month the item's period falls due;
#   regions: every month of a village whose row changed (households, level);
#   events: every village in a month that received new events;
#   the span: every village in the months between the old and the new first day, and
#     between the old and the new last day (the last period's end moves with the data).
_FOREVER = "TIMESTAMP '9999-12-31'"


def _build_dirty_all(con: duckdb.DuckDBPyConnection, span: Span) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE dirty AS
        SELECT region_code, m::DATE AS month FROM regions,
            range(?::DATE, ?::DATE + INTERVAL 1 DAY, INTERVAL 1 MONTH) t(m)
        WHERE level = 'village'""",
        [span.first_day.replace(day=1), span.last_day],
    )


def _build_dirty(con: duckdb.DuckDBPyConnection, changes: Changes, span: Span, old: Span) -> None:
    ranges = []  # SELECT region_code, from_day, to_day
    if "users" in changes.tables:
        ranges.append(
            f"""SELECT r AS region_code, since::DATE, {_FOREVER}::DATE FROM (
                SELECT n.user_id, [o.region_code, n.region_code] AS rs,
                    CASE WHEN o.user_id IS NULL THEN n.registered_at
                         WHEN o.region_code IS DISTINCT FROM n.region_code
                           OR o.household_id IS DISTINCT FROM n.household_id
                           OR o.role IS DISTINCT FROM n.role
                           OR o.registered_at IS DISTINCT FROM n.registered_at
                         THEN least(o.registered_at, n.registered_at)
                         WHEN o.ends IS DISTINCT FROM n.ends THEN least(o.ends, n.ends) END AS since
                FROM {_user_versions("new")} n LEFT JOIN {_user_versions("old")} o USING (user_id)
            ), unnest(rs) AS u(r) WHERE since IS NOT NULL AND r IS NOT NULL"""
        )
    if "feedback" in changes.tables:
        ranges.append(
            f"""WITH o AS (SELECT * FROM changed_feedback WHERE version = 'old'),
                n AS (SELECT * FROM changed_feedback WHERE version = 'new'),
                p AS (SELECT n.feedback_id, [o.region_code, n.region_code] AS rs,
                    o.submitted_at AS so, n.submitted_at AS sn,
                    coalesce(o.closed_at, {_FOREVER}) AS co,
                    coalesce(n.closed_at, {_FOREVER}) AS cn,
                    o.feedback_id IS NULL OR o.region_code IS DISTINCT FROM n.region_code
                        OR o.submitted_at IS DISTINCT FROM n.submitted_at AS whole
                    FROM n LEFT JOIN o USING (feedback_id))
            SELECT r, s::DATE, s::DATE FROM p, unnest(rs) AS u(r), unnest([so, sn]) AS v(s)
                WHERE r IS NOT NULL AND s IS NOT NULL
            UNION ALL SELECT r, least(so, sn)::DATE, greatest(co, cn)::DATE
                FROM p, unnest(rs) AS u(r) WHERE whole AND r IS NOT NULL
            UNION ALL SELECT r, least(co, cn)::DATE - 1, greatest(co, cn)::DATE
                FROM p, unnest(rs) AS u(r) WHERE NOT whole AND co <> cn AND r IS NOT NULL"""
        )
    if "disclosures" in changes.tables:
        ranges.append(
            """SELECT d.region_code, d.published_at::DATE, d.published_at::DATE
                FROM changed_disclosures d
            UNION ALL SELECT d.region_code, d.period_end + c.due_days, d.period_end + c.due_days
                FROM changed_disclosures d JOIN catalogue c USING (item_code)
                WHERE d.period_end IS NOT NULL"""
        )
    if "regions" in changes.tables:
        ranges.append(
            f"""SELECT DISTINCT region_code, DATE '0001-01-01', {_FOREVER}::DATE
                FROM changed_regions WHERE level = 'village'"""
        )
    every_village = []
    for months in changes.event_months.values():
        every_village += [(m, m) for m in months]
    if (old.first_day, old.last_day) != (
        span.first_day,
        span.last_day,
    ) or old.data_end != span.data_end:
        if old.first_day != span.first_day:
            every_village.append(sorted((old.first_day, span.first_day)))
        every_village.append(sorted((old.last_day, span.last_day)))
    for first, last in every_village:
        ranges.append(
            f"SELECT region_code, {_date(first)}, {_date(last)} FROM regions "
            "WHERE level = 'village'"
        )
    union = " UNION ALL ".join(f"SELECT * FROM ({r})" for r in ranges) or (
        "SELECT NULL::VARCHAR, NULL::DATE, NULL::DATE WHERE FALSE"
    )
    first_month = span.first_day.replace(day=1)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE dirty AS
        SELECT DISTINCT region_code, m::DATE AS month FROM (
            SELECT r.region_code, greatest(date_trunc('month', r.a), ?::DATE) AS a,
                   least(r.b, ?::DATE) AS b
            FROM (SELECT * FROM ({union}) t(region_code, a, b)) r) q,
            range(q.a, q.b + INTERVAL 1 DAY, INTERVAL 1 MONTH) t(m)
        WHERE q.a <= q.b""",
        [first_month, span.last_day],
    )
    # Rows of days that are no longer in the span go, whatever changed.
    for grain in GRAINS:
        con.execute(
            f"DELETE FROM mart_village_{grain} WHERE period_start < ? OR period_start > ?",
            [first_month if grain == "month" else span.first_day, span.last_day],
        )


def _date(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def _user_versions(version: str) -> str:
    return f"""(SELECT user_id, region_code, household_id, role, registered_at,
        CASE WHEN status = 'cancelled' THEN coalesce(cancelled_at, updated_at, registered_at) END
        AS ends FROM changed_users WHERE version = '{version}')"""


def _refresh_villages(con: duckdb.DuckDBPyConnection, span: Span, full: bool) -> None:
    """Recompute the (village, month) pairs in `dirty` and replace their rows."""
    months = [m for (m,) in con.execute("SELECT DISTINCT month FROM dirty ORDER BY 1").fetchall()]
    if not months:
        return
    # Each village is computed over its own dirty months only: a day's load dirties every
    # village's last two months (the data's end moved) but only some villages' older
    # ones (a message open since spring, closed today), and a window as long as the
    # longest for all of them would recompute the year.
    groups: dict[tuple[dt.date, dt.date], list[str]] = {}
    for code, first, last in con.execute(
        "SELECT region_code, min(month), max(month) FROM dirty GROUP BY 1 ORDER BY 1"
    ).fetchall():
        groups.setdefault((first, last), []).append(code)
    catalogue = con.sql("SELECT * FROM catalogue").pl().lazy()
    active = _active_residents(con, span, months)
    computed: dict[str, list[pl.DataFrame]] = {g: [] for g in GRAINS}
    for (first, last), codes in sorted(groups.items()):
        window = Span(
            max(first, span.first_day),
            min(next_month(last) - dt.timedelta(days=1), span.last_day),
            span.data_end,
        )
        for start in range(0, len(codes), VILLAGE_CHUNK):
            chunk = codes[start : start + VILLAGE_CHUNK]
            for grain, frame in _village_chunk(con, chunk, window, catalogue, active).items():
                computed[grain].append(frame)
    for grain in GRAINS:
        frame = pl.concat(computed[grain]) if computed[grain] else None
        con.register("computed_rows", frame.to_arrow())
        if full:
            # Every village was computed over the whole span, in one window, villages in
            # code order and each chunk's rows in order: every row is kept, and in order
            # already (a join and a sort of a province's 3 M days: 0.8 s of 2 s).
            con.execute(f"CREATE OR REPLACE TABLE mart_village_{grain} AS FROM computed_rows")
        else:
            con.execute(
                f"""DELETE FROM mart_village_{grain} t USING dirty d
                WHERE d.region_code = t.region_code
                  AND d.month = date_trunc('month', t.period_start)::DATE"""
            )
            con.execute(
                f"""INSERT INTO mart_village_{grain} SELECT c.* FROM computed_rows c
                JOIN dirty d ON d.region_code = c.region_code
                    AND d.month = date_trunc('month', c.period_start)::DATE"""
            )
        con.unregister("computed_rows")


def _village_chunk(
    con: duckdb.DuckDBPyConnection,
    chunk: list[str],
    window: Span,
    catalogue: pl.LazyFrame,
    active: dict[str, pl.DataFrame],
) -> dict[str, pl.DataFrame]:
    """`village_marts` of the villages `chunk` over `window`, their records read by DuckDB."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE chunk_villages AS SELECT unnest(?) AS region_code", [chunk]
    )
    inside = "region_code IN (SELECT region_code FROM chunk_villages)"
    tables = {
        name: con.sql(f"SELECT * FROM {name} WHERE {inside}").pl().lazy()
        for name in ("regions", "users", "feedback", "disclosures")
    }
    tables["catalogue"] = catalogue
    in_chunk = pl.col("region_code").is_in(chunk)
    return village_marts(
        tables, window, GRAINS, active={g: f.lazy().filter(in_chunk) for g, f in active.items()}
    )


def _user_months(con: duckdb.DuckDBPyConnection, months: list[dt.date]) -> str:
    """The user-months of `months`: those the loader keeps, else (a connection given only
    the events, as the rebuild tests give one) made from the events."""
    listed = ", ".join(_date(m) for m in months)
    kept = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND temporary",
        [USER_MONTHS.name],
    ).fetchall()[0][0]
    if kept:
        return f"(SELECT * FROM {USER_MONTHS.name} WHERE month IN ({listed}))"
    events = f"(SELECT user_id, ts FROM activity WHERE date_trunc('month', ts)::DATE IN ({listed}))"
    con.execute(f"CREATE OR REPLACE TEMP TABLE derived_user_months AS {user_months_sql(events)}")
    return "derived_user_months"


def _active_residents(
    con: duckdb.DuckDBPyConnection, span: Span, months: list[dt.date]
) -> dict[str, pl.DataFrame]:
    """Active residents of the (village, month) pairs in `dirty`, per grain, counted by
    DuckDB from the users' months of activity joined once to the residents of the dirty
    villages; only the counts reach Python."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE dirty_residents AS "
        + residents_sql(
            "(SELECT * FROM users WHERE region_code IN (SELECT DISTINCT region_code FROM dirty))"
        )
    )
    cap = f"TIMESTAMP '{span.as_of_cap.isoformat(sep=' ')}'"
    partly = con.execute(
        """SELECT count(*) FROM (SELECT month, count(*) AS n FROM dirty GROUP BY month)
        WHERE n < (SELECT count(*) FROM regions WHERE level = 'village')"""
    ).fetchall()[0][0]
    # Only months some villages are dirty in need the users of the others left out.
    restrict = (
        "SEMI JOIN dirty d ON d.region_code = r.region_code AND d.month = u.month" if partly else ""
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE village_months AS "
        + village_months_sql(_user_months(con, months), "dirty_residents", cap, restrict)
    )
    found = {g: con.sql(active_residents_sql("village_months", g, cap)).pl() for g in GRAINS}
    for name in ("village_months", "dirty_residents", "derived_user_months"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return found


def _empty_village_marts(con: duckdb.DuckDBPyConnection) -> None:
    schema = {"region_code": pl.String, "period_start": pl.Date} | {
        c: pl.Int64 for c in COUNT_COLUMNS
    }
    for grain in GRAINS:
        _replace(con, f"mart_village_{grain}", pl.DataFrame(schema=schema))
