from __future__ import annotations

from pathlib import Path

import pytest

from datastore import ReadOnlyDatabase
from datastore.scope import EVERYTHING
from datastore.scoring import read_records
from etl.load import load_exports
from models.data import ScoringData, prepare
from tests.models import padding_world


@pytest.fixture(scope="session")
def padding_db(tmp_path_factory) -> Path:
    """The hand-made district of tests/models/padding_world.py, written and loaded once."""
    folder = tmp_path_factory.mktemp("padding")
    db = folder / "padding.duckdb"
    load_exports([padding_world.build(folder / "export")], db)
    return db


@pytest.fixture(scope="session")
def padding_data(padding_db) -> ScoringData:
    """Its scoring data as of 2024-06-30 (window April to June)."""
    records = read_records(ReadOnlyDatabase(padding_db).cursor(), EVERYTHING)
    return prepare(records, padding_world.AS_OF)
