"""What the daily 17:00 report reads, always within a scope: the records of the windows it
covers, whether the data covers the day, and the leads and rectifications it lists."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from datastore.per_load import PerLoad
from datastore.privacy import mask_columns
from datastore.rectifications import overdue_items
from datastore.scope import Scope
from datastore.scoring import lead_episodes, scoring_scope
from metrics.marts import Span
from schema.timing import daily_window


def data_span(con: duckdb.DuckDBPyConnection) -> Span | None:
    """The loaded data's first and last day and its last moment."""
    rows = con.execute("SELECT first_day, last_day, data_end FROM mart_span").fetchall()
    if not rows or rows[0][0] is None:
        return None
    return Span(*rows[0])


def day_tables(
    con: duckdb.DuckDBPyConnection, scope: Scope, first: dt.date, last: dt.date
) -> dict[str, pl.DataFrame]:
    """The scope's records that the daily figures of the days `first`…`last` can depend on:
    regions (the scope's villages and the streets and districts above them), messages
    (from mart_feedback), non-withdrawn disclosures published before the last cut-off, the
    catalogue, and the residents of households with a registration in those windows."""
    start, _ = daily_window(first)
    _, end = daily_window(last)
    villages, params = scope.villages()
    above, above_params = scope.regions()
    regions = con.sql(
        "SELECT region_code, name, level, kind, street_code, district_code FROM regions "
        f"WHERE (level = 'village' AND {villages}) OR (level != 'village' AND {above}) "
        "ORDER BY region_code",
        params=[*params, *above_params],
    ).pl()
    # A message matters while it could be due a reply (submitted the calendar day before a
    # window) or be overdue in one (not closed before the first window).
    messages = con.sql(
        "SELECT feedback_id, region_code, submitted_at, first_reply_at, closed_at "
        f"FROM mart_feedback WHERE {villages} AND submitted_at < ? "
        "AND (closed_at IS NULL OR closed_at >= ? OR submitted_at >= ?)",
        params=[*params, end, start, start - dt.timedelta(days=1)],
    ).pl()
    disclosures = con.sql(
        "SELECT region_code, category, item_code, period_start, period_end, published_at "
        f"FROM disclosures WHERE {villages} AND status != 'withdrawn' AND published_at < ?",
        params=[*params, end],
    ).pl()
    catalogue = con.sql("SELECT item_code, frequency, due_days FROM catalogue").pl()
    in_scope = regions.filter(pl.col("level") == "village").select("region_code")
    residents = window_residents(con, scope, start, end).join(
        in_scope, on="region_code", how="semi"
    )
    return {
        "regions": regions,
        "messages": messages,
        "disclosures": disclosures,
        "catalogue": catalogue,
        "residents": residents,
    }


RESIDENT_COLUMNS = (
    "user_id, region_code, household_id, registered_at, role, status, cancelled_at, updated_at"
)

# Each district's residents of the windows the pages asked for, and of the data's last
# day for every district the warmer reads ahead (datastore/ahead.py): a few rows each.
_RESIDENTS = PerLoad(keep=256)


def window_residents(
    con: duckdb.DuckDBPyConnection, scope: Scope, start: dt.datetime, end: dt.datetime
) -> pl.DataFrame:
    """The residents registered in [start, end) in the district holding the scope (the
    scope itself when it is a district or wider), then the other members of their
    households, by user_id; read once per load and district, whoever of it asks: at
    province scale finding them among five million users was most of a day's figures."""
    area = scoring_scope(con, scope)
    villages, params = area.villages()

    def read() -> pl.DataFrame:
        registered = con.sql(
            f"SELECT {RESIDENT_COLUMNS} FROM users WHERE {villages} AND role = 'resident' "
            "AND registered_at >= ? AND registered_at < ?",
            params=[*params, start, end],
        ).pl()
        # Those households are few, so their members are looked up by household (a
        # self-join of a province's five million users per village took seconds).
        households = (
            registered.filter(pl.col("household_id").is_not_null())
            .select("region_code", "household_id")
            .unique()
        )
        members = (
            con.sql(
                f"SELECT {RESIDENT_COLUMNS} FROM users WHERE {villages} AND role = 'resident' "
                "AND household_id IN (SELECT unnest(?::VARCHAR[]))",
                params=[*params, households.get_column("household_id").unique().to_list()],
            )
            .pl()
            .join(households, on=["region_code", "household_id"], how="semi")
        )
        return pl.concat([registered, members]).unique("user_id").sort("user_id")

    return _RESIDENTS.get(con, (area, start, end), read)


LEAD_COLUMNS = {
    "lead_id": pl.String,
    "region_code": pl.String,
    "name": pl.String,
    "street_code": pl.String,
    "lead_type": pl.String,
    "score": pl.Float64,
    "window_start": pl.Date,
    "window_end": pl.Date,
}


def new_leads(
    con: duckdb.DuckDBPyConnection, scope: Scope, since: dt.date, until: dt.date
) -> pl.DataFrame:
    """The scope's leads raised as of `until` that were not as of `since`: lead episodes
    (datastore.scoring) going on at `until` whose village and type had none going on at
    `since`. Columns LEAD_COLUMNS (window_start … window_end: the episode's span), by
    score; each episode's id is the one the leads page opens."""
    now = lead_episodes(con, scope, until).filter(pl.col("ongoing"))
    before = lead_episodes(con, scope, since).filter(pl.col("ongoing"))
    fresh = now.join(before.select("region_code", "lead_type"), on=["region_code", "lead_type"],
                     how="anti")  # fmt: skip
    return (
        fresh.select(list(LEAD_COLUMNS))
        .cast(LEAD_COLUMNS)
        .sort(["score", "region_code"], descending=[True, False])
    )


RECTIFICATION_COLUMNS = {
    "rectification_id": pl.String,
    "lead_id": pl.String,
    "region_code": pl.String,
    "name": pl.String,
    "problem": pl.String,
    "responsible": pl.String,
    "deadline": pl.Date,
    "days_overdue": pl.Int64,
}


def rectifications_available() -> bool:
    """Whether rectification items (整改) can be recorded: they can (datastore/casework.py),
    so the digest always has its section of overdue ones, empty or not."""
    return True


def overdue_rectifications(
    con: duckdb.DuckDBPyConnection, scope: Scope, as_of: dt.date
) -> pl.DataFrame:
    """The scope's rectification items past their deadline with neither a report of
    completion nor closing recorded by the end of `as_of`, most overdue first:
    RECTIFICATION_COLUMNS (responsible: the person; texts masked)."""
    items = mask_columns(overdue_items(con, scope, as_of), ["problem", "person"], unmask=False)
    return items.select(
        pl.col("rectification_id").cast(pl.String),
        "lead_id",
        "region_code",
        "name",
        "problem",
        pl.col("person").alias("responsible"),
        "deadline",
        "days_overdue",
    ).cast(RECTIFICATION_COLUMNS)
