"""A ledger whose digits break Benford's law (乱作为).

Needs: finance disclosures with amounts, all published before the as-of date (a ledger's
digits need many amounts). Nigrini's first-two-digits test: the mean absolute deviation
of the 90 first-two-digit proportions from Benford's; above 0.0022 is nonconformity.
Stays silent below `min_sample` amounts: Nigrini's ranges assume large ledgers, and
below about 5,000 amounts sampling noise alone pushes a genuine ledger's MAD past 0.0022
(for n amounts it is about √(0.007 / n)). Village ledgers are rarely that large; it
speaks for large ones.

Sensitivity (tests/models/test_sensitivity.py): a ledger of 6,000 payments of which
a fifth are made up (round-looking amounts of a few thousand) is found (4 of 4), a
twentieth is not (0 of 4); genuine ledgers never fire (0 of 10).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator
from models.stats import BENFORD_F2_NONCONFORMITY, benford_f2_mads


def measure(data: ScoringData) -> pl.DataFrame:
    ledgers = (
        data.disclosures.filter(
            (pl.col("category") == "finance") & ~pl.col("withdrawn") & (pl.col("amount") > 0)
        )
        .group_by("region_code")
        .agg(pl.col("amount").cast(pl.Float64))
        .with_row_index("ledger")
    )
    amounts = ledgers.select("ledger", "amount").explode("amount")
    mads, counts = benford_f2_mads(
        amounts.get_column("amount").to_numpy(),
        amounts.get_column("ledger").to_numpy().astype(np.int64),
        ledgers.height,
    )
    return ledgers.select(
        "region_code",
        pl.Series("value", mads, dtype=pl.Float64),
        pl.Series("sample", counts, dtype=pl.Int64),
        pl.lit([], dtype=pl.List(pl.String)).alias("evidence"),
    )


INDICATOR = Indicator(
    id="benford",
    name_zh="财务数据首两位数字偏离本福特定律",
    name_en="Ledger digits breaking Benford's law",
    lead_type="wrong",
    measures="Mean absolute deviation of the ledger's first-two-digit proportions from Benford's (Nigrini).",
    rationale="Genuine payment amounts follow Benford's law closely; invented or manipulated amounts usually do not.",
    threshold_rule="MAD above 0.0022 (Nigrini's nonconformity), with at least 5,000 amounts.",
    min_sample=5000,
    unit="MAD",
    evidence_table="disclosures",
    measure=measure,
    threshold=BENFORD_F2_NONCONFORMITY,
    peers=False,
)
