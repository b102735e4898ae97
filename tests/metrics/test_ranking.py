from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from metrics.glossary import MIN_SAMPLE
from metrics.ranking import REFERENCE_ONLY, Weights, format_rank_change, over_months, rank
from metrics.rollup import RATES

JAN, FEB, MAR, APR = (dt.date(2024, m, 1) for m in (1, 2, 3, 4))


def _units(*rows):
    """(code, month, messages, rated, same-day, 7-day, satisfaction) per row."""
    columns = [
        "region_code",
        "period_start",
        "feedback",
        "rated",
        "same_day_reply_rate",
        "closed_7d_rate",
        "satisfaction_rate",
    ]
    return pl.DataFrame([dict(zip(columns, r, strict=True)) for r in rows])


def test_scores_with_the_default_weights_and_ranks_within_each_period():
    ranked = rank(
        _units(
            ("A", JAN, 10, 10, 1.0, 1.0, 1.0),
            ("B", JAN, 10, 10, 0.5, 1.0, 1.0),
            ("C", JAN, 10, 10, 1.0, 0.5, 1.0),
        )
    )
    scores = dict(ranked.select("region_code", "three_rates_score").iter_rows())
    assert scores == {"A": 100.0, "B": 85.0, "C": 82.5}
    assert ranked.get_column("region_code").to_list() == ["A", "B", "C"]
    assert ranked.get_column("rank").to_list() == [1, 2, 3]


def test_the_minimum_sample_is_the_glossarys_five_messages_and_five_rated():
    assert MIN_SAMPLE == 5
    ranked = rank(
        _units(
            ("A", JAN, 4, 4, 1.0, 1.0, 1.0),  # too few messages
            ("B", JAN, 5, 5, 0.6, 0.6, 0.6),  # exactly the sample: ranked
            ("C", JAN, 9, 4, 1.0, 1.0, 0.5),  # too few rated
            ("D", JAN, 5, 0, 0.4, 0.0, None),  # the demo's worst street: five, none rated
        )
    )
    rows = {r["region_code"]: r for r in ranked.iter_rows(named=True)}
    assert rows["B"]["rank"] == 1 and rows["B"]["note"] is None
    for code in "ACD":
        assert rows[code]["rank"] is None and rows[code]["note"] == REFERENCE_ONLY


def test_units_below_the_sample_keep_their_score_and_stand_where_it_puts_them():
    ranked = rank(
        _units(
            ("A", JAN, 4, 4, 1.0, 1.0, 1.0),
            ("B", JAN, 5, 5, 0.6, 0.6, 0.6),
            ("D", JAN, 5, 0, 0.4, 0.0, None),
            ("E", JAN, 0, 0, None, None, None),
        )
    )
    # D has no satisfaction rate: its 30 and 35 are scaled up to 100 (30 × 0.4 / 65).
    assert ranked.select("region_code", "three_rates_score", "rank").rows() == [
        ("A", 100.0, None),
        ("B", 60.0, 1),
        ("D", pytest.approx(100 * 12 / 65), None),
        ("E", None, None),
    ]


def test_rank_change_against_the_previous_period_and_ties():
    ranked = rank(
        _units(
            ("A", JAN, 10, 10, 1.0, 1.0, 1.0),
            ("B", JAN, 10, 10, 0.5, 0.5, 0.5),
            ("A", FEB, 10, 10, 0.5, 0.5, 0.5),
            ("B", FEB, 10, 10, 1.0, 1.0, 1.0),
            ("C", FEB, 10, 10, 1.0, 1.0, 1.0),
        )
    )
    february = {
        r["region_code"]: (r["rank"], r["rank_change"])
        for r in ranked.filter(pl.col("period_start") == FEB).iter_rows(named=True)
    }
    assert february == {"B": (1, 1), "C": (1, None), "A": (3, -2)}


def test_rank_change_is_shown_as_arrows():
    assert [format_rank_change(c) for c in (2, -1, 0, None)] == ["↑2", "↓1", "持平", "—"]
    assert format_rank_change(0, english=True) == "no change"


def test_weights_are_configurable_and_checked():
    ranked = rank(_units(("A", JAN, 10, 10, 1.0, 0.0, 0.0)), Weights(100, 0, 0))
    assert ranked.get_column("three_rates_score").to_list() == [100.0]
    with pytest.raises(ValueError, match="add up to 100"):
        Weights(30, 30, 30)


def _monthly(*rows):
    """(code, month, messages, same-day replies, closed in 7 days, rated, satisfied,
    households, registered households) per row; every other count zero."""
    names = ("feedback", "same_day_replies", "closed_7d", "rated", "satisfied",
             "households", "registered_households")  # fmt: skip
    counts = [n for pair in RATES.values() for n in pair]
    frame = pl.DataFrame(
        [
            {"region_code": code, "name": code, "period_start": month,
             **dict.fromkeys(counts, 0), **dict(zip(names, values, strict=True))}
            for code, month, *values in rows
        ]
    )  # fmt: skip
    return frame.with_columns(pl.col("period_start").dt.strftime("%Y-%m").alias("period"))


def test_three_months_add_up_the_messages_and_take_households_at_the_end():
    monthly = _monthly(
        ("A", JAN, 2, 2, 2, 2, 2, 100, 90),
        ("A", FEB, 1, 0, 1, 1, 0, 100, 95),
        ("A", MAR, 3, 3, 2, 2, 1, 101, 99),
        ("A", APR, 4, 4, 4, 4, 4, 101, 100),
    )
    windows = over_months(monthly, 3)
    march = windows.filter(pl.col("period") == "2024-03").row(0, named=True)
    assert (march["first_month"], march["feedback"], march["rated"]) == (JAN, 6, 5)
    assert march["same_day_reply_rate"] == pytest.approx(5 / 6)
    assert march["closed_7d_rate"] == pytest.approx(5 / 6)
    assert march["satisfaction_rate"] == pytest.approx(3 / 5)
    assert march["registration_rate"] == pytest.approx(99 / 101)
    assert march["activity_rate"] is None  # distinct people do not add up over months
    january = windows.filter(pl.col("period") == "2024-01").row(0, named=True)
    assert (january["first_month"], january["feedback"]) == (JAN, 2)
    april = windows.filter(pl.col("period") == "2024-04").row(0, named=True)
    assert (april["first_month"], april["feedback"]) == (FEB, 8)


def test_a_village_too_thin_in_a_month_is_ranked_over_three():
    monthly = _monthly(
        ("A", JAN, 2, 2, 2, 2, 2, 10, 10),
        ("A", FEB, 2, 2, 2, 2, 2, 10, 10),
        ("A", MAR, 2, 1, 2, 2, 2, 10, 10),
        ("B", MAR, 1, 1, 1, 1, 1, 10, 10),
    )
    one = rank(monthly.with_columns(_rates(monthly))).filter(pl.col("period") == "2024-03")
    assert one.get_column("rank").to_list() == [None, None]
    three = rank(over_months(monthly, 3)).filter(pl.col("period") == "2024-03")
    # B's one message, answered and rated well, scores higher but ranks nobody.
    assert three.select("region_code", "rank", "note").rows() == [
        ("B", None, REFERENCE_ONLY),
        ("A", 1, None),
    ]


def _rates(frame: pl.DataFrame) -> list[pl.Expr]:
    return [
        (pl.col(n) / pl.col(d)).alias(rate)
        for rate, (n, d) in RATES.items()
        if rate in ("same_day_reply_rate", "closed_7d_rate", "satisfaction_rate")
    ]
