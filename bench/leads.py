"""How well the leads find misbehaving villages, on data they were not written against.

    python bench/leads.py [--validation DIR] [--tuning 1 2 3] [--holdout 101 …]
                          [--drawn 301 …] [--clean 201 …] [--synthetic 1 2 3] [--months 12]
                          [--episodes DIR]

Every data set is scored as `python -m models` does with no options: lead episodes over
the whole span, the command line's defaults, no settings file. With k the number of
villages made to misbehave, villages are ranked by their strongest episode's peak
score, and the table gives precision and recall at k (equal when k is the true count),
how often the type of a found village's top episode is right, the same per lead type,
and, on villages nothing was done to, the share with a lead scoring 0.5 or more (near
misses, villages doing something that only looks like misconduct, count among them and
are also counted on their own).

- validation: ../shared/validation/ (export.zip, labels.csv), made by a generator
  independent of this project's; each scenario is listed as found or missed.
- tuning and holdout: the demo (`etl demo`, 12 months: villages misbehaving all round
  and single-kind scenarios) on seeds the thresholds were set on and on seeds never
  looked at; drawn practice: the demo with another district's practice drawn from the
  seed (`--practice drawn`: approval threshold, payment sizes, pace of replies); the
  scenarios missed are listed.
- clean: `etl demo --no-anomalies` on other seeds, and districts of the independent
  generator of tests/models/synthetic.py with other local practice (slow replies, large
  payments, sparse messages), nothing injected.
- synthetic: that generator with other practice and misconduct of every kind the
  indicators look for, at middling magnitudes.

With --episodes, every data set's episodes are written to DIR as Parquet (one file per
data set, named after it), so that two versions of the code can be compared lead for lead.

It also times whole-span scoring of each 12-month demo district (median), against
scoring its last window alone in the same run, and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datastore import ReadOnlyDatabase
from datastore.scope import EVERYTHING
from datastore.scoring import read_records
from demo import build_demo
from etl.load import load_exports
from models.data import Records, prepare
from models.episodes import score_span
from models.indicators import LEAD_TYPES
from models.leads import score_leads
from tests.models.synthetic import District, Misconduct, generate

VALIDATION = Path(__file__).resolve().parent.parent.parent / "shared" / "validation"
COLUMNS = ["k", "precision_at_k", "recall_at_k", "type_right", "inaction_at_k", "slow_at_k",
           "wrong_at_k", "clean_at_0.5", "near_misses_flagged"]  # fmt: skip
TIMES: list[tuple[float, float]] = []  # (whole span, last window alone) per demo district
KEPT: list[Path] = []  # where to write each data set's episodes (--episodes), if anywhere


def _keep(name: str, episodes: pl.DataFrame) -> pl.DataFrame:
    if KEPT:
        episodes.write_parquet(KEPT[0] / f"{name.replace(' ', '-')}.parquet")
    return episodes


def _best(episodes: pl.DataFrame) -> pl.DataFrame:
    """Each village's strongest episode, strongest first."""
    return (
        episodes.sort(["score", "region_code"], descending=[True, False])
        .unique("region_code", keep="first", maintain_order=True)
        .with_row_index("rank", offset=1)
    )


def evaluate(episodes: pl.DataFrame, labels: pl.DataFrame, villages: int) -> dict:
    """Labels without a lead type are near misses: villages doing something that looks
    like misconduct and is not (a genuine registration campaign), which no lead should
    flag; they count with the clean villages."""
    truth = dict(labels.drop_nulls("lead_type").select("region_code", "lead_type").iter_rows())
    best = _best(episodes)
    clean = best.filter(~pl.col("region_code").is_in(list(truth)) & (pl.col("score") >= 0.5))
    result = {"k": len(truth), "clean_at_0.5": clean.height / max(villages - len(truth), 1)}
    near = labels.filter(pl.col("lead_type").is_null()).get_column("region_code")
    if near.len():
        flagged = clean.filter(pl.col("region_code").is_in(near.implode()))
        result["near_misses_flagged"] = flagged.height
    if not truth:
        return result
    top = best.head(len(truth))
    found = [r for r in top.get_column("region_code") if r in truth]
    result["precision_at_k"] = result["recall_at_k"] = len(found) / len(truth)
    right = [r for r in top.iter_rows(named=True) if truth.get(r["region_code"]) == r["lead_type"]]
    result["type_right"] = len(right) / len(found) if found else float("nan")
    for lead_type in LEAD_TYPES:
        # A village counts under the type of its top episode, the one an inspector sees first.
        wanted = {r for r, t in truth.items() if t == lead_type}
        ranked = best.filter(pl.col("lead_type") == lead_type)
        hits = [r for r in ranked.head(len(wanted)).get_column("region_code") if r in wanted]
        result[f"{lead_type}_at_k"] = len(hits) / len(wanted) if wanted else float("nan")
    return result


def _line(name: str, result: dict) -> str:
    whole = ("k", "near_misses_flagged")
    cells = [
        f"{c} {result[c]}" if c in whole else f"{c} {result[c]:.2f}" for c in COLUMNS if c in result
    ]
    return f"{name}: " + ", ".join(cells)


def _scenarios(episodes: pl.DataFrame, labels: pl.DataFrame) -> list[str]:
    """Each labelled scenario: found in the top k with the right type, or how it was missed."""
    best = _best(episodes)
    k = labels.height
    lines = []
    for label in labels.drop_nulls("lead_type").iter_rows(named=True):
        mine = best.filter(pl.col("region_code") == label["region_code"])
        window = f"{label['window_start']} – {label['window_end']}"
        if mine.is_empty():
            lines.append(f"  missed  {label['scenario']} ({label['lead_type']}, {window}): no lead")
            continue
        top = mine.row(0, named=True)
        months = f"{top['months'][0]} – {top['months'][-1]}"
        seen = f"rank {top['rank']}, {top['lead_type']} {top['score']:.2f} in {months}"
        if top["rank"] <= k and top["lead_type"] == label["lead_type"]:
            lines.append(f"  found   {label['scenario']} ({label['lead_type']}, {window}): {seen}")
        else:
            lines.append(f"  missed  {label['scenario']} ({label['lead_type']}, {window}): {seen}")
    return lines


def _demo(
    seed: int, months: int, anomalies: bool, work: Path, practice: str = "standard"
) -> tuple[Records, pl.DataFrame]:
    db = work / f"seed{seed}.duckdb"
    out = work / f"export{seed}"
    build_demo(db, seed=seed, months=months, end="2026-10-31", out=out, anomalies=anomalies,
               practice=practice)  # fmt: skip
    labels = pl.read_csv(
        out.with_name(out.name + ".labels.csv"), schema_overrides={"region_code": pl.String}
    ).rename({"lead_start": "window_start", "lead_end": "window_end"})
    # Left open: the records read the activity aggregates through it while scored.
    records = read_records(ReadOnlyDatabase(db).cursor(), EVERYTHING)
    return records, labels


def _scored(records: Records) -> pl.DataFrame:
    clock = time.perf_counter()
    episodes = score_span(records)
    whole = time.perf_counter() - clock
    clock = time.perf_counter()
    score_leads(prepare(records, records.last_day))
    TIMES.append((whole, time.perf_counter() - clock))
    return episodes


# Independent districts: other local practice, and misconduct of every kind at middling
# magnitudes (a split under 30,000 yuan, where the default threshold is 50,000).
PRACTICES = {
    "slow pace": District(reply_hours=20, close_hours=120, review_hours=40, on_time=0.85),
    "large payments": District(ledger_amount=12_000, project_amount=150_000, ledger_lines=6),
    "sparse messages": District(messages_per_month=0.8, events_per_month=1.0),
}
MISCONDUCT = [
    ("slow_reply", 1, 96, 1.0), ("slow_clearance", 6, 21, 1.0), ("late", 13, 25, 0.6),
    ("slow_review", 18, 200, 1.0), ("inflate", 25, 6, 1.0), ("split", 30, 30_000, 1.0),
    ("corrections", 37, 1.0, 0.5), ("closed_silently", 42, 1.0, 0.8),
    ("unanswered", 9, 1.0, 1.0), ("missing", 21, 1.0, 1.0),
]  # fmt: skip
TYPES = {"slow_reply": "slow", "slow_clearance": "slow", "late": "slow", "slow_review": "slow",
         "inflate": "wrong", "split": "wrong", "corrections": "wrong", "closed_silently": "wrong",
         "unanswered": "inaction", "missing": "inaction"}  # fmt: skip


def _synthetic(seed: int, practice: District) -> tuple[Records, pl.DataFrame]:
    district = District(**{**practice.__dict__, "seed": seed})
    start = dt.date(2024, 3, 1)
    acts = [Misconduct(kind, v, start, 3, m, share) for kind, v, m, share in MISCONDUCT]
    records = generate(district, acts)
    codes = records.villages.get_column("region_code").to_list()
    labels = pl.DataFrame(
        {
            "region_code": [codes[v] for _, v, _, _ in MISCONDUCT],
            "scenario": [kind for kind, *_ in MISCONDUCT],
            "lead_type": [TYPES[kind] for kind, *_ in MISCONDUCT],
            "window_start": [start] * len(MISCONDUCT),
            "window_end": [dt.date(2024, 5, 31)] * len(MISCONDUCT),
        }
    )
    return records, labels


def _mean_line(group: str, rows: list[dict]) -> str:
    means = {c: statistics.mean(r.get(c, 0) for r in rows) for c in COLUMNS if c in rows[0]}
    return _line(f"{group} mean", means)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validation", type=Path, default=VALIDATION)
    parser.add_argument("--tuning", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--holdout", type=int, nargs="*", default=[101, 102, 103, 104, 105])
    parser.add_argument("--drawn", type=int, nargs="*", default=[301, 302, 303])
    parser.add_argument("--clean", type=int, nargs="*", default=[201, 202, 203])
    parser.add_argument("--synthetic", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--episodes", type=Path, help="write each data set's episodes here")
    args = parser.parse_args()
    if args.episodes:
        args.episodes.mkdir(parents=True, exist_ok=True)
        KEPT.append(args.episodes)

    with tempfile.TemporaryDirectory(prefix="bench-leads-") as tmp:
        work = Path(tmp)
        if args.validation and (args.validation / "export.zip").exists():
            db = work / "validation.duckdb"
            load_exports([args.validation / "export.zip"], db)
            records = read_records(ReadOnlyDatabase(db).cursor(), EVERYTHING)
            labels = pl.read_csv(
                args.validation / "labels.csv", schema_overrides={"region_code": pl.String}
            )
            episodes = _keep("validation", score_span(records))
            result = evaluate(episodes, labels, records.villages.height)
            print(_line("validation", result), flush=True)
            print("\n".join(_scenarios(episodes, labels)), flush=True)

        groups = (("tuning", args.tuning, "standard"), ("holdout", args.holdout, "standard"),
                  ("drawn practice", args.drawn, "drawn"))  # fmt: skip
        for group, seeds, practice in groups:
            rows = []
            for seed in seeds:
                records, labels = _demo(seed, args.months, True, work, practice)
                episodes = _keep(f"{group} seed {seed}", _scored(records))
                rows.append(evaluate(episodes, labels, records.villages.height))
                print(_line(f"{group} seed {seed}", rows[-1]), flush=True)
                for line in _scenarios(episodes, labels):
                    if line.startswith("  missed"):
                        print(line, flush=True)
            if rows:
                print(_mean_line(group, rows), flush=True)

        rows = []
        for seed in args.synthetic:
            for name, practice in PRACTICES.items():
                records, labels = _synthetic(seed, practice)
                episodes = _keep(f"synthetic {name} seed {seed}", score_span(records))
                rows.append(evaluate(episodes, labels, records.villages.height))
                print(_line(f"synthetic {name} seed {seed}", rows[-1]), flush=True)
                for line in _scenarios(episodes, labels):
                    if line.startswith("  missed"):
                        print(line, flush=True)
        if rows:
            print(_mean_line("synthetic", rows), flush=True)

        shares = []
        for seed in args.clean:
            records, labels = _demo(seed, args.months, False, work)
            episodes = _keep(f"clean demo seed {seed}", _scored(records))
            shares.append(evaluate(episodes, labels, records.villages.height)["clean_at_0.5"])
            print(
                f"clean demo seed {seed}: {shares[-1]:.1%} of villages with a lead ≥ 0.5",
                flush=True,
            )
        for seed in args.synthetic:
            for name, practice in PRACTICES.items():
                records = generate(District(**{**practice.__dict__, "seed": 100 + seed}))
                empty = pl.DataFrame(schema={"region_code": pl.String, "lead_type": pl.String})
                episodes = _keep(f"clean synthetic {name} seed {100 + seed}", score_span(records))
                share = evaluate(episodes, empty, records.villages.height)["clean_at_0.5"]
                shares.append(share)
                print(f"clean synthetic {name} seed {100 + seed}: {share:.1%} of villages with a "
                      "lead ≥ 0.5", flush=True)  # fmt: skip
        if shares:
            print(f"clean: at most {max(shares):.1%}, mean {statistics.mean(shares):.2%} of "
                  "villages with a lead ≥ 0.5")  # fmt: skip

    if TIMES:
        whole = statistics.median(t for t, _ in TIMES)
        window = statistics.median(w for _, w in TIMES)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"whole-span scoring of a {args.months}-month district: median {whole:.1f} s "
            f"({len(TIMES)} districts), {whole / window:.1f}× its last window alone "
            f"({window:.2f} s); peak memory {peak:.0f} MB"
        )


if __name__ == "__main__":
    main()
