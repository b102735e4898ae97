"""A file that cannot be read as its table stops the load before anything changes."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from etl.readers import ExportError
from tests.conftest import ROOT
from tests.exports import USERS, base_export, rows, snapshot, write_csv


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args, "--quiet"] if args[0] == "load" else
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


@pytest.fixture
def loaded(tmp_path, load, db):
    load(base_export(tmp_path / "first"))
    return db, db.read_bytes(), snapshot(db)


def test_missing_required_header_exits_2_naming_file_and_header(tmp_path, loaded):
    db, before_bytes, before = loaded
    folder = base_export(tmp_path / "second")
    header, body = USERS
    write_csv(folder / "users_more.csv", header[1:], [r[1:] for r in body])
    done = _cli("load", str(folder), "--db", str(db))
    assert done.returncode == 2
    assert "second/users_more.csv: required header missing: 用户ID (user_id)" in done.stderr
    assert "database is as it was" in done.stderr
    assert db.read_bytes() == before_bytes
    assert snapshot(db) == before


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("activity.csv", b"\x00\x01\x02PK binary", "not a CSV or Excel file"),
        ("feedback.xlsx", b"PK\x03\x04 broken workbook", "not readable as an Excel workbook"),
        ("summary.csv", b"a,b\n1,2\n", "cannot tell which table this file holds"),
        ("disclosures.csv", "甲,乙\nx,1\n".encode(), "no header row naming disclosures"),
        ("disclosures_2.csv", "标题,金额\nx,1\n".encode(), "required header missing: 公开ID"),
        ("users_x.csv", b"\xef\xbb\xbf\xff\xfe", "invalid UTF-8 after its BOM"),
    ],
)
def test_unreadable_files_stop_the_load(tmp_path, load, loaded, name, content, message):
    db, before_bytes, before = loaded
    folder = base_export(tmp_path / "second")
    (folder / name).write_bytes(content)
    with pytest.raises(ExportError, match=message):
        load(folder)
    assert db.read_bytes() == before_bytes
    assert snapshot(db) == before


def test_a_column_given_twice_stops_the_load(tmp_path, load):
    folder = base_export(tmp_path / "export")
    write_csv(
        folder / "activity.csv",
        ["用户ID", "user_id", "访问时间", "行为"],
        [["U1", "U1", "2022-08-01", "浏览"]],
    )
    with pytest.raises(ExportError, match="column 'user_id' names user_id, which is given twice"):
        load(folder)


def test_no_export_and_no_data_files(tmp_path, load):
    with pytest.raises(ExportError, match="no such file or folder"):
        load(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("说明")
    with pytest.raises(ExportError, match="no data files found"):
        load(tmp_path / "empty")


def test_a_bad_catalogue_stops_the_load(tmp_path, load, db):
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(
        "item_code,category,name_zh,name_en,frequency,due_days\nX1,party,甲,A,weekly,3\n"
    )
    with pytest.raises(ExportError, match="row 2, column frequency: unknown 'weekly'"):
        load(base_export(tmp_path / "export"), catalogue=catalogue)
    assert not db.exists()


@pytest.mark.parametrize(
    "row, message",
    [
        (
            "X1,party,甲,A,monthly,400",
            "row 2, column due_days: number above the largest allowed: '400'",
        ),
        ("X1,party,甲,A,monthly,-1", "row 2, column due_days: negative number: '-1'"),
        ("X1,党务,甲,A,monthly,", "row 2, column due_days: required value is empty: None"),
        (
            "X1,party,甲,A,monthly,3\nX1,party,乙,B,monthly,3",
            "row 2: item_code 'X1' is listed twice",
        ),
    ],
)
def test_the_catalogue_goes_through_the_rules_of_its_columns(tmp_path, load, db, row, message):
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(f"item_code,category,name_zh,name_en,frequency,due_days\n{row}\n")
    with pytest.raises(ExportError, match=re.escape(message)):
        load(base_export(tmp_path / "export"), catalogue=catalogue)
    assert not db.exists()


def test_a_district_catalogue_replaces_the_default(tmp_path, load, db):
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(
        "item_code,category,name_zh,name_en,frequency,due_days\nX1,party,甲,A,monthly,3\n"
    )
    load(base_export(tmp_path / "export"), catalogue=catalogue)
    assert rows(db, "SELECT item_code, due_days FROM catalogue") == [("X1", 3)]
    load(base_export(tmp_path / "export"))  # later loads keep it
    assert rows(db, "SELECT item_code FROM catalogue") == [("X1",)]


def test_a_zip_whose_deflated_data_is_damaged_stops_the_load(tmp_path, load, loaded):
    """Found by the fuzz test: zlib's own error ("invalid stored block lengths") escaped
    the loader instead of a refusal naming the archive."""
    import zipfile

    db, before_bytes, before = loaded
    folder = base_export(tmp_path / "second")
    archive = tmp_path / "second.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as written:
        for path in sorted(folder.iterdir()):
            written.write(path, f"second/{path.name}")
    with zipfile.ZipFile(archive) as read:
        first = read.infolist()[0]
    data = bytearray(archive.read_bytes())
    start = first.header_offset + 30 + len(first.filename.encode()) + len(first.extra)
    data[start : start + 5] = b"\x00\x05\x00\x05\x00"  # a stored block whose lengths disagree
    archive.write_bytes(bytes(data))
    with pytest.raises(ExportError, match=r"second\.zip.*damaged"):
        load(archive)
    assert db.read_bytes() == before_bytes
    assert snapshot(db) == before


def test_of_two_unreadable_files_the_one_read_first_is_named_however_long_loading_takes(
    tmp_path, load, loaded, monkeypatch
):
    """Files are read on a thread beside the loading, in the order their tables load
    (users before activity): the file named must not depend on how far the reading got."""
    from etl import load as loader

    db, before_bytes, before = loaded
    folder = base_export(tmp_path / "second")
    (folder / "activity_bad.csv").write_bytes("甲,乙\nx,1\n".encode())
    (folder / "users_bad.csv").write_bytes("甲,乙\nx,1\n".encode())
    load_keyed = loader._Loader.load_keyed

    def slow_regions(self, table, files):
        if table.name == "regions":
            time.sleep(1)  # every file read by now, activity's as well
        return load_keyed(self, table, files)

    monkeypatch.setattr(loader._Loader, "load_keyed", slow_regions)
    with pytest.raises(ExportError, match=r"users_bad\.csv: no header row naming users"):
        load(folder)
    assert db.read_bytes() == before_bytes
    assert snapshot(db) == before
