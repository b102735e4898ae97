"""The daily 17:00 and monthly ranking on the "three rates" (response, resolution,
satisfaction), as the seed districts run it by hand. Pure Polars.

A unit below the minimum sample (`metrics.glossary.MIN_SAMPLE`) is not left out: it keeps
its rates and score, stands where its score puts it, and is marked for reference only
(仅供参考), without a rank. Otherwise the worst unit of a month, often one with few
messages, would vanish from the list.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from metrics.glossary import METRICS, MIN_SAMPLE
from metrics.marts import COUNT_COLUMNS, END_OF_PERIOD_COLUMNS
from metrics.rollup import with_rates

REFERENCE_ONLY = "仅供参考"
# Months a ranking covers by default, per level ranked: streets have enough messages in a
# month; villages have one or two, so they are ranked over three.
DEFAULT_PERIOD_MONTHS = {"street": 1, "village": 3}
RANKED_RATES = ("same_day_reply_rate", "closed_7d_rate", "satisfaction_rate")


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

    def score(self) -> pl.Expr:
        """The weighted sum of the three rates, out of 100. A rate without a sample is
        left out and the others' weights scaled up to 100; null when none has one."""
        weights = (self.response, self.resolution, self.satisfaction)
        weighted = list(zip(RANKED_RATES, weights, strict=True))
        total = pl.sum_horizontal(
            pl.when(pl.col(rate).is_not_null()).then(w).otherwise(0) for rate, w in weighted
        )
        points = pl.sum_horizontal(pl.col(rate).fill_null(0) * w for rate, w in weighted)
        return pl.when(total > 0).then(points * 100 / total)


def sample_rule(min_sample: int = MIN_SAMPLE) -> pl.Expr:
    """Whether a unit is ranked: at least `min_sample` messages (the sample of the reply
    and clearance rates) and as many rated ones (the sample of the satisfaction rate)."""
    return (pl.col("feedback") >= min_sample) & (pl.col("rated") >= min_sample)


def rank_by(
    units: pl.DataFrame, score: str, eligible: pl.Expr, note: str = REFERENCE_ONLY
) -> pl.DataFrame:
    """Rank the units of each period on the column `score`, highest first: the one ranking
    mechanism of the monthly and the daily rankings.

    Units for which `eligible` is false keep their score but get no rank, and get `note`
    (null for ranked units). Ties share the better rank. The rank change is against the
    unit's rank in the previous period of `units` (positive: moved up; null when either
    rank is missing). Sorted by period, then score, ranked or not, so a unit without a
    rank stands where its score puts it; units without a score come last."""
    ranked = units.with_columns(
        pl.when(eligible).then(pl.lit(None, pl.String)).otherwise(pl.lit(note)).alias("note"),
        pl.when(eligible)
        .then(pl.col(score))
        .rank(method="min", descending=True)
        .over("period_start")
        .cast(pl.Int64)
        .alias("rank"),
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
        .sort(
            ["period_start", score, "rank", "region_code"],
            descending=[False, True, False, False],
            nulls_last=True,
        )
    )


def rank(
    metrics: pl.DataFrame, weights: Weights = Weights(), min_sample: int = MIN_SAMPLE
) -> pl.DataFrame:
    """Rank the units of each period on the three-rates score.

    `metrics` holds one row per unit and period (region_code, period_start, feedback,
    rated and the three rates of `metrics.rollup`). See `sample_rule` for who is ranked and
    `rank_by` for the rest."""
    scored = metrics.with_columns(weights.score().alias("three_rates_score"))
    return rank_by(scored, "three_rates_score", sample_rule(min_sample))


def over_months(monthly: pl.DataFrame, months: int) -> pl.DataFrame:
    """Each unit's figures over the `months` months ending with each month of `monthly`
    (one row per unit and month, with the count columns of `metrics.marts`), so a thin
    month can be ranked over a longer period: counts over the period summed, counts at a
    period's end (households, residents, backlog) those of the last month, and the rates
    recomputed from them. The activity rate, whose active residents are distinct people,
    does not add up over months and is left null, as are the medians.

    `period_start` and `period` are those of the last month; `first_month` is the first
    month the data has in the window (later than the window's start near the data's
    beginning)."""
    if months < 1:
        raise ValueError("a period has at least one month")
    summed = [c for c in COUNT_COLUMNS if c not in END_OF_PERIOD_COLUMNS and c in monthly]
    summed.remove("active_residents")
    at_end = [c for c in END_OF_PERIOD_COLUMNS if c in monthly.columns]
    ends = monthly.select("region_code", "period_start", "period", *at_end)
    windows = (
        monthly.select("region_code", "name", "period_start", *summed)
        .with_columns(pl.col("period_start").alias("month"), pl.int_ranges(0, months).alias("step"))
        .explode("step")
        .with_columns(pl.col("period_start").dt.offset_by(pl.format("{}mo", "step")))
        .group_by("region_code", "name", "period_start")
        .agg(pl.col("month").min().alias("first_month"), pl.col(summed).sum())
    )
    return (
        windows.join(ends, on=["region_code", "period_start"])
        .with_columns(pl.lit(None, pl.Int64).alias("active_residents"))
        .lazy()
        .pipe(with_rates)
        .collect()
        .sort("region_code", "period_start")
    )


def format_rank_change(change: int | None, english: bool = False) -> str:
    """↑2: up two places on the period before; ↓1: down one; "—" when either rank is
    missing."""
    if change is None:
        return "—"
    if change == 0:
        return "no change" if english else "持平"
    return f"{'↑' if change > 0 else '↓'}{abs(change)}"


# Column headers of the ranking table that are not metrics of the glossary.
HEADERS = {
    "rank": ("排名", "Rank"),
    "rank_change": ("名次变化", "Change"),
    "name": ("名称", "Name"),
    "score": ("得分", "Score"),
    "rated": ("已评价", "Rated"),
    "note": ("备注", "Note"),
}
TABLE_RATES = (*RANKED_RATES, "on_time_rate", "completeness")


def _note(row: dict, english: bool) -> str:
    """Why a unit has no rank: its sample is beside it in the table."""
    if row["rank"] is not None:
        return ""
    if not row["feedback"]:
        return "no messages" if english else "无留言"
    return "for reference only" if english else REFERENCE_ONLY


def ranking_table(ranked: pl.DataFrame, english: bool = False) -> pl.DataFrame:
    """The ranking as the overview and the briefing show it, in `ranked`'s order: rank
    (— when unranked), change as ↑/↓, name, score, the samples (messages and rated ones),
    the rates in percent and a note for a unit without a rank."""
    i = 1 if english else 0
    label = {m: METRICS[m].en if english else METRICS[m].zh for m in ("feedback", *TABLE_RATES)}
    return pl.DataFrame(
        {
            HEADERS["rank"][i]: [
                "—" if r is None else str(r) for r in ranked.get_column("rank").to_list()
            ],
            HEADERS["rank_change"][i]: [
                format_rank_change(c, english) for c in ranked.get_column("rank_change").to_list()
            ],
            HEADERS["name"][i]: ranked.get_column("name"),
            HEADERS["score"][i]: ranked.get_column("three_rates_score").round(1),
            label["feedback"]: ranked.get_column("feedback"),
            HEADERS["rated"][i]: ranked.get_column("rated"),
            **{
                f"{label[m]} %": (ranked.get_column(m) * 100).round(1)
                for m in TABLE_RATES
                if m in ranked.columns
            },
            HEADERS["note"][i]: [_note(row, english) for row in ranked.iter_rows(named=True)],
        }
    )
