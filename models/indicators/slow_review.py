"""Street reviews of a village's disclosures lagging (慢作为).

Needs: disclosures with their review time. The median hours from publication to the
street's review of the window's reviewed disclosures (at least `min_sample`), against
the peers' upper fence, the local review time (setting review_hours, 72 hours by
default) and what the district's other villages' reviews give by chance for so few
disclosures. It flags the village whose disclosures wait; the evidence names them, and
the reviewer is the street's.

Sensitivity (tests/models/test_sensitivity.py, where streets review in about 12 hours):
reviews taking 96 hours are found (8 of 8 villages), 48 hours are not (0 of 8, under
the 72-hour rule); no clean village fires (0 of 88).
"""

from __future__ import annotations

import polars as pl

from models.data import ScoringData
from models.indicators._timing import beyond_chance
from models.indicators.base import Indicator
from schema.timing import hours_between


def _lag() -> pl.Expr:
    return hours_between(pl.col("published_at"), pl.col("reviewed_at"))


def measure(data: ScoringData) -> pl.DataFrame:
    per_village = (
        data.disclosures.filter(
            (pl.col("published_at") >= data.window_start_ts) & pl.col("reviewed_at").is_not_null()
        )
        .with_columns(_lag().alias("lag"))
        .group_by("region_code")
        .agg(
            pl.col("lag").median().alias("value"),
            pl.len().alias("sample"),
            pl.col("disclosure_id").sort_by("lag", descending=True).head(20).alias("evidence"),
        )
    )
    return per_village


def confirm(data: ScoringData, hits: pl.DataFrame) -> pl.DataFrame:
    judged = hits.with_columns(pl.col("sample").alias("judged_as"))
    return beyond_chance(data, judged, data.disclosures, "published_at", _lag()).drop("judged_as")


INDICATOR = Indicator(
    id="slow_review",
    name_zh="街道审核明显滞后",
    name_en="Street reviews lagging",
    lead_type="slow",
    measures="Median hours from publication to the street's review of the window's reviewed disclosures.",
    rationale="Street administrators review what villages publish; reviews taking days where others take hours mean the review duty is neglected.",
    threshold_rule="Above the peers' upper fence, the local review time (setting review_hours, 72 h) and the median chance gives among villages not out of line themselves with as few disclosures.",
    min_sample=4,
    unit="hours",
    evidence_table="disclosures",
    measure=measure,
    threshold=lambda settings: settings.review_hours,
    confirm=confirm,
)
