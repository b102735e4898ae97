"""One demo export: the folder of files the platform would deliver, with the labels of its
misbehaving villages and a manifest of what was generated beside it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl

from demo import disclosures, messages, misconduct, people, regions, writers
from demo.formats import Planted
from demo.window import Window, month_starts
from etl.load import BUILTIN_CATALOGUE, Progress


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
    months = months or regions.PRESETS[preset][3]
    if end is None:
        end = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    elif isinstance(end, str):
        end = dt.date.fromisoformat(end)
    start = end.replace(day=1)
    for _ in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    window = Window(start, end)
    months_of_data = month_starts(start, end)
    light = preset == "province"  # keep the province export quick to write

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    progress(0.0, "生成行政区划与管理员")
    all_regions = regions.divisions(preset, rng)
    villages = all_regions.filter(pl.col("level") == "village").rename(
        {"parent_code": "street_code"}
    )
    behaviour = misconduct.assign(regions.habits(villages, rng), window, rng, anomalies)
    admins = people.admins(all_regions, rng)
    catalogue = pl.read_csv(BUILTIN_CATALOGUE)
    planted = Planted({})
    writers.write_regions(all_regions, out)
    writers.write_admins(admins, out, planted)

    progress(0.05, "生成注册用户")
    users = people.users(villages, behaviour, window, rng)
    writers.write_users(users, window, months_of_data, out, rng, planted)

    progress(0.15, "生成三务公开")
    published = disclosures.generate(villages, behaviour, catalogue, window, rng)
    writers.write_disclosures(published, window, months_of_data, out, rng, planted)

    progress(0.22, "生成群众留言")
    feedback = messages.feedback(villages, behaviour, users, window, rng)
    writers.write_feedback(feedback, window, months_of_data, out, rng, planted)

    petitions = messages.petitions(all_regions, window, rng)
    writers.write_petitions(petitions, out, planted)

    events = writers.write_activity(
        users, behaviour, feedback, window, months_of_data, out, rng, planted, light, progress
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
            "regions": len(all_regions),
            "admins": len(admins),
            "users": len(users),
            "activity": events,
            "disclosures": len(published),
            "feedback": len(feedback),
            "petitions": len(petitions),
        },
        "planted_bad_rows": planted.rows,
    }
    out.with_name(out.name + ".manifest.json").write_text(json.dumps(manifest, indent=2))
    progress(0.5, "导出已生成")
    return manifest
