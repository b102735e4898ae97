from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from datastore import file_identity
from etl.load import load_exports

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLE_EXPORT = SHARED / "sample-export"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "db" / "sunshine.duckdb"


@pytest.fixture
def load(db: Path):
    def run(*exports: Path, **kwargs):
        return load_exports(list(exports), db, **kwargs)

    return run


@pytest.fixture(scope="session")
def sample_export() -> Path:
    if not SAMPLE_EXPORT.is_dir():
        pytest.fail(f"{SAMPLE_EXPORT} is missing: the tests need ../shared beside the checkout")
    return SAMPLE_EXPORT


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory, worker_id) -> tuple[Path, Path]:
    """The default district demo (a year, seed 7: a seed the lead thresholds were not tuned
    on), generated and loaded once for the whole run: (database, export). Under xdist the
    first worker to need it builds it in the run's shared temporary folder while the
    others wait, rather than every worker building its own (a minute of CPU each)."""
    from demo import build_demo

    run_folder = tmp_path_factory.getbasetemp()
    folder = (run_folder if worker_id == "master" else run_folder.parent) / "demo"
    db = folder / "demo.duckdb"
    with (folder.parent / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        built = folder / "built"
        if not built.exists():
            if folder.exists():  # a worker that died while building it
                shutil.rmtree(folder)
            folder.mkdir()
            build_demo(db, end="2026-10-31", seed=7)
            built.touch()
    return db, folder / "demo-export-district"


@pytest.fixture(scope="session")
def _scratch_demo(demo_db, tmp_path_factory) -> dict:
    """The one place of this worker's scratch copy of the demo database, and the file's
    identity when it was last copied there."""
    folder = tmp_path_factory.mktemp("scratch-demo")
    return {"path": folder / "sunshine.duckdb", "identity": None}


@pytest.fixture
def demo_copy(demo_db, _scratch_demo) -> Path:
    """A copy of the demo database with no side stores (casework, accounts, audit, digest
    ledger) beside it, so that what a test writes stays in that test.

    Always at the same path, copied anew only when a test changed the file (a load swaps
    in a new one): the lead scores and the dashboard's caches are keyed by the file and
    its identity, so a fresh copy per test would score the demo's whole span anew in
    every test."""
    path = _scratch_demo["path"]
    for beside in path.parent.iterdir():
        if beside != path:
            shutil.rmtree(beside) if beside.is_dir() else beside.unlink()
    if _scratch_demo["identity"] is None or file_identity(path) != _scratch_demo["identity"]:
        # Swapped in as a load does: a reader still holding the old file keeps reading it.
        shutil.copyfile(demo_db[0], path.with_name("copying"))
        os.replace(path.with_name("copying"), path)
        _scratch_demo["identity"] = file_identity(path)
    return path


@pytest.fixture
def env(monkeypatch):
    def set_env(**values: str) -> dict[str, str]:
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        return dict(os.environ)

    return set_env


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadfile` (pyproject.toml), but with the browser tests as one unit of work:
    one worker launches Chromium and serves the demo for all of them, where two would
    each start a browser and a server that scores the demo's whole span. (Not
    `--dist loadgroup`: pytest-xdist 3.8 groups by rewriting node ids, which pytest 9.2
    no longer lets it do, so its groups are silently ignored.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class BrowserTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = super()._split_scope(nodeid)
            return "tests/browser/" if file.startswith("tests/browser/") else file

    return BrowserTogether(config, log)
