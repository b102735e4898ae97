"""The SQLite files kept beside the database for what loads must never replace: the
inspectors' casework and the accounts with the audit trail."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb


def sidecar_path(db_path: Path, name: str) -> Path:
    """`sunshine.duckdb` → `sunshine.<name>.sqlite` in the same folder."""
    return db_path.with_name(f"{db_path.stem}.{name}.sqlite")


def database_file(con: duckdb.DuckDBPyConnection) -> Path:
    """The database file a reader's connection reads, to find the side stores beside it."""
    rows = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    return Path(rows[0][0])


def connect_sidecar(path: Path, schema: str) -> sqlite3.Connection:
    """Open (creating if need be) a side store with its schema; WAL so that readers do not
    wait on a writer. The caller closes it: `with con:` only commits (see `opened`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30)
    con.execute("PRAGMA journal_mode = WAL")
    con.executescript(schema)
    return con


def append_only(table: str, message: str) -> str:
    """Triggers that refuse any update or delete of `table`'s rows."""
    return "".join(
        f"CREATE TRIGGER IF NOT EXISTS {table}_append_only_{verb.lower()} BEFORE {verb} "
        f"ON {table}\nBEGIN SELECT RAISE(ABORT, '{message}'); END;\n"
        for verb in ("UPDATE", "DELETE")
    )


@contextlib.contextmanager
def opened(path: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """A side store, closed when the block ends. A sqlite3 connection's own `with` commits
    or rolls back but leaves the file open: one leaked per page run before this."""
    con = connect_sidecar(path, schema)
    try:
        yield con
    finally:
        con.close()
