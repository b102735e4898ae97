"""Benford's first-two-digits test against the published figures of Nigrini's ledger."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from models.stats import BENFORD_F2_NONCONFORMITY, benford_f2_mad, first_two_digits
from tests.conftest import SHARED

LEDGER = SHARED / "reference-data" / "benford" / "corporate_payment.csv"


def test_matches_the_published_mad_of_the_corporate_payments_ledger():
    amounts = pl.read_csv(LEDGER).get_column("amount").to_numpy()
    mad, n = benford_f2_mad(amounts)
    assert n == 185_083  # the positive amounts
    assert mad == pytest.approx(0.002336614, abs=5e-10)
    assert mad > BENFORD_F2_NONCONFORMITY  # Nigrini: nonconformity


def test_the_largest_excesses_are_at_the_published_digits():
    amounts = pl.read_csv(LEDGER).get_column("amount").to_numpy()
    digits = first_two_digits(amounts)
    actual = np.bincount(digits, minlength=100)[10:100] / len(digits)
    expected = np.log10(1 + 1 / np.arange(10, 100))
    excess = (actual - expected) * len(digits)
    top = [int(d) + 10 for d in np.argsort(-np.abs(excess))[:5]]  # absolute differences
    assert top == [50, 11, 10, 14, 98]


def test_small_amounts_count_with_their_first_two_significant_digits():
    assert first_two_digits(np.array([0.5, 0.0123, 7, 99.9, 100, 1234.5, -3, 0])).tolist() == [
        50, 12, 70, 99, 10, 12,
    ]  # fmt: skip


def test_a_benford_sample_conforms():
    rng = np.random.default_rng(0)
    amounts = 10 ** rng.uniform(1, 6, 50_000)  # log-uniform: Benford-distributed
    mad, _ = benford_f2_mad(amounts)
    assert mad <= 0.0018  # Nigrini's acceptable conformity
