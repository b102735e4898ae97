"""Load one or more platform exports into the database, all or nothing."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from etl import store
from etl.readers import ROW, ExportError, ExportFile, RawTable, list_export, read_file
from etl.settings import install_settings
from etl.validate import (
    FILE,
    FILE_ORDER,
    RECORD,
    References,
    context_violations,
    empty_violations,
    parse_file,
    without,
)
from metrics.refresh import refresh_marts
from schema.tables import LOAD_ORDER, TABLES, Table, stored_columns
from schema.timing import local_now

BUILTIN_CATALOGUE = Path(__file__).parent / "reference" / "catalogue.csv"
CATALOGUE_FREQUENCIES = {"monthly", "quarterly", "semiannual", "annual", "event"}

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


def _pause_for_tests(stage: str) -> None:
    """Lets the kill tests stop a real load at a known stage (see tests/etl/test_kill.py)."""
    if os.environ.get("SUNSHINE_ETL_PAUSE_AT") == stage:
        print(f"paused at {stage}", file=sys.stderr, flush=True)
        time.sleep(3600)


def read_catalogue(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise ExportError(f"{path}: catalogue not readable: {exc}") from None
    needed = ["item_code", "category", "name_zh", "name_en", "frequency", "due_days"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ExportError(f"{path}: catalogue lacks column(s) {', '.join(missing)}")
    frame = frame.select(needed).with_columns(pl.col("due_days").cast(pl.Int32, strict=False))
    for i, row in enumerate(frame.iter_rows(named=True), start=2):
        if row["category"] not in ("party", "village", "finance"):
            raise ExportError(f"{path}: row {i}, column category: unknown {row['category']!r}")
        if row["frequency"] not in CATALOGUE_FREQUENCIES:
            raise ExportError(f"{path}: row {i}, column frequency: unknown {row['frequency']!r}")
        if row["due_days"] is None or row["due_days"] < 0:
            raise ExportError(f"{path}: row {i}, column due_days: not a whole number ≥ 0")
    if frame.get_column("item_code").is_duplicated().any():
        raise ExportError(f"{path}: an item_code is listed twice")
    return frame


def _winners(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    """One version per key: the latest update, else the file given last, else the last row."""
    order = (["updated_at"] if table.has_updated_at else []) + [FILE_ORDER, ROW]
    ranked = frame.sort(order, descending=True, nulls_last=True)
    return ranked.unique(subset=list(table.key), keep="first", maintain_order=True)


def _merge_keyed(
    con: duckdb.DuckDBPyConnection, table: Table, valid: pl.DataFrame, load_id: int
) -> TableStats:
    columns = stored_columns(table)
    winners = _winners(valid, table)
    incoming = winners.select(
        *[pl.col(c) if c in winners.columns else pl.lit(None).alias(c) for c in columns]
    )
    key = table.key[0]
    newer = (
        "i.updated_at IS NULL OR e.updated_at IS NULL OR i.updated_at >= e.updated_at"
        if table.has_updated_at
        else "TRUE"
    )
    differs = " OR ".join(f"i.{c.name} IS DISTINCT FROM e.{c.name}" for c in table.columns)
    con.register("incoming_rows", incoming.to_arrow())
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE changes AS
        SELECT i.*,
               CASE WHEN e.{key} IS NULL THEN 'insert'
                    WHEN ({newer}) AND ({differs}) THEN 'update'
                    ELSE 'keep' END AS action
        FROM incoming_rows i LEFT JOIN {table.name} e ON e.{key} = i.{key}
        """
    )
    con.unregister("incoming_rows")
    counts = dict(con.execute("SELECT action, count(*) FROM changes GROUP BY action").fetchall())
    con.execute(
        f"DELETE FROM {table.name} WHERE {key} IN "
        f"(SELECT {key} FROM changes WHERE action = 'update')"
    )
    column_list = ", ".join(columns)
    con.execute(
        f"INSERT INTO {table.name} ({column_list}, load_id) "
        f"SELECT {column_list}, ? FROM changes WHERE action <> 'keep'",
        [load_id],
    )
    con.execute("DROP TABLE changes")
    return TableStats(
        inserted=counts.get("insert", 0),
        updated=counts.get("update", 0),
        unchanged=counts.get("keep", 0),
        superseded=len(valid) - len(winners),
    )


def _merge_events(
    con: duckdb.DuckDBPyConnection, table: Table, valid: pl.DataFrame, load_id: int
) -> TableStats:
    columns = stored_columns(table)
    events = valid.select(columns).unique()
    if events.is_empty():
        return TableStats(superseded=len(valid))
    first, last = events.get_column("ts").min(), events.get_column("ts").max()
    con.register("incoming_events", events.to_arrow())
    match = " AND ".join(f"a.{c} IS NOT DISTINCT FROM i.{c}" for c in columns if c != "ts")
    column_list = ", ".join(columns)
    inserted = con.execute(
        f"""
        INSERT INTO {table.name} ({column_list}, load_id)
        SELECT {", ".join("i." + c for c in columns)}, ? FROM incoming_events i
        WHERE NOT EXISTS (
            SELECT 1 FROM {table.name} a
            WHERE a.ts BETWEEN ? AND ? AND a.ts = i.ts AND {match})
        """,
        [load_id, first, last],
    ).fetchall()[0][0]
    con.unregister("incoming_events")
    return TableStats(
        inserted=inserted,
        unchanged=len(events) - inserted,
        superseded=len(valid) - len(events),
    )


_REFERENCE_QUERIES = {
    "regions": ("regions", "SELECT region_code, level FROM regions"),
    "admins": ("admin_ids", "SELECT admin_id FROM admins"),
    "users": ("user_ids", "SELECT user_id FROM users"),
}


def _references(con: duckdb.DuckDBPyConnection) -> References:
    refs = References(
        regions=pl.DataFrame(),
        catalogue=con.sql("SELECT item_code, category, frequency FROM catalogue").pl(),
        admin_ids=pl.Series(),
        user_ids=pl.Series(),
    )
    for table in _REFERENCE_QUERIES:
        _refresh_references(con, refs, table)
    return refs


def _refresh_references(con: duckdb.DuckDBPyConnection, refs: References, table: str) -> None:
    """After `table` is merged, what later tables are checked against follows it."""
    if table in _REFERENCE_QUERIES:
        field_name, query = _REFERENCE_QUERIES[table]
        frame = con.sql(query).pl()
        setattr(refs, field_name, frame if field_name == "regions" else frame.to_series())


def _validate_regions(
    frame: pl.DataFrame, table: Table, refs: References
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parents may arrive in the same load: check against existing regions plus the
    incoming ones, again until no region loses its parent."""
    candidates, found = frame, []
    while True:
        winners = _winners(candidates, table).select("region_code", "level")
        merged = pl.concat([refs.regions.join(winners, on="region_code", how="anti"), winners])
        violations = context_violations(
            candidates, table, References(merged, refs.catalogue, refs.admin_ids, refs.user_ids)
        )
        if violations.is_empty():
            break
        found.append(violations)
        candidates = without(candidates, violations)
    return candidates, pl.concat(found) if found else empty_violations()


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


def _install_catalogue(con: duckdb.DuckDBPyConnection, catalogue: Path | None) -> None:
    if catalogue is None and con.execute("SELECT count(*) FROM catalogue").fetchall()[0][0]:
        return
    frame = read_catalogue(catalogue or BUILTIN_CATALOGUE)
    con.execute("DELETE FROM catalogue")
    con.register("catalogue_rows", frame.to_arrow())
    con.execute("INSERT INTO catalogue SELECT * FROM catalogue_rows")
    con.unregister("catalogue_rows")


def _quiet(_: float, __: str) -> None:
    pass


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
    if catalogue is not None:
        read_catalogue(catalogue)  # fail before anything changes
    files: list[ExportFile] = []
    warnings: list[str] = []
    for export in exports:
        export_files, export_warnings = list_export(export)
        files += export_files
        warnings += export_warnings

    raws: list[RawTable] = []
    parsed: dict[str, list[tuple[pl.DataFrame, pl.DataFrame]]] = {t: [] for t in TABLES}
    read_seconds = dict.fromkeys(TABLES, 0.0)
    for order, file in enumerate(files):
        progress(0.4 * order / len(files), f"读取 {file.name}")
        clock = time.perf_counter()
        raws.append(read_file(file))
        warnings += raws[-1].warnings
        parsed[file.table.name].append(parse_file(raws[-1], order))
        read_seconds[file.table.name] += time.perf_counter() - clock
    _pause_for_tests("read")

    with store.building(db_path) as con:
        load_id = con.execute("SELECT nextval('load_id_seq')").fetchall()[0][0]
        _install_catalogue(con, catalogue)
        install_settings(con, settings)  # the district's settings file, kept when not given
        refs = _references(con)
        tables: dict[str, TableStats] = {}
        quarantined: list[pl.DataFrame] = []
        for step, name in enumerate(LOAD_ORDER):
            progress(0.4 + 0.5 * step / len(LOAD_ORDER), f"写入 {name}")
            table = TABLES[name]
            if not parsed[name]:
                continue
            clock = time.perf_counter()
            frame = pl.concat([f for f, _ in parsed[name]], how="vertical_relaxed")
            violations = pl.concat([v for _, v in parsed[name]])
            valid = without(frame, violations)
            if name == "regions":
                valid, context = _validate_regions(valid, table, refs)
            else:
                context = context_violations(valid, table, refs)
                valid = without(valid, context)
            violations = pl.concat([violations, context])
            merge = _merge_events if not table.key else _merge_keyed
            stats = merge(con, table, valid, load_id)
            stats.read = len(frame)
            stats.quarantined = violations.select(FILE, ROW).n_unique()
            stats.seconds = read_seconds[name] + time.perf_counter() - clock
            tables[name] = stats
            quarantined.append(violations.with_columns(pl.lit(name).alias("table_name")))
            if name == "regions":
                _refresh_region_hierarchy(con)
            _refresh_references(con, refs, name)
        _pause_for_tests("merged")
        progress(0.85, "计算指标")
        refresh_marts(con)

        progress(0.9, "记录装载信息")
        all_violations = pl.concat(quarantined) if quarantined else empty_violations()
        result = _record_load(
            con, load_id, started_at, exports, raws, tables, all_violations, warnings, demo
        )
        _pause_for_tests("recorded")
    result.seconds = time.perf_counter() - started
    progress(1.0, "完成")
    return result


def _record_load(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    started_at: dt.datetime,
    exports: list[Path],
    raws: list[RawTable],
    tables: dict[str, TableStats],
    violations: pl.DataFrame,
    warnings: list[str],
    demo: bool,
) -> LoadResult:
    if "table_name" not in violations.columns:
        violations = violations.with_columns(pl.lit(None, pl.String).alias("table_name"))
    quarantine = violations.sort(FILE, ROW).select(
        pl.lit(load_id, pl.Int64).alias("load_id"),
        "table_name",
        pl.col(FILE).alias("file"),
        pl.col(ROW).alias("row_number"),
        "column_name",
        "value",
        "reason",
        pl.col(RECORD).alias("record"),
    )
    con.register("quarantine_rows", quarantine.to_arrow())
    con.execute("INSERT INTO quarantine SELECT * FROM quarantine_rows")
    con.unregister("quarantine_rows")

    bad_rows_by_file = dict(violations.group_by(FILE).agg(pl.col(ROW).n_unique()).iter_rows())
    file_rows = []
    for raw in raws:
        file_rows.append(
            {
                "file": raw.file.name,
                "table": raw.file.table.name,
                "sha256": raw.file.sha256,
                "bytes": len(raw.file.data),
                "format": raw.format,
                "rows_read": len(raw.frame),
                "rows_quarantined": bad_rows_by_file.get(raw.file.name, 0),
                "warnings": raw.warnings,
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
            len(raws),
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
        for t, r, n in violations.group_by("table_name", "reason")
        .agg(pl.struct(FILE, ROW).n_unique())
        .sort("table_name", "reason")
        .iter_rows()
    }
    return result
