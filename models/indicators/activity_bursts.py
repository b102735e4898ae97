"""A month's activity concentrated in a few short bursts (乱作为, 刷活跃度).

Needs: residents' activity events (activity joined to users for the village), counted in
SQL per village and clock hour by datastore/activity.py (month_bursts), and the month's
active residents (mart_village_month). Rows looked at: the events of every month
overlapping the window, each month up to the as-of date (the months whose ranked figures
stand by then).

A burst hour is one in which at least ten of the village's residents had events and more
than its own pace explains (`BurstRule`: the village's events per hour over the month,
times three for the busiest hour of a day, plus five Poisson standard deviations). The
value is the share of a month's active residents all of whose events that month fell in
burst hours, in the window's worst month: residents logged in by someone else in one
sitting (代登录) have nothing else in the month.

Why the threshold is what it is: above the upper fence of the district's villages of the
same kind and at least 15 %. Residents visit on their own at scattered hours; ten at once,
beyond the village's own busiest hour, is rare, and the few whose single visit of the
month happens to fall in such an hour stay far under 15 % (nil on every village of the
district demo). Months with fewer than 30 active residents are not judged.

Evidence: the residents counted, as user id and the time of their first event.

Sensitivity (the district demo, idle residents logged in three a minute on the month's
last two afternoons for three months, the share of the idle swept 5–40 %): found from 10 %
(a third of the month's active residents in bursts), missed at 5 % (14 %, under the
floor); no other village flagged at any setting.
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators._padding import PEERS, worst_month_share
from models.indicators.base import Indicator

FLOOR = 0.15


def measure(data: ScoringData) -> pl.DataFrame:
    return worst_month_share(data, "burst_only", "burst_evidence", FLOOR)


INDICATOR = Indicator(
    id="activity_bursts",
    name_zh="活跃集中于少数时段",
    name_en="A month's activity in a few short bursts",
    lead_type="wrong",
    measures="Highest share, over the window's months, of a month's active residents whose every event that month fell in burst hours (10 or more residents, beyond the village's own pace).",
    rationale="Residents visit at scattered hours; hundreds active only within a few hours of one afternoon look logged in by someone else to lift the activity rate.",
    threshold_rule="Above both the upper fence of the district's villages of the same kind and 15 %, in a month with at least 30 active residents.",
    min_sample=30,
    unit="share",
    evidence_table="activity",
    measure=measure,
    threshold=FLOOR,
    peer_columns=PEERS,
)
