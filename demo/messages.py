"""Residents' messages with their replies, closures and ratings; petitions to the commission."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from demo.misconduct import in_lead, repeat_messages
from demo.people import GIVEN_NAMES, SURNAMES, id_number
from demo.practice import Practice
from demo.window import DAY, HOUR, Window, month_starts, time_of_day, to_minute

TOPICS = ["环境卫生", "涉农补贴", "三资管理", "征收拆迁", "基础设施", "低保救助", "党务", "其他"]

TOPIC_WEIGHTS = [0.22, 0.14, 0.10, 0.08, 0.22, 0.10, 0.06, 0.08]


def with_personal_details(content: np.ndarray, rng) -> np.ndarray:
    """Some residents sign with their name or give their ID number, as real messages do;
    drawn from a generator of their own so the rest of the demo stays as it was."""
    content = content.astype(object)
    for i in np.flatnonzero(rng.random(len(content)) < 0.06):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        content[i] = f"本人{name}，{content[i]}"
    for i in np.flatnonzero(rng.random(len(content)) < 0.03):
        content[i] = f"{content[i]}，身份证号{id_number(rng)}"
    return content.astype(str)


def feedback(
    villages: pl.DataFrame,
    behaviour: pl.DataFrame,
    users: pl.DataFrame,
    window: Window,
    rng,
    practice: Practice,
) -> pl.DataFrame:
    """Residents' messages with their reply, closure and rating, as they happened."""
    months = len(month_starts(window.start, window.end))
    v = villages.select("region_code", "households").join(
        behaviour.select(
            "region_code", "message_rate", "same_day_p", "lead_type", "lead_start", "lead_end"
        ),
        on="region_code",
    )
    expected = v.get_column("households").to_numpy() * v.get_column("message_rate").to_numpy()
    # Residents keep writing where nothing gets done.
    louder = (v.get_column("lead_type").is_in(["inaction", "wrong"])).to_numpy()
    counts = rng.poisson(expected * months * np.where(louder, 2.0, 1.0))
    f = (
        v.with_columns(pl.Series("count", counts))
        .with_columns(pl.int_ranges(0, "count").alias("m"))
        .explode("m")
        .drop_nulls("m")
    )
    n = len(f)
    span_days = (window.end - window.start).days + 1
    weekday_of = np.array(
        [(window.start + dt.timedelta(days=int(i))).weekday() for i in range(span_days)]
    )
    weights = np.where(weekday_of >= 5, 0.7, 1.0)
    day = rng.choice(span_days, size=n, p=weights / weights.sum())
    submitted = window.start_s + day * DAY + time_of_day(rng, n)
    f = f.with_columns(pl.Series("submitted_s", submitted))
    # Message authors: residents of the village registered before they wrote.
    residents = users.filter(pl.col("role") == "resident").select(
        "region_code", "user_id", "registered_s"
    )
    pick = residents.group_by("region_code").agg("user_id", "registered_s")
    f = f.join(pick, on="region_code", how="left")
    idx = (rng.random(n) * f.get_column("user_id").list.len().to_numpy()).astype(int)
    f = f.with_columns(
        pl.col("user_id").list.get(pl.Series(idx)).alias("user_id"),
        pl.col("registered_s").list.get(pl.Series(idx)).alias("registered_s"),
    ).with_columns(
        pl.max_horizontal("submitted_s", pl.col("registered_s") + HOUR).alias("submitted_s")
    )

    s = f.get_column("submitted_s").to_numpy()
    seconds_left_today = DAY - (s % DAY)
    same_day = rng.random(n) < f.get_column("same_day_p").to_numpy()
    reply = np.where(
        same_day,
        s
        + (rng.uniform(0.05, 0.95, n) * np.minimum(seconds_left_today - 60, 10 * HOUR)).astype(int),
        s + seconds_left_today + rng.integers(HOUR, 30 * HOUR, n),
    )
    close = reply + (rng.lognormal(np.log(practice.closure_days * DAY), 0.7, n)).astype(int)
    slow = f.select(in_lead(f, "slow", "submitted_s")).to_series().to_numpy()
    idle = f.select(in_lead(f, "inaction", "submitted_s")).to_series().to_numpy()
    wrong = f.select(in_lead(f, "wrong", "submitted_s")).to_series().to_numpy()
    reply = np.where(slow, s + rng.integers(2 * DAY, 8 * DAY, n), reply)
    close = np.where(slow, reply + rng.integers(8 * DAY, 30 * DAY, n), close)
    unanswered = idle & (rng.random(n) < 0.75)
    reply = np.where(unanswered, -1, np.where(idle, s + rng.integers(3 * DAY, 15 * DAY, n), reply))
    close = np.where(
        unanswered, -1, np.where(idle, reply + rng.integers(10 * DAY, 40 * DAY, n), close)
    )
    closed_silently = wrong & (rng.random(n) < 0.45)
    reply = np.where(closed_silently, -1, reply)
    close = np.where(closed_silently, s + rng.integers(HOUR, 20 * HOUR, n), close)
    never_closed = rng.random(n) < 0.015
    close = np.where(never_closed, -1, close)
    satisfaction = rng.choice(
        ["satisfied", "fairly_satisfied", "dissatisfied", "not_rated"], n, p=[0.8, 0.14, 0.02, 0.04]
    )
    satisfaction = np.where(wrong & (rng.random(n) < 0.5), "dissatisfied", satisfaction)
    topics = rng.choice(TOPICS, n, p=TOPIC_WEIGHTS)
    phones = np.char.add("，联系电话1", rng.integers(3_000_000_000, 9_999_999_999, n).astype(str))
    content = np.char.add(topics.astype(str), "问题反映")
    content = np.where(rng.random(n) < 0.15, np.char.add(content, phones), content)
    content = with_personal_details(content, rng.spawn(1)[0])
    f = f.with_columns(
        pl.Series("first_reply_s", to_minute(reply)),
        pl.Series("closed_s", to_minute(close)),
        pl.Series("satisfaction", satisfaction),
        pl.Series("topic", topics),
        pl.Series("content", content),
        (
            pl.lit("A") + pl.col("region_code") + pl.Series(rng.integers(0, 3, n)).cast(pl.String)
        ).alias("handler_id"),
    ).sort("submitted_s")
    repeats = repeat_messages(f, rng)
    f = pl.concat([f, repeats], how="diagonal_relaxed").sort("submitted_s")
    # Late registrations and repeats can fall after the data ends: such messages never exist.
    f = f.filter(pl.col("submitted_s") < window.end_s)
    return f.with_columns(
        pl.format("F{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(8)).alias(
            "feedback_id"
        )
    ).select(
        "feedback_id",
        "region_code",
        "user_id",
        "submitted_s",
        "topic",
        "content",
        "first_reply_s",
        "closed_s",
        "satisfaction",
        "handler_id",
    )


def petitions(regions: pl.DataFrame, window: Window, rng) -> pl.DataFrame:
    """Petitions and reports to the commission, with the year before for year-on-year change."""
    villages = regions.filter(pl.col("level") == "village").get_column("region_code").to_numpy()
    districts = regions.filter(pl.col("level") == "district").get_column("region_code").to_numpy()
    per_year_now = 456 * len(villages) / 186
    per_year_before = per_year_now / (1 - 0.3101)
    rows = []
    for first, last, per_year, accusation_share in (
        (window.start_s - 365 * DAY, window.start_s, per_year_before, 442 / 661),
        (window.start_s, window.end_s, per_year_now, 286 / 456),
    ):
        n = rng.poisson(per_year * (last - first) / (365 * DAY))
        received = rng.integers(first, last, n)
        received -= received % 60
        accusation = rng.random(n) < accusation_share
        kind = np.where(
            accusation,
            "accusation",
            rng.choice(["appeal", "suggestion", "other"], n, p=[0.5, 0.3, 0.2]),
        )
        closed = received + rng.integers(3 * DAY, 60 * DAY, n)
        known_village = rng.random(n) < 0.75
        rows.append(
            pl.DataFrame(
                {
                    "received_s": received,
                    "kind": kind,
                    "closed_s": to_minute(np.where(closed < window.end_s, closed, -1)),
                    "region_code": np.where(known_village, rng.choice(villages, n), None).tolist(),
                    "district_code": np.where(
                        known_village, None, rng.choice(districts, n)
                    ).tolist(),
                    "bypassed": rng.random(n) < 0.05,
                }
            )
        )
    p = pl.concat(rows).sort("received_s")
    return p.with_columns(
        pl.format("P{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7)).alias(
            "petition_id"
        )
    )
