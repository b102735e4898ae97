"""hollow_registrations: a window's new accounts without a household, piled on one
household, or cancelled within a fortnight of the month's ranking."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl

from models.indicators import REGISTRY
from tests.models import padding_world as world

HOLLOW = REGISTRY["hollow_registrations"]


def test_fires_on_accounts_without_a_household_and_accounts_gone_after_the_ranking(padding_data):
    hits = HOLLOW.evaluate(padding_data)
    assert hits.get_column("region_code").to_list() == [world.HOLLOW, world.CANCELLED]
    without = hits.row(0, named=True)["evidence"]
    assert len(without) == 40 and all(e.endswith("无户号") for e in without)
    gone = hits.row(1, named=True)["evidence"]
    assert len(gone) == 40 and all(e.endswith("2024-06-05 注销") for e in gone)


def test_stays_quiet_when_two_new_accounts_in_forty_two_lack_a_household(padding_data):
    assert world.HOLLOW_NEAR not in HOLLOW.evaluate(padding_data).get_column("region_code")


def test_stays_quiet_on_households_signing_up_in_a_campaign(padding_data):
    measured = HOLLOW.measure(padding_data).filter(pl.col("region_code") == world.GROWTH)
    assert measured.row(0, named=True)["value"] == 0.0


def test_cancellations_after_the_as_of_date_are_not_yet_known(padding_db):
    from datastore import ReadOnlyDatabase
    from datastore.scope import EVERYTHING
    from datastore.scoring import read_records
    from models.data import prepare

    records = read_records(ReadOnlyDatabase(padding_db).cursor(), EVERYTHING)
    data = prepare(records, dt.date(2024, 6, 3))
    assert HOLLOW.evaluate(data).get_column("region_code").to_list() == [world.HOLLOW]


class Accounts:
    """A stand-in for the data layer's reader, with hand-made new accounts."""

    def __init__(self, frame: pl.DataFrame):
        self.frame = frame

    def registrations(self, start, as_of, rule) -> pl.DataFrame:
        return self.frame


def _account(i: int, village: str, household: str, accounts: int) -> dict:
    return {"user_id": f"U{village[-3:]}{i}", "region_code": village, "household_id": household,
            "registered_at": dt.datetime(2024, 5, 1 + i % 28, 10), "cancelled_at": None,
            "household_accounts": accounts, "hour_bar": 10.0, "in_burst": False}  # fmt: skip


def test_more_than_six_accounts_on_one_household_are_hollow(padding_data):
    village = world.HOLLOW_NEAR
    rows = [_account(i, village, f"H{i // 8}", 8) for i in range(24)]  # three households of 8
    rows += [_account(i, village, f"H{i}", 6) for i in range(24, 40)]  # six is still a family
    for other in padding_data.villages.get_column("region_code"):
        if other != village:
            rows += [_account(i, other, f"{other}-{i}", 1) for i in range(3)]
    data = dataclasses.replace(
        padding_data,
        activity=Accounts(pl.DataFrame(rows, schema_overrides={"cancelled_at": pl.Datetime("us")})),
    )
    hit = HOLLOW.evaluate(data).row(0, named=True)
    assert hit["region_code"] == village and hit["value"] == 0.6
    assert hit["evidence"][0].endswith("同户 8 个账号")
