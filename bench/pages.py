"""Server time of each dashboard page, at district scale (and province when built).

    python bench/pages.py [--repeat 3] [--province] [--pages overview,village]

For each page, three figures from Streamlit's AppTest against a demo database, each the
median of `--repeat` tries:

- cold: a new session's first render of the page (opened straight on it, as from a
  pasted link) right after every cache was emptied, as for the first user after a load,
  once the server's background reading of the load (datastore/warmup.py: the scoring,
  the data page's counts and what first pages read ahead, datastore/ahead.py) is done.
  That reading is timed too, once per database: a user arriving sooner after a load
  waits for what is left of it;
- second user: another new session's first render of the same page, its caches filled
  by the first (the shared caches are per data version and scope);
- filter change: that second session's rerun on another month, not cached yet.

The district database is built under data/bench/ on first use; `--province` also
measures data/bench/province.duckdb (built by bench/metrics.py), or `--province-db`.
Module imports happen once, in an untimed session before the first page, as once per
server process; the cold figure includes opening the database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datastore import PROJECT_ROOT
from demo import build_demo

# page → (URL path, the demo role that may open it)
PAGES = {
    "views/overview.py": ("overview", "district_inspector"),
    "views/ranking.py": ("ranking", "district_inspector"),
    "views/registration.py": ("registration", "district_inspector"),
    "views/disclosures.py": ("disclosures", "district_inspector"),
    "views/messages.py": ("messages", "district_inspector"),
    "views/leads.py": ("leads", "district_inspector"),
    "views/village.py": ("village", "district_inspector"),
    "views/briefing.py": ("briefing", "district_inspector"),
    "views/home.py": ("data", "admin"),
    "views/audit.py": ("audit", "admin"),
}
TARGETS = {"district": 1.5, "province": 3.0}  # seconds, a new session's first render


_components = None
_accounts: dict = {}  # role → the bench's signed-in user, on a database of real exports


def _sign_in_accounts(db: Path) -> None:
    """Accounts over the first district for the roles the pages are opened as, where the
    database holds real exports (no demo roles there): as the users a commission adds."""
    from datastore import ReadOnlyDatabase, accounts, status
    from datastore.access import User

    _accounts.clear()
    con = ReadOnlyDatabase(db).cursor()
    if status.demo_only(con):
        return
    district = con.sql("SELECT min(region_code) FROM regions WHERE level = 'district'")
    region = district.fetchall()[0][0]
    with accounts.opened(accounts.access_path(db)) as store:
        for role in {role for _, role in PAGES.values()}:
            name = f"bench-{role}"
            if accounts.account_region(store, name) is None:
                accounts.add_account(store, name, name, role, region, password=os.urandom(16).hex())
            _accounts[role] = User(name, name, role, region, "password")


def _new_session(url_path: str, role: str):
    """A session opened straight on the page, as a pasted link or a reload opens it."""
    global _components
    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.testing.v1 import AppTest
    from streamlit.util import calc_hash

    app = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=600)
    app.session_state["demo_role"] = role
    if role in _accounts:
        app.session_state["user"] = _accounts[role]
    app._page_hash = calc_hash(url_path)  # what the browser's URL path selects
    # A server scans the installed packages for components once, at start; AppTest does
    # it for every new session (0.6 s here), which is no part of a page's time.
    if _components is None:
        _components = BidiComponentManager()
        _components.discover_and_register_components(start_file_watching=False)
    app._bidi_component_manager = _components
    return app


def _timed_run(app, page: str) -> float:
    clock = time.perf_counter()
    app.run()
    seconds = time.perf_counter() - clock
    if app.exception or app.error or not (app.dataframe or app.title):
        problem = app.exception or (app.error and app.error[0].value) or "nothing shown"
        raise RuntimeError(f"{page}: {problem}")
    return seconds


def _background_reading(db: Path) -> float:
    """Seconds the server's background reading takes on a database just swapped in."""
    from datastore import daily, scoring, status
    from datastore.warmup import ScoringWarmer

    for per_load in (scoring._SCORED, status._ROWS_BY_LOAD, daily._RESIDENTS,
                     status._QUARANTINED_USERS):  # fmt: skip
        per_load.clear()
    clock = time.perf_counter()
    ScoringWarmer(db).score_now()
    return time.perf_counter() - clock


def _measure(db: Path, repeat: int, pages: dict) -> dict[str, tuple[float, float, float]]:
    os.environ["SUNSHINE_DB"] = str(db)
    import streamlit as st

    _sign_in_accounts(db)

    # One untimed session first: the modules every page imports are loaded once per
    # server process, not per session.
    _timed_run(_new_session(*PAGES["views/overview.py"]), "views/overview.py")
    print(f"background reading after a load: {_background_reading(db):.1f} s", flush=True)
    results = {}
    for page, (url_path, role) in pages.items():
        colds, warms, changes = [], [], []
        for _ in range(repeat):
            st.cache_data.clear()
            st.cache_resource.clear()
            colds.append(_timed_run(_new_session(url_path, role), page))
            second = _new_session(url_path, role)
            warms.append(_timed_run(second, page))
            second.query_params["month"] = "2026-09"  # not yet cached: a real change
            changes.append(_timed_run(second, page))
        results[page] = tuple(statistics.median(t) for t in (colds, warms, changes))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--province", action="store_true")
    parser.add_argument("--province-db", type=Path, help="a province database to measure")
    parser.add_argument("--pages", help="comma-separated URL paths (default: every page)")
    args = parser.parse_args()
    pages = PAGES
    if args.pages:
        wanted = set(args.pages.split(","))
        pages = {p: v for p, v in PAGES.items() if v[0] in wanted}

    district = PROJECT_ROOT / "data" / "bench" / "district.duckdb"
    if not district.exists():
        print(f"building {district} …", flush=True)
        build_demo(district, end="2026-10-31", out=district.with_name("district-export"))
    scales = [("district", district)]
    if args.province or args.province_db:
        province = args.province_db or PROJECT_ROOT / "data" / "bench" / "province.duckdb"
        scales.append(("province", province))
    print(f"{'scale':<9} {'page':<22} {'cold':>8} {'2nd user':>9} {'filter':>8}  (server ms)")
    for scale, db in scales:
        target = TARGETS[scale]
        for page, (cold, warm, change) in _measure(db, args.repeat, pages).items():
            verdict = "ok" if max(cold, warm) < target else f"over {target:.1f} s"
            print(
                f"{scale:<9} {page:<22} {cold * 1000:8.0f} {warm * 1000:9.0f} "
                f"{change * 1000:8.0f}  {verdict}",
                flush=True,
            )


if __name__ == "__main__":
    main()
