"""Command line: `python -m etl load EXPORT...`, `python -m etl demo` and
`python -m etl users …`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from datastore import default_db_path
from etl import users
from etl.load import LoadResult, load_exports
from etl.readers import ExportError
from etl.settings import read_settings
from etl.store import LoadBusyError, RealDataPresent
from etl.validate import REASONS


def print_summary(result: LoadResult, out=sys.stdout) -> None:
    print(f"load {result.load_id}: {len(result.files)} files in {result.seconds:.1f} s", file=out)
    header = ("table", "read", "inserted", "updated", "unchanged", "superseded", "quarantined")
    print("  " + "".join(f"{h:>12}" for h in header), file=out)
    for name, s in [*result.tables.items(), ("total", result.total)]:
        row = (s.read, s.inserted, s.updated, s.unchanged, s.superseded, s.quarantined)
        print("  " + f"{name:>12}" + "".join(f"{v:>12,}" for v in row), file=out)
    if result.reasons:
        print("quarantined rows by reason:", file=out)
        for (table, reason), rows in result.reasons.items():
            zh, en = REASONS[reason]
            print(f"  {table:<12} {reason:<24} {rows:>8,}  {zh} / {en}", file=out)
    for warning in result.warnings:
        print(f"warning: {warning}", file=out)


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def _audit_load(db_path: Path, source: str, result: LoadResult) -> None:
    total = result.total
    users.audit_command(
        db_path,
        "load",
        source,
        f"load {result.load_id}: {total.read:,} rows read, {total.inserted:,} inserted, "
        f"{total.updated:,} updated, {total.quarantined:,} kept aside",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    load = commands.add_parser("load", help="load platform exports (folders or .zip files)")
    load.add_argument("exports", nargs="+", type=Path, metavar="EXPORT")
    load.add_argument("--db", type=Path, help="database file (default $SUNSHINE_DB or data/)")
    load.add_argument("--catalogue", type=Path, help="replace the disclosure catalogue (CSV)")
    load.add_argument(
        "--settings", type=Path, help="the district's local practice (CSV key,value; kept)"
    )
    load.add_argument("--quiet", action="store_true", help="no progress lines")

    demo = commands.add_parser("demo", help="generate a demo export and load it")
    demo.add_argument("--db", type=Path)
    demo.add_argument("--preset", choices=("district", "city", "province"), default="district")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--months", type=int)
    demo.add_argument("--end", help="last day of the data, YYYY-MM-DD")
    demo.add_argument("--out", type=Path, help="folder for the export (default beside the db)")
    demo.add_argument("--no-anomalies", action="store_true", help="inject no misbehaviour")
    demo.add_argument(
        "--practice",
        choices=("standard", "drawn"),
        default="standard",
        help="the seed district's local practice, or another district's drawn from the seed",
    )
    demo.add_argument(
        "--force", action="store_true", help="replace a database that holds non-demo loads"
    )

    users.add_parser(commands)

    args = parser.parse_args(argv)
    db_path = args.db or default_db_path()
    if args.command == "users":
        return users.run(args, db_path)
    try:
        if args.command == "load":
            if args.settings is not None:
                read_settings(args.settings)  # refuse a bad file before reading any export
            result = load_exports(
                args.exports,
                db_path,
                catalogue=args.catalogue,
                settings=args.settings,
                progress=(lambda *_: None) if args.quiet else _progress,
            )
            print_summary(result)
            source = ", ".join(str(e) for e in args.exports)
            _audit_load(db_path, source, result)
            users.note_real_load(db_path, source)
            return 0
        import demo as demo_module  # numpy and the generator only when asked for

        real_loads = demo_module.non_demo_loads(db_path)
        if real_loads and not args.force:  # before minutes of generating; again under the lock
            raise RealDataPresent(db_path, real_loads)
        result = demo_module.build_demo(
            db_path,
            preset=args.preset,
            seed=args.seed,
            months=args.months,
            end=args.end,
            out=args.out,
            anomalies=not args.no_anomalies,
            progress=_progress,
            force=args.force,
            practice=args.practice,
        )
        print_summary(result)
        _audit_load(db_path, f"demo {args.preset} seed {args.seed}", result)
        return 0
    except (ExportError, LoadBusyError, RealDataPresent) as exc:
        users.audit_command(db_path, "load", args.command, f"failed: {exc}")
        print(f"error: {exc}", file=sys.stderr)
        print("nothing was loaded; the database is as it was.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
