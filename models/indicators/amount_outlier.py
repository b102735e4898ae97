"""A village paying more than its peers for the same items, over several payments (乱作为).

Needs: non-withdrawn finance disclosures with amounts, in the window. Payments span
orders of magnitude, so amounts are compared as logarithms. For each item a village paid
at least `min_sample` times, its typical amount (the median, which no single payment
moves: one genuine large project alone cannot raise it) is compared with the typical
amounts of the other villages of the same kind for that item (their median). Villages
differ for honest reasons and a median of few payments is uncertain, so the ratio is
judged against both: the spread of villages' typical amounts around the reference, and
the spread of one village's payments around its own typical amount, shrinking with the
number of payments (a random-effects view). The village's items are also combined,
each weighted by how certain it is; the item or combination furthest beyond chance is
the village's value: how many times its peers' typical amount it pays.

Fires when that ratio passes the peers' upper fence, twice the peers' typical amount,
and the ratio chance reaches for its payments (one-sided normal, `data.chance`).

Sensitivity (tests/models/test_sensitivity.py, ledger payments spread over about an
order of magnitude, 12 in a window): a ledger inflated 5 times over three months is
found (7 of 8 villages), 3 times is not (2 of 8); no clean village fires (0 of 88).
Fewer or wilder payments need more: the bar is what chance gives for them.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
from scipy.stats import norm

from models.data import ScoringData
from models.indicators.base import Indicator

MIN_PAYMENTS = 3  # per item: the median of three is not moved by any one payment
MIN_VILLAGES = 5  # villages paying an item before their amounts are a reference
MEDIAN_NOISE = 1.2533  # a median's standard error over a mean's (√(π/2))
FLOOR = 2.0


def _mad(values: pl.Expr) -> pl.Expr:
    return 1.4826 * (values - values.median()).abs().median()


def _per_item(data: ScoringData) -> pl.DataFrame:
    payments = (
        data.disclosures.filter(
            (pl.col("published_at") >= data.window_start_ts)
            & ~pl.col("withdrawn")
            & (pl.col("amount") > 0)
        )
        .join(data.villages.select("region_code", "kind"), on="region_code")
        .with_columns(pl.col("amount").cast(pl.Float64).log().alias("log"))
    )
    per_item = payments.group_by("region_code", "kind", "item_code").agg(
        pl.col("log").median().alias("typical"),
        pl.len().alias("n"),
        pl.col("disclosure_id").sort_by("log", descending=True).alias("ids"),
        pl.col("log").sort(descending=True).alias("logs"),
    )
    # Compared with the villages of the same kind paying the item, where there are enough
    # of them, else with all villages paying it.
    per_item = per_item.with_columns(
        pl.when(pl.len().over("item_code", "kind") >= MIN_VILLAGES)
        .then(pl.col("kind"))
        .otherwise(pl.lit("*"))
        .alias("group")
    )
    grouped = payments.join(
        per_item.select("region_code", "item_code", "group"), on=["region_code", "item_code"]
    )
    # A median of n payments wanders by about MEDIAN_NOISE × spread / √n, the spread being
    # that of single payments of the item.
    noise = (MEDIAN_NOISE * pl.col("spread")).pow(2) / pl.col("n")
    spread = grouped.group_by("item_code", "group").agg(_mad(pl.col("log")).alias("spread"))
    typical = per_item.join(spread, on=["item_code", "group"])
    often = pl.col("n") >= MIN_PAYMENTS
    reference = typical.group_by("item_code", "group").agg(
        pl.col("typical").median().alias("reference"),
        pl.len().alias("villages"),
        # Villages' own differences: the spread of the typical amounts of those paying the
        # item often, beyond what the noise of their medians explains (none where too few
        # pay it often to tell).
        pl.when(often.sum() >= MIN_VILLAGES)
        .then(_mad(pl.col("typical").filter(often)).pow(2) - noise.filter(often).median())
        .otherwise(0.0)
        .clip(lower_bound=0)
        .alias("between"),
    )
    return (
        typical.filter(often)
        .join(reference, on=["item_code", "group"])
        .filter(pl.col("villages") >= MIN_VILLAGES)
        .with_columns(
            (pl.col("typical") - pl.col("reference")).alias("log_ratio"),
            (pl.col("between") + noise).clip(lower_bound=1e-6).alias("variance"),
        )
    )


def _sums(values: np.ndarray, firsts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each village's numpy.sum of `values` (its rows from `firsts`, `counts` of them):
    numpy adds an array in blocks, and a village's figures must not move in the last digit
    with the way they are added up."""
    return np.array(
        [np.sum(values[f : f + n]) for f, n in zip(firsts.tolist(), counts.tolist(), strict=True)]
    )


def measure(data: ScoringData) -> pl.DataFrame:
    items = _per_item(data)
    schema = {"region_code": pl.String, "value": pl.Float64, "needed": pl.Float64,
              "sample": pl.Int64, "evidence": pl.List(pl.String)}  # fmt: skip
    if items.is_empty():
        return pl.DataFrame(schema=schema)
    items = items.sort("region_code", "item_code").with_row_index("item")
    villages = items.group_by("region_code", maintain_order=True).agg(
        pl.col("item").first().alias("first"), pl.len().alias("items")
    )
    log_ratio = items.get_column("log_ratio").to_numpy()
    variance = items.get_column("variance").to_numpy()
    payments = items.get_column("n").to_numpy()
    firsts = villages.get_column("first").to_numpy()
    counts = villages.get_column("items").to_numpy()
    # Each village's candidates: each item, and with several items their combination
    # weighted by certainty; the one furthest beyond chance (the first such item on a tie,
    # the combination only when strictly further) is its value.
    beyond = log_ratio / np.sqrt(variance)
    furthest = np.repeat(np.maximum.reduceat(beyond, firsts), counts)
    positions = np.where(beyond == furthest, np.arange(len(beyond)), len(beyond))
    part = np.minimum.reduceat(positions, firsts)
    weights = 1 / variance
    combined = _sums(weights * log_ratio, firsts, counts) / _sums(weights, firsts, counts)
    combined_var = 1 / _sums(weights, firsts, counts)
    pick = (counts > 1) & (combined / np.sqrt(combined_var) > beyond[part])
    ratio = np.where(pick, combined, log_ratio[part])
    var = np.where(pick, combined_var, variance[part])
    samples = np.where(pick, np.add.reduceat(payments, firsts), payments[part])
    chosen = np.where(pick, -1, part)
    # The best of several candidates is held to a bar shared out over them.
    bars = norm.isf(data.chance / (counts + (counts > 1))) * np.sqrt(var)
    # math.exp, as each village's figures were first taken: numpy's may differ in the last
    # digit.
    values = [math.exp(r) for r in ratio.tolist()]
    needed = [math.exp(b) for b in bars.tolist()]
    best = villages.select(
        "region_code",
        pl.Series("part", chosen),
        pl.Series("value", values, pl.Float64),
        pl.Series("needed", needed, pl.Float64),
        pl.Series("sample", samples, pl.Int64),
    )
    # The payments of the chosen item (or of every item, for the combination) above twice
    # the reference.
    above = (
        items.select("region_code", "item", "reference", "ids", "logs")
        .join(best.select("region_code", "part"), on="region_code", maintain_order="left")
        .filter((pl.col("part") == -1) | (pl.col("part") == pl.col("item")))
        .explode("ids", "logs")
        .filter(pl.col("logs") > pl.col("reference") + math.log(FLOOR))
        .group_by("region_code", maintain_order=True)
        .agg(pl.col("ids").alias("evidence"))
    )
    return (
        best.join(above, on="region_code", how="left", maintain_order="left")
        .with_columns(pl.col("evidence").fill_null(pl.lit([], pl.List(pl.String))))
        .select(list(schema))
    )


INDICATOR = Indicator(
    id="amount_outlier",
    name_zh="同类支出金额持续高于同类村",
    name_en="Paying more than comparable villages for the same items",
    lead_type="wrong",
    measures="The village's typical (median) amount per item paid at least 3 times in the window, over the typical amounts of villages of the same kind for that item; the item, or the certainty-weighted combination of items, furthest beyond chance.",
    rationale="The same item costs about the same across villages; a village that keeps paying several times what its peers pay, over several payments, may be inflating prices or diverting funds. A median cannot be raised by one genuine large project.",
    threshold_rule="Above the peers' upper fence and 2 times the peers' typical amount, and beyond the ratio chance reaches (ScoringData.chance) given villages' spread and the number of payments.",
    min_sample=MIN_PAYMENTS,
    unit="times",
    evidence_table="disclosures",
    measure=measure,
    threshold=FLOOR,
)
