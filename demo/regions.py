"""The regions of a preset, from the real divisions of Liaoning, and each village's size and
habits (how its residents and administrators usually behave)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import polars as pl

from demo.practice import Practice

DIVISIONS = Path(__file__).parent / "reference" / "liaoning_divisions.csv.gz"

PRESETS = {
    # root region code prefix, village-level units to keep (None: all), household scale,
    # default months
    "district": ("210111", None, 1.0, 13),  # a year and the month a year before: 同比
    "city": ("2101", None, 1.0, 6),
    "province": ("21", 8_500, 0.5, 3),
}


def divisions(preset: str, rng: np.random.Generator) -> pl.DataFrame:
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


def habits(villages: pl.DataFrame, rng, practice: Practice) -> pl.DataFrame:
    """Per village, how it usually works: the share of its residents active in a month, of its
    households registered, messages per household a month, the share of messages answered the
    same day and of disclosures published on time."""
    n = len(villages)
    return villages.select("region_code", "street_code").with_columns(
        pl.Series("activity_p", np.clip(0.30 * rng.lognormal(0, 0.22, n), 0.08, 0.7)),
        pl.Series("registration_p", np.where(rng.random(n) < 0.02, 0.99, 0.9997)),
        pl.Series("message_rate", 0.00045 * rng.lognormal(0, 0.35, n)),
        pl.Series("same_day_p", np.clip(rng.normal(practice.same_day_reply, 0.04, n), 0.75, 0.995)),
        pl.Series("on_time_p", np.clip(rng.normal(0.95, 0.03, n), 0.8, 0.995)),
    )
