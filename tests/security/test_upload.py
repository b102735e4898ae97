"""#12 item 4, the dashboard's part: an upload is loaded by `python -m etl load` in a child
process held to memory, CPU-time and wall-clock limits, so no upload can take the
dashboard's own process down."""

from __future__ import annotations

import resource
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from etl import load as loader
from etl.load import load_exports
from tests.app.session import DASHBOARD, add_account, sign_in
from tests.exports import base_export, rows, write_csv
from ui import database


@pytest.fixture
def upload(tmp_path, monkeypatch, sample_export):
    db = tmp_path / "live.duckdb"
    load_exports([base_export(tmp_path / "first")], db)
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    archive = tmp_path / "sample.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sample_export.iterdir():
            z.write(path, f"sample/{path.name}")
    return db, archive


def test_the_load_runs_in_another_process(upload, monkeypatch):
    db, archive = upload

    def in_this_process(*args, **kwargs):
        raise AssertionError("the upload was loaded inside the dashboard's process")

    monkeypatch.setattr(loader, "load_exports", in_this_process)
    result = database.load_upload(archive.name, archive.read_bytes())
    assert result.load_id == 2
    assert (result.read, result.inserted) == rows(
        db, "SELECT rows_read, rows_inserted FROM loads WHERE load_id = 2"
    )[0]


def test_a_bad_export_is_refused_with_the_loaders_reason_and_changes_nothing(upload, tmp_path):
    db, _ = upload
    write_csv(tmp_path / "bad" / "users.csv", ["村社区代码"], [["210111001201"]])
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.write(tmp_path / "bad" / "users.csv", "users.csv")
    before = db.read_bytes()
    with pytest.raises(database.UploadFailed, match="required header missing"):
        database.load_upload(bad.name, bad.read_bytes())
    assert db.read_bytes() == before


def test_the_data_page_offers_the_upload_to_an_administrator_of_everything(upload):
    db, _ = upload
    add_account(db, "root", "admin", None)
    app = sign_in(AppTest.from_file(DASHBOARD, default_timeout=120), "root")
    app.switch_page("views/home.py")
    app.run()
    assert not app.exception and app.get("file_uploader")


def test_a_load_past_its_memory_limit_is_stopped_and_changes_nothing(upload, monkeypatch):
    db, archive = upload
    monkeypatch.setattr(database, "UPLOAD_MEMORY_MB", 300)
    before = db.read_bytes()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(database.UploadFailed, match="limits"):
        database.load_upload(archive.name, archive.read_bytes())
    assert db.read_bytes() == before
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - grown < 50_000  # kB


def test_a_load_past_its_time_is_stopped(upload, monkeypatch):
    db, archive = upload
    monkeypatch.setattr(database, "UPLOAD_SECONDS", 0.2)
    before = db.read_bytes()
    with pytest.raises(database.UploadFailed, match="longer than"):
        database.load_upload(archive.name, archive.read_bytes())
    assert db.read_bytes() == before
