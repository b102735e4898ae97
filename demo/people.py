"""Administrators, residents' accounts and their visits, and the names people and firms go by."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import polars as pl

from demo.window import DAY, Window, seconds, time_of_day

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")

GIVEN_NAMES = ["伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
               "涛", "明", "超", "秀英", "桂兰", "建国", "玉梅", "志强", "淑珍"]  # fmt: skip

COMPANIES = [
    "建筑工程有限公司",
    "农业机械合作社",
    "建材商店",
    "物业服务有限公司",
    "餐饮店",
    "劳务公司",
]


def payees(rng, n: int) -> np.ndarray:
    people = np.array([s + "某" for s in SURNAMES])
    firms = np.array([f"沈阳{s}氏{c}" for s in SURNAMES[:12] for c in COMPANIES])
    pick_firm = rng.random(n) < 0.35
    return np.where(
        pick_firm, firms[rng.integers(0, len(firms), n)], people[rng.integers(0, len(people), n)]
    )


def id_number(rng) -> str:
    """A well-formed 18-digit resident ID (GB 11643 check digit) of the demo district."""
    born = dt.date(1940, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 65)))
    body = f"210111{born:%Y%m%d}{int(rng.integers(0, 1000)):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def admins(regions: pl.DataFrame, rng) -> pl.DataFrame:
    per_level = {"district": 2, "street": 2, "village": 3}
    rows = regions.select("region_code", "level").with_columns(
        pl.col("level").replace_strict(per_level).alias("n")
    )
    accounts = rows.with_columns(pl.int_ranges(0, "n").alias("k")).explode("k")
    n = len(accounts)
    return accounts.select(
        (pl.lit("A") + pl.col("region_code") + pl.col("k").cast(pl.String)).alias("admin_id"),
        pl.Series([SURNAMES[i] + "某某" for i in rng.integers(0, len(SURNAMES), n)]).alias("name"),
        "level",
        "region_code",
        pl.Series(np.datetime64("2021-01-01") + rng.integers(0, 500, n))
        .cast(pl.Date)
        .alias("trained_on"),
    )


def users(villages: pl.DataFrame, behaviour: pl.DataFrame, window: Window, rng) -> pl.DataFrame:
    """Households register (one account each, family members may add theirs); a few cancel."""
    v = villages.join(behaviour.select("region_code", "registration_p"), on="region_code")
    households = v.select(
        "region_code", "registration_p", pl.int_ranges(0, "households").alias("h")
    ).explode("h")
    households = households.filter(
        pl.Series(rng.random(len(households))) < pl.col("registration_p")
    )
    extra = rng.poisson(0.16, len(households))
    accounts = (
        households.with_columns(pl.Series("members", 1 + extra))
        .with_columns(pl.int_ranges(0, "members").alias("member"))
        .explode("member")
    )
    n = len(accounts)
    launch = seconds(dt.date(2021, 1, 1))
    # Most households registered before the window; a trickle keeps coming during it.
    before = rng.random(n) < 0.95
    registered = np.where(
        before,
        rng.integers(launch, window.start_s - DAY, n),
        rng.integers(window.start_s, window.end_s - DAY, n),
    )
    registered = registered - registered % 60
    member = accounts.get_column("member").to_numpy()
    registered = np.where(member > 0, registered + rng.integers(DAY, 200 * DAY, n), registered)
    cancels = (rng.random(n) < np.where(member > 0, 0.02, 0.0005)) & (registered < window.end_s)
    cancelled = np.where(
        cancels, registered + rng.integers(30 * DAY, 400 * DAY, n), np.iinfo(np.int64).max
    )
    cancelled = np.where(cancelled < window.end_s, cancelled - cancelled % 60, -1)
    keep = registered < window.end_s
    accounts = accounts.with_columns(
        pl.Series("registered_s", registered),
        pl.Series("cancelled_s", cancelled),
    ).filter(pl.Series(keep))
    accounts = accounts.with_columns(
        pl.format("{}-{}", "region_code", pl.col("h").cast(pl.String).str.zfill(5)).alias(
            "household_id"
        ),
        pl.lit("resident").alias("role"),
    )
    # One account per village administrator too, registered at launch (as the platform does).
    administrators = villages.select(
        "region_code",
        pl.lit(None, pl.String).alias("household_id"),
        pl.lit(launch + 46 * DAY).alias("registered_s"),
        pl.lit(-1).alias("cancelled_s"),
        pl.lit("admin").alias("role"),
    )
    accounts = pl.concat(
        [accounts.select(administrators.columns), administrators], how="vertical_relaxed"
    ).sort("region_code", "registered_s")
    return accounts.with_columns(
        pl.format("U{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(8)).alias(
            "user_id"
        )
    )


def month_activity(
    users: pl.DataFrame, behaviour: pl.DataFrame, month: dt.date, rng
) -> pl.DataFrame:
    """One month of residents' visits: who is active, how often, when."""
    days = calendar.monthrange(month.year, month.month)[1]
    month_start = seconds(month)
    month_end = month_start + days * DAY
    season = 1 + 0.12 * np.cos(2 * np.pi * (month.month - 1.5) / 12)
    residents = users.filter(
        (pl.col("role") == "resident")
        & (pl.col("registered_s") < month_end)
        & ((pl.col("cancelled_s") < 0) | (pl.col("cancelled_s") > month_start))
    ).join(behaviour.select("region_code", "activity_p"), on="region_code")
    p = residents.get_column("activity_p").to_numpy() * season
    active = residents.filter(pl.Series(rng.random(len(residents)) < p))
    counts = 1 + rng.poisson(2.5, len(active))
    user_index = np.repeat(np.arange(len(active)), counts)
    n = len(user_index)
    # Weekends are busier: draw days with weights.
    weekday = np.array([(month + dt.timedelta(days=d)).weekday() for d in range(days)])
    day_weights = np.where(weekday >= 5, 1.25, 1.0)
    day = rng.choice(days, size=n, p=day_weights / day_weights.sum())
    ts = month_start + day * DAY + time_of_day(rng, n)
    registered = active.get_column("registered_s").to_numpy()[user_index]
    cancelled = active.get_column("cancelled_s").to_numpy()[user_index]
    valid = (ts >= registered) & ((cancelled < 0) | (ts < cancelled))
    actions = rng.choice(["view", "login", "rate"], size=n, p=[0.61, 0.2, 0.19])
    return pl.DataFrame(
        {
            "user_id": active.get_column("user_id").gather(user_index),
            "ts_s": ts,
            "action": actions,
        }
    ).filter(pl.Series(valid))
