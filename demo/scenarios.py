"""Scenarios of one kind each, planted in villages that otherwise behave normally.

Each scenario draws from a stream of its own, named after it and derived from the seed
(never from the export's main generator), and only adds rows or changes rows of its own
villages. So every other row of an export is the same with or without it, and adding a
scenario later changes no existing one. Villages are chosen in the order of `KINDS`,
each scenario among those no earlier one (nor the all-round misbehaviour of
`misconduct.assign`) took.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from demo.window import Window, month_starts
from schema.timing import next_month


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of `name`'s draws for `seed`: independent of the main one and of
    every other name, whatever order they are used in."""
    key = zlib.crc32(name.encode())
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


@dataclass(frozen=True)
class Kind:
    name: str
    lead_type: str | None  # None: a near miss, which no lead should flag
    months: tuple[int, int]  # how long it lasts, in months (inclusive range)


# The order villages are chosen in: append new kinds at the end.
KINDS = (
    Kind("padded_activity", "wrong", (2, 4)),
    Kind("burst_registrations", "wrong", (1, 3)),
    Kind("inflated_spending", "wrong", (3, 5)),
    Kind("late_disclosure", "slow", (3, 5)),
    Kind("split_payments", "wrong", (2, 4)),
    Kind("registration_campaign", None, (2, 3)),
)


@dataclass(eq=False)
class Scenario:
    kind: Kind
    region_code: str
    start: dt.date  # first day
    end: dt.date  # last day
    rng: np.random.Generator = field(repr=False)
    details: dict = field(default_factory=dict)  # its magnitudes, for the manifest

    @property
    def name(self) -> str:
        return self.kind.name

    def months(self) -> list[dt.date]:
        return month_starts(self.start, self.end)


def choose(behaviour: pl.DataFrame, window: Window, seed: int) -> list[Scenario]:
    """One scenario of each kind in about 1 % of the villages (at least one each), each in
    a window of whole months somewhere in the data's span."""
    taken = set(behaviour.filter(pl.col("lead_type").is_not_null()).get_column("region_code"))
    codes = behaviour.get_column("region_code").to_list()
    per_kind = max(1, round(len(codes) * 0.01))
    months = month_starts(window.start, window.end)
    chosen = []
    for kind in KINDS:
        rng = stream(seed, kind.name)
        free = [c for c in codes if c not in taken]
        picks = rng.choice(len(free), size=min(per_kind, len(free)), replace=False)
        for code in sorted(free[i] for i in picks):
            length = min(len(months), int(rng.integers(kind.months[0], kind.months[1] + 1)))
            first = int(rng.integers(0, len(months) - length + 1))
            start = months[first]
            end = min(next_month(months[first + length - 1]) - dt.timedelta(days=1), window.end)
            chosen.append(Scenario(kind, code, start, end, rng))
            taken.add(code)
    return chosen


def labels(scenarios: list[Scenario], villages: pl.DataFrame) -> pl.DataFrame:
    """The misconduct scenarios' labels (near misses are not misconduct: not labelled)."""
    rows = [
        {
            "region_code": s.region_code,
            "lead_type": s.kind.lead_type,
            "scenario": s.name,
            "lead_start": s.start,
            "lead_end": s.end,
        }
        for s in scenarios
        if s.kind.lead_type is not None
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "region_code": pl.String,
            "lead_type": pl.String,
            "scenario": pl.String,
            "lead_start": pl.Date,
            "lead_end": pl.Date,
        },
    )
    return frame.join(
        villages.select("region_code", "name", "street_code"), on="region_code", how="left"
    )


def manifest(scenarios: list[Scenario]) -> dict:
    def entry(s: Scenario) -> dict:
        return {
            "region_code": s.region_code,
            "scenario": s.name,
            "lead_type": s.kind.lead_type,
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            **s.details,
        }

    return {
        "scenarios": [entry(s) for s in scenarios if s.kind.lead_type is not None],
        "near_misses": [entry(s) for s in scenarios if s.kind.lead_type is None],
    }
