"""The one door to the database for everything that reads it: the dashboard, metrics and models.

The loader never writes the live file in place: it builds a new core file and swaps it
in (see etl/store.py). Readers therefore open the live core read-only, and a reader that
wants the newest data reopens when the file's identity changes. The events (activity)
are not in the core but in immutable Parquet files that the core lists: an opening names
them as a view, so that every query reads `activity` like any table, and keeps seeing
the files of the core it opened.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from schema.tables import TABLES, Table

PARTS_TABLE = "storage_parts"

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


def resolve_part(core: Path, relative: str, absolute: str) -> Path:
    """Where a Parquet file listed by the core is: beside the core as when it was written
    (the data folder may have moved), else where it was written (a core copied elsewhere)."""
    beside = core.parent / relative
    return beside if beside.exists() else Path(absolute)


def partition_view(table: Table, files: list[Path]) -> str:
    """SELECT giving the rows of a partitioned table stored in `files`."""
    from schema.tables import stored_columns

    if not files:
        columns = ", ".join(
            f"NULL::{table.column(c).sql_type} AS {c}" for c in stored_columns(table)
        )
        return f"SELECT {columns}, NULL::BIGINT AS load_id WHERE FALSE"
    return f"SELECT * FROM read_parquet({files_sql(files)})"


def files_sql(files: list[Path]) -> str:
    """A SQL list of the paths `files`, for read_parquet."""
    return "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"


_SEARCH_PATH = "SET search_path = 'sunshine.main,memory.main'"


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
        listed = self._con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'sunshine' "
            "AND table_name = ?",
            [PARTS_TABLE],
        ).fetchall()[0][0]
        if listed:
            parts = self._con.execute(
                f"SELECT table_name, path, absolute FROM sunshine.{PARTS_TABLE} "
                "ORDER BY table_name, month, path"
            ).fetchall()
            for table in (t for t in TABLES.values() if t.partition_by):
                files = [resolve_part(path, r, a) for t, r, a in parts if t == table.name]
                self._con.execute(
                    f"CREATE VIEW memory.main.{table.name} AS {partition_view(table, files)}"
                )
        self._con.execute("USE sunshine")
        self._con.execute(_SEARCH_PATH)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one thread, reading the attached file."""
        cursor = self._con.cursor()
        cursor.execute("USE sunshine")
        cursor.execute(_SEARCH_PATH)
        return cursor

    def is_current(self) -> bool:
        """False once a load has swapped a new file in."""
        return file_identity(self.path) == self.identity

    def close(self) -> None:
        self._con.close()


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file as it is now, for one thread."""
    return ReadOnlyDatabase(path).cursor()
