"""Shared by the timing indicators: a village's median duration in the window, and the
confirmations that it is slower than the district's other villages could be by chance,
slower than the village's own history, and that the village acted at all."""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import betaincinv

from models.data import ScoringData
from models.indicators.base import PEER_ROWS

HISTORY_FACTOR = 2.0  # slower than twice its own past median counts as slower than usual
HISTORY_MIN = 3  # earlier records needed before the village's own past is a yardstick
MOSTLY_ANSWERED = 0.75


def _timed(data: ScoringData, rows: pl.DataFrame, hours: pl.Expr) -> pl.DataFrame:
    return rows.with_columns(hours.alias("hours")).drop_nulls("hours")


def median_duration(
    data: ScoringData, rows: pl.DataFrame, at: str, hours: pl.Expr, evidence: str
) -> pl.DataFrame:
    """region_code, value (median hours of rows whose `at` is in the window), sample,
    evidence (longest first)."""
    return (
        _timed(data, rows, hours)
        .filter(pl.col(at) >= data.window_start_ts)
        .group_by("region_code")
        .agg(
            pl.col("hours").median().alias("value"),
            pl.len().alias("sample"),
            pl.col(evidence).sort_by("hours", descending=True).alias("evidence"),
        )
    )


TAIL = 0.1  # the top tenth of durations (at least TAIL_MIN of them) describe the tail
TAIL_MIN = 10


def tail_quantile(longest_first: np.ndarray, exceed: float) -> float:
    """The duration exceeded with probability `exceed`, among durations sorted longest
    first: read from the data where it holds enough durations that far out, else
    extrapolated beyond them along an exponential tail fitted to the longest (peaks over a
    threshold). Few durations never make a bar low: past the data the bar keeps rising
    with the tail's mean excess."""
    n = len(longest_first)
    if n == 0:
        return float("inf")
    k = min(n - 1, max(TAIL_MIN, int(np.ceil(TAIL * n))))
    if k <= 0:
        return float(longest_first[0]) * 2
    if exceed * n >= k:
        return sorted_quantile(longest_first, 1 - exceed)
    threshold = longest_first[k]
    mean_excess = float(np.mean(longest_first[:k] - threshold))
    return float(threshold + mean_excess * np.log(k / (n * exceed)))


def sorted_quantile(longest_first: np.ndarray, q: float) -> float:
    """`np.quantile(longest_first, q)` (its default, linear method) read off values already
    sorted longest first, without the copy and partition np.quantile makes on every call:
    a province's hits are each judged against a million durations."""
    n = len(longest_first)
    if n == 0 or np.isnan(longest_first[0]):  # NaN sorts last, so first here
        return float(np.quantile(longest_first, q))
    virtual = (n - 1) * np.float64(q)
    if virtual >= n - 1:
        return float(longest_first[0])
    if virtual < 0:
        return float(longest_first[-1])
    below = np.floor(virtual)
    gamma = virtual - below
    # Ascending position i is longest_first[n - 1 - i].
    a = longest_first[n - 1 - int(below)]
    b = longest_first[n - 2 - int(below)]
    # np.quantile's interpolation (numpy's _lerp), for the same last bits.
    if gamma >= 0.5:
        return float(b - (b - a) * (1 - gamma))
    return float(a + (b - a) * gamma)


def median_needed(longest_first: np.ndarray, sample: int, chance: float) -> float:
    """The median of `sample` records that the peers' durations (sorted longest first)
    would exceed by luck less often than `chance`: the duration at least half of `sample`
    draws exceed with that probability (for one record, the one exceeded with probability
    `chance`)."""
    above = (sample + 1) // 2  # at least this many of the sample lie at or above the median
    exceed = betaincinv(above, sample - above + 1, chance)  # P(Bin(sample, exceed) ≥ above)
    return tail_quantile(longest_first, exceed)


def _longest_first(durations: np.ndarray) -> np.ndarray:
    return np.sort(durations)[::-1]


def beyond_chance(
    data: ScoringData, hits: pl.DataFrame, rows: pl.DataFrame, at: str, hours: pl.Expr
) -> pl.DataFrame:
    """Keep the hits whose median is beyond what chance gives (less often than
    `data.chance`) for a sample of `judged_as` records, both among comparable villages'
    durations (same street and kind, when they hold at least PEER_ROWS) and among all the
    other villages' (a few dozen peers' records say little about a rare delay); their
    threshold becomes at least that median. Durations up to the as-of date, of villages
    that are not candidates themselves: one slow record in a village that rarely gets
    messages must be slower than all but a sliver of the others'. Each pool of durations
    is sorted once for all the hits judged against it (a province's hundreds of hits
    against a million durations)."""
    if hits.is_empty():
        return hits
    # The yardstick: villages not out of line themselves (none of the candidates), lest a
    # few slow villages raise each other's bar.
    timed = (
        _timed(data, rows, hours)
        .select("region_code", "hours")
        .filter(~pl.col("region_code").is_in(hits.get_column("region_code").implode()))
        .join(data.villages.select("region_code", *data.peers), on="region_code")
    )
    everyone = _longest_first(timed.get_column("hours").to_numpy())
    # Only the hits' own peer groups are a yardstick: a province has thousands of others.
    judged = hits.select("region_code").join(
        data.villages.select("region_code", *data.peers), on="region_code"
    )
    by_peers = {
        key: _longest_first(group.get_column("hours").to_numpy())
        for key, group in timed.join(
            judged.select(data.peers).unique(), on=data.peers, how="semi", nulls_equal=True
        )
        .partition_by(data.peers, as_dict=True)
        .items()
    }
    groups = dict(
        data.villages.select(
            "region_code", pl.concat_list(pl.col(c).cast(pl.String) for c in data.peers)
        ).iter_rows()
    )
    needed = []
    for region, judged_as in hits.select("region_code", "judged_as").iter_rows():
        peers = by_peers.get(tuple(groups[region]), everyone[:0])
        pools = [everyone, peers] if len(peers) >= PEER_ROWS else [everyone]
        needed.append(max(median_needed(pool, judged_as, data.chance) for pool in pools))
    return (
        hits.with_columns(pl.Series("needed", needed, dtype=pl.Float64))
        .filter(pl.col("value") > pl.col("needed"))
        .with_columns(pl.max_horizontal("threshold", "needed").alias("threshold"))
        .drop("needed")
    )


def mostly_answered(data: ScoringData, hits: pl.DataFrame) -> pl.DataFrame:
    """Keep the hits of villages that answered at least three in four of the window's
    messages: slow action presumes action; a village that leaves most messages
    unanswered is a case of inaction, which the inaction indicators judge."""
    answered = (
        data.feedback.filter(pl.col("submitted_at") >= data.window_start_ts)
        .group_by("region_code")
        .agg(
            (pl.col("first_reply_at").is_not_null() | pl.col("closed_at").is_not_null())
            .mean()
            .alias("answered")
        )
    )
    return (
        hits.join(answered, on="region_code", how="left")
        .filter(pl.col("answered").fill_null(1.0) >= MOSTLY_ANSWERED)
        .drop("answered")
    )


def slower_than_usual(
    data: ScoringData, hits: pl.DataFrame, rows: pl.DataFrame, at: str, hours: pl.Expr
) -> pl.DataFrame:
    """Keep the hits of villages that answered most of the window's messages, whose value
    is above twice the village's median before the window, and beyond chance among its
    peers' durations. A village with too little history (fewer than HISTORY_MIN earlier
    records) cannot show that it is slower than usual: it may always be this slow, as
    villages differ. Its median is then held to the bar of a single record, the
    strictest there is."""
    history = (
        _timed(data, rows, hours)
        .filter(pl.col(at) < data.window_start_ts)
        .group_by("region_code")
        .agg(pl.col("hours").median().alias("usual"), pl.len().alias("history"))
    )
    known = pl.col("history").fill_null(0) >= HISTORY_MIN
    judged = (
        mostly_answered(data, hits)
        .join(history, on="region_code", how="left")
        .filter(~known | (pl.col("value") > HISTORY_FACTOR * pl.col("usual")))
        .with_columns(pl.when(known).then(pl.col("sample")).otherwise(1).alias("judged_as"))
        .drop("usual", "history")
    )
    return beyond_chance(data, judged, rows, at, hours).drop("judged_as")
