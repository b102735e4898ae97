"""Command line: `python -m models [--db PATH] [--since D] [--as-of D] --out leads.csv`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import polars as pl

from datastore.cli import open_database, write_frame
from datastore.scope import EVERYTHING
from models import casework
from models.data import DEFAULT_WINDOW_DAYS, load
from models.leads import score_leads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--since", type=dt.date.fromisoformat, help="first day of interest")
    parser.add_argument(
        "--as-of",
        dest="as_of",
        type=dt.date.fromisoformat,
        help="score as of this day (default: the last day of the data)",
    )
    parser.add_argument("--window-days", type=int, default=DEFAULT_WINDOW_DAYS)
    parser.add_argument("--seed", type=int, default=0, help="the anomaly model's seed")
    parser.add_argument("--out", type=Path, required=True, help="a .csv or .xlsx file")
    args = parser.parse_args(argv)

    database = open_database(args.db)
    if database is None:
        return 2
    data = load(database.cursor(), EVERYTHING, args.as_of, args.window_days)
    leads = score_leads(data, args.seed)
    with casework.connect(casework.casework_path(database.path)) as con:
        snapshot_id = casework.store_snapshot(
            con, leads, data.window_end, data.window_start, args.seed
        )
    since = args.since or dt.date.min
    shown = leads.filter(pl.col("window_end") >= since)
    write_frame(shown, args.out, "问题线索")
    print(
        f"snapshot {snapshot_id}: {leads.height} leads as of {data.window_end} "
        f"(window {data.window_start} – {data.window_end}); {shown.height} written to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
