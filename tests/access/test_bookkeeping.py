"""What the data page and the overview tell about the loads, for a part of what is loaded
(a street of the demo district): counted once per load, the same as counting each table."""

from __future__ import annotations

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
