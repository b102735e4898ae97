"""Mart refresh time after a load, beside the time DuckDB alone takes to scan the same
tables, measured in the same run.

    python bench/metrics.py [--preset province] [--repeat 3]

Builds the demo database of the preset once (under data/bench/, reused), then refreshes
every mart `--repeat` times in a copy of it, and as many times reads every source table
whole with DuckDB (`SELECT *` into Arrow), the floor under any refresh. Prints medians.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datastore import PROJECT_ROOT, ReadOnlyDatabase
from demo import build_demo
from etl import store
from etl.refresh import SOURCE_TABLES, refresh_marts


def _database(preset: str) -> Path:
    db = PROJECT_ROOT / "data" / "bench" / f"{preset}.duckdb"
    if not db.exists():
        print(f"building {db} (the {preset} demo; minutes for the province) …", flush=True)
        build_demo(db, preset=preset, end="2026-10-31", out=db.with_name(f"{preset}-export"))
    return db


def _scan(db: Path) -> float:
    database = ReadOnlyDatabase(db)
    con = database.cursor()
    clock = time.perf_counter()
    for table in SOURCE_TABLES:
        for _ in con.sql(f"SELECT * FROM {table}").arrow():  # streamed, never held whole
            pass
    seconds = time.perf_counter() - clock
    database.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="province", choices=("district", "city", "province"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    source = _database(args.preset)
    database = ReadOnlyDatabase(source)
    con = database.cursor()
    sizes = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in SOURCE_TABLES}
    database.close()
    work = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
    refreshes, scans = [], []
    try:
        copy = work / "copy.duckdb"
        store.copy_database(source, copy)
        for _ in range(args.repeat):
            with store.building(copy) as build:
                clock = time.perf_counter()
                refresh_marts(build.con)
                refreshes.append(time.perf_counter() - clock)
            scans.append(_scan(copy))
        with duckdb.connect(str(copy), read_only=True) as con:
            marts = {
                t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("mart_village_day", "mart_village_month", "mart_feedback")
            }
    finally:
        shutil.rmtree(work)

    refresh, scan = statistics.median(refreshes), statistics.median(scans)
    print(f"preset {args.preset}: " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()))
    print("marts: " + ", ".join(f"{t} {n:,}" for t, n in marts.items()))
    print(f"refresh all marts (median of {args.repeat}): {refresh:.1f} s")
    print(f"duckdb scan of the same tables (median):    {scan:.1f} s")
    print(f"ratio refresh / scan: {refresh / scan:.1f}×")
    print(f"all refresh times (s): {', '.join(f'{s:.1f}' for s in refreshes)}")


if __name__ == "__main__":
    main()
