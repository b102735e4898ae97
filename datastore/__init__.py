"""The one door to the database for everything that reads it: the dashboard, metrics and models.

The loader never writes the live file in place: it builds a new one and swaps it in
(see etl/store.py). Readers therefore open the live file read-only, and a reader that
wants the newest data reopens when the file's identity changes.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "sunshine.duckdb"


def default_db_path() -> Path:
    """`$SUNSHINE_DB`, else data/sunshine.duckdb in the project."""
    return Path(os.environ.get("SUNSHINE_DB") or DEFAULT_DB)


def file_identity(path: Path) -> tuple[int, int] | None:
    """Changes whenever a load swaps in a new file; None while there is no database."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection; give each thread its own `cursor()`."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: no database yet; run `python -m etl demo` or `load`")
    return duckdb.connect(str(path), read_only=True)
