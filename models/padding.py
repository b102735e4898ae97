"""Villages whose registration or activity figures look padded in a month: what the
rankings note (数据异常，待核实) instead of silently rewarding, and what the registration
page shows with its evidence.

A village's figures look padded in a month when a lead episode live at the month's end
(`scoring_day`) fired one of the padding indicators (models/indicators: PADDING); the
note stays while inspectors have not found the lead unfounded (不属实). Pure: episodes and
dispositions in, frames out (datastore/scoring.py's padded_villages reads them)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from models.indicators import PADDING
from schema.timing import month_end

FLAGGED_SCHEMA = {
    "region_code": pl.String, "name": pl.String, "street_code": pl.String,
    "lead_id": pl.String, "lead_type": pl.String, "score": pl.Float64,
    "window_start": pl.Date, "window_end": pl.Date,
    "indicators": pl.List(pl.Struct({"indicator": pl.String, "value": pl.Float64,
                                     "threshold": pl.Float64, "peer_median": pl.Float64,
                                     "sample": pl.Int64})),
    "evidence": pl.List(pl.Struct({"indicator": pl.String, "records": pl.List(pl.String)})),
}  # fmt: skip
# Dispositions under which a village's figures stay noted, and the note's key (ui/i18n.py).
NOTED = {
    "pending": "padding_note_open",
    "checking": "padding_note_open",
    "partly_confirmed": "padding_note_confirmed",
    "confirmed": "padding_note_confirmed",
}
NOTE_KEYS = sorted(set(NOTED.values()))


def scoring_day(month: dt.date, as_of: dt.date | None, last_day: dt.date) -> dt.date:
    """The day a month's figures are judged on: its last day, or the as-of day or the data's
    last day when earlier."""
    return min(month_end(month), as_of or last_day, last_day)


def live_on(episodes: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """The episodes raised at the scoring day `day` (first seen on or before it, last seen
    on or after it)."""
    return episodes.filter((pl.col("first_seen") <= day) & (pl.col("last_seen") >= day))


def padding_leads(leads: pl.DataFrame) -> pl.DataFrame:
    """The lead episodes (models/episodes.py, live on a month's `scoring_day`) whose peak
    fired a padding indicator, one row per village (FLAGGED_SCHEMA): the lead, and only the
    padding indicators with their figures and the records behind them."""
    rows = []
    for lead in leads.iter_rows(named=True):
        fired = [i for i in json.loads(lead["indicators"]) if i["indicator"] in PADDING]
        if not fired:
            continue
        evidence = json.loads(lead["evidence"])
        rows.append(
            {
                **{k: lead[k] for k in ("region_code", "name", "street_code", "lead_id",
                                        "lead_type", "score")},
                # The peak window's: its indicators and evidence are those shown.
                "window_start": lead["peak_window_start"],
                "window_end": lead["peak_window_end"],
                "indicators": fired,
                "evidence": [
                    {"indicator": i["indicator"], "records": evidence.get(i["indicator"], [])}
                    for i in fired
                ],
            }
        )  # fmt: skip
    return pl.DataFrame(rows, schema=FLAGGED_SCHEMA).sort("region_code")


def with_dispositions(flagged: pl.DataFrame, statuses: pl.DataFrame) -> pl.DataFrame:
    """The flagged villages whose figures stay noted, with status (the inspectors' latest
    disposition of the lead, `statuses`: lead_id, status) and note (its text's key in
    ui/i18n.py)."""
    if flagged.is_empty():
        return flagged.with_columns(
            pl.lit(None, pl.String).alias("status"), pl.lit(None, pl.String).alias("note")
        )
    return (
        flagged.join(statuses.select("lead_id", "status"), on="lead_id", how="left")
        .filter(pl.col("status").is_in(list(NOTED)))
        .with_columns(pl.col("status").replace_strict(NOTED).alias("note"))
    )


def ranking_notes(noted: pl.DataFrame, level: str) -> pl.DataFrame:
    """Per unit of a ranking (`village`, or `street` for the streets holding noted villages):
    region_code, note (the key of the most pressing one: an open check before a confirmed
    finding) and villages (how many of its villages are noted)."""
    unit = "region_code" if level == "village" else "street_code"
    order = {"padding_note_open": 0, "padding_note_confirmed": 1}
    return (
        noted.group_by(unit)
        .agg(
            pl.col("note").sort_by(pl.col("note").replace_strict(order)).first(),
            pl.len().cast(pl.Int64).alias("villages"),
        )
        .rename({unit: "region_code"})
        .sort("region_code")
    )
