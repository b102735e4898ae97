"""activity_bursts: a month's active residents whose only events fell in a few burst
hours (ten or more residents, beyond the village's own pace)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from datastore.activity import BurstRule, month_bursts
from datastore.scope import Scope
from models.indicators import REGISTRY
from models.indicators._padding import CROWDED_MINUTE, HOUR_BURST
from tests.models import padding_world as world

BURSTS = REGISTRY["activity_bursts"]


def test_fires_on_idle_residents_logged_in_in_one_hour_sittings(padding_data):
    hits = BURSTS.evaluate(padding_data)
    assert set(hits.get_column("region_code")) == {world.BURSTS, world.CROWD}
    hit = hits.filter(pl.col("region_code") == world.BURSTS).row(0, named=True)
    assert hit["value"] > 0.5 and hit["peer_median"] == 0.0
    # The residents logged in: 120 a month, at 15:00 on each of the month's last three days.
    assert len(hit["evidence"]) == 360
    assert {e.split(" ", 1)[1][:13] for e in hit["evidence"][:120]} == {
        "2024-04-28 15", "2024-04-29 15", "2024-04-30 15",
    }  # fmt: skip


def test_stays_quiet_when_as_many_idle_residents_visit_over_ten_days(padding_data):
    fired = BURSTS.evaluate(padding_data).get_column("region_code").to_list()
    assert world.BURSTS_NEAR not in fired
    assert world.SURGE not in fired  # activity leapt, but at ordinary times


def test_stays_quiet_on_a_meeting_whose_residents_also_visit_on_their_own(padding_data):
    assert world.CROWD_NEAR not in BURSTS.evaluate(padding_data).get_column("region_code")


def test_burst_counts_are_exact_for_the_month(padding_db):
    from datastore import ReadOnlyDatabase

    con = ReadOnlyDatabase(padding_db).cursor()
    april = month_bursts(
        con, Scope(world.DISTRICT), dt.datetime(2024, 4, 1), dt.datetime(2024, 5, 1),
        HOUR_BURST, CROWDED_MINUTE,
    )  # fmt: skip
    burst = april.filter(pl.col("region_code") == world.BURSTS).row(0, named=True)
    assert burst["burst_hours"] == 3 and burst["burst_only"] == 120
    assert burst["crowded_minutes"] == 0
    crowd = april.filter(pl.col("region_code") == world.CROWD).row(0, named=True)
    assert crowd["crowded_minutes"] == 5 and crowd["crowded_only"] == 150
    assert crowd["crowded_evidence"][0].endswith("2024-04-30 16:50")
    meeting = april.filter(pl.col("region_code") == world.CROWD_NEAR).row(0, named=True)
    assert meeting["crowded_minutes"] == 3 and meeting["crowded_only"] == 0
    quiet = april.filter(
        ~pl.col("region_code").is_in([world.BURSTS, world.CROWD, world.CROWD_NEAR])
    )
    assert quiet.get_column("burst_only").sum() == 0
    assert quiet.get_column("burst_evidence").list.len().sum() == 0
    # A village's scope sees only itself.
    alone = month_bursts(
        con, Scope(world.BURSTS), dt.datetime(2024, 4, 1), dt.datetime(2024, 5, 1),
        HOUR_BURST, CROWDED_MINUTE,
    )  # fmt: skip
    assert alone.get_column("region_code").to_list() == [world.BURSTS]
    assert alone.row(0, named=True)["burst_only"] == 120


def test_the_burst_bar_follows_the_villages_own_pace():
    rule = BurstRule("hour", min_count=10)
    month = rule.units(dt.datetime(2024, 4, 1), dt.datetime(2024, 5, 1))
    assert month == 720
    import duckdb

    bar = lambda events: duckdb.sql(f"SELECT {rule.bar(str(events), month)}").fetchall()[0][0]  # noqa: E731
    assert bar(200) == 10  # a small village: the floor
    pace = 3 * 20_000 / 720  # a large community: its busiest hours carry dozens
    assert bar(20_000) == pace + 5 * pace**0.5
