"""Disclosures published long after they were due (慢作为).

Needs: disclosures with their due time (periodic items: end of period plus due days;
event items: end of the event's day plus due days). The median days past due of the
window's disclosures that have a due time (on-time ones count as 0), with at least
`min_sample` of them, against the peers' fence and a week.
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator
from schema.timing import days_late


def measure(data: ScoringData) -> pl.DataFrame:
    late_days = days_late(pl.col("published_at"), pl.col("due")).clip(0)
    per_village = (
        data.disclosures.filter(
            (pl.col("published_at") >= data.window_start_ts) & pl.col("due").is_not_null()
        )
        .with_columns(late_days.alias("late_days"))
        .group_by("region_code")
        .agg(
            pl.col("late_days").median().alias("value"),
            pl.len().alias("sample"),
            pl.col("disclosure_id")
            .filter(pl.col("late_days") > 0)
            .sort_by(pl.col("late_days").filter(pl.col("late_days") > 0), descending=True)
            .alias("evidence"),
        )
    )
    return per_village


INDICATOR = Indicator(
    id="late_disclosures",
    name_zh="三务公开明显滞后",
    name_en="Disclosures published long after they were due",
    lead_type="slow",
    measures="Median days past due of the window's disclosures with a due time (on-time ones count 0).",
    rationale="Each catalogue item has a due date; publishing weeks late, when peers publish on time, keeps residents uninformed.",
    threshold_rule="Above both the peers' upper fence and 7 days.",
    min_sample=4,
    unit="days",
    evidence_table="disclosures",
    measure=measure,
    threshold=7.0,
)
