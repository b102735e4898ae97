"""A load killed at any moment leaves the database exactly as it was (real SIGKILLs)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.exports import base_export, snapshot


def _start_load(export, db, pause_at: str | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("SUNSHINE_ETL_PAUSE_AT", None)
    if pause_at:
        env["SUNSHINE_ETL_PAUSE_AT"] = pause_at
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "load", str(export), "--db", str(db), "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_for_pause(process: subprocess.Popen, stage: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if f"paused at {stage}" in line:
            return
        if process.poll() is not None:
            pytest.fail(f"load ended before pausing at {stage}: {process.stderr.read()}")
    pytest.fail(f"load never paused at {stage}")


@pytest.fixture
def before(tmp_path, load, db):
    load(base_export(tmp_path / "first"))
    return db.read_bytes(), snapshot(db)


@pytest.mark.parametrize("stage", ["read", "merged", "recorded"])
def test_a_load_killed_at_each_stage_changes_nothing(tmp_path, db, sample_export, before, stage):
    before_bytes, before_rows = before
    process = _start_load(sample_export, db, pause_at=stage)
    _wait_for_pause(process, stage)
    if stage != "read":
        assert db.with_name(db.name + ".building").exists()  # writing was under way
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert db.read_bytes() == before_bytes
    assert snapshot(db) == before_rows

    # The next load cleans up what the killed one left and succeeds.
    finished = _start_load(sample_export, db)
    assert finished.wait(timeout=300) == 0, finished.stderr.read()
    assert not db.with_name(db.name + ".building").exists()
    after = snapshot(db)
    assert len(after["users"]) == len(before_rows["users"]) + 16_808


def test_the_first_load_killed_leaves_no_database(tmp_path, db, sample_export):
    process = _start_load(sample_export, db, pause_at="recorded")
    _wait_for_pause(process, "recorded")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert not db.exists()


def test_kills_at_random_moments_leave_the_old_or_the_new_database(
    tmp_path, db, sample_export, before
):
    """Without a pause: kill after a while, again and again; never a half-loaded state."""
    _, before_rows = before
    complete = tmp_path / "complete.duckdb"
    shutil.copyfile(db, complete)
    done = _start_load(sample_export, complete)
    assert done.wait(timeout=300) == 0
    after_rows = snapshot(complete)
    for delay in (0.3, 0.8, 1.2, 1.6, 2.0, 2.5, 3.5):
        process = _start_load(sample_export, db)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        state = snapshot(db)
        assert state in (before_rows, after_rows), f"half-loaded after {delay} s"
        if state == after_rows:
            break
