"""The dashboard's connection to the database, reopened whenever a load swaps in a new file;
the one door every page reads through; and uploads, loaded outside the server process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from datastore import PROJECT_ROOT, ReadOnlyDatabase, default_db_path, file_identity, reads

_first_run = threading.Lock()

# An upload is loaded by `python -m etl load` in a child process held to these limits, so
# that no export, however hostile, can take the dashboard down for everybody.
UPLOAD_MEMORY_MB = int(os.environ.get("SUNSHINE_UPLOAD_MEMORY_MB", 6144))  # address space
UPLOAD_CPU_SECONDS = int(os.environ.get("SUNSHINE_UPLOAD_CPU_SECONDS", 1200))
UPLOAD_SECONDS = float(os.environ.get("SUNSHINE_UPLOAD_SECONDS", 1800))


@st.cache_resource(validate=ReadOnlyDatabase.is_current, show_spinner=False)
def _open(path: str) -> ReadOnlyDatabase:
    return ReadOnlyDatabase(Path(path))


def db_path() -> Path:
    return default_db_path()


def cursor():
    """A cursor of its own for this script run (a DuckDB connection from the data layer's
    ReadOnlyDatabase): connections are not shared across threads."""
    return _open(str(db_path())).cursor()


def data_version() -> tuple[int, int] | None:
    """Part of every cache key, so cached results follow the loaded data."""
    return file_identity(db_path())


def ensure_database(progress_text: str) -> None:
    """Build the demo database on first run, showing progress."""
    path = db_path()
    if path.exists():
        return
    with _first_run:
        if path.exists():  # another session built it while this one waited
            return
        from demo import build_demo

        bar = st.progress(0.0, text=progress_text)
        # Another process (a load from the command line) may write the file meanwhile:
        # then that database stays and the demo is not swapped in over it.
        build_demo(
            path,
            progress=lambda f, message: bar.progress(min(f, 1.0), text=message),
            only_if_missing=True,
        )
        bar.empty()


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
def _cached(name: str, version: tuple[int, int] | None, args: tuple, _fn):
    return _fn(cursor(), *args)


def query(fn, *args):
    """`fn(cursor, *args)` for the signed-in user. `fn` must be a read declared in
    datastore/reads.py (UndeclaredRead otherwise), held there to the user's jurisdiction
    before the cache, on every call (OutsideJurisdiction). Cached until the next load swaps
    in a new database, unless declared uncached."""
    user = st.session_state.get("user")
    if user is None:
        raise PermissionError("nobody is signed in")
    declared = reads.check(cursor(), user, fn, args)
    if not declared.cached:
        return fn(cursor(), *args)
    return _cached(reads.qualified_name(fn), data_version(), args, fn)


def unguarded(fn, *args):
    """`fn(cursor, *args)` before anyone is signed in: only reads declared
    `before_sign_in` (whether the data is the demo's, the demo's streets to pick from)."""
    reads.check_before_sign_in(fn)
    return _cached(reads.qualified_name(fn), data_version(), args, fn)


class UploadFailed(Exception):
    """An uploaded export that was not loaded, with the reason; nothing was changed."""


@dataclass(frozen=True)
class UploadResult:
    load_id: int
    read: int
    inserted: int
    updated: int
    quarantined: int


# Sets the limits, then becomes `python -m etl …` (a preexec_fn is unsafe in a threaded
# server such as Streamlit's). The dashboard's own sessions come first (nice).
_LIMITED = (
    "import os, resource, sys; memory, cpu = int(sys.argv[1]) << 20, int(sys.argv[2]); "
    "resource.setrlimit(resource.RLIMIT_AS, (memory, memory)); "
    "resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu)); os.nice(5); "
    "os.execv(sys.executable, [sys.executable, '-m', 'etl', *sys.argv[3:]])"
)
_OUT_OF_MEMORY = ("MemoryError", "OutOfMemory", "Out of Memory", "bad_alloc", "Memory allocation")


def load_upload(name: str, data: bytes) -> UploadResult:
    """Load an uploaded export (.zip) with `python -m etl load` in a child process held to
    memory, CPU-time and wall-clock limits; raises UploadFailed with the reason."""
    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        path = Path(folder) / (Path(name).name or "upload.zip")
        path.write_bytes(data)
        try:
            done = subprocess.run(
                [sys.executable, "-c", _LIMITED, str(UPLOAD_MEMORY_MB), str(UPLOAD_CPU_SECONDS),
                 "load", str(path), "--db", str(db_path()), "--quiet"],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                timeout=UPLOAD_SECONDS,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise UploadFailed(f"the load took longer than {UPLOAD_SECONDS:.0f} s") from exc
    if done.returncode == 2:  # the loader's own refusal, naming file, header or value
        errors = [line[7:] for line in done.stderr.splitlines() if line.startswith("error: ")]
        raise UploadFailed("; ".join(errors) or done.stderr.strip())
    if done.returncode != 0:
        if done.returncode < 0 or any(sign in done.stderr for sign in _OUT_OF_MEMORY):
            raise UploadFailed(
                f"the load was stopped at its limits ({UPLOAD_MEMORY_MB:,} MB of memory, "
                f"{UPLOAD_CPU_SECONDS:,} s of CPU time)"
            )
        last = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise UploadFailed(last[0])
    found = re.search(r"^load (\d+):", done.stdout, re.MULTILINE)
    total = re.search(r"^\s*total((?:\s+[\d,]+){6})\s*$", done.stdout, re.MULTILINE)
    if not found or not total:
        raise UploadFailed(f"unexpected answer from the loader: {done.stdout[:200]}")
    read, inserted, updated, _, _, quarantined = (
        int(v.replace(",", "")) for v in total.group(1).split()
    )
    return UploadResult(int(found.group(1)), read, inserted, updated, quarantined)
