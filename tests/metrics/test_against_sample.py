"""The command line's figures against an independent computation, in plain SQL straight
from the loaded tables, on the shared sample export (which this project did not generate)."""

from __future__ import annotations

import subprocess
import sys

import polars as pl
import pytest
import python_calamine

from datastore import ReadOnlyDatabase
from tests.conftest import ROOT

INDEPENDENT = """
WITH bounds AS (
    SELECT max(t) AS data_end, min(t)::DATE AS first_day FROM (
        SELECT ts AS t FROM activity UNION ALL SELECT submitted_at FROM feedback
        UNION ALL SELECT first_reply_at FROM feedback UNION ALL SELECT closed_at FROM feedback
        UNION ALL SELECT published_at FROM disclosures)
),
months AS (
    SELECT m::DATE AS month,
           least(m + INTERVAL 1 MONTH, data_end + INTERVAL 1 MICROSECOND) AS as_of
    FROM bounds, generate_series(date_trunc('month', first_day), data_end, INTERVAL 1 MONTH) s(m)
),
villages AS (SELECT region_code, households FROM regions WHERE level = 'village'),
grid AS (SELECT * FROM villages, months),
residents AS (
    SELECT user_id, region_code, household_id, registered_at,
           CASE WHEN status = 'cancelled' THEN coalesce(cancelled_at, updated_at, registered_at) END AS gone
    FROM users WHERE role = 'resident'
),
on_books AS (
    SELECT g.region_code, g.month, r.user_id, r.household_id
    FROM grid g JOIN residents r ON r.region_code = g.region_code
    WHERE r.registered_at < g.as_of AND (r.gone IS NULL OR r.gone >= g.as_of)
),
registration AS (
    SELECT region_code, month, count(DISTINCT household_id) AS registered, count(*) AS residents,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM activity a WHERE a.user_id = b.user_id
               AND a.ts >= b.month AND a.ts < (SELECT as_of FROM months m WHERE m.month = b.month))) AS active
    FROM on_books b GROUP BY ALL
),
messages AS (
    SELECT region_code, date_trunc('month', submitted_at)::DATE AS month,
           count(*) AS feedback,
           count(*) FILTER (WHERE first_reply_at::DATE = submitted_at::DATE) AS same_day,
           count(*) FILTER (WHERE closed_at - submitted_at <= INTERVAL 7 DAY) AS closed7,
           median(epoch(first_reply_at - submitted_at) / 3600) AS median_hours,
           count(*) FILTER (WHERE satisfaction IN ('satisfied', 'fairly_satisfied')) AS happy,
           count(*) FILTER (WHERE satisfaction IN ('satisfied', 'fairly_satisfied', 'dissatisfied')) AS rated
    FROM feedback GROUP BY ALL
),
open_at_end AS (
    SELECT g.region_code, g.month, count(f.feedback_id) AS backlog,
           count(f.feedback_id) FILTER (WHERE g.as_of - f.submitted_at > INTERVAL 7 DAY) AS overdue,
           count(f.feedback_id) FILTER (WHERE g.as_of - f.submitted_at <= INTERVAL 1 DAY) AS le1,
           count(f.feedback_id) FILTER (WHERE g.as_of - f.submitted_at > INTERVAL 30 DAY) AS gt30
    FROM grid g LEFT JOIN feedback f ON f.region_code = g.region_code
         AND f.submitted_at < g.as_of AND (f.closed_at IS NULL OR f.closed_at >= g.as_of)
    GROUP BY ALL
),
published AS (
    SELECT d.region_code, date_trunc('month', published_at)::DATE AS month,
           count(*) FILTER (WHERE d.category = 'party') AS party,
           count(*) FILTER (WHERE d.category = 'village') AS village,
           count(*) FILTER (WHERE d.category = 'finance') AS finance,
           count(d.period_end) AS with_due,
           count(*) FILTER (WHERE published_at < d.period_end + to_days(c.due_days + 1)) AS on_time
    FROM disclosures d JOIN catalogue c USING (item_code)
    WHERE d.status <> 'withdrawn' GROUP BY ALL
),
item_periods AS (
    SELECT c.item_code, c.due_days, p::DATE AS period_start,
           (p + to_months(CASE c.frequency WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3
                           WHEN 'semiannual' THEN 6 ELSE 12 END) - INTERVAL 1 DAY)::DATE AS period_end
    FROM catalogue c, generate_series(DATE '2020-01-01', DATE '2024-12-01', INTERVAL 1 MONTH) s(p)
    WHERE c.frequency <> 'event'
      AND (month(p) - 1) % CASE c.frequency WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3
                                          WHEN 'semiannual' THEN 6 ELSE 12 END = 0
),
due AS (
    SELECT g.region_code, g.month, count(*) AS due_items,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM disclosures d WHERE d.region_code = g.region_code
               AND d.item_code = i.item_code AND d.period_start = i.period_start
               AND d.period_end = i.period_end AND d.status <> 'withdrawn'
               AND d.published_at < g.as_of)) AS due_published
    FROM grid g JOIN item_periods i
      ON i.period_end + to_days(i.due_days + 1) - INTERVAL 1 MICROSECOND >= g.month
     AND i.period_end + to_days(i.due_days + 1) - INTERVAL 1 MICROSECOND < g.month + INTERVAL 1 MONTH
     AND i.period_end + to_days(i.due_days + 1) <= g.as_of
    GROUP BY ALL
),
petition_counts AS (
    SELECT region_code, date_trunc('month', received_at)::DATE AS month, count(*) AS petitions,
           count(*) FILTER (WHERE kind = 'accusation') AS accusations
    FROM petitions WHERE region_code IS NOT NULL GROUP BY ALL
)
SELECT g.region_code, strftime(g.month, '%Y-%m') AS period,
       CASE WHEN g.households > 0 THEN coalesce(r.registered, 0) / g.households END AS registration_rate,
       CASE WHEN r.residents > 0 THEN r.active / r.residents END AS activity_rate,
       coalesce(m.feedback, 0) AS feedback,
       m.same_day / m.feedback AS same_day_reply_rate,
       m.closed7 / m.feedback AS closed_7d_rate,
       m.median_hours AS median_reply_hours,
       CASE WHEN m.rated > 0 THEN m.happy / m.rated END AS satisfaction_rate,
       o.backlog, o.overdue, o.le1 AS open_le_1d, o.gt30 AS open_gt_30d,
       coalesce(p.party, 0) AS disclosures_party, coalesce(p.village, 0) AS disclosures_village,
       coalesce(p.finance, 0) AS disclosures_finance,
       CASE WHEN p.with_due > 0 THEN p.on_time / p.with_due END AS on_time_rate,
       CASE WHEN d.due_items > 0 THEN d.due_published / d.due_items END AS completeness,
       coalesce(pc.petitions, 0) AS petitions, coalesce(pc.accusations, 0) AS accusations
FROM grid g
LEFT JOIN registration r USING (region_code, month)
LEFT JOIN messages m USING (region_code, month)
LEFT JOIN open_at_end o USING (region_code, month)
LEFT JOIN published p USING (region_code, month)
LEFT JOIN due d USING (region_code, month)
LEFT JOIN petition_counts pc USING (region_code, month)
ORDER BY 1, 2
"""


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory, sample_export):
    from etl.load import load_exports

    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    load_exports([sample_export], db)
    return db


def _cli(db, out, *args):
    done = subprocess.run(
        [sys.executable, "-m", "metrics", "--db", str(db), "--out", str(out), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return pl.read_csv(out, schema_overrides={"region_code": pl.String, "period": pl.String})


def test_village_month_figures_equal_an_independent_computation(sample_db, tmp_path):
    ours = _cli(sample_db, tmp_path / "v.csv", "--level", "village", "--grain", "month")
    database = ReadOnlyDatabase(sample_db)  # the events are in the files the core lists
    theirs = database.cursor().sql(INDEPENDENT).pl()
    database.close()
    assert len(ours) == len(theirs) == 10 * 3  # ten villages, July to September
    ours = ours.select(theirs.columns)
    for column in theirs.columns:
        mine, other = ours.get_column(column), theirs.get_column(column)
        if column == "median_reply_hours":
            # Hours from microseconds in Polars, from epoch seconds in DuckDB: equal to rounding.
            assert mine.is_null().to_list() == other.is_null().to_list()
            for a, b in zip(mine.drop_nulls(), other.drop_nulls(), strict=True):
                assert a == pytest.approx(b, rel=1e-12)
        else:
            assert mine.cast(other.dtype).to_list() == other.to_list(), column


def test_street_and_district_figures_add_up_from_villages(sample_db, tmp_path):
    villages = _cli(
        sample_db, tmp_path / "v.csv", "--level", "village", "--grain", "month", "--all-columns"
    )
    streets = _cli(
        sample_db, tmp_path / "s.csv", "--level", "street", "--grain", "month", "--all-columns"
    )
    district = _cli(sample_db, tmp_path / "d.csv", "--level", "district", "--grain", "month")
    assert set(streets.get_column("region_code")) == {"210181001000", "210181002000"}
    august = streets.filter(pl.col("period") == "2022-08")
    total_feedback = villages.filter(pl.col("period") == "2022-08").get_column("feedback").sum()
    assert august.get_column("feedback").sum() == total_feedback
    # A street's rate is its summed numerator over its summed denominator.
    for row in august.iter_rows(named=True):
        assert row["registration_rate"] == row["registered_households"] / row["households"]
    whole = district.filter(pl.col("period") == "2022-08").row(0, named=True)
    assert whole["name"] == "新民市"
    assert whole["petitions"] == 7 - 3  # seven petitions, three received in July


def test_day_grain_a_date_range_and_excel_output(sample_db, tmp_path):
    days = _cli(sample_db, tmp_path / "d.csv", "--level", "district", "--grain", "day",
                "--from", "2022-08-01", "--to", "2022-08-31")  # fmt: skip
    assert days.get_column("period").to_list() == [f"2022-08-{d:02d}" for d in range(1, 32)]
    months = _cli(sample_db, tmp_path / "m.csv", "--level", "district", "--grain", "month")
    august = months.filter(pl.col("period") == "2022-08").row(0, named=True)
    assert days.get_column("feedback").sum() == august["feedback"]
    assert days.get_column("disclosures_finance").sum() == august["disclosures_finance"]
    # Figures at the end of a month are those at the end of its last day.
    assert days.row(30, named=True)["backlog"] == august["backlog"]
    assert days.row(30, named=True)["registration_rate"] == august["registration_rate"]

    xlsx = tmp_path / "m.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "metrics", "--db", str(sample_db), "--level", "street",
         "--grain", "month", "--out", str(xlsx)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = python_calamine.CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["region_code", "name", "period"]
    assert len(rows) == 1 + 2 * 3


def test_a_missing_database_is_a_clear_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "metrics", "--db", str(tmp_path / "none.duckdb"), "--level",
         "village", "--grain", "month", "--out", str(tmp_path / "x.csv")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no database yet" in done.stderr
