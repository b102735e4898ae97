"""One demo export: the folder of files the platform would deliver, with the labels of its
misbehaving villages and a manifest of what was generated beside it."""

from __future__ import annotations

import datetime as dt
import functools
import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl

from demo import disclosures, messages, misconduct, padding, people, regions, scenarios, writers
from demo.formats import Planted
from demo.practice import practice_of
from demo.window import Window, month_starts
from etl.load import BUILTIN_CATALOGUE, Progress

LABEL_COLUMNS = ["region_code", "name", "street_code", "lead_type", "scenario"]
LABEL_COLUMNS += ["lead_start", "lead_end"]


def _window(months: int, end: str | dt.date | None) -> Window:
    if end is None:
        end = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    elif isinstance(end, str):
        end = dt.date.fromisoformat(end)
    start = end.replace(day=1)
    for _ in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return Window(start, end)


def _with_disclosure_scenarios(
    generated: pl.DataFrame, planted: list[scenarios.Scenario], window: Window, threshold: float
) -> pl.DataFrame:
    published, next_id = generated, generated.height + 1
    for s in planted:
        if s.name == "inflated_spending":
            published = misconduct.inflate_recurring(published, s)
        elif s.name == "late_disclosure":
            published = misconduct.delay_periodic(published, s, window)
        elif s.name == "split_payments":
            split = misconduct.split_under_threshold(published, s, threshold, window, next_id)
            published, next_id = pl.concat([published, split]), next_id + split.height
    return published


def generate_export(
    out: Path,
    preset: str = "district",
    seed: int = 1,
    months: int | None = None,
    end: str | dt.date | None = None,
    anomalies: bool = True,
    progress: Progress | None = None,
    practice: str = "standard",
) -> dict:
    """Write the export folder `out`, its labels and manifest beside it; return the manifest.

    `practice`: "standard" (the seed district's) or "drawn" (another district's, from the
    seed). Without `anomalies` no village misbehaves and no scenario is planted."""
    progress = progress or (lambda *_: None)
    local = practice_of(practice, seed)
    rng = np.random.default_rng(seed)
    window = _window(months or regions.PRESETS[preset][3], end)
    months_of_data = month_starts(window.start, window.end)
    light = preset == "province"  # keep the province export quick to write

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    progress(0.0, "生成行政区划与管理员")
    all_regions = regions.divisions(preset, rng)
    villages = all_regions.filter(pl.col("level") == "village").rename(
        {"parent_code": "street_code"}
    )
    behaviour = misconduct.assign(regions.habits(villages, rng, local), window, rng, anomalies)
    planted = scenarios.choose(behaviour, window, seed) if anomalies else []
    admins = people.admins(all_regions, rng)
    catalogue = pl.read_csv(BUILTIN_CATALOGUE)
    bad_rows = Planted({})
    exported_regions = padding.with_campaign_households(all_regions, planted, villages)
    writers.write_regions(exported_regions, window, out)
    writers.write_admins(admins, out, bad_rows)

    progress(0.05, "生成注册用户")
    users = people.users(villages, behaviour, window, rng)
    added_users = padding.new_accounts(planted, villages, users, window)
    all_users = pl.concat([users, added_users.select(users.columns)])
    writers.write_users(all_users, window, months_of_data, out, rng, bad_rows)
    user_rows = all_users.height
    del all_users  # a province's millions of accounts: kept once, not twice, from here on

    progress(0.15, "生成三务公开")
    generated = disclosures.generate(villages, behaviour, catalogue, window, rng, local)
    published = _with_disclosure_scenarios(generated, planted, window, local.approval_threshold)
    writers.write_disclosures(
        published,
        window,
        months_of_data,
        out,
        rng,
        bad_rows,
        generated=generated,
        own_rng=scenarios.stream(seed, "amount_styles"),
    )
    disclosure_rows = published.height
    del generated, published

    progress(0.22, "生成群众留言")
    feedback = messages.feedback(villages, behaviour, users, window, rng, local)
    writers.write_feedback(feedback, window, months_of_data, out, rng, bad_rows)

    petitions = messages.petitions(all_regions, window, rng)
    writers.write_petitions(petitions, out, bad_rows)

    scenario_events = functools.partial(
        padding.scenario_activity,
        planted,
        users=users,
        added=added_users,
        behaviour=behaviour,
        window=window,
    )
    events = writers.write_activity(
        users,
        behaviour,
        feedback,
        window,
        months_of_data,
        out,
        rng,
        bad_rows,
        light,
        progress,
        added=scenario_events if planted else None,
    )

    all_round = (
        behaviour.filter(pl.col("lead_type").is_not_null())
        .join(villages.select("region_code", "name"), on="region_code")
        .with_columns(pl.col("lead_type").replace_strict(misconduct.ALL_ROUND).alias("scenario"))
    )
    labels = pl.concat(
        [all_round.select(LABEL_COLUMNS), scenarios.labels(planted, villages).select(LABEL_COLUMNS)]
    )
    labels.write_csv(out.with_name(out.name + ".labels.csv"))
    # The district's practice as its commission would declare it (etl load --settings).
    pl.DataFrame(
        {
            "key": ["approval_threshold"],
            "value": [local.approval_threshold],
            "note": ["村级重大事项须经村民（代表）会议的单笔金额（演示生成的本地规定）"],
        }
    ).write_csv(out.with_name(out.name + ".settings.csv"))
    manifest = {
        "preset": preset,
        "seed": seed,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "months": len(months_of_data),
        "anomalies": anomalies,
        "villages": len(villages),
        "misbehaving_villages": len(labels),
        "practice": {"name": practice, **local.manifest()},
        **scenarios.manifest(planted),
        "expected_rows": {
            "regions": len(all_regions),
            "admins": len(admins),
            "users": user_rows,
            "activity": events,
            "disclosures": disclosure_rows,
            "feedback": len(feedback),
            "petitions": len(petitions),
        },
        "planted_bad_rows": bad_rows.rows,
    }
    out.with_name(out.name + ".manifest.json").write_text(json.dumps(manifest, indent=2))
    progress(0.5, "导出已生成")
    return manifest
