"""Scoring ahead of the readers. Whole-span scoring is the slowest read (seconds for a
district, minutes for a province) and every page with leads needs it, so a new session's
first page after a load would wait for it; at province scale, so would an
administrator's count of a district's rows among the province's events. The dashboard
process therefore reads both in the background as soon as a load swaps a new database
in, for the scopes its users can ask for, and the pages find them in the data layer's
caches (datastore/per_load.py)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import duckdb
import polars as pl

from datastore import ReadOnlyDatabase, file_identity
from datastore.access import ROLES
from datastore.accounts import access_path, accounts, opened
from datastore.ahead import read_ahead
from datastore.scope import Scope
from datastore.scoring import scored_scopes, scored_span, scoring_scope
from datastore.status import covers_everything, rows_by_load

log = logging.getLogger(__name__)


def _active_accounts(access_store: Path) -> pl.DataFrame:
    if not access_store.exists():
        return pl.DataFrame(schema={"role": pl.String, "region_code": pl.String})
    with opened(access_store) as store:
        return accounts(store).filter(active=1)


def scopes_to_count(con: duckdb.DuckDBPyConnection, access_store: Path) -> list[Scope]:
    """The jurisdictions of the active accounts that see the data page, where they are a
    part of what is loaded (the rows of everything are the loads' own totals)."""
    counting = [role for role, given in ROLES.items() if "data" in given.pages]
    regions = (
        _active_accounts(access_store)
        .filter(pl.col("role").is_in(counting), pl.col("region_code").is_not_null())
        .get_column("region_code")
        .unique(maintain_order=True)
    )
    return [Scope(code) for code in regions if not covers_everything(con, Scope(code))]


def scopes_to_score(con: duckdb.DuckDBPyConnection, access_store: Path) -> list[Scope]:
    """The scoring scopes users can ask for, cheapest first: those already asked for in
    this process, then the districts and wider areas of the active accounts (every
    district when there are none, as in demo mode), the whole database last."""
    districts = [
        code
        for (code,) in con.sql(
            "SELECT region_code FROM regions WHERE level = 'district' ORDER BY region_code"
        ).fetchall()
    ]
    active = _active_accounts(access_store)
    regions = active.get_column("region_code").unique(maintain_order=True).to_list()
    known = {code for (code,) in con.sql("SELECT region_code FROM regions").fetchall()}
    asked = [scope for scope in scored_scopes() if scope.region_code in known | {None}]
    wanted = list(asked)
    for region in regions or districts:
        scope = scoring_scope(con, Scope(region))
        if scope not in wanted:
            wanted.append(scope)

    def cost(scope: Scope) -> int:
        if scope in asked:
            return 0
        return 1 if scope.region_code in districts else 2 if scope.region_code else 3

    return sorted(wanted, key=cost)


class ScoringWarmer:
    """A daemon thread that scores the database at `path` whenever a load swaps a new file
    in (it looks every `interval` seconds), once per file."""

    def __init__(self, path: Path, interval: float = 2.0):
        self.path = path
        self.interval = interval
        self.scored_identity: tuple[int, int] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="scoring-warmer", daemon=True)

    def start(self) -> ScoringWarmer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def score_now(self) -> list[Scope]:
        """Score (and count) the file as it is now, for every scope; the scopes read."""
        if file_identity(self.path) is None:
            return []
        database = ReadOnlyDatabase(self.path)
        try:
            con = database.cursor()
            store = access_path(self.path)
            scored = scopes_to_score(con, store)
            reads = [(scored_span, scope) for scope in scored]
            reads += [(rows_by_load, scope) for scope in scopes_to_count(con, store)]
            reads += [(read_ahead, scope) for scope in scored]  # datastore/ahead.py
            for read, scope in reads:
                if self._stop.is_set() or not database.is_current():
                    break  # another load swapped in meanwhile: that file is read next
                try:
                    read(con, scope)
                except Exception:  # that scope's pages read it themselves, and say why
                    log.exception("reading %s for %s in the background failed", read, scope)
            else:
                self.scored_identity = database.identity
        finally:
            database.close()
        return [scope for _, scope in reads]

    def _watch(self) -> None:
        while not self._stop.is_set():
            if file_identity(self.path) not in (None, self.scored_identity):
                try:
                    self.score_now()
                except Exception:  # a file that cannot be opened: the pages say why
                    log.exception("opening %s in the background failed", self.path)
                    self.scored_identity = file_identity(self.path)
            self._stop.wait(self.interval)


_warmers: dict[Path, ScoringWarmer] = {}
_starting = threading.Lock()


def keep_scored(path: Path) -> ScoringWarmer:
    """The process's one warmer of the database at `path`, started on first call."""
    with _starting:
        if path not in _warmers:
            _warmers[path] = ScoringWarmer(path).start()
        return _warmers[path]
