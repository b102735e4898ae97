"""The headline figures of a month, each with its change on the month before and on the same
month a year before (同比), as the overview's cards and the briefing's show them. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from metrics.glossary import TARGETS, format_change
from schema.timing import shift_months


@dataclass(frozen=True)
class Headline:
    metric: str
    value: float | None
    month_before: float | None  # None where the data has no month before
    year_before: float | None  # None where the data does not reach a year back
    target: float | None

    def month_change(self, english: bool = False) -> str | None:
        return format_change(self.value, self.month_before, english)

    def year_change(self, english: bool = False) -> str | None:
        return format_change(self.value, self.year_before, english)


def headline(
    months: pl.DataFrame, month: dt.date, metrics: list[str] | None = None
) -> list[Headline]:
    """`months` holds one scope's rows of `region_metrics` (period_start and the metrics)
    over any span; the headline of `month` (default metrics: those with a target)."""
    by_month = {row["period_start"]: row for row in months.iter_rows(named=True)}

    def value(when: dt.date, metric: str) -> float | None:
        return (by_month.get(when) or {}).get(metric)

    before, year_before = shift_months(month, -1), shift_months(month, -12)
    return [
        Headline(
            metric,
            value(month, metric),
            value(before, metric),
            value(year_before, metric),
            TARGETS.get(metric),
        )
        for metric in metrics or list(TARGETS)
    ]
