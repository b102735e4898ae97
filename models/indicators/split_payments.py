"""Payments to one payee split just under an approval threshold (乱作为).

Needs: non-withdrawn finance disclosures with amount and payee. Payments from 90 % up
to (not including) the threshold above which the villagers' assembly must approve
(50,000 yuan by default) are "just under" it. Three or more to one payee within 30 days
look like one payment split to avoid approval.
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator

APPROVAL_THRESHOLD = 50_000.0
JUST_UNDER = 0.9
SPAN_DAYS = 30


def measure(data: ScoringData) -> pl.DataFrame:
    near = data.disclosures.filter(
        (pl.col("published_at") >= data.window_start_ts)
        & ~pl.col("withdrawn")
        & pl.col("payee").is_not_null()
        & pl.col("amount")
        .cast(pl.Float64)
        .is_between(JUST_UNDER * APPROVAL_THRESHOLD, APPROVAL_THRESHOLD, closed="left")
    ).sort("published_at")
    # For each payment: how many to the same payee within the following 30 days.
    bursts = near.rolling(
        "published_at",
        period=f"{SPAN_DAYS}d",
        offset="0d",
        closed="left",
        group_by=["region_code", "payee"],
    ).agg(pl.len().alias("burst"), pl.col("disclosure_id").alias("ids"))
    best = bursts.sort("burst", descending=True).unique("region_code", keep="first")
    per_village = best.select(
        "region_code",
        pl.col("burst").cast(pl.Float64).alias("value"),
        pl.col("burst").alias("sample"),
        pl.col("ids").alias("evidence"),
    )
    return per_village


INDICATOR = Indicator(
    id="split_payments",
    name_zh="同一收款方拆分支付",
    name_en="Payments split under the approval threshold",
    lead_type="wrong",
    measures="Most payments to one payee within 30 days, each from 90 % of the 50,000-yuan approval threshold up to it.",
    rationale="Spending above the threshold needs the villagers' assembly; splitting one payment into several just below it avoids that check.",
    threshold_rule="At least 3 such payments to one payee within 30 days.",
    min_sample=1,
    unit="payments",
    evidence_table="disclosures",
    measure=measure,
    threshold=3.0,
    peers=False,
)
