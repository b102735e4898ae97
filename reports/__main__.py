"""Command line: `python -m reports daily [--date YYYY-MM-DD] [--db PATH] [--config FILE]`.

Sends the day's 17:00 digest to every configured recipient once: run it as often as you
like, what was sent for that day is not sent again, and what failed is tried again. Exit
status 0 when everything went, 1 when some delivery failed (logged, audited and shown on
the data page), 2 when the configuration or the database is wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path

from datastore import default_db_path
from reports.delivery import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    daily = commands.add_parser("daily", help="send the day's 17:00 digest")
    daily.add_argument("--date", type=dt.date.fromisoformat, help="the day (default: today)")
    daily.add_argument("--db", type=Path, help="database file (default $SUNSHINE_DB or data/)")
    daily.add_argument(
        "--config",
        type=Path,
        help="digest configuration (default: <db>.digest.toml beside "
        "the database, else [digest] in .streamlit/secrets.toml)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("reports").setLevel(logging.INFO)

    from reports.daily import run  # Plotly and the models only when asked for

    db_path = args.db or default_db_path()
    try:
        result = run(db_path, args.date, args.config)
    except (ConfigError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    what = "warning (data not current: " + result.reason + ")" if result.reason else "digest"
    print(
        f"{result.day}: {what}: {len(result.sent)} sent, {len(result.skipped)} sent before, "
        f"{len(result.failed)} failed"
    )
    for name, channel, error in result.failed:
        print(f"  failed: {name} {channel}: {error}", file=sys.stderr)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
