"""The scenarios of one kind each (#10, #17): each shows its pattern in the loaded demo,
the near miss is not labelled, and none of them changes a row of any other village."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest

from demo import generate_export, practice, scenarios
from tests.exports import rows


@pytest.fixture(scope="module")
def planted(demo_db) -> dict[str, list[dict]]:
    _, export = demo_db
    manifest = json.loads(export.with_name(export.name + ".manifest.json").read_text())
    by_kind: dict[str, list[dict]] = {}
    for s in manifest["scenarios"] + manifest["near_misses"]:
        by_kind.setdefault(s["scenario"], []).append(s)
    return by_kind


def test_every_kind_is_planted_and_only_misconduct_is_labelled(demo_db, planted):
    _, export = demo_db
    assert set(planted) == {k.name for k in scenarios.KINDS}
    labels = pl.read_csv(
        export.with_name(export.name + ".labels.csv"), schema_overrides={"region_code": pl.String}
    )
    labelled = set(labels.get_column("scenario"))
    misconduct = {k.name for k in scenarios.KINDS if k.lead_type}
    assert misconduct < labelled
    assert "registration_campaign" not in labelled
    campaign = {s["region_code"] for s in planted["registration_campaign"]}
    assert not campaign & set(labels.get_column("region_code"))
    # One village, one scenario.
    assert labels.get_column("region_code").is_unique().all()


def _month_rows(db, code: str, month: str) -> tuple[int, int]:
    """(residents registered and not cancelled at the month's end, those active in it)."""
    return rows(
        db,
        """
        WITH r AS (
            SELECT user_id FROM users
            WHERE region_code = ? AND role = 'resident'
              AND registered_at < CAST(? AS DATE) + INTERVAL 1 MONTH
              AND (cancelled_at IS NULL OR cancelled_at >= CAST(? AS DATE) + INTERVAL 1 MONTH))
        SELECT count(*), count(*) FILTER (user_id IN (
            SELECT user_id FROM activity
            WHERE ts >= CAST(? AS DATE) AND ts < CAST(? AS DATE) + INTERVAL 1 MONTH))
        FROM r""",
        [code, month, month, month, month],
    )[0]


def test_padded_activity_reaches_its_target_by_logins_in_a_few_afternoon_minutes(demo_db, planted):
    db, _ = demo_db
    for s in planted["padded_activity"]:
        months = pl.date_range(
            pl.lit(s["start"]).str.to_date(), pl.lit(s["end"]).str.to_date(), "1mo", eager=True
        )
        for month in months.to_list():
            residents, active = _month_rows(db, s["region_code"], str(month))
            assert active / residents >= s["target_activity"] - 0.02, (s, month)
        # Hundreds of logins in the last afternoons before 17:00, a dozen minutes a batch.
        burst = rows(
            db,
            """SELECT count(*), count(DISTINCT date_trunc('minute', ts))
               FROM activity a JOIN users u USING (user_id)
               WHERE u.region_code = ? AND a.action = 'login'
                 AND ts::DATE >= last_day(ts::DATE) - 1 AND hour(ts) BETWEEN 13 AND 16
                 AND ts::DATE BETWEEN ? AND ?""",
            [s["region_code"], s["start"], s["end"]],
        )[0]
        assert burst[0] >= s["logins"] and burst[0] >= 100
        assert burst[0] / burst[1] >= 5  # logins per minute used
        # Before and after, the village's own figure is ordinary.
        residents, active = _month_rows(db, s["region_code"], "2026-10-01")
        if s["end"] < "2026-10-01":
            assert active / residents < 0.6


def test_burst_registrations_have_no_household_and_many_cancel_after_the_month_end(
    demo_db, planted
):
    db, _ = demo_db
    for s in planted["burst_registrations"]:
        bursts = rows(
            db,
            """SELECT registered_at::DATE, count(*), max(registered_at) - min(registered_at),
                      count(cancelled_at),
                      min(cancelled_at::DATE - last_day(registered_at::DATE)),
                      max(cancelled_at::DATE - last_day(registered_at::DATE))
               FROM users
               WHERE region_code = ? AND role = 'resident' AND household_id IS NULL
               GROUP BY 1 ORDER BY 1""",
            [s["region_code"]],
        )
        assert bursts and sum(b[1] for b in bursts) == s["accounts"]
        for day, accounts, span, cancelled, first, last in bursts:
            assert day.day >= 27 and accounts >= 40
            assert span.total_seconds() <= 2 * 3600
            assert 0 < cancelled < accounts and first >= 1 and last <= 10


def test_the_registration_campaign_registers_real_households_over_weeks(demo_db, planted):
    db, _ = demo_db
    for s in planted["registration_campaign"]:
        register = rows(
            db, "SELECT households FROM regions WHERE region_code = ?", [s["region_code"]]
        )
        first_new = register[0][0] - s["households_added"]  # the estate's household numbers
        weeks, busiest_hour, accounts = rows(
            db,
            """WITH c AS (SELECT * FROM users
                          WHERE region_code = ?
                            AND CAST(split_part(household_id, '-', 2) AS INT) >= ?)
               SELECT count(DISTINCT date_trunc('week', registered_at)),
                      (SELECT max(n) FROM (SELECT count(*) n FROM c
                                           GROUP BY date_trunc('hour', registered_at))),
                      count(*)
               FROM c""",
            [s["region_code"], first_new],
        )[0]
        assert accounts == s["accounts"] >= s["households_added"]
        assert weeks >= 4 and busiest_hour <= 20
        registered = rows(
            db,
            """SELECT count(DISTINCT household_id) FROM users
               WHERE region_code = ? AND role = 'resident' AND cancelled_at IS NULL""",
            [s["region_code"]],
        )[0][0]
        assert registered / register[0][0] > 0.99  # the estate's households are in the register


def test_inflated_spending_pays_several_times_the_village_s_usual_amount(demo_db, planted):
    db, _ = demo_db
    for s in planted["inflated_spending"]:
        inside, outside = rows(
            db,
            """SELECT median(amount) FILTER (published_at::DATE BETWEEN ? AND ?),
                      median(amount) FILTER (published_at::DATE NOT BETWEEN ? AND ?)
               FROM disclosures WHERE region_code = ? AND item_code IN ('FW01', 'FW08')""",
            [s["start"], s["end"], s["start"], s["end"], s["region_code"]],
        )[0]
        assert 3 <= s["factor"] <= 10 and s["payments"] >= 4
        assert float(inside) / float(outside) >= 2


def test_late_disclosure_is_weeks_late_on_periodic_items_only(demo_db, planted):
    db, _ = demo_db
    for s in planted["late_disclosure"]:
        periodic_late, periodic, events_late, events = rows(
            db,
            """WITH d AS (
                   SELECT c.frequency,
                          published_at - (period_end + 1 + c.due_days)::TIMESTAMP AS late
                   FROM disclosures JOIN catalogue c USING (item_code)
                   WHERE region_code = ?
                     AND period_end + 1 + c.due_days BETWEEN ? AND ?)
               SELECT count(*) FILTER (frequency <> 'event' AND late > INTERVAL 7 DAY),
                      count(*) FILTER (frequency <> 'event'),
                      count(*) FILTER (frequency = 'event' AND late > INTERVAL 7 DAY),
                      count(*) FILTER (frequency = 'event')
               FROM d""",
            [s["region_code"], s["start"], s["end"]],
        )[0]
        assert periodic_late / periodic >= s["share"] / 2
        assert events_late <= max(1, events * 0.2)


def test_split_payments_stay_under_the_local_threshold_and_add_up_past_it(demo_db, planted):
    db, _ = demo_db
    for s in planted["split_payments"]:
        threshold = s["threshold"]
        runs = rows(
            db,
            """SELECT payee, count(*), sum(amount), max(published_at) - min(published_at)
               FROM disclosures
               WHERE region_code = ? AND amount >= 0.86 * ? AND amount < ?
                 AND published_at::DATE BETWEEN ? AND CAST(? AS DATE) + INTERVAL 15 DAY
               GROUP BY payee HAVING count(*) >= 3""",
            [s["region_code"], threshold, threshold, s["start"], s["end"]],
        )
        assert runs
        for _, payments, total, span in runs:
            assert payments <= 5 and float(total) > threshold and span.days <= 12


def _rows_of(export: Path) -> dict[str, pl.DataFrame]:
    frames = {}
    for path in sorted(export.glob("*.csv")):
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        frames[path.name] = pl.read_csv(io.StringIO(text), infer_schema=False)
    return frames


def _column(frame: pl.DataFrame, *names: str) -> str | None:
    return next((n for n in names if n in frame.columns), None)


def test_scenarios_change_no_row_of_any_other_village(tmp_path, monkeypatch):
    with_them = tmp_path / "with" / "export"
    manifest = generate_export(with_them, seed=11, months=4, end="2026-10-31")
    kinds = len(scenarios.KINDS)
    monkeypatch.setattr(scenarios, "KINDS", ())
    without = tmp_path / "without" / "export"
    generate_export(without, seed=11, months=4, end="2026-10-31")
    codes = [s["region_code"] for s in manifest["scenarios"] + manifest["near_misses"]]
    assert len(codes) == kinds * 2  # about 1 % of the district's 186 villages each
    new, old = _rows_of(with_them), _rows_of(without)
    assert new.keys() == old.keys()
    users_of_scenarios = pl.concat(
        f.filter(pl.col(_column(f, "region_code", "村社区代码")).is_in(codes)).select(
            pl.col(_column(f, "user_id", "用户ID")).alias("user_id")
        )
        for name, f in new.items()
        if name.startswith("users_")
    ).get_column("user_id")
    changed = []
    for name in new:
        pair = []
        for frame in (new[name], old[name]):
            region = _column(frame, "region_code", "村社区代码")
            user = _column(frame, "user_id", "用户ID")
            if region:
                frame = frame.filter(~pl.col(region).is_in(codes) | pl.col(region).is_null())
            elif user:
                frame = frame.filter(~pl.col(user).is_in(users_of_scenarios.implode()))
            pair.append(frame.sort(frame.columns))
        assert pair[0].equals(pair[1]), name
        changed.append(new[name].height != old[name].height)
    assert any(changed)  # the scenarios did add rows


def test_clean_data_plants_no_scenario_and_no_near_miss(tmp_path):
    manifest = generate_export(tmp_path / "clean", months=2, end="2026-10-31", anomalies=False)
    assert manifest["scenarios"] == [] and manifest["near_misses"] == []
    frames = _rows_of(tmp_path / "clean")
    for name, frame in frames.items():
        if name.startswith("users_"):
            household = _column(frame, "household_id", "户号")
            role = _column(frame, "role", "用户类型")
            user = _column(frame, "user_id", "用户ID")
            residents = frame.filter(
                pl.col(role).is_in(["resident", "群众"]) & ~pl.col(user).str.starts_with("U_BAD")
            )
            assert residents.get_column(household).null_count() == 0, name


def test_local_practice_is_drawn_from_the_seed_and_recorded(tmp_path):
    drawn = [practice.drawn(seed) for seed in range(1, 21)]
    thresholds = {p.approval_threshold for p in drawn}
    assert len(thresholds) >= 3 and thresholds <= set(practice.THRESHOLDS)
    assert practice.drawn(5) == practice.drawn(5)
    seed = next(s for s in range(1, 21) if practice.drawn(s).approval_threshold != 50_000)
    manifest = generate_export(
        tmp_path / "local", seed=seed, months=3, end="2026-10-31", practice="drawn"
    )
    local = practice.drawn(seed)
    assert manifest["practice"]["approval_threshold"] == local.approval_threshold
    assert {s["threshold"] for s in manifest["scenarios"] if "threshold" in s} == {
        local.approval_threshold
    }
    # Declared beside the export, as the district's settings file, which the loader reads.
    from etl.settings import read_settings

    declared = read_settings(tmp_path / "local.settings.csv")
    assert dict(declared.select("key", "value").iter_rows()) == {
        "approval_threshold": local.approval_threshold
    }
    standard = generate_export(tmp_path / "standard", months=1, end="2026-10-31")
    assert standard["practice"]["approval_threshold"] == 50_000
    with pytest.raises(ValueError, match="unknown practice"):
        practice.practice_of("somewhere", 1)
