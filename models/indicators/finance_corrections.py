"""Finance disclosures corrected or withdrawn after publication (乱作为).

Needs: finance disclosures with their status as of the as-of date. The share of the
window's finance disclosures corrected or withdrawn by then, with at least `min_sample`,
against the peers' upper fence and 15 %, beyond what the peers' share gives by chance:
a slip now and then is normal, accounts that keep changing after residents saw them are
not.

Sensitivity (tests/models/test_sensitivity.py, where 1 % of disclosures are corrected):
three in ten of the finance disclosures corrected over three months are found (6 of 8
villages), two in ten are not (4 of 8); no clean village fires (0 of 88).
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator, share_flagged


def measure(data: ScoringData) -> pl.DataFrame:
    finance = data.disclosures.filter(
        (pl.col("published_at") >= data.window_start_ts) & (pl.col("category") == "finance")
    )
    return share_flagged(finance, pl.col("changed"), pl.col("disclosure_id"))


INDICATOR = Indicator(
    id="finance_corrections",
    name_zh="财务公开发布后频繁更正撤回",
    name_en="Finance disclosures corrected or withdrawn after publication",
    lead_type="wrong",
    measures="Share of the window's finance disclosures corrected or withdrawn by the as-of date.",
    rationale="Published accounts that are often changed afterwards can hide what was first shown to residents.",
    threshold_rule="Beyond chance at the peers' share (base.beyond_chance), and above both the peers' upper fence and 0.15.",
    min_sample=5,
    unit="share",
    evidence_table="disclosures",
    measure=measure,
    share=True,
    threshold=0.15,
)
