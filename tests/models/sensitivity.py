"""Sweeping a misconduct's magnitude on the independent generator (tests/models/synthetic.py):
which magnitudes an indicator detects, and how often it fires on the clean villages
beside them. Used by test_sensitivity.py; `python -m tests.models.sensitivity` prints
the whole table the indicators' docstrings quote."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.data import prepare
from models.indicators import REGISTRY
from tests.models.synthetic import District, Misconduct, generate

START = dt.date(2024, 3, 1)  # misconduct from March to May
JUDGED = [dt.date(2024, 3, 31), dt.date(2024, 4, 30), dt.date(2024, 5, 31), dt.date(2024, 6, 30)]
TARGETS = (2, 17, 28, 43)  # one village in each of the four streets
SEEDS = (11, 12)


@dataclass(frozen=True)
class Result:
    detected: int  # targets found in some window, over all seeds
    targets: int
    false: int  # clean villages firing in some window, over all seeds
    clean: int

    @property
    def found(self) -> bool:
        """Detected: at least three in four of the villages made to misbehave."""
        return self.detected >= 0.75 * self.targets


def run(indicator: str, kind: str, magnitude: float = 1.0, share: float = 1.0,
        settings: dict | None = None) -> Result:  # fmt: skip
    detected = false = clean = targets = 0
    for seed in SEEDS:
        place = District(seed=seed)
        misconduct = [Misconduct(kind, v, START, 3, magnitude, share) for v in TARGETS]
        records = generate(place, misconduct, settings)
        hits = set()
        for day in JUDGED:  # every window that sees some of it, as the span is scored
            found = REGISTRY[indicator].evaluate(prepare(records, day))
            hits |= set(found.get_column("region_code"))
        codes = records.villages.get_column("region_code").to_list()
        wrong = {codes[v] for v in TARGETS}
        detected += len(hits & wrong)
        false += len(hits - wrong)
        targets += len(wrong)
        clean += len(codes) - len(wrong)
    return Result(detected, targets, false, clean)


# name (indicator@variant): (kind of misconduct, share, magnitudes swept, unit[, settings])
SWEEPS = {
    "slow_reply": ("slow_reply", 1.0, (12, 24, 48, 96, 192), "hours to reply (peers: 4)"),
    "slow_clearance": ("slow_clearance", 1.0, (3, 7, 14, 28), "days to close (peers: 2)"),
    "slow_review": ("slow_review", 1.0, (24, 48, 96, 192, 384), "hours to review (peers: 12)"),
    "late_disclosures": ("late", 1.0, (5, 10, 20, 30, 60), "days late, every periodic item"),
    "late_disclosures@0.5": ("late", 0.5, (5, 10, 20, 30, 60), "days late, half the periodic items"),
    "late_disclosures@0.25": ("late", 0.25, (5, 10, 20, 30, 60), "days late, a quarter of the periodic items"),
    "late_disclosures@3": ("late", 1.0, (2, 5, 10), "days late, every periodic item; late_days 3", {"late_days": 3}),
    "amount_outlier": ("inflate", 1.0, (1.5, 2, 3, 5, 10), "times the usual ledger payment"),
    "split_payments": ("split", 1.0, (5_000, 10_000, 20_000, 30_000, 50_000, 100_000), "yuan threshold split under (not configured)"),
    "finance_corrections": ("corrections", 1.0, (0.1, 0.2, 0.3, 0.5), "share of finance disclosures corrected"),
    "closed_without_reply": ("closed_silently", 1.0, (0.2, 0.4, 0.6, 0.8), "share of messages closed without reply"),
    "dissatisfied_closures": ("dissatisfied", 1.0, (0.2, 0.4, 0.6, 0.8), "share of closures rated dissatisfied"),
    "repeat_after_closure": ("repeat", 1.0, (0.5, 1, 2, 3), "residents writing again (×1/3 of closures)"),
}  # fmt: skip


SHARES = ("corrections", "closed_silently", "dissatisfied")  # the magnitude is the share


def at(name: str, magnitude: float) -> Result:
    kind, share, _, _, *settings = SWEEPS[name]
    indicator = name.split("@")[0]
    if kind in SHARES:
        return run(indicator, kind, 1.0, magnitude, *settings)
    return run(indicator, kind, magnitude, share, *settings)


def sweep(name: str) -> list[tuple[float, Result]]:
    return [(m, at(name, m)) for m in SWEEPS[name][2]]


if __name__ == "__main__":
    for name, (_, _, _, unit, *_) in SWEEPS.items():
        cells = [
            f"{m:g}: {r.detected}/{r.targets} found, {r.false}/{r.clean} false"
            for m, r in sweep(name)
        ]
        print(f"{name} ({unit}): " + "; ".join(cells), flush=True)
