"""What the server reads ahead after a load besides the scoring (datastore/ahead.py): the
first pages of a scope then find it in the per-load caches."""

from __future__ import annotations

import datetime as dt
import shutil

from datastore import ReadOnlyDatabase, daily, status, warmup
from datastore.per_load import PerLoad
from datastore.scope import Scope
from datastore.warmup import ScoringWarmer


class Counted(PerLoad):
    """A per-load cache that counts what it computes."""

    def __init__(self, keep: int):
        super().__init__(keep)
        self.computed = 0

    def get(self, con, key, compute):
        def counted():
            self.computed += 1
            return compute()

        return super().get(con, key, counted)


def test_a_new_databases_last_day_residents_and_quarantined_users_are_read_ahead(
    demo_db, tmp_path, monkeypatch
):
    db, _ = demo_db
    live = tmp_path / "sunshine.duckdb"
    shutil.copyfile(db, live)
    monkeypatch.setattr(warmup, "scored_span", lambda con, scope: None)  # not what is tested
    monkeypatch.setattr(daily, "_RESIDENTS", residents := Counted(keep=256))
    monkeypatch.setattr(status, "_QUARANTINED_USERS", users := Counted(keep=4))
    ScoringWarmer(live).score_now()
    ahead = (residents.computed, users.computed)
    assert ahead[0] > 0 and ahead[1] == 1

    # A page's own opening of the same file, for a street, on the data's last day (the
    # ranking's and the overview's default), then its data page.
    con = ReadOnlyDatabase(live).cursor()
    span = daily.data_span(con)
    street = con.sql("SELECT min(region_code) FROM regions WHERE level = 'street'").fetchall()
    daily.day_tables(con, Scope(street[0][0]), span.last_day - dt.timedelta(days=1), span.last_day)
    status.quarantine_by_reason(con, Scope(street[0][0]), 1)
    assert (residents.computed, users.computed) == ahead
    # Another day is read when asked for.
    daily.day_tables(con, Scope(street[0][0]), span.first_day, span.first_day)
    assert residents.computed == ahead[0] + 1
