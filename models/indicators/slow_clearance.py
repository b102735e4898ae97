"""Messages cleared far slower than at comparable villages (慢作为).

Needs: feedback with replies and closures. The median hours from submission to closure
of the window's answered messages; one still open on the as-of date counts with its age
so far, so that not closing cannot look fast. Messages never answered are left to the
inaction indicators: this one is about acting, slowly (and, as for replies, only for
villages that answered at least three in four of the window's messages). Against the
peers' upper fence, the local clearance time (setting clearance_days, 7 days by
default), the median chance gives for so few messages among villages not out of line
themselves (_timing.beyond_chance), and twice the village's own earlier median. At least three messages: a single message still
open counts with its age, which can be months, and would carry a village alone.

Sensitivity (tests/models/test_sensitivity.py, where peers close about 2 days after
replying): closures taking 14 days after the reply are found (7 of 8 villages), 7 days,
the local rule itself, are not (1 of 8); no clean village fires (0 of 88).
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators._timing import median_duration, slower_than_usual
from models.indicators.base import Indicator
from schema.timing import hours_between


def _hours(data: ScoringData) -> pl.Expr:
    until = pl.col("closed_at").fill_null(pl.lit(data.as_of))
    return hours_between(pl.col("submitted_at"), until)


def _answered(data: ScoringData) -> pl.DataFrame:
    return data.feedback.filter(pl.col("first_reply_at").is_not_null())


def measure(data: ScoringData) -> pl.DataFrame:
    return median_duration(data, _answered(data), "submitted_at", _hours(data), "feedback_id")


def confirm(data: ScoringData, hits: pl.DataFrame) -> pl.DataFrame:
    return slower_than_usual(data, hits, _answered(data), "submitted_at", _hours(data))


INDICATOR = Indicator(
    id="slow_clearance",
    name_zh="留言办结明显慢于同类村",
    name_en="Messages cleared far slower than comparable villages",
    lead_type="slow",
    measures="Median hours from submission to closure of the window's answered messages (open ones count with their age on the as-of date).",
    rationale="Messages must be cleared within the clearance time; taking weeks where peers take a day or two is slow action.",
    threshold_rule="Above the peers' upper fence, the local clearance time (setting clearance_days, 7 days) and the median chance gives among villages not out of line themselves with as few messages; above twice the village's own earlier median when it has at least 3 earlier messages.",
    min_sample=3,
    unit="hours",
    evidence_table="feedback",
    measure=measure,
    threshold=lambda settings: 24.0 * settings.clearance_days,
    confirm=confirm,
)
