"""A reload of the demo export into a copy of the demo database, made once for the module
(a whole load of the year takes the better part of a minute): it changes no row, and the
casework recorded before it (#13: dispositions, a rectification item and its event) is
still there, attached to the same village and episode, once the new file is re-scored."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3

import polars as pl
import pytest

from datastore import ReadOnlyDatabase, casework, dispositions, rectifications
from datastore.access import OutsideJurisdiction
from datastore.scope import Scope
from datastore.scoring import lead_episodes
from schema.timing import local_now
from tests.exports import snapshot

DISTRICT = Scope("210111000000")
# Seed 7's demo: a village slow in every duty to the data's end (tests/models/
# test_rectifications.py).
STILL_SLOW = "210111009208-slow-202607"
TODAY = local_now().date()  # what is recorded now counts from Beijing's today


def _reader(path):
    return ReadOnlyDatabase(path).cursor()


def _lead(path, lead_id: str) -> dict:
    leads = lead_episodes(_reader(path), DISTRICT)
    return leads.filter(pl.col("lead_id") == lead_id).row(0, named=True)


@pytest.fixture(scope="module")
def reloaded(demo_db, tmp_path_factory) -> dict:
    """The copy after the reload, with what was read and recorded before it: the rows, the
    episode given two dispositions (the district's first outside STILL_SLOW's village,
    which is the very first), the rectification item opened on STILL_SLOW and its items
    as they were listed."""
    from etl.load import load_exports

    db, export = demo_db
    copy = tmp_path_factory.mktemp("reloaded") / "sunshine.duckdb"
    shutil.copyfile(db, copy)
    rows = snapshot(copy)
    slow = _lead(copy, STILL_SLOW)
    leads = lead_episodes(_reader(copy), DISTRICT)
    first = leads.filter(pl.col("region_code") != slow["region_code"]).row(0, named=True)
    dispositions.record(_reader(copy), DISTRICT, first, "checking", "已联系街道纪工委", "张某")
    dispositions.record(_reader(copy), DISTRICT, first, "confirmed", "情况属实", "张某")
    dispositions.record(_reader(copy), DISTRICT, slow, "confirmed", "属实", "张某")
    rid = rectifications.add(_reader(copy), DISTRICT, slow, "留言回复滞后", slow["region_code"],
                             "王某", "限期整改", dt.date(2026, 9, 30), "张某")  # fmt: skip
    rectifications.record_event(_reader(copy), DISTRICT, rid, "progress", "已约谈", "张某", TODAY)
    items = rectifications.lead_items(_reader(copy), DISTRICT, slow, TODAY)
    for table in ("dispositions", "rectifications"):
        with (
            sqlite3.connect(casework.casework_path(copy)) as con,
            pytest.raises(sqlite3.DatabaseError, match="append-only"),
        ):
            con.execute(f"DELETE FROM {table}")
    result = load_exports([export], copy)  # a reload swaps in a new database file
    return {"copy": copy, "rows": rows, "result": result, "first": first, "items": items}


def test_reloading_the_demo_export_changes_nothing(reloaded):
    result = reloaded["result"]
    assert (result.total.inserted, result.total.updated) == (0, 0)
    assert snapshot(reloaded["copy"]) == reloaded["rows"]


def test_dispositions_attach_to_the_episode_and_survive_a_reload(reloaded):
    copy, lead = reloaded["copy"], reloaded["first"]
    rescored = lead_episodes(_reader(copy), DISTRICT)  # scored anew on the new file
    current = dispositions.current(_reader(copy), DISTRICT, rescored)
    by_lead = dict(current.select("lead_id", "status").iter_rows())
    assert by_lead[lead["lead_id"]] == "confirmed"
    # Every other episode is pending but the one the rectification item was opened on.
    recorded = {lead["lead_id"], STILL_SLOW}
    assert {k: s for k, s in by_lead.items() if s != "pending"} == dict.fromkeys(
        recorded, "confirmed"
    )
    assert len(by_lead) > len(recorded)
    # A re-scored episode of the same village and type that overlaps it carries it too.
    moved = rescored.filter(pl.col("lead_id") == lead["lead_id"]).with_columns(
        pl.lit("elsewhere").alias("lead_id")
    )
    carried = dispositions.current(_reader(copy), DISTRICT, moved)
    assert carried.get_column("status").to_list() == ["confirmed"]
    village = Scope(lead["region_code"])
    history = dispositions.village_history(_reader(copy), village, lead["region_code"])
    assert history.get_column("status").to_list() == ["confirmed", "checking"]
    # Outside the scope asked for, nothing is returned and nothing can be recorded.
    elsewhere = Scope("210111999000")
    assert dispositions.current(_reader(copy), elsewhere, rescored).is_empty()
    with pytest.raises(OutsideJurisdiction):
        dispositions.record(_reader(copy), elsewhere, lead, "unfounded", "", "李某")


def test_cases_and_items_survive_a_reload_and_rescoring_on_the_same_episode(reloaded):
    copy, before_items = reloaded["copy"], reloaded["items"]
    lead = _lead(copy, STILL_SLOW)  # re-scored on the new file
    assert lead["region_code"] == "210111009208"
    after_items = rectifications.lead_items(_reader(copy), DISTRICT, lead, TODAY)
    assert after_items.drop("recorded_at").equals(before_items.drop("recorded_at"))
    assert after_items.get_column("lead_id").to_list() == [STILL_SLOW]
    assert after_items.get_column("state").to_list() == ["overdue"]
    history = dispositions.lead_history(_reader(copy), DISTRICT, lead)
    assert history.get_column("status").to_list() == ["confirmed"]
    # A re-scored episode of the same village and type overlapping it carries both.
    moved = {**lead, "lead_id": f"{lead['region_code']}-slow-202608"}
    assert rectifications.lead_items(_reader(copy), DISTRICT, moved, TODAY).height == 1
    assert json.loads(after_items.get_column("indicators")[0])  # the re-check's 'before'
