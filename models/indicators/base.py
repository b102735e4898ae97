"""What every indicator is and returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from models.data import ScoringData
from models.stats import dispersion, peer_fences, share_needed, strength
from schema.settings import DistrictSettings

PEER_ROWS = 30  # records of comparable villages before they are a yardstick of their own

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
    kind); without, it is `threshold` itself, which may depend on the district's settings
    (a function of them). `confirm` may drop hits on a further
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
    threshold: float | Callable[[DistrictSettings], float]
    peers: bool = True
    fence_over_all: bool = False
    share: bool = False  # value is the share of `sample` rows flagged: judged against chance
    confirm: Callable[[ScoringData, pl.DataFrame], pl.DataFrame] | None = None
    peer_columns: tuple[str, ...] = ()

    def floor(self, settings: DistrictSettings) -> float:
        return self.threshold(settings) if callable(self.threshold) else self.threshold

    def judge(self, data: ScoringData, per_village: pl.DataFrame) -> pl.DataFrame:
        """The hits among villages already measured (`measure`'s frame)."""
        floor = self.floor(data.settings)
        if self.peers:
            hits = peer_outliers(
                data,
                per_village,
                self.min_sample,
                floor,
                self.fence_over_all,
                list(self.peer_columns) or None,
            )
        else:
            hits = absolute(per_village, self.min_sample, floor, data.villages)
        if self.share:
            hits = beyond_chance(data, per_village, hits)
        return self.confirm(data, hits) if self.confirm else hits

    def evaluate(self, data: ScoringData) -> pl.DataFrame:
        return self.judge(data, self.measure(data))


def share_flagged(rows: pl.DataFrame, flagged: pl.Expr, evidence: pl.Expr) -> pl.DataFrame:
    """Per village: the share of its `rows` that are `flagged` (value), how many rows it has
    (sample) and `evidence` of the flagged ones."""
    return rows.group_by("region_code").agg(
        flagged.mean().alias("value"),
        pl.len().alias("sample"),
        evidence.filter(flagged).sort().alias("evidence"),
    )


def peer_rates(
    data: ScoringData, flagged: pl.Expr, sample: pl.Expr, frame: pl.DataFrame
) -> pl.Series:
    """For each village of `frame`: the rate at which comparable villages (same street
    and kind, without the village itself) flag their rows, pooled: their `flagged` rows
    over their `sample` rows, with one flagged and one unflagged row added (a few dozen
    rows without a single one flagged do not show that it never happens). Where they
    hold fewer than PEER_ROWS rows, the rate of all the other villages. Local pace
    differs between streets; a village is judged against the pace around it."""
    counts = frame.select("region_code", flagged.alias("f"), sample.alias("n")).join(
        data.villages.select("region_code", *data.peers), on="region_code", how="left"
    )
    total_f, total_n = counts.get_column("f").sum(), counts.get_column("n").sum()
    group_f = pl.col("f").sum().over(data.peers) - pl.col("f")
    group_n = pl.col("n").sum().over(data.peers) - pl.col("n")
    rate = (
        pl.when(group_n >= PEER_ROWS)
        .then((group_f + 1) / (group_n + 2))
        .otherwise((total_f - pl.col("f") + 1) / (total_n - pl.col("n") + 2))
    )
    return counts.select(rate.alias("rate")).get_column("rate")


def beyond_chance(data: ScoringData, per_village: pl.DataFrame, hits: pl.DataFrame) -> pl.DataFrame:
    """Keep the hits with more flagged rows than a village like its peers would reach by
    luck (less often than `data.chance`), at the peers' rate (peer_rates); their threshold
    becomes at least that share. A share over a handful of rows is often high by luck alone, and
    peers who flag many rows set a higher bar."""
    if hits.is_empty():
        return hits
    rates = per_village.select(
        "region_code",
        peer_rates(data, pl.col("value") * pl.col("sample"), pl.col("sample"), per_village),
    )
    rated = hits.join(rates, on="region_code")
    needed = share_needed(
        rated.get_column("sample").to_numpy(),
        rated.get_column("rate").to_numpy(),
        data.chance,
        dispersion(per_village),
    )
    return (
        rated.with_columns(pl.Series("needed", needed))
        .filter(pl.col("value") > pl.col("needed"))
        .with_columns(pl.max_horizontal("threshold", "needed").alias("threshold"))
        .drop("needed", "rate")
    )


def no_hits() -> pl.DataFrame:
    return pl.DataFrame(schema=HIT_SCHEMA)


def _needed(frame: pl.DataFrame) -> pl.Expr:
    if "needed" not in frame.columns:
        return pl.lit(float("-inf"))
    return pl.col("needed").cast(pl.Float64).fill_null(float("-inf"))


def peer_outliers(
    data: ScoringData,
    per_village: pl.DataFrame,
    min_sample: int,
    floor: float,
    fence_over_all: bool = False,
    by: list[str] | None = None,
) -> pl.DataFrame:
    """Villages whose `value` passes both the upper fence of comparable villages (`by`,
    by default same street and kind; Q3 + 1.5 IQR) and an absolute floor, with at least `min_sample`
    records. `per_village` has region_code, value, sample, evidence, and optionally
    `needed`: a village's own bar for its sample, which the threshold is at least. The
    fence is drawn
    over the villages with enough sample, or with `fence_over_all` over every village
    measured (when the sample is a condition of the rule, not of the value's precision)."""
    by = by or data.peers
    measured = data.villages.select("region_code", *by).join(per_village, on="region_code")
    if not fence_over_all:
        measured = measured.filter(pl.col("sample") >= min_sample)
    if measured.is_empty():
        return no_hits()
    fenced = peer_fences(measured, "value", by).filter(pl.col("sample") >= min_sample)
    return (
        fenced.with_columns(
            pl.max_horizontal(pl.col("upper_fence"), pl.lit(float(floor)), _needed(fenced)).alias(
                "threshold"
            )
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
    return measured.filter(
        (pl.col("value") >= threshold) & (pl.col("value") > _needed(measured))
    ).select(
        "region_code",
        pl.col("value").cast(pl.Float64),
        pl.max_horizontal(pl.lit(float(threshold)), _needed(measured)).alias("threshold"),
        pl.lit(peer_median).alias("peer_median"),
        pl.col("sample").cast(pl.Int64),
        pl.col("evidence").cast(pl.List(pl.String)),
    )


def with_strength(hits: pl.DataFrame) -> pl.DataFrame:
    return hits.with_columns(
        strength(pl.col("value"), pl.col("threshold"), pl.col("peer_median")).alias("strength")
    )
