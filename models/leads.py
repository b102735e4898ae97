"""Leads: the indicators that fired for a village, combined with the anomaly model into
one scored, explained prompt to check per village, window and type. Pure: ScoringData in,
frames out."""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from models.anomaly import PeerAnomalyModel
from models.data import ScoringData
from models.figures import FEATURES as FIGURE_FEATURES
from models.figures import ranked_figures
from models.indicators import LEAD_TYPES, REGISTRY
from models.indicators.base import with_strength

# The model alone raises a lead only for a village this far from all others (in the
# robust z of its anomaly score): rules carry the leads, the model catches combinations.
MODEL_ONLY_Z = 15.0
MODEL_WEIGHT = 0.15  # share of a rule-based lead's score that the model can move
# A lead the model raises alone passed no rule: it scores under half at most.
MODEL_ONLY_SCORE = 0.45
MIN_MODEL_VILLAGES = 10  # fewer villages in a window teach the model nothing of normal

LEAD_SCHEMA = {
    "lead_id": pl.String, "region_code": pl.String, "name": pl.String,
    "street_code": pl.String, "district_code": pl.String, "lead_type": pl.String,
    "score": pl.Float64, "window_start": pl.Date, "window_end": pl.Date,
    "indicators": pl.String, "explanation": pl.String, "explanation_en": pl.String,
    "evidence": pl.String,
    "model_score": pl.Float64,
}  # fmt: skip


def measure_all(data: ScoringData) -> dict[str, pl.DataFrame]:
    """Every indicator's measure of every village, taken once for its rule and the model."""
    return {id_: indicator.measure(data) for id_, indicator in REGISTRY.items()}


def all_hits(data: ScoringData, measured: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every indicator's hits, one row each, with its strength."""
    frames = []
    for id_, indicator in REGISTRY.items():
        hits = indicator.judge(data, measured[id_])
        if hits.is_empty():
            continue
        frames.append(
            with_strength(hits).with_columns(
                pl.lit(indicator.id).alias("indicator"),
                pl.lit(indicator.lead_type).alias("lead_type"),
            )
        )
    if not frames:
        return pl.DataFrame(
            schema={"region_code": pl.String, "indicator": pl.String, "lead_type": pl.String,
                    "value": pl.Float64, "threshold": pl.Float64, "peer_median": pl.Float64,
                    "sample": pl.Int64, "evidence": pl.List(pl.String), "strength": pl.Float64}
        )  # fmt: skip
    return pl.concat(frames, how="diagonal_relaxed")


def feature_name(feature: str, english: bool = False) -> str:
    """The name of a model feature: an indicator's, or a ranked figure's."""
    if feature in REGISTRY:
        return REGISTRY[feature].name_en if english else REGISTRY[feature].name_zh
    return FIGURE_FEATURES[feature][1 if english else 0]


def features(data: ScoringData, measured: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per village, one column per indicator's measure (peers' median where the
    village has too small a sample), then the ranked figures against peers
    (models/figures.py) where they can be read."""
    frame = data.villages.select("region_code")
    for id_, indicator in REGISTRY.items():
        kept = measured[id_].filter(pl.col("sample") >= indicator.min_sample)
        frame = frame.join(
            kept.select("region_code", pl.col("value").cast(pl.Float64).alias(id_)),
            on="region_code",
            how="left",
        )
    # Always joined (null where unread) so that every window has the same columns.
    frame = frame.join(ranked_figures(data), on="region_code", how="left")
    columns = [c for c in frame.columns if c != "region_code"]
    # Joins do not keep row order, and the forest's trees depend on it: sort for a seed to
    # give the same scores every time.
    return frame.sort("region_code").with_columns(
        pl.col(c).fill_null(pl.col(c).median()).fill_null(0.0) for c in columns
    )


def model_scores(windows: pl.DataFrame, seed: int = 0) -> pl.DataFrame:
    """The anomaly model over the villages of one or more windows (`features` with a
    `step` column naming the window): fitted once on them all, so that what is normal is
    learnt from every village in every window. Per step and village: model_score (share
    of the window's villages less anomalous, 0–1), model_z (robust z of the anomaly
    within the window) and the three features furthest above the median."""
    names = [c for c in windows.columns if c not in ("step", "region_code")]
    if windows.group_by("step").len().get_column("len").max() < MIN_MODEL_VILLAGES:
        return windows.select(
            "step",
            "region_code",
            pl.lit(0.0).alias("model_score"),
            pl.lit(0.0).alias("model_z"),
            pl.lit([], pl.List(pl.String)).alias("model_features"),
        )
    windows = windows.sort("step", "region_code")
    X = windows.select(names).to_numpy()
    model = PeerAnomalyModel(random_state=seed).fit(X)
    deviations = model.deviations(X)
    top = np.argsort(-deviations, axis=1)[:, :3]
    # The three furthest features, those more than 1.5 IQR above the median, furthest first.
    furthest = np.array(names, dtype=object)[top]
    furthest[~(np.take_along_axis(deviations, top, axis=1) > 1.5)] = None
    top_features = pl.DataFrame(
        {f"f{k}": pl.Series(furthest[:, k].tolist(), dtype=pl.String) for k in range(top.shape[1])}
    ).select(pl.concat_list(pl.all()).list.drop_nulls().alias("model_features"))
    anomaly = pl.col("anomaly")
    median = anomaly.median().over("step")
    mad = ((anomaly - median).abs().median().over("step") * 1.4826).clip(lower_bound=1e-9)
    return (
        windows.select("step", "region_code")
        .with_columns(
            pl.Series("anomaly", -model.score_samples(X)),
            top_features.get_column("model_features"),
        )
        .with_columns(
            (
                (anomaly.rank("ordinal").over("step") - 1)
                / (pl.len().over("step") - 1).clip(lower_bound=1)
            ).alias("model_score"),
            ((anomaly - median) / mad).alias("model_z"),
        )
        .select("step", "region_code", "model_score", "model_z", "model_features")
    )


UNITS = {"hours": ("小时", "h"), "days": ("天", "days"), "times": ("倍", "times")}


def _format(value: float | None, unit: str, english: bool = False) -> str:
    if value is None:
        return "—"
    if unit == "share":
        return f"{value:.0%}"
    if unit in UNITS:
        return f"{value:.1f} {UNITS[unit][1 if english else 0]}"
    if unit == "MAD":
        return f"{value:.4f}"
    return f"{value:.0f}"


def _explain(row: dict, english: bool = False) -> str:
    """Why the lead was raised, in Chinese or in English: each indicator's figure against
    its threshold and peers, and what the anomaly model saw."""
    parts = []
    for hit in row["fired"]:
        indicator = REGISTRY[hit["indicator"]]
        value, threshold, median = (
            _format(hit[k], indicator.unit, english) for k in ("value", "threshold", "peer_median")
        )
        if english:
            parts.append(
                f"{indicator.name_en}: {value} (threshold {threshold}, peer median {median}, "
                f"sample {hit['sample']})"
            )
        else:
            parts.append(
                f"{indicator.name_zh}：{value}（阈值 {threshold}，同类村中位数 {median}，"
                f"样本 {hit['sample']}）"
            )
    zh_type, en_type = LEAD_TYPES[row["lead_type"]]
    window = f"{row['window_start']:%Y-%m-%d}", f"{row['window_end']:%Y-%m-%d}"
    features = [feature_name(f, english) for f in row["model_features"]]
    if english:
        model_part = (
            f"Anomaly model: {', '.join(features)} stand apart from peer villages. "
            if features
            else ""
        )
        return (
            f"{row['name']}, {window[0]} to {window[1]}: {en_type} lead. "
            + "; ".join(parts)
            + (". " if parts else "")
            + model_part
            + "A prompt to check, not a finding."
        )
    model_part = f"异常模型：{'、'.join(features)}明显偏离同类村。" if features else ""
    return (
        f"{row['name']}在 {window[0]} 至 {window[1]} 期间出现{zh_type}线索："
        + "；".join(parts)
        + ("。" if parts else "")
        + model_part
        + "此为核查提示，不是结论。"
    )


def score_leads(data: ScoringData, seed: int = 0) -> pl.DataFrame:
    """The leads of one window, the anomaly model fitted on that window alone."""
    measured = measure_all(data)
    model = model_scores(features(data, measured).with_columns(pl.lit(0).alias("step")), seed)
    return leads_of_window(data, measured, model)


def leads_of_window(
    data: ScoringData, measured: dict[str, pl.DataFrame], model: pl.DataFrame
) -> pl.DataFrame:
    """One lead per village and type with at least one indicator fired, and for villages
    the model alone finds far from all others; sorted by score. `measured` holds the
    window's measures, `model` its villages' model scores."""
    hits = all_hits(data, measured)
    model = model.drop("step")
    per_type = (
        hits.group_by("region_code", "lead_type")
        .agg(
            (1 - (1 - pl.col("strength")).product()).alias("rule_score"),
            pl.struct("indicator", "value", "threshold", "peer_median", "sample", "strength")
            .sort_by(["strength", "indicator"], descending=[True, False])
            .alias("fired"),
            pl.struct("indicator", "evidence").sort_by("indicator").alias("evidence"),
        )
        .join(model, on="region_code", how="left")
        .with_columns(
            (
                pl.col("rule_score") * (1 - MODEL_WEIGHT + MODEL_WEIGHT * pl.col("model_score"))
            ).alias("score")
        )
    )
    flagged = per_type.get_column("region_code").unique()
    model_only = model.filter(
        (pl.col("model_z") >= MODEL_ONLY_Z)
        & ~pl.col("region_code").is_in(flagged.implode())
        & (pl.col("model_features").list.len() > 0)
    ).with_columns(
        pl.col("model_features")
        .list.first()
        .replace_strict(
            {k: v.lead_type for k, v in REGISTRY.items()}
            | {k: v[2] for k, v in FIGURE_FEATURES.items()}
        )
        .alias("lead_type"),
        (MODEL_ONLY_SCORE * pl.col("model_score")).alias("score"),
    )
    leads = pl.concat([per_type, model_only], how="diagonal_relaxed").join(
        data.villages.select("region_code", "name", "street_code", "district_code"),
        on="region_code",
    )
    leads = leads.with_columns(
        pl.lit(data.window_start).alias("window_start"),
        pl.lit(data.window_end).alias("window_end"),
        pl.col("fired").fill_null([]),
        pl.col("evidence").fill_null([]),
        pl.col("model_features").fill_null([]),
    )
    rows = []
    for row in leads.iter_rows(named=True):
        rows.append(
            {
                "lead_id": f"{row['region_code']}-{row['lead_type']}-{data.window_end:%Y%m%d}",
                "region_code": row["region_code"],
                "name": row["name"],
                "street_code": row["street_code"],
                "district_code": row["district_code"],
                "lead_type": row["lead_type"],
                "score": float(row["score"]),
                "window_start": row["window_start"],
                "window_end": row["window_end"],
                "indicators": json.dumps(
                    [
                        {
                            k: hit[k]
                            for k in ("indicator", "value", "threshold", "peer_median", "sample")
                        }
                        for hit in row["fired"]
                    ],
                    ensure_ascii=False,
                ),
                "explanation": _explain(row),
                "explanation_en": _explain(row, english=True),
                "evidence": json.dumps(
                    {e["indicator"]: e["evidence"] for e in row["evidence"]}, ensure_ascii=False
                ),
                "model_score": float(row["model_score"] or 0.0),
            }
        )
    return pl.DataFrame(rows, schema=LEAD_SCHEMA).sort(
        ["score", "region_code"], descending=[True, False]
    )
