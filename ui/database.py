"""The dashboard's connection to the database, reopened whenever a load swaps in a new file."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import streamlit as st

from datastore import connect_readonly, default_db_path, file_identity

_first_run = threading.Lock()


@dataclass
class _Opened:
    connection: duckdb.DuckDBPyConnection
    path: Path
    identity: tuple[int, int] | None


def _still_current(opened: _Opened) -> bool:
    return file_identity(opened.path) == opened.identity


@st.cache_resource(validate=_still_current, show_spinner=False)
def _open(path: str) -> _Opened:
    p = Path(path)
    identity = file_identity(p)
    return _Opened(connect_readonly(p), p, identity)


def db_path() -> Path:
    return default_db_path()


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of its own for this script run: connections are not shared across threads."""
    return _open(str(db_path())).connection.cursor()


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
        from etl.demo import build_demo

        bar = st.progress(0.0, text=progress_text)
        build_demo(path, progress=lambda f, message: bar.progress(min(f, 1.0), text=message))
        bar.empty()


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
def _cached(name: str, version: tuple[int, int] | None, args: tuple, _fn):
    return _fn(cursor(), *args)


def query(fn, *args):
    """`fn(cursor, *args)`, cached until the next load swaps in a new database."""
    return _cached(f"{fn.__module__}.{fn.__qualname__}", data_version(), args, fn)
