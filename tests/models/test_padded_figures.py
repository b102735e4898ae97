"""The padded-figure indicators together: leads on padding, a genuinely growing village that
raises none, the anomaly model's view of the ranked figures, the rankings' notes, and
quiet on data where nothing is padded."""

from __future__ import annotations

import dataclasses
import json

import polars as pl
import pytest

from datastore import ReadOnlyDatabase
from datastore.scope import EVERYTHING, Scope
from datastore.scoring import padded_villages, read_records
from models.data import prepare
from models.figures import FEATURES, ranked_figures
from models.indicators import PADDING, REGISTRY
from models.leads import features, measure_all, score_leads
from models.padding import ranking_notes, scoring_day
from tests.models import padding_world as world

PADDED = {world.SURGE, world.BURSTS, world.BURSTS_NEAR, world.CROWD, world.REGISTRATION_BURST,
          world.HOLLOW, world.CANCELLED}  # fmt: skip


@pytest.fixture(scope="module")
def leads(padding_data):
    return score_leads(padding_data, seed=0)


def test_every_padded_village_gets_a_wrong_action_lead_and_no_other_village_does(leads):
    assert set(leads.get_column("region_code")) == PADDED
    assert set(leads.get_column("lead_type")) == {"wrong"}
    assert (leads.get_column("score") >= 0.5).all()


def test_a_village_signing_up_households_over_weeks_raises_no_lead(padding_data, leads):
    assert world.GROWTH not in leads.get_column("region_code")
    for indicator in PADDING:
        assert world.GROWTH not in REGISTRY[indicator].evaluate(padding_data).get_column(
            "region_code"
        ), indicator


def test_a_padding_lead_says_why_and_names_the_residents(leads):
    lead = leads.filter(pl.col("region_code") == world.CROWD).row(0, named=True)
    fired = {i["indicator"] for i in json.loads(lead["indicators"])}
    assert fired == {"activity_surge", "activity_bursts", "crowded_minutes"}
    assert "多人同一分钟集中活跃" in lead["explanation"] and "此为核查提示" in lead["explanation"]
    evidence = json.loads(lead["evidence"])
    assert evidence["crowded_minutes"][0].split(" ", 1)[1] == "2024-04-30 16:50"


def test_the_anomaly_model_sees_the_ranked_figures_against_peers(padding_data):
    figures = ranked_figures(padding_data)
    assert set(figures.columns) == {"region_code", *FEATURES}
    top = figures.sort("activity_rate_vs_peers", descending=True).get_column("region_code")
    assert set(top.head(4)) == {world.SURGE, world.BURSTS, world.BURSTS_NEAR, world.CROWD}
    rise = figures.filter(pl.col("region_code") == world.GROWTH).row(0, named=True)
    assert rise["registration_rate_rise_vs_peers"] > 0.25  # 80 of its households signed up
    assert set(FEATURES) <= set(features(padding_data, measure_all(padding_data)).columns)


def test_without_the_activity_reader_the_padding_indicators_measure_nothing(padding_data):
    bare = dataclasses.replace(padding_data, activity=None)
    for indicator in PADDING:
        assert REGISTRY[indicator].measure(bare).is_empty()
    # Nothing read, nothing to tell the villages apart by: the figures' columns are flat.
    flat = features(bare, measure_all(bare))
    assert all((flat.get_column(f) == 0.0).all() for f in FEATURES)


def test_the_ranking_notes_a_street_by_its_padded_villages(padding_db):
    con = ReadOnlyDatabase(padding_db).cursor()
    flagged = padded_villages(con, Scope(world.DISTRICT), world.AS_OF)
    assert set(flagged.get_column("region_code")) == PADDED
    assert set(flagged.get_column("note")) == {"padding_note_open"}  # none checked yet
    crowd = flagged.filter(pl.col("region_code") == world.CROWD).row(0, named=True)
    assert {i["indicator"] for i in crowd["indicators"]} <= set(PADDING)
    streets = ranking_notes(flagged, "street")
    assert streets.to_dicts() == [
        {"region_code": "210111001000", "note": "padding_note_open", "villages": 3},
        {"region_code": "210111002000", "note": "padding_note_open", "villages": 2},
        {"region_code": "210111003000", "note": "padding_note_open", "villages": 2},
    ]
    # A street inspector's scope: the villages of their street only.
    street = padded_villages(con, Scope("210111003000"), world.AS_OF)
    assert set(street.get_column("region_code")) == {world.HOLLOW, world.CANCELLED}
    # March was before any padding.
    march = world.AS_OF.replace(month=3, day=31)
    assert padded_villages(con, Scope(world.DISTRICT), march, march).is_empty()


def test_a_month_is_judged_as_of_its_end_or_the_data_end():
    import datetime as dt

    last = dt.date(2024, 6, 20)
    assert scoring_day(dt.date(2024, 5, 1), None, last) == dt.date(2024, 5, 31)
    assert scoring_day(dt.date(2024, 6, 1), None, last) == last
    assert scoring_day(dt.date(2024, 5, 1), dt.date(2024, 5, 10), last) == dt.date(2024, 5, 10)


def test_the_padding_indicators_fire_on_no_village_the_demo_left_alone(demo_db):
    """A year of the district demo: its villages made to misbehave in a wrong-action way
    may be flagged, no other."""
    db, export = demo_db
    labels = pl.read_csv(
        export.with_name(export.name + ".labels.csv"), schema_overrides={"region_code": pl.String}
    )
    wrong = set(labels.filter(pl.col("lead_type") == "wrong").get_column("region_code"))
    records = read_records(ReadOnlyDatabase(db).cursor(), EVERYTHING)
    data = prepare(records, records.last_day)
    assert data.villages.height == 186
    for indicator in PADDING:
        fired = set(REGISTRY[indicator].evaluate(data).get_column("region_code"))
        assert fired <= wrong, (indicator, fired - wrong)
