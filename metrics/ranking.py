"""The daily 17:00 and monthly ranking on the "three rates" (response, resolution,
satisfaction), as the seed districts run it by hand. Pure Polars."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

INSUFFICIENT = "样本不足"


@dataclass(frozen=True)
class Weights:
    """Weights of the same-day reply, 7-day clearance and satisfaction rates (sum 100)."""

    response: float = 30
    resolution: float = 35
    satisfaction: float = 35

    def __post_init__(self) -> None:
        if min(self.response, self.resolution, self.satisfaction) < 0:
            raise ValueError("weights cannot be negative")
        if abs(self.response + self.resolution + self.satisfaction - 100) > 1e-9:
            raise ValueError("weights must add up to 100")


def rank(metrics: pl.DataFrame, weights: Weights = Weights(), min_sample: int = 5) -> pl.DataFrame:
    """Rank the units of each period on the three-rates score.

    `metrics` holds one row per unit and period (region_code, period_start and the
    rates of `metrics.rollup`). A unit with fewer than `min_sample` messages, or no
    rated one, is marked 样本不足 and gets no rank. Ties share the better rank. The rank
    change is against the unit's rank in the previous period (positive: moved up).
    """
    rated = (
        (pl.col("feedback") >= min_sample)
        & pl.col("same_day_reply_rate").is_not_null()
        & pl.col("closed_7d_rate").is_not_null()
        & pl.col("satisfaction_rate").is_not_null()
    )
    score = (
        weights.response * pl.col("same_day_reply_rate")
        + weights.resolution * pl.col("closed_7d_rate")
        + weights.satisfaction * pl.col("satisfaction_rate")
    )
    return rank_by(
        metrics.with_columns(score.alias("three_rates_score")), "three_rates_score", rated
    )


def rank_by(
    units: pl.DataFrame, score: str, eligible: pl.Expr, note: str = INSUFFICIENT
) -> pl.DataFrame:
    """Rank the units of each period on the column `score`, highest first: the one ranking
    mechanism of the monthly and the daily rankings. Units for which `eligible` is false
    keep no score and no rank, and get `note`. Ties share the better rank; the rank change
    is against the unit's rank in the previous period of `units` (positive: moved up)."""
    ranked = units.with_columns(
        pl.when(eligible).then(pl.col(score)).alias(score),
        pl.when(eligible).then(pl.lit(None, pl.String)).otherwise(pl.lit(note)).alias("note"),
    ).with_columns(
        pl.col(score)
        .rank(method="min", descending=True)
        .over("period_start")
        .cast(pl.Int64)
        .alias("rank")
    )
    periods = ranked.select("period_start").unique().sort("period_start")
    previous = periods.with_columns(pl.col("period_start").shift(1).alias("previous_period"))
    earlier = ranked.select(
        "region_code",
        pl.col("period_start").alias("previous_period"),
        pl.col("rank").alias("previous_rank"),
    )
    return (
        ranked.join(previous, on="period_start", how="left")
        .join(earlier, on=["region_code", "previous_period"], how="left")
        .with_columns((pl.col("previous_rank") - pl.col("rank")).alias("rank_change"))
        .drop("previous_period")
        .sort("period_start", "rank", "region_code", nulls_last=True)
    )
