"""How the database is stored, and how a load changes it all or nothing.

DuckDB lets one process write a file or many read it, never both, and the dashboard holds
read-only connections at all times. So the loader never opens the live file:

- The database is a small core file (`sunshine.duckdb`: regions, users, disclosures,
  messages, petitions, the bookkeeping and the marts) and, for the events (activity),
  immutable Parquet files, one or a few per month, in a folder beside it. The core's
  `storage_parts` table lists the files that belong to the database.
- A load copies the core to `<db>.building`, writes there, writes new Parquet files
  under new names (never touching an existing one), fsyncs them, checkpoints the copy and
  renames it over the live core. The rename is the commit: a load killed at any moment
  leaves the live core, and so the files it lists, exactly as they were; readers still
  on the old core keep their snapshot until they reopen.
- Adding a day therefore copies the core (tens of MB for a district, a few hundred for a
  province) and writes the day's events, never the year's.
- A month that has gathered many files is rewritten as one (compacted); the files it
  replaces are kept for `PART_GRACE_SECONDS` for readers still on an older core, then
  deleted by a later load, as are files left by a killed load.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from datastore import PARTS_TABLE, files_sql, partition_view, resolve_part
from metrics.marts import user_months_sql
from schema.tables import BOOKKEEPING_DDL, CATALOGUE_DDL, TABLES, Table, table_ddl

PART_GRACE_SECONDS = 3600
MAX_PARTS_PER_MONTH = 8
MEMORY_LIMIT = os.environ.get("SUNSHINE_MEMORY_LIMIT", "2500MB")
# One DuckDB thread more than there are cores: a load's threads wait on the files they
# read and write often enough that, with one per core, a core idles (a province month
# of events was staged, written and counted in a fifth to a quarter less time on 2
# cores with 3; the province year loaded in 149 s instead of 171 s, the same hour).
LOAD_THREADS = len(os.sched_getaffinity(0)) + 1
# How every Parquet file of the store is written. zstd's level 1 writes a province month
# of events in an eighth less time than its default level 3, into a file no larger.
PARQUET = "(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)"

STORAGE_DDL = (
    "CREATE TABLE IF NOT EXISTS storage_meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL)",
    f"""CREATE TABLE IF NOT EXISTS {PARTS_TABLE} (
        table_name VARCHAR NOT NULL,
        month DATE NOT NULL,
        path VARCHAR NOT NULL,      -- relative to the core file's folder
        absolute VARCHAR NOT NULL,  -- where it was written, for a core copied elsewhere
        rows BIGINT NOT NULL,
        first_at TIMESTAMP,
        last_at TIMESTAMP,
        load_id BIGINT NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS storage_retired (absolute VARCHAR NOT NULL, "
    "retired_at TIMESTAMP NOT NULL)",
)


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


PARTITIONED = tuple(t for t in TABLES.values() if t.partition_by)


@dataclass(frozen=True)
class Kept:
    """Files the loader keeps beside a partitioned table's, one per month, made from its
    rows: listed in `storage_parts` like them, written and retired with them."""

    name: str
    of: str  # the partitioned table it is kept beside
    partition_by: str
    empty: str  # the SELECT of no rows, typed


# Each month's users and the days they did anything (`metrics.marts.user_months_sql`):
# the marts count active residents from them, not from the month's events made distinct
# again at every refresh. Only the loader reads them (a view of its build connection).
USER_MONTHS = Kept(
    "activity_user_months",
    "activity",
    "month",
    "SELECT NULL::VARCHAR AS user_id, NULL::DATE AS month, NULL::UINTEGER AS days WHERE FALSE",
)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in (*BOOKKEEPING_DDL, *STORAGE_DDL):
        con.execute(statement)
    con.execute(CATALOGUE_DDL)
    for table in TABLES.values():
        if not table.partition_by:
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


class Build:
    """A load under way: a read-write connection to the copy of the core, the folder its
    new Parquet files go to and a scratch folder, deleted at the end."""

    def __init__(self, db_path: Path, con: duckdb.DuckDBPyConnection, work: Path):
        self.db_path, self.con, self.work = db_path, con, work
        self.new_files: list[Path] = []
        self.parts_dir = self._own_parts_dir()
        self.listed_before = self._listed()

    def _listed(self) -> set[Path]:
        return {
            Path(a) for (a,) in self.con.execute(f"SELECT absolute FROM {PARTS_TABLE}").fetchall()
        }

    def _own_parts_dir(self) -> Path:
        """The folder this database writes Parquet files to. It is the one its core names
        when that folder belongs to this path (or to a path renamed to this one); a core
        copied from elsewhere gets a folder of its own and never deletes another's files."""
        meta = dict(self.con.execute("SELECT key, value FROM storage_meta").fetchall())
        recorded = Path(meta["parts_dir"]) if "parts_dir" in meta else None
        if recorded is not None and recorded.is_dir():
            owner_file = recorded / "OWNER"
            owner = owner_file.read_text().strip() if owner_file.exists() else ""
            if owner == str(self.db_path) or not Path(owner).exists():
                owner_file.write_text(str(self.db_path))
                return recorded
        folder = self.db_path.with_name(self.db_path.name + ".parts")
        if folder.exists():
            folder = self.db_path.with_name(f"{self.db_path.name}.parts-{secrets.token_hex(4)}")
        folder.mkdir(parents=True)
        (folder / "OWNER").write_text(str(self.db_path))
        self.con.execute("DELETE FROM storage_meta WHERE key = 'parts_dir'")
        self.con.execute("INSERT INTO storage_meta VALUES ('parts_dir', ?)", [str(folder)])
        return folder

    def new_part_path(self, table: Table | Kept, month: dt.date, load_id: int) -> Path:
        folder = self.parts_dir / table.name / f"{month:%Y-%m}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"load{load_id}-{secrets.token_hex(4)}.parquet"
        self.new_files.append(path)
        return path

    def record_part(self, table: Table | Kept, month: dt.date, path: Path, load_id: int) -> int:
        """List a written file as part of the database; returns its rows."""
        rows, first, last = self.con.execute(
            f"SELECT count(*), min({table.partition_by}), max({table.partition_by}) "
            "FROM read_parquet(?)",
            [str(path)],
        ).fetchall()[0]
        relative = os.path.relpath(path, self.db_path.parent)
        self.con.execute(
            f"INSERT INTO {PARTS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [table.name, month, relative, str(path), rows, first, last, load_id],
        )
        return rows

    def part_files(self, table: Table | Kept, month: dt.date | None = None) -> list[Path]:
        where, params = "table_name = ?", [table.name]
        if month is not None:
            where, params = where + " AND month = ?", [*params, month]
        found = self.con.execute(
            f"SELECT path, absolute FROM {PARTS_TABLE} WHERE {where} ORDER BY month, path",
            params,
        ).fetchall()
        return [resolve_part(self.db_path, rel, absolute) for rel, absolute in found]

    def retire_month(self, table: Table | Kept, month: dt.date) -> None:
        """Drop a month's files from the database (a compaction replaces them); they stay
        on disk for readers of older cores until a later load deletes them."""
        for path in self.part_files(table, month):
            if path in self.new_files:  # written by this load: no reader has seen it
                self.new_files.remove(path)
                path.unlink()
            else:
                self.con.execute(
                    "INSERT INTO storage_retired VALUES (?, ?)", [str(path), dt.datetime.now()]
                )
        self.con.execute(
            f"DELETE FROM {PARTS_TABLE} WHERE table_name = ? AND month = ?", [table.name, month]
        )

    def refresh_views(self) -> None:
        """Name each partitioned table in this connection as a view over its files."""
        for table in PARTITIONED:
            self.con.execute(
                f"CREATE OR REPLACE TEMP VIEW {table.name} AS "
                f"{partition_view(table, self.part_files(table))}"
            )
        kept = self.part_files(USER_MONTHS)
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {USER_MONTHS.name} AS "
            + (f"SELECT * FROM read_parquet({files_sql(kept)})" if kept else USER_MONTHS.empty)
        )

    def add_user_months(self, month: dt.date, added: str, load_id: int) -> None:
        """Add `added` (SQL: user months of new events of the month, one row per user) to
        the month's user-months: a new file that replaces the month's, listed by this build
        only."""
        kept = self.part_files(USER_MONTHS, month)
        if kept:
            added = f"""SELECT user_id, month, bit_or(days) AS days FROM (
                SELECT user_id, month, days FROM read_parquet({files_sql(kept)})
                UNION ALL SELECT user_id, month, days FROM ({added})) GROUP BY user_id, month"""
        path = self.new_part_path(USER_MONTHS, month, load_id)
        self.con.execute(f"COPY ({added}) TO '{path}' {PARQUET}")
        self.retire_month(USER_MONTHS, month)
        self.record_part(USER_MONTHS, month, path, load_id)

    def _keep_user_months(self, load_id: int) -> None:
        """Cores written before the user-months were kept: made from each month's events."""
        missing = self.con.execute(
            f"""SELECT DISTINCT month FROM {PARTS_TABLE} WHERE table_name = ?
            EXCEPT SELECT month FROM {PARTS_TABLE} WHERE table_name = ? ORDER BY month""",
            [USER_MONTHS.of, USER_MONTHS.name],
        ).fetchall()
        for (month,) in missing:
            events = self.part_files(TABLES[USER_MONTHS.of], month)
            self.add_user_months(
                month,
                user_months_sql(f"(SELECT user_id, ts FROM read_parquet({files_sql(events)}))"),
                load_id,
            )

    def _migrate_stored_tables(self, load_id: int) -> None:
        """Cores written before the events moved to Parquet hold them as a table."""
        for table in PARTITIONED:
            stored = self.con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND table_name = ? AND NOT temporary",
                [table.name],
            ).fetchall()[0][0]
            if not stored:
                continue
            months = self.con.execute(
                f"SELECT DISTINCT date_trunc('month', {table.partition_by})::DATE "
                f"FROM main.{table.name} ORDER BY 1"
            ).fetchall()
            for (month,) in months:
                path = self.new_part_path(table, month, load_id)
                self.con.execute(
                    f"COPY (SELECT * FROM main.{table.name} WHERE date_trunc('month', "
                    f"{table.partition_by})::DATE = ? ORDER BY {table.partition_by}) "
                    f"TO '{path}' {PARQUET}",
                    [month],
                )
                self.record_part(table, month, path, load_id)
            self.con.execute(f"DROP TABLE main.{table.name}")

    def collect_garbage(self, previous_core_mtime: float | None) -> None:
        """Delete this database's files that neither the live core nor the new one lists,
        once no reader can still be on a core that did: files retired a grace period ago,
        and files left by a killed load once the live core has been live that long. Runs
        before the commit, so a kill here leaves only unlisted files deleted."""
        now = time.time()
        listed = self._listed() | self.listed_before
        retired = dict(
            self.con.execute("SELECT absolute, retired_at FROM storage_retired").fetchall()
        )
        for path in self.parts_dir.rglob("*.parquet"):
            if path in listed or path in self.new_files:
                continue
            retired_at = retired.get(str(path))
            if retired_at is not None:
                old = (dt.datetime.now() - retired_at).total_seconds() > PART_GRACE_SECONDS
            else:
                since = max(path.stat().st_mtime, previous_core_mtime or 0)
                old = now - since > PART_GRACE_SECONDS
            if old:
                path.unlink(missing_ok=True)
        # Folders this database used before its core was replaced whole (the demo's swap):
        # nothing listed lives there, and the core has been live for a grace period.
        if previous_core_mtime is not None and now - previous_core_mtime > PART_GRACE_SECONDS:
            for folder in self.db_path.parent.glob(f"{self.db_path.name}*.parts*"):
                owner = folder / "OWNER"
                if (
                    folder != self.parts_dir
                    and owner.exists()
                    and owner.read_text().strip() == str(self.db_path)
                    and not any(p.is_relative_to(folder) for p in listed)
                ):
                    shutil.rmtree(folder, ignore_errors=True)
        gone = [a for a in retired if not Path(a).exists()]
        if gone:
            self.con.execute("DELETE FROM storage_retired WHERE list_contains(?, absolute)", [gone])


def connect_for_writing(path: Path, work: Path) -> duckdb.DuckDBPyConnection:
    """A connection to the build that spills to the load's scratch folder beyond
    `MEMORY_LIMIT` instead of failing."""
    spill = work / "spill"
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        str(path),
        config={
            "memory_limit": MEMORY_LIMIT,
            "temp_directory": str(spill),
            "threads": LOAD_THREADS,
        },
    )
    con.execute("SET enable_progress_bar = false")
    return con


@contextmanager
def building(db_path: Path, wait: bool = True, load_id: int | None = None) -> Iterator[Build]:
    """A copy of the core to write to, swapped in with its new files if the block succeeds."""
    build_path = db_path.with_name(db_path.name + ".building")
    work = db_path.with_name(db_path.name + ".work")
    with exclusive(db_path, wait):
        # Left over by a load that was killed: never part of the live database.
        for leftover in (build_path, build_path.with_name(build_path.name + ".wal")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        previous_mtime = db_path.stat().st_mtime if db_path.exists() else None
        if db_path.exists():
            shutil.copyfile(db_path, build_path)
        con = connect_for_writing(build_path, work)
        try:
            create_schema(con)
            build = Build(db_path, con, work)
            load_id = (
                load_id
                or con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchall()[0][0]
            )
            build._migrate_stored_tables(load_id)
            build._keep_user_months(load_id)
            build.refresh_views()
            yield build
            build.collect_garbage(previous_mtime)
            for path in build.new_files:
                if path.exists():
                    _fsync(path)
            for folder in {p.parent for p in build.new_files}:
                _fsync(folder)
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            build_path.unlink(missing_ok=True)
            for path in build.new_files if "build" in locals() else ():
                path.unlink(missing_ok=True)
            shutil.rmtree(work, ignore_errors=True)
            raise
        con.close()
        _fsync(build_path)
        os.replace(build_path, db_path)
        _fsync(db_path.parent)
        shutil.rmtree(work, ignore_errors=True)


def copy_database(source: Path, target: Path) -> None:
    """A copy of the database at another path, its Parquet files included."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    with duckdb.connect(str(target)) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if PARTS_TABLE not in tables:
            return
        parts = target.with_name(target.name + ".parts")
        shutil.rmtree(parts, ignore_errors=True)
        parts.mkdir()
        (parts / "OWNER").write_text(str(target))
        for rel, absolute in con.execute(f"SELECT path, absolute FROM {PARTS_TABLE}").fetchall():
            src = resolve_part(source, rel, absolute)
            dst = parts / Path(absolute).parent.parent.name / Path(absolute).parent.name / src.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            con.execute(
                f"UPDATE {PARTS_TABLE} SET path = ?, absolute = ? WHERE absolute = ?",
                [os.path.relpath(dst, target.parent), str(dst), absolute],
            )
        con.execute("DELETE FROM storage_meta WHERE key = 'parts_dir'")
        con.execute("INSERT INTO storage_meta VALUES ('parts_dir', ?)", [str(parts)])
        con.execute("DELETE FROM storage_retired")
