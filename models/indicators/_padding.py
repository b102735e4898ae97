"""Shared by the indicators of padded figures (activity_surge, activity_bursts,
crowded_minutes, registration_bursts, hollow_registrations): the window's months and their
aggregates as datastore/activity.py reads them, and comparisons with peers month by month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from datastore.activity import BurstRule
from models.data import ScoringData
from models.indicators.base import share_flagged
from schema.timing import next_month

# A clock hour in which at least ten of a village's residents (and more than its own pace
# explains) had events; a minute in which at least ten did. Ten residents in one minute is
# beyond anyone signing residents in by hand: it takes a script, or a room full of phones.
HOUR_BURST = BurstRule("hour", min_count=10)
CROWDED_MINUTE = BurstRule("minute", min_count=10)
REGISTRATION_BURST = BurstRule("hour", min_count=10)
MIN_PEERS = 5  # fewer comparable villages than this: compare with all villages that month
# Padding is often pushed street-wide before a street's ranking, and a street compared only
# with itself would hide it; villages of the same kind across the district still share the
# local practice (a district where residents only use the app at meetings sets its own bar).
PEERS = ("district_code", "kind")


def no_measure() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"region_code": pl.String, "value": pl.Float64, "sample": pl.Int64,
                "evidence": pl.List(pl.String)}
    )  # fmt: skip


def village_months(data: ScoringData) -> pl.DataFrame:
    """Every month's ranked figures up to the as-of date (datastore ActivityReader
    .village_months) with registration_rate and activity_rate, for the scored villages
    with their street and kind."""
    months = data.activity.village_months(data.window_end)
    return (
        data.villages.select("region_code", *{*data.peers, *PEERS})
        .join(months, on="region_code")
        .with_columns(
            (pl.col("registered_households") / pl.col("households")).alias("registration_rate"),
            (pl.col("active_residents") / pl.col("residents")).alias("activity_rate"),
        )
    )


def in_window(data: ScoringData) -> pl.Expr:
    """Months overlapping the scoring window."""
    first = data.window_start.replace(day=1)
    return pl.col("period_start").is_between(first, data.window_end)


def window_months(data: ScoringData) -> list[dt.date]:
    months = data.activity.village_months(data.window_end)
    return sorted(months.filter(in_window(data)).get_column("period_start").unique().to_list())


def burst_periods(data: ScoringData) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    """The window's months with the period each is read over: from its first instant up to
    the next month's, or up to the as-of date when sooner."""
    periods = []
    for month in window_months(data):
        start = dt.datetime.combine(month, dt.time())
        cut = min(dt.datetime.combine(next_month(month), dt.time()), data.as_of)
        periods.append((month, start, cut))
    return periods


def prefetch(windows: Iterable[ScoringData]) -> None:
    """Tell the activity reader what the padding indicators will ask of it over `windows`,
    so that it reads the span's months and new accounts in a few passes rather than one
    query per month and window (readers without read-ahead are asked window by window)."""
    months, spans, activity = [], [], None
    for data in windows:
        if getattr(data.activity, "prefetch", None) is None:
            return
        activity = data.activity
        months += [(start, cut) for _, start, cut in burst_periods(data)]
        spans.append((data.window_start_ts, data.as_of))
    if activity is not None:
        activity.prefetch(months, HOUR_BURST, CROWDED_MINUTE, spans, REGISTRATION_BURST)


def month_bursts(data: ScoringData) -> pl.DataFrame:
    """Per village and window month: the burst counts of datastore month_bursts, each
    month read up to the as-of date, with the month's active_residents (the activity
    rate's numerator, the share's denominator)."""
    frames = []
    for month, start, cut in burst_periods(data):
        frame = data.activity.month_bursts(start, cut, HOUR_BURST, CROWDED_MINUTE)
        frames.append(frame.with_columns(pl.lit(month).alias("period_start")))
    if not frames:
        return pl.DataFrame()
    months = data.activity.village_months(data.window_end).select(
        "region_code", "period_start", "active_residents"
    )
    return pl.concat(frames).join(months, on=["region_code", "period_start"])


def worst_month_share(data: ScoringData, count: str, evidence: str, floor: float) -> pl.DataFrame:
    """region_code, value (the highest share over the window's months of `count` among
    the month's active residents), sample (that month's active residents), evidence (the
    `evidence` of every month whose share reaches `floor`, earliest first)."""
    if data.activity is None:
        return no_measure()
    bursts = month_bursts(data)
    if bursts.is_empty():
        return no_measure()
    shares = bursts.filter(pl.col("active_residents") > 0).with_columns(
        (pl.col(count) / pl.col("active_residents")).clip(upper_bound=1.0).alias("share")
    )
    return (
        shares.sort("region_code", "period_start")
        .group_by("region_code", maintain_order=True)
        .agg(
            pl.col("share").max().cast(pl.Float64).alias("value"),
            pl.col("active_residents").sort_by("share", descending=True).first().alias("sample"),
            pl.col(evidence)
            .filter(pl.col("share") >= floor)
            .list.explode(keep_nulls=False, empty_as_null=False)
            .alias("evidence"),
        )
        .with_columns(pl.col("sample").cast(pl.Int64), pl.col("evidence").cast(pl.List(pl.String)))
    )


def peer_median_by_month(
    frame: pl.DataFrame, value: str, peers: list[str] | tuple[str, ...] = PEERS
) -> pl.Expr:
    """The median of `value` among comparable villages in the same month, or among all
    villages that month where fewer than MIN_PEERS comparable ones have it."""
    group = [*peers, "period_start"]
    in_group = pl.col(value).median().over(group)
    enough = pl.col(value).count().over(group) >= MIN_PEERS
    return pl.when(enough).then(in_group).otherwise(pl.col(value).median().over("period_start"))


def ranking_ends(registered_at: pl.Expr) -> pl.Expr:
    """The first instant after the monthly ranking that first counted an account: the end
    of the month it was registered in."""
    return registered_at.dt.month_end().dt.date().dt.offset_by("1d").cast(pl.Datetime("us"))


def new_account_share(
    data: ScoringData, flagged: pl.Expr, why: pl.Expr | None = None
) -> pl.DataFrame:
    """Per village: the share of the window's new resident accounts (datastore
    registrations) that are `flagged`, with them as evidence, "user_id YYYY-MM-DD HH:MM"
    and `why` when given."""
    if data.activity is None:
        return no_measure()
    accounts = data.activity.registrations(data.window_start_ts, data.as_of, REGISTRATION_BURST)
    accounts = accounts.join(data.villages.select("region_code"), on="region_code", how="semi")
    if accounts.is_empty():
        return no_measure()
    parts = ["user_id", pl.col("registered_at").dt.strftime("%Y-%m-%d %H:%M")]
    evidence = pl.concat_str([*parts, *([why] if why is not None else [])], separator=" ")
    return share_flagged(accounts, flagged, evidence).with_columns(
        pl.col("value").cast(pl.Float64), pl.col("sample").cast(pl.Int64)
    )
