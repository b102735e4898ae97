"""Which villages misbehave, in which way and when; and the rows their misconduct adds."""

from __future__ import annotations

import numpy as np
import polars as pl

from demo.people import payees
from demo.window import DAY, HOUR, Window, month_starts, to_minute

LEAD_TYPES = ("inaction", "slow", "wrong")

SPLIT_THRESHOLD = 50_000  # payments above this need the assembly's approval


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


def split_payments(d: pl.DataFrame, rng) -> pl.DataFrame:
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
        pl.Series(rng.uniform(0.9, 0.999, n) * SPLIT_THRESHOLD).round(2).alias("amount"),
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
