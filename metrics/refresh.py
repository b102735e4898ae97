"""Materialise the marts in the database, inside the load that changed the data."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from metrics.marts import (
    GRAINS,
    Span,
    data_span,
    feedback_facts,
    petitions_by_period,
    village_marts,
)

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


# Gives empty marts their columns when no activity, message or disclosure is loaded yet.
_EMPTY_SPAN = Span(dt.date(2000, 1, 1), dt.date(2000, 1, 1), dt.datetime(2000, 1, 1))


def _write(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    con.register("mart_rows", frame.to_arrow())
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM mart_rows")
    con.unregister("mart_rows")


def refresh_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every mart from the tables, as of the data now in `con`."""
    tables = {name: con.sql(f"SELECT * FROM {name}").pl().lazy() for name in SOURCE_TABLES}
    span = data_span(tables)
    _write(
        con,
        "mart_span",
        pl.DataFrame(
            {
                "first_day": [span.first_day if span else None],
                "last_day": [span.last_day if span else None],
                "data_end": [span.data_end if span else None],
            },
            schema={"first_day": pl.Date, "last_day": pl.Date, "data_end": pl.Datetime("us")},
        ),
    )
    _write(con, "mart_feedback", feedback_facts(tables["feedback"]).collect())
    for grain in GRAINS:
        frame = petitions_by_period(tables["petitions"], grain).collect()
        _write(con, f"mart_petitions_{grain}", frame)
    for grain, frame in village_marts(tables, span or _EMPTY_SPAN).items():
        _write(con, f"mart_village_{grain}", frame if span else frame.head(0))
