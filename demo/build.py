"""Build the demo database: generate the export beside it and load it in its place."""

from __future__ import annotations

import os
from pathlib import Path

from datastore import connect_readonly
from demo.export import generate_export
from etl import store
from etl.load import LoadResult, Progress, load_exports


def non_demo_loads(db_path: Path) -> int:
    """How many loads in the database are not the demo generator's."""
    if not db_path.exists():
        return 0
    with connect_readonly(db_path) as con:
        return con.execute("SELECT count(*) FROM loads WHERE NOT demo").fetchall()[0][0]


def build_demo(
    db_path: Path,
    preset: str = "district",
    seed: int = 1,
    months: int | None = None,
    end: str | None = None,
    out: Path | None = None,
    anomalies: bool = True,
    progress: Progress | None = None,
    force: bool = False,
    only_if_missing: bool = False,
    practice: str = "standard",
) -> LoadResult | None:
    """Generate the demo export beside the database and load it through `load` into a new
    database, which then replaces the one at `db_path` whole.

    The replacement happens under the loads' lock, after checking again that no real load
    has arrived while the export was generated (RealDataPresent unless `force`). With
    `only_if_missing` (the dashboard's first run) nothing is replaced if a database appeared
    meanwhile, and None is returned. `practice`: see demo.practice."""
    progress = progress or (lambda *_: None)
    out = out or db_path.parent / f"demo-export-{preset}"
    generate_export(out, preset, seed, months, end, anomalies, progress, practice=practice)
    fresh = db_path.with_name(db_path.name + ".demo")
    with store.exclusive(db_path):
        if only_if_missing and db_path.exists():
            return None
        real_loads = non_demo_loads(db_path)
        if real_loads and not force:
            raise store.RealDataPresent(db_path, real_loads)
        fresh.unlink(missing_ok=True)
        result = load_exports(
            [out], fresh, progress=lambda f, message: progress(0.5 + f / 2, message), demo=True
        )
        os.replace(fresh, db_path)
    fresh.with_name(fresh.name + ".lock").unlink(missing_ok=True)
    return result
