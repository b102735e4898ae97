"""Replies far slower than comparable villages and than the village's own past (慢作为).

Needs: feedback with first replies. The median hours from submission to first reply of
the window's replied messages (at least `min_sample`), against villages of the same
street and kind (upper fence), a floor of 24 hours (the rule is a same-day reply), and
twice the village's own median before the window when it has enough history;
only for villages that answered at least three in four of the window's
messages.
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators._timing import median_duration, slower_than_own_past
from models.indicators.base import Indicator
from schema.timing import reply_hours


def _hours(data: ScoringData) -> pl.Expr:
    return reply_hours()


def measure(data: ScoringData) -> pl.DataFrame:
    return median_duration(data, data.feedback, "submitted_at", _hours(data), "feedback_id")


def confirm(data: ScoringData, hits: pl.DataFrame) -> pl.DataFrame:
    return slower_than_own_past(data, hits, data.feedback, "submitted_at", _hours(data))


INDICATOR = Indicator(
    id="slow_reply",
    name_zh="留言回复明显慢于同类村",
    name_en="Replies far slower than comparable villages",
    lead_type="slow",
    measures="Median hours from submission to first reply of the window's replied messages.",
    rationale="The platform's rule is a reply on the day of posting; a village that takes days, when its peers and its own past take hours, is acting slowly.",
    threshold_rule="Above the peers' upper fence and 24 h, and above twice the village's own earlier median when it has at least 3 earlier replies.",
    min_sample=3,
    unit="hours",
    evidence_table="feedback",
    measure=measure,
    threshold=24.0,
    confirm=confirm,
)
