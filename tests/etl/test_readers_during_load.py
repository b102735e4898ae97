"""The dashboard keeps reading while another process loads, and sees the new data after."""

from __future__ import annotations

import subprocess
import sys

from datastore import ReadOnlyDatabase, connect_readonly, file_identity
from tests.conftest import ROOT
from tests.exports import base_export


def test_a_load_runs_while_a_reader_holds_the_database(tmp_path, load, db, sample_export):
    load(base_export(tmp_path / "first"))
    reader = ReadOnlyDatabase(db)
    identity = file_identity(db)
    assert reader.is_current()
    assert reader.cursor().execute("SELECT count(*) FROM users").fetchall() == [(4,)]

    done = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(sample_export), "--db", str(db), "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr

    # The open connection keeps its consistent snapshot of the old file...
    assert reader.cursor().execute("SELECT count(*) FROM users").fetchall() == [(4,)]
    # ...and the file's identity tells the dashboard to reopen, which sees the new data.
    assert file_identity(db) != identity
    assert not reader.is_current()
    fresh = connect_readonly(db)
    assert fresh.execute("SELECT count(*) FROM users").fetchall() == [(4 + 16_808,)]
    reader.close()
    fresh.close()
