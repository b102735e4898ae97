"""The ranked figures padded (#17): residents logged in by the hundred in a few minutes
just before a month's ranking (代登录、刷活跃度), and accounts registered in a burst without a
household behind them, many cancelled once the ranking is taken. And a village that
genuinely grows, the near miss: a new estate whose households register over weeks of a
campaign and then use the platform like everyone else.

Streets rank on the month's figures, in some districts daily at 17:00, so padding lands
on the last afternoons of a month, before five.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import polars as pl

from demo.people import month_activity
from demo.scenarios import Scenario
from demo.window import DAY, HOUR, Window, seconds

USER_COLUMNS = ["user_id", "region_code", "household_id", "registered_s", "cancelled_s", "role"]
EVENT_COLUMNS = {
    "user_id": pl.String,
    "ts_s": pl.Int64,
    "action": pl.String,
    "object_id": pl.String,
}


def _last_afternoon(month: dt.date, rng) -> int:
    """The start (seconds) of one of the month's last two days, before the 17:00 ranking."""
    last = calendar.monthrange(month.year, month.month)[1]
    day = month.replace(day=last - int(rng.random() < 0.35))
    return seconds(day)


def _events(user_ids, ts, action: str = "login") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "user_id": pl.Series(user_ids, dtype=pl.String),
            "ts_s": pl.Series(ts, dtype=pl.Int64),
            "action": [action] * len(ts),
            "object_id": pl.Series([None] * len(ts), dtype=pl.String),
        },
        schema=EVENT_COLUMNS,
    )


def campaign_households(scenario: Scenario, villages: pl.DataFrame) -> int:
    """How many households the new estate adds to the village's register."""
    households = villages.filter(pl.col("region_code") == scenario.region_code)["households"][0]
    added = max(60, round(households * scenario.rng.uniform(0.15, 0.3)))
    scenario.details["households_added"] = added
    return added


def with_campaign_households(
    regions: pl.DataFrame, scenarios: list[Scenario], villages: pl.DataFrame
) -> pl.DataFrame:
    """The regions as exported: a campaign village's register holds its new estate."""
    added = {
        s.region_code: campaign_households(s, villages)
        for s in scenarios
        if s.name == "registration_campaign"
    }
    if not added:
        return regions
    grow = pl.col("region_code").replace_strict(added, default=0, return_dtype=pl.Int64)
    per_household = pl.col("population") / pl.col("households")
    return regions.with_columns(
        (pl.col("population") + (grow * per_household).round().cast(pl.Int64)).alias("population"),
        (pl.col("households") + grow).alias("households"),
    )


def burst_accounts(scenario: Scenario, users: pl.DataFrame, window: Window) -> pl.DataFrame:
    """Accounts registered within an hour or so of a month's last afternoons, with no
    household; many cancelled within days, once the month's figures are taken."""
    rng = scenario.rng
    residents = users.filter(
        (pl.col("region_code") == scenario.region_code) & (pl.col("role") == "resident")
    ).height
    share, cancel_p = rng.uniform(0.15, 0.35), rng.uniform(0.4, 0.8)
    frames = []
    for month in scenario.months():
        day = _last_afternoon(month, rng)
        n = max(40, round(residents * share * rng.uniform(0.8, 1.2)))
        begin = day + 13 * HOUR + int(rng.integers(0, 180)) * 60
        registered = begin + rng.integers(0, int(rng.integers(20, 90)), n) * 60
        month_end = seconds(month) + calendar.monthrange(month.year, month.month)[1] * DAY
        cancelled = month_end + rng.integers(1, 10, n) * DAY + rng.integers(9 * 60, 17 * 60, n) * 60
        cancelled = np.where((rng.random(n) < cancel_p) & (cancelled < window.end_s), cancelled, -1)
        if day >= window.end_s:
            continue
        frames.append(pl.DataFrame({"registered_s": np.sort(registered), "cancelled_s": cancelled}))
    scenario.details.update(
        accounts=sum(len(f) for f in frames),
        cancelled=sum(int((f["cancelled_s"] >= 0).sum()) for f in frames),
    )
    return _accounts(scenario, frames, household=None)


def campaign_accounts(scenario: Scenario, villages: pl.DataFrame, window: Window) -> pl.DataFrame:
    """The new estate's households register over the campaign's weeks: in the daytime,
    most on the weekends the village staffs a desk, one account a household and family
    members adding theirs within a month."""
    rng = scenario.rng
    added = scenario.details["households_added"]
    households = villages.filter(pl.col("region_code") == scenario.region_code)["households"][0]
    begin = scenario.start + dt.timedelta(days=int(rng.integers(0, 7)))
    first, last = seconds(begin), min(seconds(scenario.end) + DAY, window.end_s)
    days = max(1, (last - first) // DAY)
    weekday = np.array([(begin + dt.timedelta(days=d)).weekday() for d in range(days)])
    weights = np.where(weekday >= 5, 2.5, 1.0)
    day = rng.choice(days, size=added, p=weights / weights.sum())
    registered = first + day * DAY + rng.integers(9 * 60, 18 * 60, added) * 60
    members = 1 + rng.poisson(0.16, added)
    household = np.repeat(np.arange(households, households + added), members)
    member = np.concatenate([np.arange(m) for m in members])
    registered = np.repeat(registered, members)
    registered = np.where(
        member > 0, registered + rng.integers(1, 30, len(member)) * DAY, registered
    )
    keep = registered < window.end_s
    frame = pl.DataFrame(
        {
            "household": household[keep],
            "registered_s": registered[keep],
            "cancelled_s": np.full(int(keep.sum()), -1),
        }
    ).sort("registered_s")
    scenario.details["accounts"] = frame.height
    return _accounts(scenario, [frame], household="household")


def _accounts(scenario: Scenario, frames: list[pl.DataFrame], household: str | None):
    if not frames:
        return pl.DataFrame(schema={c: pl.Int64 for c in ("registered_s", "cancelled_s")})
    frame = pl.concat(frames)
    household_id = (
        pl.format(
            "{}-{}", pl.lit(scenario.region_code), pl.col(household).cast(pl.String).str.zfill(5)
        )
        if household
        else pl.lit(None, pl.String)
    )
    return frame.select(
        pl.lit(scenario.region_code).alias("region_code"),
        household_id.alias("household_id"),
        "registered_s",
        "cancelled_s",
        pl.lit("resident").alias("role"),
    )


def new_accounts(
    scenarios: list[Scenario], villages: pl.DataFrame, users: pl.DataFrame, window: Window
) -> pl.DataFrame:
    """Every scenario's accounts, numbered after the generated ones, scenario by scenario."""
    frames = []
    for s in scenarios:
        if s.name == "burst_registrations":
            frames.append(burst_accounts(s, users, window).with_columns(pl.lit(s.name).alias("by")))
        elif s.name == "registration_campaign":
            frames.append(
                campaign_accounts(s, villages, window).with_columns(pl.lit(s.name).alias("by"))
            )
    frames = [f for f in frames if f.height]
    if not frames:
        return users.clear().select(*USER_COLUMNS, pl.lit(None, pl.String).alias("by"))
    added = pl.concat(frames)
    return added.with_columns(
        pl.format(
            "U{}", (pl.int_range(1, pl.len() + 1) + users.height).cast(pl.String).str.zfill(8)
        ).alias("user_id")
    ).select(*USER_COLUMNS, "by")


def padded_logins(
    scenario: Scenario, month: dt.date, pool: pl.DataFrame, active: pl.DataFrame, window: Window
) -> pl.DataFrame:
    """On one of the month's last afternoons, the village's administrators log in the
    residents who had not visited, a few minutes a batch, until the month's activity
    reaches its target. `pool`: the residents of the padding villages; `active`: those of
    them (user_id) who visited this month."""
    rng = scenario.rng
    if "target_activity" not in scenario.details:
        scenario.details["target_activity"] = round(float(rng.uniform(0.75, 0.95)), 3)
        scenario.details["logins"] = 0
    day = _last_afternoon(month, rng)
    batches = int(rng.integers(2, 5))
    starts = np.sort(rng.choice(np.arange(13 * 60, 16 * 60 + 40), size=batches, replace=False))
    lengths = rng.integers(4, 13, batches)
    if day >= window.end_s:
        return _events([], [])
    residents = pool.filter(
        (pl.col("region_code") == scenario.region_code)
        & (pl.col("registered_s") < day)
        & ((pl.col("cancelled_s") < 0) | (pl.col("cancelled_s") > day + DAY))
    ).get_column("user_id")
    visited = residents.is_in(active.get_column("user_id").implode())
    idle = residents.filter(~visited).sort().to_numpy()
    target = round(scenario.details["target_activity"] * len(residents))
    need = min(len(idle), max(0, target - int(visited.sum())))
    if need == 0:
        return _events([], [])
    who = rng.choice(idle, size=need, replace=False)
    batch = np.sort(rng.integers(0, batches, need))
    minute = starts[batch] + (rng.random(need) * lengths[batch]).astype(np.int64)
    scenario.details["logins"] += need
    return _events(who, day + minute * 60)


def scenario_activity(
    scenarios: list[Scenario],
    month: dt.date,
    events: pl.DataFrame,
    *,
    users: pl.DataFrame,
    added: pl.DataFrame,
    behaviour: pl.DataFrame,
    window: Window,
) -> pl.DataFrame:
    """The month's events the scenarios add to the generated ones (`events`): padded
    logins, a login at each burst registration, and the new estate's visits."""
    first = seconds(month)
    cutoff = first + calendar.monthrange(month.year, month.month)[1] * DAY
    padded = [s for s in scenarios if s.name == "padded_activity" and s.start <= month <= s.end]
    if padded:
        codes = pl.Series([s.region_code for s in padded]).implode()
        pool = pl.concat([users.select(USER_COLUMNS), added.select(USER_COLUMNS)]).filter(
            pl.col("region_code").is_in(codes) & (pl.col("role") == "resident")
        )
        active = events.select("user_id").unique().join(pool.select("user_id"), on="user_id")
    frames = []
    for s in scenarios:
        if s.name == "padded_activity" and s.start <= month <= s.end:
            frames.append(padded_logins(s, month, pool, active, window))
        elif s.name == "burst_registrations":
            burst = added.filter(
                (pl.col("by") == s.name)
                & (pl.col("region_code") == s.region_code)
                & pl.col("registered_s").is_between(first, cutoff, closed="left")
            )
            frames.append(_events(burst["user_id"], burst["registered_s"]))
        elif s.name == "registration_campaign":
            residents = added.filter(
                (pl.col("by") == s.name) & (pl.col("region_code") == s.region_code)
            )
            if residents.filter(pl.col("registered_s") < cutoff).height:
                visits = month_activity(residents, behaviour, month, s.rng)
                frames.append(visits.with_columns(pl.lit(None, pl.String).alias("object_id")))
    frames = [
        f.select(pl.col(c).cast(t) for c, t in EVENT_COLUMNS.items()) for f in frames if f.height
    ]
    return pl.concat(frames) if frames else _events([], [])
