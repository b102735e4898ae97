"""An activity rate that jumps far above the village's own history and its peers (乱作为).

Needs: the ranked activity rate per village and month (mart_village_month: residents on
the books at the month's end, those of them active in it), through the as-of date, read by
datastore/activity.py. Rows looked at: the months overlapping the window that are over by
the as-of date (and the data's last month when scoring as of its last day), against the
village's own months before the window (its median over up to the 12 before, at least 2).

For each window month, the village's rise on its own usual rate, less what newcomers can
explain (residents added since before the window, granted all active: their number times
one less the usual rate, over the month's residents), less the median such rise of
villages of the same kind in the district that month, so that a season, a district-wide
campaign or a village signing up new residents does not count. Villages are compared
across the district, not only within their street: padding pushed street-wide before a
street's ranking would hide behind its own street. The value is the largest such excess
rise over the window's months, in rate units (0.25 = 25 percentage points).

Why the threshold is what it is: above the upper fence of the peers' own largest excess
rises and at least 10 percentage points. A month's rate moves by chance by about
√(p(1 − p)/n): under 2 points for a village of 600 residents at 30 %, and the busiest hour
or a season moves every village alike, so ten points above the peers' movement is not
noise. The rise must also be at least four of those standard deviations for the village's
size (small villages swing more) and reach above the peers' median rate that month: a
village catching up with its peers is improving, not padding. A village with fewer than 2
months before the window has no history to rise from and is not measured.

Evidence: the months of the rise, with the village's rate, its usual rate and the peers'
rise (the residents behind them are in activity_bursts and crowded_minutes when the rise
came in bursts).

Sensitivity (the district demo, a village's idle residents made active at ordinary times
for three months, the share swept 5–40 %): found from 20 % of the idle (about +13 points),
missed at 10 % (+9 points) and below; no other village flagged at any setting.
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators._padding import (
    PEERS,
    in_window,
    no_measure,
    peer_median_by_month,
    village_months,
)
from models.indicators.base import Indicator

FLOOR = 0.10
HISTORY_MONTHS = 12
MIN_HISTORY = 2
NOISE_Z = 4.0


def monthly_rises(data: ScoringData) -> pl.DataFrame:
    """Per village and window month: activity_rate, usual (the median before the window),
    rise (on it, less what newcomers explain), excess (the rise less the peers'),
    peer_rate (the peers' median rate that month), noise (the month's binomial standard
    deviation at the usual rate) and residents."""
    months = village_months(data).filter(pl.col("residents") > 0)
    window = months.filter(in_window(data))
    first = window.get_column("period_start").min() if window.height else None
    if first is None:
        return pl.DataFrame()
    history = (
        months.filter(pl.col("period_start") < first)
        .sort("period_start")
        .group_by("region_code")
        .agg(
            pl.col("activity_rate").tail(HISTORY_MONTHS).median().alias("usual"),
            pl.col("residents").last().alias("residents_before"),
            pl.len().alias("history"),
        )
        .filter(pl.col("history") >= MIN_HISTORY)
    )
    newcomers = (pl.col("residents") - pl.col("residents_before")).clip(lower_bound=0)
    rises = window.join(history, on="region_code", how="left").with_columns(
        (
            pl.col("activity_rate")
            - pl.col("usual")
            - newcomers * (1 - pl.col("usual")) / pl.col("residents")
        ).alias("rise")
    )
    return rises.with_columns(
        (pl.col("rise") - peer_median_by_month(rises, "rise")).alias("excess"),
        peer_median_by_month(rises, "activity_rate").alias("peer_rate"),
        (pl.col("usual") * (1 - pl.col("usual")) / pl.col("residents")).sqrt().alias("noise"),
    ).filter(pl.col("usual").is_not_null())


def _evidence(frame: pl.DataFrame) -> pl.Expr:
    return pl.format(
        "{} 活跃度 {}%（此前 {}%，同类村变化 {} 个百分点）",
        pl.col("period_start").dt.strftime("%Y-%m"),
        (pl.col("activity_rate") * 100).round(1),
        (pl.col("usual") * 100).round(1),
        ((pl.col("activity_rate") - pl.col("usual") - pl.col("excess")) * 100).round(1),
    )


def _worst(data: ScoringData) -> pl.DataFrame:
    rises = monthly_rises(data)
    if rises.is_empty():
        return rises
    return (
        rises.sort("region_code", "period_start")
        .with_columns(_evidence(rises).alias("month_evidence"))
        .group_by("region_code", maintain_order=True)
        .agg(
            pl.col("excess").max().alias("value"),
            pl.all().sort_by("excess", descending=True).first().name.prefix("worst_"),
            pl.col("month_evidence").filter(pl.col("excess") >= FLOOR).alias("evidence"),
        )
    )


def measure(data: ScoringData) -> pl.DataFrame:
    if data.activity is None:
        return no_measure()
    worst = _worst(data)
    if worst.is_empty():
        return no_measure()
    return worst.select(
        "region_code",
        pl.col("value").cast(pl.Float64),
        pl.col("worst_residents").cast(pl.Int64).alias("sample"),
        pl.col("evidence").cast(pl.List(pl.String)),
    )


def beyond_chance_and_peers(data: ScoringData, hits: pl.DataFrame) -> pl.DataFrame:
    """Keep hits whose largest rise is four standard deviations for the village's size and
    lifts it above the peers' median rate."""
    if hits.is_empty():
        return hits
    worst = _worst(data).filter(
        (pl.col("value") >= NOISE_Z * pl.col("worst_noise"))
        & (pl.col("worst_activity_rate") > pl.col("worst_peer_rate"))
    )
    return hits.join(worst.select("region_code"), on="region_code", how="semi")


INDICATOR = Indicator(
    id="activity_surge",
    name_zh="活跃度异常跃升",
    name_en="Activity rate jumping above its own past and its peers",
    lead_type="wrong",
    measures="Largest rise of a month's activity rate in the window over the village's own usual rate, less the peers' rise that month (rate units).",
    rationale="Where activity is ranked, it can be padded by logging residents in; a village whose rate leaps while comparable villages stay put needs a look at who was active.",
    threshold_rule="Above both the upper fence of the district's villages of the same kind and 10 percentage points, beyond four binomial standard deviations for the village's size, and above the peers' median rate; at least 2 earlier months and 50 residents.",
    min_sample=50,
    unit="share",
    evidence_table="mart_village_month",
    measure=measure,
    threshold=FLOOR,
    confirm=beyond_chance_and_peers,
    peer_columns=PEERS,
)
