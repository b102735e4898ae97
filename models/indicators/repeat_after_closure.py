"""The same resident writing again on the same topic after closure (乱作为).

Needs: feedback with user, topic and closure. Messages in the window submitted within
30 days after the closure of an earlier message by the same user on the same topic:
the case was closed but the problem was not solved. One is enough to fire; residents of
a village rarely write twice on one topic.
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators.base import Indicator

REPEAT_DAYS = 30


def measure(data: ScoringData) -> pl.DataFrame:
    messages = data.feedback.filter(pl.col("user_id").is_not_null()).select(
        "feedback_id", "region_code", "user_id", "topic", "submitted_at", "closed_at"
    )
    earlier = messages.filter(pl.col("closed_at").is_not_null()).select(
        "user_id",
        "topic",
        pl.col("feedback_id").alias("earlier_id"),
        pl.col("closed_at").alias("earlier_closed"),
    )
    repeats = (
        messages.filter(pl.col("submitted_at") >= data.window_start_ts)
        .join(earlier, on=["user_id", "topic"], nulls_equal=True)
        .filter(
            (pl.col("earlier_id") != pl.col("feedback_id"))
            & (pl.col("submitted_at") > pl.col("earlier_closed"))
            & (pl.col("submitted_at") <= pl.col("earlier_closed") + pl.duration(days=REPEAT_DAYS))
        )
        .unique("feedback_id")
    )
    per_village = repeats.group_by("region_code").agg(
        pl.len().cast(pl.Float64).alias("value"),
        pl.len().alias("sample"),
        pl.col("feedback_id").sort().alias("evidence"),
    )
    return per_village


INDICATOR = Indicator(
    id="repeat_after_closure",
    name_zh="办结后同一群众就同一问题再次反映",
    name_en="Same resident writing again on the same topic after closure",
    lead_type="wrong",
    measures="Messages in the window sent within 30 days after the closure of an earlier one by the same user on the same topic.",
    rationale="A resident writing again about the same problem soon after it was closed shows the closure did not solve it.",
    threshold_rule="At least 1 such message.",
    min_sample=1,
    unit="messages",
    evidence_table="feedback",
    measure=measure,
    threshold=1.0,
    peers=False,
)
