"""#12 item 4, the dashboard's part: an upload is loaded by `python -m etl load` in a child
process held to memory, CPU-time and wall-clock limits, so no upload can take the
dashboard's own process down."""

from __future__ import annotations

import resource
import zipfile

import pytest

from etl import load as loader
from etl.load import load_exports
from tests.exports import base_export, rows
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
