"""The SQLite files kept beside the database for what loads must never replace: the
inspectors' casework and the accounts with the audit trail."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def sidecar_path(db_path: Path, name: str) -> Path:
    """`sunshine.duckdb` → `sunshine.<name>.sqlite` in the same folder."""
    return db_path.with_name(f"{db_path.stem}.{name}.sqlite")


def connect_sidecar(path: Path, schema: str) -> sqlite3.Connection:
    """Open (creating if need be) a side store with its schema; WAL so that readers do not
    wait on a writer."""
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
