"""Views of the messages themselves (mart_feedback rows) for the messages page. Pure."""

from __future__ import annotations

import datetime as dt

import polars as pl

from schema.timing import days_between, month_bounds, overdue_at


def submitted_in(frame: pl.DataFrame, month: dt.date) -> pl.DataFrame:
    """Messages submitted in the calendar month starting `month`."""
    start, end = month_bounds(month)
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
    return (
        frame.filter(overdue_at(as_of))
        .with_columns(
            days_between(pl.col("submitted_at"), pl.lit(as_of)).round(1).alias("age_days")
        )
        .sort("submitted_at")
    )
