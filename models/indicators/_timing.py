"""Shared by the timing indicators: a village's median duration in the window, and the
confirmation that it is also slower than the village's own history."""

from __future__ import annotations

import polars as pl

from models.data import ScoringData

HISTORY_FACTOR = 2.0  # slower than twice its own past median counts as slower than usual
HISTORY_MIN = 3  # earlier records needed before the village's own past is a yardstick
MOSTLY_ANSWERED = 0.75


def _timed(data: ScoringData, rows: pl.DataFrame, hours: pl.Expr) -> pl.DataFrame:
    return rows.with_columns(hours.alias("hours")).drop_nulls("hours")


def median_duration(
    data: ScoringData, rows: pl.DataFrame, at: str, hours: pl.Expr, evidence: str
) -> pl.DataFrame:
    """region_code, value (median hours of rows whose `at` is in the window), sample,
    evidence (longest first)."""
    return (
        _timed(data, rows, hours)
        .filter(pl.col(at) >= data.window_start_ts)
        .group_by("region_code")
        .agg(
            pl.col("hours").median().alias("value"),
            pl.len().alias("sample"),
            pl.col(evidence).sort_by("hours", descending=True).alias("evidence"),
        )
    )


def mostly_answered(data: ScoringData, hits: pl.DataFrame) -> pl.DataFrame:
    """Keep the hits of villages that answered at least three in four of the window's
    messages:
    slow action presumes action; a village that leaves most messages unanswered is a
    case of inaction, which the inaction indicators judge."""
    answered = (
        data.feedback.filter(pl.col("submitted_at") >= data.window_start_ts)
        .group_by("region_code")
        .agg(
            (pl.col("first_reply_at").is_not_null() | pl.col("closed_at").is_not_null())
            .mean()
            .alias("answered")
        )
    )
    return (
        hits.join(answered, on="region_code", how="left")
        .filter(pl.col("answered").fill_null(1.0) >= MOSTLY_ANSWERED)
        .drop("answered")
    )


def slower_than_own_past(
    data: ScoringData, hits: pl.DataFrame, rows: pl.DataFrame, at: str, hours: pl.Expr
) -> pl.DataFrame:
    """Keep the hits whose value is above twice the village's median before the window,
    or whose village has too little history to judge, among villages that answered most
    of the window's messages."""
    hits = mostly_answered(data, hits)
    history = (
        _timed(data, rows, hours)
        .filter(pl.col(at) < data.window_start_ts)
        .group_by("region_code")
        .agg(pl.col("hours").median().alias("usual"), pl.len().alias("history"))
    )
    return (
        hits.join(history, on="region_code", how="left")
        .filter(
            (pl.col("history").fill_null(0) < HISTORY_MIN)
            | (pl.col("value") > HISTORY_FACTOR * pl.col("usual"))
        )
        .drop("usual", "history")
    )
