"""registration_bursts: a window's new accounts registered in burst hours (ten or more in
an hour, beyond the village's own pace)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from datastore import ReadOnlyDatabase
from datastore.activity import registrations
from datastore.scope import Scope
from models.indicators import REGISTRY
from models.indicators._padding import REGISTRATION_BURST
from tests.models import padding_world as world

BURSTS = REGISTRY["registration_bursts"]


def test_fires_on_a_hundred_accounts_created_within_ninety_minutes(padding_data):
    hits = BURSTS.evaluate(padding_data)
    assert hits.get_column("region_code").to_list() == [world.REGISTRATION_BURST]
    hit = hits.row(0, named=True)
    assert hit["value"] == 1.0 and hit["sample"] == 100
    assert hit["evidence"][0].endswith("2024-05-31 15:00")
    assert len(hit["evidence"]) == 100


def test_stays_quiet_on_a_campaign_signing_up_households_over_weeks(padding_data):
    # 80 households over four weeks, nine of them at a sign-up desk within one hour.
    measured = BURSTS.measure(padding_data).filter(pl.col("region_code") == world.GROWTH)
    assert measured.row(0, named=True)["value"] == 0.0
    assert measured.row(0, named=True)["sample"] >= 80


def test_registrations_are_read_as_they_stood_on_the_as_of_date(padding_db):
    con = ReadOnlyDatabase(padding_db).cursor()
    before = registrations(
        con, Scope(world.DISTRICT), dt.datetime(2024, 4, 2), dt.datetime(2024, 6, 1),
        REGISTRATION_BURST,
    )  # fmt: skip
    cancelled = before.filter(pl.col("region_code") == world.CANCELLED)
    assert cancelled.height == 41  # 40 made for the ranking, one newcomer
    assert cancelled.get_column("cancelled_at").null_count() == 41  # not yet on 1 June
    after = registrations(
        con, Scope(world.DISTRICT), dt.datetime(2024, 4, 2), dt.datetime(2024, 7, 1),
        REGISTRATION_BURST,
    )  # fmt: skip
    cancelled = after.filter(pl.col("region_code") == world.CANCELLED).drop_nulls("cancelled_at")
    assert cancelled.height == 40
    assert cancelled.get_column("cancelled_at").dt.date().unique().to_list() == [
        dt.date(2024, 6, 5)
    ]
    burst = after.filter(pl.col("region_code") == world.REGISTRATION_BURST)
    assert burst.get_column("in_burst").all() and burst.get_column("hour_bar").max() == 10
    assert (
        after.filter(pl.col("region_code") == world.HOLLOW).get_column("household_id").null_count()
        == 40
    )
