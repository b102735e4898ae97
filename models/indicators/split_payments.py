"""Payments to one payee split just under an approval threshold (乱作为).

Needs: non-withdrawn finance disclosures with amount and payee. A payment from 90 % up
to (not including) a limit is "just under" it. The limits looked at are the district's
approval threshold (setting approval_threshold, 50,000 yuan by default) and, since the
local figure is often not configured or differs by kind of spending, every round amount
(one significant digit: 1,000 … 9,000, 10,000 … 90,000, …): a split avoids the limit in
force, whatever it is. Payments to one payee just under the same limit, each within
30 days of the one before, form a run; a run of three or more, adding up past the limit,
looks like one payment split to avoid the assembly's approval. The value is the longest
run's length; its evidence, the run's payments.

Sensitivity (tests/models/test_sensitivity.py): three payments a month to one payee
just under a threshold of 5,000, 10,000, 20,000, 30,000, 50,000 or 100,000 yuan are found
with the default settings (8 of 8 villages at each), and no clean village fires
(0 of 88). A threshold that is not round (34,500) is found only once configured
(tests/models/test_settings.py).
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator

JUST_UNDER = 0.9
SPAN_DAYS = 30
SMALLEST_LIMIT = 1_000.0


def _limits(amount: pl.Expr, configured: float) -> list[pl.Expr]:
    """For each payment, the round limit it may sit just under (the next one-digit round
    amount above it), and the configured threshold if it sits just under that."""
    magnitude = (10 ** amount.log10().floor()).alias("magnitude")
    round_limit = (amount / magnitude).floor().add(1) * magnitude
    under_round = pl.when(
        (amount >= JUST_UNDER * round_limit) & (round_limit >= SMALLEST_LIMIT)
    ).then(round_limit)
    under_configured = pl.when((amount >= JUST_UNDER * configured) & (amount < configured)).then(
        pl.lit(configured)
    )
    return [under_round.alias("round_limit"), under_configured.alias("configured_limit")]


def measure(data: ScoringData) -> pl.DataFrame:
    amount = pl.col("amount").cast(pl.Float64)
    payments = data.disclosures.filter(
        (pl.col("published_at") >= data.window_start_ts)
        & ~pl.col("withdrawn")
        & pl.col("payee").is_not_null()
        & (amount > 0)
    ).with_columns(amount.alias("paid"))
    near = (
        payments.with_columns(_limits(pl.col("paid"), data.settings.approval_threshold))
        .unpivot(
            index=["region_code", "payee", "disclosure_id", "published_at", "paid"],
            on=["round_limit", "configured_limit"],
            value_name="limit",
        )
        .drop_nulls("limit")
        .unique(["disclosure_id", "limit"])
    )
    # Each village's payments to a payee near a limit in time order, one after another:
    # a run starts at a group's first payment or after a gap; numbering the runs across
    # all groups at once spares a window function per group (a province has millions).
    group = ["region_code", "payee", "limit"]
    ordered = near.sort(*group, "published_at", "disclosure_id")
    gap = pl.col("published_at").diff()
    new_group = pl.any_horizontal(pl.col(c).ne_missing(pl.col(c).shift(1)) for c in group)
    runs = ordered.with_columns(
        (new_group | gap.is_null() | (gap > pl.duration(days=SPAN_DAYS))).cum_sum().alias("run")
    )
    per_run = (
        runs.group_by("region_code", "payee", "limit", "run")
        .agg(
            pl.len().alias("payments"),
            pl.col("paid").sum().alias("total"),
            pl.col("disclosure_id").alias("evidence"),
        )
        .filter(pl.col("total") >= pl.col("limit"))
    )
    best = per_run.sort(
        ["payments", "total", "payee", "limit"], descending=[True, True, False, False]
    ).unique("region_code", keep="first", maintain_order=True)
    return best.select(
        "region_code",
        pl.col("payments").cast(pl.Float64).alias("value"),
        pl.col("payments").alias("sample"),
        "evidence",
    ).sort("region_code")


INDICATOR = Indicator(
    id="split_payments",
    name_zh="同一收款方拆分支付",
    name_en="Payments split under an approval threshold",
    lead_type="wrong",
    measures="Longest run of payments to one payee, each within 30 days of the one before and from 90 % of a limit up to it, adding up past it; the limits are the approval threshold (setting approval_threshold, 50,000 yuan) and every round amount (one significant digit, from 1,000).",
    rationale="Spending above the threshold needs the villagers' assembly; splitting one payment into several just below it avoids that check, whatever the local threshold is.",
    threshold_rule="At least 3 such payments in one run.",
    min_sample=1,
    unit="payments",
    evidence_table="disclosures",
    measure=measure,
    threshold=3.0,
    peers=False,
)
