"""Disclosures published long after they were due (慢作为).

Needs: disclosures with their due time (periodic items: end of period plus the
catalogue's due days; event items: end of the event's day plus due days). The share of
the window's due-dated publications that came more than `late_days` (setting, 7 by
default) after their due time, taken apart for periodic items (once per period: the
lines of a monthly ledger are one publication) and event items (once per event). A
share, not a median: a village publishing its periodic items weeks late while its event
items stay on time keeps a median of zero, and its periodic share stands out however
many events it publishes. The village's value is the share of the kind less likely by
chance at its peers' rate of late publications of that kind (the same street and kind
of village, base.peer_rates).

Fires with at least `min_sample` publications of that kind when the share passes the
peers' upper fence, 0.2, and the share its peers' rate reaches by chance (ScoringData.chance).

Sensitivity (tests/models/test_sensitivity.py, where 95 % of items are on time and the
rest a couple of days late): periodic items 10 days late are found whether all of them
are (8 of 8 villages), half (8 of 8) or a quarter (6 of 8), while the village's event
items stay on time; 5 days late is not (0 of 8: within the 7-day setting), but is with
late_days set to 3 (8 of 8). No clean village fires at any of these (0 of 88).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import binom

from models.data import ScoringData
from models.indicators.base import Indicator, peer_rates, share_flagged
from models.stats import dispersion, share_needed
from schema.timing import days_late


def measure(data: ScoringData) -> pl.DataFrame:
    dated = data.disclosures.filter(pl.col("due").is_not_null()).with_columns(
        pl.when(pl.col("frequency") == "event")
        .then(pl.lit("event"))
        .otherwise(pl.lit("periodic"))
        .alias("kind_of_item")
    )
    periodic = (
        dated.filter(pl.col("kind_of_item") == "periodic")
        .sort("published_at")
        .unique(
            ["region_code", "item_code", "period_start", "period_end"],
            keep="first",
            maintain_order=True,
        )
    )
    publications = pl.concat([periodic, dated.filter(pl.col("kind_of_item") == "event")]).filter(
        pl.col("published_at") >= data.window_start_ts
    )
    late = days_late(pl.col("published_at"), pl.col("due")) > data.settings.late_days
    frames = []
    for (kind,), rows in publications.sort("kind_of_item").group_by(
        "kind_of_item", maintain_order=True
    ):
        shares = share_flagged(rows, late, pl.col("disclosure_id")).with_columns(
            pl.lit(kind).alias("kind_of_item")
        )
        rate = peer_rates(data, pl.col("value") * pl.col("sample"), pl.col("sample"), shares)
        clustered = dispersion(shares)
        sample = shares.get_column("sample").to_numpy() / clustered
        flagged = shares.get_column("value").to_numpy() * sample
        frames.append(
            shares.with_columns(
                pl.Series(
                    "needed",
                    share_needed(sample * clustered, rate.to_numpy(), data.chance, clustered),
                ),
                pl.Series(
                    "chance",
                    binom.sf(
                        np.ceil(flagged) - 1, np.floor(np.maximum(sample, 1)), rate.to_numpy()
                    ),
                ),
            )
        )
    if not frames:
        return share_flagged(publications, late, pl.col("disclosure_id"))
    return (
        pl.concat(frames)
        .filter(pl.col("sample") >= INDICATOR.min_sample)
        .sort("chance", "region_code", "kind_of_item")
        .unique("region_code", keep="first", maintain_order=True)
        .drop("chance", "kind_of_item")
    )


INDICATOR = Indicator(
    id="late_disclosures",
    name_zh="三务公开明显滞后",
    name_en="Disclosures published long after they were due",
    lead_type="slow",
    measures="Share of the window's due-dated publications of periodic items (once per period) or of event items, whichever is less likely by chance, published more than the late days (setting late_days, 7) after their due time.",
    rationale="Each catalogue item has a due date; publishing weeks late, when peers publish on time, keeps residents uninformed.",
    threshold_rule="Above the peers' upper fence, 0.2 and the share the peers' rate of late publications of that kind reaches by chance (ScoringData.chance).",
    min_sample=4,
    unit="share",
    evidence_table="disclosures",
    measure=measure,
    threshold=0.2,
)
