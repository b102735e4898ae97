"""The events live in immutable monthly files beside a small core: a day's load adds a file
and copies only the core; old files stay for readers of older cores, then go."""

from __future__ import annotations

import shutil

from datastore import ReadOnlyDatabase
from etl import store
from tests.exports import base_export, rows, write_csv

HEADER = ["用户ID", "访问时间", "行为"]


def _events(folder, days, month="08"):
    base_export(folder)
    write_csv(
        folder / "activity.csv",
        HEADER,
        [["U1", f"2022-{month}-{d:02d} 09:00", "浏览"] for d in days],
    )
    return folder


def _files(db, table="activity"):
    return {
        p: (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
        for p in db.parent.rglob("*.parquet")
        if p.parent.parent.name == table
    }


def test_a_days_load_adds_one_file_and_rewrites_no_earlier_one(tmp_path, load, db):
    load(_events(tmp_path / "july", range(1, 32), month="07"))
    load(_events(tmp_path / "august", range(1, 20)))
    before = _files(db)
    assert len(before) == 2  # one per month
    load(_events(tmp_path / "day", (19, 20)))  # the day before again, and the new day
    after = _files(db)
    assert {p: after[p] for p in before} == before
    (added,) = set(after) - set(before)
    assert added.parent.name == "2022-08"
    assert rows(db, "SELECT count(*) FROM activity") == [(31 + 20,)]
    assert rows(db, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'activity'") == [(0,)]


def test_many_files_of_a_month_are_compacted_and_kept_for_older_readers(
    tmp_path, load, db, monkeypatch
):
    monkeypatch.setattr(store, "MAX_PARTS_PER_MONTH", 2)
    for day in (1, 2):
        load(_events(tmp_path / f"d{day}", (day,)))
    reader = ReadOnlyDatabase(db)  # opened on the core that lists the two files
    load(_events(tmp_path / "d3", (3,)))
    files = _files(db)
    (compacted,) = [p for p in files if p.name.startswith("load3-")]
    assert len(files) == 3  # the month in one file, and the two it replaced
    assert rows(db, "SELECT path FROM storage_parts WHERE table_name = 'activity'") == [
        (str(compacted.relative_to(db.parent)),)
    ]
    assert reader.cursor().execute("SELECT count(*) FROM activity").fetchall() == [(2,)]
    reader.close()

    monkeypatch.setattr(store, "PART_GRACE_SECONDS", 0)
    load(_events(tmp_path / "d3-again", (3,)))
    assert len(_files(db)) == 1  # retired files and the day's file gone; the month remains
    assert rows(db, "SELECT count(*) FROM activity") == [(3,)]


def test_a_core_copied_elsewhere_reads_the_original_files_and_writes_its_own(tmp_path, load, db):
    load(_events(tmp_path / "first", (1, 2)))
    original = _files(db)
    copy = tmp_path / "elsewhere" / "copy.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(db, copy)
    assert rows(copy, "SELECT count(*) FROM activity") == [(2,)]
    from etl.load import load_exports

    load_exports([_events(tmp_path / "more", (3,))], copy)
    assert rows(copy, "SELECT count(*) FROM activity") == [(3,)]
    assert _files(db) == original  # the original's files are not the copy's to change
    assert any(p.is_relative_to(copy.parent) for p in _files(copy))
