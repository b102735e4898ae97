"""Command line: `python -m metrics --level LEVEL --grain GRAIN --out FILE.csv|.xlsx`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from datastore import ReadOnlyDatabase, default_db_path
from datastore.scope import EVERYTHING
from metrics.query import OUTPUT_COLUMNS, region_metrics
from metrics.rollup import LEVELS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics", description=__doc__)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--level", choices=LEVELS, required=True)
    parser.add_argument("--grain", choices=("month", "day"), required=True)
    parser.add_argument("--from", dest="start", type=dt.date.fromisoformat)
    parser.add_argument("--to", dest="end", type=dt.date.fromisoformat)
    parser.add_argument("--all-columns", action="store_true", help="also the underlying counts")
    parser.add_argument("--out", type=Path, required=True, help="a .csv or .xlsx file")
    args = parser.parse_args(argv)

    db_path = args.db or default_db_path()
    try:
        database = ReadOnlyDatabase(db_path)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    frame = region_metrics(
        database.cursor(), EVERYTHING, args.level, args.grain, args.start, args.end
    )
    frame = frame.drop("period_start")
    if not args.all_columns:
        frame = frame.select(OUTPUT_COLUMNS)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix.lower() == ".xlsx":
        frame.write_excel(args.out, worksheet="指标")
    else:
        frame.write_csv(args.out)
    print(f"{len(frame):,} rows ({args.level} × {args.grain}) written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
