"""What the indicators look at: the records of a scoring window as they stood on the as-of
date. The only module of models/ that reads the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from datastore.activity import ActivityReader
from datastore.scope import Scope
from metrics.marts import due_time, item_periods

DEFAULT_WINDOW_DAYS = 90
LOOK_BACK_DAYS = 30


@dataclass
class ScoringData:
    """Records up to `as_of` (exclusive), states as they stood then.

    villages: region_code, name, street_code, district_code, kind, households
    disclosures: every disclosure published before as_of, with due (first instant after
        the deadline, null when unknown) and `changed` (corrected or withdrawn by as_of)
    feedback: every message submitted before as_of, reply and closure only if they had
        happened by then
    expected: periodic (village, item, period) falling due in the window or in the
        `LOOK_BACK_DAYS` before it (items are judged missing only well after their due date)
    activity: registration and activity aggregates (datastore/activity.py), read in SQL
        when an indicator first asks for them and kept for the next window; None when
        there is nothing to read them from (the padding indicators then measure nothing)
    """

    as_of: dt.datetime
    window_start: dt.date
    window_end: dt.date
    villages: pl.DataFrame
    disclosures: pl.DataFrame
    feedback: pl.DataFrame
    expected: pl.DataFrame
    activity: ActivityReader | None = None

    @property
    def window_start_ts(self) -> dt.datetime:
        return dt.datetime.combine(self.window_start, dt.time())

    @property
    def peers(self) -> list[str]:
        """Comparable villages: same street, same kind (village or community)."""
        return ["street_code", "kind"]


def prepare(
    villages: pl.DataFrame,
    disclosures: pl.DataFrame,
    feedback: pl.DataFrame,
    catalogue: pl.DataFrame,
    as_of: dt.date,
    window_days: int = DEFAULT_WINDOW_DAYS,
    activity: ActivityReader | None = None,
) -> ScoringData:
    """Cut the records at the end of `as_of` and attach what every indicator needs."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    window_start = as_of - dt.timedelta(days=window_days - 1)
    happened = lambda column: pl.when(pl.col(column) < end).then(pl.col(column))  # noqa: E731
    items = catalogue.select("item_code", "frequency", "due_days")
    disclosed = (
        disclosures.filter(pl.col("published_at") < end)
        .join(items, on="item_code", how="left")
        .with_columns(
            due_time(pl.col("period_end"), pl.col("due_days")).alias("due"),
            happened("reviewed_at").alias("reviewed_at"),
            (
                pl.col("status").is_in(["corrected", "withdrawn"])
                & (pl.col("updated_at").fill_null(pl.col("published_at")) < end)
            ).alias("changed"),
            (
                (pl.col("status") == "withdrawn")
                & (pl.col("updated_at").fill_null(pl.col("published_at")) < end)
            ).alias("withdrawn"),
        )
    )
    messages = feedback.filter(pl.col("submitted_at") < end).with_columns(
        happened("first_reply_at").alias("first_reply_at"),
        happened("closed_at").alias("closed_at"),
    )
    messages = messages.with_columns(
        pl.when(pl.col("closed_at").is_not_null())
        .then(pl.col("satisfaction"))
        .alias("satisfaction")
    )
    reach_back = window_start - dt.timedelta(days=400)
    expected = (
        villages.select("region_code")
        .join(item_periods(catalogue.lazy(), reach_back, as_of).collect(), how="cross")
        .with_columns(due_time(pl.col("period_end"), pl.col("due_days")).alias("due"))
        .filter(
            (
                pl.col("due")
                > dt.datetime.combine(window_start, dt.time()) - dt.timedelta(days=LOOK_BACK_DAYS)
            )
            & (pl.col("due") <= end)
        )
    )
    return ScoringData(end, window_start, as_of, villages, disclosed, messages, expected, activity)


def load(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    as_of: dt.date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    activity: ActivityReader | None = None,
) -> ScoringData:
    """Read the scope's records; `as_of` defaults to the last day of the loaded data. Pass
    the `activity` reader of an earlier window of the same scope to reuse what it read."""
    if as_of is None:
        as_of = con.execute("SELECT last_day FROM mart_span").fetchall()[0][0]
    villages_sql, params = scope.villages()
    villages = con.sql(
        "SELECT region_code, name, street_code, district_code, kind, households FROM regions "
        f"WHERE level = 'village' AND {villages_sql} ORDER BY region_code",
        params=params,
    ).pl()
    disclosures = con.sql(
        "SELECT disclosure_id, region_code, category, item_code, period, period_start, "
        "period_end, published_at, reviewed_at, status, amount, payee, updated_at "
        f"FROM disclosures WHERE {villages_sql} ORDER BY published_at, disclosure_id",
        params=params,
    ).pl()
    feedback = con.sql(
        "SELECT feedback_id, region_code, user_id, topic, submitted_at, first_reply_at, "
        f"closed_at, satisfaction FROM feedback WHERE {villages_sql} "
        "ORDER BY submitted_at, feedback_id",
        params=params,
    ).pl()
    catalogue = con.sql("SELECT * FROM catalogue ORDER BY item_code").pl()
    activity = activity or ActivityReader(con, scope)
    return prepare(villages, disclosures, feedback, catalogue, as_of, window_days, activity)
