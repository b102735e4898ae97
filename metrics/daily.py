"""The day's work as of 17:00, and the daily ranking of streets in a district and villages in
a street on it, with the change on the day before. Pure Polars on the frames that
`datastore.daily.day_tables` reads; `metrics/glossary.py` defines every figure.

A day's figures cover `schema.timing.daily_window(day)`: from 17:00 the day before to 17:00
that day, so that each 17:00 report counts what happened since the previous one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from datastore import daily as source
from datastore.scope import Scope
from metrics.marts import due_time, item_periods, residents
from metrics.ranking import rank_by
from metrics.rollup import ancestors, unit_names
from schema.timing import (
    daily_window,
    day_after,
    on_books_at,
    overdue_at,
    overdue_between,
    replied_same_day,
    same_day_deadline,
)

NOTHING_DUE = "当日无应办事项"
# The counts behind the day's figures; they add up across villages.
COUNTS = (
    "daily_published",
    "daily_due_items",
    "daily_due_published",
    "daily_replies_due",
    "daily_same_day_replies",
    "daily_overdue",
    "daily_overdue_cleared",
    "daily_overdue_left",
    "daily_new_registrations",
    "daily_new_households",
)
RATES = {  # rate: (numerator, denominator)
    "daily_disclosure_rate": ("daily_due_published", "daily_due_items"),
    "daily_reply_rate": ("daily_same_day_replies", "daily_replies_due"),
    "daily_overdue_clearance_rate": ("daily_overdue_cleared", "daily_overdue"),
}
FIGURES = (*COUNTS, *RATES, "daily_score")
# Periodic items are due at most a year and their due days after their period began.
_REACH_BACK = dt.timedelta(days=400)


@dataclass(frozen=True)
class DailyWeights:
    """Relative weights of the three scored rates; a rate with nothing due that day is left
    out and the others' weights share its place."""

    disclosures: float = 1.0
    replies: float = 1.0
    clearance: float = 1.0

    def __post_init__(self) -> None:
        values = (self.disclosures, self.replies, self.clearance)
        if min(values) < 0 or sum(values) <= 0:
            raise ValueError("weights cannot be negative and must not all be zero")

    def of(self) -> dict[str, float]:
        return dict(zip(RATES, (self.disclosures, self.replies, self.clearance), strict=True))


def _count(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    return frame.group_by("region_code").agg(pl.len().alias(name))


def _disclosures(tables: dict[str, pl.DataFrame], first_day: dt.date, day: dt.date):
    """daily_published, and the periodic items due by the end of `day` (deadline within
    the data) not published before the window began: daily_due_items, daily_due_published."""
    start, end = daily_window(day)
    published = tables["disclosures"]
    in_window = _count(
        published.filter(pl.col("published_at").is_between(start, end, closed="left")),
        "daily_published",
    )
    key = ["region_code", "item_code", "period_start", "period_end"]
    first_published = published.group_by(key).agg(pl.col("published_at").min())
    expected = (
        item_periods(tables["catalogue"].lazy(), first_day - _REACH_BACK, day)
        .with_columns(due_time(pl.col("period_end"), pl.col("due_days")).alias("due"))
        .filter(
            (pl.col("due") > dt.datetime.combine(first_day, dt.time()))
            & (pl.col("due") <= day_after(day))
        )
        .collect()
    )
    villages = tables["regions"].filter(pl.col("level") == "village").select("region_code")
    due = (
        villages.join(expected.drop("due_days"), how="cross")
        .join(first_published, on=key, how="left")
        .filter(pl.col("published_at").is_null() | (pl.col("published_at") >= start))
        .group_by("region_code")
        .agg(
            pl.len().alias("daily_due_items"),
            (pl.col("published_at") < end).sum().alias("daily_due_published"),
        )
    )
    return in_window, due


def _messages(tables: dict[str, pl.DataFrame], day: dt.date):
    start, end = daily_window(day)
    messages = tables["messages"]
    replies = (
        messages.filter(same_day_deadline().is_between(start, end, closed="left"))
        .group_by("region_code")
        .agg(
            pl.len().alias("daily_replies_due"),
            replied_same_day().sum().alias("daily_same_day_replies"),
        )
    )
    overdue = (
        messages.filter(overdue_between(start, end))
        .group_by("region_code")
        .agg(
            pl.len().alias("daily_overdue"),
            (pl.col("closed_at") < end).sum().alias("daily_overdue_cleared"),
        )
    )
    left = _count(messages.filter(overdue_at(end)), "daily_overdue_left")
    return replies, overdue, left


def _registrations(tables: dict[str, pl.DataFrame], day: dt.date):
    start, end = daily_window(day)
    people = residents(tables["residents"].lazy()).collect()
    new = _count(
        people.filter(pl.col("registered_at").is_between(start, end, closed="left")).filter(
            on_books_at(end)
        ),
        "daily_new_registrations",
    )
    households = (
        people.filter(pl.col("household_id").is_not_null())
        .group_by("region_code", "household_id")
        .agg(on_books_at(end).any().alias("after"), on_books_at(start).any().alias("before"))
        .filter(pl.col("after") & ~pl.col("before"))
    )
    return new, _count(households, "daily_new_households")


def village_day(tables: dict[str, pl.DataFrame], first_day: dt.date, day: dt.date):
    """One row per village of `tables` for `day`: region_code, period_start and COUNTS.
    `first_day` is the data's first day: items falling due before it are not judged, as
    what was published before the data began is unknown."""
    frame = tables["regions"].filter(pl.col("level") == "village").select("region_code")
    for part in (
        *_disclosures(tables, first_day, day),
        *_messages(tables, day),
        *_registrations(tables, day),
    ):
        frame = frame.join(part, on="region_code", how="left")
    return frame.select(
        "region_code",
        pl.lit(day).alias("period_start"),
        *[pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNTS],
    )


def with_score(frame: pl.DataFrame, weights: DailyWeights = DailyWeights()) -> pl.DataFrame:
    """The three rates and the day's score: 100 × the weighted mean of the rates that had
    something due (a null rate is left out)."""
    rated = frame.with_columns(
        pl.when(pl.col(d) > 0).then(pl.col(n) / pl.col(d)).alias(rate)
        for rate, (n, d) in RATES.items()
    )
    weight = weights.of()
    present = pl.sum_horizontal(
        pl.when(pl.col(r).is_not_null()).then(pl.lit(w)).otherwise(0.0) for r, w in weight.items()
    )
    weighted = pl.sum_horizontal(
        pl.when(pl.col(r).is_not_null()).then(w * pl.col(r)).otherwise(0.0)
        for r, w in weight.items()
    )
    return rated.with_columns(
        pl.when(present > 0).then(100 * weighted / present).alias("daily_score")
    )


def unit_days(
    village_rows: pl.DataFrame,
    regions: pl.DataFrame,
    level: str,
    weights: DailyWeights = DailyWeights(),
) -> pl.DataFrame:
    """The villages' counts summed to the units of `level`, one row per unit and day, with
    the rates (ratios of sums), the score and the unit's name."""
    units = ancestors(regions.lazy(), level).collect()
    summed = (
        village_rows.join(units, on="region_code")
        .group_by("unit", "period_start")
        .agg(pl.col(c).sum() for c in COUNTS)
    )
    names = unit_names(regions.lazy(), level).collect()
    return (
        with_score(summed, weights)
        .join(names, on="unit", how="left")
        .rename({"unit": "region_code"})
        .sort("region_code", "period_start")
    )


def ranking(units: pl.DataFrame) -> pl.DataFrame:
    """`unit_days` ranked within each day on the day's score; units with nothing due are
    listed with 当日无应办事项 and no rank. rank_change and score_change are on the day before
    (positive: better)."""
    ranked = rank_by(units, "daily_score", pl.col("daily_score").is_not_null(), NOTHING_DUE)
    before = ranked.select(
        "region_code",
        (pl.col("period_start") + pl.duration(days=1)).cast(pl.Date).alias("period_start"),
        pl.col("daily_score").alias("previous_score"),
    )
    return ranked.join(before, on=["region_code", "period_start"], how="left").with_columns(
        (pl.col("daily_score") - pl.col("previous_score")).alias("score_change")
    )


def day_report(
    con, scope: Scope, level: str, day: dt.date, weights: DailyWeights = DailyWeights()
) -> dict[str, pl.DataFrame]:
    """What a page or the digest shows for `day` and the day before: `units` (the units of
    `level` in the scope, ranked) and `total` (the scope as a whole, one row per day)."""
    span = source.data_span(con)
    before = day - dt.timedelta(days=1)
    tables = source.day_tables(con, scope, before, day)
    first_day = span.first_day if span else day
    villages = pl.concat([village_day(tables, first_day, d) for d in (before, day)])
    regions = tables["regions"]
    ranked = ranking(unit_days(villages, regions, level, weights))
    total = with_score(
        villages.group_by("period_start").agg(pl.col(c).sum() for c in COUNTS), weights
    ).sort("period_start")
    return {"units": ranked.filter(pl.col("period_start") == day), "total": total}
