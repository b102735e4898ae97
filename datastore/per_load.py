"""Reads too slow to repeat for every new session at province scale, kept once per load:
a result is keyed by the database the connection reads (its file and its last load) and
the read's arguments, and is computed once however many threads ask at the same time."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

import duckdb

from datastore import file_identity

T = TypeVar("T")


def data_version(con: duckdb.DuckDBPyConnection) -> tuple | None:
    """The file read and the last load it holds; None for a database in memory. The
    file's identity alone could name a file swapped in after this connection opened the
    one before; the last load is read through the connection itself."""
    path = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()[0][0]
    if not path:
        return None
    last_load = con.execute("SELECT max(load_id), max(finished_at) FROM loads").fetchall()[0]
    return (path, file_identity(Path(path)), *last_load)


class PerLoad:
    """Results per data version and key, the `keep` latest."""

    def __init__(self, keep: int):
        self.keep = keep
        self._results: OrderedDict[tuple, object] = OrderedDict()
        self._computing = threading.Lock()

    def get(self, con: duckdb.DuckDBPyConnection, key: Hashable, compute: Callable[[], T]) -> T:
        version = data_version(con)
        if version is None:
            return compute()
        full_key = (version, key)
        if full_key in self._results:
            return self._results[full_key]
        with self._computing:  # a second caller waits for the first's result
            if full_key not in self._results:
                self._results[full_key] = compute()
                while len(self._results) > self.keep:
                    self._results.popitem(last=False)
            return self._results[full_key]

    def latest_keys(self) -> list[Hashable]:
        """The keys held, of every data version, the latest computed first."""
        return [key for _, key in reversed(self._results)]

    def clear(self) -> None:
        self._results.clear()
