"""Resident accounts registered in bursts (乱作为, 突击注册).

Needs: users (resident accounts with their registration time) as they stood on the as-of
date, read by datastore/activity.py (registrations). Rows looked at: the accounts
registered in the window.

A burst hour is a clock hour in which at least ten of the village's accounts were
registered and more than its own pace over the window explains (`BurstRule`: its
registrations per hour over the window, times three, plus five Poisson standard
deviations). The value is the share of the window's new accounts registered in burst
hours. A campaign that signs residents up over weeks, however many, spreads them over
days and stays under the bar; a hundred accounts created in one sitting before a ranking
do not.

Why the threshold is what it is: above the upper fence of the district's villages of the
same kind and at least 30 %. A sign-up desk at a village meeting may fill an hour or two,
a small part of a real campaign; most of a window's registrations in a few hours is what
needs explaining. At least 20 new accounts.

Evidence: the accounts registered in burst hours, as user id and registration time.

Sensitivity (the district demo, accounts created two a minute one afternoon, 10–80 swept):
found from 10 accounts; no other village flagged at any setting.
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators._padding import PEERS, new_account_share
from models.indicators.base import Indicator

FLOOR = 0.30


def measure(data: ScoringData) -> pl.DataFrame:
    return new_account_share(data, pl.col("in_burst"))


INDICATOR = Indicator(
    id="registration_bursts",
    name_zh="注册集中突击",
    name_en="Accounts registered in bursts",
    lead_type="wrong",
    measures="Share of the window's new resident accounts registered in burst hours (10 or more in an hour, beyond the village's own pace).",
    rationale="Residents register one household at a time over days; accounts created by the hundred within an hour or two look made to lift the registration rate before a ranking.",
    threshold_rule="Above both the upper fence of the district's villages of the same kind and 30 %, with at least 20 new accounts.",
    min_sample=20,
    unit="share",
    evidence_table="users",
    measure=measure,
    threshold=FLOOR,
    fence_over_all=True,
    peer_columns=PEERS,
)
