"""Built-in accounts and the audit trail, in a SQLite file beside the database
(`<db>.access.sqlite`), which loads never replace.

Passwords are kept only as Argon2id hashes. After `MAX_FAILURES` wrong passwords in a row
an account is locked for `LOCK_MINUTES`. The audit table is append-only: triggers refuse
any update or delete, so no role can change it from the app.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from datastore.access import ROLES, User
from datastore.privacy import mask_columns
from datastore.reads import scoped
from datastore.records import Listed
from datastore.scope import Scope
from datastore.sidecar import append_only, connect_sidecar, database_file, sidecar_path
from schema.timing import local_now

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verified against when the account does not exist, so that a wrong name takes as long as a
# wrong password and does not tell which names exist.
_DUMMY_HASH = _hasher.hash("not a password of anyone")

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS accounts (
    username TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    region_code TEXT,  -- NULL: everything loaded (a city or province install)
    password_hash TEXT,
    oidc_email TEXT UNIQUE,
    active INTEGER NOT NULL DEFAULT 1,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    origin TEXT NOT NULL,
    -- The jurisdiction the entry belongs to: the actor's, or for a failed sign-in or an
    -- account change the account's. NULL: everything (or written before this column).
    region_code TEXT
);
-- Signed-in browsers of built-in accounts (ui/sessions.py): a one-time ticket from the
-- sign-in becomes a session whose token the browser keeps in an HttpOnly cookie. Only
-- hashes of tickets and tokens are stored.
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    kind TEXT NOT NULL,  -- ticket (not yet exchanged) or session
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT  -- exchanged, signed out or revoked
);
-- Real exports ever loaded beside this store: once one has been, demo mode is over for
-- good, even if the database is later replaced by a demo.
CREATE TABLE IF NOT EXISTS real_loads (
    at TEXT NOT NULL,
    source TEXT NOT NULL
);
"""
    + append_only("audit", "the audit trail is append-only")
    + append_only("real_loads", "the record of real loads is append-only")
)

ACTIONS = {
    "sign_in": ("登录", "sign-in"),
    "sign_in_failed": ("登录失败", "failed sign-in"),
    "locked": ("账号锁定", "account locked"),
    "sign_out": ("退出", "sign-out"),
    "view_lead": ("查看线索", "lead viewed"),
    "disposition": ("记录核查情况", "disposition recorded"),
    "rectification": ("记录整改情况", "rectification recorded"),
    "export": ("导出", "export"),
    "download": ("下载", "download"),
    "unmask": ("显示完整个人信息", "unmasked"),
    "refused": ("越权请求被拒绝", "request refused"),
    "load": ("加载数据", "data load"),
    "account": ("账号变更", "account change"),
    "view_audit": ("查看审计日志", "audit viewed"),
    "digest": ("推送日报", "daily digest delivery"),
}


class AccountError(ValueError):
    """An account command that cannot be carried out, with the reason."""


class SignInRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # unknown, wrong_password, locked, disabled, no_password


def access_path(db_path: Path) -> Path:
    return sidecar_path(db_path, "access")


def connect(path: Path) -> sqlite3.Connection:
    """The access store; the caller closes it (or use `opened`)."""
    con = connect_sidecar(path, SCHEMA)
    columns = {row[1] for row in con.execute("PRAGMA table_info(audit)").fetchall()}
    if "region_code" not in columns:  # a store written before entries had a jurisdiction
        con.execute("ALTER TABLE audit ADD COLUMN region_code TEXT")
    return con


@contextlib.contextmanager
def opened(path: Path) -> Iterator[sqlite3.Connection]:
    """The access store, closed when the block ends."""
    con = connect(path)
    try:
        yield con
    finally:
        con.close()


def _now() -> str:
    return local_now().isoformat(sep=" ", timespec="seconds")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def add_account(
    con: sqlite3.Connection,
    username: str,
    name: str,
    role: str,
    region_code: str | None,
    password: str | None = None,
    oidc_email: str | None = None,
) -> None:
    """A new account signing in with a password, or through the identity provider with
    `oidc_email`, or both; `region_code` None answers for everything loaded."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if not username.strip() or not name.strip():
        raise AccountError("an account needs a user name and a display name")
    if password is None and oidc_email is None:
        raise AccountError("an account needs a password or an identity-provider e-mail")
    if password is not None:
        _check_password(password)
    now = _now()
    try:
        with con:
            con.execute(
                "INSERT INTO accounts (username, name, role, region_code, password_hash, "
                "oidc_email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [username, name, role, region_code,
                 _hasher.hash(password) if password is not None else None,
                 oidc_email.lower() if oidc_email else None, now, now],
            )  # fmt: skip
    except sqlite3.IntegrityError as exc:
        raise AccountError(f"an account {username!r} or that e-mail exists already") from exc


def _update(con: sqlite3.Connection, username: str, sql: str, params: list) -> None:
    with con:
        changed = con.execute(
            f"UPDATE accounts SET {sql}, updated_at = ? WHERE username = ?",
            [*params, _now(), username],
        ).rowcount
    if not changed:
        raise AccountError(f"no account {username!r}")


def set_active(con: sqlite3.Connection, username: str, active: bool) -> None:
    _update(con, username, "active = ?", [int(active)])
    if not active:
        end_sessions_of(con, username)


def set_password(con: sqlite3.Connection, username: str, password: str) -> None:
    _check_password(password)
    _update(
        con,
        username,
        "password_hash = ?, failed_attempts = 0, locked_until = NULL",
        [_hasher.hash(password)],
    )
    end_sessions_of(con, username)


def unlock(con: sqlite3.Connection, username: str) -> None:
    _update(con, username, "failed_attempts = 0, locked_until = NULL", [])


def accounts(con: sqlite3.Connection) -> pl.DataFrame:
    """Every account, without its password hash."""
    return pl.read_database(
        "SELECT username, name, role, region_code, oidc_email, active, failed_attempts, "
        "locked_until, created_at, updated_at FROM accounts ORDER BY username",
        con,
        schema_overrides={
            "username": pl.String,
            "name": pl.String,
            "role": pl.String,
            "region_code": pl.String,
            "oidc_email": pl.String,
            "active": pl.Int64,
            "failed_attempts": pl.Int64,
            "locked_until": pl.String,
            "created_at": pl.String,
            "updated_at": pl.String,
        },
    )


def account_region(con: sqlite3.Connection, username: str) -> str | None:
    """The jurisdiction of an account (None: everything, or no such account)."""
    rows = con.execute("SELECT region_code FROM accounts WHERE username = ?", [username])
    found = rows.fetchall()
    return found[0][0] if found else None


def has_accounts(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT count(*) FROM accounts").fetchall()[0][0] > 0


def note_real_load(con: sqlite3.Connection, source: str) -> None:
    """Record that a real export was loaded: demo mode ends for good."""
    with con:
        con.execute("INSERT INTO real_loads (at, source) VALUES (?, ?)", [_now(), source])


def real_data_ever_loaded(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT EXISTS (SELECT 1 FROM real_loads)").fetchall()[0][0] == 1


def _user(row: tuple, via: str) -> User:
    username, name, role, region_code = row
    return User(username, name, role, region_code, via)


def sign_in(
    con: sqlite3.Connection, username: str, password: str, now: dt.datetime | None = None
) -> User:
    """The account's user if the password is right; raises SignInRefused otherwise."""
    now = now or local_now()
    rows = con.execute(
        "SELECT username, name, role, region_code, password_hash, active, failed_attempts, "
        "locked_until FROM accounts WHERE username = ?",
        [username],
    ).fetchall()
    if not rows:
        _verify(_DUMMY_HASH, password)
        raise SignInRefused("unknown")
    name, role, region_code, stored, active, failures, locked_until = rows[0][1:]
    if locked_until and dt.datetime.fromisoformat(locked_until) > now:
        raise SignInRefused("locked")
    if not active:
        raise SignInRefused("disabled")
    if stored is None:
        raise SignInRefused("no_password")
    if not _verify(stored, password):
        failures += 1
        lock = now + dt.timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
        with con:
            con.execute(
                "UPDATE accounts SET failed_attempts = ?, locked_until = ? WHERE username = ?",
                [0 if lock else failures, lock.isoformat(sep=" ") if lock else None, username],
            )
        raise SignInRefused("locked" if lock else "wrong_password")
    with con:
        rehash = _hasher.check_needs_rehash(stored)
        con.execute(
            "UPDATE accounts SET failed_attempts = 0, locked_until = NULL"
            + (", password_hash = ?" if rehash else "")
            + " WHERE username = ?",
            [*([_hasher.hash(password)] if rehash else []), username],
        )
    return _user((username, name, role, region_code), "password")


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


TICKET_SECONDS = 60


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_ticket(con: sqlite3.Connection, username: str) -> str:
    """A one-time ticket for a browser that has just signed in, exchanged within a minute
    for a session (`start_session`)."""
    ticket = secrets.token_urlsafe(32)
    now = local_now()
    with con:
        con.execute(
            "INSERT INTO sessions (token_hash, username, kind, created_at, expires_at) "
            "VALUES (?, ?, 'ticket', ?, ?)",
            [_hash(ticket), username, _iso(now), _iso(now + dt.timedelta(seconds=TICKET_SECONDS))],
        )
    return ticket


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(sep=" ", timespec="seconds")


def start_session(con: sqlite3.Connection, ticket: str, hours: float) -> str | None:
    """The token of a new session for the ticket's account, or None for a ticket unknown,
    used or too old."""
    now = _iso(local_now())
    with con:
        rows = con.execute(
            "UPDATE sessions SET ended_at = ? WHERE token_hash = ? AND kind = 'ticket' "
            "AND ended_at IS NULL AND expires_at > ? RETURNING username",
            [now, _hash(ticket), now],
        ).fetchall()
        if not rows:
            return None
        token = secrets.token_urlsafe(32)
        expires = _iso(local_now() + dt.timedelta(hours=hours))
        con.execute(
            "INSERT INTO sessions (token_hash, username, kind, created_at, expires_at) "
            "VALUES (?, ?, 'session', ?, ?)",
            [_hash(token), rows[0][0], now, expires],
        )
    return token


def session_user(con: sqlite3.Connection, token: str) -> User | None:
    """The user of a live session: not ended, not expired, its account still active."""
    rows = con.execute(
        "SELECT a.username, a.name, a.role, a.region_code FROM sessions s "
        "JOIN accounts a USING (username) WHERE s.token_hash = ? AND s.kind = 'session' "
        "AND s.ended_at IS NULL AND s.expires_at > ? AND a.active = 1",
        [_hash(token), _iso(local_now())],
    ).fetchall()
    return _user(rows[0], "password") if rows else None


def account_active(con: sqlite3.Connection, username: str) -> bool:
    rows = con.execute("SELECT active FROM accounts WHERE username = ?", [username]).fetchall()
    return bool(rows and rows[0][0])


def end_session(con: sqlite3.Connection, token: str) -> None:
    with con:
        con.execute(
            "UPDATE sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
            [_iso(local_now()), _hash(token)],
        )


def end_sessions_of(con: sqlite3.Connection, username: str) -> None:
    """Revoke every session of an account (when it is disabled or its password changes)."""
    with con:
        con.execute(
            "UPDATE sessions SET ended_at = ? WHERE username = ? AND ended_at IS NULL",
            [_iso(local_now()), username],
        )


def oidc_user(con: sqlite3.Connection, email: str | None) -> User | None:
    """The active account the administrator mapped to an identity-provider e-mail."""
    if not email:
        return None
    rows = con.execute(
        "SELECT username, name, role, region_code FROM accounts "
        "WHERE oidc_email = ? AND active = 1",
        [email.lower()],
    ).fetchall()
    return _user(rows[0], "oidc") if rows else None


def audit(
    con: sqlite3.Connection,
    actor: str,
    role: str,
    action: str,
    target: str = "",
    detail: str = "",
    origin: str = "",
    region_code: str | None = None,
) -> None:
    """Append one entry: who, in what role, did what to what, from where, and the
    jurisdiction it belongs to (None: everything)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with con:
        con.execute(
            "INSERT INTO audit (at, actor, role, action, target, detail, origin, region_code) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [_now(), actor, role, action, target, detail, origin, region_code],
        )


def audit_entries(
    con: sqlite3.Connection,
    since: dt.date | None = None,
    until: dt.date | None = None,
    actions: list[str] | None = None,
    actor: str | None = None,
    limit: int = 5000,
    regions: list[str] | None = None,
) -> pl.DataFrame:
    """Entries newest first, filtered by day range, actions, actor and, when `regions` is
    given, the jurisdictions they belong to."""
    where, params = _audit_filter(since, until, actions, actor, regions)
    return pl.read_database(
        f"SELECT * FROM audit WHERE {where} ORDER BY entry_id DESC LIMIT ?",
        con,
        execute_options={"parameters": [*params, limit]},
        schema_overrides=_AUDIT_SCHEMA,
    )


_AUDIT_SCHEMA = {
    "entry_id": pl.Int64, "at": pl.String, "actor": pl.String, "role": pl.String,
    "action": pl.String, "target": pl.String, "detail": pl.String, "origin": pl.String,
    "region_code": pl.String,
}  # fmt: skip


def _audit_filter(
    since: dt.date | None,
    until: dt.date | None,
    actions: list[str] | None,
    actor: str | None,
    regions: list[str] | None,
) -> tuple[str, list]:
    conditions, params = ["TRUE"], []
    if since:
        conditions.append("at >= ?")
        params.append(since.isoformat())
    if until:
        conditions.append("at < ?")
        params.append((until + dt.timedelta(days=1)).isoformat())
    if actions:
        conditions.append(f"action IN ({', '.join('?' for _ in actions)})")
        params.extend(actions)
    if actor:
        conditions.append("actor = ?")
        params.append(actor)
    if regions is not None:
        conditions.append("region_code IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(regions))
    return " AND ".join(conditions), params


def _regions_in(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[str] | None:
    """The codes of the scope and every region inside it; None for everything."""
    if scope.region_code is None:
        return None
    condition, params = scope.below()
    rows = con.execute(f"SELECT region_code FROM regions WHERE {condition}", params).fetchall()
    return [code for (code,) in rows]


def _access_store(con: duckdb.DuckDBPyConnection):
    return opened(access_path(database_file(con)))


@scoped(cache=False)
def audit_trail(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    since: dt.date | None = None,
    until: dt.date | None = None,
    actions: list[str] | None = None,
    actor: str | None = None,
    limit: int = 5000,
) -> Listed:
    """The audit entries belonging to the scope, newest first (`audit_entries`), with how
    many match in all. Entries of everything (the command line, accounts of `all`) belong
    to no district and are read with the scope of everything only."""
    regions = _regions_in(con, scope)
    with _access_store(con) as store:
        entries = audit_entries(store, since, until, actions, actor, limit, regions)
        where, params = _audit_filter(since, until, actions, actor, regions)
        total = store.execute(f"SELECT count(*) FROM audit WHERE {where}", params).fetchall()
    # What was typed (a disposition's note, a file name) may hold personal data.
    return Listed(mask_columns(entries, ["target", "detail"], unmask=False), total[0][0])


@scoped(cache=False)
def account_list(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """The accounts whose jurisdiction lies within the scope (`accounts`)."""
    regions = _regions_in(con, scope)
    with _access_store(con) as store:
        people = accounts(store)
    if regions is None:
        return people
    return people.filter(pl.col("region_code").is_in(regions))
