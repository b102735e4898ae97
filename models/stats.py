"""Robust statistics for peer comparisons, chance at a rate with rows that cluster, and
Benford's law."""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import binom, chi2

FENCE_IQR = 1.5  # Tukey's outer-fence multiple: beyond it a value is an outlier among peers


def peer_fences(frame: pl.DataFrame, value: str, by: list[str], min_peers: int = 5) -> pl.DataFrame:
    """Adds peer_median and upper_fence (Q3 + 1.5 IQR) of `value` within groups `by`.

    Groups with fewer than `min_peers` non-null values borrow the statistics of all rows,
    so that a small street is still compared with something.
    """

    def stats(prefix: str) -> list[pl.Expr]:
        q1, q3 = pl.col(value).quantile(0.25, "linear"), pl.col(value).quantile(0.75, "linear")
        return [
            pl.col(value).median().alias(f"{prefix}median"),
            (q3 + FENCE_IQR * (q3 - q1)).alias(f"{prefix}fence"),
            pl.col(value).count().alias(f"{prefix}n"),
        ]

    overall = frame.select(stats("all_")).row(0, named=True)
    grouped = frame.group_by(by).agg(stats("g_"))
    return (
        frame.join(grouped, on=by, how="left")
        .with_columns(
            pl.when(pl.col("g_n") >= min_peers)
            .then(pl.col("g_median"))
            .otherwise(pl.lit(overall["all_median"]))
            .alias("peer_median"),
            pl.when(pl.col("g_n") >= min_peers)
            .then(pl.col("g_fence"))
            .otherwise(pl.lit(overall["all_fence"]))
            .alias("upper_fence"),
        )
        .drop("g_median", "g_fence", "g_n")
    )


def strength(value: pl.Expr, threshold: pl.Expr, peer_median: pl.Expr) -> pl.Expr:
    """How far past its threshold a value is: 0.5 at the threshold, rising to 0.95 when as
    far beyond it again as the threshold is beyond the peers' median. It stops short of 1
    so that a lead on several indicators outweighs one on a single indicator."""
    spread = pl.max_horizontal((threshold - peer_median).abs(), pl.lit(1e-9))
    return (0.5 + 0.45 * (value - threshold) / spread).clip(0.5, 0.95)


# Nigrini's first-two-digits test: a mean absolute deviation above this is nonconformity.
BENFORD_F2_NONCONFORMITY = 0.0022


def first_two_digits(amounts: np.ndarray) -> np.ndarray:
    """First two significant digits (10–99) of positive amounts; 0.5 counts as 50."""
    positive = amounts[amounts > 0].astype(float)
    exponent = np.floor(np.log10(positive))
    digits = np.floor(positive / 10.0 ** (exponent - 1) + 1e-9).astype(int)
    return np.clip(digits, 10, 99)


def benford_f2_mad(amounts: np.ndarray) -> tuple[float, int]:
    """Mean absolute deviation of the first-two-digit proportions from Benford's, and how
    many positive amounts it rests on."""
    amounts = np.asarray(amounts)
    mads, counts = benford_f2_mads(amounts, np.zeros(len(amounts), dtype=np.int64), 1)
    return float(mads[0]), int(counts[0])


def benford_f2_mads(
    amounts: np.ndarray, groups: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """`benford_f2_mad` of each ledger at once: amounts with the index of their ledger
    (0 … n_groups − 1); NaN and 0 for a ledger without a positive amount."""
    amounts = np.asarray(amounts)
    digits = first_two_digits(amounts)
    ledgers = np.asarray(groups)[amounts > 0]
    counts = np.bincount(ledgers * 90 + digits - 10, minlength=n_groups * 90)
    counts = counts.reshape(n_groups, 90)
    n = counts.sum(axis=1)
    expected = np.log10(1 + 1 / np.arange(10, 100))
    with np.errstate(invalid="ignore", divide="ignore"):
        actual = counts / n[:, None]
    return np.mean(np.abs(actual - expected), axis=1), n


# The mean of χ²(1) below its 90th percentile: what TRIMMED of the smallest Pearson
# contributions average when villages differ by chance alone.
TRIMMED = 0.9
_CHI2_TRIMMED_MEAN = float(chi2.expect(lambda x: x, args=(1,), ub=chi2.ppf(TRIMMED, 1)) / TRIMMED)


def dispersion(per_village: pl.DataFrame) -> float:
    """How much more villages' shares (`value` of `sample` rows) differ than if every row
    were flagged independently at the pooled rate: the Pearson dispersion over the
    villages, the most extreme tenth left out (they may be the very villages sought),
    at least 1. Rows come in clusters (a month's items published together, a batch of
    messages closed in one go): a village's rows then count for fewer."""
    measured = per_village.filter(pl.col("sample") > 0)
    n = measured.get_column("sample").cast(pl.Float64).to_numpy()
    f = measured.get_column("value").to_numpy() * n
    if len(n) < 10:
        return 1.0
    p = f.sum() / n.sum()
    if p <= 0 or p >= 1:
        return 1.0
    contributions = np.sort((f - n * p) ** 2 / (n * p * (1 - p)))
    kept = contributions[: int(np.floor(TRIMMED * len(contributions)))]
    return max(1.0, float(kept.mean() / _CHI2_TRIMMED_MEAN))


def share_needed(
    sample: np.ndarray, rate: np.ndarray | float, chance: float, dispersed: float = 1.0
) -> np.ndarray:
    """The share of `sample` rows above which so many flagged rows would come up less
    often than `chance` at the `rate` (Binomial(sample / dispersed, rate): rows counting
    for fewer where they come in clusters): half a row below the fewest rows that are
    that unlikely."""
    sample = np.asarray(sample, dtype=float)
    effective = np.maximum(sample / dispersed, 1)
    fewest = binom.isf(chance, np.floor(effective), rate) + 1  # smallest k: P(X ≥ k) ≤ chance
    return (fewest - 0.5) / np.floor(effective)
