"""Leads over the whole span, as episodes.

The span is scored at every month end and at its last day, each over its own window
(models/data.py). Consecutive scoring days on which a village raises a lead of the same
type form one episode: when it was first and last seen, the months it persisted, its
peak score with the indicators and evidence of the peak's window, and whether it is
still going on on the last day scored. An episode's id is its village, type and the
month it was first seen, so it stays the same as later loads extend an ongoing episode
and inspectors' dispositions stay attached to it. Pure: Records in, frames out.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from models.data import DEFAULT_WINDOW_DAYS, Records, ScoringData, prepare, scoring_days
from models.indicators import LEAD_TYPES
from models.indicators._padding import prefetch
from models.leads import features, leads_of_window, measure_all, model_scores

EPISODE_SCHEMA = {
    "lead_id": pl.String, "region_code": pl.String, "name": pl.String,
    "street_code": pl.String, "district_code": pl.String, "lead_type": pl.String,
    "score": pl.Float64,
    "window_start": pl.Date, "window_end": pl.Date, "first_seen": pl.Date,
    "last_seen": pl.Date, "months": pl.List(pl.String), "ongoing": pl.Boolean,
    "peak_window_start": pl.Date, "peak_window_end": pl.Date, "indicators": pl.String,
    "explanation": pl.String, "explanation_en": pl.String, "evidence": pl.String,
    "model_score": pl.Float64,
}  # fmt: skip


def window_leads(
    records: Records, days: list[dt.date], seed: int = 0, window_days: int = DEFAULT_WINDOW_DAYS
) -> pl.DataFrame:
    """The leads of every scoring day, each scored over its own window, with the day's
    position in `days` (step). The anomaly model is fitted once, on every window.

    A window's records are cut anew each time they are needed rather than kept for every
    window at once: a province's span holds millions of disclosures, and a copy of them
    per window would not fit the memory a whole province is scored in."""

    def window(day: dt.date) -> ScoringData:
        return prepare(records, day, window_days)

    prefetch(window(day) for day in days)
    measured, features_of_steps = [], []
    for step, day in enumerate(days):
        data = window(day)
        measured.append(measure_all(data))
        features_of_steps.append(
            features(data, measured[-1]).with_columns(pl.lit(step).alias("step"))
        )
    model = model_scores(pl.concat(features_of_steps), seed)
    return pl.concat(
        leads_of_window(
            window(day), measured[step], model.filter(pl.col("step") == step)
        ).with_columns(pl.lit(step).alias("step"))
        for step, day in enumerate(days)
    )


def _episode_text(row: dict) -> str:
    zh_type = LEAD_TYPES[row["lead_type"]][0]
    months = row["months"]
    persisted = f"自 {months[0]} 起连续 {len(months)} 个月出现{zh_type}线索"
    tail = "，至今仍在持续。" if row["ongoing"] else f"，最后一次出现在 {months[-1]}。"
    return f"{persisted}{tail}峰值窗口：{row['explanation']}"


def _episode_text_en(row: dict) -> str:
    months = row["months"]
    kind = LEAD_TYPES[row["lead_type"]][1]
    persisted = f"A {kind} lead in {len(months)} consecutive month(s) from {months[0]}"
    tail = ", still going on." if row["ongoing"] else f", last seen in {months[-1]}."
    return f"{persisted}{tail} Peak window: {row['explanation_en']}"


def episodes(leads: pl.DataFrame, days: list[dt.date]) -> pl.DataFrame:
    """Merge window leads (with `step`) into episodes, ongoing first, then by peak."""
    if leads.is_empty():
        return pl.DataFrame(schema=EPISODE_SCHEMA)
    last_step = len(days) - 1
    ordered = leads.sort("region_code", "lead_type", "step").with_columns(
        (pl.col("step").diff().over("region_code", "lead_type").fill_null(0) != 1)
        .cum_sum()
        .over("region_code", "lead_type")
        .alias("episode")
    )
    # The first step of a group starts an episode too (its diff was filled with 0).
    grouped = ordered.group_by("region_code", "lead_type", "episode").agg(
        pl.col("name").first(),
        pl.col("street_code").first(),
        pl.col("district_code").first(),
        pl.col("step").min().alias("first_step"),
        pl.col("step").max().alias("last_step"),
        pl.col("window_start").min(),
        pl.col("window_end").max(),
        pl.col("window_end").min().alias("first_seen"),
        pl.col("window_end").dt.strftime("%Y-%m").sort().alias("months"),
        pl.all().sort_by(["score", "step"], descending=[True, False]).first().name.prefix("peak_"),
    )
    rows = grouped.with_columns(
        pl.col("window_end").alias("last_seen"),
        (pl.col("last_step") == last_step).alias("ongoing"),
        pl.col("peak_score").alias("score"),
        pl.col("peak_indicators").alias("indicators"),
        pl.col("peak_evidence").alias("evidence"),
        pl.col("peak_model_score").alias("model_score"),
        pl.col("peak_explanation").alias("explanation"),
        pl.col("peak_explanation_en").alias("explanation_en"),
        pl.format(
            "{}-{}-{}", "region_code", "lead_type", pl.col("first_seen").dt.strftime("%Y%m")
        ).alias("lead_id"),
    )
    rows = rows.with_columns(
        pl.struct("lead_type", "months", "ongoing", "explanation")
        .map_elements(_episode_text, return_dtype=pl.String)
        .alias("explanation"),
        pl.struct("lead_type", "months", "ongoing", "explanation_en")
        .map_elements(_episode_text_en, return_dtype=pl.String)
        .alias("explanation_en"),
    )
    return rows.select(list(EPISODE_SCHEMA)).sort(
        ["ongoing", "score", "region_code", "first_seen"], descending=[True, True, False, False]
    )


def score_span(
    records: Records,
    seed: int = 0,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> pl.DataFrame:
    """The episodes of the span scored up to `as_of` (default: the data's last day) that
    reach `since` or later."""
    last = min(as_of or records.last_day, records.last_day)
    days = scoring_days(records.first_day, last)
    found = episodes(window_leads(records, days, seed, window_days), days)
    return found.filter(pl.col("window_end") >= (since or dt.date.min))
