"""Roll the village marts up to any level and turn counts into the glossary's metrics.

Rates are ratios of summed numerators and denominators, never averages of ratios;
medians come from the messages themselves. Pure Polars.
"""

from __future__ import annotations

import polars as pl

from metrics.marts import COUNT_COLUMNS, period_start

LEVELS = ("village", "street", "district", "city", "province")
# Liaoning's cities and the province: the spec's regions stop at the district.
UPPER_NAMES = {
    "210000000000": "辽宁省", "210100000000": "沈阳市", "210200000000": "大连市",
    "210300000000": "鞍山市", "210400000000": "抚顺市", "210500000000": "本溪市",
    "210600000000": "丹东市", "210700000000": "锦州市", "210800000000": "营口市",
    "210900000000": "阜新市", "211000000000": "辽阳市", "211100000000": "盘锦市",
    "211200000000": "铁岭市", "211300000000": "朝阳市", "211400000000": "葫芦岛市",
}  # fmt: skip


def level_code(level: str) -> pl.Expr:
    """The code of the level-`level` region containing each row of `regions`."""
    if level == "village":
        return pl.when(pl.col("level") == "village").then(pl.col("region_code"))
    if level == "street":
        return pl.col("street_code")
    if level == "district":
        return pl.col("district_code")
    keep = 4 if level == "city" else 2
    return pl.col("district_code").str.slice(0, keep) + pl.lit("0" * (12 - keep))


def ancestors(regions: pl.LazyFrame, level: str) -> pl.LazyFrame:
    """region_code → unit: the region of `level` each region belongs to (none above it)."""
    return regions.select("region_code", level_code(level).alias("unit")).filter(
        pl.col("unit").is_not_null()
    )


def unit_names(regions: pl.LazyFrame, level: str) -> pl.LazyFrame:
    if level in ("city", "province"):
        codes = ancestors(regions, level).select("unit").unique()
        names = pl.LazyFrame({"unit": list(UPPER_NAMES), "name": list(UPPER_NAMES.values())})
        return codes.join(names, on="unit", how="left").with_columns(
            pl.col("name").fill_null(pl.col("unit"))
        )
    return regions.filter(pl.col("level") == level).select(
        pl.col("region_code").alias("unit"), "name"
    )


def _ratio(numerator: str, denominator: str) -> pl.Expr:
    return (
        pl.when(pl.col(denominator) > 0)
        .then(pl.col(numerator) / pl.col(denominator))
        .otherwise(None)
    )


RATES = {
    "registration_rate": ("registered_households", "households"),
    "activity_rate": ("active_residents", "residents"),
    "same_day_reply_rate": ("same_day_replies", "feedback"),
    "closed_7d_rate": ("closed_7d", "feedback"),
    "satisfaction_rate": ("satisfied", "rated"),
    "on_time_rate": ("disclosures_on_time", "disclosures_with_due"),
    "completeness": ("due_items_published", "due_items"),
}


def with_rates(frame: pl.LazyFrame) -> pl.LazyFrame:
    return frame.with_columns(_ratio(n, d).alias(name) for name, (n, d) in RATES.items())


def rollup(
    village_rows: pl.LazyFrame,
    facts: pl.LazyFrame,
    petitions: pl.LazyFrame,
    regions: pl.LazyFrame,
    level: str,
    grain: str,
) -> pl.LazyFrame:
    """One row per unit of `level` and period: every count, rate and median.

    `village_rows` is a village mart (any subset of villages and periods); `facts` the
    messages of the same villages; `petitions` a petitions mart over all its periods.
    """
    units = ancestors(regions, level)
    counts = (
        village_rows.join(units, on="region_code")
        .group_by("unit", "period_start")
        .agg(pl.col(c).sum() for c in COUNT_COLUMNS)
    )
    medians = (
        facts.filter(pl.col("reply_hours").is_not_null())
        .join(units, on="region_code")
        .group_by("unit", period_start(pl.col("submitted_at"), grain))
        .agg(pl.col("reply_hours").median().alias("median_reply_hours"))
    )
    petition_counts = (
        petitions.join(units, on="region_code")
        .group_by("unit", "period_start")
        .agg(pl.col("petitions", "accusations").sum())
    )
    last_year = petition_counts.select(
        "unit",
        pl.col("period_start").dt.offset_by("1y"),
        pl.col("petitions").alias("petitions_last_year"),
        pl.col("accusations").alias("accusations_last_year"),
    )
    petition_counts = petition_counts.join(
        last_year, on=["unit", "period_start"], how="left"
    ).with_columns(
        ((pl.col("petitions") - pl.col("petitions_last_year")) / pl.col("petitions_last_year"))
        .fill_nan(None)
        .alias("petitions_yoy"),
        (
            (pl.col("accusations") - pl.col("accusations_last_year"))
            / pl.col("accusations_last_year")
        )
        .fill_nan(None)
        .alias("accusations_yoy"),
    )
    return (
        with_rates(counts)
        .join(medians, on=["unit", "period_start"], how="left")
        .join(
            petition_counts.drop("petitions_last_year", "accusations_last_year"),
            on=["unit", "period_start"],
            how="left",
        )
        .with_columns(pl.col("petitions", "accusations").fill_null(0))
        .with_columns(
            # No petitions a year before: the change is undefined, not infinite.
            pl.when(pl.col(c).is_infinite()).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("petitions_yoy", "accusations_yoy")
        )
        .join(unit_names(regions, level), on="unit", how="left")
        .rename({"unit": "region_code"})
        .sort("region_code", "period_start")
    )
