"""Built-in accounts and the audit trail, in a SQLite file beside the database
(`<db>.access.sqlite`), which loads never replace.

Passwords are kept only as Argon2id hashes. After `MAX_FAILURES` wrong passwords in a row
an account is locked for `LOCK_MINUTES`. The audit table is append-only: triggers refuse
any update or delete, so no role can change it from the app.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from datastore.access import ROLES, User
from datastore.sidecar import append_only, connect_sidecar, sidecar_path
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
    origin TEXT NOT NULL
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
    return connect_sidecar(path, SCHEMA)


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


def set_password(con: sqlite3.Connection, username: str, password: str) -> None:
    _check_password(password)
    _update(
        con,
        username,
        "password_hash = ?, failed_attempts = 0, locked_until = NULL",
        [_hasher.hash(password)],
    )


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
) -> None:
    """Append one entry: who, in what role, did what to what, from where."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with con:
        con.execute(
            "INSERT INTO audit (at, actor, role, action, target, detail, origin) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [_now(), actor, role, action, target, detail, origin],
        )


def audit_entries(
    con: sqlite3.Connection,
    since: dt.date | None = None,
    until: dt.date | None = None,
    actions: list[str] | None = None,
    actor: str | None = None,
    limit: int = 5000,
) -> pl.DataFrame:
    """Entries newest first, filtered by day range, actions and actor."""
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
    return pl.read_database(
        f"SELECT * FROM audit WHERE {' AND '.join(conditions)} "
        "ORDER BY entry_id DESC LIMIT ?",
        con,
        execute_options={"parameters": [*params, limit]},
        schema_overrides={
            "entry_id": pl.Int64, "at": pl.String, "actor": pl.String, "role": pl.String,
            "action": pl.String, "target": pl.String, "detail": pl.String, "origin": pl.String,
        },
    )  # fmt: skip
