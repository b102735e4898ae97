"""Payments far above what comparable villages pay for the same item (乱作为).

Needs: non-withdrawn finance disclosures with amounts. For each catalogue item, the
window's amounts of all villages on a log scale (payments span orders of magnitude);
a payment is extreme above Q3 + 3 IQR of its item. A village fires with at least two
extreme payments: one can be a genuine large project, several need a look.
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator

EXTREME_IQR = 3.0


def measure(data: ScoringData) -> pl.DataFrame:
    payments = data.disclosures.filter(
        (pl.col("published_at") >= data.window_start_ts)
        & ~pl.col("withdrawn")
        & (pl.col("amount") > 0)
    ).with_columns(pl.col("amount").cast(pl.Float64).log10().alias("log_amount"))
    q1 = pl.col("log_amount").quantile(0.25, "linear").over("item_code")
    q3 = pl.col("log_amount").quantile(0.75, "linear").over("item_code")
    flagged = payments.with_columns(
        (pl.col("log_amount") > q3 + EXTREME_IQR * (q3 - q1)).alias("extreme"),
        pl.len().over("item_code").alias("item_payments"),
    ).filter(pl.col("item_payments") >= 20)  # an item paid too rarely has no peer spread
    per_village = flagged.group_by("region_code").agg(
        pl.col("extreme").sum().cast(pl.Float64).alias("value"),
        pl.len().alias("sample"),
        pl.col("disclosure_id").filter(pl.col("extreme")).alias("evidence"),
    )
    return per_village


INDICATOR = Indicator(
    id="amount_outlier",
    name_zh="支出金额远高于同类",
    name_en="Payments far above comparable ones",
    lead_type="wrong",
    measures="Number of the window's payments above Q3 + 3 IQR (log scale) of all villages' payments for the same item.",
    rationale="The same item costs about the same across villages; several payments far above everybody else's can mean inflated prices or diverted funds.",
    threshold_rule="At least 2 extreme payments; an item needs at least 20 payments across villages to be compared.",
    min_sample=1,
    unit="payments",
    evidence_table="disclosures",
    measure=measure,
    threshold=2.0,
    peers=False,
)
