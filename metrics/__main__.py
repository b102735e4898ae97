"""Command line: `python -m metrics --level LEVEL --grain GRAIN --out FILE.csv|.xlsx`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from datastore.cli import open_database, write_frame
from datastore.figures import OUTPUT_COLUMNS, region_metrics
from datastore.scope import EVERYTHING
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

    database = open_database(args.db)
    if database is None:
        return 2
    frame = region_metrics(
        database.cursor(), EVERYTHING, args.level, args.grain, args.start, args.end
    )
    frame = frame.drop("period_start")
    if not args.all_columns:
        frame = frame.select(OUTPUT_COLUMNS)
    write_frame(frame, args.out, "指标")
    print(f"{len(frame):,} rows ({args.level} × {args.grain}) written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
