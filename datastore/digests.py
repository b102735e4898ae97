"""The daily digest's delivery ledger: a small append-only SQLite file beside the database
(`<db>.digests.sqlite`) that loads never replace.

Every delivery of a day's digest or warning to one recipient over one channel is one row,
written once its attempts are over: sent, or failed with the last error. A channel that
was sent for a day is never sent again that day, whatever the number of runs; one that
failed is tried again by the next run. Runs take a lock so that two at once cannot both
send.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from datastore import accounts
from datastore.reads import scoped
from datastore.scope import Scope
from datastore.sidecar import append_only, connect_sidecar, database_file, sidecar_path
from schema.timing import local_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id INTEGER PRIMARY KEY AUTOINCREMENT,
    day TEXT NOT NULL,            -- the day reported on
    kind TEXT NOT NULL,           -- digest, or warning (sent instead when the data is stale)
    recipient TEXT NOT NULL,
    region_code TEXT,             -- the recipient's jurisdiction (NULL: everything), and the
    street_code TEXT,             -- street and district it lies in: who may see the entry
    district_code TEXT,
    channel TEXT NOT NULL,        -- outbox, wecom/markdown, wecom/image, dingtalk/markdown,
                                  -- email:ADDRESS
    status TEXT NOT NULL,         -- sent or failed
    attempts INTEGER NOT NULL,
    error TEXT NOT NULL,
    detail TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_day ON deliveries (day, recipient, channel);
""" + append_only("deliveries", "the delivery ledger is append-only")

KINDS = ("digest", "warning")


@dataclass(frozen=True)
class Recipient:
    """Who a digest goes to: a name unique among the recipients, the role whose rights it
    carries, the jurisdiction (None: everything loaded) and where that lies."""

    name: str
    role: str
    region_code: str | None
    street_code: str | None = None
    district_code: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.region_code)


def ledger_path(db_path: Path) -> Path:
    return sidecar_path(db_path, "digests")


def connect(path: Path) -> sqlite3.Connection:
    return connect_sidecar(path, SCHEMA)


@contextlib.contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Held for a whole run: a second run waits, then finds what the first one sent."""
    lock = path.with_name(path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def was_sent(
    con: sqlite3.Connection, day: dt.date, kind: str, recipient: str, channel: str
) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM deliveries WHERE day = ? AND kind = ? AND recipient = ? "
        "AND channel = ? AND status = 'sent'",
        [day.isoformat(), kind, recipient, channel],
    ).fetchall()
    return rows[0][0] > 0


def record(
    con: sqlite3.Connection,
    day: dt.date,
    kind: str,
    recipient: Recipient,
    channel: str,
    sent: bool,
    attempts: int,
    error: str = "",
    detail: str = "",
) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown digest kind {kind!r}")
    with con:
        con.execute(
            "INSERT INTO deliveries (day, kind, recipient, region_code, street_code, "
            "district_code, channel, status, attempts, error, detail, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                day.isoformat(),
                kind,
                recipient.name,
                recipient.region_code,
                recipient.street_code,
                recipient.district_code,
                channel,
                "sent" if sent else "failed",
                attempts,
                error,
                detail,
                local_now().isoformat(sep=" ", timespec="seconds"),
            ],
        )


def last_digest_day(con: sqlite3.Connection, recipient: str, before: dt.date) -> dt.date | None:
    """The last day before `before` for which the recipient was sent a digest."""
    rows = con.execute(
        "SELECT max(day) FROM deliveries WHERE recipient = ? AND kind = 'digest' "
        "AND status = 'sent' AND day < ?",
        [recipient, before.isoformat()],
    ).fetchall()
    return dt.date.fromisoformat(rows[0][0]) if rows[0][0] else None


_SCHEMA = {
    "day": pl.String,
    "kind": pl.String,
    "recipient": pl.String,
    "region_code": pl.String,
    "street_code": pl.String,
    "district_code": pl.String,
    "channel": pl.String,
    "status": pl.String,
    "attempts": pl.Int64,
    "error": pl.String,
    "detail": pl.String,
    "at": pl.String,
}


def _within(scope: Scope) -> tuple[str, list]:
    if scope.region_code is None:
        return "TRUE", []
    return "? IN (region_code, street_code, district_code)", [scope.region_code]


def deliveries(con: sqlite3.Connection, scope: Scope, since: dt.date) -> pl.DataFrame:
    """Every delivery of recipients within `scope` for days since `since`, newest first."""
    condition, params = _within(scope)
    return pl.read_database(
        f"SELECT {', '.join(_SCHEMA)} FROM deliveries WHERE day >= ? AND {condition} "
        "ORDER BY delivery_id DESC",
        con,
        execute_options={"parameters": [since.isoformat(), *params]},
        schema_overrides=_SCHEMA,
    )


def delivery_problems(con: sqlite3.Connection, scope: Scope, since: dt.date) -> pl.DataFrame:
    """Deliveries tried since `since` whose last attempt failed (they have not been sent
    since): day, kind, recipient, channel, attempts (in that run), error, at."""
    condition, params = _within(scope)
    return pl.read_database(
        "SELECT day, kind, recipient, channel, attempts, error, at FROM deliveries f "
        f"WHERE status = 'failed' AND at >= ? AND {condition} "
        "AND delivery_id = (SELECT max(delivery_id) FROM deliveries l WHERE l.day = f.day "
        "AND l.kind = f.kind AND l.recipient = f.recipient AND l.channel = f.channel) "
        "ORDER BY day DESC, recipient, channel",
        con,
        execute_options={"parameters": [since.isoformat(), *params]},
        schema_overrides={
            k: _SCHEMA[k]
            for k in ("day", "kind", "recipient", "channel", "attempts", "error", "at")
        },
    )


def last_load(con: sqlite3.Connection) -> dict | None:
    """The latest data load in the audit trail (command line or upload): at, target,
    detail and whether it failed."""
    entries = accounts.audit_entries(con, actions=["load"], limit=1)
    if entries.is_empty():
        return None
    entry = entries.row(0, named=True)
    return {**entry, "failed": entry["detail"].startswith("failed")}


def recent_problems(db_path: Path, scope: Scope, days: int = 7) -> pl.DataFrame | None:
    """`delivery_problems` tried in the last `days` days beside the database at `db_path`, or None
    while no digest has ever been sent from there (nothing to show)."""
    path = ledger_path(db_path)
    if not path.exists():
        return None
    con = connect(path)
    try:
        return delivery_problems(con, scope, local_now().date() - dt.timedelta(days=days))
    finally:
        con.close()


@scoped(cache=False)
def problems_in(con, scope: Scope, days: int = 7) -> pl.DataFrame | None:
    """`recent_problems` beside the database a reader's connection reads, for the pages."""
    return recent_problems(database_file(con), scope, days)
