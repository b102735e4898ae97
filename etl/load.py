"""Load one or more platform exports into the database, all or nothing, streaming.

Each file is read by DuckDB (etl/readers.py prepares it), typed and checked in SQL
(etl/validate.py) into a temporary table, its bad rows kept aside; tables are merged in
`LOAD_ORDER`, so that a table is checked against the ones merged before it. Keyed
records keep their latest version (latest `updated_at`, else the file given last);
events are appended month by month as new Parquet files, identical events once. Nothing
here holds a table in Python memory: DuckDB spills to the load's scratch folder.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from datastore import partition_view
from etl import store
from etl.readers import ExportError, ExportFile, PreparedFile, list_export, prepare
from etl.refresh import Changes, refresh_marts
from etl.settings import install_settings
from etl.validate import (
    FILE,
    FILE_ORDER,
    RECORD,
    ROW,
    VIOLATIONS_DDL,
    Staged,
    check_rows,
    keep_violations,
    literal,
    lookups_from,
    missing_values,
    read_reference_file,
    record,
    reference_checks,
    stage,
)
from metrics.marts import user_months_sql
from schema.tables import CATALOGUE, DERIVED_COLUMNS, LOAD_ORDER, TABLES, Table, stored_columns
from schema.timing import local_now, next_month

BUILTIN_CATALOGUE = Path(__file__).parent / "reference" / "catalogue.csv"

Progress = Callable[[float, str], None]


@dataclass
class TableStats:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    superseded: int = 0  # older versions and repeated events within this load
    quarantined: int = 0
    seconds: float = 0.0  # reading, checking and merging this table's files

    def add(self, other: TableStats) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class LoadResult:
    load_id: int
    tables: dict[str, TableStats]
    files: list[dict]
    warnings: list[str] = field(default_factory=list)
    reasons: dict[tuple[str, str], int] = field(default_factory=dict)  # (table, reason) -> rows
    seconds: float = 0.0

    @property
    def total(self) -> TableStats:
        total = TableStats()
        for stats in self.tables.values():
            total.add(stats)
        return total


def _pause_for_tests(stage_name: str, ready: Callable[[], object] | None = None) -> None:
    """Lets the kill tests stop a real load at a known stage (see tests/etl/test_kill.py),
    once `ready()` has returned."""
    if os.environ.get("SUNSHINE_ETL_PAUSE_AT") == stage_name:
        if ready is not None:
            ready()
        print(f"paused at {stage_name}", file=sys.stderr, flush=True)
        time.sleep(3600)


def read_catalogue(path: Path) -> pl.DataFrame:
    """A disclosure catalogue (CSV or XLSX, Chinese or English headers), every row checked."""
    return read_reference_file(path, CATALOGUE)


def _quiet(_: float, __: str) -> None:
    pass


def _stage_columns(table: Table) -> list[str]:
    """The typed columns a file's valid rows are staged with, as SQL over `valid`."""
    derived = {"disclosures": ["period__start AS period_start", "period__end AS period_end"]}
    columns = [c.name for c in table.columns]
    extra = derived.get(
        table.name, [f"NULL AS {n}" for n, _ in DERIVED_COLUMNS.get(table.name, ())]
    )
    return columns + extra


class _Loader:
    def __init__(self, build: store.Build, load_id: int, progress: Progress):
        self.build, self.con, self.load_id, self.progress = build, build.con, load_id, progress
        self.changes = Changes()
        self.con.execute(VIOLATIONS_DDL)

    # Keyed tables: one version per key wins, merged into the core.

    def load_keyed(self, table: Table, files: _TableFiles) -> TableStats:
        con, stats = self.con, TableStats()
        deferred = any(c.references and c.references.table == table.name for c in table.columns)
        con.execute("DROP TABLE IF EXISTS stage")
        for order, prepared in files:
            staged = stage(con, prepared, order, keep_raw=deferred)
            stats.read += staged.rows_read
            check_rows(con, staged, None if deferred else lookups_from())
            extras = [f"raw_{c.name}" for c in table.columns] if deferred else []
            if deferred:
                extras += [
                    f"{record(table, prepared.columns_present)} AS {RECORD}",
                    f"{literal(prepared.file.name)} AS {FILE}",
                ]
            select = (
                f"SELECT {order}::INTEGER AS {FILE_ORDER}, _line AS {ROW}, "
                + ", ".join(_stage_columns(table) + extras)
                + " FROM valid"
            )
            con.execute(
                f"INSERT INTO stage {select}"
                if _staged(con)
                else f"CREATE TEMP TABLE stage AS {select}"
            )
            _drop_file_tables(con)
        if deferred:
            self._check_regions(table)
        self._merge_keyed(table, stats)
        return stats

    def _check_regions(self, table: Table) -> None:
        """Parents may arrive in the same load: check against existing regions plus the
        incoming ones, again until no region loses its parent."""
        con = self.con
        key = table.key[0]
        while True:
            lookups = dict(lookups_from())
            lookups["regions"] = f"""
                SELECT region_code, level FROM main.regions
                WHERE region_code NOT IN (SELECT {key} FROM stage)
                UNION ALL SELECT region_code, level FROM (
                    SELECT *, row_number() OVER (PARTITION BY {key}
                        ORDER BY {FILE_ORDER} DESC, {ROW} DESC) AS _rank FROM stage)
                WHERE _rank = 1"""
            joins, checks = reference_checks(table, lookups)
            flags = ", ".join(f"coalesce({c.fails}, FALSE) AS k{i}" for i, c in enumerate(checks))
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE ctx AS SELECT * FROM (
                    SELECT f.*, f.rowid AS _rid, {flags} FROM stage f {" ".join(joins)})
                WHERE {" OR ".join(f"k{i}" for i in range(len(checks)))}"""
            )
            if not con.execute("SELECT count(*) FROM ctx").fetchall()[0][0]:
                break
            parts = [
                f"SELECT {FILE}, {FILE_ORDER}, {ROW}, {literal(c.column)}, raw_{c.column}, "
                f"{literal(c.reason)}, {RECORD} FROM ctx WHERE k{i}"
                for i, c in enumerate(checks)
            ]
            keep_violations(con, table, " UNION ALL ".join(parts))
            con.execute("DELETE FROM stage WHERE rowid IN (SELECT _rid FROM ctx)")

    def _merge_keyed(self, table: Table, stats: TableStats) -> None:
        con = self.con
        if not _staged(con):
            return
        key = table.key[0]
        order = (["updated_at DESC NULLS LAST"] if table.has_updated_at else []) + [
            f"{FILE_ORDER} DESC",
            f"{ROW} DESC",
        ]
        columns = stored_columns(table)
        column_list = ", ".join(columns)
        # Only the few records given more than once have a version to choose, among theirs.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE repeated AS SELECT {key}, count(*) AS versions
            FROM stage GROUP BY {key} HAVING count(*) > 1"""
        )
        staged, extra = con.execute(
            "SELECT (SELECT count(*) FROM stage), "
            "(SELECT coalesce(sum(versions - 1), 0) FROM repeated)"
        ).fetchall()[0]
        keys = staged - extra
        if staged == keys:  # one version of each record: nothing to choose
            con.execute(f"CREATE OR REPLACE TEMP VIEW incoming AS SELECT {column_list} FROM stage")
        else:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE incoming AS
                SELECT {column_list} FROM stage s ANTI JOIN repeated r ON r.{key} = s.{key}
                UNION ALL SELECT {column_list} FROM (
                    SELECT *, row_number() OVER (
                        PARTITION BY {key} ORDER BY {", ".join(order)}) AS _rank
                    FROM stage s SEMI JOIN repeated r ON r.{key} = s.{key}) WHERE _rank = 1"""
            )
        con.execute("DROP TABLE repeated")
        if not con.execute(f"SELECT count(*) FROM main.{table.name}").fetchall()[0][0]:
            # A first load of the table: every record is new, and every mart row too.
            con.execute(
                f"INSERT INTO main.{table.name} ({column_list}, load_id) "
                f"SELECT {column_list}, ? FROM incoming",
                [self.load_id],
            )
            self.changes.rebuild = True
            counts = {"insert": keys}
        else:
            counts = self._merge_into(table, columns)
        con.execute("DROP VIEW IF EXISTS incoming" if staged == keys else "DROP TABLE incoming")
        con.execute("DROP TABLE stage")
        stats.superseded += staged - keys
        stats.inserted += counts.get("insert", 0)
        stats.updated += counts.get("update", 0)
        stats.unchanged += counts.get("keep", 0)
        if table.name == "regions":
            _refresh_region_hierarchy(con)

    def _merge_into(self, table: Table, columns: list[str]) -> dict[str, int]:
        """Insert new records, replace those whose newer version differs; keep both
        versions of each changed record for the marts (`changed_<table>`)."""
        con, key, column_list = self.con, table.key[0], ", ".join(columns)
        newer = (
            "i.updated_at IS NULL OR e.updated_at IS NULL OR i.updated_at >= e.updated_at"
            if table.has_updated_at
            else "TRUE"
        )
        differs = " OR ".join(f"i.{c.name} IS DISTINCT FROM e.{c.name}" for c in table.columns)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE changes AS
            SELECT i.*, CASE WHEN e.{key} IS NULL THEN 'insert'
                             WHEN ({newer}) AND ({differs}) THEN 'update'
                             ELSE 'keep' END AS action
            FROM incoming i LEFT JOIN main.{table.name} e ON e.{key} = i.{key}"""
        )
        counts = dict(
            con.execute("SELECT action, count(*) FROM changes GROUP BY action").fetchall()
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE changed_{table.name} AS
            SELECT 'old' AS version, {", ".join("e." + c for c in columns)}
            FROM main.{table.name} e JOIN changes c ON c.{key} = e.{key} WHERE c.action = 'update'
            UNION ALL SELECT 'new', {column_list} FROM changes WHERE action <> 'keep'"""
        )
        self.changes.tables.add(table.name)
        con.execute(
            f"DELETE FROM main.{table.name} WHERE {key} IN "
            f"(SELECT {key} FROM changes WHERE action = 'update')"
        )
        con.execute(
            f"INSERT INTO main.{table.name} ({column_list}, load_id) "
            f"SELECT {column_list}, ? FROM changes WHERE action <> 'keep'",
            [self.load_id],
        )
        con.execute("DROP TABLE changes")
        return counts

    # Events: appended month by month as new files, an event already stored not again.

    def load_events(self, table: Table, files: _TableFiles) -> TableStats:
        con, build, stats = self.con, self.build, TableStats()
        at = table.partition_by
        columns = stored_columns(table)
        same = " AND ".join(f"c.{c} IS NOT DISTINCT FROM e.{c}" for c in columns)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE seen_unchanged AS SELECT {', '.join(columns)} "
            f"FROM ({partition_view(table, [])})"
        )
        written: set[dt.date] = set()  # the months given new files
        for order, prepared in files:
            self.progress(0.1 + 0.6 * order / max(len(files), 1), f"写入 {prepared.file.name}")
            staged = stage(con, prepared, order)
            stats.read += staged.rows_read
            self._check_events(table, staged)
            months = con.execute(
                f"SELECT date_trunc('month', {at})::DATE AS m, count(*) FROM valid "
                "GROUP BY m ORDER BY m"
            ).fetchall()
            for month, valid_rows in months:
                existing = build.part_files(table, month)
                # A range, not each row's month: the file's rows come roughly in time
                # order, so the scan of `f` skips its row groups outside the range (most
                # files hold a few rows of the month before, found without reading the
                # rest of the file).
                in_month = f"{at} >= ?::TIMESTAMP AND {at} < ?::TIMESTAMP"
                bounds = [month, next_month(month)]
                if not existing:
                    # Nothing stored for the month yet (a first load of it): every distinct
                    # event is new, written straight from the file.
                    path = build.new_part_path(table, month, self.load_id)
                    con.execute(
                        f"COPY (SELECT DISTINCT {', '.join(columns)}, "
                        f"{self.load_id}::BIGINT AS load_id FROM valid WHERE {in_month} "
                        f"ORDER BY {at}) TO {literal(str(path))} {store.PARQUET}",
                        bounds,
                    )
                    inserted = build.record_part(table, month, path, self.load_id)
                    stats.inserted += inserted
                    stats.superseded += valid_rows - inserted
                    written.add(month)
                    self._add_user_months(table, month)
                    continue
                con.execute(
                    f"""CREATE OR REPLACE TEMP TABLE chunk AS SELECT DISTINCT {", ".join(columns)}
                    FROM valid WHERE {in_month}""",
                    bounds,
                )
                first, last, distinct = con.execute(
                    f"SELECT min({at}), max({at}), count(*) FROM chunk"
                ).fetchall()[0]
                stored = partition_view(table, existing)
                con.execute(
                    f"""CREATE OR REPLACE TEMP TABLE classified AS
                    SELECT c.*, CASE
                        WHEN u.{at} IS NOT NULL OR e.load_id = {self.load_id} THEN 'again'
                        WHEN e.load_id IS NOT NULL THEN 'unchanged' ELSE 'new' END AS kind
                    FROM chunk c
                    LEFT JOIN (SELECT * FROM ({stored}) WHERE {at} BETWEEN ? AND ?) e ON {same}
                    LEFT JOIN seen_unchanged u ON {same.replace("e.", "u.")}""",
                    [first, last],
                )
                kinds = dict(
                    con.execute("SELECT kind, count(*) FROM classified GROUP BY kind").fetchall()
                )
                stats.superseded += valid_rows - distinct + kinds.get("again", 0)
                stats.unchanged += kinds.get("unchanged", 0)
                con.execute(
                    f"INSERT INTO seen_unchanged SELECT {', '.join(columns)} FROM classified "
                    "WHERE kind = 'unchanged'"
                )
                if kinds.get("new"):
                    path = build.new_part_path(table, month, self.load_id)
                    con.execute(
                        f"COPY (SELECT {', '.join(columns)}, {self.load_id}::BIGINT AS load_id "
                        f"FROM classified WHERE kind = 'new' ORDER BY {at}) "
                        f"TO {literal(str(path))} {store.PARQUET}"
                    )
                    stats.inserted += build.record_part(table, month, path, self.load_id)
                    written.add(month)
                    self._add_user_months(table, month)
            con.execute("DROP TABLE IF EXISTS chunk")
            con.execute("DROP TABLE IF EXISTS classified")
            _drop_file_tables(con)
        for month in sorted(written):
            self._compact(table, month)
        build.refresh_views()
        self.changes.event_months[table.name] = written
        return stats

    def _check_events(self, table: Table, staged: Staged) -> None:
        """`check_rows` on a file of events. Of the table whose user-months are kept
        (activity), the users and days of the file's valid rows are made first
        (`file_user_months`): each user is then looked up once, not once per event."""
        if table.name != store.USER_MONTHS.of:
            check_rows(self.con, staged, lookups_from())
            return
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE file_user_months AS "
            + user_months_sql("(SELECT user_id, ts FROM f WHERE _ok AND NOT _empty)")
        )
        users = "SELECT user_id FROM file_user_months"
        check_rows(self.con, staged, lookups_from(), distinct={"user_id": users})
        self.con.execute(
            "DELETE FROM file_user_months "
            f"WHERE user_id IN (SELECT value FROM {missing_values('user_id')})"
        )

    def _add_user_months(self, table: Table, month: dt.date) -> None:
        """Keep the users and days of the month's valid events of the file with the
        month's. Events already stored set bits already kept: all the file's will do."""
        if table.name == store.USER_MONTHS.of:
            self.build.add_user_months(
                month,
                f"SELECT * FROM file_user_months WHERE month = {literal(month.isoformat())}::DATE",
                self.load_id,
            )

    def _compact(self, table: Table, month: dt.date) -> None:
        files = self.build.part_files(table, month)
        if len(files) <= store.MAX_PARTS_PER_MONTH:
            return
        path = self.build.new_part_path(table, month, self.load_id)
        self.con.execute(
            f"COPY (SELECT * FROM ({partition_view(table, files)}) "
            f"ORDER BY {table.partition_by}) TO {literal(str(path))} {store.PARQUET}"
        )
        self.build.retire_month(table, month)
        self.build.record_part(table, month, path, self.load_id)


def _staged(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a keyed table's rows have begun to be staged (the temporary `stage`)."""
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stage' AND temporary"
        ).fetchall()[0][0]
    )


def _drop_file_tables(con: duckdb.DuckDBPyConnection) -> None:
    """One file's temporary tables, once its rows are staged: memory for the next."""
    con.execute("DROP VIEW IF EXISTS valid")
    for name in (
        "f",
        "bad",
        "ctx",
        "dup",
        "dropped",
        "file_user_months",
        missing_values("user_id"),
    ):
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _refresh_region_hierarchy(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        UPDATE regions SET
            street_code = CASE level WHEN 'village' THEN parent_code
                                     WHEN 'street' THEN region_code END,
            district_code = CASE level
                WHEN 'district' THEN region_code
                WHEN 'street' THEN parent_code
                WHEN 'village' THEN (SELECT p.parent_code FROM regions p
                                     WHERE p.region_code = regions.parent_code) END
        """
    )


def _install_catalogue(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame | None) -> bool:
    """The given catalogue, else the built-in one on a new database; True if it changed."""
    if frame is None:
        if con.execute("SELECT count(*) FROM catalogue").fetchall()[0][0]:
            return False
        frame = read_catalogue(BUILTIN_CATALOGUE)
    before = con.sql("SELECT * FROM catalogue ORDER BY item_code").fetchall()
    con.execute("DELETE FROM catalogue")
    con.register("catalogue_rows", frame.to_arrow())
    con.execute("INSERT INTO catalogue SELECT * FROM catalogue_rows")
    con.unregister("catalogue_rows")
    return con.sql("SELECT * FROM catalogue ORDER BY item_code").fetchall() != before


def load_exports(
    exports: list[Path],
    db_path: Path,
    catalogue: Path | None = None,
    progress: Progress = _quiet,
    demo: bool = False,
    settings: Path | None = None,
) -> LoadResult:
    """Load the exports (later ones win ties) into `db_path`; raise ExportError, changing
    nothing, when a file cannot be read as its table. `demo` marks the load as the built-in
    generator's (only `etl demo` says so): the dashboard's demo mode needs every load to be
    one, wherever the files came from."""
    started = time.perf_counter()
    started_at = local_now()
    catalogue_frame = read_catalogue(catalogue) if catalogue is not None else None
    files: list[ExportFile] = []
    warnings: list[str] = []
    for export in exports:
        export_files, export_warnings = list_export(export)
        files += export_files
        warnings += export_warnings

    with store.building(db_path) as build:
        con = build.con
        load_id = con.execute("SELECT nextval('load_id_seq')").fetchall()[0][0]
        progress(0.0, "读取文件")
        with _Reading(files, build.work) as reading:
            _pause_for_tests("read", ready=reading.all)  # every file read, none written
            loader = _Loader(build, load_id, progress)
            loader.changes.catalogue = _install_catalogue(con, catalogue_frame)
            install_settings(con, settings)  # the district's settings file, kept when not given
            tables = _load_tables(con, loader, reading, progress)
            prepared = reading.all()
        for p in prepared:
            warnings += p.warnings
        _pause_for_tests("merged")
        progress(0.8, "计算指标")
        refresh_marts(con, loader.changes)

        progress(0.95, "记录装载信息")
        result = _record_load(con, load_id, started_at, exports, prepared, tables, warnings, demo)
        _pause_for_tests("recorded")
    result.seconds = time.perf_counter() - started
    progress(1.0, "完成")
    return result


class _Reading:
    """The export's files prepared (`prepare`) one after another on a thread of their own,
    in the order their tables are loaded, while DuckDB loads those already prepared: a
    file is read by Python on one core, and loaded by DuckDB on all of them."""

    def __init__(self, files: list[ExportFile], work: Path):
        self.files = files
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare")
        first = sorted(range(len(files)), key=lambda i: LOAD_ORDER.index(files[i].table.name))
        self._futures = {i: self._pool.submit(prepare, files[i], work, i) for i in first}

    def __enter__(self) -> _Reading:
        return self

    def __exit__(self, *_) -> None:
        # The file being read is finished, no other begun: its scratch files are the
        # load's, deleted with them.
        self._pool.shutdown(wait=True, cancel_futures=True)

    def table(self, name: str) -> _TableFiles:
        return _TableFiles(
            self, [i for i in sorted(self._futures) if self.files[i].table.name == name]
        )

    def prepared(self, index: int) -> PreparedFile:
        """The file once prepared. The first file, in the order they are read, that cannot
        be read stops the load as soon as it is found, whichever table it belongs to: the
        files read so far are the first ones of that order, so the file named does not
        depend on timing."""
        self._futures[index].exception()  # waits for it, raising nothing
        for future in self._futures.values():
            if not future.done():
                break
            if future.exception() is not None:
                raise future.exception()
        return self._futures[index].result()

    def all(self) -> list[PreparedFile]:
        return [self._futures[i].result() for i in sorted(self._futures)]


class _TableFiles:
    """A table's files in the order they count, each given as soon as it is prepared: the
    first is loaded while the next are still being read (a province's users begin with
    twelve small monthly files, read in a second, while the 440 MB base file takes three
    to transcode)."""

    def __init__(self, reading: _Reading, indices: list[int]):
        self.reading, self.indices = reading, indices

    def __len__(self) -> int:
        return len(self.indices)

    def __iter__(self) -> Iterator[tuple[int, PreparedFile]]:
        for index in self.indices:
            yield index, self.reading.prepared(index)


def _load_tables(
    con: duckdb.DuckDBPyConnection, loader: _Loader, reading: _Reading, progress: Progress
) -> dict[str, TableStats]:
    tables: dict[str, TableStats] = {}
    for name in LOAD_ORDER:
        table = TABLES[name]
        table_files = reading.table(name)
        if not table_files:
            continue
        progress(0.1 + 0.6 * LOAD_ORDER.index(name) / len(LOAD_ORDER), f"写入 {name}")
        clock = time.perf_counter()
        load = loader.load_events if table.partition_by else loader.load_keyed
        stats = load(table, table_files)
        stats.quarantined = con.execute(
            f"SELECT count(DISTINCT ({FILE}, {ROW})) FROM violations WHERE table_name = ?",
            [name],
        ).fetchall()[0][0]
        stats.seconds = time.perf_counter() - clock
        tables[name] = stats
    return tables


def _record_load(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    started_at: dt.datetime,
    exports: list[Path],
    prepared: list[PreparedFile],
    tables: dict[str, TableStats],
    warnings: list[str],
    demo: bool,
) -> LoadResult:
    con.execute(
        f"""INSERT INTO quarantine SELECT {load_id}, table_name, {FILE}, {ROW}, column_name,
        value, reason, {RECORD} FROM violations ORDER BY {FILE}, {ROW}, reason, column_name"""
    )
    bad_rows_by_file = dict(
        con.execute(
            f"SELECT {FILE}, count(DISTINCT {ROW}) FROM violations GROUP BY {FILE}"
        ).fetchall()
    )
    file_rows = []
    for p in prepared:
        file_rows.append(
            {
                "file": p.file.name,
                "table": p.file.table.name,
                "sha256": p.sha256,
                "bytes": p.bytes,
                "format": p.format,
                "rows_read": p.rows_read,
                "rows_quarantined": bad_rows_by_file.get(p.file.name, 0),
                "warnings": p.warnings,
            }
        )
        con.execute(
            "INSERT INTO load_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, *file_rows[-1].values()],
        )
    for name, stats in tables.items():
        con.execute(
            "INSERT INTO load_tables VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                name,
                stats.read,
                stats.inserted,
                stats.updated,
                stats.unchanged,
                stats.superseded,
                stats.quarantined,
            ],
        )
    result = LoadResult(load_id, tables, file_rows, warnings)
    total = result.total
    con.execute(
        "INSERT INTO loads (load_id, started_at, finished_at, source, files, rows_read, "
        "rows_inserted, rows_updated, rows_unchanged, rows_superseded, rows_quarantined, demo) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id,
            started_at,
            local_now(),
            "; ".join(str(e) for e in exports),
            len(prepared),
            total.read,
            total.inserted,
            total.updated,
            total.unchanged,
            total.superseded,
            total.quarantined,
            demo,
        ],
    )
    result.reasons = {
        (t, r): n
        for t, r, n in con.execute(
            f"SELECT table_name, reason, count(DISTINCT ({FILE}, {ROW})) FROM violations "
            "GROUP BY ALL ORDER BY table_name, reason"
        ).fetchall()
    }
    return result


__all__ = ["ExportError", "LoadResult", "TableStats", "load_exports", "read_catalogue"]
