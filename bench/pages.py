"""Server time of each dashboard page, at district scale (and province when built).

    python bench/pages.py [--repeat 5] [--province]

Renders each page with Streamlit's AppTest against a demo database: once to warm the
caches, then `--repeat` times with a different month filter each time (a filter change),
and prints the median server time per page. The district database is built under
data/bench/ on first use; `--province` also measures data/bench/province.duckdb (built by
bench/metrics.py).
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

# page → the demo role that may open it
PAGES = {
    "views/overview.py": "district_inspector",
    "views/registration.py": "district_inspector",
    "views/disclosures.py": "district_inspector",
    "views/messages.py": "district_inspector",
    "views/leads.py": "district_inspector",
    "views/village.py": "district_inspector",
    "views/briefing.py": "district_inspector",
    "views/home.py": "admin",
    "views/audit.py": "admin",
}


def _measure(db: Path, repeat: int) -> dict[str, float]:
    os.environ["SUNSHINE_DB"] = str(db)
    # The bench databases are built by `etl demo`: the role picker signs in.
    from streamlit.testing.v1 import AppTest

    months = ["2026-10", "2026-09", "2026-08"]
    results = {}
    for page, role in PAGES.items():
        app = AppTest.from_file(str(PROJECT_ROOT / "dashboard.py"), default_timeout=600)
        app.session_state["demo_role"] = role
        app.run()
        app.switch_page(page)
        app.run()  # warm: caches filled, as for a user already on the page
        times = []
        for i in range(repeat):
            app.query_params["month"] = months[i % len(months)]
            clock = time.perf_counter()
            app.run()
            times.append(time.perf_counter() - clock)
            if app.exception or app.error or not app.dataframe:
                problem = app.exception or (app.error and app.error[0].value) or "no table"
                raise RuntimeError(f"{page}: {problem}")
        results[page] = statistics.median(times)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--province", action="store_true")
    args = parser.parse_args()

    district = PROJECT_ROOT / "data" / "bench" / "district.duckdb"
    if not district.exists():
        print(f"building {district} …", flush=True)
        build_demo(district, end="2026-10-31", out=district.with_name("district-export"))
    scales = [("district", district)]
    if args.province:
        scales.append(("province", PROJECT_ROOT / "data" / "bench" / "province.duckdb"))
    for scale, db in scales:
        for page, seconds in _measure(db, args.repeat).items():
            label = f"{scale:<9} {page:<22}"
            print(f"{label} median server time per filter change: {seconds * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
