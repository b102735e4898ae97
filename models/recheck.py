"""The data re-check of a rectification item (整改数据复核): the indicators that raised its
lead, measured again by their own rules over the window after the unit said it was done
(or after the deadline), against the same peers (villages of the same street and kind,
scored alongside it). Pure: Records in, a verdict out.

A lead the anomaly model raised alone has no rule to re-measure: its village's distance
from the others (the robust z of its anomaly score) is measured again instead, the model
fitted anew on the re-check window's villages, against the bar that raised it.

The verdict: 未通过 when any indicator, with enough records to judge, still fires; 通过
when every indicator has enough records and none fires; otherwise 样本不足 (a window
shorter than a scoring window's minimum, or too few records for an indicator, or too few
villages for the model). An inspector may close an item whatever the re-check says: it
is shown, never forced.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import polars as pl

from models.data import MIN_WINDOW_DAYS, Records, ScoringData, prepare
from models.indicators import REGISTRY
from models.leads import (
    MIN_MODEL_VILLAGES,
    MODEL_ONLY_Z,
    feature_name,
    features,
    measure_all,
    model_scores,
)

VERDICTS = {
    "passed": ("数据复核通过", "data re-check passed"),
    "failed": ("数据复核未通过", "data re-check failed"),
    "too_few": ("样本不足", "too few records"),
    "not_due": ("未到复核时点", "not yet due"),
}

# The row of a lead the model raised alone: its value is the village's robust z.
MODEL = "anomaly_model"
MODEL_NAMES = ("异常模型（与同类村社区的综合偏离）", "anomaly model (combined distance from peers)")


def indicator_name(indicator: str, english: bool = False) -> str:
    """The name of a re-check row: an indicator's, or the anomaly model's."""
    return MODEL_NAMES[english] if indicator == MODEL else feature_name(indicator, english)


INDICATOR_SCHEMA = {
    "indicator": pl.String,
    "before": pl.Float64,  # the lead's value at its peak
    "before_threshold": pl.Float64,
    "before_sample": pl.Int64,
    "after": pl.Float64,  # over the re-check window; null without records
    "after_sample": pl.Int64,
    "min_sample": pl.Int64,
    "still_fires": pl.Boolean,  # null when there are too few records to judge
}


@dataclass(frozen=True)
class Recheck:
    verdict: str  # a key of VERDICTS
    window_start: dt.date | None
    window_end: dt.date | None
    indicators: pl.DataFrame  # INDICATOR_SCHEMA, one row per indicator of the lead

    def summary_zh(self) -> str:
        """One line for a ledger: the verdict, the window and before → after per indicator."""
        if self.verdict == "not_due":
            return VERDICTS["not_due"][0]
        window = f"{self.window_start:%Y-%m-%d} 至 {self.window_end:%Y-%m-%d}"
        parts = [
            f"{indicator_name(row['indicator'])} {_number(row['before'])} → {_number(row['after'])}"
            for row in self.indicators.iter_rows(named=True)
        ]
        return f"{VERDICTS[self.verdict][0]}（{window}）" + (
            "：" + "；".join(parts) if parts else ""
        )


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def _before(indicators: str) -> pl.DataFrame:
    hits = json.loads(indicators) if indicators else []
    if not hits:
        # Raised by the model alone: what it saw then is not kept, the bar it passed is.
        hits = [{"indicator": MODEL, "value": None, "threshold": MODEL_ONLY_Z, "sample": None}]
    return pl.DataFrame(
        [
            {"indicator": h["indicator"], "before": h.get("value"),
             "before_threshold": h.get("threshold"), "before_sample": h.get("sample")}
            for h in hits
        ],
        schema={k: INDICATOR_SCHEMA[k] for k in ("indicator", "before", "before_threshold",
                                                  "before_sample")},
    ).unique("indicator", keep="first", maintain_order=True)  # fmt: skip


def _model_measured(data: ScoringData, region_code: str) -> dict:
    villages = data.villages.height
    if villages < MIN_MODEL_VILLAGES:
        return {"after": None, "after_sample": villages, "min_sample": MIN_MODEL_VILLAGES,
                "still_fires": None}  # fmt: skip
    scores = model_scores(features(data, measure_all(data)).with_columns(pl.lit(0).alias("step")))
    own = scores.filter(pl.col("region_code") == region_code)
    z = float(own.get_column("model_z")[0]) if own.height else None
    return {"after": z, "after_sample": villages, "min_sample": MIN_MODEL_VILLAGES,
            "still_fires": None if z is None else z >= MODEL_ONLY_Z}  # fmt: skip


def _measured(data: ScoringData, region_code: str, indicator_id: str) -> dict:
    if indicator_id == MODEL:
        return _model_measured(data, region_code)
    indicator = REGISTRY[indicator_id]
    per_village = indicator.measure(data)
    own = per_village.filter(pl.col("region_code") == region_code)
    if own.is_empty() and not indicator.peers:
        # A fixed rule (a run of split payments) lists only villages where it saw the
        # pattern: a village with records in the window and no row did not repeat it.
        rows = _rows_in_window(data, region_code, indicator.evidence_table)
        if rows:
            return {"after": 0.0, "after_sample": rows, "min_sample": indicator.min_sample,
                    "still_fires": False}  # fmt: skip
    sample = int(own.get_column("sample")[0]) if own.height else 0
    value = own.get_column("value")[0] if own.height else None
    enough = sample >= indicator.min_sample and value is not None
    fires = None
    if enough:
        hits = indicator.judge(data, per_village)
        fires = region_code in hits.get_column("region_code").to_list()
    return {"after": None if value is None else float(value), "after_sample": sample,
            "min_sample": indicator.min_sample, "still_fires": fires}  # fmt: skip


def _rows_in_window(data: ScoringData, region_code: str, table: str) -> int:
    frame, at = (
        (data.feedback, "submitted_at")
        if table == "feedback"
        else (data.disclosures, "published_at")
    )
    return frame.filter(
        (pl.col("region_code") == region_code) & (pl.col(at) >= data.window_start_ts)
    ).height


def recheck(
    records: Records,
    region_code: str,
    indicators: str,
    start: dt.date | None,
    windows: dict[dt.date, ScoringData] | None = None,
) -> Recheck:
    """Re-measure the lead's `indicators` (its JSON, as recorded on the item) for
    `region_code` over `start` … the data's last day. `windows` may carry windows already
    prepared, by start day, when many items are re-checked at once."""
    before = _before(indicators)
    if start is None:
        return Recheck("not_due", None, None, _empty_after(before))
    end = records.last_day
    days = (end - start).days + 1
    if days < MIN_WINDOW_DAYS:
        return Recheck("too_few", start, end, _empty_after(before))
    cache = windows if windows is not None else {}
    if start not in cache:
        cache[start] = prepare(records, end, days)
    data = cache[start]
    after = [
        {"indicator": row["indicator"], **_measured(data, region_code, row["indicator"])}
        for row in before.iter_rows(named=True)
        if row["indicator"] in REGISTRY or row["indicator"] == MODEL
    ]
    frame = before.join(
        pl.DataFrame(after, schema={k: v for k, v in INDICATOR_SCHEMA.items()
                                    if k not in before.columns or k == "indicator"}),
        on="indicator",
        how="left",
    ).select(list(INDICATOR_SCHEMA))  # fmt: skip
    fires = frame.get_column("still_fires")
    if fires.fill_null(False).any():
        verdict = "failed"
    elif fires.is_not_null().all():
        verdict = "passed"
    else:
        verdict = "too_few"
    return Recheck(verdict, start, end, frame)


def _empty_after(before: pl.DataFrame) -> pl.DataFrame:
    return before.with_columns(
        pl.lit(None, pl.Float64).alias("after"),
        pl.lit(None, pl.Int64).alias("after_sample"),
        pl.col("indicator")
        .replace_strict(
            {k: v.min_sample for k, v in REGISTRY.items()} | {MODEL: MIN_MODEL_VILLAGES},
            default=None,
        )
        .cast(pl.Int64)
        .alias("min_sample"),
        pl.lit(None, pl.Boolean).alias("still_fires"),
    ).select(list(INDICATOR_SCHEMA))
