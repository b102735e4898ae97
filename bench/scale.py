"""A province's year on one machine: load, one day added, marts, each with its peak memory.

    nice -n 10 python bench/scale.py [--preset province] [--months 12] [--seed 1]
        [--steps baseline,baseline_threads,load,day,marts,leads,districts] [--repeat 3]

Generates the province export once (`etl demo --preset province`, cached under
data/bench/), then runs each step in a child process of its own, one at a time, and
reports its wall time and the child's peak resident memory:

- baseline: DuckDB's own `read_csv` of every CSV file of the export into tables (as text;
  the GB18030 files transcoded beforehand, since DuckDB reads no GB18030 without an
  extension), the floor under any load of the same files;
- baseline_threads: the same read with as many DuckDB threads as the loader uses (one
  more than the cores), to show how much of the load's gain the setting alone gives;
- load: `load_exports` of the whole export into a new database, marts included;
- day: one more day's export added to that database (the year's last day repeated, as
  the platform's daily files overlap, plus the next day's events, registrations,
  messages answered and closed, new messages and disclosures), marts included;
- marts: every mart rebuilt from scratch in the loaded database, and compared with the
  marts the incremental loads left, table by table;
- leads: whole-span lead episodes of the whole database (`python -m models`: every
  scoring day of the span, each over its window), read and scored;
- districts: whole-span leads of the first few districts one after another, each among
  its own villages, as the dashboard scores every district ahead of its users (the second
  reads the events of every village once for all after it), and all districts' estimate.

With --repeat N the baseline, baseline_threads and load run N times, taking turns, and
the table gives the median of each (and each run's wall time); the other steps run once,
on the database the last load built.

Other measurements plug in as steps: a function taking the run's `Context` and returning
a dict of figures, registered in `STEPS` (page times are meant to join here). Prints a
table with ratios against the baseline of the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datastore import PROJECT_ROOT, ReadOnlyDatabase

END = "2026-10-31"


@dataclass
class Context:
    export: Path  # the province year's export
    work: Path  # databases and scratch files of this run

    @property
    def db(self) -> Path:
        return self.work / "province.duckdb"

    @property
    def day(self) -> Path:
        return self.work / "day-export"


def demo_export(preset: str, months: int, seed: int) -> Path:
    """The preset's export, generated on first use and kept (data/ is not committed)."""
    folder = PROJECT_ROOT / "data" / "bench" / f"{preset}-{months}m-seed{seed}"
    if not folder.with_name(folder.name + ".manifest.json").exists():
        from demo import generate_export

        print(f"generating {folder} (for the province: minutes, several GB) …", flush=True)
        generate_export(folder, preset=preset, seed=seed, months=months, end=END)
    return folder


def _utf8_copy(path: Path, into: Path) -> Path:
    target = into / path.name
    done = subprocess.run(
        ["iconv", "-f", "UTF-8", "-t", "UTF-8", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if done.returncode == 0:
        return path
    with target.open("wb") as out:
        subprocess.run(["iconv", "-f", "GB18030", "-t", "UTF-8", str(path)], stdout=out, check=True)
    return target


def _read_all(ctx: Context, threads: int | None) -> dict:
    """DuckDB's read_csv of every CSV file of the export into tables, as text."""
    scratch = ctx.work / "baseline"
    scratch.mkdir(exist_ok=True)
    paths = [_utf8_copy(p, scratch) for p in sorted(ctx.export.glob("*.csv"))]
    con = duckdb.connect(
        str(scratch / "read.duckdb"), config={"threads": threads} if threads else {}
    )
    clock = time.perf_counter()
    rows = 0
    for i, path in enumerate(paths):
        con.execute(
            f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, all_varchar = true)", [str(path)]
        )
        rows += con.execute(f"SELECT count(*) FROM t{i}").fetchall()[0][0]
    seconds = time.perf_counter() - clock
    con.close()
    shutil.rmtree(scratch)
    return {"seconds": seconds, "rows": rows, "files": len(paths)}


def step_baseline(ctx: Context) -> dict:
    """The read with DuckDB's own settings: the ratios' baseline."""
    return _read_all(ctx, None)


def step_baseline_threads(ctx: Context) -> dict:
    """The same read with as many threads as the loader gives DuckDB (`LOAD_THREADS`)."""
    from etl.store import LOAD_THREADS

    return _read_all(ctx, LOAD_THREADS) | {"threads": LOAD_THREADS}


class StageClock:
    """The loader's progress messages turned into wall and processor seconds per stage:
    reading the files, each table, the marts, and recording with the commit."""

    def __init__(self) -> None:
        self.stages: dict[str, list[float]] = {}
        self.stage = "start"
        self.mark = (time.perf_counter(), time.process_time())

    def __call__(self, _: float, message: str) -> None:
        from schema.tables import TABLES

        now = (time.perf_counter(), time.process_time())
        spent = self.stages.setdefault(self.stage, [0.0, 0.0])
        spent[0] += now[0] - self.mark[0]
        spent[1] += now[1] - self.mark[1]
        self.mark = now
        verb, _, rest = message.partition(" ")
        if verb == "读取":
            self.stage = "read"
        elif verb == "写入" and rest in TABLES:
            self.stage = rest
        elif verb == "计算指标":
            self.stage = "marts"
        elif verb == "记录装载信息":
            self.stage = "record+commit"

    def figures(self) -> str:
        """stage wall/CPU seconds, as one line."""
        return " ".join(f"{k} {w:.0f}/{c:.0f}" for k, (w, c) in self.stages.items() if k != "start")


def step_load(ctx: Context) -> dict:
    from etl.load import load_exports

    for leftover in ctx.work.glob("province.duckdb*"):
        shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    clock = time.perf_counter()
    stages = StageClock()
    result = load_exports([ctx.export], ctx.db, progress=stages)
    return {
        "seconds": time.perf_counter() - clock,
        "stages_wall_cpu": stages.figures(),
        "rows": result.total.read,
        "quarantined": result.total.quarantined,
        "core_mb": ctx.db.stat().st_size / 1e6,
    }


def _write_day_export(ctx: Context) -> dt.date:
    """The day after the year: the platform's daily export, made from the year's last day."""
    database = ReadOnlyDatabase(ctx.db)
    con = database.cursor()
    last = con.execute("SELECT max(ts)::DATE FROM activity").fetchall()[0][0]
    day = last + dt.timedelta(days=1)
    shutil.rmtree(ctx.day, ignore_errors=True)
    ctx.day.mkdir(parents=True)

    def copy(query: str, name: str, params: list) -> None:
        con.execute(f"COPY ({query}) TO '{ctx.day / name}' (HEADER, DELIMITER ',')", params)

    # Events: the last day again (exports overlap) and the next day's, a day later.
    copy(
        "SELECT user_id, ts, action, object_id FROM activity WHERE ts >= ? "
        "UNION ALL SELECT user_id, ts + INTERVAL 1 DAY, action, object_id FROM activity "
        "WHERE ts >= ?",
        "activity_day.csv",
        [last, last],
    )
    # New residents: as many as registered on the last day, under new ids.
    copy(
        "SELECT 'N' || user_id AS user_id, region_code, household_id, "
        "registered_at + INTERVAL 1 DAY AS registered_at, role, status, cancelled_at, "
        "registered_at + INTERVAL 1 DAY AS updated_at FROM users WHERE registered_at >= ?",
        "users_day.csv",
        [last],
    )
    # Messages: every open one answered and closed that morning, and new ones.
    copy(
        "SELECT feedback_id, region_code, user_id, submitted_at, topic, content, "
        "coalesce(first_reply_at, ?::TIMESTAMP + INTERVAL 9 HOUR) AS first_reply_at, "
        "coalesce(reply, '已处理') AS reply, ?::TIMESTAMP + INTERVAL 10 HOUR AS closed_at, "
        "'closed' AS status, satisfaction, handler_id, "
        "?::TIMESTAMP + INTERVAL 10 HOUR AS updated_at FROM feedback WHERE closed_at IS NULL "
        "UNION ALL SELECT 'N' || feedback_id, region_code, user_id, "
        "submitted_at + INTERVAL 1 DAY, topic, content, NULL, NULL, NULL, 'awaiting_reply', "
        "NULL, handler_id, submitted_at + INTERVAL 1 DAY FROM feedback WHERE submitted_at >= ?",
        "feedback_day.csv",
        [day, day, day, last],
    )
    copy(
        "SELECT 'N' || disclosure_id AS disclosure_id, region_code, category, item_code, title, "
        "period, published_at + INTERVAL 1 DAY AS published_at, publisher_id, reviewed_at, "
        "reviewer_id, status, amount, payee, published_at + INTERVAL 1 DAY AS updated_at "
        "FROM disclosures WHERE published_at >= ?",
        "disclosures_day.csv",
        [last],
    )
    database.close()
    return day


def step_day(ctx: Context) -> dict:
    from etl.load import load_exports

    day = _write_day_export(ctx)
    size = sum(p.stat().st_size for p in ctx.day.iterdir())
    clock = time.perf_counter()
    stages = StageClock()
    result = load_exports([ctx.day], ctx.db, progress=stages)
    seconds = time.perf_counter() - clock
    return {
        "seconds": seconds,
        "stages_wall_cpu": stages.figures(),
        "rows": result.total.read,
        "inserted": result.total.inserted,
        "updated": result.total.updated,
        "day": day.isoformat(),
        "export_mb": size / 1e6,
    }


def _mart_digests(con) -> dict[str, list]:
    from etl.refresh import MART_TABLES

    found = {}
    for table in MART_TABLES:
        columns = [c[0] for c in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
        found[table] = list(
            con.execute(
                f"SELECT count(*), sum(hash({', '.join(columns)})) FROM {table}"
            ).fetchall()[0]
        )
    return found


def _user_months_kept_as_events_give(con) -> bool:
    """The user-months the loads kept equal those the events give, month by month."""
    from etl.store import USER_MONTHS
    from metrics.marts import user_months_sql

    months = con.execute(
        "SELECT DISTINCT month FROM storage_parts WHERE table_name = 'activity' ORDER BY 1"
    ).fetchall()
    digest = "SELECT count(*), sum(hash(user_id, month, days)) FROM ({})"
    events = "(SELECT user_id, ts FROM activity WHERE date_trunc('month', ts)::DATE = ?)"
    for (month,) in months:
        kept = f"(SELECT * FROM {USER_MONTHS.name} WHERE month = ?)"
        derived = con.execute(digest.format(user_months_sql(events)), [month]).fetchall()
        if con.execute(digest.format(kept), [month]).fetchall() != derived:
            return False
    return True


def step_marts(ctx: Context) -> dict:
    """Rebuild every mart from scratch and compare with what the loads left; check the
    user-months the loads kept against the events (not timed)."""
    from etl import store
    from etl.refresh import refresh_marts

    with store.building(ctx.db) as build:
        before = _mart_digests(build.con)
        clock = time.perf_counter()
        refresh_marts(build.con)
        seconds = time.perf_counter() - clock
        after = _mart_digests(build.con)
        user_months = _user_months_kept_as_events_give(build.con)
    return {
        "seconds": seconds,
        "rows": sum(n for n, _ in after.values()),
        "incremental_equals_rebuild": before == after,
        "user_months_equal_events": user_months,
    }


def step_leads(ctx: Context) -> dict:
    """Whole-span leads of everything in the database, as the dashboard scores them for a
    reader of the whole province after a load."""
    from datastore.scope import EVERYTHING
    from datastore.scoring import read_records
    from models.episodes import score_span

    database = ReadOnlyDatabase(ctx.db)
    clock = time.perf_counter()
    records = read_records(database.cursor(), EVERYTHING)
    read = time.perf_counter() - clock
    episodes = score_span(records)
    seconds = time.perf_counter() - clock
    database.close()
    return {
        "seconds": seconds,
        "read_seconds": read,
        "villages": records.villages.height,
        "episodes": episodes.height,
    }


DISTRICTS_SCORED = 5


def step_districts(ctx: Context) -> dict:
    """Whole-span leads of the first districts, one after another in one process, each
    among its own villages, as the dashboard scores every district of a province ahead of
    its users (datastore/warmup.py): the first reads only its own events, the second
    those of every village of the load, the others cut that read to their villages. All
    districts' time is estimated as those measured plus the median of those after the
    second for each further district."""
    from datastore.scope import Scope
    from datastore.scoring import read_records
    from models.episodes import score_span

    database = ReadOnlyDatabase(ctx.db)
    con = database.cursor()
    codes = [c for (c,) in con.execute(
        "SELECT region_code FROM regions WHERE level = 'district' ORDER BY region_code"
    ).fetchall()]  # fmt: skip
    seconds, episodes = [], 0
    for code in codes[:DISTRICTS_SCORED]:
        clock = time.perf_counter()
        episodes += score_span(read_records(con, Scope(code))).height
        seconds.append(time.perf_counter() - clock)
    database.close()
    later = statistics.median(seconds[2:] or seconds)
    return {
        "seconds": sum(seconds),
        "districts": len(seconds),
        "first_district_seconds": seconds[0],
        "second_district_seconds": seconds[1] if len(seconds) > 1 else None,
        "next_districts_median_seconds": later,
        "all_districts_estimated_seconds": sum(seconds) + later * (len(codes) - len(seconds)),
        "episodes": episodes,
    }


STEPS: dict[str, Callable[[Context], dict]] = {
    "baseline": step_baseline,
    "baseline_threads": step_baseline_threads,
    "load": step_load,
    "day": step_day,
    "marts": step_marts,
    "leads": step_leads,
    "districts": step_districts,
}


def _run_child(step: str, ctx: Context) -> dict:
    """Run one step in a child process: its own peak resident memory, nothing shared."""
    out = ctx.work / f"{step}.json"
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", step, "--export", str(ctx.export),
         "--work", str(ctx.work)],
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"step {step} failed")
    figures = json.loads(out.read_text())
    figures["peak_rss_gb"] = usage.ru_maxrss / 1e6
    # Processor time is what a shared machine does not inflate: report it beside the wall.
    figures["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return figures


REPEATABLE = ("baseline", "baseline_threads", "load")


def _run_step(step: str, ctx: Context) -> dict:
    print(f"{step} …", flush=True)
    figures = _run_child(step, ctx)
    print(f"  {figures}", flush=True)
    return figures


def _median_run(runs: list[dict]) -> dict:
    """One step's figures over its runs: median wall and processor time, the highest
    peak memory, and each run's wall time when there were several."""
    figures = dict(runs[-1])
    figures["seconds"] = statistics.median(r["seconds"] for r in runs)
    figures["cpu_seconds"] = statistics.median(r["cpu_seconds"] for r in runs)
    figures["peak_rss_gb"] = max(r["peak_rss_gb"] for r in runs)
    if len(runs) > 1:
        figures["runs_s"] = "/".join(f"{r['seconds']:.1f}" for r in runs)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="province", help="district for a quick try")
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of the read and the load, medians reported"
    )
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "data" / "bench" / "scale")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--export", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        ctx = Context(args.export, args.work)
        figures = STEPS[args.child](ctx)
        (ctx.work / f"{args.child}.json").write_text(json.dumps(figures))
        return

    ctx = Context(demo_export(args.preset, args.months, args.seed), args.work / args.preset)
    ctx.work.mkdir(parents=True, exist_ok=True)
    steps = args.steps.split(",")
    runs: dict[str, list[dict]] = {step: [] for step in steps}
    # The read and the load are repeated in turn, so that a ratio is of medians taken over
    # the same stretch of a shared machine's load; the steps after the load change the
    # database it built and run once.
    for _ in range(args.repeat):
        for step in (s for s in steps if s in REPEATABLE):
            runs[step].append(_run_step(step, ctx))
    for step in (s for s in steps if s not in REPEATABLE):
        runs[step].append(_run_step(step, ctx))
    results = {step: _median_run(runs[step]) for step in steps}

    base = results.get("baseline", {}).get("seconds")
    print(f"\n{args.preset}, {args.months} months, seed {args.seed} ({ctx.export.name})")
    base_cpu = results.get("baseline", {}).get("cpu_seconds")
    print(
        f"{'step':<17}{'seconds':>10}{'× read_csv':>12}{'CPU s':>10}{'CPU ×':>8}"
        f"{'peak RSS GB':>13}  notes"
    )
    for step, figures in results.items():
        ratio = f"{figures['seconds'] / base:.2f}" if base else "—"
        cpu_ratio = f"{figures['cpu_seconds'] / base_cpu:.2f}" if base_cpu else "—"
        shown = ("seconds", "peak_rss_gb", "cpu_seconds")
        notes = {k: v for k, v in figures.items() if k not in shown}
        print(
            f"{step:<17}{figures['seconds']:>10.1f}{ratio:>12}{figures['cpu_seconds']:>10.1f}"
            f"{cpu_ratio:>8}{figures['peak_rss_gb']:>13.2f}  "
            + ", ".join(
                f"{k} {v:,.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in notes.items()
            )
        )
    (ctx.work / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
