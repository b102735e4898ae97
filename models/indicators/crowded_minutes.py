"""Residents whose only events of a month fall in the same minutes as many others (乱作为).

Needs: residents' activity events, counted in SQL per village and minute by
datastore/activity.py (month_bursts), and the month's active residents
(mart_village_month). Rows looked at: the events of every month overlapping the window,
each month up to the as-of date.

A crowded minute is one in which at least ten of the village's residents had events (and
more than its own pace explains, `BurstRule`). Ten residents of one village acting in the
same minute is beyond anyone doing it by hand: it takes a script or a roomful of phones
handed over. The value is the share of a month's active residents all of whose events
that month fell in crowded minutes, in the window's worst month. A village meeting where
everyone opens the app at once crowds a minute too, but those residents also visit on
their own and are not counted.

Why the threshold is what it is: above the upper fence of the district's villages of the
same kind and at least 10 %. On data with nothing injected, a village's busiest minute of
a month holds a handful of residents at most, so the share is nil; a tenth of the month's
activity packed into crowded minutes does not happen by chance. Months with fewer than 30
active residents are not judged.

Evidence: the residents counted, as user id and the time of their first event.

Sensitivity (the district demo, idle residents logged in by a script sixty a minute at the
month's end for three months, the share of the idle swept 5–40 %): found from 5 % (14 % of
the month's active residents); no other village flagged at any setting.
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators._padding import PEERS, worst_month_share
from models.indicators.base import Indicator

FLOOR = 0.10


def measure(data: ScoringData) -> pl.DataFrame:
    return worst_month_share(data, "crowded_only", "crowded_evidence", FLOOR)


INDICATOR = Indicator(
    id="crowded_minutes",
    name_zh="多人同一分钟集中活跃",
    name_en="Residents active only in crowded minutes",
    lead_type="wrong",
    measures="Highest share, over the window's months, of a month's active residents whose every event that month fell in minutes shared with at least 9 other residents of the village.",
    rationale="Ten or more residents acting in the same minute takes a script or phones handed over; residents with nothing else in the month look logged in to lift the activity rate.",
    threshold_rule="Above both the upper fence of the district's villages of the same kind and 10 %, in a month with at least 30 active residents.",
    min_sample=30,
    unit="share",
    evidence_table="activity",
    measure=measure,
    threshold=FLOOR,
    peer_columns=PEERS,
)
