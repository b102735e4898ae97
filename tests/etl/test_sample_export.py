"""The shared sample export, counted independently of the project (EXPECTED.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from tests.exports import rows, snapshot

EXPECTED_ROWS = {
    "regions": 13,
    "admins": 16,
    "users": 16_808,
    "activity": 36_039,
    "disclosures": 226,
    "feedback": 58,
    "petitions": 7,
}


def test_loads_exactly_the_expected_rows(load, sample_export, db):
    result = load(sample_export)
    for table, expected in EXPECTED_ROWS.items():
        assert rows(db, f"SELECT count(*) FROM {table}") == [(expected,)], table
        assert result.tables[table].inserted == expected
    assert rows(db, "SELECT count(*) FROM catalogue") == [(26,)]


def test_quarantines_the_seven_bad_rows_with_file_row_column_and_reason(load, sample_export, db):
    result = load(sample_export)
    assert result.total.quarantined == 7
    assert {t: s.quarantined for t, s in result.tables.items() if s.quarantined} == {
        "users": 2,
        "disclosures": 4,
        "feedback": 1,
    }
    bad = rows(
        db,
        "SELECT table_name, file, row_number, column_name, value, reason FROM quarantine "
        "ORDER BY file, row_number, column_name",
    )
    assert bad == [
        ("disclosures", "sample-export/disclosures_late.csv", 75, "region_code", "210111999999", "unknown_region"),
        ("disclosures", "sample-export/disclosures_late.csv", 76, "item_code", "XX99", "unknown_item"),
        ("disclosures", "sample-export/disclosures_late.csv", 77, "amount", "-5000.0", "negative_value"),
        ("disclosures", "sample-export/disclosures_late.csv", 78, "published_at", "2022-13-45 10:00:00", "unparseable_datetime"),
        ("feedback", "sample-export/feedback_full.csv", 60, "first_reply_at", "2022-05-02 10:00:00", "before_submission"),
        ("users", "sample-export/users_part1.csv", 8906, "region_code", "210111999999", "unknown_region"),
        ("users", "sample-export/users_part1.csv", 8907, "region_code", "210111999998", "unknown_region"),
    ]  # fmt: skip
    # Every row read is accounted for.
    total = result.total
    assert total.read == total.inserted + total.superseded + total.quarantined


def test_each_message_keeps_its_latest_state(load, sample_export, db):
    load(sample_export)
    # The Excel file holds earlier states of July's messages; feedback_full.csv the latest.
    assert rows(db, "SELECT count(*) FROM feedback WHERE status = 'closed'") == [(58,)]
    assert rows(
        db,
        "SELECT status, first_reply_at, closed_at, updated_at, satisfaction FROM feedback "
        "WHERE feedback_id = 'F00000001'",
    ) == [
        (
            "closed",
            dt.datetime(2022, 7, 2, 18, 45),
            dt.datetime(2022, 7, 4, 22, 30),
            dt.datetime(2022, 7, 4, 22, 30),
            "satisfied",
        )
    ]


def test_normalises_values_to_documented_codes(load, sample_export, db):
    load(sample_export)
    assert rows(db, "SELECT DISTINCT category FROM disclosures ORDER BY 1") == [
        ("finance",),
        ("party",),
        ("village",),  # 村务 and 居务 are one category
    ]
    assert rows(db, "SELECT DISTINCT action FROM activity ORDER BY 1") == [
        ("login",),
        ("rate",),
        ("view",),
    ]
    assert rows(db, "SELECT DISTINCT level FROM regions ORDER BY 1") == [
        ("district",),
        ("street",),
        ("village",),
    ]
    assert rows(db, "SELECT amount FROM disclosures WHERE disclosure_id = 'D000000154'") == [
        (Decimal("5137.94"),)  # written "5,137.94"
    ]
    assert rows(db, "SELECT count(*) FROM users WHERE role = 'admin'") == [
        (10,)
    ]  # one of the 11 admin rows repeats in both files


def test_loading_the_same_export_twice_changes_nothing(load, sample_export, db):
    load(sample_export)
    before = snapshot(db)
    second = load(sample_export)
    assert snapshot(db) == before
    assert second.total.inserted == 0 and second.total.updated == 0
    assert second.total.unchanged == sum(EXPECTED_ROWS.values())
    assert rows(db, "SELECT load_id, rows_inserted FROM loads ORDER BY 1") == [
        (1, sum(EXPECTED_ROWS.values())),
        (2, 0),
    ]


def test_records_each_file_with_its_checksum(load, sample_export, db):
    load(sample_export)
    recorded = dict(rows(db, "SELECT file, sha256 FROM load_files"))
    assert len(recorded) == 12  # EXPECTED.md is not a data file
    for path in sample_export.iterdir():
        if path.suffix in (".csv", ".xlsx"):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert recorded[f"sample-export/{path.name}"] == digest
