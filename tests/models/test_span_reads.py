"""Whole-span scoring reads ahead and measures without loops per village: the span's months
of bursts and windows of new accounts read together give what each read alone gives, the
episodes scored with read-ahead are those scored window by window, and amount_outlier's
vectorised choice is the per-village choice it replaced."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from datastore import ReadOnlyDatabase
from datastore.activity import (
    ActivityReader,
    month_bursts,
    period_bursts,
    registrations,
    window_registrations,
)
from datastore.scope import EVERYTHING, Scope
from datastore.scoring import read_records
from models.data import prepare, scoring_days
from models.episodes import score_span
from models.indicators import amount_outlier
from models.indicators._padding import CROWDED_MINUTE, HOUR_BURST, REGISTRATION_BURST
from tests.models import padding_world as world
from tests.models.synthetic import District, Misconduct, generate

MONTHS = [(dt.datetime(2024, m, 1), dt.datetime(2024, m + 1, 1)) for m in range(1, 6)] + [
    (dt.datetime(2024, 6, 1), dt.datetime(2024, 6, 20))
]
WINDOWS = [
    (dt.datetime(2024, 3, 3), dt.datetime(2024, 6, 1)),
    (dt.datetime(2024, 4, 2), dt.datetime(2024, 7, 1)),
    (dt.datetime(2024, 1, 1), dt.datetime(2024, 3, 1)),
]


@pytest.fixture(scope="module")
def con(padding_db):
    return ReadOnlyDatabase(padding_db).cursor()


def test_months_read_together_are_each_month_read_alone(con):
    together = period_bursts(con, Scope(world.DISTRICT), MONTHS, HOUR_BURST, CROWDED_MINUTE)
    assert together.get_column("burst_only").sum() > 0  # bursts to keep apart
    for start, cut in MONTHS:
        alone = month_bursts(con, Scope(world.DISTRICT), start, cut, HOUR_BURST, CROWDED_MINUTE)
        assert together.filter(pl.col("start") == start).drop("start").equals(alone), start


def test_months_read_together_must_be_months_up_to_a_cut():
    with pytest.raises(ValueError, match="not a month"):
        period_bursts(None, EVERYTHING, [(dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 1))],
                      HOUR_BURST, CROWDED_MINUTE)  # fmt: skip
    with pytest.raises(ValueError, match="not a month"):
        period_bursts(None, EVERYTHING, [(dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 2))],
                      HOUR_BURST, CROWDED_MINUTE)  # fmt: skip


def test_windows_read_together_stand_each_as_of_its_own_date(con):
    together = window_registrations(con, Scope(world.DISTRICT), WINDOWS, REGISTRATION_BURST)
    for start, as_of in WINDOWS:
        alone = registrations(con, Scope(world.DISTRICT), start, as_of, REGISTRATION_BURST)
        mine = together.filter((pl.col("start") == start) & (pl.col("as_of") == as_of))
        assert mine.drop("start", "as_of").equals(alone), (start, as_of)
    # The cancellations made for the ranking count from 5 June: in one window, not the other.
    cancelled = together.filter(pl.col("region_code") == world.CANCELLED).drop_nulls("cancelled_at")
    assert cancelled.get_column("as_of").unique().to_list() == [dt.datetime(2024, 7, 1)]


def test_a_reader_told_ahead_keeps_what_each_ask_would_read(con, monkeypatch):
    ahead = ActivityReader(con, Scope(world.DISTRICT))
    # Small reads: the months come in several batches.
    monkeypatch.setattr("datastore.activity.EVENTS_PER_READ", 1_000)
    ahead.prefetch(MONTHS, HOUR_BURST, CROWDED_MINUTE, WINDOWS, REGISTRATION_BURST)
    assert len(ahead._batches(MONTHS)) > 1
    monkeypatch.undo()
    fresh = ActivityReader(con, Scope(world.DISTRICT))
    for start, cut in MONTHS:
        kept = ahead.month_bursts(start, cut, HOUR_BURST, CROWDED_MINUTE)
        assert kept.equals(fresh.month_bursts(start, cut, HOUR_BURST, CROWDED_MINUTE))
    for start, as_of in WINDOWS:
        kept = ahead.registrations(start, as_of, REGISTRATION_BURST)
        assert kept.equals(fresh.registrations(start, as_of, REGISTRATION_BURST))


class _WindowByWindow:
    """The reader as the indicators saw it before read-ahead: asked window by window."""

    def __init__(self, reader: ActivityReader):
        self.village_months = reader.village_months
        self.month_bursts = reader.month_bursts
        self.registrations = reader.registrations


def test_episodes_scored_with_read_ahead_are_those_scored_window_by_window(padding_db):
    records = read_records(ReadOnlyDatabase(padding_db).cursor(), EVERYTHING)
    asked = dataclasses.replace(records, activity=_WindowByWindow(records.activity))
    ahead = score_span(records)
    assert ahead.filter(pl.col("indicators").str.contains("crowded_minutes")).height > 0
    assert ahead.equals(score_span(asked))


def _amount_outlier_village_by_village(data) -> pl.DataFrame:
    """amount_outlier's measure as it was written first, one village at a time."""
    items = amount_outlier._per_item(data)
    rows = []
    for (region,), own in items.sort("region_code", "item_code").group_by(
        "region_code", maintain_order=True
    ):
        parts = [(r["reference"], r["ids"], r["logs"]) for r in own.iter_rows(named=True)]
        candidates = [
            (r["log_ratio"], r["variance"], r["n"], [part])
            for r, part in zip(own.iter_rows(named=True), parts, strict=True)
        ]
        if own.height > 1:
            weights = 1 / own.get_column("variance").to_numpy()
            ratios = own.get_column("log_ratio").to_numpy()
            candidates.append(
                (
                    float(np.sum(weights * ratios) / weights.sum()),
                    float(1 / weights.sum()),
                    int(own.get_column("n").sum()),
                    parts,
                )
            )
        log_ratio, variance, n, chosen = max(candidates, key=lambda c: c[0] / math.sqrt(c[1]))
        z = float(norm.isf(data.chance / len(candidates)))
        above = [
            i
            for reference, ids, logs in chosen
            for i, log in zip(ids, logs, strict=True)
            if log > reference + math.log(amount_outlier.FLOOR)
        ]
        rows.append(
            {
                "region_code": region,
                "value": math.exp(log_ratio),
                "needed": math.exp(z * math.sqrt(variance)),
                "sample": n,
                "evidence": above,
            }
        )
    return pl.DataFrame(rows, schema=amount_outlier.measure(data).schema)


def test_amount_outlier_measures_every_village_as_one_at_a_time():
    inflating = [Misconduct("inflate", v, dt.date(2024, 2, 1), 3, 5.0, 1.0) for v in (3, 17)]
    records = generate(District(seed=7), inflating)
    evidence, items = 0, 0
    for day in scoring_days(records.first_day, records.last_day):
        data = prepare(records, day)
        measured = amount_outlier.measure(data)
        assert measured.equals(_amount_outlier_village_by_village(data)), day
        evidence += measured.get_column("evidence").list.len().sum()
        items = max(
            items, amount_outlier._per_item(data).group_by("region_code").len()["len"].max()
        )
    assert evidence > 0 and items > 1  # payments above the bar; villages with several items
