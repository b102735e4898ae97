from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from metrics.ranking import INSUFFICIENT, Weights, rank

JAN, FEB = dt.date(2024, 1, 1), dt.date(2024, 2, 1)


def _units(*rows):
    columns = [
        "region_code",
        "period_start",
        "feedback",
        "same_day_reply_rate",
        "closed_7d_rate",
        "satisfaction_rate",
    ]
    return pl.DataFrame([dict(zip(columns, r, strict=True)) for r in rows])


def test_scores_with_the_default_weights_and_ranks_within_each_period():
    ranked = rank(
        _units(
            ("A", JAN, 10, 1.0, 1.0, 1.0),
            ("B", JAN, 10, 0.5, 1.0, 1.0),
            ("C", JAN, 10, 1.0, 0.5, 1.0),
        )
    )
    scores = dict(ranked.select("region_code", "three_rates_score").iter_rows())
    assert scores == {"A": 100.0, "B": 85.0, "C": 82.5}
    assert ranked.get_column("region_code").to_list() == ["A", "B", "C"]
    assert ranked.get_column("rank").to_list() == [1, 2, 3]


def test_a_unit_with_too_few_messages_is_marked_not_ranked():
    ranked = rank(
        _units(
            ("A", JAN, 4, 1.0, 1.0, 1.0),
            ("B", JAN, 5, 0.1, 0.1, 0.1),
            ("C", JAN, 9, 1.0, 1.0, None),
        )
    )
    rows = {r["region_code"]: r for r in ranked.iter_rows(named=True)}
    assert rows["A"]["note"] == INSUFFICIENT and rows["A"]["rank"] is None
    assert rows["C"]["note"] == INSUFFICIENT  # nothing rated
    assert rows["B"]["rank"] == 1 and rows["B"]["note"] is None


def test_rank_change_against_the_previous_period_and_ties():
    ranked = rank(
        _units(
            ("A", JAN, 10, 1.0, 1.0, 1.0),
            ("B", JAN, 10, 0.5, 0.5, 0.5),
            ("A", FEB, 10, 0.5, 0.5, 0.5),
            ("B", FEB, 10, 1.0, 1.0, 1.0),
            ("C", FEB, 10, 1.0, 1.0, 1.0),
        )
    )
    february = {
        r["region_code"]: (r["rank"], r["rank_change"])
        for r in ranked.filter(pl.col("period_start") == FEB).iter_rows(named=True)
    }
    assert february == {"B": (1, 1), "C": (1, None), "A": (3, -2)}


def test_weights_are_configurable_and_checked():
    ranked = rank(_units(("A", JAN, 10, 1.0, 0.0, 0.0)), Weights(100, 0, 0))
    assert ranked.get_column("three_rates_score").to_list() == [100.0]
    with pytest.raises(ValueError, match="add up to 100"):
        Weights(30, 30, 30)
