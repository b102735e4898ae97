"""Which units need a look on registration and activity. Pure: region metrics in, rows out."""

from __future__ import annotations

import datetime as dt

import polars as pl


def with_change(
    frame: pl.DataFrame, month: dt.date, previous: dt.date, columns: list[str]
) -> pl.DataFrame:
    """The month's rows of a region × month frame, with each column's change on the
    previous month (`<column>_change`, in the column's units)."""
    now = frame.filter(pl.col("period_start") == month)
    before = frame.filter(pl.col("period_start") == previous).select(
        "region_code", *[pl.col(c).alias(f"{c}_before") for c in columns]
    )
    return (
        now.join(before, on="region_code", how="left")
        .with_columns((pl.col(c) - pl.col(f"{c}_before")).alias(f"{c}_change") for c in columns)
        .drop(f"{c}_before" for c in columns)
    )


def needing_attention(
    frame: pl.DataFrame, registration_below: float = 0.99, activity_drop: float = 0.05
) -> pl.DataFrame:
    """Rows of `with_change` output whose registration rate is below the target, or whose
    activity rate fell by at least `activity_drop` on the month before; worst first."""
    low = pl.col("registration_rate") < registration_below
    falling = pl.col("activity_rate_change") <= -activity_drop
    return (
        frame.filter(low.fill_null(False) | falling.fill_null(False))
        .with_columns(
            low.fill_null(False).alias("low_registration"),
            falling.fill_null(False).alias("falling_activity"),
        )
        .sort(["registration_rate", "activity_rate_change"], nulls_last=True)
    )
