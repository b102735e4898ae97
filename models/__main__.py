"""Command line: `python -m models [--db PATH] [--since D] [--as-of D] --out leads.csv`.

Writes the lead episodes of the whole span (or those reaching `--since`, scored up to
`--as-of`), ongoing first, then by peak score."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import polars as pl

from datastore.cli import open_database, write_frame
from datastore.scope import EVERYTHING
from datastore.scoring import read_records
from models.data import DEFAULT_WINDOW_DAYS
from models.episodes import score_span


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__)
    parser.add_argument("--db", type=Path)
    parser.add_argument(
        "--since", type=dt.date.fromisoformat, help="only episodes reaching this day or later"
    )
    parser.add_argument(
        "--as-of",
        dest="as_of",
        type=dt.date.fromisoformat,
        help="score up to this day (default: the last day of the data)",
    )
    parser.add_argument("--window-days", type=int, default=DEFAULT_WINDOW_DAYS)
    parser.add_argument("--seed", type=int, default=0, help="the anomaly model's seed")
    parser.add_argument("--out", type=Path, required=True, help="a .csv or .xlsx file")
    args = parser.parse_args(argv)

    database = open_database(args.db)
    if database is None:
        return 2
    started = time.perf_counter()
    records = read_records(database.cursor(), EVERYTHING)
    episodes = score_span(records, args.seed, args.as_of, args.since, args.window_days)
    seconds = time.perf_counter() - started
    written = episodes.with_columns(pl.col("months").list.join(" "))
    write_frame(written, args.out, "问题线索")
    last = min(args.as_of or records.last_day, records.last_day)
    ongoing = episodes.get_column("ongoing").sum()
    print(
        f"{episodes.height} lead episodes ({ongoing} ongoing) over {records.first_day} – {last}"
        f"{f', reaching {args.since} or later' if args.since else ''}, scored in "
        f"{seconds:.1f} s; written to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
