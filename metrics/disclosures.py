"""Views of disclosures for the disclosures page: completeness by item, lateness, and one
village's calendar. Pure: frames in, frames out."""

from __future__ import annotations

import datetime as dt

import polars as pl

from metrics.marts import Span, due_items, due_time
from schema.timing import days_late, month_bounds


def completeness_by_item(
    disclosures: pl.DataFrame,
    catalogue: pl.DataFrame,
    villages: pl.DataFrame,
    span: Span,
    month: dt.date,
    unit: str,
) -> pl.DataFrame:
    """unit (street_code or region_code), item_code, due, published, completeness: the
    periodic items falling due in `month`, by unit and item."""
    due = due_items(disclosures.lazy(), catalogue.lazy(), villages.lazy(), span, "month")
    return (
        due.filter(pl.col("p") == month)
        .join(villages.lazy().select("region_code", "street_code"), on="region_code")
        .group_by(pl.col(unit).alias("unit"), "item_code")
        .agg(
            pl.len().alias("due"),
            (pl.col("published_at") < pl.col("as_of")).sum().alias("published"),
        )
        .with_columns((pl.col("published") / pl.col("due")).alias("completeness"))
        .sort("unit", "item_code")
        .collect()
    )


def lateness(disclosures: pl.DataFrame, catalogue: pl.DataFrame, month: dt.date) -> pl.DataFrame:
    """The month's non-withdrawn disclosures that have a due time, with days past it
    (negative: early)."""
    start, end = month_bounds(month)
    return (
        disclosures.filter(
            (pl.col("status") != "withdrawn")
            & pl.col("published_at").is_between(start, end, closed="left")
        )
        .join(catalogue.select("item_code", "due_days"), on="item_code")
        .with_columns(due_time(pl.col("period_end"), pl.col("due_days")).alias("due"))
        .drop_nulls("due")
        .with_columns(days_late(pl.col("published_at"), pl.col("due")).alias("days_late"))
    )


def calendar(
    disclosures: pl.DataFrame, catalogue: pl.DataFrame, village: pl.DataFrame, span: Span
) -> pl.DataFrame:
    """One village's periodic items of the span: item, period, due date and first
    publication (none if never), latest due first."""
    due = due_items(disclosures.lazy(), catalogue.lazy(), village.lazy(), span, "month")
    return (
        due.select(
            "item_code",
            pl.col("period_start"),
            pl.col("period_end"),
            (pl.col("due") - pl.duration(seconds=1)).alias("due"),
            "published_at",
            days_late(pl.col("published_at"), pl.col("due")).round(1).alias("days_late"),
        )
        .sort("due", descending=True)
        .collect()
    )
