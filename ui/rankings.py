"""The ranking tables as the pages show them: labelled from the glossary, in the page's
language, rates in percent and counts as "done/due"."""

from __future__ import annotations

import polars as pl

from metrics.daily import NOTHING_DUE
from metrics.ranking import format_rank_change, ranking_table
from ui.i18n import language, t
from ui.widgets import metric_label


def _done_of_due(done: str, due: str) -> pl.Expr:
    return pl.when(pl.col(due) > 0).then(pl.format("{}/{}", done, due))


def _note() -> pl.Expr:
    return pl.col("note").replace({NOTHING_DUE: t("nothing_due")})


def monthly_table(ranked: pl.DataFrame) -> pl.DataFrame:
    """`metrics.ranking.rank` of one period, for display (its one table, as the overview
    and the briefing show it)."""
    return ranking_table(ranked, language() == "en")


def _rank_change(ranked: pl.DataFrame) -> pl.Series:
    english = language() == "en"
    return pl.Series(
        [format_rank_change(c, english) for c in ranked.get_column("rank_change").to_list()],
        dtype=pl.String,
    )


def daily_table(ranked: pl.DataFrame) -> pl.DataFrame:
    """`metrics.daily.ranking` of one day, for display: rank and change on the day before,
    the score, each rate as done/due, and the counts."""
    return ranked.with_columns(_rank_change(ranked).alias("rank_change_shown")).select(
        pl.col("rank").cast(pl.String).fill_null("—").alias(t("rank")),
        pl.col("rank_change_shown").alias(t("rank_change_day")),
        pl.col("name").alias(t("name")),
        pl.col("daily_score").round(1).alias(metric_label("daily_score")),
        _done_of_due("daily_due_published", "daily_due_items").alias(
            metric_label("daily_disclosure_rate")
        ),
        _done_of_due("daily_same_day_replies", "daily_replies_due").alias(
            metric_label("daily_reply_rate")
        ),
        _done_of_due("daily_overdue_cleared", "daily_overdue").alias(
            metric_label("daily_overdue_clearance_rate")
        ),
        pl.col("daily_overdue_left").alias(metric_label("daily_overdue_left")),
        pl.col("daily_published").alias(metric_label("daily_published")),
        pl.col("daily_new_registrations").alias(metric_label("daily_new_registrations")),
        pl.col("daily_new_households").alias(metric_label("daily_new_households")),
        _note().fill_null("").alias(t("note")),
    )
