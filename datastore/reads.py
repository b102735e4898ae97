"""The registry of what the dashboard may read, and how each read is held to the reader's
jurisdiction.

A page reads only through `ui.database.query(fn, *args)`, and `fn` must be declared here:

- `scoped`: the function's first argument after the connection is a `Scope`; it, and every
  other `Scope` among the arguments, must lie within the reader's jurisdiction.
- `global_read`: the function reads across jurisdictions and takes no scope; only a reader
  whose jurisdiction is everything (`User.region_code is None`, `--region all`) may call it.
- `before_sign_in`: what signing in itself needs before anyone is known (whether the data
  is the demo's, the demo's streets to pick from); never real data, and never for pages.

Anything not declared is refused, so a new read function cannot reach a page without
saying how its jurisdiction is checked. Declarations are keyed by the function's module
and name, which lets the registry name functions in packages that cannot import it yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from datastore.access import OutsideJurisdiction, User, check_scopes
from datastore.scope import Scope

SCOPED = "scoped"
GLOBAL = "global"
BEFORE_SIGN_IN = "before_sign_in"


@dataclass(frozen=True)
class Read:
    kind: str  # SCOPED, GLOBAL or BEFORE_SIGN_IN
    # False for what changes between loads (the audit trail, casework) and for writes:
    # those are never served from the cache.
    cached: bool = True


class UndeclaredRead(PermissionError):
    """A function passed to the data layer that the registry does not know."""


_DECLARED: dict[str, Read] = {}

# Read functions outside the data layer (models/, reports/, metrics/daily.py), which do not
# import this module yet: declared by name until their own modules decorate them (or move
# behind the data layer). A test
# checks that each name still resolves to a function.
DECLARED_ELSEWHERE = {
    "metrics.daily.day_report": Read(SCOPED),
    "reports.briefing.build": Read(SCOPED),
}


def qualified_name(fn: Callable) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _declare(kind: str, fn: Callable | None, cache: bool):
    def register(function: Callable) -> Callable:
        _DECLARED[qualified_name(function)] = Read(kind, cache)
        return function

    return register(fn) if fn is not None else register


def scoped(fn: Callable | None = None, *, cache: bool = True):
    """Declare a read whose first argument after the connection is the Scope it reads."""
    return _declare(SCOPED, fn, cache)


def global_read(fn: Callable | None = None, *, cache: bool = True):
    """Declare a read over every jurisdiction: only a user of jurisdiction `all` may call it."""
    return _declare(GLOBAL, fn, cache)


def before_sign_in(fn: Callable) -> Callable:
    """Declare what signing in needs before anyone is known."""
    return _declare(BEFORE_SIGN_IN, fn, True)


def declaration(fn: Callable) -> Read | None:
    name = qualified_name(fn)
    return _DECLARED.get(name) or DECLARED_ELSEWHERE.get(name)


def check(con: duckdb.DuckDBPyConnection, user: User, fn: Callable, args: tuple) -> Read:
    """How `fn(con, *args)` is read for `user`; raises UndeclaredRead for a function the
    registry does not know and OutsideJurisdiction for a read beyond the user's."""
    read = declaration(fn)
    if read is None:
        raise UndeclaredRead(f"{qualified_name(fn)} is not a declared read (datastore/reads.py)")
    if read.kind == BEFORE_SIGN_IN:
        raise UndeclaredRead(f"{qualified_name(fn)} is for signing in, not for pages")
    if read.kind == GLOBAL:
        if user.region_code is not None:
            raise OutsideJurisdiction("everything", user.region_code)
        return read
    if not args or not isinstance(args[0], Scope):
        raise TypeError(f"{qualified_name(fn)} is read with a Scope as its first argument")
    check_scopes(con, user.jurisdiction, args)
    return read


def check_before_sign_in(fn: Callable) -> None:
    read = declaration(fn)
    if read is None or read.kind != BEFORE_SIGN_IN:
        raise UndeclaredRead(f"{qualified_name(fn)} may not be read before signing in")
