"""Whole-span scoring reads ahead, reads once per load and measures without loops per
village: the span's months of bursts and windows of new accounts read together give what
each read alone gives, the whole load's aggregates cut to a scope are the scope's own
reads, the episodes scored with read-ahead are those scored window by window, and
amount_outlier's vectorised choice, the timing indicators' quantiles and silent_admin's
spans are what they replaced gave."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from datastore import ReadOnlyDatabase, activity
from datastore.activity import (
    ActivityReader,
    ScopeAggregates,
    load_aggregates,
    month_bursts,
    period_bursts,
    registrations,
    village_months,
    window_registrations,
)
from datastore.per_load import PerLoad
from datastore.scope import EVERYTHING, Scope
from datastore.scoring import read_records
from models.data import prepare, scoring_days
from models.episodes import score_span
from models.indicators import (
    _timing,
    amount_outlier,
    missing_periodic_items,
    silent_admin,
    slow_reply,
    slow_review,
    split_payments,
)
from models.indicators._padding import CROWDED_MINUTE, HOUR_BURST, REGISTRATION_BURST
from models.indicators._timing import sorted_quantile
from models.indicators.base import peer_outliers, share_flagged
from schema.timing import days_between, reply_hours
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
    own = ScopeAggregates(Scope(world.DISTRICT))
    ahead = ActivityReader(con, Scope(world.DISTRICT), own)
    # Small reads: the months come in several batches.
    monkeypatch.setattr("datastore.activity.EVENTS_PER_READ", 1_000)
    ahead.prefetch(MONTHS, HOUR_BURST, CROWDED_MINUTE, WINDOWS, REGISTRATION_BURST)
    assert len(own._batches(con, MONTHS)) > 1
    monkeypatch.undo()
    fresh = ActivityReader(con, Scope(world.DISTRICT), ScopeAggregates(Scope(world.DISTRICT)))
    for start, cut in MONTHS:
        kept = ahead.month_bursts(start, cut, HOUR_BURST, CROWDED_MINUTE)
        assert kept.equals(fresh.month_bursts(start, cut, HOUR_BURST, CROWDED_MINUTE))
    for start, as_of in WINDOWS:
        kept = ahead.registrations(start, as_of, REGISTRATION_BURST)
        assert kept.equals(fresh.registrations(start, as_of, REGISTRATION_BURST))


SCOPES = [
    Scope(world.DISTRICT),
    *(Scope(street) for street in world.STREETS),
    Scope(world.SURGE),
    Scope(world.DISTRICT, kind="village"),
    Scope(kind="community"),
]


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: f"{s.region_code}-{s.kind}")
def test_the_whole_loads_aggregates_cut_to_a_scope_are_the_scopes_own_reads(con, scope):
    """The aggregates every scope's reader cuts from one read of the whole load are those
    a read of the scope alone gives."""
    reader = ActivityReader(con, scope, ScopeAggregates(EVERYTHING))
    reader.prefetch(MONTHS, HOUR_BURST, CROWDED_MINUTE, WINDOWS, REGISTRATION_BURST)
    for start, cut in MONTHS:
        own = month_bursts(con, scope, start, cut, HOUR_BURST, CROWDED_MINUTE)
        assert reader.month_bursts(start, cut, HOUR_BURST, CROWDED_MINUTE).equals(own), start
    for start, as_of in WINDOWS:
        own = registrations(con, scope, start, as_of, REGISTRATION_BURST)
        assert reader.registrations(start, as_of, REGISTRATION_BURST).equals(own), start
    for as_of in (dt.date(2024, 3, 31), dt.date(2024, 4, 15), world.AS_OF, dt.date(2030, 1, 1)):
        assert reader.village_months(as_of).equals(village_months(con, scope, as_of)), as_of


def test_the_parts_of_a_load_read_the_events_once_after_the_first(padding_db, monkeypatch):
    """The first part of a load to ask reads only its own villages; the next read every
    village's once for all the parts after it."""
    reads = []

    def counted(read):
        def wrapper(con, scope, *args):
            reads.append((read.__name__, scope))
            return read(con, scope, *args)

        return wrapper

    for name in ("period_bursts", "window_registrations", "village_months"):
        monkeypatch.setattr(f"datastore.activity.{name}", counted(getattr(activity, name)))
    monkeypatch.setattr("datastore.activity._LOADED", PerLoad(keep=1))  # none read yet

    def score(scope: Scope) -> ActivityReader:
        # Each reader's own connection, as the warmer's and a page's would be.
        reader = ActivityReader(ReadOnlyDatabase(padding_db).cursor(), scope)
        reader.prefetch(MONTHS, HOUR_BURST, CROWDED_MINUTE, WINDOWS, REGISTRATION_BURST)
        reader.village_months(world.AS_OF)
        assert reader.month_bursts(*MONTHS[0], HOUR_BURST, CROWDED_MINUTE).height > 0
        return reader

    first, *others = [Scope(street) for street in world.STREETS]
    score(first)
    assert {scope for _, scope in reads} == {first}
    score(first)  # the same part again: what it read is kept
    assert len(reads) == 3
    score(others[0])
    assert {scope for _, scope in reads[3:]} == {EVERYTHING}
    done = len(reads)
    for scope in [*others[1:], Scope(world.DISTRICT), EVERYTHING]:
        score(scope)
    assert len(reads) == done


def test_everything_read_first_serves_every_part(padding_db, monkeypatch):
    monkeypatch.setattr("datastore.activity._LOADED", PerLoad(keep=1))
    con = ReadOnlyDatabase(padding_db).cursor()
    ActivityReader(con, EVERYTHING).village_months(world.AS_OF)
    loaded = load_aggregates(ReadOnlyDatabase(padding_db).cursor())
    assert loaded.for_scope(Scope(world.DISTRICT)) is loaded.everything


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


def test_quantiles_read_off_sorted_durations_are_numpys():
    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 10, 57, 400):
        for durations in (rng.exponential(30, n), rng.integers(0, 4, n).astype(float)):
            longest_first = np.sort(durations)[::-1]
            for q in (0.0, 0.25, 0.5, 0.9, 0.999, 1 - 1e-9, 1.0, *rng.random(20)):
                assert sorted_quantile(longest_first, q) == np.quantile(longest_first, q), (n, q)
    with_nan = np.array([np.nan, 5.0, 1.0])
    assert math.isnan(sorted_quantile(with_nan, 0.5))


def _silent_admin_sorting_every_action(data) -> pl.DataFrame:
    """silent_admin's measure as it was first written: every action up to the as-of date
    sorted, not only the window's and each village's last one before it."""
    start, end = data.window_start_ts, data.as_of
    actions = pl.concat(
        [
            data.disclosures.select("region_code", pl.col("published_at").alias("at")),
            data.feedback.select("region_code", pl.col("first_reply_at").alias("at")),
        ]
    ).filter(pl.col("at") < end)
    known = (
        [dt.datetime.combine(data.first_day, dt.time())]
        if data.window_start > data.first_day
        else []
    )
    bounds = data.villages.select("region_code").join(
        pl.DataFrame({"at": [*known, end]}), how="cross"
    )
    gaps = (
        pl.concat([actions, bounds])
        .sort("region_code", "at")
        .with_columns(pl.col("at").shift(1).over("region_code").alias("since"))
        .drop_nulls("since")
        .filter(pl.col("at") > start)
        .with_columns(pl.max_horizontal("since", pl.lit(start)).alias("since"))
        .with_columns(days_between(pl.col("since"), pl.col("at")).alias("days"))
    )
    longest = gaps.sort(["days", "at"], descending=[True, False]).unique(
        "region_code", keep="first", maintain_order=True
    )
    written = (
        longest.join(
            data.feedback.select("region_code", "feedback_id", "submitted_at"), on="region_code"
        )
        .filter(pl.col("submitted_at").is_between(pl.col("since"), pl.col("at"), closed="left"))
        .group_by("region_code")
        .agg(pl.col("feedback_id").alias("evidence"), pl.len().alias("sample"))
    )
    per_village = (
        longest.select("region_code", pl.col("days").alias("value"))
        .join(written, on="region_code", how="left")
        .with_columns(pl.col("sample").fill_null(0), pl.col("evidence").fill_null([]))
    )
    return per_village.join(
        silent_admin._chance_silence(data, actions), on="region_code", how="left"
    )


def test_silent_admin_measures_as_when_it_sorted_every_action():
    silent = [Misconduct(kind, v, dt.date(2024, 3, 1), 4, 1.0, 1.0)
              for kind, v in (("missing", 4), ("unanswered", 4), ("unanswered", 11))]  # fmt: skip
    records = generate(District(seed=5), silent)
    longest = 0.0
    for day in scoring_days(records.first_day, records.last_day):
        data = prepare(records, day)
        measured = silent_admin.measure(data).sort("region_code")
        assert measured.equals(_silent_admin_sorting_every_action(data).sort("region_code")), day
        longest = max(longest, measured.get_column("value").max())
    assert longest > 30  # silences past the rule's floor among them


def _missing_items_of_every_period(data) -> pl.DataFrame:
    """missing_periodic_items' measure as first written: every period's publications made
    unique, not only the overdue periods'."""
    key = missing_periodic_items.KEY
    published = (
        data.disclosures.filter(~pl.col("withdrawn"))
        .select(key)
        .unique()
        .with_columns(pl.lit(True).alias("published"))
    )
    grace = dt.timedelta(days=data.settings.missing_grace_days)
    per_item = (
        data.expected.filter(pl.col("due") <= data.as_of - grace)
        .join(published, on=key, how="left")
        .with_columns(pl.col("published").fill_null(False))
        .filter(pl.col("published").mean().over("item_code", "period_start") >= 0.5)
    )
    item_period = pl.format("{} {}", "item_code", pl.col("period_start").dt.strftime("%Y-%m"))
    return share_flagged(per_item, ~pl.col("published"), item_period)


def test_missing_items_measured_as_when_every_period_was_made_unique():
    missing = [Misconduct("missing", v, dt.date(2024, 2, 1), 4, 1.0, 0.8) for v in (2, 9)]
    records = generate(District(seed=11), missing)
    flagged = 0
    for day in scoring_days(records.first_day, records.last_day):
        data = prepare(records, day)
        measured = missing_periodic_items.measure(data).sort("region_code")
        assert measured.equals(_missing_items_of_every_period(data).sort("region_code")), day
        flagged += measured.filter(pl.col("value") >= 0.5).height
    assert flagged > 0


def _split_payments_numbered_per_group(data) -> pl.DataFrame:
    """split_payments' measure as first written: runs numbered by a window function over
    each village, payee and limit."""
    amount = pl.col("amount").cast(pl.Float64)
    payments = data.disclosures.filter(
        (pl.col("published_at") >= data.window_start_ts)
        & ~pl.col("withdrawn")
        & pl.col("payee").is_not_null()
        & (amount > 0)
    ).with_columns(amount.alias("paid"))
    near = (
        payments.with_columns(split_payments._limits(pl.col("paid"), data.settings.approval_threshold))
        .unpivot(index=["region_code", "payee", "disclosure_id", "published_at", "paid"],
                 on=["round_limit", "configured_limit"], value_name="limit")
        .drop_nulls("limit")
        .unique(["disclosure_id", "limit"])
        .sort("published_at", "disclosure_id")
    )  # fmt: skip
    gap = pl.col("published_at").diff().over("region_code", "payee", "limit")
    runs = near.with_columns(
        (gap.is_null() | (gap > pl.duration(days=split_payments.SPAN_DAYS)))
        .cum_sum()
        .over("region_code", "payee", "limit")
        .alias("run")
    )
    per_run = (
        runs.group_by("region_code", "payee", "limit", "run")
        .agg(pl.len().alias("payments"), pl.col("paid").sum().alias("total"),
             pl.col("disclosure_id").alias("evidence"))
        .filter(pl.col("total") >= pl.col("limit"))
    )  # fmt: skip
    best = per_run.sort(
        ["payments", "total", "payee", "limit"], descending=[True, True, False, False]
    ).unique("region_code", keep="first", maintain_order=True)
    return best.select(
        "region_code",
        pl.col("payments").cast(pl.Float64).alias("value"),
        pl.col("payments").alias("sample"),
        "evidence",
    ).sort("region_code")


def test_split_payments_runs_are_those_numbered_per_group():
    splitting = [Misconduct("split", v, dt.date(2024, 2, 1), 4, 20_000.0) for v in (1, 6, 13)]
    records = generate(District(seed=9), splitting)
    runs = 0
    for day in scoring_days(records.first_day, records.last_day):
        data = prepare(records, day)
        measured = split_payments.measure(data)
        assert measured.equals(_split_payments_numbered_per_group(data)), day
        runs += measured.filter(pl.col("value") >= 3).height
    assert runs > 0


def _beyond_chance_sorting_every_peer_group(data, hits, rows, at, hours) -> pl.DataFrame:
    """The timing indicators' chance bar as first written: every peer group's durations
    sorted, not only the hits' groups."""
    if hits.is_empty():
        return hits
    timed = (
        rows.with_columns(hours.alias("hours"))
        .drop_nulls("hours")
        .select("region_code", "hours")
        .filter(~pl.col("region_code").is_in(hits.get_column("region_code").implode()))
        .join(data.villages.select("region_code", *data.peers), on="region_code")
    )
    everyone = np.sort(timed.get_column("hours").to_numpy())[::-1]
    by_peers = {
        key: np.sort(group.get_column("hours").to_numpy())[::-1]
        for key, group in timed.partition_by(data.peers, as_dict=True).items()
    }
    groups = dict(
        data.villages.select(
            "region_code", pl.concat_list(pl.col(c).cast(pl.String) for c in data.peers)
        ).iter_rows()
    )
    needed = []
    for region, judged_as in hits.select("region_code", "judged_as").iter_rows():
        peers = by_peers.get(tuple(groups[region]), everyone[:0])
        pools = [everyone, peers] if len(peers) >= _timing.PEER_ROWS else [everyone]
        needed.append(max(_timing.median_needed(pool, judged_as, data.chance) for pool in pools))
    return (
        hits.with_columns(pl.Series("needed", needed, dtype=pl.Float64))
        .filter(pl.col("value") > pl.col("needed"))
        .with_columns(pl.max_horizontal("threshold", "needed").alias("threshold"))
        .drop("needed")
    )


def test_the_timing_bar_reads_only_the_hits_peer_groups_as_it_read_them_all():
    slow = [Misconduct(kind, v, dt.date(2024, 2, 1), 4, 150.0, 0.8)
            for kind, v in (("slow_reply", 3), ("slow_review", 8), ("slow_clearance", 14))]  # fmt: skip
    records = generate(District(seed=13), slow)
    judged = 0
    for day in scoring_days(records.first_day, records.last_day):
        data = prepare(records, day)
        for indicator in (slow_review, slow_reply):
            measured = indicator.INDICATOR.measure(data)
            hits = peer_outliers(data, measured, indicator.INDICATOR.min_sample, 0.0)
            hits = hits.with_columns(pl.col("sample").alias("judged_as"))
            rows, at, hours = (
                (data.disclosures, "published_at", slow_review._lag())
                if indicator is slow_review
                else (data.feedback, "submitted_at", reply_hours())
            )
            kept = _timing.beyond_chance(data, hits, rows, at, hours)
            assert kept.equals(_beyond_chance_sorting_every_peer_group(data, hits, rows, at, hours))
            judged += hits.height
    assert judged > 0
