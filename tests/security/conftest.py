from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def db(monkeypatch, demo_db, tmp_path):
    """A copy of the demo database, so that what is written here stays here."""
    source, _ = demo_db
    copy = tmp_path / "sunshine.duckdb"
    shutil.copyfile(source, copy)
    monkeypatch.setenv("SUNSHINE_DB", str(copy))
    return copy
