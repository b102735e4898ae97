"""Replies far slower than comparable villages and than the village's own past (慢作为).

Needs: feedback with first replies. The median hours from submission to first reply of
the window's replied messages, against villages of the same street and kind (upper
fence), the local reply time (setting reply_hours, 24 hours by default: the rule is a
reply on the day of posting), the median that chance gives for so few messages among
the replies of villages not out of line themselves (their street's and the whole
district's: _timing.beyond_chance), and twice the village's own median before the
window; only for villages that answered at least three in four of the window's
messages. Villages get a few messages a month, so a single message counts; it, and a
village without three earlier replies to compare with, must be slower than all but a
sliver of the others' replies (the span's chance bar, ScoringData.chance).

Sensitivity (tests/models/test_sensitivity.py, on the independent generator of
tests/models/synthetic.py, where peers reply in about 4 hours and villages get two
messages a month): replies taking 48 hours over three months are found (8 of 8
villages), 24 hours are not (1 of 8); no clean village fires at either (0 of 88).
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators._timing import median_duration, slower_than_usual
from models.indicators.base import Indicator
from schema.timing import reply_hours


def measure(data: ScoringData) -> pl.DataFrame:
    return median_duration(data, data.feedback, "submitted_at", reply_hours(), "feedback_id")


def confirm(data: ScoringData, hits: pl.DataFrame) -> pl.DataFrame:
    return slower_than_usual(data, hits, data.feedback, "submitted_at", reply_hours())


INDICATOR = Indicator(
    id="slow_reply",
    name_zh="留言回复明显慢于同类村",
    name_en="Replies far slower than comparable villages",
    lead_type="slow",
    measures="Median hours from submission to first reply of the window's replied messages.",
    rationale="The platform's rule is a reply on the day of posting; a village that takes days, when its peers and its own past take hours, is acting slowly.",
    threshold_rule="Above the peers' upper fence, the local reply time (setting reply_hours, 24 h) and the median chance gives among villages not out of line themselves with as few messages; above twice the village's own earlier median when it has at least 3 earlier replies.",
    min_sample=1,
    unit="hours",
    evidence_table="feedback",
    measure=measure,
    threshold=lambda settings: settings.reply_hours,
    confirm=confirm,
)
