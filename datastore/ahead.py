"""What a first page after a load needs and is slow to read at province scale, read into
the per-load caches (datastore/per_load.py) by the server's background reader
(datastore/warmup.py) as soon as a load swaps a new database in, so that the first user
of the scope finds it there: the ranking's and the overview's day figures of the data's
last day (their default) need that day's new residents, found among five million users,
and the overview's and the data page's rows kept aside need the users they name."""

from __future__ import annotations

import datetime as dt

import duckdb

from datastore import daily, status
from datastore.scope import Scope
from schema.timing import daily_window


def read_ahead(con: duckdb.DuckDBPyConnection, scope: Scope) -> None:
    """Fill the per-load caches the scope's first pages read from."""
    status.quarantined_users(con)
    span = daily.data_span(con)
    if span is not None:
        start, _ = daily_window(span.last_day - dt.timedelta(days=1))
        _, end = daily_window(span.last_day)
        daily.window_residents(con, scope, start, end)
