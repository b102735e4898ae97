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


class ReadOnlyDatabase:
    """One opening of the live file. DuckDB caches database instances by path within a
    process, so a plain `connect(path)` after a swap could hand back the old file; each
    opening therefore attaches the file to an in-memory instance of its own."""

    def __init__(self, path: Path):
        if not path.exists():
            raise FileNotFoundError(f"{path}: no database yet; run `python -m etl demo` or `load`")
        self.path = path
        self.identity = file_identity(path)
        self._con = duckdb.connect()
        self._con.execute("ATTACH ? AS sunshine (READ_ONLY)", [str(path)])
        self._con.execute("USE sunshine")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one thread, reading the attached file."""
        cursor = self._con.cursor()
        cursor.execute("USE sunshine")
        return cursor

    def is_current(self) -> bool:
        """False once a load has swapped a new file in."""
        return file_identity(self.path) == self.identity

    def close(self) -> None:
        self._con.close()


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file as it is now, for one thread."""
    return ReadOnlyDatabase(path).cursor()
