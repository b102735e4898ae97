"""The day's figures, the daily ranking and its change on the day before, worked out by hand
on the tiny export of tests/daily_export.py (its docstring has the table)."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import polars as pl
import pytest

from datastore import ReadOnlyDatabase
from datastore.scope import Scope
from metrics import daily
from metrics.glossary import METRICS
from schema.timing import daily_window
from tests.daily_export import DISTRICT, S1, S2, V11, V12, V13, V21, load_export

DAY, BEFORE = dt.date(2026, 3, 12), dt.date(2026, 3, 11)
COLUMNS = {  # (published, due, done, replies due, same-day, overdue, cleared, left, reg, households)
    (V11, DAY): (1, 1, 1, 2, 1, 1, 0, 1, 2, 1),
    (V12, DAY): (1, 2, 1, 1, 1, 2, 1, 1, 0, 0),
    (V13, DAY): (0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    (V21, DAY): (1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
    (V11, BEFORE): (0, 1, 0, 0, 0, 1, 0, 1, 0, 0),
    (V12, BEFORE): (0, 2, 0, 1, 0, 1, 0, 1, 1, 1),
    (V13, BEFORE): (0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    (V21, BEFORE): (1, 2, 1, 1, 1, 1, 1, 0, 0, 0),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return load_export(tmp_path_factory.mktemp("daily"))[0]


@pytest.fixture(scope="module")
def con(db):
    return ReadOnlyDatabase(db).cursor()


def _villages(con) -> pl.DataFrame:
    tables = daily.source.day_tables(con, Scope(DISTRICT), BEFORE, DAY)
    span = daily.source.data_span(con)
    assert span.first_day == dt.date(2026, 3, 1)
    return pl.concat([daily.village_day(tables, span.first_day, d) for d in (BEFORE, DAY)])


def test_each_count_of_each_village_on_the_day_and_the_day_before(con):
    rows = _villages(con)
    got = {(r[0], r[1]): tuple(r[2:]) for r in rows.select("region_code", "period_start",
                                                          *daily.COUNTS).iter_rows()}  # fmt: skip
    assert got == COLUMNS


def test_scores_are_the_mean_of_the_rates_that_had_something_due(con):
    report = daily.day_report(con, Scope(DISTRICT), "village", DAY)
    units = {r["region_code"]: r for r in report["units"].iter_rows(named=True)}
    assert units[V11]["daily_disclosure_rate"] == 1.0
    assert units[V11]["daily_reply_rate"] == 0.5
    assert units[V11]["daily_overdue_clearance_rate"] == 0.0
    assert units[V11]["daily_score"] == pytest.approx(50.0)
    assert units[V12]["daily_score"] == pytest.approx(200 / 3)
    assert units[V21]["daily_reply_rate"] is None  # nothing due: left out, not zero
    assert units[V21]["daily_score"] == 0.0
    assert units[V13]["daily_score"] is None and units[V13]["note"] == daily.NOTHING_DUE


def test_streets_rank_on_summed_counts_with_the_change_on_the_day_before(con):
    report = daily.day_report(con, Scope(DISTRICT), "street", DAY)
    ranked = report["units"].select(
        "region_code", "name", "rank", "rank_change", "daily_score", "score_change"
    )
    assert ranked.get_column("region_code").to_list() == [S1, S2]
    s1, s2 = ranked.rows(named=True)
    assert (s1["name"], s1["rank"], s1["rank_change"]) == ("解放街道", 1, 1)
    assert s1["daily_score"] == pytest.approx(100 * (2 / 3 + 2 / 3 + 1 / 3) / 3)
    assert s1["score_change"] == pytest.approx(s1["daily_score"])  # 0 the day before
    assert (s2["rank"], s2["rank_change"], s2["daily_score"]) == (2, -1, 0.0)
    assert s2["score_change"] == pytest.approx(-250 / 3)


def test_villages_of_a_street_rank_among_themselves_and_ties_share_a_rank(con):
    report = daily.day_report(con, Scope(S1), "village", DAY)
    ranked = report["units"].select("region_code", "rank", "rank_change", "note").rows()
    # The day before, 前进村 and 广场社区 both scored 0 and shared first place.
    assert ranked == [(V12, 1, 0, None), (V11, 2, -1, None), (V13, None, None, daily.NOTHING_DUE)]
    assert V21 not in report["units"].get_column("region_code").to_list()


def test_the_scope_total_sums_its_villages(con):
    total = daily.day_report(con, Scope(DISTRICT), "street", DAY)["total"]
    day = total.filter(pl.col("period_start") == DAY).row(0, named=True)
    assert [day[c] for c in daily.COUNTS] == [3, 4, 2, 3, 2, 3, 1, 2, 2, 1]
    before = total.filter(pl.col("period_start") == BEFORE).row(0, named=True)
    assert [before[c] for c in daily.COUNTS] == [1, 5, 1, 2, 1, 3, 1, 2, 1, 1]
    assert day["daily_score"] == pytest.approx(100 * (2 / 4 + 2 / 3 + 1 / 3) / 3)


def test_a_kind_filter_keeps_only_that_kind(con):
    report = daily.day_report(con, Scope(DISTRICT, "community"), "village", DAY)
    assert report["units"].get_column("region_code").to_list() == [V12]


def test_weights_are_relative_and_checked():
    frame = pl.DataFrame({c: [1] for c in daily.COUNTS}).with_columns(
        daily_due_published=pl.lit(0), daily_overdue=pl.lit(0)
    )
    # disclosures 0/1 and replies 1/1; nothing overdue: clearance left out.
    assert daily.with_score(frame).get_column("daily_score").to_list() == [50.0]
    weighted = daily.with_score(frame, daily.DailyWeights(disclosures=1, replies=3))
    assert weighted.get_column("daily_score").to_list() == [75.0]
    with pytest.raises(ValueError, match="negative"):
        daily.DailyWeights(replies=-1)


def test_every_daily_figure_has_a_definition():
    assert [f for f in daily.FIGURES if f not in METRICS] == []


# The residents registered in the windows and every other member of their households, by
# hand: what the day's registration figures count.
WINDOW_RESIDENTS = """
    SELECT user_id FROM users u WHERE role = 'resident' AND (
        (registered_at >= $start AND registered_at < $end)
        OR EXISTS (SELECT 1 FROM users r WHERE r.role = 'resident'
                   AND r.region_code = u.region_code AND r.household_id = u.household_id
                   AND r.registered_at >= $start AND r.registered_at < $end))
    ORDER BY user_id"""


def test_a_windows_residents_are_read_once_per_load_for_the_district_and_cut_to_the_scope(
    db, tmp_path
):
    copy = tmp_path / "daily.duckdb"
    shutil.copyfile(db, copy)
    con = ReadOnlyDatabase(copy).cursor()
    start, end = daily_window(BEFORE)[0], daily_window(DAY)[1]
    read = daily.source.window_residents(con, Scope(S1), start, end)
    assert daily.source.window_residents(con, Scope(V11), start, end) is read  # the district's
    expected = con.execute(WINDOW_RESIDENTS, {"start": start, "end": end}).fetchall()
    assert read.get_column("user_id").to_list() == [user for (user,) in expected]
    for scope, villages in ((S1, [V11, V12, V13]), (S2, [V21]), (V12, [V12])):
        tables = daily.source.day_tables(con, Scope(scope), BEFORE, DAY)
        assert tables["residents"].equals(read.filter(pl.col("region_code").is_in(villages)))
    assert read.get_column("region_code").n_unique() > 1
    # A load swaps in a new file (etl/store.py): read anew.
    shutil.copyfile(db, tmp_path / "swapped.duckdb")
    os.replace(tmp_path / "swapped.duckdb", copy)
    again = daily.source.window_residents(ReadOnlyDatabase(copy).cursor(), Scope(S1), start, end)
    assert again is not read and again.equals(read)
