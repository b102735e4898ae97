"""Every slow and wrong indicator against a sweep of magnitudes on the independent
generator (tests/models/sensitivity.py): it finds the misconduct from the magnitude its
docstring states, not below it, and stays quiet on the clean villages beside it. The
figures are those quoted in each indicator's docstring ("Sensitivity")."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from models.indicators import PADDING, REGISTRY
from tests.models.sensitivity import SWEEPS, at
from tests.models.test_indicators import _data, _payment

# name: (largest magnitude swept that is not found, smallest that is)
LIMITS = {
    "slow_reply": (24, 48),
    "slow_clearance": (7, 14),
    "slow_review": (48, 96),
    "late_disclosures": (5, 10),
    "late_disclosures@0.5": (5, 10),
    "late_disclosures@0.25": (5, 10),
    "late_disclosures@3": (2, 5),
    "amount_outlier": (3, 5),
    "split_payments": (None, 5_000),
    "finance_corrections": (0.2, 0.3),
    "closed_without_reply": (0.4, 0.6),
    "dissatisfied_closures": (0.6, 0.8),
    "repeat_after_closure": (1, 2),
}
SLOW_AND_WRONG = [i.id for i in REGISTRY.values() if i.lead_type in ("slow", "wrong")]


def test_every_slow_and_wrong_indicator_is_swept_and_states_its_limit():
    # The padded-figure indicators read activity events, which this generator does not
    # make: their magnitudes are swept on the demo (their docstrings say so) and
    # tests/models/padding_world.py.
    swept = {name.split("@")[0] for name in SWEEPS} | {"benford"} | set(PADDING)
    assert swept == set(SLOW_AND_WRONG)
    for indicator in SLOW_AND_WRONG:
        module = __import__(f"models.indicators.{indicator}", fromlist=["x"])
        assert "Sensitivity" in module.__doc__, indicator


@pytest.mark.parametrize("name", list(LIMITS))
def test_found_from_the_stated_magnitude_and_quiet_on_clean_villages(name):
    missed, found = LIMITS[name]
    result = at(name, found)
    assert result.found, (name, found, result)
    assert result.false == 0, (name, found, result)
    if missed is not None:
        below = at(name, missed)
        assert not below.found, (name, missed, below)
        assert below.false == 0


def _ledger(rng, n: int, fabricated: float) -> np.ndarray:
    """Genuine payments span orders of magnitude (log-uniform: Benford's digits); made-up
    ones cluster on round-looking amounts of a few thousand."""
    genuine = 10 ** rng.uniform(2, 6, n)
    made_up = rng.choice([3000.0, 4800.0, 5000.0, 5600.0, 6000.0, 8000.0], n)
    return np.round(np.where(rng.random(n) < fabricated, made_up, genuine), 2)


def _benford_fires(fabricated: float, seed: int) -> bool:
    amounts = _ledger(np.random.default_rng(seed), 6000, fabricated)
    day = dt.datetime(2024, 5, 1)
    rows = [_payment(i, "210111001203", float(a), "某", day) for i, a in enumerate(amounts)]
    return not REGISTRY["benford"].evaluate(_data(disclosures=rows)).is_empty()


def test_benford_finds_a_large_ledger_with_a_fifth_made_up_and_not_a_genuine_one():
    assert [_benford_fires(0.05, seed) for seed in range(4)] == [False] * 4
    assert [_benford_fires(0.2, seed) for seed in range(4)] == [True] * 4
    assert [_benford_fires(0.0, seed) for seed in range(10)] == [False] * 10
