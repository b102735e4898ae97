"""Messages closed and rated 不满意 (乱作为).

Needs: feedback with satisfaction (known once closed). The share of the window's rated
messages rated dissatisfied, with at least `min_sample`, against the peers' fence and
40 %, beyond what the peers' share gives by chance: closing cases that residents say
were not solved.

Sensitivity (tests/models/test_sensitivity.py, where 3 % of closures are rated
dissatisfied): eight in ten closures rated dissatisfied over three months are found
(6 of 8 villages), six in ten are not (4 of 8: villages get two messages a month); no
clean village fires (0 of 88).
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator, share_flagged


def measure(data: ScoringData) -> pl.DataFrame:
    unhappy = pl.col("satisfaction") == "dissatisfied"
    rated = data.feedback.filter(
        (pl.col("submitted_at") >= data.window_start_ts)
        & pl.col("satisfaction").is_in(["satisfied", "fairly_satisfied", "dissatisfied"])
    )
    return share_flagged(rated, unhappy, pl.col("feedback_id"))


INDICATOR = Indicator(
    id="dissatisfied_closures",
    name_zh="办结后群众不满意",
    name_en="Closed messages rated dissatisfied",
    lead_type="wrong",
    measures="Share of the window's rated messages rated 不满意 (dissatisfied).",
    rationale="A closure the resident rates as unsatisfactory suggests the case was closed without being solved.",
    threshold_rule="Beyond chance at the peers' share (base.beyond_chance), and above both the peers' upper fence and 0.4.",
    min_sample=3,
    unit="share",
    evidence_table="feedback",
    measure=measure,
    share=True,
    threshold=0.4,
)
