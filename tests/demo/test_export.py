"""The demo generator: a messy export whose every row the loader accounts for, calibrated to
the seed district's figures, with its misbehaving villages labelled beside the export."""

from __future__ import annotations

import json

import polars as pl

from schema.tables import TABLES
from tests.exports import rows


def _manifest(export):
    return json.loads(export.with_name(export.name + ".manifest.json").read_text())


def test_loads_exactly_the_rows_the_generator_made(demo_db):
    db, export = demo_db
    manifest = _manifest(export)
    for table, expected in manifest["expected_rows"].items():
        assert rows(db, f"SELECT count(*) FROM {table}") == [(expected,)], table
    planted = sum(manifest["planted_bad_rows"].values())
    loaded = rows(
        db, "SELECT rows_quarantined, rows_read, rows_inserted, rows_superseded FROM loads"
    )
    quarantined, read, inserted, superseded = loaded[0]
    assert quarantined == planted
    assert read == inserted + superseded + quarantined


def test_uses_every_variant_of_the_spec(demo_db):
    db, export = demo_db
    formats = {f for (f,) in rows(db, "SELECT DISTINCT format FROM load_files")}
    assert formats == {"csv-utf8", "csv-utf8-bom", "csv-gb18030", "xlsx"}
    names = {p.name for p in export.iterdir()}
    assert "regions.xlsx" in names and any(n.startswith("Activity-") for n in names)
    warnings = rows(db, "SELECT count(*) FROM load_files WHERE len(warnings) > 0")
    assert warnings[0][0] >= 1  # extra columns are warned about


def test_labels_sit_beside_the_export_never_in_it(demo_db):
    db, export = demo_db
    labels = pl.read_csv(
        export.with_name(export.name + ".labels.csv"), schema_overrides={"region_code": pl.String}
    )
    assert set(labels.get_column("lead_type")) == {"inaction", "slow", "wrong"}
    assert len(labels) == _manifest(export)["misbehaving_villages"] >= 6
    all_round = labels.filter(pl.col("scenario").str.ends_with("_all_round"))
    assert set(all_round.get_column("scenario")) == {
        "inaction_all_round",
        "slow_all_round",
        "wrong_all_round",
    }
    ends = all_round.get_column("lead_end").cast(pl.String)
    assert (ends == _manifest(export)["end"]).all()  # they misbehave up to the data's end
    assert not any("label" in p.name for p in export.iterdir())
    for table in TABLES.values():
        assert not {"lead_type", "label"} & {c.name for c in table.columns}
    # Labelled villages are real villages of the district.
    codes = labels.get_column("region_code").to_list()
    found = rows(
        db, "SELECT count(*) FROM regions WHERE level = 'village' AND region_code IN ?", [codes]
    )
    assert found == [(len(codes),)]


def test_uses_the_real_divisions_of_sujiatun(demo_db):
    db, _ = demo_db
    assert rows(db, "SELECT name FROM regions WHERE level = 'district'") == [("苏家屯区",)]
    assert rows(db, "SELECT count(*) FROM regions WHERE level = 'street'") == [(12,)]
    assert rows(
        db, "SELECT kind, count(*) FROM regions WHERE level = 'village' GROUP BY 1 ORDER BY 1"
    ) == [
        ("community", 64),
        ("village", 122),
    ]
    assert rows(
        db, "SELECT street_code FROM regions WHERE name = '鲍家洼子社区村民委员会'"
    ) == rows(db, "SELECT region_code FROM regions WHERE name = '沙河街道'")


def test_is_calibrated_to_the_seed_figures(demo_db):
    db, _ = demo_db
    (registered,) = rows(
        db,
        "SELECT count(DISTINCT household_id) FILTER (status = 'active') / "
        "(SELECT sum(households) FROM regions) FROM users WHERE role = 'resident'",
    )[0]
    assert 0.995 < registered <= 1.0  # seed: 99.93 %
    monthly_active = rows(
        db,
        "SELECT count(DISTINCT a.user_id) / (SELECT count(*) FROM users WHERE role = 'resident') "
        "FROM activity a GROUP BY date_trunc('month', ts)",
    )
    assert all(0.22 < share < 0.38 for (share,) in monthly_active)  # seed: above 30 %
    mix = dict(rows(db, "SELECT category, count(*) FROM disclosures GROUP BY 1"))
    total = sum(mix.values())
    # seed: party 6,832, village 12,768, finance 13,714 of 33,314
    assert abs(mix["party"] / total - 0.205) < 0.04
    assert abs(mix["village"] / total - 0.383) < 0.05
    assert abs(mix["finance"] / total - 0.412) < 0.05
    same_day, cleared = rows(
        db,
        "SELECT avg((first_reply_at::DATE = submitted_at::DATE)::INT), "
        "avg((closed_at <= submitted_at + INTERVAL 7 DAY)::INT) FROM feedback",
    )[0]
    assert same_day > 0.8 and cleared > 0.85


def test_the_default_demo_reaches_the_same_month_a_year_before(demo_db):
    db, export = demo_db
    assert _manifest(export)["months"] == 13
    for table, at in (
        ("activity", "ts"),
        ("disclosures", "published_at"),
        ("feedback", "submitted_at"),
    ):
        months = rows(db, f"SELECT DISTINCT strftime({at}, '%Y-%m') FROM {table} ORDER BY 1")
        assert [m for (m,) in months] == [f"2025-{m:02d}" for m in (10, 11, 12)] + [
            f"2026-{m:02d}" for m in range(1, 11)
        ], table


def test_is_reproducible_for_a_seed(tmp_path):
    from demo import generate_export

    first = generate_export(tmp_path / "a", months=2, end="2026-01-31", seed=3)
    second = generate_export(tmp_path / "b", months=2, end="2026-01-31", seed=3)
    assert first == second
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in files:  # every file, the Excel ones too, byte for byte
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    for beside in ("labels.csv", "manifest.json"):
        assert (tmp_path / f"a.{beside}").read_bytes() == (tmp_path / f"b.{beside}").read_bytes()
    other = generate_export(tmp_path / "c", months=2, end="2026-01-31", seed=4)
    assert other["expected_rows"] != first["expected_rows"]


def test_without_anomalies_no_village_is_labelled(tmp_path):
    from demo import generate_export

    manifest = generate_export(tmp_path / "clean", months=1, end="2026-01-31", anomalies=False)
    assert manifest["misbehaving_villages"] == 0
    labels = pl.read_csv(tmp_path / "clean.labels.csv")
    assert labels.is_empty() and "scenario" in labels.columns
