"""activity_surge: a month's activity rate far above the village's own usual rate and its
peers' movement, beyond chance, not explained by newcomers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl

from models.data import ScoringData
from models.indicators import REGISTRY
from tests.models import padding_world as world

SURGE = REGISTRY["activity_surge"]


def _fired(data: ScoringData) -> list[str]:
    return SURGE.evaluate(data).get_column("region_code").to_list()


def test_fires_when_the_activity_rate_leaps_while_peers_stay_put(padding_data):
    fired = _fired(padding_data)
    assert world.SURGE in fired
    hit = (
        SURGE.evaluate(padding_data).filter(pl.col("region_code") == world.SURGE).row(0, named=True)
    )
    assert hit["value"] > 0.4 and hit["threshold"] >= 0.10
    assert hit["peer_median"] < 0.05
    assert [e[:7] for e in hit["evidence"]] == ["2024-04", "2024-05", "2024-06"]
    assert "活跃度" in hit["evidence"][0] and "此前" in hit["evidence"][0]


def test_stays_quiet_on_a_rise_of_six_points(padding_data):
    assert world.SURGE_NEAR not in _fired(padding_data)


def test_stays_quiet_on_a_village_signing_up_active_newcomers(padding_data):
    assert world.GROWTH not in _fired(padding_data)


def test_only_villages_whose_activity_rose_fire(padding_data):
    # The padded villages logged idle residents in; every one of them rose.
    assert set(_fired(padding_data)) == {world.SURGE, world.BURSTS, world.BURSTS_NEAR, world.CROWD}


class Figures:
    """A stand-in for the data layer's reader, with hand-made monthly figures."""

    def __init__(self, months: pl.DataFrame):
        self.months = months

    def village_months(self, as_of: dt.date) -> pl.DataFrame:
        return self.months.filter(pl.col("period_start") <= as_of)


def _figures(rates: dict[str, list[float]], residents: dict[str, int]) -> Figures:
    rows = []
    for code, monthly in rates.items():
        for m, rate in enumerate(monthly, start=1):
            n = residents[code]
            rows.append({"region_code": code, "period_start": dt.date(2024, m, 1), "households": n,
                         "registered_households": n, "residents": n,
                         "active_residents": round(rate * n)})  # fmt: skip
    return Figures(pl.DataFrame(rows))


def _with(data: ScoringData, figures: Figures) -> ScoringData:
    return dataclasses.replace(data, activity=figures)


def test_a_small_village_needs_a_larger_jump_than_chance_gives_it(padding_data):
    villages = padding_data.villages.get_column("region_code").to_list()
    rates = {v: [0.3] * 6 for v in villages}
    residents = dict.fromkeys(villages, 400)
    small, large = villages[0], villages[1]
    residents[small] = 60  # ±6 points by chance: 16 points is under four deviations
    rates[small] = [0.3, 0.3, 0.3, 0.46, 0.3, 0.3]
    rates[large] = [0.3, 0.3, 0.3, 0.46, 0.3, 0.3]
    fired = _fired(_with(padding_data, _figures(rates, residents)))
    assert fired == [large]


def test_a_village_catching_up_with_its_peers_is_not_padding(padding_data):
    villages = padding_data.villages.get_column("region_code").to_list()
    rates = {v: [0.35] * 6 for v in villages}
    rates[villages[0]] = [0.12, 0.12, 0.12, 0.3, 0.3, 0.3]  # +18 points, still under 35 %
    rates[villages[1]] = [0.3, 0.3, 0.3, 0.55, 0.55, 0.55]  # +20 points, above everyone
    fired = _fired(_with(padding_data, _figures(rates, dict.fromkeys(villages, 300))))
    assert fired == [villages[1]]


def test_a_district_wide_rise_lifts_the_peers_too_and_does_not_fire(padding_data):
    villages = padding_data.villages.get_column("region_code").to_list()
    rates = {v: [0.3, 0.3, 0.3, 0.5, 0.5, 0.5] for v in villages}
    assert _fired(_with(padding_data, _figures(rates, dict.fromkeys(villages, 300)))) == []


def test_without_two_earlier_months_there_is_nothing_to_rise_from(padding_data):
    villages = padding_data.villages.get_column("region_code").to_list()
    rates = {v: [0.3] * 6 for v in villages}
    rates[villages[0]] = [0.3] * 3 + [0.9] * 3
    figures = _figures(rates, dict.fromkeys(villages, 300))
    figures.months = figures.months.filter(
        (pl.col("region_code") != villages[0]) | (pl.col("period_start") >= dt.date(2024, 3, 1))
    )
    assert _fired(_with(padding_data, figures)) == []


def test_a_rise_that_newcomers_explain_does_not_fire(padding_data):
    villages = padding_data.villages.get_column("region_code").to_list()
    figures = _figures({v: [0.3] * 6 for v in villages}, dict.fromkeys(villages, 300))
    grown, padded = villages[0], villages[1]
    months = figures.months.with_columns(
        # `grown` signs up 150 residents in April, all of them active: 240 of 450.
        pl.when((pl.col("region_code") == grown) & (pl.col("period_start").dt.month() >= 4))
        .then(pl.lit(450))
        .otherwise(pl.col("residents"))
        .alias("residents"),
        pl.when(pl.col("period_start").dt.month() < 4)
        .then(pl.col("active_residents"))
        .when(pl.col("region_code") == grown)
        .then(pl.lit(240))
        .when(pl.col("region_code") == padded)  # the same rate with no newcomers
        .then(pl.lit(160))
        .otherwise(pl.col("active_residents"))
        .alias("active_residents"),
    )
    assert _fired(_with(padding_data, Figures(months))) == [padded]
