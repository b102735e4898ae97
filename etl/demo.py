"""Generate a realistic platform export (messy variants included) and load it.

The `district` preset is 苏家屯区 with its real streets and villages, calibrated to the
seed figures of shared/domain.md: households registered ≈ 99.9 %, about 30 % of
residents active each month, a disclosure mix near party 6,832 / village 12,768 /
finance 13,714 a year, messages mostly answered the same day and cleared within 7 days.
Message volume is about three times the seed district's 336 a year, so that monthly
street rankings have samples to rank.

A known set of villages misbehaves in the ways inspectors look for (inaction, slow
action, wrong action). Their labels are written beside the export, never into it:
`<export>.labels.csv`. `<export>.manifest.json` says what the generator put in,
including every bad row it planted, so tests can check the loader's accounting.
"""

from __future__ import annotations

import calendar
import datetime as dt
import gzip
import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from datastore import connect_readonly
from etl import store
from etl.load import BUILTIN_CATALOGUE, LoadResult, Progress, load_exports
from schema.tables import TABLES
from schema.timing import next_month

DIVISIONS = Path(__file__).parent / "reference" / "liaoning_divisions.csv.gz"
EPOCH = dt.datetime(1970, 1, 1)
DAY = 86_400
HOUR = 3_600

PRESETS = {
    # root region code prefix, village-level units to keep (None: all), household scale,
    # default months
    "district": ("210111", None, 1.0, 12),
    "city": ("2101", None, 1.0, 6),
    "province": ("21", 8_500, 0.5, 3),
}
LEAD_TYPES = ("inaction", "slow", "wrong")

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
COMPANIES = [
    "建筑工程有限公司",
    "农业机械合作社",
    "建材商店",
    "物业服务有限公司",
    "餐饮店",
    "劳务公司",
]
TOPICS = ["环境卫生", "涉农补贴", "三资管理", "征收拆迁", "基础设施", "低保救助", "党务", "其他"]
TOPIC_WEIGHTS = [0.22, 0.14, 0.10, 0.08, 0.22, 0.10, 0.06, 0.08]
# Residents use the app in the morning and in the evening.
HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.3, 0.4, 1, 3, 6, 8, 7, 6, 5, 5, 5, 5, 5, 5, 6, 7, 9, 10, 9, 6, 3], float
)
HOUR_WEIGHTS /= HOUR_WEIGHTS.sum()
# How many events of each kind a village publishes in a year.
EVENT_ITEMS_PER_YEAR = {
    "DW01": 6.5,
    "DW07": 6.2,
    "CW01": 10.0,
    "CW03": 14.0,
    "CW04": 8.0,
    "CW05": 7.0,
    "CW06": 7.0,
    "CW07": 7.6,
    "CW10": 6.0,
    "FW05": 4.5,
    "FW06": 3.7,
}
LEDGER_LINES = (3, 5)  # payment lines published per month under FW01, inclusive
SPLIT_THRESHOLD = 50_000  # payments above this need the assembly's approval


def _ts(values: np.ndarray) -> pl.Series:
    return pl.from_epoch(pl.Series(values.astype(np.int64)), time_unit="s")


def _seconds(day: dt.date | dt.datetime) -> int:
    if not isinstance(day, dt.datetime):
        day = dt.datetime(day.year, day.month, day.day)
    return int((day - EPOCH).total_seconds())


def _month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    months, day = [], start
    while day <= end:
        months.append(day)
        day = next_month(day)
    return months


@dataclass
class Window:
    start: dt.date
    end: dt.date  # last day of data

    @property
    def start_s(self) -> int:
        return _seconds(self.start)

    @property
    def end_s(self) -> int:  # the end of the last day
        return _seconds(self.end) + DAY


def _minute(seconds: np.ndarray) -> np.ndarray:
    """The platform records times to the minute; negative values (no time) stay as they are."""
    return np.where(seconds >= 0, seconds - seconds % 60, seconds)


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(24, size=n, p=HOUR_WEIGHTS) * HOUR + rng.integers(0, 60, n) * 60


def _divisions(preset: str, rng: np.random.Generator) -> pl.DataFrame:
    prefix, keep, scale, _ = PRESETS[preset]
    with gzip.open(DIVISIONS) as f:
        all_codes = pl.read_csv(f, schema_overrides={"code": pl.String, "parent_code": pl.String})
    codes = all_codes.filter(pl.col("code").str.starts_with(prefix))
    villages = codes.filter(pl.col("level") == "village")
    if keep is not None and len(villages) > keep:
        villages = villages.sample(keep, seed=int(rng.integers(1 << 31))).sort("code")
    streets = codes.filter(pl.col("code").is_in(villages.get_column("parent_code").implode()))
    districts = codes.filter(pl.col("code").is_in(streets.get_column("parent_code").implode()))
    n = len(villages)
    is_village = villages.get_column("name").str.contains("村民委员会|村委会$").to_numpy()
    # Lognormal sizes: villages of a few hundred households, communities of a few thousand.
    households = np.where(
        is_village, rng.lognormal(np.log(520), 0.45, n), rng.lognormal(np.log(1800), 0.4, n)
    )
    households = np.maximum(40, (households * scale).round()).astype(np.int64)
    population = (households * rng.uniform(2.4, 3.0, n)).round().astype(np.int64)
    villages = villages.with_columns(
        pl.Series("kind", np.where(is_village, "village", "community")),
        pl.Series("households", households),
        pl.Series("population", population),
    )
    return pl.concat([districts, streets, villages], how="diagonal").rename({"code": "region_code"})


def _behaviours(villages: pl.DataFrame, window: Window, rng, anomalies: bool) -> pl.DataFrame:
    """Per village: how it works, and for the misbehaving few, what and when."""
    n = len(villages)
    base = villages.select("region_code", "street_code").with_columns(
        pl.Series("activity_p", np.clip(0.30 * rng.lognormal(0, 0.22, n), 0.08, 0.7)),
        pl.Series("registration_p", np.where(rng.random(n) < 0.02, 0.99, 0.9997)),
        pl.Series("message_rate", 0.00045 * rng.lognormal(0, 0.35, n)),  # per household a month
        pl.Series("same_day_p", np.clip(rng.normal(0.93, 0.04, n), 0.75, 0.995)),
        pl.Series("on_time_p", np.clip(rng.normal(0.95, 0.03, n), 0.8, 0.995)),
        pl.Series("lead_type", [None] * n, dtype=pl.String),
    )
    if not anomalies:
        return base.with_columns(
            pl.lit(None, pl.Date).alias("lead_start"), pl.lit(None, pl.Date).alias("lead_end")
        )
    per_type = max(2, round(n * 0.02))
    chosen = rng.choice(n, size=per_type * len(LEAD_TYPES), replace=False)
    types = np.array([None] * n, dtype=object)
    for i, lead_type in enumerate(LEAD_TYPES):
        types[chosen[i * per_type : (i + 1) * per_type]] = lead_type
    months = _month_starts(window.start, window.end)
    span = max(2, len(months) // 3)
    first = [
        months[int(rng.integers(max(1, len(months) - span - 1), len(months) - span + 1))]
        if len(months) > span
        else months[0]
        for _ in range(n)
    ]
    return base.with_columns(
        pl.Series("lead_type", types.tolist(), dtype=pl.String),
        pl.Series("lead_start", first, dtype=pl.Date),
    ).with_columns(
        pl.when(pl.col("lead_type").is_not_null()).then(pl.col("lead_start")).alias("lead_start"),
        pl.when(pl.col("lead_type").is_not_null()).then(pl.lit(window.end)).alias("lead_end"),
    )


def _in_lead(frame: pl.DataFrame, lead_type: str, at: str) -> pl.Expr:
    """Rows of villages of `lead_type` whose time column `at` (seconds) is in the window."""
    start = pl.col("lead_start").cast(pl.Datetime("ms")).dt.epoch("s")
    end = pl.col("lead_end").cast(pl.Datetime("ms")).dt.epoch("s") + DAY
    in_window = pl.col(at).is_between(start, end, closed="left")
    return ((pl.col("lead_type") == lead_type) & in_window).fill_null(False)


def _admins(regions: pl.DataFrame, rng) -> pl.DataFrame:
    per_level = {"district": 2, "street": 2, "village": 3}
    rows = regions.select("region_code", "level").with_columns(
        pl.col("level").replace_strict(per_level).alias("n")
    )
    admins = rows.with_columns(pl.int_ranges(0, "n").alias("k")).explode("k")
    n = len(admins)
    return admins.select(
        (pl.lit("A") + pl.col("region_code") + pl.col("k").cast(pl.String)).alias("admin_id"),
        pl.Series([SURNAMES[i] + "某某" for i in rng.integers(0, len(SURNAMES), n)]).alias("name"),
        "level",
        "region_code",
        pl.Series(np.datetime64("2021-01-01") + rng.integers(0, 500, n))
        .cast(pl.Date)
        .alias("trained_on"),
    )


def _users(villages: pl.DataFrame, behaviour: pl.DataFrame, window: Window, rng) -> pl.DataFrame:
    """Households register (one account each, family members may add theirs); a few cancel."""
    v = villages.join(behaviour.select("region_code", "registration_p"), on="region_code")
    households = v.select(
        "region_code", "registration_p", pl.int_ranges(0, "households").alias("h")
    ).explode("h")
    households = households.filter(
        pl.Series(rng.random(len(households))) < pl.col("registration_p")
    )
    extra = rng.poisson(0.16, len(households))
    users = (
        households.with_columns(pl.Series("members", 1 + extra))
        .with_columns(pl.int_ranges(0, "members").alias("member"))
        .explode("member")
    )
    n = len(users)
    launch = _seconds(dt.date(2021, 1, 1))
    # Most households registered before the window; a trickle keeps coming during it.
    before = rng.random(n) < 0.95
    registered = np.where(
        before,
        rng.integers(launch, window.start_s - DAY, n),
        rng.integers(window.start_s, window.end_s - DAY, n),
    )
    registered = registered - registered % 60
    member = users.get_column("member").to_numpy()
    registered = np.where(member > 0, registered + rng.integers(DAY, 200 * DAY, n), registered)
    cancels = (rng.random(n) < np.where(member > 0, 0.02, 0.0005)) & (registered < window.end_s)
    cancelled = np.where(
        cancels, registered + rng.integers(30 * DAY, 400 * DAY, n), np.iinfo(np.int64).max
    )
    cancelled = np.where(cancelled < window.end_s, cancelled - cancelled % 60, -1)
    keep = registered < window.end_s
    users = users.with_columns(
        pl.Series("registered_s", registered),
        pl.Series("cancelled_s", cancelled),
    ).filter(pl.Series(keep))
    users = users.with_columns(
        pl.format("{}-{}", "region_code", pl.col("h").cast(pl.String).str.zfill(5)).alias(
            "household_id"
        ),
        pl.lit("resident").alias("role"),
    )
    # One account per village administrator too, registered at launch (as the platform does).
    admins = villages.select(
        "region_code",
        pl.lit(None, pl.String).alias("household_id"),
        pl.lit(launch + 46 * DAY).alias("registered_s"),
        pl.lit(-1).alias("cancelled_s"),
        pl.lit("admin").alias("role"),
    )
    users = pl.concat([users.select(admins.columns), admins], how="vertical_relaxed").sort(
        "region_code", "registered_s"
    )
    return users.with_columns(
        pl.format("U{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(8)).alias(
            "user_id"
        )
    )


def _activity(users: pl.DataFrame, behaviour: pl.DataFrame, month: dt.date, rng) -> pl.DataFrame:
    """One month of residents' visits: who is active, how often, when."""
    days = calendar.monthrange(month.year, month.month)[1]
    month_start = _seconds(month)
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
    ts = month_start + day * DAY + _time_of_day(rng, n)
    registered = active.get_column("registered_s").to_numpy()[user_index]
    cancelled = active.get_column("cancelled_s").to_numpy()[user_index]
    valid = (ts >= registered) & ((cancelled < 0) | (ts < cancelled))
    actions = rng.choice(["view", "login", "rate"], size=n, p=[0.61, 0.2, 0.19])
    return pl.DataFrame(
        {
            "user_id": active.get_column("user_id").to_numpy()[user_index],
            "ts_s": ts,
            "action": actions,
        }
    ).filter(pl.Series(valid))


def _periodic_instances(catalogue: pl.DataFrame, window: Window) -> pl.DataFrame:
    """Every (item, period) of the periodic items whose period ends before the data does."""
    rows = []
    first_year = window.start.year - 1
    for item in catalogue.filter(pl.col("frequency") != "event").iter_rows(named=True):
        months_per = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}[
            item["frequency"]
        ]
        for year in range(first_year, window.end.year + 1):
            for k in range(12 // months_per):
                first_month = k * months_per + 1
                last_month = first_month + months_per - 1
                start = dt.date(year, first_month, 1)
                end = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
                if end > window.end or end < window.start - dt.timedelta(days=120):
                    continue
                rows.append(
                    {
                        "item_code": item["item_code"],
                        "frequency": item["frequency"],
                        "due_days": item["due_days"],
                        "period_start": start,
                        "period_end": end,
                        "k": k + 1,
                        "year": year,
                    }
                )
    return pl.DataFrame(rows)


def _period_label(frequency: str, year: int, k: int, start: dt.date, variant: int) -> str:
    """The spec's period forms; `variant` picks between the equivalent spellings."""
    if frequency == "monthly":
        return start.strftime("%Y-%m")
    if frequency == "quarterly":
        return f"{year}Q{k}" if variant else f"{year}年第{'一二三四'[k - 1]}季度"
    if frequency == "semiannual":
        return f"{year}H{k}" if variant else f"{year}年{'上下'[k - 1]}半年"
    return str(year)


def _disclosures(
    villages: pl.DataFrame,
    behaviour: pl.DataFrame,
    catalogue: pl.DataFrame,
    window: Window,
    rng,
) -> pl.DataFrame:
    """Every disclosure with its publication, review, corrections and withdrawals."""
    v = villages.select("region_code", "street_code").join(
        behaviour.select("region_code", "on_time_p", "lead_type", "lead_start", "lead_end"),
        on="region_code",
    )
    # Periodic items: one per village and period (finance ledgers: one row per payment).
    periodic = v.join(_periodic_instances(catalogue, window), how="cross")
    n = len(periodic)
    due_days = periodic.get_column("due_days").to_numpy()
    on_time = rng.random(n) < periodic.get_column("on_time_p").to_numpy()
    delay = np.where(
        on_time, rng.uniform(0.05, 1, n) * due_days, due_days + rng.exponential(6, n) + 0.1
    )
    periodic = periodic.with_columns(
        (pl.col("period_end").cast(pl.Datetime("ms")).dt.epoch("s") + DAY).alias("due_from"),
        pl.Series("delay_days", delay),
        pl.Series("missing", rng.random(n) < 0.004),
        pl.Series("variant", rng.integers(0, 2, n)),
    )
    periodic = periodic.with_columns(
        (pl.col("due_from") + pl.col("due_days") * DAY).alias("due_s"),
    )
    slow = _in_lead(periodic, "slow", "due_s")
    idle = _in_lead(periodic, "inaction", "due_s")
    periodic = periodic.with_columns(
        pl.when(slow)
        .then(pl.col("due_days") + pl.Series(rng.uniform(15, 60, n)))
        .otherwise("delay_days")
        .alias("delay_days"),
        (pl.col("missing") | (idle & pl.Series(rng.random(n) < 0.85))).alias("missing"),
    ).filter(~pl.col("missing"))
    periodic = periodic.with_columns(
        (pl.col("due_from") + (pl.col("delay_days") * DAY).cast(pl.Int64)).alias("published_s"),
        pl.struct("frequency", "year", "k", "period_start", "variant")
        .map_elements(
            lambda s: _period_label(
                s["frequency"], s["year"], s["k"], s["period_start"], s["variant"]
            ),
            return_dtype=pl.String,
        )
        .alias("period"),
    )
    lines = np.where(
        periodic.get_column("item_code").to_numpy() == "FW01",
        rng.integers(LEDGER_LINES[0], LEDGER_LINES[1] + 1, len(periodic)),
        1,
    )
    periodic = (
        periodic.with_columns(pl.Series("lines", lines))
        .with_columns(pl.int_ranges(0, "lines").alias("line"))
        .explode("line")
    )
    periodic = periodic.with_columns(
        (
            pl.col("published_s")
            + pl.col("line") * pl.Series(rng.integers(60, 3 * HOUR, len(periodic)))
        ).alias("published_s")
    )

    # Event items: things that happen, published within days of the event.
    event_items = catalogue.filter(pl.col("frequency") == "event")
    days = (window.end - window.start).days + 1 + 30
    events = v.join(event_items.select("item_code", "due_days"), how="cross")
    rate = events.get_column("item_code").replace_strict(EVENT_ITEMS_PER_YEAR).to_numpy()
    events = events.with_columns(pl.Series("count", rng.poisson(rate * days / 365)))
    events = events.with_columns(pl.int_ranges(0, "count").alias("e")).explode("e").drop_nulls("e")
    n = len(events)
    event_s = window.start_s - 30 * DAY + rng.integers(0, days, n) * DAY
    due_days = events.get_column("due_days").to_numpy()
    on_time = rng.random(n) < events.get_column("on_time_p").to_numpy()
    delay = np.where(on_time, rng.uniform(0.1, 1, n) * due_days, due_days + rng.exponential(5, n))
    events = events.with_columns(
        pl.Series("event_s", event_s),
        pl.Series("delay_days", delay),
    )
    events = events.with_columns(
        pl.when(_in_lead(events, "slow", "event_s"))
        .then(pl.col("due_days") + pl.Series(rng.uniform(15, 45, n)))
        .otherwise("delay_days")
        .alias("delay_days"),
    ).filter(~(_in_lead(events, "inaction", "event_s") & pl.Series(rng.random(n) < 0.9)))
    events = events.with_columns(
        (pl.col("event_s") + DAY + (pl.col("delay_days") * DAY).cast(pl.Int64)).alias(
            "published_s"
        ),
        pl.from_epoch("event_s", time_unit="s").dt.strftime("%Y-%m-%d").alias("period"),
        pl.lit(0).alias("line"),
    )
    columns = ["region_code", "street_code", "item_code", "period", "published_s", "line"]
    columns += ["lead_type", "lead_start", "lead_end"]
    both = pl.concat([periodic.select(columns), events.select(columns)], how="vertical_relaxed")
    both = both.filter(
        (pl.col("published_s") >= window.start_s) & (pl.col("published_s") < window.end_s)
    )
    both = both.with_columns(pl.col("published_s") - pl.col("published_s") % 60)
    both = both.join(catalogue.select("item_code", "category", "name_zh"), on="item_code")
    return _disclosure_details(both.sort("published_s", "region_code"), window, rng)


def _payee(rng, n: int) -> np.ndarray:
    people = np.array([s + "某" for s in SURNAMES])
    firms = np.array([f"沈阳{s}氏{c}" for s in SURNAMES[:12] for c in COMPANIES])
    pick_firm = rng.random(n) < 0.35
    return np.where(
        pick_firm, firms[rng.integers(0, len(firms), n)], people[rng.integers(0, len(people), n)]
    )


def _disclosure_details(d: pl.DataFrame, window: Window, rng) -> pl.DataFrame:
    n = len(d)
    finance = (d.get_column("category") == "finance").to_numpy()
    item = d.get_column("item_code").to_numpy()
    # Payments spread over orders of magnitude, as real ledgers do (Benford-like digits).
    scale = np.where(np.isin(item, ["FW05", "FW06"]), 60_000.0, 2_500.0)
    amount = np.where(finance, np.round(rng.lognormal(np.log(scale), 1.0, n), 2), np.nan)
    wrong = d.select(_in_lead(d, "wrong", "published_s")).to_series().to_numpy()
    inflated = wrong & np.isin(item, ["FW05", "FW06"]) & (rng.random(n) < 0.8)
    amount = np.where(inflated, np.round(amount * rng.uniform(3, 6, n), 2), amount)
    payee = np.where(finance, _payee(rng, n), None)
    review_lag = rng.uniform(2 * HOUR, 40 * HOUR, n)
    review_lag = np.where(
        d.select(_in_lead(d, "slow", "published_s")).to_series().to_numpy(),
        rng.uniform(5 * DAY, 20 * DAY, n),
        review_lag,
    )
    d = d.with_columns(
        pl.Series("amount", amount).fill_nan(None),
        pl.Series("payee", payee.tolist(), dtype=pl.String),
        (pl.col("published_s") + pl.Series(_minute(review_lag.astype(np.int64)))).alias(
            "reviewed_s"
        ),
        (
            pl.lit("A") + pl.col("region_code") + pl.Series(rng.integers(0, 3, n)).cast(pl.String)
        ).alias("publisher_id"),
        (
            pl.lit("A") + pl.col("street_code") + pl.Series(rng.integers(0, 2, n)).cast(pl.String)
        ).alias("reviewer_id"),
        pl.col("name_zh").alias("title"),
    )
    d = pl.concat([d, _split_payments(d, rng)], how="diagonal").sort("published_s")
    d = d.with_columns(pl.col("published_s") - pl.col("published_s") % 60)
    d = d.with_columns(
        pl.col("reviewed_s").clip(upper_bound=window.end_s - 60),
        pl.format("D{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(9)).alias(
            "disclosure_id"
        ),
    )
    # Later changes: corrections and withdrawals, frequent where the village acts wrongly.
    n = len(d)
    finance = (d.get_column("category") == "finance").to_numpy()
    wrong = d.select(_in_lead(d, "wrong", "published_s")).to_series().to_numpy()
    change_p = np.where(wrong & finance, 0.25, 0.012)
    changed = rng.random(n) < change_p
    withdrawn = changed & (rng.random(n) < 0.3)
    changed_s = d.get_column("published_s").to_numpy() + rng.integers(2 * DAY, 30 * DAY, n)
    changed = changed & (changed_s < window.end_s)
    withdrawn = withdrawn & changed
    new_amount = np.round(
        d.get_column("amount").fill_null(0).to_numpy() * rng.uniform(0.6, 1.1, n), 2
    )
    return d.with_columns(
        pl.Series("changed_s", _minute(np.where(changed, changed_s, -1))),
        pl.Series(
            "final_status",
            np.where(withdrawn, "withdrawn", np.where(changed, "corrected", "published")),
        ),
        pl.when(pl.Series(changed & ~withdrawn & finance))
        .then(pl.Series(new_amount))
        .otherwise("amount")
        .alias("final_amount"),
    )


def _split_payments(d: pl.DataFrame, rng) -> pl.DataFrame:
    """Wrong-action villages pay one payee several times just under the approval threshold."""
    base = d.filter(
        _in_lead(d, "wrong", "published_s")
        & (pl.col("item_code") == "FW01")
        & (pl.col("line") == 0)
    )
    if base.is_empty():
        return base
    base = base.filter(pl.Series(rng.random(len(base)) < 0.7))
    parts = rng.integers(3, 6, len(base))
    split = (
        base.with_columns(pl.Series("part", parts))
        .with_columns(pl.int_ranges(0, "part").alias("p"))
        .explode("p")
    )
    n = len(split)
    firms = _payee(rng, len(base))
    return split.with_columns(
        pl.Series(rng.uniform(0.9, 0.999, n) * SPLIT_THRESHOLD).round(2).alias("amount"),
        pl.Series(np.repeat(firms, parts)).alias("payee"),
        (pl.col("published_s") + pl.col("p") * pl.Series(rng.integers(HOUR, 3 * DAY, n))).alias(
            "published_s"
        ),
        (pl.col("line") + 100 + pl.col("p")).alias("line"),
    ).drop("part", "p")


SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")
GIVEN_NAMES = ["伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
               "涛", "明", "超", "秀英", "桂兰", "建国", "玉梅", "志强", "淑珍"]  # fmt: skip


def _id_number(rng) -> str:
    """A well-formed 18-digit resident ID (GB 11643 check digit) of the demo district."""
    born = dt.date(1940, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 65)))
    body = f"210111{born:%Y%m%d}{int(rng.integers(0, 1000)):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def _with_personal_details(content: np.ndarray, rng) -> np.ndarray:
    """Some residents sign with their name or give their ID number, as real messages do;
    drawn from a generator of their own so the rest of the demo stays as it was."""
    content = content.astype(object)
    for i in np.flatnonzero(rng.random(len(content)) < 0.06):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        content[i] = f"本人{name}，{content[i]}"
    for i in np.flatnonzero(rng.random(len(content)) < 0.03):
        content[i] = f"{content[i]}，身份证号{_id_number(rng)}"
    return content.astype(str)


def _feedback(
    villages: pl.DataFrame, behaviour: pl.DataFrame, users: pl.DataFrame, window: Window, rng
) -> pl.DataFrame:
    """Residents' messages with their reply, closure and rating, as they happened."""
    months = len(_month_starts(window.start, window.end))
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
    submitted = window.start_s + day * DAY + _time_of_day(rng, n)
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
    close = reply + (rng.lognormal(np.log(1.6 * DAY), 0.7, n)).astype(int)
    slow = f.select(_in_lead(f, "slow", "submitted_s")).to_series().to_numpy()
    idle = f.select(_in_lead(f, "inaction", "submitted_s")).to_series().to_numpy()
    wrong = f.select(_in_lead(f, "wrong", "submitted_s")).to_series().to_numpy()
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
    content = _with_personal_details(content, rng.spawn(1)[0])
    f = f.with_columns(
        pl.Series("first_reply_s", _minute(reply)),
        pl.Series("closed_s", _minute(close)),
        pl.Series("satisfaction", satisfaction),
        pl.Series("topic", topics),
        pl.Series("content", content),
        (
            pl.lit("A") + pl.col("region_code") + pl.Series(rng.integers(0, 3, n)).cast(pl.String)
        ).alias("handler_id"),
    ).sort("submitted_s")
    repeats = _repeat_messages(f, rng)
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


def _repeat_messages(f: pl.DataFrame, rng) -> pl.DataFrame:
    """Where messages are closed without the problem solved, residents write again."""
    closed_wrongly = f.filter(_in_lead(f, "wrong", "submitted_s") & (pl.col("closed_s") > 0))
    again = closed_wrongly.filter(pl.Series(rng.random(len(closed_wrongly)) < 0.35))
    n = len(again)
    resubmitted = again.get_column("closed_s").to_numpy() + rng.integers(DAY, 10 * DAY, n)
    return again.with_columns(
        pl.Series("submitted_s", _minute(resubmitted)),
        pl.Series("first_reply_s", _minute(resubmitted + rng.integers(HOUR, 6 * HOUR, n))),
        pl.Series("closed_s", _minute(resubmitted + rng.integers(DAY, 4 * DAY, n))),
        pl.lit("dissatisfied").alias("satisfaction"),
    )


def _petitions(regions: pl.DataFrame, window: Window, rng) -> pl.DataFrame:
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
                    "closed_s": _minute(np.where(closed < window.end_s, closed, -1)),
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


# ---------------------------------------------------------------- writing the export

TIME_STYLES = {
    "iso": "%Y-%m-%d %H:%M:%S",
    "minute": "%Y-%m-%d %H:%M",
    "slash": "%Y/%-m/%-d %H:%M",
    "chinese": "%Y年%-m月%-d日 %H:%M",
}
ZH_VALUES = {
    name: {
        column.name: {code: zh for zh, code in reversed(column.values.items()) if zh != code}
        for column in table.columns
        if column.values
    }
    for name, table in TABLES.items()
}


def _time(column: str, style: str) -> pl.Expr:
    """Seconds (negative: none) as text in one of the spec's date-time styles."""
    return (
        pl.when(pl.col(column) >= 0)
        .then(pl.from_epoch(column, time_unit="s").dt.strftime(TIME_STYLES[style]))
        .alias(column.removesuffix("_s") + "_at")
    )


def _datetime(column: str) -> pl.Expr:
    """Seconds (negative: none) as a date-time value, for Excel's native date cells."""
    return (
        pl.when(pl.col(column) >= 0)
        .then(pl.from_epoch(column, time_unit="s"))
        .alias(column.removesuffix("_s") + "_at")
    )


def _as_of(column: str, cutoff: int) -> pl.Expr:
    """The event time if it had happened by `cutoff`, else none."""
    return (
        pl.when((pl.col(column) >= 0) & (pl.col(column) < cutoff))
        .then(pl.col(column))
        .otherwise(-1)
    )


def _changed_in(columns: list[str], first: int, cutoff: int) -> pl.Expr:
    return pl.any_horizontal(pl.col(c).is_between(first, cutoff, closed="left") for c in columns)


def _zh_values(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    mapping = ZH_VALUES[table]
    return frame.with_columns(
        pl.col(c).replace(m) for c, m in mapping.items() if c in frame.columns
    )


def _write_csv(
    frame: pl.DataFrame,
    path: Path,
    table: str,
    *,
    encoding: str = "utf-8",
    english: bool = False,
    shuffle: np.random.Generator | None = None,
    extra_column: bool = False,
) -> None:
    """Write a table's rows (text columns named as the spec) the way the platform does."""
    spec = TABLES[table]
    if not english:
        frame = _zh_values(frame, table).rename(
            {c.name: c.zh for c in spec.columns if c.name in frame.columns}
        )
    if shuffle is not None:
        frame = frame.select(shuffle.permutation(frame.columns).tolist())
    if extra_column:
        frame = frame.with_columns(pl.lit("").alias("备注"))
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    data = buffer.getvalue()
    if encoding == "gb18030":
        data = data.decode("utf-8").encode("gb18030")
    elif encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def _write_xlsx(frame: pl.DataFrame, path: Path, table: str, title: str) -> None:
    """An Excel export: a title row above Chinese headers, date-times as native date cells."""
    spec = TABLES[table]
    frame = _zh_values(frame, table)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("导出")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write(0, 0, title)
    for col, name in enumerate(frame.columns):
        sheet.write(1, col, spec.column(name).zh)
    for row, values in enumerate(frame.iter_rows(), start=2):
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, dt.datetime):
                sheet.write_datetime(row, col, value, date_format)
            else:
                sheet.write(row, col, value)
    workbook.close()


def _amount_text(amounts: pl.Series, rng) -> pl.Series:
    """Amounts as the platform writes them: plain, with thousands separators, 元 or ¥."""
    style = rng.integers(0, 4, len(amounts))
    out = []
    for value, s in zip(amounts.to_list(), style, strict=True):
        if value is None:
            out.append(None)
        elif s == 0:
            out.append(f"{value:.2f}")
        elif s == 1:
            out.append(f"{value:,.2f}")
        elif s == 2:
            out.append(f"{value:.2f}元")
        else:
            out.append(f"¥{value:,.2f}")
    return pl.Series(out, dtype=pl.String)


@dataclass
class Planted:
    """Bad rows the generator put into the export, per table: the loader must quarantine them."""

    rows: dict[str, int]

    def add(self, table: str, n: int = 1) -> None:
        self.rows[table] = self.rows.get(table, 0) + n


def generate_export(
    out: Path,
    preset: str = "district",
    seed: int = 1,
    months: int | None = None,
    end: str | dt.date | None = None,
    anomalies: bool = True,
    progress: Progress | None = None,
) -> dict:
    """Write the export folder `out`, its labels and manifest beside it; return the manifest."""
    progress = progress or (lambda *_: None)
    rng = np.random.default_rng(seed)
    months = months or PRESETS[preset][3]
    if end is None:
        end = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    elif isinstance(end, str):
        end = dt.date.fromisoformat(end)
    start = end.replace(day=1)
    for _ in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    window = Window(start, end)
    month_starts = _month_starts(start, end)
    light = preset == "province"  # keep the province export quick to write

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    progress(0.0, "生成行政区划与管理员")
    regions = _divisions(preset, rng)
    regions = regions.with_columns(
        pl.col("level").replace_strict(
            {"district": "district", "street": "street", "village": "village"}
        ),
    )
    villages = regions.filter(pl.col("level") == "village").rename({"parent_code": "street_code"})
    behaviour = _behaviours(villages, window, rng, anomalies)
    admins = _admins(regions, rng)
    catalogue = pl.read_csv(BUILTIN_CATALOGUE)
    planted = Planted({})

    title = "、".join(regions.filter(pl.col("level") == "district").get_column("name").head(3))
    _write_xlsx(
        regions.select(
            "region_code", "name", "level", "parent_code", "kind", "households", "population"
        ),
        out / "regions.xlsx",
        "regions",
        f"{title}阳光三务数据导出",
    )
    bad_admin = (
        admins.filter(pl.col("level") == "street")
        .head(1)
        .with_columns(pl.lit("A_BAD_LEVEL").alias("admin_id"), pl.lit("village").alias("level"))
    )  # a village administrator recorded against a street
    planted.add("admins")
    _write_csv(
        pl.concat([admins, bad_admin]).with_columns(pl.col("trained_on").cast(pl.String)),
        out / "admins.csv",
        "admins",
        encoding="gb18030",
    )

    progress(0.05, "生成注册用户")
    users = _users(villages, behaviour, window, rng)
    _write_users(users, villages, window, month_starts, out, rng, planted)

    progress(0.15, "生成三务公开")
    disclosures = _disclosures(villages, behaviour, catalogue, window, rng)
    _write_disclosures(disclosures, window, month_starts, out, rng, planted)

    progress(0.22, "生成群众留言")
    feedback = _feedback(villages, behaviour, users, window, rng)
    _write_feedback(feedback, window, month_starts, out, rng, planted)

    petitions = _petitions(regions, window, rng)
    _write_csv(
        petitions.select(
            "petition_id",
            "region_code",
            "district_code",
            _time("received_s", "iso"),
            "kind",
            _time("closed_s", "iso"),
            pl.when(pl.col("bypassed"))
            .then(pl.lit("是"))
            .otherwise(pl.lit("否"))
            .alias("bypassed"),
        ).vstack(
            pl.DataFrame(
                {
                    "petition_id": ["P_BAD_NOREGION"],
                    "region_code": [None],
                    "district_code": [None],
                    "received_at": ["2024-01-01 09:00:00"],
                    "kind": ["其他"],
                    "closed_at": [None],
                    "bypassed": ["否"],
                },
                schema_overrides={
                    "region_code": pl.String,
                    "district_code": pl.String,
                    "closed_at": pl.String,
                },
            )
        ),
        out / "petitions.csv",
        "petitions",
        encoding="gb18030",
    )
    planted.add("petitions")

    events = _write_activity(
        users, behaviour, feedback, window, month_starts, out, rng, planted, light, progress
    )

    labels = (
        behaviour.filter(pl.col("lead_type").is_not_null())
        .join(villages.select("region_code", "name"), on="region_code")
        .select("region_code", "name", "street_code", "lead_type", "lead_start", "lead_end")
    )
    labels.write_csv(out.with_name(out.name + ".labels.csv"))
    manifest = {
        "preset": preset,
        "seed": seed,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "anomalies": anomalies,
        "villages": len(villages),
        "misbehaving_villages": len(labels),
        "expected_rows": {
            "regions": len(regions),
            "admins": len(admins),
            "users": len(users),
            "activity": events,
            "disclosures": len(disclosures),
            "feedback": len(feedback),
            "petitions": len(petitions),
        },
        "planted_bad_rows": planted.rows,
    }
    out.with_name(out.name + ".manifest.json").write_text(json.dumps(manifest, indent=2))
    progress(0.5, "导出已生成")
    return manifest


def _write_users(users, villages, window, month_starts, out, rng, planted) -> None:
    def snapshot(frame: pl.DataFrame, cutoff: int) -> pl.DataFrame:
        cancelled = _as_of("cancelled_s", cutoff)
        return (
            frame.with_columns(cancelled.alias("cancelled_s"))
            .select(
                "user_id",
                "region_code",
                "household_id",
                _time("registered_s", "iso"),
                "role",
                pl.when(pl.col("cancelled_s") >= 0)
                .then(pl.lit("cancelled"))
                .otherwise(pl.lit("active"))
                .alias("status"),
                _time("cancelled_s", "iso"),
                pl.max_horizontal("registered_s", "cancelled_s").alias("updated_s"),
            )
            .with_columns(_time("updated_s", "iso"))
            .drop("updated_s")
        )

    base = users.filter(pl.col("registered_s") < window.start_s)
    bad = pl.DataFrame(
        {
            "user_id": ["U_BAD_REGION1", "U_BAD_REGION2"],
            "region_code": ["210111999999"] * 2,
            "household_id": [None, None],
            "registered_s": [window.start_s - DAY] * 2,
            "cancelled_s": [-1, -1],
            "role": ["resident"] * 2,
        },
        schema_overrides={"household_id": pl.String},
    )
    planted.add("users", 2)
    _write_csv(
        snapshot(pl.concat([base, bad], how="diagonal_relaxed"), window.start_s),
        out / "users_base.csv",
        "users",
        encoding="gb18030",
    )
    for i, month in enumerate(month_starts):
        first, cutoff = _seconds(month), min(_seconds(next_month(month)), window.end_s)
        changed = users.filter(_changed_in(["registered_s", "cancelled_s"], first, cutoff))
        english = i % 2 == 1
        _write_csv(
            snapshot(changed, cutoff),
            out / f"users_{month:%Y%m}.csv",
            "users",
            encoding="utf-8-sig" if english else "gb18030",
            english=english,
            shuffle=rng if english else None,
            extra_column=english,
        )


def _write_disclosures(d, window, month_starts, out, rng, planted) -> None:
    styles = ["iso", "minute", "slash", "chinese"]
    encodings = ["gb18030", "utf-8-sig", "utf-8"]
    for i, month in enumerate(month_starts):
        first, cutoff = _seconds(month), min(_seconds(next_month(month)), window.end_s)
        rows = d.filter(
            (pl.col("published_s") < cutoff)
            & _changed_in(["published_s", "reviewed_s", "changed_s"], first, cutoff)
        )
        changed = (pl.col("changed_s") >= 0) & (pl.col("changed_s") < cutoff)
        style = styles[i % len(styles)]
        frame = rows.with_columns(
            _as_of("reviewed_s", cutoff).alias("reviewed_s"),
            pl.when(changed).then("final_status").otherwise(pl.lit("published")).alias("status"),
            pl.when(changed).then("final_amount").otherwise("amount").alias("amount"),
        ).with_columns(
            pl.max_horizontal(
                "published_s", "reviewed_s", pl.when(changed).then("changed_s")
            ).alias("updated_s"),
            pl.when(pl.col("reviewed_s") >= 0).then("reviewer_id").alias("reviewer_id"),
        )
        # Community disclosures say 居务 where villages say 村务: the same category.
        category = pl.when(
            (pl.col("category") == "village") & pl.col("region_code").str.slice(9, 1).eq("0")
        )
        text = frame.select(
            "disclosure_id",
            "region_code",
            category.then(pl.lit("居务")).otherwise("category").alias("category"),
            "item_code",
            "title",
            "period",
            _time("published_s", style),
            "publisher_id",
            _time("reviewed_s", style),
            "reviewer_id",
            "status",
            "amount",
            "payee",
            _time("updated_s", style),
        ).with_columns(_amount_text(frame.get_column("amount"), rng).alias("amount"))
        if i == len(month_starts) - 1:
            text = pl.concat([text, _bad_disclosures(text, planted)])
        _write_csv(
            text,
            out / f"disclosures_{month:%Y%m}.csv",
            "disclosures",
            encoding=encodings[i % len(encodings)],
        )


def _bad_disclosures(text: pl.DataFrame, planted: Planted) -> pl.DataFrame:
    sample = text.filter(pl.col("item_code") == "FW01").head(1)
    party = text.filter(pl.col("item_code") == "DW05").head(1)
    bad = [
        sample.with_columns(
            pl.lit("D_BAD_ITEM").alias("disclosure_id"), pl.lit("XX99").alias("item_code")
        ),
        sample.with_columns(
            pl.lit("D_BAD_AMOUNT").alias("disclosure_id"), pl.lit("-5,000.00").alias("amount")
        ),
        sample.with_columns(
            pl.lit("D_BAD_DATE").alias("disclosure_id"),
            pl.lit("2024-13-45 10:00:00").alias("published_at"),
        ),
        party.with_columns(
            pl.lit("D_BAD_CATEGORY").alias("disclosure_id"), pl.lit("财务").alias("category")
        ),
        sample.with_columns(pl.lit("D_BAD_TWICE").alias("disclosure_id")),
        sample.with_columns(
            pl.lit("D_BAD_TWICE").alias("disclosure_id"), pl.lit("另一标题").alias("title")
        ),
    ]
    planted.add("disclosures", 6)
    return pl.concat(bad)


def _write_feedback(f, window, month_starts, out, rng, planted) -> None:
    for i, month in enumerate(month_starts):
        first, cutoff = _seconds(month), min(_seconds(next_month(month)), window.end_s)
        rows = f.filter(
            (pl.col("submitted_s") < cutoff)
            & _changed_in(["submitted_s", "first_reply_s", "closed_s"], first, cutoff)
        ).with_columns(
            _as_of("first_reply_s", cutoff).alias("first_reply_s"),
            _as_of("closed_s", cutoff).alias("closed_s"),
        )
        state = rows.with_columns(
            pl.when(pl.col("closed_s") >= 0)
            .then(pl.lit("closed"))
            .when(pl.col("first_reply_s") >= 0)
            .then(pl.lit("replied"))
            .otherwise(pl.lit("awaiting_reply"))
            .alias("status"),
            pl.when(pl.col("closed_s") >= 0).then("satisfaction").alias("satisfaction"),
            pl.when(pl.col("first_reply_s") >= 0)
            .then(pl.lit("已收到，正在协调处理。"))
            .alias("reply"),
            pl.max_horizontal("submitted_s", "first_reply_s", "closed_s").alias("updated_s"),
        )
        last = i == len(month_starts) - 1
        if last:
            # The latest month comes as the platform's Excel export, with native date cells.
            excel = state.select(
                "feedback_id",
                "region_code",
                "user_id",
                _datetime("submitted_s"),
                "topic",
                "content",
                _datetime("first_reply_s"),
                "reply",
                _datetime("closed_s"),
                "status",
                "satisfaction",
                "handler_id",
                _datetime("updated_s"),
            )
            _write_xlsx(excel, out / f"feedback_{month:%Y%m}.xlsx", "feedback", "群众留言导出")
            continue
        text = state.select(
            "feedback_id",
            "region_code",
            "user_id",
            _time("submitted_s", "iso"),
            "topic",
            "content",
            _time("first_reply_s", "iso"),
            "reply",
            _time("closed_s", "iso"),
            "status",
            "satisfaction",
            "handler_id",
            _time("updated_s", "iso"),
        )
        if i == 0:
            good = text.head(2)
            text = pl.concat(
                [
                    text,
                    good.with_columns(
                        pl.lit("F_BAD_REPLY").alias("feedback_id"),
                        pl.col("submitted_at")
                        .str.replace(r"^(\d{4})", "2099")
                        .alias("submitted_at"),
                    ).head(1),
                    good.with_columns(
                        pl.lit("F_BAD_USER").alias("feedback_id"),
                        pl.lit("U_NOBODY").alias("user_id"),
                    ).head(1),
                ]
            )
            planted.add("feedback", 2)
        _write_csv(
            text,
            out / f"feedback_{month:%Y%m}.csv",
            "feedback",
            encoding="utf-8-sig" if i % 2 else "gb18030",
        )


def _write_activity(
    users, behaviour, feedback, window, month_starts, out, rng, planted, light, progress
) -> int:
    """Monthly activity files, each repeating the previous month's last day (exports overlap)."""
    posts = feedback.select(
        "user_id",
        pl.col("submitted_s").alias("ts_s"),
        pl.lit("post").alias("action"),
        pl.col("feedback_id").alias("object_id"),
    )
    rated = (
        feedback.filter((pl.col("closed_s") >= 0) & (pl.col("satisfaction") != "not_rated"))
        .select(
            "user_id",
            (pl.col("closed_s") + HOUR).alias("ts_s"),
            pl.lit("rate").alias("action"),
            pl.col("feedback_id").alias("object_id"),
        )
        .filter(pl.col("ts_s") < window.end_s)
    )
    interactions = pl.concat([posts, rated])
    distinct = 0
    previous_tail = None
    styles = [("utf-8", True, "iso"), ("utf-8-sig", False, "iso"), ("gb18030", False, "slash")]
    for i, month in enumerate(month_starts):
        progress(0.25 + 0.2 * i / len(month_starts), f"生成访问日志 {month:%Y-%m}")
        first, cutoff = _seconds(month), min(_seconds(next_month(month)), window.end_s)
        events = pl.concat(
            [
                _activity(users, behaviour, month, rng).with_columns(
                    pl.lit(None, pl.String).alias("object_id")
                ),
                interactions.filter(pl.col("ts_s").is_between(first, cutoff, closed="left")),
            ]
        ).filter(pl.col("ts_s") < window.end_s)
        distinct += events.unique().height
        written = events if previous_tail is None else pl.concat([previous_tail, events])
        previous_tail = events.filter(pl.col("ts_s") >= cutoff - DAY)
        encoding, english, style = ("utf-8", True, "iso") if light else styles[i % 3]
        text = written.sort("ts_s").select(
            "user_id", _time("ts_s", style).alias("ts"), "action", "object_id"
        )
        if i == 0:
            sample = text.head(3)
            text = pl.concat(
                [
                    text,
                    sample.head(2).with_columns(pl.lit("点赞").alias("action")),
                    sample.tail(1).with_columns(pl.lit("U_NOBODY").alias("user_id")),
                ]
            )
            planted.add("activity", 3)
        _write_csv(
            text, out / f"activity_{month:%Y%m}.csv", "activity", encoding=encoding, english=english
        )
    if not light and previous_tail is not None:
        # The platform's daily increment of the last day, as Excel: it repeats rows above.
        last_day = (
            previous_tail.sort("ts_s")
            .with_columns(pl.from_epoch("ts_s", time_unit="s").alias("ts"))
            .select("user_id", "ts", "action", "object_id")
        )
        _write_xlsx(
            last_day, out / f"Activity-{window.end:%Y%m%d}.xlsx", "activity", "访问日志导出"
        )
    return distinct


def non_demo_loads(db_path: Path) -> int:
    """How many loads in the database are not the demo generator's."""
    if not db_path.exists():
        return 0
    with connect_readonly(db_path) as con:
        return con.execute("SELECT count(*) FROM loads WHERE NOT demo").fetchall()[0][0]


def build_demo(
    db_path: Path,
    preset: str = "district",
    seed: int = 1,
    months: int | None = None,
    end: str | None = None,
    out: Path | None = None,
    anomalies: bool = True,
    progress: Progress | None = None,
    force: bool = False,
    only_if_missing: bool = False,
) -> LoadResult | None:
    """Generate the demo export beside the database and load it through `load` into a new
    database, which then replaces the one at `db_path` whole.

    The replacement happens under the loads' lock, after checking again that no real load
    has arrived while the export was generated (RealDataPresent unless `force`). With
    `only_if_missing` (the dashboard's first run) nothing is replaced if a database appeared
    meanwhile, and None is returned."""
    progress = progress or (lambda *_: None)
    out = out or db_path.parent / f"demo-export-{preset}"
    generate_export(out, preset, seed, months, end, anomalies, progress)
    fresh = db_path.with_name(db_path.name + ".demo")
    with store.exclusive(db_path):
        if only_if_missing and db_path.exists():
            return None
        real_loads = non_demo_loads(db_path)
        if real_loads and not force:
            raise store.RealDataPresent(db_path, real_loads)
        fresh.unlink(missing_ok=True)
        result = load_exports(
            [out], fresh, progress=lambda f, message: progress(0.5 + f / 2, message), demo=True
        )
        os.replace(fresh, db_path)
    fresh.with_name(fresh.name + ".lock").unlink(missing_ok=True)
    return result
