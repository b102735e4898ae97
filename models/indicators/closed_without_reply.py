"""Messages closed without any reply (乱作为).

Needs: feedback as it stood on the as-of date. The share of the window's closed messages
that were closed with no reply before the closure, with at least `min_sample`, against
the peers' fence and a quarter, beyond what the peers' share gives by chance.

Sensitivity (tests/models/test_sensitivity.py, where peers answer every message):
six in ten messages closed without a reply over three months are found (6 of 8
villages), four in ten are not (2 of 8: villages get two messages a month); no clean
village fires (0 of 88).
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator, share_flagged


def measure(data: ScoringData) -> pl.DataFrame:
    silent = pl.col("first_reply_at").is_null() | (pl.col("first_reply_at") > pl.col("closed_at"))
    closed = data.feedback.filter(
        (pl.col("submitted_at") >= data.window_start_ts) & pl.col("closed_at").is_not_null()
    )
    return share_flagged(closed, silent, pl.col("feedback_id"))


INDICATOR = Indicator(
    id="closed_without_reply",
    name_zh="留言未回复即办结",
    name_en="Messages closed without any reply",
    lead_type="wrong",
    measures="Share of the window's closed messages that were closed with no reply first.",
    rationale="Closing a message without answering it makes the clearance figures look good while the resident heard nothing.",
    threshold_rule="Beyond chance at the peers' share (base.beyond_chance), and above both the peers' upper fence and 0.25.",
    min_sample=3,
    unit="share",
    evidence_table="feedback",
    measure=measure,
    share=True,
    threshold=0.25,
)
