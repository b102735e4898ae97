"""How well the leads find the villages the demo generator made misbehave.

    python bench/leads.py [--tuning 1 2 3] [--holdout 101 …] [--clean 201 …] [--months 12]

For each seed, generates and loads a district demo (12 months, as the default demo),
scores leads as of its last day, and reports, with k the number of villages made to
misbehave: precision and recall at k (equal when k is the true count), the same per lead
type (villages ranked under the type of their top lead), how often the type of a
village's top lead is right, and on data with nothing injected, the share of villages
flagged at all. Tuning seeds are those the thresholds were set on; holdout seeds were
never looked at while tuning. Under each seed, `padding_report` says how the padded-figure
indicators did on it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datastore import ReadOnlyDatabase
from datastore.scope import EVERYTHING
from demo import build_demo
from models.data import load
from models.indicators import LEAD_TYPES, PADDING
from models.leads import score_leads

# The demo's scenarios of padded figures (labels' `scenario`), and its near miss: a
# village that genuinely grows, which no lead should flag.
PADDING_SCENARIOS = ("padded_activity", "burst_registrations")
GROWTH_SCENARIO = "registration_campaign"


def _scored(
    seed: int, months: int, anomalies: bool, work: Path
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    db = work / f"seed{seed}.duckdb"
    out = work / f"export{seed}"
    build_demo(db, seed=seed, months=months, end="2026-10-31", out=out, anomalies=anomalies)
    labels = pl.read_csv(
        out.with_name(out.name + ".labels.csv"), schema_overrides={"region_code": pl.String}
    )
    database = ReadOnlyDatabase(db)
    data = load(database.cursor(), EVERYTHING)
    leads = score_leads(data, seed=0)
    database.close()
    return leads, labels, data.villages.height


def _evaluate(leads: pl.DataFrame, labels: pl.DataFrame) -> dict:
    truth = dict(labels.select("region_code", "lead_type").iter_rows())
    k = len(truth)
    best = (
        leads.sort("score", descending=True)
        .unique("region_code", keep="first")
        .sort(["score", "region_code"], descending=[True, False])
    )
    top = best.head(k)
    found = [r for r in top.get_column("region_code") if r in truth]
    result = {"k": k, "precision_at_k": len(found) / k, "recall_at_k": len(found) / k}
    right = [r for r in top.iter_rows(named=True) if truth.get(r["region_code"]) == r["lead_type"]]
    result["type_right"] = len(right) / len(found) if found else float("nan")
    for lead_type in LEAD_TYPES:
        # A village counts under the type of its top lead, the one an inspector sees first.
        wanted = {r for r, t in truth.items() if t == lead_type}
        ranked = best.filter(pl.col("lead_type") == lead_type)
        hits = [r for r in ranked.head(len(wanted)).get_column("region_code") if r in wanted]
        result[f"{lead_type}_at_k"] = len(hits) / len(wanted) if wanted else float("nan")
    return result


def growing_villages(work: Path, seed: int) -> set[str]:
    """The demo's near misses of padding: villages whose register genuinely grows in a
    campaign (its manifest's `near_misses`; the labels list only villages to flag)."""
    manifest = work / f"export{seed}.manifest.json"
    if not manifest.exists():
        return set()
    near = json.loads(manifest.read_text()).get("near_misses", [])
    return {n["region_code"] for n in near if n["scenario"] == GROWTH_SCENARIO}


def padding_report(leads: pl.DataFrame, labels: pl.DataFrame, growing: set[str]) -> str:
    """The padded-figure indicators (models/indicators PADDING) on one data set: the
    padding scenarios they flag (a lead with one of them fired), the `growing` villages any
    lead flags, and the villages they flag that the generator left alone."""
    fired = {
        row["region_code"]
        for row in leads.iter_rows(named=True)
        if {i["indicator"] for i in json.loads(row["indicators"])} & set(PADDING)
    }
    cases = set()
    if "scenario" in labels.columns:
        padded = labels.filter(pl.col("scenario").is_in(PADDING_SCENARIOS))
        cases = set(padded.get_column("region_code"))
    untouched = fired - set(labels.get_column("region_code"))
    return (
        f"padding: {len(cases & fired)} of {len(cases)} padded villages flagged, "
        f"{len(growing & set(leads.get_column('region_code')))} of {len(growing)} genuinely "
        f"growing villages flagged, {len(untouched)} villages flagged that nothing was done to"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuning", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--holdout", type=int, nargs="*", default=[101, 102, 103, 104, 105])
    parser.add_argument("--clean", type=int, nargs="*", default=[201, 202, 203])
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()

    columns = [
        "k",
        "precision_at_k",
        "recall_at_k",
        "type_right",
        "inaction_at_k",
        "slow_at_k",
        "wrong_at_k",
    ]
    with tempfile.TemporaryDirectory(prefix="bench-leads-") as tmp:
        work = Path(tmp)
        for group, seeds in (("tuning", args.tuning), ("holdout", args.holdout)):
            if not seeds:
                continue
            rows = []
            for seed in seeds:
                leads, labels, _ = _scored(seed, args.months, True, work)
                rows.append(_evaluate(leads, labels))
                print(
                    f"{group} seed {seed}: " + ", ".join(f"{c} {rows[-1][c]:.2f}" for c in columns),
                    flush=True,
                )
                growing = growing_villages(work, seed)
                print(f"  {padding_report(leads, labels, growing)}", flush=True)
            means = {c: statistics.mean(r[c] for r in rows) for c in columns}
            print(f"{group} mean: " + ", ".join(f"{c} {means[c]:.3f}" for c in columns), flush=True)
        shares = [float("nan")] if not args.clean else []
        for seed in args.clean:
            leads, labels, villages = _scored(seed, args.months, False, work)
            flagged = leads.get_column("region_code").n_unique()
            shares.append(flagged / villages)
            print(
                f"clean seed {seed}: {flagged} of {villages} villages flagged ({shares[-1]:.1%})",
                flush=True,
            )
            print(f"  {padding_report(leads, labels, set())}", flush=True)
        print(f"clean mean: {statistics.mean(shares):.2%} of villages flagged")


if __name__ == "__main__":
    main()
