"""Periodic items missing after their due date (不作为).

Needs: expected (periodic village × item × period falling due in the window) and
disclosures (non-withdrawn, published before the as-of date). The items that fell due
in the window (or up to `missing_grace_days` before it) at least `missing_grace_days`
before the as-of date count, so that an item published a little late is not taken for a
missing one. Only items the district actually publishes count: an (item, period) that
fewer than half of the villages published by then is outside local practice or outside
the export (periods before the data began), not one village's omission.

A village with at least `min_sample` such items fires when the share still unpublished
passes the upper fence of comparable villages and half, and is beyond chance at the
peers' rate of missing items.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator, share_flagged

PRACTISED = 0.5  # an (item, period) counts where at least this share of villages published it
KEY = ["region_code", "item_code", "period_start", "period_end"]


def measure(data: ScoringData) -> pl.DataFrame:
    grace = dt.timedelta(days=data.settings.missing_grace_days)
    overdue = data.expected.filter(pl.col("due") <= data.as_of - grace)
    # Only the overdue periods' publications can match: the rest of the years loaded need
    # not be made unique.
    periods = overdue.get_column("period_start").unique().implode()
    published = (
        data.disclosures.filter(~pl.col("withdrawn") & pl.col("period_start").is_in(periods))
        .select(KEY)
        .unique()
        .with_columns(pl.lit(True).alias("published"))
    )
    per_item = (
        overdue.join(published, on=KEY, how="left")
        .with_columns(pl.col("published").fill_null(False))
        .filter(pl.col("published").mean().over("item_code", "period_start") >= PRACTISED)
    )
    item_period = pl.format("{} {}", "item_code", pl.col("period_start").dt.strftime("%Y-%m"))
    return share_flagged(per_item, ~pl.col("published"), item_period)


INDICATOR = Indicator(
    id="missing_periodic_items",
    name_zh="定期公开事项逾期未公开",
    name_en="Periodic items missing after their due date",
    lead_type="inaction",
    measures="Share of periodic items (item × period) the district publishes that fell due in the window at least the grace days (setting missing_grace_days, 30) before the as-of date and have no non-withdrawn disclosure by then.",
    rationale="The catalogue obliges every village to publish its periodic items by their due date; a village that lets most of them lapse while its neighbours publish them is not doing its duty.",
    threshold_rule="Above both the upper fence (Q3 + 1.5 IQR) of villages of the same street and kind, and 0.5; beyond chance at the peers' share of missing items.",
    min_sample=4,
    unit="share",
    evidence_table="catalogue items (item period)",
    measure=measure,
    threshold=0.5,
    share=True,
)
