"""Views of the messages themselves (mart_feedback rows) for the messages page. Pure."""

from __future__ import annotations

import datetime as dt

import polars as pl


def submitted_in(frame: pl.DataFrame, month: dt.date) -> pl.DataFrame:
    """Messages submitted in the calendar month starting `month`."""
    following = (month + dt.timedelta(days=32)).replace(day=1)
    start, end = dt.datetime.combine(month, dt.time()), dt.datetime.combine(following, dt.time())
    return frame.filter(pl.col("submitted_at").is_between(start, end, closed="left"))


def by_topic(frame: pl.DataFrame) -> pl.DataFrame:
    """topic, messages, same-day replies, dissatisfied: most written about first."""
    return (
        frame.group_by(pl.col("topic").fill_null("其他"))
        .agg(
            pl.len().alias("messages"),
            pl.col("same_day").sum().alias("same_day"),
            (pl.col("satisfaction") == "dissatisfied").sum().alias("dissatisfied"),
        )
        .sort(["messages", "topic"], descending=[True, False])
    )


def overdue(frame: pl.DataFrame, as_of: dt.datetime) -> pl.DataFrame:
    """Messages still open at `as_of` that were submitted more than 7 days before it,
    oldest first, with their age in days."""
    still_open = pl.col("closed_at").is_null() | (pl.col("closed_at") >= as_of)
    return (
        frame.filter(still_open & (pl.col("submitted_at") < as_of - dt.timedelta(days=7)))
        .with_columns(
            ((as_of - pl.col("submitted_at")).dt.total_hours() / 24).round(1).alias("age_days")
        )
        .sort("submitted_at")
    )
