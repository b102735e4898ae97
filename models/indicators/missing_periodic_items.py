"""Periodic items missing after their due date (不作为).

Needs: expected (periodic village × item × period falling due in the window) and
disclosures (non-withdrawn, published before the as-of date). The items that fell due
in the 90 days ending 30 days before the as-of date count, so that an item published a
little late is not taken for a missing one. A village with at least `min_sample` such items fires when the share still
unpublished passes the upper fence of comparable villages and half of them.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from models.data import LOOK_BACK_DAYS, ScoringData
from models.indicators.base import Indicator, share_flagged

GRACE_DAYS = LOOK_BACK_DAYS  # the expected items reach back as far as they are given grace


def measure(data: ScoringData) -> pl.DataFrame:
    published = (
        data.disclosures.filter(~pl.col("withdrawn"))
        .select("region_code", "item_code", "period_start", "period_end")
        .unique()
        .with_columns(pl.lit(True).alias("published"))
    )
    overdue = data.expected.filter(pl.col("due") <= data.as_of - dt.timedelta(days=GRACE_DAYS))
    per_item = overdue.join(
        published, on=["region_code", "item_code", "period_start", "period_end"], how="left"
    ).with_columns(pl.col("published").fill_null(False))
    item_period = pl.format("{} {}", "item_code", pl.col("period_start").dt.strftime("%Y-%m"))
    return share_flagged(per_item, ~pl.col("published"), item_period)


INDICATOR = Indicator(
    id="missing_periodic_items",
    name_zh="定期公开事项逾期未公开",
    name_en="Periodic items missing after their due date",
    lead_type="inaction",
    measures="Share of periodic items (item × period) that fell due in the 90 days ending 30 days before the as-of date and have no non-withdrawn disclosure by then.",
    rationale="The 26-item catalogue obliges every village to publish its periodic items by their due date; a village that lets most of them lapse is not doing its duty.",
    threshold_rule="Above both the upper fence (Q3 + 1.5 IQR) of villages of the same street and kind, and 0.5.",
    min_sample=4,
    unit="share",
    evidence_table="catalogue items (item period)",
    measure=measure,
    threshold=0.5,
)
