"""What the indicators look at. `Records` holds everything loaded for the villages scored,
over the whole span; `prepare` cuts it into one scoring window as things stood on its
as-of day (`ScoringData`); `scoring_days` lists the days a span is scored on. Pure:
the data layer (datastore/scoring.py) reads the records from the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from metrics.marts import due_time, item_periods
from schema.settings import DEFAULTS, DistrictSettings
from schema.timing import day_after, month_end, next_month

DEFAULT_WINDOW_DAYS = 90
MIN_WINDOW_DAYS = 28  # a window holding less of the data than a month is not scored
# Chance may raise about one false lead per indicator in twenty districts' whole spans:
# the bar each village must pass is this shared out over its villages and windows.
FALSE_LEADS = 0.05

VILLAGE_COLUMNS = ("region_code", "name", "street_code", "district_code", "kind", "households")
DISCLOSURE_COLUMNS = ("disclosure_id", "region_code", "category", "item_code", "period",
                      "period_start", "period_end", "published_at", "reviewed_at", "status",
                      "amount", "payee", "updated_at")  # fmt: skip
FEEDBACK_COLUMNS = ("feedback_id", "region_code", "user_id", "topic", "submitted_at",
                    "first_reply_at", "closed_at", "satisfaction")  # fmt: skip


class ActivityAggregates(Protocol):
    """What the padding indicators read of registration and activity, aggregated where the
    events are stored (datastore/activity.py's ActivityReader): a province's events never
    come into Python whole."""

    def village_months(self, as_of: dt.date) -> pl.DataFrame: ...

    def month_bursts(
        self, start: dt.datetime, cut: dt.datetime, hours, minutes
    ) -> pl.DataFrame: ...

    def registrations(self, start: dt.datetime, as_of: dt.datetime, rule) -> pl.DataFrame: ...

    # Optional: `prefetch(months, hours, minutes, windows, rule)` reads ahead what a span's
    # windows will ask (models/indicators/_padding.py's prefetch).


@dataclass(frozen=True)
class Records:
    """The scored villages' records over the whole span, in their latest loaded state.

    villages: VILLAGE_COLUMNS; disclosures: DISCLOSURE_COLUMNS plus `frequency` and `due`
    (the first instant past the deadline, from the catalogue; null when unknown);
    feedback: FEEDBACK_COLUMNS; catalogue: item_code, frequency, due_days;
    first_day, last_day: the span of the data; settings: the district's local practice;
    activity: the registration and activity aggregates, read on demand (None without a
    database to read them from).
    """

    villages: pl.DataFrame
    disclosures: pl.DataFrame
    feedback: pl.DataFrame
    catalogue: pl.DataFrame
    first_day: dt.date
    last_day: dt.date
    settings: DistrictSettings = DEFAULTS
    activity: ActivityAggregates | None = None

    @classmethod
    def build(
        cls,
        villages: pl.DataFrame,
        disclosures: pl.DataFrame,
        feedback: pl.DataFrame,
        catalogue: pl.DataFrame,
        first_day: dt.date,
        last_day: dt.date,
        settings: DistrictSettings = DEFAULTS,
        activity: ActivityAggregates | None = None,
    ) -> Records:
        """Attach each disclosure's due time once, for every window cut from it."""
        items = catalogue.select("item_code", "frequency", "due_days")
        dated = disclosures.join(items, on="item_code", how="left").with_columns(
            due_time(pl.col("period_end"), pl.col("due_days")).alias("due")
        )
        return cls(
            villages,
            dated.drop("due_days"),
            feedback,
            items,
            first_day,
            last_day,
            settings,
            activity,
        )


@dataclass
class ScoringData:
    """One scoring window: records up to the end of `window_end` (the as-of day), states
    as they stood then.

    villages: as in Records
    disclosures: every disclosure published by then, with due, `changed` (corrected or
        withdrawn by then) and `withdrawn`
    feedback: every message submitted by then, reply and closure only if they had
        happened by then
    expected: periodic (village, item, period) falling due in the window or in the
        `settings.missing_grace_days` before it, whose period ended inside the data
    first_day: the first day of the data (windows do not reach before it)
    chance: how unlikely by luck alone a village's figure must be to count
        (FALSE_LEADS over the villages and the independent windows of the span)
    activity: registration and activity aggregates (datastore/activity.py), read in SQL
        when an indicator first asks for them and kept for the next window; None when
        there is nothing to read them from (the padding indicators then measure nothing)
    """

    as_of: dt.datetime  # the first instant after the window
    window_start: dt.date
    window_end: dt.date
    villages: pl.DataFrame
    disclosures: pl.DataFrame
    feedback: pl.DataFrame
    expected: pl.DataFrame
    first_day: dt.date
    chance: float
    settings: DistrictSettings = DEFAULTS
    activity: ActivityAggregates | None = None

    @property
    def window_start_ts(self) -> dt.datetime:
        return dt.datetime.combine(self.window_start, dt.time())

    @property
    def peers(self) -> list[str]:
        """Comparable villages: same street, same kind (village or community)."""
        return ["street_code", "kind"]


def prepare(
    records: Records, as_of: dt.date, window_days: int = DEFAULT_WINDOW_DAYS
) -> ScoringData:
    """The window of `window_days` ending on `as_of` (not reaching before the data), with
    the records cut at the end of `as_of`."""
    end = day_after(as_of)
    window_start = max(as_of - dt.timedelta(days=window_days - 1), records.first_day)
    happened = lambda column: pl.when(pl.col(column) < end).then(pl.col(column))  # noqa: E731
    changed_by_then = pl.col("updated_at").fill_null(pl.col("published_at")) < end
    disclosed = records.disclosures.filter(pl.col("published_at") < end).with_columns(
        happened("reviewed_at").alias("reviewed_at"),
        (pl.col("status").is_in(["corrected", "withdrawn"]) & changed_by_then).alias("changed"),
        ((pl.col("status") == "withdrawn") & changed_by_then).alias("withdrawn"),
    )
    messages = records.feedback.filter(pl.col("submitted_at") < end).with_columns(
        happened("first_reply_at").alias("first_reply_at"),
        happened("closed_at").alias("closed_at"),
    )
    messages = messages.with_columns(
        pl.when(pl.col("closed_at").is_not_null())
        .then(pl.col("satisfaction"))
        .alias("satisfaction")
    )
    grace = dt.timedelta(days=records.settings.missing_grace_days)
    reach_back = window_start - dt.timedelta(days=400)  # the longest period plus its due days
    expected = (
        records.villages.select("region_code")
        .join(item_periods(records.catalogue.lazy(), reach_back, as_of).collect(), how="cross")
        .with_columns(due_time(pl.col("period_end"), pl.col("due_days")).alias("due"))
        .filter(
            (pl.col("due") > dt.datetime.combine(window_start, dt.time()) - grace)
            & (pl.col("due") <= end)
            # Published after its period ends: inside the data only if it ended inside.
            & (pl.col("period_end") >= records.first_day - dt.timedelta(days=1))
        )
    )
    windows = max(1.0, ((records.last_day - records.first_day).days + 1) / window_days)
    return ScoringData(
        end,
        window_start,
        as_of,
        records.villages,
        disclosed,
        messages,
        expected,
        records.first_day,
        FALSE_LEADS / (max(records.villages.height, 1) * windows),
        records.settings,
        records.activity,
    )


def scoring_days(first_day: dt.date, last_day: dt.date) -> list[dt.date]:
    """Every month end of the span holding at least MIN_WINDOW_DAYS of data, and the
    span's last day."""
    days = []
    month = month_end(first_day)
    while month < last_day:
        if (month - first_day).days + 1 >= MIN_WINDOW_DAYS:
            days.append(month)
        month = month_end(next_month(month))
    return [*days, last_day]
