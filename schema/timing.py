"""One definition of each time quantity and calendar step, as Polars expressions or plain
date arithmetic, used by the marts, the metric helpers and the indicators alike.

Every time in the exports is local platform time (Asia/Shanghai) without a zone. Durations
are measured to the microsecond and expressed in fractional hours or days: nothing is
truncated to whole hours.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

PLATFORM_TIMEZONE = ZoneInfo("Asia/Shanghai")
OVERDUE_DAYS = 7  # a message must be cleared within 7 days (7天内动态清零)
# The daily ranking is published at 17:00 (每天下午5点发布当日工作进展情况); a day's report
# covers the 24 hours since the previous one (see `daily_window`).
DAILY_CUTOFF = dt.time(17, 0)
_MICROSECONDS_PER_HOUR = 3_600_000_000
_MICROSECONDS_PER_DAY = 24 * _MICROSECONDS_PER_HOUR


def local_now() -> dt.datetime:
    """Now in the platform's time zone, naive like every time in the exports."""
    return dt.datetime.now(PLATFORM_TIMEZONE).replace(tzinfo=None, microsecond=0)


def hours_between(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Fractional hours from `start` to `end` (null if either is)."""
    return (end - start).dt.total_microseconds() / _MICROSECONDS_PER_HOUR


def days_between(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Fractional days from `start` to `end` (null if either is)."""
    return (end - start).dt.total_microseconds() / _MICROSECONDS_PER_DAY


def reply_hours() -> pl.Expr:
    """Hours from a message's submission to its first reply."""
    return hours_between(pl.col("submitted_at"), pl.col("first_reply_at"))


def close_hours() -> pl.Expr:
    """Hours from a message's submission to its closure."""
    return hours_between(pl.col("submitted_at"), pl.col("closed_at"))


def replied_same_day() -> pl.Expr:
    """A first reply on the calendar day the message was submitted (当天回应)."""
    replied = pl.col("first_reply_at")
    return replied.is_not_null() & (replied.dt.date() == pl.col("submitted_at").dt.date())


def same_day_deadline() -> pl.Expr:
    """The first instant after a message's same-day reply deadline: midnight at the end of
    the calendar day it was submitted on."""
    return (pl.col("submitted_at").dt.date() + pl.duration(days=1)).cast(pl.Datetime("us"))


def closed_within_7_days() -> pl.Expr:
    """Closed at most exactly 7 × 24 hours after submission (7天内动态清零)."""
    closed = pl.col("closed_at")
    return closed.is_not_null() & (
        closed - pl.col("submitted_at") <= pl.duration(days=OVERDUE_DAYS)
    )


def days_late(published: pl.Expr, due: pl.Expr) -> pl.Expr:
    """Fractional days a disclosure was published after the first instant past its
    deadline (`due`); negative when early."""
    return days_between(due, published)


def open_at(as_of: pl.Expr | dt.datetime) -> pl.Expr:
    """A message submitted before `as_of` and not closed before it."""
    at = as_of if isinstance(as_of, pl.Expr) else pl.lit(as_of)
    closed = pl.col("closed_at")
    return (pl.col("submitted_at") < at) & (closed.is_null() | (closed >= at))


def overdue_at(as_of: pl.Expr | dt.datetime) -> pl.Expr:
    """Open at `as_of` and submitted more than 7 × 24 hours before it."""
    at = as_of if isinstance(as_of, pl.Expr) else pl.lit(as_of)
    return open_at(at) & (at - pl.col("submitted_at") > pl.duration(days=OVERDUE_DAYS))


def overdue_between(start: dt.datetime, end: dt.datetime) -> pl.Expr:
    """Overdue (`overdue_at`) at some instant of the half-open [start, end): submitted more
    than 7 × 24 hours before an instant of it and not closed before that instant."""
    first_overdue = pl.col("submitted_at") + pl.duration(days=OVERDUE_DAYS, microseconds=1)
    earliest = pl.max_horizontal(first_overdue, pl.lit(start))
    closed = pl.col("closed_at")
    return (earliest < pl.lit(end)) & (closed.is_null() | (closed >= earliest))


def on_books_at(at: dt.datetime) -> pl.Expr:
    """A user registered before `at` and not cancelled before it."""
    cancelled = pl.col("cancelled_at")
    return (pl.col("registered_at") < pl.lit(at)) & (
        cancelled.is_null() | (cancelled >= pl.lit(at))
    )


def daily_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The half-open instants [17:00 the day before, 17:00 on `day`) that `day`'s 17:00
    report covers: consecutive reports share no instant and leave none out."""
    end = dt.datetime.combine(day, DAILY_CUTOFF)
    return end - dt.timedelta(days=1), end


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    """The first day of the month after the one holding `month`."""
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def shift_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` calendar months after (before, if negative) the
    one holding `month`: the year before is `shift_months(m, -12)`."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    """The last day of the month holding `month`."""
    return next_month(month) - dt.timedelta(days=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The half-open instants [first, next first) of the month holding `month`."""
    first = month_start(month)
    return dt.datetime.combine(first, dt.time()), dt.datetime.combine(next_month(first), dt.time())


def day_after(day: dt.date) -> dt.datetime:
    """The first instant after the end of `day`: what "as of the end of day" compares to."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
