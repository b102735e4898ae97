"""The ranked figures as the anomaly model sees them: a village's registration and activity
rates and their change, each against comparable villages (same street and kind), so that
the model can single out a village whose ranked figures stand apart from its peers'."""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators._padding import in_window, peer_median_by_month, village_months

# feature → Chinese and English names, and the lead type of a lead the model raises on it
FEATURES: dict[str, tuple[str, str, str]] = {
    "registration_rate_vs_peers": ("注册率", "Registration rate", "wrong"),
    "activity_rate_vs_peers": ("活跃度", "Activity rate", "wrong"),
    "registration_rate_rise_vs_peers": ("注册率升幅", "Rise of the registration rate", "wrong"),
    "activity_rate_rise_vs_peers": ("活跃度升幅", "Rise of the activity rate", "wrong"),
}


def ranked_figures(data: ScoringData) -> pl.DataFrame:
    """region_code and FEATURES: in the window's latest month, the registration and activity
    rates less the peers' median that month, and their change on the village's median
    before the window less the peers' median change (null without earlier months)."""
    empty = pl.DataFrame(schema={"region_code": pl.String, **dict.fromkeys(FEATURES, pl.Float64)})
    if data.activity is None:
        return empty
    months = village_months(data)
    rates = ["registration_rate", "activity_rate"]
    window = months.filter(in_window(data))
    if window.is_empty():
        return empty
    latest = window.filter(pl.col("period_start") == pl.col("period_start").max())
    first = window.get_column("period_start").min()
    usual = (
        months.filter(pl.col("period_start") < first)
        .group_by("region_code")
        .agg(pl.col(r).median().alias(f"{r}_usual") for r in rates)
    )
    latest = latest.join(usual, on="region_code", how="left").with_columns(
        (pl.col(r) - pl.col(f"{r}_usual")).alias(f"{r}_rise") for r in rates
    )
    columns = {
        "registration_rate_vs_peers": "registration_rate",
        "activity_rate_vs_peers": "activity_rate",
        "registration_rate_rise_vs_peers": "registration_rate_rise",
        "activity_rate_rise_vs_peers": "activity_rate_rise",
    }
    return latest.select(
        "region_code",
        *[
            (pl.col(c) - peer_median_by_month(latest, c, data.peers)).cast(pl.Float64).alias(name)
            for name, c in columns.items()
        ],
    )
