"""Which villages misbehave, in which way and when, and what their misconduct does to the
disclosures.

`assign` picks the villages that misbehave all round (every duty of their lead type, up
to the data's end), drawn from the export's main generator as the demo always has. The
disclosure scenarios of one kind each (inflated recurring spending, late periodic items,
payments split under the local threshold) act on rows of their own village only, from
their own stream (demo/scenarios.py).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from demo.people import payees
from demo.scenarios import Scenario
from demo.window import DAY, HOUR, Window, month_starts, seconds, to_minute

LEAD_TYPES = ("inaction", "slow", "wrong")


ALL_ROUND = {lead_type: f"{lead_type}_all_round" for lead_type in LEAD_TYPES}
# Items paid again and again: the monthly ledger's lines, hospitality and similar spending.
RECURRING_PAYMENTS = ("FW01", "FW08")


def assign(habits: pl.DataFrame, window: Window, rng, anomalies: bool) -> pl.DataFrame:
    """The villages' habits with, for the misbehaving few, the lead type and its window
    (`lead_type`, `lead_start`, `lead_end`; null elsewhere)."""
    n = len(habits)
    base = habits.with_columns(pl.Series("lead_type", [None] * n, dtype=pl.String))
    if not anomalies:
        return base.with_columns(
            pl.lit(None, pl.Date).alias("lead_start"), pl.lit(None, pl.Date).alias("lead_end")
        )
    per_type = max(2, round(n * 0.02))
    chosen = rng.choice(n, size=per_type * len(LEAD_TYPES), replace=False)
    types = np.array([None] * n, dtype=object)
    for i, lead_type in enumerate(LEAD_TYPES):
        types[chosen[i * per_type : (i + 1) * per_type]] = lead_type
    months = month_starts(window.start, window.end)
    span = max(2, len(months) // 3)
    first = [
        months[int(rng.integers(max(1, len(months) - span - 1), len(months) - span + 1))]
        if len(months) > span
        else months[0]
        for _ in range(n)
    ]
    return base.with_columns(
        pl.Series("lead_type", types.tolist(), dtype=pl.String),
        pl.Series("lead_start", first, dtype=pl.Date),
    ).with_columns(
        pl.when(pl.col("lead_type").is_not_null()).then(pl.col("lead_start")).alias("lead_start"),
        pl.when(pl.col("lead_type").is_not_null()).then(pl.lit(window.end)).alias("lead_end"),
    )


def in_lead(frame: pl.DataFrame, lead_type: str, at: str) -> pl.Expr:
    """Rows of villages of `lead_type` whose time column `at` (seconds) is in the window."""
    start = pl.col("lead_start").cast(pl.Datetime("ms")).dt.epoch("s")
    end = pl.col("lead_end").cast(pl.Datetime("ms")).dt.epoch("s") + DAY
    in_window = pl.col(at).is_between(start, end, closed="left")
    return ((pl.col("lead_type") == lead_type) & in_window).fill_null(False)


def split_payments(d: pl.DataFrame, rng, threshold: float) -> pl.DataFrame:
    """Wrong-action villages pay one payee several times just under the approval threshold."""
    base = d.filter(
        in_lead(d, "wrong", "published_s") & (pl.col("item_code") == "FW01") & (pl.col("line") == 0)
    )
    if base.is_empty():
        return base
    base = base.filter(pl.Series(rng.random(len(base)) < 0.7))
    parts = rng.integers(3, 6, len(base))
    split = (
        base.with_columns(pl.Series("part", parts))
        .with_columns(pl.int_ranges(0, "part").alias("p"))
        .explode("p")
    )
    n = len(split)
    firms = payees(rng, len(base))
    return split.with_columns(
        pl.Series(rng.uniform(0.9, 0.999, n) * threshold).round(2).alias("amount"),
        pl.Series(np.repeat(firms, parts)).alias("payee"),
        (pl.col("published_s") + pl.col("p") * pl.Series(rng.integers(HOUR, 3 * DAY, n))).alias(
            "published_s"
        ),
        (pl.col("line") + 100 + pl.col("p")).alias("line"),
    ).drop("part", "p")


def repeat_messages(f: pl.DataFrame, rng) -> pl.DataFrame:
    """Where messages are closed without the problem solved, residents write again."""
    closed_wrongly = f.filter(in_lead(f, "wrong", "submitted_s") & (pl.col("closed_s") > 0))
    again = closed_wrongly.filter(pl.Series(rng.random(len(closed_wrongly)) < 0.35))
    n = len(again)
    resubmitted = again.get_column("closed_s").to_numpy() + rng.integers(DAY, 10 * DAY, n)
    return again.with_columns(
        pl.Series("submitted_s", to_minute(resubmitted)),
        pl.Series("first_reply_s", to_minute(resubmitted + rng.integers(HOUR, 6 * HOUR, n))),
        pl.Series("closed_s", to_minute(resubmitted + rng.integers(DAY, 4 * DAY, n))),
        pl.lit("dissatisfied").alias("satisfaction"),
    )


def _in_scenario(s: Scenario, at: str = "published_s") -> pl.Expr:
    return (pl.col("region_code") == s.region_code) & pl.col(at).is_between(
        seconds(s.start), seconds(s.end) + DAY, closed="left"
    )


def inflate_recurring(d: pl.DataFrame, s: Scenario) -> pl.DataFrame:
    """Spending on recurring items paid at several times its usual amount, payment after
    payment over the scenario's months (one factor for the village, from 3 to 10)."""
    rng = s.rng
    factor, share = rng.uniform(3, 10), rng.uniform(0.6, 1.0)
    rows = np.flatnonzero(
        d.select(
            _in_scenario(s)
            & pl.col("item_code").is_in(RECURRING_PAYMENTS)
            & (pl.col("line") < 100)
            & pl.col("amount").is_not_null()
        )
        .to_series()
        .to_numpy()
    )
    picked = rows[rng.random(len(rows)) < share]
    multiplier = np.ones(len(d))
    multiplier[picked] = factor * rng.uniform(0.85, 1.15, len(picked))
    s.details.update(factor=round(float(factor), 2), payments=len(picked))
    inflated = pl.Series(np.isin(np.arange(len(d)), picked))
    times = pl.Series(multiplier)
    return d.with_columns(
        pl.when(inflated).then((pl.col(c) * times).round(2)).otherwise(c).alias(c)
        for c in ("amount", "final_amount")
    )


def delay_periodic(d: pl.DataFrame, s: Scenario, window: Window) -> pl.DataFrame:
    """Periodic items due in the scenario's months published weeks late (a lateness for the
    village of 10 to 45 days past due, on a quarter to all of them), while the village's
    event items stay on time. Items pushed past the data's end are not published yet."""
    rng = s.rng
    lateness, share = rng.uniform(10, 45), rng.uniform(0.25, 1.0)
    due = (
        d.filter(_in_scenario(s, "due_s"))
        .group_by("item_code", "period")
        .agg(pl.col("published_s").min().alias("first_s"), pl.col("due_s").first())
    )
    due = due.sort("item_code", "period")
    n = len(due)
    late_days = lateness * rng.uniform(0.7, 1.3, n)
    minutes = (late_days * 24 * 60).astype(np.int64)
    delayed = due.with_columns(
        pl.Series("late", rng.random(n) < share),
        (pl.col("due_s") + pl.Series(minutes) * 60).alias("new_s"),
    ).filter("late")
    delayed = delayed.select(
        "item_code",
        "period",
        pl.max_horizontal(pl.col("new_s") - pl.col("first_s"), pl.lit(0)).alias("delay"),
    )
    s.details.update(lateness_days=round(float(lateness), 1), share=round(float(share), 2), items=n)
    d = d.join(
        delayed.with_columns(pl.lit(s.region_code).alias("region_code")),
        on=["region_code", "item_code", "period"],
        how="left",
        maintain_order="left",
    ).with_columns(pl.col("delay").fill_null(0))
    shifted = d.with_columns(
        (pl.col("published_s") + pl.col("delay")).alias("published_s"),
        (pl.col("reviewed_s") + pl.col("delay")).clip(upper_bound=window.end_s - 60),
        pl.when(pl.col("changed_s") >= 0)
        .then(pl.col("changed_s") + pl.col("delay"))
        .otherwise("changed_s")
        .alias("changed_s"),
    ).filter(pl.col("published_s") < window.end_s)
    unchanged = (pl.col("changed_s") >= window.end_s) & (pl.col("delay") > 0)
    return shifted.with_columns(
        pl.when(unchanged).then(-1).otherwise("changed_s").alias("changed_s"),
        pl.when(unchanged)
        .then(pl.lit("published"))
        .otherwise("final_status")
        .alias("final_status"),
        pl.when(unchanged).then("amount").otherwise("final_amount").alias("final_amount"),
    ).drop("delay")


def split_under_threshold(
    d: pl.DataFrame, s: Scenario, threshold: float, window: Window, first_id: int
) -> pl.DataFrame:
    """New ledger lines: most months, one payee paid three to five times within days, each
    payment just under the local approval threshold, together well over it. Numbered
    from `first_id` on."""
    rng = s.rng
    templates = d.filter(
        _in_scenario(s) & (pl.col("item_code") == "FW01") & (pl.col("line") == 0)
    ).sort("published_s")
    parts = []
    for template in templates.iter_slices(1):
        k = int(rng.integers(3, 6))
        amounts = rng.uniform(0.86, 0.995, k) * threshold
        amounts = np.where(rng.random() < 0.5, np.floor(amounts / 100) * 100, np.round(amounts, 2))
        payee = payees(rng, 1)[0]
        published = template["published_s"][0] + np.cumsum(rng.integers(HOUR, 3 * DAY, k))
        published = published - published % 60
        reviewed = to_minute(published + rng.integers(2 * HOUR, 40 * HOUR, k))
        if rng.random() < 0.2:
            continue  # not every month
        parts.append(
            template.select(pl.all().repeat_by(k).explode()).with_columns(
                pl.Series("amount", amounts),
                pl.Series("final_amount", amounts),
                pl.lit(payee).alias("payee"),
                pl.Series("published_s", published),
                pl.Series("reviewed_s", np.minimum(reviewed, window.end_s - 60)),
                pl.lit(-1, pl.Int64).alias("changed_s"),
                pl.lit("published").alias("final_status"),
                (200 + pl.int_range(0, k)).alias("line"),
            )
        )
    added = pl.concat(parts) if parts else d.clear()
    added = added.filter(pl.col("published_s") < window.end_s)
    s.details.update(threshold=threshold, payments=added.height)
    numbered = (pl.int_range(0, pl.len()) + first_id).cast(pl.String).str.zfill(9)
    added = added.with_columns(pl.format("D{}", numbered).alias("disclosure_id"))
    return added.select(pl.col(name).cast(dtype) for name, dtype in d.schema.items())
