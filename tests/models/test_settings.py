"""The district's settings file: checked with errors naming file, row, key and value;
loaded with `etl load --settings`, kept by later loads, shown with their defaults, and
read by the indicators."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import polars as pl
import pytest

from datastore import ReadOnlyDatabase
from datastore.scope import EVERYTHING
from datastore.scoring import district_settings, settings_in_force
from etl.readers import ExportError
from etl.settings import read_settings
from schema.settings import DEFAULTS, SETTINGS
from tests.conftest import ROOT
from tests.exports import base_export, snapshot


def _file(tmp_path, text: str, name: str = "settings.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_every_setting_is_documented_with_its_default():
    assert list(SETTINGS) == ["approval_threshold", "reply_hours", "clearance_days",
                              "review_hours", "late_days", "missing_grace_days", "pending_days"]  # fmt: skip
    for key, setting in SETTINGS.items():
        assert setting.zh and setting.en and setting.doc and setting.doc_zh, key
        assert setting.minimum <= getattr(DEFAULTS, key) <= setting.maximum
        assert setting.unit in ("yuan", "hours", "days")


def test_a_settings_file_is_read_with_its_notes_in_any_encoding(tmp_path):
    text = 'key,value,note\napproval_threshold,"20,000",县农业农村局2022年文件\nreply_hours,48,\n'
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        frame = read_settings(_file(tmp_path, text, encoding=encoding))
        assert frame.rows() == [
            ("approval_threshold", 20_000.0, "县农业农村局2022年文件"),
            ("reply_hours", 48.0, None),
        ]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("approval_threshhold,20000", "row 2, key 'approval_threshhold', value '20000': unknown key"),
        ("reply_hours,24\nreply_hours,48", "row 3, key 'reply_hours', value '48': key given twice"),
        ("late_days,一周", "row 2, key 'late_days', value '一周': not a number (days)"),
        ("approval_threshold,0", "row 2, key 'approval_threshold', value '0': out of range; must be > 0"),
        ("late_days,-1", "row 2, key 'late_days', value '-1': out of range; must be ≥ 0"),
        ("reply_hours,nan", "row 2, key 'reply_hours', value 'nan': not a number (hours)"),
    ],
)  # fmt: skip
def test_a_bad_settings_file_is_refused_naming_file_row_key_and_value(tmp_path, lines, message):
    path = _file(tmp_path, "key,value\n" + lines + "\n")
    with pytest.raises(ExportError) as refused:
        read_settings(path)
    assert str(refused.value).startswith(f"{path}: {message}")


def test_a_settings_file_without_its_columns_is_refused(tmp_path):
    with pytest.raises(ExportError, match="lacks column"):
        read_settings(_file(tmp_path, "名称,取值\napproval_threshold,20000\n"))


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args, "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_settings_are_loaded_kept_by_later_loads_and_shown(tmp_path, load, db):
    export = base_export(tmp_path / "export")
    load(export)
    con = ReadOnlyDatabase(db).cursor()
    assert district_settings(con) == DEFAULTS  # before any file: the defaults
    path = _file(tmp_path, "key,value,note\napproval_threshold,20000,县里规定\nlate_days,3,\n")
    done = _cli("load", str(export), "--db", str(db), "--settings", str(path))
    assert done.returncode == 0, done.stderr
    load(export)  # a later load without --settings keeps them
    con = ReadOnlyDatabase(db).cursor()
    assert district_settings(con) == DEFAULTS.with_values(
        {"approval_threshold": 20_000.0, "late_days": 3.0}
    )
    shown = settings_in_force(con, EVERYTHING)
    assert shown.get_column("key").to_list() == list(SETTINGS)
    threshold = shown.row(0, named=True)
    assert (threshold["value"], threshold["default"], threshold["source"], threshold["note"]) == (
        20_000.0, 50_000.0, "settings.csv", "县里规定",
    )  # fmt: skip
    assert shown.filter(pl.col("key") == "reply_hours").row(0, named=True)["source"] is None


def test_the_data_page_shows_the_settings_in_force(tmp_path, load, db, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.app.session import DASHBOARD, add_account, sign_in

    path = _file(tmp_path, "key,value\napproval_threshold,30000\n")
    load(base_export(tmp_path / "export"), settings=path)
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    add_account(db, "admin", "admin", None)
    app = AppTest.from_file(DASHBOARD, default_timeout=60)
    sign_in(app, "admin")
    app.switch_page("views/home.py")
    app.run()
    assert not app.exception
    shown = next(d.value for d in app.dataframe if "设置项" in d.value.columns)
    row = shown.set_index("键").loc["approval_threshold"]
    assert (row["现行值"], row["默认值"], row["来源"]) == ("30,000 元", "50,000", "settings.csv")
    assert shown.set_index("键").loc["reply_hours", "来源"] == "默认"


def test_a_bad_settings_file_stops_the_load_and_changes_nothing(tmp_path, load, db):
    export = base_export(tmp_path / "export")
    load(export)
    before, before_bytes = snapshot(db), db.read_bytes()
    path = _file(tmp_path, "key,value\nreview_hours,3天\n")
    done = _cli("load", str(export), "--db", str(db), "--settings", str(path))
    assert done.returncode == 2
    assert f"{path}: row 2, key 'review_hours', value '3天': not a number (hours)" in done.stderr
    assert snapshot(db) == before
    assert db.read_bytes() == before_bytes


def test_the_local_threshold_is_where_a_split_that_is_not_round_is_found():
    from tests.models.synthetic import District, Misconduct, generate

    split = Misconduct("split", village=3, start=dt.date(2024, 3, 1), magnitude=34_500.0)
    district = District(seed=4)
    unknown = generate(district, [split])
    known = generate(district, [split], settings={"approval_threshold": 34_500.0})
    assert "V03" not in _fired(unknown, "split_payments", dt.date(2024, 4, 30))
    assert "V03" in _fired(known, "split_payments", dt.date(2024, 4, 30))


def _fired(records, indicator: str, day: dt.date) -> set[str]:
    from models.data import prepare
    from models.indicators import REGISTRY

    hits = REGISTRY[indicator].evaluate(prepare(records, day))
    names = dict(records.villages.select("region_code", "name").iter_rows())
    return {names[c] for c in hits.get_column("region_code")}
