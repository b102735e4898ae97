"""Registration and activity as the padding indicators read them, aggregated in DuckDB per
village and month, hour or minute, so that a province's year of events (tens of millions
of rows) never comes into Python: what does is one row per village and month, plus the
user ids and times behind the villages that look padded.

Each aggregate covers one calendar month (or one scoring window) at a time, so that
memory is bounded by a month's events whatever the span; the reader keeps what it read
for the other indicators and windows that ask for it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl

from datastore.reads import scoped
from datastore.scope import Scope

EVIDENCE_LIMIT = 500  # residents (ids and times) kept as evidence per village and month


@dataclass(frozen=True)
class BurstRule:
    """When a village's count in one unit of time (an hour, a minute) is a burst: at least
    `min_count`, and beyond what the village's own pace over the period explains. The pace
    is the village's count per unit averaged over the period times `peak` (on the platform
    the busiest hour of a day carries about 2–2.5 times the average hour's visits, weekends
    a quarter more); a count is beyond it past that pace plus `z` Poisson standard
    deviations, which counts drawn at that pace seldom reach: for a pace of ten an hour,
    about once in 100,000 hours, and more rarely still at lower paces, where `min_count`
    rules."""

    unit: str  # "hour" or "minute"
    min_count: int
    peak: float = 3.0
    z: float = 5.0

    def bar(self, total: str, units: float) -> str:
        """SQL: the burst level of a village with `total` counted over `units` units."""
        pace = f"({self.peak} * ({total}) / {units})"
        return f"greatest({self.min_count}, {pace} + {self.z} * sqrt({pace}))"

    def units(self, start: dt.datetime, end: dt.datetime) -> float:
        seconds = {"hour": 3600, "minute": 60}[self.unit]
        return max((end - start).total_seconds() / seconds, 1.0)


class ActivityReader:
    """The scope's registration and activity aggregates, read when first asked for and kept
    (per month, window and rule) for the other indicators and windows that ask again. One
    reader per scoring scope and loaded database."""

    def __init__(self, con: duckdb.DuckDBPyConnection, scope: Scope):
        self.con = con
        self.scope = scope
        self._kept: dict[tuple, pl.DataFrame] = {}

    def _once(self, key: tuple, read: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        if key not in self._kept:
            self._kept[key] = read()
        return self._kept[key]

    def village_months(self, as_of: dt.date) -> pl.DataFrame:
        return self._once(("months", as_of), lambda: village_months(self.con, self.scope, as_of))

    def month_bursts(
        self, start: dt.datetime, cut: dt.datetime, hours: BurstRule, minutes: BurstRule
    ) -> pl.DataFrame:
        return self._once(
            ("bursts", start, cut, hours, minutes),
            lambda: month_bursts(self.con, self.scope, start, cut, hours, minutes),
        )

    def registrations(
        self, start: dt.datetime, as_of: dt.datetime, rule: BurstRule
    ) -> pl.DataFrame:
        return self._once(
            ("registrations", start, as_of, rule),
            lambda: registrations(self.con, self.scope, start, as_of, rule),
        )


def village_months(con: duckdb.DuckDBPyConnection, scope: Scope, as_of: dt.date) -> pl.DataFrame:
    """The ranked figures' counts per village and month (mart_village_month):
    region_code, period_start, households, registered_households, residents,
    active_residents. Months over by `as_of`, and the month holding it only when it is the
    data's last, whose figures then stand exactly as of that day."""
    condition, params = scope.villages()
    last_day = con.execute("SELECT last_day FROM mart_span").fetchall()[0][0]
    partial_month_too = last_day is not None and as_of >= last_day
    return con.sql(
        "SELECT region_code, period_start, households, registered_households, residents, "
        f"active_residents FROM mart_village_month WHERE {condition} AND period_start <= ? "
        "AND (last_day(period_start) <= ? OR ?) ORDER BY region_code, period_start",
        params=[*params, as_of, as_of, partial_month_too],
    ).pl()


def month_bursts(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: dt.datetime,
    cut: dt.datetime,
    hours: BurstRule,
    minutes: BurstRule,
) -> pl.DataFrame:
    """Per village of the scope whose residents did anything in [start, cut):

    events: their events; hour_bar, minute_bar: the village's burst levels
    (`BurstRule.bar` on its events); burst_hours, crowded_minutes: the clock hours and
    minutes in which at least that many residents had events; burst_only, crowded_only:
    residents all of whose events in the period fall in those hours, or in those minutes;
    burst_evidence, crowded_evidence: those residents as "user_id YYYY-MM-DD HH:MM" (their
    first event), earliest first, at most EVIDENCE_LIMIT.

    The period's events are read once (joined to their residents' villages): the table
    need not be stored in time order, though a time-ordered table lets the read skip the
    other months. Bursts are rare, so events are counted per village and hour (each event
    once: a bound on the residents), and residents are counted exactly only in the hours
    where that bound reaches a bar, and for the residents seen in a burst.
    """
    condition, params = scope.villages()
    hour, minute = "epoch(a.ts)::BIGINT // 3600", "epoch(a.ts)::BIGINT // 60"
    evidence = (
        "list(user_id || ' ' || strftime(first_at, '%Y-%m-%d %H:%M') ORDER BY first_at, user_id)"
    )
    query = f"""
        WITH residents AS (
            SELECT user_id, region_code FROM users WHERE role = 'resident' AND {condition}
        ), month_events AS MATERIALIZED (
            SELECT r.region_code, a.user_id, a.ts, {hour} AS hour, {minute} AS minute
            FROM activity a JOIN residents r ON r.user_id = a.user_id
            WHERE a.ts >= ? AND a.ts < ?
        ), hour_events AS MATERIALIZED (
            SELECT region_code, hour, count(*) AS events FROM month_events GROUP BY ALL
        ), bars AS (
            SELECT region_code, sum(events)::BIGINT AS events,
                {hours.bar("sum(events)", hours.units(start, cut))} AS hour_bar,
                {minutes.bar("sum(events)", minutes.units(start, cut))} AS minute_bar
            FROM hour_events GROUP BY ALL
        ), candidate_hours AS (
            SELECT region_code, hour FROM hour_events JOIN bars USING (region_code)
            WHERE hour_events.events >= least(hour_bar, minute_bar)
        ), candidate_events AS MATERIALIZED (
            SELECT * FROM month_events SEMI JOIN candidate_hours USING (region_code, hour)
        ), burst_hours AS (
            SELECT region_code, hour FROM candidate_events JOIN bars USING (region_code)
            GROUP BY region_code, hour, hour_bar HAVING count(DISTINCT user_id) >= hour_bar
        ), crowded_minutes AS (
            SELECT region_code, minute FROM candidate_events JOIN bars USING (region_code)
            GROUP BY region_code, minute, minute_bar
            HAVING count(DISTINCT user_id) >= minute_bar
        ), seen AS (
            SELECT user_id FROM candidate_events SEMI JOIN burst_hours USING (region_code, hour)
            UNION
            SELECT user_id FROM candidate_events
            SEMI JOIN crowded_minutes USING (region_code, minute)
        ), per_user AS (
            SELECT e.region_code, e.user_id, min(e.ts) AS first_at, count(*) AS events,
                count(b.hour) AS in_bursts, count(c.minute) AS in_crowds
            FROM (SELECT * FROM month_events SEMI JOIN seen USING (user_id)) e
            LEFT JOIN burst_hours b USING (region_code, hour)
            LEFT JOIN crowded_minutes c USING (region_code, minute)
            GROUP BY ALL
        ), flagged AS (
            SELECT region_code,
                count(*) FILTER (WHERE in_bursts = events) AS burst_only,
                count(*) FILTER (WHERE in_crowds = events) AS crowded_only,
                {evidence} FILTER (WHERE in_bursts = events) AS burst_evidence,
                {evidence} FILTER (WHERE in_crowds = events) AS crowded_evidence
            FROM per_user GROUP BY ALL
        ), counted AS (
            SELECT region_code, count(*) AS burst_hours, 0 AS crowded_minutes
            FROM burst_hours GROUP BY ALL
            UNION ALL
            SELECT region_code, 0, count(*) FROM crowded_minutes GROUP BY ALL
        ), units AS (
            SELECT region_code, sum(burst_hours)::BIGINT AS burst_hours,
                sum(crowded_minutes)::BIGINT AS crowded_minutes
            FROM counted GROUP BY ALL
        )
        SELECT b.region_code, b.events, b.hour_bar, b.minute_bar,
            coalesce(u.burst_hours, 0) AS burst_hours,
            coalesce(u.crowded_minutes, 0) AS crowded_minutes,
            coalesce(f.burst_only, 0) AS burst_only,
            coalesce(f.crowded_only, 0) AS crowded_only,
            coalesce(f.burst_evidence[1:{EVIDENCE_LIMIT}], []) AS burst_evidence,
            coalesce(f.crowded_evidence[1:{EVIDENCE_LIMIT}], []) AS crowded_evidence
        FROM bars b
        LEFT JOIN units u USING (region_code)
        LEFT JOIN flagged f USING (region_code)
        ORDER BY b.region_code
    """
    values = [*params, start, cut]
    return con.sql(query, params=values).pl()


def registrations(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    start: dt.datetime,
    as_of: dt.datetime,
    rule: BurstRule,
) -> pl.DataFrame:
    """Resident accounts of the scope registered in [start, as_of), as they stood at
    `as_of`: user_id, region_code, household_id, registered_at, cancelled_at (when
    cancelled by then; a cancellation without a time counts from the account's last update,
    as the registration rate counts it), household_accounts (accounts registered on the
    same household by `as_of`; null without a household), hour_bar (the village's burst
    level for registrations per clock hour over the period, `BurstRule.bar`) and in_burst
    (registered in an hour at or past it)."""
    condition, params = scope.villages()
    units = rule.units(start, as_of)
    ended = "coalesce(cancelled_at, updated_at, registered_at)"
    query = f"""
        WITH accounts AS (
            SELECT user_id, region_code, nullif(trim(household_id), '') AS household_id,
                registered_at,
                CASE WHEN status = 'cancelled' AND {ended} < ? THEN {ended} END AS cancelled_at
            FROM users
            WHERE role = 'resident' AND registered_at < ? AND {condition}
        ), new AS (
            SELECT *, date_trunc('hour', registered_at) AS hour FROM accounts
            WHERE registered_at >= ?
        ), households AS (
            SELECT region_code, household_id, count(*) AS household_accounts FROM accounts
            WHERE (region_code, household_id) IN (
                SELECT (region_code, household_id) FROM new WHERE household_id IS NOT NULL
            )
            GROUP BY ALL
        ), hours AS (
            SELECT region_code, hour, count(*) AS n FROM new GROUP BY ALL
        ), bars AS (
            SELECT region_code, {rule.bar("sum(n)", units)} AS hour_bar FROM hours GROUP BY ALL
        )
        SELECT new.user_id, new.region_code, new.household_id, new.registered_at,
            new.cancelled_at, households.household_accounts, bars.hour_bar,
            hours.n >= bars.hour_bar AS in_burst
        FROM new
        JOIN hours USING (region_code, hour)
        JOIN bars USING (region_code)
        LEFT JOIN households USING (region_code, household_id)
        ORDER BY new.region_code, new.registered_at, new.user_id
    """
    return con.sql(query, params=[as_of, as_of, *params, start]).pl()


@scoped
def village_hours(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    code: str,
    start: dt.datetime,
    cut: dt.datetime,
    rule: BurstRule,
) -> pl.DataFrame:
    """One village of the scope hour by hour over [start, cut), hours without activity left
    out: hour, residents (with events in it) and bar (the village's burst level over the
    period, as `month_bursts` draws it)."""
    condition, params = scope.villages()
    query = f"""
        WITH residents AS (
            SELECT user_id FROM users
            WHERE role = 'resident' AND region_code = ? AND {condition}
        ), hours AS (
            SELECT date_trunc('hour', a.ts) AS hour, count(DISTINCT a.user_id) AS residents,
                count(*) AS events
            FROM activity a JOIN residents r ON r.user_id = a.user_id
            WHERE a.ts >= ? AND a.ts < ?
            GROUP BY ALL
        )
        SELECT hour, residents,
            {rule.bar("sum(events) OVER ()", rule.units(start, cut))} AS bar
        FROM hours ORDER BY hour
    """
    return con.sql(query, params=[code, *params, start, cut]).pl()
