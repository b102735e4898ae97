"""What the pages read and write of the inspectors' casework (the SQLite store beside the
database, datastore/casework.py), held to the reader's scope like every other read: a lead or
village outside it is neither shown nor recorded on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb
import polars as pl

from datastore import casework
from datastore.access import OutsideJurisdiction, within
from datastore.privacy import mask_columns
from datastore.reads import scoped
from datastore.scope import Scope
from datastore.sidecar import database_file


@contextlib.contextmanager
def _store(con: duckdb.DuckDBPyConnection) -> Iterator:
    """The casework store beside the database `con` reads, closed when the block ends."""
    store = casework.connect(casework.casework_path(database_file(con)))
    try:
        yield store
    finally:
        store.close()


def _villages_in(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[str]:
    condition, params = scope.villages()
    rows = con.execute(
        f"SELECT region_code FROM regions WHERE level = 'village' AND {condition}", params
    ).fetchall()
    return [code for (code,) in rows]


@scoped(cache=False)
def current(con: duckdb.DuckDBPyConnection, scope: Scope, leads: pl.DataFrame) -> pl.DataFrame:
    """The latest disposition of each of the scope's `leads` (`casework.current_dispositions`);
    leads of villages outside the scope are left out."""
    inside = leads.filter(pl.col("region_code").is_in(_villages_in(con, scope)))
    with _store(con) as store:
        latest = casework.current_dispositions(store, inside)
    return mask_columns(latest, ["note"], unmask=False)  # notes may quote a message


@scoped(cache=False)
def village_history(con: duckdb.DuckDBPyConnection, scope: Scope, code: str) -> pl.DataFrame:
    """Everything recorded on one village's leads, newest first; empty outside the scope."""
    with _store(con) as store:
        history = casework.village_history(store, code)
    if not within(con, scope, code):
        return history.clear()
    return mask_columns(history, ["note"], unmask=False)


@scoped(cache=False)
def record(
    con: duckdb.DuckDBPyConnection, scope: Scope, lead: dict, status: str, note: str, actor: str
) -> None:
    """Append an inspector's finding on a lead of the scope (`casework.record_disposition`)."""
    if not within(con, scope, lead["region_code"]):
        raise OutsideJurisdiction(f"lead:{lead['lead_id']}", scope.region_code)
    with _store(con) as store:
        casework.record_disposition(store, lead, status, note, actor)
