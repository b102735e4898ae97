"""The schedule the README gives: systemd timers and cron lines at 16:30 (load the inbox)
and 17:00 (the digest), the inbox script they run, and the example configuration."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from datastore import accounts, digests
from reports.delivery import parse_config
from tests.app.session import audit_rows
from tests.conftest import ROOT
from tests.daily_export import write_export

DEPLOY = ROOT / "deploy"
UNITS = ("sunshine-load.timer", "sunshine-load.service", "sunshine-digest.timer",
         "sunshine-digest.service")  # fmt: skip


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / name, encoding="utf-8")
    return parser


def test_the_timers_load_at_16_30_and_send_at_17_00_beijing_time():
    assert _unit("sunshine-load.timer")["Timer"]["OnCalendar"] == "*-*-* 16:30:00 Asia/Shanghai"
    assert _unit("sunshine-digest.timer")["Timer"]["OnCalendar"] == "*-*-* 17:00:00 Asia/Shanghai"
    assert _unit("sunshine-load.service")["Service"]["ExecStart"].endswith("deploy/load-inbox.sh")
    assert _unit("sunshine-digest.service")["Service"]["ExecStart"].endswith(" -m reports daily")
    cron = [line for line in (DEPLOY / "crontab").read_text().splitlines() if line[:1].isdigit()]
    load, digest = cron
    assert load.startswith("30 16 * * * ") and "/opt/sunshine/deploy/load-inbox.sh" in load
    assert digest.startswith("0 17 * * * ") and ".venv/bin/python -m reports daily" in digest
    assert "CRON_TZ=Asia/Shanghai" in (DEPLOY / "crontab").read_text().splitlines()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_the_units_and_their_calendar():
    for when in ("*-*-* 16:30:00 Asia/Shanghai", "*-*-* 17:00:00 Asia/Shanghai"):
        subprocess.run(["systemd-analyze", "calendar", when], check=True, capture_output=True)
    checked = subprocess.run(
        ["systemd-analyze", "verify", *(str(DEPLOY / u) for u in UNITS)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    # Only the installed paths are missing here, on a development machine.
    complaints = [line for line in checked.stderr.splitlines() if "is not executable" not in line]
    assert complaints == []


def test_the_readme_shows_the_units_and_the_crontab_as_they_are():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in (*UNITS, "crontab"):
        assert (DEPLOY / name).read_text(encoding="utf-8").strip() in readme, name


def test_the_example_configuration_is_valid(tmp_path):
    config = parse_config(
        tomllib.loads((DEPLOY / "digest.toml.example").read_text(encoding="utf-8")),
        "digest.toml.example",
        tmp_path / "sunshine.duckdb",
    )
    assert config.outbox == tmp_path / "outbox"
    kinds = [d.webhook.kind if d.webhook else None for d in config.destinations]
    assert kinds == ["wecom", "dingtalk", None, None]
    assert config.destinations[2].account == "wang"


def test_the_inbox_script_loads_the_days_export_and_audits_a_missing_one(tmp_path):
    inbox, db = tmp_path / "inbox", tmp_path / "data" / "sunshine.duckdb"
    export, _ = write_export(inbox / "2026-03-12")
    (inbox / "catalogue.csv").unlink()  # the export alone, with the default catalogue
    env = {**os.environ, "SUNSHINE_HOME": str(ROOT), "SUNSHINE_INBOX": str(inbox),
           "SUNSHINE_DB": str(db), "SUNSHINE_PYTHON": sys.executable}  # fmt: skip
    script = str(DEPLOY / "load-inbox.sh")
    loaded = subprocess.run([script, "2026-03-12"], env=env, capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    assert (inbox / "loaded" / "2026-03-12" / "regions.csv").exists() and not export.exists()
    missing = subprocess.run([script, "2026-03-13"], env=env, capture_output=True, text=True)
    assert missing.returncode == 2
    loads = audit_rows(db, "load")  # newest first
    assert loads[0]["detail"] == f"failed: {inbox / '2026-03-13'}: no such file or folder"
    assert loads[1]["detail"].startswith("load 1: ")
    con = accounts.connect(accounts.access_path(db))
    assert digests.last_load(con)["failed"]
    con.close()
    assert Path(script).stat().st_mode & 0o111
