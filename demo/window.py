"""The span of the generated data, and times as seconds since the epoch (negative: none)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from schema.timing import next_month

EPOCH = dt.datetime(1970, 1, 1)
DAY = 86_400
HOUR = 3_600
# Residents use the app in the morning and in the evening.
HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.3, 0.4, 1, 3, 6, 8, 7, 6, 5, 5, 5, 5, 5, 5, 6, 7, 9, 10, 9, 6, 3], float
)
HOUR_WEIGHTS /= HOUR_WEIGHTS.sum()


def seconds(day: dt.date | dt.datetime) -> int:
    if not isinstance(day, dt.datetime):
        day = dt.datetime(day.year, day.month, day.day)
    return int((day - EPOCH).total_seconds())


def month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    months, day = [], start
    while day <= end:
        months.append(day)
        day = next_month(day)
    return months


@dataclass
class Window:
    start: dt.date
    end: dt.date  # last day of data

    @property
    def start_s(self) -> int:
        return seconds(self.start)

    @property
    def end_s(self) -> int:  # the end of the last day
        return seconds(self.end) + DAY

    @property
    def taken_at(self) -> dt.datetime:
        """When the export was taken: the morning after the last day of data."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(6, 0))


def to_minute(seconds: np.ndarray) -> np.ndarray:
    """The platform records times to the minute; negative values (no time) stay as they are."""
    return np.where(seconds >= 0, seconds - seconds % 60, seconds)


def time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(24, size=n, p=HOUR_WEIGHTS) * HOUR + rng.integers(0, 60, n) * 60
