"""A district's own practice: the constants that differ from one place to the next.

`STANDARD` is the seed district's as the demo has always generated it (the 50,000-yuan
approval threshold of most Liaoning village regulations, its payment sizes, its pace of
replies). `drawn(seed)` gives another district's, from a stream of its own, so that the
leads are tried on practice they were not tuned to while every draw of the rest of the
export stays the same: each constant only scales or shifts values drawn as before.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from demo.scenarios import stream

PRACTICES = ("standard", "drawn")


@dataclass(frozen=True)
class Practice:
    approval_threshold: float  # yuan: a payment at or above it needs the villagers' assembly
    payment_scale: float  # multiplies every payment's typical size
    same_day_reply: float  # the typical village's share of messages answered the same day
    closure_days: float  # median days from the first reply to closure

    def manifest(self) -> dict:
        return asdict(self)


STANDARD = Practice(
    approval_threshold=50_000.0, payment_scale=1.0, same_day_reply=0.93, closure_days=1.6
)

# Thresholds found in village regulations; 50,000 is the most common, never the only one.
THRESHOLDS = (20_000.0, 30_000.0, 50_000.0, 100_000.0)


def drawn(seed: int) -> Practice:
    rng = stream(seed, "practice")
    return Practice(
        approval_threshold=float(rng.choice(THRESHOLDS, p=[0.3, 0.3, 0.15, 0.25])),
        payment_scale=round(float(np.exp(rng.uniform(np.log(0.4), np.log(2.5)))), 3),
        same_day_reply=round(float(rng.uniform(0.84, 0.97)), 3),
        closure_days=round(float(rng.uniform(0.8, 3.5)), 2),
    )


def practice_of(name: str, seed: int) -> Practice:
    if name == "standard":
        return STANDARD
    if name == "drawn":
        return drawn(seed)
    raise ValueError(f"unknown practice {name!r}; known: {', '.join(PRACTICES)}")
