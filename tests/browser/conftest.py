"""A real dashboard server on a copy of the demo database, and Debian's Chromium driven by
pytest-playwright (no `playwright install`: it downloads a browser and fails offline)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-results" / "browser"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it with apt-get")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium fonts-wqy-microhei)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A meeting-room screen: wide enough for the sidebar and a row of figures.
    return {
        **browser_context_args,
        "viewport": {"width": 1600, "height": 1000},
        "accept_downloads": True,
        "locale": "zh-CN",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: Path, folder: Path, **env: str):
    """Start the dashboard on `db` with extra environment; (base URL, process, log)."""
    port = _free_port()
    log = (folder / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT,
        env={**os.environ, "SUNSHINE_DB": str(db), **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the dashboard did not start:\n{(folder / 'streamlit.log').read_text()}")
        time.sleep(0.3)
    return base, process, log


def stop(process, log) -> None:
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture(scope="session")
def server(demo_db, tmp_path_factory):
    """The dashboard served on a copy of the demo database: (base URL, database path)."""
    source, _ = demo_db
    folder = tmp_path_factory.mktemp("served")
    db = folder / "sunshine.duckdb"
    shutil.copyfile(source, db)
    base, process, log = serve(db, folder)
    yield base, db
    stop(process, log)


@pytest.fixture
def shoot(page, request):
    """Save a screenshot as a test artifact (never committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}_{name}.png"
        page.screenshot(path=str(path))
        return path

    return take


@pytest.fixture(autouse=True)
def _patient_page(page):
    """A server's first page scores the whole span, and a shared machine may take far
    longer than Playwright's 30 s to run it: wait longer before calling a page broken.
    Likewise for `expect`, whose 5 s a rerun after a click or a page of charts overran on
    a loaded machine (the condition must still come true)."""
    page.set_default_timeout(120_000)
    expect.set_options(timeout=30_000)
