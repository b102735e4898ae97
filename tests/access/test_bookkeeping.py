"""What the data page and the overview tell about the loads, for a part of what is loaded
(a street of the demo district): counted once per load, the same as counting each table."""

from __future__ import annotations

import json
import os
import shutil

from datastore import ReadOnlyDatabase, status
from datastore.scope import Scope

IN_STREET = "SELECT region_code FROM regions WHERE level = 'village' AND street_code = $street"


def test_a_parts_rows_per_table_and_per_load_are_its_rows_counted_table_by_table(demo_db):
    db, _ = demo_db
    con = ReadOnlyDatabase(db).cursor()
    street = con.sql("SELECT min(region_code) FROM regions WHERE level = 'street'").fetchall()
    scope = Scope(street[0][0])
    assert not status.covers_everything(con, scope)
    expected = {
        "regions": "SELECT count(*) FROM regions WHERE $street IN (region_code, street_code)",
        "users": f"SELECT count(*) FROM users WHERE region_code IN ({IN_STREET})",
        "activity": "SELECT count(*) FROM activity WHERE user_id IN "
        f"(SELECT user_id FROM users WHERE region_code IN ({IN_STREET}))",
        "disclosures": f"SELECT count(*) FROM disclosures WHERE region_code IN ({IN_STREET})",
        "feedback": f"SELECT count(*) FROM feedback WHERE region_code IN ({IN_STREET})",
    }
    counts = dict(status.table_counts(con, scope).iter_rows())
    for table, sql in expected.items():
        assert counts[table] == con.execute(sql, {"street": scope.region_code}).fetchall()[0][0]
    assert counts["activity"] > 0 and counts["users"] > 0
    history = status.load_history(con, scope).rows
    assert history.get_column("rows_current").sum() == sum(counts.values())
    latest = status.latest_load(con, scope)
    assert latest == history.drop("rows_current").row(0, named=True)


def _about(record: dict, regions: dict, users: dict) -> str | None:
    """What a row kept aside is about, by hand: the first loaded region its record names
    (its own, a parent, a petition's district), else the village of the user it names."""
    for key in ("region_code", "parent_code", "district_code"):
        if (record.get(key) or "").strip() in regions:
            return record[key].strip()
    return users.get((record.get("user_id") or "").strip())


def test_rows_kept_aside_are_those_about_the_part_by_the_region_or_user_they_name(demo_db):
    db, _ = demo_db
    con = ReadOnlyDatabase(db).cursor()
    regions = {r[0]: r for r in con.execute(
        "SELECT region_code, street_code, district_code FROM regions").fetchall()}  # fmt: skip
    users = dict(con.execute("SELECT user_id, region_code FROM users").fetchall())
    kept = con.execute("SELECT load_id, table_name, reason, file, row_number, record "
                       "FROM quarantine").fetchall()  # fmt: skip
    assert any(table == "activity" for _, table, *_ in kept)  # about a user's village
    streets = [code for (code,) in con.execute(
        "SELECT region_code FROM regions WHERE level = 'street'").fetchall()]  # fmt: skip
    found = 0
    for street in streets:
        expected: dict = {}
        for load_id, table, reason, file, row, record in kept:
            about = _about(json.loads(record), regions, users)
            if about is not None and street in regions[about]:
                expected.setdefault((load_id, table, reason), set()).add((file, row))
        for load_id in {load_id for load_id, *_ in kept}:
            got = status.quarantine_by_reason(con, Scope(street), load_id)
            want = {(t, r): len(rows) for (load, t, r), rows in expected.items() if load == load_id}
            assert {(t, r): n for t, r, n in got.iter_rows()} == want
            found += sum(want.values())
    assert found > 0


def test_the_users_rows_kept_aside_name_are_read_once_per_load(demo_db, tmp_path):
    db, _ = demo_db
    copy = tmp_path / "sunshine.duckdb"
    shutil.copyfile(db, copy)
    con = ReadOnlyDatabase(copy).cursor()
    named = status.quarantined_users(con)
    assert status.quarantined_users(con) is named
    expected = con.execute(
        "SELECT user_id, region_code FROM users WHERE user_id IN (SELECT "
        "trim(json_extract_string(record, '$.user_id')) FROM quarantine) ORDER BY user_id"
    ).fetchall()
    assert list(zip(*named, strict=True)) == expected and expected
    # A load swaps in a new file (etl/store.py): read anew.
    shutil.copyfile(db, tmp_path / "swapped.duckdb")
    os.replace(tmp_path / "swapped.duckdb", copy)
    again = status.quarantined_users(ReadOnlyDatabase(copy).cursor())
    assert again is not named and again == named
