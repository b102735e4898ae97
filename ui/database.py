"""The dashboard's connection to the database, reopened whenever a load swaps in a new file."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import duckdb
import streamlit as st

from datastore import ReadOnlyDatabase, accounts, default_db_path, file_identity
from datastore.access import check_scopes
from etl.load import load_exports

_first_run = threading.Lock()


@st.cache_resource(validate=ReadOnlyDatabase.is_current, show_spinner=False)
def _open(path: str) -> ReadOnlyDatabase:
    return ReadOnlyDatabase(Path(path))


def db_path() -> Path:
    return default_db_path()


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of its own for this script run: connections are not shared across threads."""
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
    """`fn(cursor, *args)` for the signed-in user, cached until the next load swaps in a
    new database. Every Scope among the arguments must lie within the user's jurisdiction
    (checked before the cache, on every call): otherwise OutsideJurisdiction is raised."""
    user = st.session_state.get("user")
    if user is None:
        raise PermissionError("nobody is signed in")
    check_scopes(cursor(), user.jurisdiction, args)
    return unguarded(fn, *args)


def unguarded(fn, *args):
    """`fn(cursor, *args)` without a jurisdiction check: only for what sign-in itself needs
    (whether the data is the demo's, the demo's streets to pick from)."""
    return _cached(f"{fn.__module__}.{fn.__qualname__}", data_version(), args, fn)


def load_upload(name: str, data: bytes):
    """Load an uploaded export (.zip) through the same path as `python -m etl load`."""
    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        result = load_exports([path], db_path())
    con = accounts.connect(accounts.access_path(db_path()))
    try:
        accounts.note_real_load(con, Path(name).name)
    finally:
        con.close()
    return result
