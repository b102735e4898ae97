"""Messages left without any reply (不作为).

Needs: feedback as it stood on the as-of date. Counts the window's messages submitted at
least `clearance_days` (setting, 7 by default) before the as-of date that have neither a
reply nor a closure: by then they should have been cleared, let alone answered. Fires
with at least `min_sample` such-aged messages when the unanswered share passes the peers'
upper fence and half, beyond chance at the peers' share of unanswered messages.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator, share_flagged


def measure(data: ScoringData) -> pl.DataFrame:
    age = dt.timedelta(days=data.settings.clearance_days)
    aged = data.feedback.filter(
        (pl.col("submitted_at") >= data.window_start_ts)
        & (pl.col("submitted_at") < data.as_of - age)
    )
    unanswered = pl.col("first_reply_at").is_null() & pl.col("closed_at").is_null()
    return share_flagged(aged, unanswered, pl.col("feedback_id"))


INDICATOR = Indicator(
    id="unanswered_messages",
    name_zh="群众留言长期无人回复",
    name_en="Messages left without any reply",
    lead_type="inaction",
    measures="Share of the window's messages, submitted at least the clearance time (setting clearance_days, 7) before the as-of date, with neither a reply nor a closure by then.",
    rationale="Residents' messages must be answered the same day and cleared within the clearance time; one past it without even a reply is a failure to act.",
    threshold_rule="Above both the peers' upper fence (same street and kind) and 0.5; beyond chance at the peers' unanswered share.",
    min_sample=2,
    unit="share",
    evidence_table="feedback",
    measure=measure,
    threshold=0.5,
    share=True,
)
