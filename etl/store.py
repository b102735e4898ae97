"""Write a new version of the database beside the live one and swap it in whole.

DuckDB lets one process write a file or many read it, never both. The dashboard holds
read-only connections to the live file at all times, so the loader never opens it:
it copies the live file to `<db>.building`, writes there, checkpoints, and renames the
copy over the live file. A rename is atomic, so a load killed at any moment leaves the
live file exactly as it was; readers still on the old file keep their snapshot until
they reopen.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from schema.tables import BOOKKEEPING_DDL, CATALOGUE_DDL, TABLES, table_ddl


class LoadBusyError(Exception):
    """Another process is loading into the same database."""


class RealDataPresent(Exception):
    """The database holds loads of real exports, which the demo would replace."""

    def __init__(self, db_path: Path, loads: int):
        super().__init__(
            f"{db_path} holds {loads} load(s) of real exports; the demo would replace it. "
            "Give another --db, or --force."
        )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in BOOKKEEPING_DDL:
        con.execute(statement)
    con.execute(CATALOGUE_DDL)
    for table in TABLES.values():
        con.execute(table_ddl(table))


@contextmanager
def exclusive(db_path: Path, wait: bool = True) -> Iterator[None]:
    """Hold the one writer's lock of `db_path`: loads and the demo's replacement of the
    database take it, so that neither overwrites what the other has just written."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with open(db_path.with_name(db_path.name + ".lock"), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise LoadBusyError(f"{db_path}: another load is running") from None
        yield


@contextmanager
def building(db_path: Path, wait: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a copy of the database, swapped in if the block succeeds."""
    build_path = db_path.with_name(db_path.name + ".building")
    with exclusive(db_path, wait):
        # Left over by a load that was killed: never part of the live database.
        for leftover in (build_path, build_path.with_name(build_path.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if db_path.exists():
            shutil.copyfile(db_path, build_path)
        con = duckdb.connect(str(build_path))
        try:
            create_schema(con)
            yield con
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            build_path.unlink(missing_ok=True)
            raise
        con.close()
        _fsync(build_path)
        os.replace(build_path, db_path)
        _fsync(db_path.parent)
