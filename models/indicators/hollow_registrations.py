"""New accounts with no real household behind them, or gone soon after a ranking (乱作为).

Needs: users (resident accounts with household, registration and cancellation) as they
stood on the as-of date, read by datastore/activity.py (registrations). Rows looked at:
the accounts registered in the window.

An account is hollow when it has no household number; or its household holds more than
six accounts (one per household, family members may add theirs; households average under
three people); or it was cancelled before the 15th day after the end of the month it was
registered in, that is within a fortnight of the first monthly ranking that counted it. The
value is the share of the window's new accounts that are hollow.

Why the threshold is what it is: above the upper fence of the district's villages of the
same kind and at least 25 %. Genuine new accounts come with a household, and a resident
who leaves does so months later, not days after a ranking: on demo data with nothing
injected the share is nil. At least 10 new accounts.

Evidence: the hollow accounts, as user id, registration time and why.

Sensitivity (the district demo, accounts without a household over a month, 5–40 swept):
found from 20 (about half the window's new accounts), missed at 10 (24 %, under the
floor); no other village flagged at any setting.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from models.data import ScoringData
from models.indicators._padding import PEERS, new_account_share, ranking_ends
from models.indicators.base import Indicator

FLOOR = 0.25
MAX_HOUSEHOLD_ACCOUNTS = 6
CANCEL_DAYS = 15


def measure(data: ScoringData) -> pl.DataFrame:
    gone_by = ranking_ends(pl.col("registered_at")) + dt.timedelta(days=CANCEL_DAYS)
    why = pl.concat_str(
        pl.when(pl.col("household_id").is_null()).then(pl.lit("无户号")),
        pl.when(pl.col("household_accounts") > MAX_HOUSEHOLD_ACCOUNTS).then(
            pl.format("同户 {} 个账号", "household_accounts")
        ),
        pl.when(pl.col("cancelled_at") < gone_by).then(
            pl.format("{} 注销", pl.col("cancelled_at").dt.strftime("%Y-%m-%d"))
        ),
        separator="，",
        ignore_nulls=True,
    )
    return new_account_share(data, why.fill_null("") != "", why)


INDICATOR = Indicator(
    id="hollow_registrations",
    name_zh="无户籍或随即注销的新账号",
    name_en="New accounts without a household, or cancelled right after a ranking",
    lead_type="wrong",
    measures="Share of the window's new resident accounts with no household, on a household holding more than 6 accounts, or cancelled within 15 days after the month of registration ended.",
    rationale="An account counts towards the registration and activity rates; accounts without a household, piled on one, or cancelled as soon as the month's ranking is taken were made for the figures.",
    threshold_rule="Above both the upper fence of the district's villages of the same kind and 25 %, with at least 10 new accounts.",
    min_sample=10,
    unit="share",
    evidence_table="users",
    measure=measure,
    threshold=FLOOR,
    fence_over_all=True,
    peer_columns=PEERS,
)
