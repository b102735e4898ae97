"""Registration and activity as the padding indicators read them, aggregated in DuckDB per
village and month, hour or minute, so that a province's year of events (tens of millions
of rows) never comes into Python: what does is one row per village and month, plus the
user ids and times behind the villages that look padded.

Each aggregate covers calendar months (or scoring windows) judged each on its own; a read
takes as many of them together as keep its events under EVENTS_PER_READ, so that memory
is bounded whatever the span, and a district's whole span is read in one pass. Each is
per village and the same whichever scope holds the village: a load's parts scored one
after another cut one read of every village (LoadAggregates), and each scoring scope's
reader (ActivityReader) keeps its cut for the other indicators and windows that ask
for it again.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import duckdb
import polars as pl

from datastore.per_load import PerLoad
from datastore.reads import scoped
from datastore.scope import EVERYTHING, Scope
from schema.timing import next_month

EVIDENCE_LIMIT = 500  # residents (ids and times) kept as evidence per village and month
# Events counted in one read: a read holds them in memory while it counts them (a
# district's year, 2.8 M events, lifts the process's peak by about 0.5 GB), so a
# province's months (about 5 M events each) are read one at a time, a district's year at once.
EVENTS_PER_READ = 5_000_000


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

    def bar(self, total: str, units: float | str) -> str:
        """SQL: the burst level of a village with `total` counted over `units` units (a
        number, or an SQL expression giving it)."""
        pace = f"({self.peak} * ({total}) / {units})"
        return f"greatest({self.min_count}, {pace} + {self.z} * sqrt({pace}))"

    def units(self, start: dt.datetime, end: dt.datetime) -> float:
        seconds = {"hour": 3600, "minute": 60}[self.unit]
        return max((end - start).total_seconds() / seconds, 1.0)


class ScopeAggregates:
    """The aggregates of every village of `scope`, read when first asked for and kept.

    Months of bursts are read as many together as keep a read's events under
    EVENTS_PER_READ (a district's year in one pass, a province's month by month); every
    window's new accounts in one query; the ranked figures' months in one."""

    def __init__(self, scope: Scope = EVERYTHING) -> None:
        self.scope = scope
        self._kept: dict[tuple, pl.DataFrame] = {}
        self._reading = threading.Lock()  # the warmer and a page may ask at the same time

    def has_read(self) -> bool:
        return bool(self._kept)

    def village_months(self, con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
        """Every month of mart_village_month of the scope's villages (`village_months` as
        of the data's last day and beyond)."""
        with self._reading:
            if ("months",) not in self._kept:
                self._kept[("months",)] = village_months(con, self.scope, dt.date.max)
            return self._kept[("months",)]

    def month_bursts(
        self,
        con: duckdb.DuckDBPyConnection,
        months: list[tuple[dt.datetime, dt.datetime]],
        hours: BurstRule,
        minutes: BurstRule,
    ) -> dict[tuple[dt.datetime, dt.datetime], pl.DataFrame]:
        """`month_bursts` of the scope for each of `months` (start, cut)."""
        with self._reading:
            wanted = sorted({m for m in months if ("bursts", *m, hours, minutes) not in self._kept})
            for batch in self._batches(con, wanted):
                read = period_bursts(con, self.scope, batch, hours, minutes)
                parts = read.partition_by("start", as_dict=True, include_key=False)
                empty = read.clear().drop("start")
                for start, cut in batch:
                    self._kept[("bursts", start, cut, hours, minutes)] = parts.get((start,), empty)
            return {m: self._kept[("bursts", *m, hours, minutes)] for m in months}

    def registrations(
        self,
        con: duckdb.DuckDBPyConnection,
        windows: list[tuple[dt.datetime, dt.datetime]],
        rule: BurstRule,
    ) -> dict[tuple[dt.datetime, dt.datetime], pl.DataFrame]:
        """`registrations` of the scope for each of `windows` (start, as_of)."""
        with self._reading:
            wanted = sorted({w for w in windows if ("registrations", *w, rule) not in self._kept})
            if wanted:
                read = window_registrations(con, self.scope, wanted, rule)
                parts = read.partition_by("start", "as_of", as_dict=True, include_key=False)
                empty = read.clear().drop("start", "as_of")
                for window in wanted:
                    self._kept[("registrations", *window, rule)] = parts.get(window, empty)
            return {w: self._kept[("registrations", *w, rule)] for w in windows}

    def _batches(
        self, con: duckdb.DuckDBPyConnection, months: list[tuple[dt.datetime, dt.datetime]]
    ) -> list[list[tuple[dt.datetime, dt.datetime]]]:
        """Consecutive months grouped so that each group's events (estimated from the
        whole table's monthly counts and the scope's share of residents) stay under
        EVENTS_PER_READ: a read holds its events in memory while it counts them."""
        if not months:
            return []
        condition, params = self.scope.villages()
        share = con.execute(
            f"SELECT count(*) FILTER (WHERE {condition}) / greatest(count(*), 1) FROM users "
            "WHERE role = 'resident'",
            params,
        ).fetchall()[0][0]
        counts = dict(
            con.execute(
                "SELECT date_trunc('month', ts) AS month, count(*) FROM activity "
                "WHERE ts >= ? AND ts < ? GROUP BY ALL",
                [months[0][0], max(cut for _, cut in months)],
            ).fetchall()
        )
        batches, events = [[]], 0.0
        for month in months:
            expected = counts.get(month[0], 0) * share
            if batches[-1] and events + expected > EVENTS_PER_READ:
                batches.append([])
                events = 0.0
            batches[-1].append(month)
            events += expected
        return batches


class LoadAggregates:
    """One load's aggregates, for every scoring scope that reads it in this process.

    The aggregates are per village and the same whichever scope holds the village, so a
    province's districts, each scored with its own peers, can cut one read of every
    village's events instead of scanning them once each. That read costs a province's
    whole year of events (about ten times a district's own read, which the residents'
    ids let skip most of the table), so the first part of the load to ask reads only its
    own; from the second part on, or once everything is asked for, every part cuts the
    whole load's read."""

    def __init__(self) -> None:
        self.everything = ScopeAggregates(EVERYTHING)
        self._own: dict[Scope, ScopeAggregates] = {}  # the first part's, alone
        self._choosing = threading.Lock()

    def for_scope(self, scope: Scope) -> ScopeAggregates:
        with self._choosing:
            if scope == EVERYTHING or self.everything.has_read() or self._own.keys() - {scope}:
                return self.everything
            return self._own.setdefault(scope, ScopeAggregates(scope))


# One load's aggregates at a time: a new load's scoring reads its own.
_LOADED = PerLoad(keep=1)


def load_aggregates(con: duckdb.DuckDBPyConnection) -> LoadAggregates:
    """The aggregates of the load `con` reads, shared by every reader of it in this
    process (a database in memory gets aggregates of its own each time)."""
    return _LOADED.get(con, "aggregates", LoadAggregates)


class ActivityReader:
    """The scope's registration and activity aggregates: its own, or those of every
    village of the load cut to its villages (LoadAggregates chooses), kept (per month,
    window and rule) for the other indicators and windows that ask again. One reader per
    scoring scope and loaded database.

    Told beforehand what a whole span's windows will ask for (`prefetch`), the load's
    aggregates read every month's bursts and every window's new accounts in a few passes
    instead of one query each."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        scope: Scope,
        aggregates: ScopeAggregates | None = None,
    ):
        self.con = con
        self.scope = scope
        self.aggregates = aggregates or load_aggregates(con).for_scope(scope)
        self._kept: dict[tuple, pl.DataFrame] = {}
        self._villages: pl.Series | None = None

    def _inside(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The rows of `frame` (read for the aggregates' scope) about the reader's villages."""
        if self.aggregates.scope == self.scope:
            return frame
        if self._villages is None:
            condition, params = self.scope.villages()
            self._villages = (
                self.con.sql(
                    f"SELECT region_code FROM regions WHERE level = 'village' AND {condition}",
                    params=params,
                )
                .pl()
                .get_column("region_code")
            )
        return frame.filter(pl.col("region_code").is_in(self._villages.implode()))

    def _keep(self, key: tuple, frame: pl.DataFrame) -> pl.DataFrame:
        if key not in self._kept:
            self._kept[key] = self._inside(frame)
        return self._kept[key]

    def village_months(self, as_of: dt.date) -> pl.DataFrame:
        if ("months", as_of) not in self._kept:
            months = self._months()
            last_day = self.con.execute("SELECT last_day FROM mart_span").fetchall()[0][0]
            partial_month_too = last_day is not None and as_of >= last_day
            self._kept[("months", as_of)] = months.filter(
                (pl.col("period_start") <= as_of)
                & ((pl.col("period_start").dt.month_end() <= as_of) | partial_month_too)
            )
        return self._kept[("months", as_of)]

    def _months(self) -> pl.DataFrame:
        if ("months",) not in self._kept:
            self._kept[("months",)] = self._inside(self.aggregates.village_months(self.con))
        return self._kept[("months",)]

    def month_bursts(
        self, start: dt.datetime, cut: dt.datetime, hours: BurstRule, minutes: BurstRule
    ) -> pl.DataFrame:
        key = ("bursts", start, cut, hours, minutes)
        if key not in self._kept:
            read = self.aggregates.month_bursts(self.con, [(start, cut)], hours, minutes)
            self._keep(key, read[(start, cut)])
        return self._kept[key]

    def registrations(
        self, start: dt.datetime, as_of: dt.datetime, rule: BurstRule
    ) -> pl.DataFrame:
        key = ("registrations", start, as_of, rule)
        if key not in self._kept:
            read = self.aggregates.registrations(self.con, [(start, as_of)], rule)
            self._keep(key, read[(start, as_of)])
        return self._kept[key]

    def prefetch(
        self,
        months: list[tuple[dt.datetime, dt.datetime]],
        hours: BurstRule,
        minutes: BurstRule,
        windows: list[tuple[dt.datetime, dt.datetime]],
        rule: BurstRule,
    ) -> None:
        """Read ahead what `month_bursts` will be asked for `months` (start, cut) and
        `registrations` for `windows` (start, as_of), keeping each under the key it will
        be asked by."""
        bursts = self.aggregates.month_bursts(self.con, months, hours, minutes)
        for (start, cut), frame in bursts.items():
            self._keep(("bursts", start, cut, hours, minutes), frame)
        accounts = self.aggregates.registrations(self.con, windows, rule)
        for (start, as_of), frame in accounts.items():
            self._keep(("registrations", start, as_of, rule), frame)


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
    first event), earliest first, at most EVIDENCE_LIMIT."""
    return period_bursts(con, scope, [(start, cut)], hours, minutes).drop("start")


def period_bursts(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    periods: list[tuple[dt.datetime, dt.datetime]],
    hours: BurstRule,
    minutes: BurstRule,
) -> pl.DataFrame:
    """`month_bursts` of several months read together, each from its first instant
    (`start`) up to its `cut` (at most the next month's first instant): its columns with
    `start`, sorted by start and village. Each month is judged on its own events alone,
    exactly as if read by itself.

    The months' events are read once (joined to their residents' villages): the table
    need not be stored in time order, though a time-ordered table lets the read skip the
    other months. Bursts are rare, so events are counted per village and hour (each event
    once: a bound on the residents), and residents are counted exactly only in the hours
    where that bound reaches a bar, and for the residents seen in a burst. Villages are
    numbered for the reading: an hour or a minute lies in one month, so a village's
    number and the hour or minute are the whole key.
    """
    periods = sorted(periods)
    for start, cut in periods:
        month = dt.datetime(start.year, start.month, 1)
        if start != month or not start < cut <= dt.datetime.combine(next_month(month), dt.time()):
            raise ValueError(f"not a month up to a cut inside it: {start} – {cut}")
    condition, params = scope.villages()
    hour, minute = "epoch(a.ts)::BIGINT // 3600", "epoch(a.ts)::BIGINT // 60"
    evidence = (
        "list(user_id || ' ' || strftime(first_at, '%Y-%m-%d %H:%M') ORDER BY first_at, user_id)"
    )
    row = "(?::INTEGER, ?::TIMESTAMP, ?::TIMESTAMP, ?::DOUBLE, ?::DOUBLE)"
    rows = ", ".join(row for _ in periods)
    values = [
        value
        for i, (start, cut) in enumerate(periods)
        for value in (i, start, cut, hours.units(start, cut), minutes.units(start, cut))
    ]
    query = f"""
        WITH periods AS (
            SELECT * FROM (VALUES {rows}) p(period, start, cut, hour_units, minute_units)
        ), residents AS MATERIALIZED (
            SELECT user_id, region_code FROM users WHERE role = 'resident' AND {condition}
        ), villages AS MATERIALIZED (
            SELECT region_code, (row_number() OVER (ORDER BY region_code))::INTEGER AS village
            FROM (SELECT DISTINCT region_code FROM residents)
        ), month_events AS MATERIALIZED (
            SELECT p.period, v.village, a.user_id, a.ts, {hour} AS hour, {minute} AS minute
            FROM activity a
            JOIN residents r ON r.user_id = a.user_id
            JOIN villages v ON v.region_code = r.region_code
            JOIN periods p ON p.start = date_trunc('month', a.ts)
            WHERE a.ts >= ? AND a.ts < ? AND a.ts < p.cut
        ), hour_events AS MATERIALIZED (
            SELECT period, village, hour, count(*) AS events FROM month_events GROUP BY ALL
        ), bars AS MATERIALIZED (
            SELECT period, village, sum(events)::BIGINT AS events,
                {hours.bar("sum(events)", "hour_units")} AS hour_bar,
                {minutes.bar("sum(events)", "minute_units")} AS minute_bar
            FROM hour_events JOIN periods USING (period)
            GROUP BY period, village, hour_units, minute_units
        ), candidate_hours AS (
            SELECT village, hour FROM hour_events JOIN bars USING (period, village)
            WHERE hour_events.events >= least(hour_bar, minute_bar)
        ), candidate_events AS MATERIALIZED (
            SELECT * FROM month_events SEMI JOIN candidate_hours USING (village, hour)
        ), burst_hours AS (
            SELECT period, village, hour
            FROM candidate_events JOIN bars USING (period, village)
            GROUP BY period, village, hour, hour_bar
            HAVING count(DISTINCT user_id) >= hour_bar
        ), crowded_minutes AS (
            SELECT period, village, minute
            FROM candidate_events JOIN bars USING (period, village)
            GROUP BY period, village, minute, minute_bar
            HAVING count(DISTINCT user_id) >= minute_bar
        ), seen AS (
            SELECT period, user_id FROM candidate_events
            SEMI JOIN burst_hours USING (village, hour)
            UNION
            SELECT period, user_id FROM candidate_events
            SEMI JOIN crowded_minutes USING (village, minute)
        ), per_user AS (
            SELECT e.period, e.village, e.user_id, min(e.ts) AS first_at,
                count(*) AS events, count(b.hour) AS in_bursts, count(c.minute) AS in_crowds
            FROM (SELECT * FROM month_events SEMI JOIN seen USING (period, user_id)) e
            LEFT JOIN burst_hours b USING (village, hour)
            LEFT JOIN crowded_minutes c USING (village, minute)
            GROUP BY ALL
        ), flagged AS (
            SELECT period, village,
                count(*) FILTER (WHERE in_bursts = events) AS burst_only,
                count(*) FILTER (WHERE in_crowds = events) AS crowded_only,
                {evidence} FILTER (WHERE in_bursts = events) AS burst_evidence,
                {evidence} FILTER (WHERE in_crowds = events) AS crowded_evidence
            FROM per_user GROUP BY ALL
        ), counted AS (
            SELECT period, village, count(*) AS burst_hours, 0 AS crowded_minutes
            FROM burst_hours GROUP BY ALL
            UNION ALL
            SELECT period, village, 0, count(*) FROM crowded_minutes GROUP BY ALL
        ), units AS (
            SELECT period, village, sum(burst_hours)::BIGINT AS burst_hours,
                sum(crowded_minutes)::BIGINT AS crowded_minutes
            FROM counted GROUP BY ALL
        )
        SELECT p.start, v.region_code, b.events, b.hour_bar, b.minute_bar,
            coalesce(u.burst_hours, 0) AS burst_hours,
            coalesce(u.crowded_minutes, 0) AS crowded_minutes,
            coalesce(f.burst_only, 0) AS burst_only,
            coalesce(f.crowded_only, 0) AS crowded_only,
            coalesce(f.burst_evidence[1:{EVIDENCE_LIMIT}], []) AS burst_evidence,
            coalesce(f.crowded_evidence[1:{EVIDENCE_LIMIT}], []) AS crowded_evidence
        FROM bars b
        JOIN periods p USING (period)
        JOIN villages v USING (village)
        LEFT JOIN units u USING (period, village)
        LEFT JOIN flagged f USING (period, village)
        ORDER BY p.start, v.region_code
    """
    first, last = periods[0][0], periods[-1][1]
    return con.sql(query, params=[*values, *params, first, last]).pl()


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
    return window_registrations(con, scope, [(start, as_of)], rule).drop("start", "as_of")


def window_registrations(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    windows: list[tuple[dt.datetime, dt.datetime]],
    rule: BurstRule,
) -> pl.DataFrame:
    """`registrations` of several windows [start, as_of) read together: its columns with
    the window's `start` and `as_of`, sorted by window, village, registration time and
    account. Each window's accounts stand as they did at its own as-of date."""
    windows = sorted(set(windows))
    condition, params = scope.villages()
    ended = "coalesce(cancelled_at, updated_at, registered_at)"
    rows = ", ".join("(?::TIMESTAMP, ?::TIMESTAMP, ?::DOUBLE)" for _ in windows)
    values = [v for start, as_of in windows for v in (start, as_of, rule.units(start, as_of))]
    query = f"""
        WITH windows AS (
            SELECT * FROM (VALUES {rows}) w(start, as_of, units)
        ), accounts AS MATERIALIZED (
            SELECT user_id, region_code, nullif(trim(household_id), '') AS household_id,
                registered_at, status = 'cancelled' AS cancelled, {ended} AS ended
            FROM users
            WHERE role = 'resident' AND registered_at < ? AND {condition}
        ), new AS MATERIALIZED (
            SELECT w.start, w.as_of, a.user_id, a.region_code, a.household_id,
                a.registered_at,
                CASE WHEN a.cancelled AND a.ended < w.as_of THEN a.ended END AS cancelled_at,
                date_trunc('hour', a.registered_at) AS hour
            FROM (SELECT * FROM accounts WHERE registered_at >= ?) a JOIN windows w
                ON a.registered_at >= w.start AND a.registered_at < w.as_of
        ), households AS (
            -- Only the households of each window's new accounts: every account times
            -- every window would be tens of millions of rows in a province.
            SELECT k.start, k.as_of, k.region_code, k.household_id,
                count(*) AS household_accounts
            FROM (
                SELECT DISTINCT start, as_of, region_code, household_id FROM new
                WHERE household_id IS NOT NULL
            ) k JOIN accounts a ON a.region_code = k.region_code
                AND a.household_id = k.household_id AND a.registered_at < k.as_of
            GROUP BY ALL
        ), hours AS (
            SELECT start, as_of, region_code, hour, count(*) AS n FROM new GROUP BY ALL
        ), bars AS (
            SELECT start, as_of, region_code, {rule.bar("sum(n)", "units")} AS hour_bar
            FROM hours JOIN windows USING (start, as_of)
            GROUP BY start, as_of, region_code, units
        )
        SELECT new.start, new.as_of, new.user_id, new.region_code, new.household_id,
            new.registered_at, new.cancelled_at, households.household_accounts, bars.hour_bar,
            hours.n >= bars.hour_bar AS in_burst
        FROM new
        JOIN hours USING (start, as_of, region_code, hour)
        JOIN bars USING (start, as_of, region_code)
        LEFT JOIN households USING (start, as_of, region_code, household_id)
        ORDER BY new.start, new.as_of, new.region_code, new.registered_at, new.user_id
    """
    first, last = min(start for start, _ in windows), max(as_of for _, as_of in windows)
    return con.sql(query, params=[*values, last, *params, first]).pl()


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
