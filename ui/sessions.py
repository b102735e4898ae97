"""Sessions that outlast a reload for built-in accounts: a signed, expiring, HttpOnly and
SameSite=Strict cookie naming a session kept in the access store, where signing out,
disabling the account or changing its password ends it.

A Streamlit script cannot set an HttpOnly cookie (only an HTTP response can), so after a
password sign-in the page sends the browser once through `/_session/start` with a
one-time ticket; that route sets the cookie and sends the browser back to the page and
query it first asked for, so a deep link survives the sign-in. `/_session/end` clears
the cookie after signing out. The routes are served by `st.App` (see dashboard.py).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from datastore import accounts, default_db_path
from datastore.access import User

COOKIE = "sunshine_session"
START, END = "/_session/start", "/_session/end"
SESSION_HOURS = float(os.environ.get("SUNSHINE_SESSION_HOURS", 12))


def _secret(db_path: Path) -> bytes:
    """$SUNSHINE_SESSION_SECRET, else a key kept beside the access store (made once,
    readable by the server's user only)."""
    configured = os.environ.get("SUNSHINE_SESSION_SECRET")
    if configured:
        return configured.encode()
    key = db_path.with_name(f"{db_path.stem}.session.key")
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
    return key.read_text().strip().encode()


def _signer(db_path: Path) -> TimestampSigner:
    return TimestampSigner(_secret(db_path), salt="sunshine-session")


def cookie_user(value: str | None, db_path: Path) -> tuple[User, str] | None:
    """The user and session token a cookie names, if its signature holds, it is younger
    than the session's hours and the session is live."""
    if not value:
        return None
    try:
        token = _signer(db_path).unsign(value, max_age=int(SESSION_HOURS * 3600)).decode()
    except BadSignature:  # also an expired signature
        return None
    with accounts.opened(accounts.access_path(db_path)) as con:
        user = accounts.session_user(con, token)
    return (user, token) if user else None


def _local(target: str | None) -> str:
    """Only a path of this site: never another host (//host, http://…)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def _start(request: Request) -> RedirectResponse:
    db_path = default_db_path()
    target = _local(request.query_params.get("next"))
    with accounts.opened(accounts.access_path(db_path)) as con:
        token = accounts.start_session(con, request.query_params.get("ticket", ""), SESSION_HOURS)
    response = RedirectResponse(target, status_code=303)
    if token:
        response.set_cookie(
            COOKIE,
            _signer(db_path).sign(token).decode(),
            max_age=int(SESSION_HOURS * 3600),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


async def _end(request: Request) -> RedirectResponse:
    response = RedirectResponse(_local(request.query_params.get("next")), status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


ROUTES = [Route(START, _start, methods=["GET"]), Route(END, _end, methods=["GET"])]
