"""The dashboard's background scoring (datastore/warmup.py): a database a load swaps in
is scored before anybody asks, once, for the scopes users can ask for."""

from __future__ import annotations

import os
import shutil
import time

import duckdb
import pytest

from datastore import ReadOnlyDatabase, file_identity, scoring, warmup
from datastore.accounts import access_path, add_account, opened
from datastore.scope import Scope
from datastore.scoring import lead_episodes, scoring_scope
from datastore.warmup import ScoringWarmer, scopes_to_score

DISTRICT = "210111000000"


def _wait_until(condition, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the background scoring did not finish")
        time.sleep(0.05)


def test_a_database_swapped_in_is_scored_before_anybody_asks(demo_db, tmp_path, monkeypatch):
    db, _ = demo_db
    live = tmp_path / "sunshine.duckdb"
    shutil.copyfile(db, live)
    scorings = []
    score_span = scoring.score_span
    monkeypatch.setattr(
        scoring, "score_span", lambda *args: scorings.append(args) or score_span(*args)
    )
    warmer = ScoringWarmer(live, interval=0.05).start()
    try:
        _wait_until(lambda: warmer.scored_identity == file_identity(live))
        assert len(scorings) == 1
        con = ReadOnlyDatabase(live).cursor()
        # What the pages read is there already, for the district and (the same villages,
        # one district loaded) for an administrator of everything.
        assert scoring_scope(con, Scope()) == Scope(DISTRICT)
        street = con.sql("SELECT min(region_code) FROM regions WHERE level = 'street'")
        assert lead_episodes(con, Scope(street.fetchall()[0][0])).height > 0
        assert lead_episodes(con, Scope(DISTRICT)).height > 0
        assert len(scorings) == 1
        # A load swaps in a new file (etl/store.py): scored again, unasked.
        shutil.copyfile(db, tmp_path / "swapped.duckdb")
        os.replace(tmp_path / "swapped.duckdb", live)
        _wait_until(lambda: warmer.scored_identity == file_identity(live))
        assert len(scorings) == 2
        time.sleep(0.3)  # several looks later: still once per file
        assert len(scorings) == 2
    finally:
        warmer.stop()


@pytest.fixture
def two_districts(tmp_path):
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE regions AS SELECT * FROM (VALUES "
        "('210100000000', 'city', NULL), ('210111000000', 'district', '210111000000'), "
        "('210112000000', 'district', '210112000000'), "
        "('210112001000', 'street', '210112000000')) AS t(region_code, level, district_code)"
    )
    return con


def test_the_scopes_scored_ahead_are_the_active_accounts_districts_then_everything(
    two_districts, tmp_path, monkeypatch
):
    monkeypatch.setattr(warmup, "scored_scopes", lambda: [])
    store = access_path(tmp_path / "sunshine.duckdb")
    assert scopes_to_score(two_districts, store) == [
        Scope("210111000000"),
        Scope("210112000000"),
    ]  # no accounts yet (demo mode): every district
    with opened(store) as accounts:
        add_account(accounts, "all", "省纪委", "admin", None, password="long enough pass 1")
        add_account(accounts, "street", "街道", "street_inspector", "210112001000",
                    password="long enough pass 2")  # fmt: skip
        add_account(accounts, "city", "市纪委", "district_inspector", "210100000000",
                    password="long enough pass 3")  # fmt: skip
        add_account(accounts, "gone", "离任", "district_inspector", "210111000000",
                    password="long enough pass 4")  # fmt: skip
        accounts.execute("UPDATE accounts SET active = 0 WHERE username = 'gone'")
        accounts.commit()
    # The street's district, the city, the whole database last; no disabled account's.
    assert scopes_to_score(two_districts, store) == [
        Scope("210112000000"),
        Scope("210100000000"),
        Scope(),
    ]
    # Scopes asked for in this process come first.
    monkeypatch.setattr(warmup, "scored_scopes", lambda: [Scope("210111000000")])
    assert scopes_to_score(two_districts, store)[0] == Scope("210111000000")
