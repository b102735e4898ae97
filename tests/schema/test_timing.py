"""Each time quantity has one definition: pinned here on hand-made edge cases."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from schema import timing

T = dt.datetime


def _messages(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"submitted_at": pl.Datetime("us"), "first_reply_at": pl.Datetime("us"),
                "closed_at": pl.Datetime("us")},
        orient="row",
    )  # fmt: skip


def test_reply_on_the_next_calendar_day_is_not_same_day_even_two_minutes_later():
    frame = _messages(
        (T(2026, 3, 1, 23, 59), T(2026, 3, 2, 0, 1), None),
        (T(2026, 3, 1, 0, 1), T(2026, 3, 1, 23, 59), None),
        (T(2026, 3, 1, 8, 0), None, None),
    )
    got = frame.select(timing.replied_same_day(), timing.reply_hours().alias("h"))
    assert got.get_column("first_reply_at").to_list() == [False, True, False]
    assert got.get_column("h").to_list() == pytest.approx([2 / 60, 23 + 58 / 60, None])


def test_closed_exactly_seven_times_24_hours_later_is_within_seven_days_and_not_overdue():
    submitted = T(2026, 3, 1, 10, 0)
    frame = _messages(
        (submitted, None, submitted + dt.timedelta(days=7)),
        (submitted, None, submitted + dt.timedelta(days=7, microseconds=1)),
    )
    assert frame.select(timing.closed_within_7_days()).to_series().to_list() == [True, False]
    open_frame = _messages((submitted, None, None))
    exactly = submitted + dt.timedelta(days=7)
    just_after = exactly + dt.timedelta(microseconds=1)
    assert open_frame.select(timing.overdue_at(exactly)).item() is False
    assert open_frame.select(timing.overdue_at(just_after)).item() is True


def test_open_at_an_instant_means_submitted_before_it_and_not_closed_before_it():
    submitted = T(2026, 3, 1, 10, 0)
    closed = T(2026, 3, 20, 0, 0)  # closed at midnight: still open at the end of 19 March
    frame = _messages((submitted, None, closed))
    assert frame.select(timing.open_at(closed)).item() is True
    assert frame.select(timing.open_at(closed + dt.timedelta(microseconds=1))).item() is False
    assert frame.select(timing.open_at(submitted)).item() is False  # not yet submitted


def test_days_late_is_fractional_not_truncated_to_whole_hours():
    due = T(2026, 4, 16)
    frame = pl.DataFrame({"published_at": [due + dt.timedelta(hours=36, minutes=30),
                                           due - dt.timedelta(hours=12)], "due": [due, due]})  # fmt: skip
    late = frame.select(timing.days_late(pl.col("published_at"), pl.col("due"))).to_series()
    assert late.to_list() == pytest.approx([36.5 / 24, -0.5])


@pytest.mark.parametrize(
    ("day", "following", "last"),
    [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 1), dt.date(2026, 1, 31)),
        (dt.date(2026, 12, 15), dt.date(2027, 1, 1), dt.date(2026, 12, 31)),
        (dt.date(2028, 2, 1), dt.date(2028, 3, 1), dt.date(2028, 2, 29)),
        (dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2026, 2, 28)),
    ],
)
def test_month_steps_at_month_ends(day, following, last):
    assert timing.next_month(day) == following
    assert timing.month_end(day) == last
    start, end = timing.month_bounds(day)
    assert (start, end) == (T(day.year, day.month, 1), T(following.year, following.month, 1))


@pytest.mark.parametrize(
    ("day", "months", "shifted"),
    [
        (dt.date(2026, 10, 31), -12, dt.date(2025, 10, 1)),
        (dt.date(2026, 1, 15), -1, dt.date(2025, 12, 1)),
        (dt.date(2026, 3, 31), -2, dt.date(2026, 1, 1)),
        (dt.date(2026, 12, 1), 1, dt.date(2027, 1, 1)),
        (dt.date(2028, 2, 29), 0, dt.date(2028, 2, 1)),
    ],
)
def test_shifting_by_whole_months_lands_on_a_first_day(day, months, shifted):
    assert timing.shift_months(day, months) == shifted


def test_the_end_of_a_day_is_the_first_instant_of_the_next():
    assert timing.day_after(dt.date(2026, 12, 31)) == T(2027, 1, 1)


def test_a_days_report_covers_17_00_the_day_before_to_17_00_and_reports_tile_time():
    start, end = timing.daily_window(dt.date(2026, 3, 1))
    assert (start, end) == (T(2026, 2, 28, 17), T(2026, 3, 1, 17))
    assert timing.daily_window(dt.date(2026, 3, 2))[0] == end  # nothing falls between two


def test_the_same_day_deadline_is_midnight_after_the_day_of_submission():
    frame = _messages((T(2026, 2, 28, 23, 59, 59), None, None), (T(2026, 3, 1, 0, 0), None, None))
    deadlines = frame.select(timing.same_day_deadline()).to_series().to_list()
    assert deadlines == [T(2026, 3, 1), T(2026, 3, 2)]


def test_overdue_between_two_instants_counts_messages_overdue_at_any_instant_of_them():
    start, end = T(2026, 3, 11, 17), T(2026, 3, 12, 17)
    frame = _messages(
        (T(2026, 3, 1), None, None),  # overdue throughout
        (T(2026, 3, 5, 16, 59), None, None),  # becomes overdue at 16:59 (+1 µs) on the 12th
        (T(2026, 3, 5, 17), None, None),  # overdue only after the end
        (T(2026, 3, 1), None, T(2026, 3, 11, 17)),  # closed at the start: still overdue then
        (T(2026, 3, 1), None, T(2026, 3, 11, 16, 59)),  # cleared before the start
        (T(2026, 3, 5, 12), None, T(2026, 3, 12, 12)),  # closed exactly at 7 × 24 h: never
    )
    got = frame.select(timing.overdue_between(start, end)).to_series().to_list()
    assert got == [True, True, False, True, False, False]


def test_on_the_books_at_an_instant_means_registered_before_it_and_not_cancelled_before_it():
    at = T(2026, 3, 12, 17)
    frame = pl.DataFrame(
        {"registered_at": [at - dt.timedelta(microseconds=1), at, T(2026, 1, 1), T(2026, 1, 1)],
         "cancelled_at": [None, None, at, at - dt.timedelta(microseconds=1)]},
        schema={"registered_at": pl.Datetime("us"), "cancelled_at": pl.Datetime("us")},
    )  # fmt: skip
    assert frame.select(timing.on_books_at(at)).to_series().to_list() == [True, False, True, False]
