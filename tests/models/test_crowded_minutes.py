"""crowded_minutes: a month's active residents whose only events fell in minutes shared
with at least nine other residents of the village."""

from __future__ import annotations

import polars as pl

from models.indicators import REGISTRY
from tests.models import padding_world as world

CROWDED = REGISTRY["crowded_minutes"]


def test_fires_on_idle_residents_logged_in_thirty_a_minute(padding_data):
    hits = CROWDED.evaluate(padding_data)
    assert hits.get_column("region_code").to_list() == [world.CROWD]
    hit = hits.row(0, named=True)
    assert hit["value"] > 0.5 and hit["threshold"] == 0.10
    times = {e.split(" ", 1)[1] for e in hit["evidence"]}
    assert times == {
        f"2024-{m:02d}-{d} 16:5{k}" for m, d in ((4, 30), (5, 31), (6, 30)) for k in range(5)
    }
    assert len(hit["evidence"]) == 450  # 150 residents a month, three months


def test_stays_quiet_on_a_meeting_whose_residents_also_visit_on_their_own(padding_data):
    assert world.CROWD_NEAR not in CROWDED.evaluate(padding_data).get_column("region_code")


def test_sittings_of_under_ten_a_minute_are_not_crowds(padding_data):
    measured = CROWDED.measure(padding_data).filter(pl.col("region_code") == world.BURSTS)
    assert measured.row(0, named=True)["value"] == 0.0
