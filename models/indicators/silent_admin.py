"""A village administration silent while residents keep writing (不作为).

Needs: disclosures and feedback as they stood on the as-of date. The longest span inside
the window with no publication and no reply by the village, counted only if residents
wrote at least `min_sample` messages during it. A span starts at the village's last
action, before the window if need be; at the beginning of the data nothing is known of
what came before, so a span there starts at the village's first action.

Villages publish monthly items, so a month of silence is already unusual: the threshold
is the largest of 30 days, the upper fence of all comparable villages' longest silences
(messages or not), and the silence chance leaves between the action days of a village
as busy as its peers (a district that publishes everything on a few days of the month
has long silences between them).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator
from schema.timing import days_between


def measure(data: ScoringData) -> pl.DataFrame:
    start, end = data.window_start_ts, data.as_of
    actions = pl.concat(
        [
            data.disclosures.select("region_code", pl.col("published_at").alias("at")),
            data.feedback.select("region_code", pl.col("first_reply_at").alias("at")),
        ]
    ).filter(pl.col("at") < end)
    # Every village's actions up to the as-of date, and the data's beginning when the
    # window starts after it (a silence running from before the window is known to have
    # lasted; one from the start of the data, not).
    known = (
        [dt.datetime.combine(data.first_day, dt.time())]
        if data.window_start > data.first_day
        else []
    )
    bounds = data.villages.select("region_code").join(
        pl.DataFrame({"at": [*known, end]}), how="cross"
    )
    # Of what came before the window, a village's last action alone bounds a span inside
    # it: the rest need not be sorted (a province's years of disclosures).
    moments = pl.concat([actions, bounds])
    before = moments.filter(pl.col("at") <= start).group_by("region_code").agg(pl.col("at").max())
    gaps = (
        pl.concat([before, moments.filter(pl.col("at") > start)])
        .sort("region_code", "at")
        .with_columns(pl.col("at").shift(1).over("region_code").alias("since"))
        .drop_nulls("since")
        .filter(pl.col("at") > start)
        # The span inside the window.
        .with_columns(pl.max_horizontal("since", pl.lit(start)).alias("since"))
        .with_columns(days_between(pl.col("since"), pl.col("at")).alias("days"))
    )
    longest = gaps.sort(["days", "at"], descending=[True, False]).unique(
        "region_code", keep="first", maintain_order=True
    )
    written = (
        longest.join(
            data.feedback.select("region_code", "feedback_id", "submitted_at"), on="region_code"
        )
        .filter(pl.col("submitted_at").is_between(pl.col("since"), pl.col("at"), closed="left"))
        .group_by("region_code")
        .agg(pl.col("feedback_id").alias("evidence"), pl.len().alias("sample"))
    )
    per_village = (
        longest.select("region_code", pl.col("days").alias("value"))
        .join(written, on="region_code", how="left")
        .with_columns(pl.col("sample").fill_null(0), pl.col("evidence").fill_null([]))
    )
    return per_village.join(_chance_silence(data, actions), on="region_code", how="left")


def _chance_silence(data: ScoringData, actions: pl.DataFrame) -> pl.DataFrame:
    """region_code, needed: the longest silence that chance leaves in the window (less
    often than `data.chance`) when a village acts on as many days as its peers typically
    do (the median of the same street and kind) at random: with d action days in T days,
    a silence of g days somewhere has a chance of about d (1 − g / T)^d. Villages that
    publish everything on a few days of the month have long silences between them."""
    span = (data.as_of - data.window_start_ts).total_seconds() / 86_400
    days = (
        actions.filter(pl.col("at") >= data.window_start_ts)
        .group_by("region_code")
        .agg(pl.col("at").dt.date().n_unique().alias("days"))
    )
    typical = (
        data.villages.select("region_code", *data.peers)
        .join(days, on="region_code", how="left")
        .with_columns(pl.col("days").fill_null(0))
        .with_columns(pl.col("days").median().over(data.peers).clip(lower_bound=1).alias("d"))
    )
    return typical.select(
        "region_code",
        (span * (1 - (data.chance / pl.col("d")) ** (1 / pl.col("d")))).alias("needed"),
    )


INDICATOR = Indicator(
    id="silent_admin",
    name_zh="村级管理员长期沉默",
    name_en="Village administration silent while residents write",
    lead_type="inaction",
    measures="Longest span in the window (days) with no publication and no reply by the village, during which residents wrote.",
    rationale="A village publishes monthly items and answers messages; weeks without either while residents keep writing means nobody is minding the platform.",
    threshold_rule="Above the peers' upper fence, 30 days and the silence chance leaves between as many action days as the peers typically have, with at least one message written in the span.",
    min_sample=1,
    unit="days",
    evidence_table="feedback",
    measure=measure,
    threshold=30.0,
    fence_over_all=True,
)
