"""The same resident writing again on the same topic after closure (乱作为).

Needs: feedback with user, topic and closure. The share of the window's messages that
were submitted within 30 days after the closure of an earlier message by the same user
on the same topic: the case was closed but the problem was not solved. Residents do
write twice now and then, so one repeat proves little; a village where a good part of
the messages come back, far more than at its peers, closes cases without solving them.

Fires with at least `min_sample` messages when the share passes the peers' upper fence
and 0.2, beyond what the peers' rate of repeats gives by chance.

Sensitivity (tests/models/test_sensitivity.py, where residents rarely write twice):
residents writing again after two in three closures are found (7 of 8 villages), after
one in three are not (5 of 8); no clean village fires (0 of 88).
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator, share_flagged

REPEAT_DAYS = 30


def measure(data: ScoringData) -> pl.DataFrame:
    messages = data.feedback.select(
        "feedback_id", "region_code", "user_id", "topic", "submitted_at", "closed_at"
    )
    earlier = messages.filter(
        pl.col("closed_at").is_not_null() & pl.col("user_id").is_not_null()
    ).select(
        "user_id",
        "topic",
        pl.col("feedback_id").alias("earlier_id"),
        pl.col("closed_at").alias("earlier_closed"),
    )
    window = messages.filter(pl.col("submitted_at") >= data.window_start_ts)
    repeats = (
        window.join(earlier, on=["user_id", "topic"], nulls_equal=True)
        .filter(
            (pl.col("earlier_id") != pl.col("feedback_id"))
            & (pl.col("submitted_at") > pl.col("earlier_closed"))
            & (pl.col("submitted_at") <= pl.col("earlier_closed") + pl.duration(days=REPEAT_DAYS))
        )
        .select("feedback_id")
        .unique()
        .with_columns(pl.lit(True).alias("repeat"))
    )
    marked = window.join(repeats, on="feedback_id", how="left").with_columns(
        pl.col("repeat").fill_null(False)
    )
    return share_flagged(marked, pl.col("repeat"), pl.col("feedback_id"))


INDICATOR = Indicator(
    id="repeat_after_closure",
    name_zh="办结后同一群众就同一问题再次反映",
    name_en="Same resident writing again on the same topic after closure",
    lead_type="wrong",
    measures="Share of the window's messages sent within 30 days after the closure of an earlier one by the same user on the same topic.",
    rationale="A resident writing again about the same problem soon after it was closed shows the closure did not solve it.",
    threshold_rule="Above both the peers' upper fence and 0.2, beyond what the peers' rate of repeats gives by chance.",
    min_sample=3,
    unit="share",
    evidence_table="feedback",
    measure=measure,
    threshold=0.2,
    share=True,
)
