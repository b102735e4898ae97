"""The three affairs' disclosures: periodic items, events, payments, reviews and later changes."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import polars as pl

from demo.misconduct import in_lead, split_payments
from demo.people import payees
from demo.practice import Practice
from demo.window import DAY, HOUR, Window, to_minute

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


def periodic_instances(catalogue: pl.DataFrame, window: Window) -> pl.DataFrame:
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


def period_label(frequency: str, year: int, k: int, start: dt.date, variant: int) -> str:
    """The spec's period forms; `variant` picks between the equivalent spellings."""
    if frequency == "monthly":
        return start.strftime("%Y-%m")
    if frequency == "quarterly":
        return f"{year}Q{k}" if variant else f"{year}年第{'一二三四'[k - 1]}季度"
    if frequency == "semiannual":
        return f"{year}H{k}" if variant else f"{year}年{'上下'[k - 1]}半年"
    return str(year)


def generate(
    villages: pl.DataFrame,
    behaviour: pl.DataFrame,
    catalogue: pl.DataFrame,
    window: Window,
    rng,
    practice: Practice,
) -> pl.DataFrame:
    """Every disclosure with its publication, review, corrections and withdrawals; `due_s`
    is when a periodic item fell due (null for events)."""
    v = villages.select("region_code", "street_code").join(
        behaviour.select("region_code", "on_time_p", "lead_type", "lead_start", "lead_end"),
        on="region_code",
    )
    # Periodic items: one per village and period (finance ledgers: one row per payment).
    periodic = v.join(periodic_instances(catalogue, window), how="cross")
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
    slow = in_lead(periodic, "slow", "due_s")
    idle = in_lead(periodic, "inaction", "due_s")
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
            lambda s: period_label(
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
        pl.when(in_lead(events, "slow", "event_s"))
        .then(pl.col("due_days") + pl.Series(rng.uniform(15, 45, n)))
        .otherwise("delay_days")
        .alias("delay_days"),
    ).filter(~(in_lead(events, "inaction", "event_s") & pl.Series(rng.random(n) < 0.9)))
    events = events.with_columns(
        (pl.col("event_s") + DAY + (pl.col("delay_days") * DAY).cast(pl.Int64)).alias(
            "published_s"
        ),
        pl.from_epoch("event_s", time_unit="s").dt.strftime("%Y-%m-%d").alias("period"),
        pl.lit(0).alias("line"),
    )
    events = events.with_columns(pl.lit(None, pl.Int64).alias("due_s"))
    columns = ["region_code", "street_code", "item_code", "period", "published_s", "line"]
    columns += ["due_s", "lead_type", "lead_start", "lead_end"]
    both = pl.concat([periodic.select(columns), events.select(columns)], how="vertical_relaxed")
    both = both.filter(
        (pl.col("published_s") >= window.start_s) & (pl.col("published_s") < window.end_s)
    )
    both = both.with_columns(pl.col("published_s") - pl.col("published_s") % 60)
    both = both.join(catalogue.select("item_code", "category", "name_zh"), on="item_code")
    return with_details(both.sort("published_s", "region_code"), window, rng, practice)


def with_details(d: pl.DataFrame, window: Window, rng, practice: Practice) -> pl.DataFrame:
    n = len(d)
    finance = (d.get_column("category") == "finance").to_numpy()
    item = d.get_column("item_code").to_numpy()
    # Payments spread over orders of magnitude, as real ledgers do (Benford-like digits).
    scale = np.where(np.isin(item, ["FW05", "FW06"]), 60_000.0, 2_500.0) * practice.payment_scale
    amount = np.where(finance, np.round(rng.lognormal(np.log(scale), 1.0, n), 2), np.nan)
    wrong = d.select(in_lead(d, "wrong", "published_s")).to_series().to_numpy()
    inflated = wrong & np.isin(item, ["FW05", "FW06"]) & (rng.random(n) < 0.8)
    amount = np.where(inflated, np.round(amount * rng.uniform(3, 6, n), 2), amount)
    payee = np.where(finance, payees(rng, n), None)
    review_lag = rng.uniform(2 * HOUR, 40 * HOUR, n)
    review_lag = np.where(
        d.select(in_lead(d, "slow", "published_s")).to_series().to_numpy(),
        rng.uniform(5 * DAY, 20 * DAY, n),
        review_lag,
    )
    d = d.with_columns(
        pl.Series("amount", amount).fill_nan(None),
        pl.Series("payee", payee.tolist(), dtype=pl.String),
        (pl.col("published_s") + pl.Series(to_minute(review_lag.astype(np.int64)))).alias(
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
    d = pl.concat([d, split_payments(d, rng, practice.approval_threshold)], how="diagonal").sort(
        "published_s"
    )
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
    wrong = d.select(in_lead(d, "wrong", "published_s")).to_series().to_numpy()
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
        pl.Series("changed_s", to_minute(np.where(changed, changed_s, -1))),
        pl.Series(
            "final_status",
            np.where(withdrawn, "withdrawn", np.where(changed, "corrected", "published")),
        ),
        pl.when(pl.Series(changed & ~withdrawn & finance))
        .then(pl.Series(new_amount))
        .otherwise("amount")
        .alias("final_amount"),
    )
