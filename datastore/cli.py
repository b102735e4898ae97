"""What the command lines share: opening the database and writing a table to a file."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from datastore import ReadOnlyDatabase, default_db_path


def open_database(db: Path | None) -> ReadOnlyDatabase | None:
    """The database at `db` (default: $SUNSHINE_DB or data/), or None with a message."""
    try:
        return ReadOnlyDatabase(db or default_db_path())
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def write_frame(frame: pl.DataFrame, path: Path, sheet: str) -> None:
    """CSV, or Excel when the name ends in .xlsx."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        frame.write_excel(path, worksheet=sheet)
    else:
        frame.write_csv(path)
