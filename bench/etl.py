"""ETL speed: rows/s per table for a whole load, against DuckDB's own read_csv of the same
activity files, measured in the same run.

    python bench/etl.py [--preset district] [--months 12] [--repeat 3]

Generates the demo export once (under data/bench/, reused while its parameters match),
then loads it `--repeat` times into a fresh database, and reads its activity files with
DuckDB `read_csv` as many times. GB18030 files are transcoded to UTF-8 beforehand for the
baseline only, since DuckDB reads no GB18030 without an extension. Prints medians.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datastore import PROJECT_ROOT
from demo import generate_export
from etl.load import load_exports


def _export(preset: str, months: int, seed: int) -> Path:
    folder = PROJECT_ROOT / "data" / "bench" / f"{preset}-{months}m-seed{seed}"
    manifest = folder.with_name(folder.name + ".manifest.json")
    if not manifest.exists():
        print(f"generating {folder} …", flush=True)
        generate_export(folder, preset=preset, seed=seed, months=months, end="2026-10-31")
    return folder


def _utf8_activity_copies(export: Path, into: Path) -> list[Path]:
    paths = []
    for path in sorted(export.glob("activity_*.csv")):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            data = data.decode("gb18030").encode("utf-8")
        target = into / path.name
        target.write_bytes(data)
        paths.append(target)
    return paths


def _duckdb_read_csv(paths: list[Path]) -> tuple[float, int]:
    con = duckdb.connect()
    clock = time.perf_counter()
    total = 0
    for path in paths:
        # all_varchar: the same work the loader starts from (text, typed afterwards).
        total += con.execute(
            "SELECT count(*) FROM read_csv(?, all_varchar = true)", [str(path)]
        ).fetchall()[0][0]
    return time.perf_counter() - clock, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="district")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    export = _export(args.preset, args.months, args.seed)
    manifest = json.loads(export.with_name(export.name + ".manifest.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="bench-etl-"))
    try:
        baseline_paths = _utf8_activity_copies(export, work)
        loads, baselines, per_table = [], [], {}
        for i in range(args.repeat):
            db = work / f"run{i}.duckdb"
            result = load_exports([export], db)
            loads.append(result.seconds)
            for name, stats in result.tables.items():
                per_table.setdefault(name, []).append((stats.read, stats.seconds))
            db.unlink()
            seconds, baseline_rows = _duckdb_read_csv(baseline_paths)
            baselines.append(seconds)
    finally:
        shutil.rmtree(work)

    load_median, baseline_median = statistics.median(loads), statistics.median(baselines)
    print(f"export: {export.name}, {manifest['start']} – {manifest['end']}, "
          f"{args.repeat} runs, medians")  # fmt: skip
    print(f"{'table':<12}{'rows read':>12}{'seconds':>10}{'rows/s':>12}")
    for name, runs in per_table.items():
        read = runs[0][0]
        seconds = statistics.median(s for _, s in runs)
        print(f"{name:<12}{read:>12,}{seconds:>10.2f}{read / seconds:>12,.0f}")
    total_rows = sum(runs[0][0] for runs in per_table.values())
    print(
        f"{'whole load':<12}{total_rows:>12,}{load_median:>10.2f}{total_rows / load_median:>12,.0f}"
    )
    print(f"{'duckdb read_csv':<12} of the activity files: {baseline_rows:,} rows in "
          f"{baseline_median:.2f} s ({baseline_rows / baseline_median:,.0f} rows/s)")  # fmt: skip
    print(f"ratio whole load / duckdb read_csv of activity: {load_median / baseline_median:.1f}×")
    print(f"all load times (s): {', '.join(f'{s:.2f}' for s in loads)}")


if __name__ == "__main__":
    main()
