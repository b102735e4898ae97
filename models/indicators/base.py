"""What every indicator is and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from models.data import ScoringData
from models.stats import peer_fences, strength

LEAD_TYPES = {
    "inaction": ("不作为", "inaction"),
    "slow": ("慢作为", "slow action"),
    "wrong": ("乱作为", "wrong action"),
}

HIT_SCHEMA = {
    "region_code": pl.String,
    "value": pl.Float64,
    "threshold": pl.Float64,
    "peer_median": pl.Float64,
    "sample": pl.Int64,
    "evidence": pl.List(pl.String),
}


@dataclass(frozen=True)
class Indicator:
    """One rule. `measure` gives every village's value (region_code, value, sample,
    evidence: the ids of the records behind it, in `evidence_table`); `evaluate` keeps the
    villages it fires for (HIT_SCHEMA), with the threshold they passed and their peers'
    median. With `peers`, the threshold is the larger of `threshold` and the upper fence
    of comparable villages (`peer_columns`, by default the data's peers: same street and
    kind); without, it is `threshold` itself. `confirm` may drop hits on a further
    condition."""

    id: str
    name_zh: str
    name_en: str
    lead_type: str
    measures: str
    rationale: str
    threshold_rule: str
    min_sample: int
    unit: str
    evidence_table: str
    measure: Callable[[ScoringData], pl.DataFrame]
    threshold: float
    peers: bool = True
    fence_over_all: bool = False
    confirm: Callable[[ScoringData, pl.DataFrame], pl.DataFrame] | None = None
    peer_columns: tuple[str, ...] = ()

    def evaluate(self, data: ScoringData) -> pl.DataFrame:
        per_village = self.measure(data)
        if self.peers:
            hits = peer_outliers(
                data,
                per_village,
                self.min_sample,
                self.threshold,
                self.fence_over_all,
                list(self.peer_columns) or None,
            )
        else:
            hits = absolute(per_village, self.min_sample, self.threshold, data.villages)
        return self.confirm(data, hits) if self.confirm else hits


def share_flagged(rows: pl.DataFrame, flagged: pl.Expr, evidence: pl.Expr) -> pl.DataFrame:
    """Per village: the share of its `rows` that are `flagged` (value), how many rows it has
    (sample) and `evidence` of the flagged ones."""
    return rows.group_by("region_code").agg(
        flagged.mean().alias("value"),
        pl.len().alias("sample"),
        evidence.filter(flagged).alias("evidence"),
    )


def no_hits() -> pl.DataFrame:
    return pl.DataFrame(schema=HIT_SCHEMA)


def peer_outliers(
    data: ScoringData,
    per_village: pl.DataFrame,
    min_sample: int,
    floor: float,
    fence_over_all: bool = False,
    by: list[str] | None = None,
) -> pl.DataFrame:
    """Villages whose `value` passes both the upper fence of comparable villages (`by`,
    by default same street and kind; Q3 + 1.5 IQR) and an absolute floor, with at least
    `min_sample` records. `per_village` has region_code, value, sample, evidence. The fence
    is drawn over the villages with enough sample, or with `fence_over_all` over every
    village measured (when the sample is a condition of the rule, not of the value's
    precision)."""
    by = by or data.peers
    measured = data.villages.select("region_code", *by).join(per_village, on="region_code")
    if not fence_over_all:
        measured = measured.filter(pl.col("sample") >= min_sample)
    if measured.is_empty():
        return no_hits()
    fenced = peer_fences(measured, "value", by).filter(pl.col("sample") >= min_sample)
    return (
        fenced.with_columns(
            pl.max_horizontal(pl.col("upper_fence"), pl.lit(float(floor))).alias("threshold")
        )
        .filter(pl.col("value") > pl.col("threshold"))
        .select(
            "region_code",
            pl.col("value").cast(pl.Float64),
            pl.col("threshold").cast(pl.Float64),
            pl.col("peer_median").cast(pl.Float64),
            pl.col("sample").cast(pl.Int64),
            pl.col("evidence").cast(pl.List(pl.String)),
        )
    )


def absolute(
    per_village: pl.DataFrame, min_sample: int, threshold: float, all_villages: pl.DataFrame
) -> pl.DataFrame:
    """Villages whose `value` reaches a fixed threshold (rules with no meaningful peer
    spread, such as payments split under an approval limit)."""
    measured = per_village.filter(pl.col("sample") >= min_sample)
    median = measured.get_column("value").median() if not measured.is_empty() else None
    total = all_villages.height
    # The peers' median counts villages where the rule found nothing as zero.
    peer_median = 0.0 if measured.height < total / 2 else float(median or 0.0)
    return measured.filter(pl.col("value") >= threshold).select(
        "region_code",
        pl.col("value").cast(pl.Float64),
        pl.lit(float(threshold)).alias("threshold"),
        pl.lit(peer_median).alias("peer_median"),
        pl.col("sample").cast(pl.Int64),
        pl.col("evidence").cast(pl.List(pl.String)),
    )


def with_strength(hits: pl.DataFrame) -> pl.DataFrame:
    return hits.with_columns(
        strength(pl.col("value"), pl.col("threshold"), pl.col("peer_median")).alias("strength")
    )
