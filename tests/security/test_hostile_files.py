"""Hostile or broken files: a zip bomb, values outside the spec, bad bytes. Each is refused
with a clear message or loaded as far as it is valid; none takes the loader down, and
the database is unchanged whenever the load stops."""

from __future__ import annotations

import hashlib
import io
import struct
import subprocess
import sys
import zipfile

import pytest

from etl import readers
from etl.readers import ExportError
from tests.conftest import ROOT
from tests.exports import USERS, VILLAGE, base_export, rows, snapshot, write_csv


@pytest.fixture
def db(tmp_path):
    """A database of its own (this folder's conftest gives the demo's otherwise)."""
    return tmp_path / "db" / "sunshine.duckdb"


@pytest.fixture
def loaded(tmp_path, load, db):
    load(base_export(tmp_path / "first"))
    return db, _digest(db), snapshot(db)


def _digest(db) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _unchanged(db, before_digest, before):
    assert _digest(db) == before_digest
    assert snapshot(db) == before


# 4. Zip bombs


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_inflated(
    tmp_path, load, loaded, monkeypatch
):
    db, before_bytes, before = loaded
    bomb = _zip(tmp_path / "export.zip", {"export/activity.csv": b"\0" * (64 << 20)})
    assert bomb.stat().st_size < 1 << 20
    inflated = []
    monkeypatch.setattr(readers, "_CappedMember", lambda *a: inflated.append(a))
    with pytest.raises(ExportError, match=r"compressed .* to 1.*zip bomb"):
        load(bomb)
    assert inflated == []
    _unchanged(db, before_bytes, before)


def test_caps_on_one_member_and_on_the_whole_archive(tmp_path, load, loaded, monkeypatch):
    db, before_bytes, before = loaded
    folder = base_export(tmp_path / "export")
    archive = _zip(
        tmp_path / "export.zip", {f"x/{p.name}": p.read_bytes() for p in folder.iterdir()}
    )
    monkeypatch.setattr(readers, "MAX_MEMBER_BYTES", 100)
    with pytest.raises(ExportError, match="more than the 100 allowed for one file"):
        load(archive)
    monkeypatch.setattr(readers, "MAX_MEMBER_BYTES", 1 << 30)
    monkeypatch.setattr(readers, "MAX_ARCHIVE_BYTES", 500)
    with pytest.raises(ExportError, match="more than the 500 allowed"):
        load(archive)
    _unchanged(db, before_bytes, before)


def _forge_sizes(data: bytes, declared: int) -> bytes:
    """Rewrite every size the archive states for its members as `declared` bytes."""
    out = bytearray(data)
    at = out.find(b"PK\x03\x04")
    while at != -1:
        struct.pack_into("<I", out, at + 22, declared)
        at = out.find(b"PK\x03\x04", at + 4)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        struct.pack_into("<I", out, at + 24, declared)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def test_a_member_inflating_beyond_its_stated_size_stops_while_streaming(tmp_path, load, loaded):
    db, before_bytes, before = loaded
    header, body = USERS
    text = ",".join(header) + "\n" + "\n".join(",".join(r) for r in body * 20_000) + "\n"
    buffer = io.BytesIO()
    _zip(buffer, {"x/users.csv": text.encode()})
    forged = tmp_path / "forged.zip"
    forged.write_bytes(_forge_sizes(buffer.getvalue(), 4096))
    with pytest.raises(ExportError, match="damaged"):
        load(forged)
    _unchanged(db, before_bytes, before)


# 5. Values outside the spec are kept aside, never replaced by a default


def test_values_outside_an_enumeration_are_quarantined_not_defaulted(tmp_path, load, db):
    folder = base_export(tmp_path / "export")
    write_csv(
        folder / "users_more.csv",
        ["用户ID", "村社区代码", "注册时间", "用户类型", "状态"],
        [
            ["U7", VILLAGE, "2022-02-01", "游客", "正常"],
            ["U8", VILLAGE, "2022-02-01", "群众", "冻结"],
            ["U9", VILLAGE, "2022-02-01", "", ""],  # empty cells: the defaults
        ],
    )
    write_csv(
        folder / "disclosures.csv",
        ["公开ID", "村社区代码", "类别", "事项编码", "所属期间", "发布时间", "状态"],
        [
            ["D1", VILLAGE, "财务", "FW01", "2022-07", "2022-08-05", "草稿"],
            ["D2", VILLAGE, "财务", "FW01", "2022-07", "2022-08-05", "已删除"],
            ["D3", VILLAGE, "财务", "FW01", "2022-07", "2022-08-05", ""],
        ],
    )
    load(folder)
    assert rows(db, "SELECT value, reason FROM quarantine ORDER BY file, row_number") == [
        ("草稿", "unknown_value"),
        ("已删除", "unknown_value"),
        ("游客", "unknown_value"),
        ("冻结", "unknown_value"),
    ]
    assert rows(db, "SELECT disclosure_id, status FROM disclosures") == [("D3", "published")]
    assert rows(db, "SELECT role, status FROM users WHERE user_id = 'U9'") == [
        ("resident", "active")
    ]
    assert rows(db, "SELECT count(*) FROM users WHERE user_id IN ('U7', 'U8')") == [(0,)]


# 6. Bad bytes


def _cli_load(export, db) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", "load", str(export), "--db", str(db), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_megabyte_field_in_the_first_row_loads_the_row(tmp_path, db):
    folder = base_export(tmp_path / "export")
    header, body = USERS
    big = ["U5", VILLAGE, "H" * (1 << 20), "2022-01-05 08:00", "群众", "正常", "", ""]
    write_csv(folder / "users.csv", header, [big, *body])
    done = _cli_load(folder, db)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert rows(db, "SELECT length(household_id) FROM users WHERE user_id = 'U5'") == [(1 << 20,)]


def test_a_long_last_line_of_a_small_file_is_loaded_not_lost(tmp_path, db, monkeypatch):
    """Small files are read in small buffers, on every core; DuckDB drops a last line
    longer than its buffer without an error, so a file with one is read in large ones."""
    from etl import validate

    monkeypatch.setattr(validate, "QUICK_LINE_BYTES", 4096)
    folder = base_export(tmp_path / "export")
    header, body = USERS
    long_row = ["U5", VILLAGE, "H" * 20_000, "2022-01-05 08:00", "群众", "正常", "", ""]
    write_csv(folder / "users.csv", header, [*body, long_row])
    from etl.load import load_exports

    load_exports([folder], db)
    assert rows(db, "SELECT length(household_id) FROM users WHERE user_id = 'U5'") == [(20_000,)]


def test_a_line_beyond_any_export_is_refused_with_its_file_named(tmp_path, loaded, monkeypatch):
    from etl import validate

    db, before_bytes, before = loaded
    folder = base_export(tmp_path / "export")
    header = USERS[0]
    write_csv(
        folder / "users.csv", header, [["U5", VILLAGE, "H" * 5000, "2022-01-05", "", "", "", ""]]
    )
    monkeypatch.setattr(validate, "MAX_LINE_BYTES", 2048)
    with pytest.raises(ExportError, match=r"export/users\.csv: not readable as CSV"):
        from etl.load import load_exports

        load_exports([folder], db)
    _unchanged(db, before_bytes, before)


def test_nul_and_control_characters_in_codes_are_quarantined(tmp_path, load, db):
    folder = base_export(tmp_path / "export")
    header = ["留言ID", "村社区代码", "提交时间", "内容"]
    padding = [[f"F{i}", VILLAGE, "2022-08-01 10:00", "正常留言" * 20] for i in range(60)]
    write_csv(
        folder / "feedback.csv",
        header,
        [
            *padding,
            ["F\x00X", VILLAGE, "2022-08-01 10:00", "x"],
            ["F\x07Y", VILLAGE, "2022-08-01", "y"],
        ],
    )
    assert (folder / "feedback.csv").read_bytes().index(b"\x00") > 4096
    load(folder)
    assert rows(db, "SELECT row_number, column_name, reason FROM quarantine") == [
        (62, "feedback_id", "control_character"),
        (63, "feedback_id", "control_character"),
    ]
    assert rows(db, "SELECT count(*) FROM feedback") == [(60,)]


def test_a_zip_that_is_not_a_zip_is_called_damaged(tmp_path, loaded):
    db, before_bytes, before = loaded
    fake = tmp_path / "export.zip"
    fake.write_bytes(b"this is no archive at all")
    done = _cli_load(fake, db)
    assert done.returncode == 2
    assert "the zip archive is damaged" in done.stderr
    assert "Traceback" not in done.stderr
    truncated = tmp_path / "truncated.zip"
    folder = base_export(tmp_path / "export")
    _zip(truncated, {f"x/{p.name}": p.read_bytes() for p in folder.iterdir()})
    truncated.write_bytes(truncated.read_bytes()[:-30])
    done = _cli_load(truncated, db)
    assert done.returncode == 2 and "damaged" in done.stderr, done.stderr
    _unchanged(db, before_bytes, before)
