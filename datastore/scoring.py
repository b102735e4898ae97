"""What the leads are scored on, read from the database, and the lead episodes as the
dashboard, the briefing and the command line read them: scored over the whole span once
per load and scoring scope, shown for a scope."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from datastore import dispositions
from datastore.activity import ActivityReader
from datastore.per_load import PerLoad
from datastore.reads import scoped
from datastore.scope import Scope
from models.data import (
    DEFAULT_WINDOW_DAYS,
    DISCLOSURE_COLUMNS,
    FEEDBACK_COLUMNS,
    VILLAGE_COLUMNS,
    Records,
)
from models.episodes import score_span
from models.padding import live_on, padding_leads, with_dispositions
from schema.settings import DEFAULTS, SETTINGS, DistrictSettings


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = ? AND table_catalog = current_database()",
            [name],
        ).fetchall()[0][0]
    )


def _stored_settings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """key, value, source, note as the last `--settings` file gave them (none in a
    database loaded before settings existed)."""
    if not _has_table(con, "settings"):
        return pl.DataFrame(
            schema={"key": pl.String, "value": pl.Float64, "source": pl.String, "note": pl.String}
        )
    return con.sql("SELECT key, value, source, note FROM settings ORDER BY key").pl()


def district_settings(con: duckdb.DuckDBPyConnection) -> DistrictSettings:
    """The settings in force: the stored file's values over the defaults."""
    stored = _stored_settings(con).filter(pl.col("key").is_in(list(SETTINGS)))
    return DEFAULTS.with_values(dict(stored.select("key", "value").iter_rows()))


@scoped
def settings_in_force(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Every setting with its value in force, its default, its unit, where the value comes
    from (the file's name, or null for the default), the file's note and what it means
    (doc, doc_zh). One file serves the whole database, whichever part of it `scope` is."""
    stored = {row["key"]: row for row in _stored_settings(con).iter_rows(named=True)}
    rows = []
    for key, setting in SETTINGS.items():
        given = stored.get(key)
        rows.append(
            {
                "key": key,
                "name_zh": setting.zh,
                "name_en": setting.en,
                "value": given["value"] if given else getattr(DEFAULTS, key),
                "default": getattr(DEFAULTS, key),
                "unit": setting.unit,
                "source": given["source"] if given else None,
                "note": given["note"] if given else None,
                "doc": setting.doc,
                "doc_zh": setting.doc_zh,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"source": pl.String, "note": pl.String})


def read_records(con: duckdb.DuckDBPyConnection, scope: Scope) -> Records:
    """Everything the indicators read for the scope's villages, over the whole span."""
    villages_sql, params = scope.villages()
    villages = con.sql(
        f"SELECT {', '.join(VILLAGE_COLUMNS)} FROM regions "
        f"WHERE level = 'village' AND {villages_sql} ORDER BY region_code",
        params=params,
    ).pl()
    disclosures = con.sql(
        f"SELECT {', '.join(DISCLOSURE_COLUMNS)} FROM disclosures WHERE {villages_sql} "
        "ORDER BY published_at, disclosure_id",
        params=params,
    ).pl()
    feedback = con.sql(
        f"SELECT {', '.join(FEEDBACK_COLUMNS)} FROM feedback WHERE {villages_sql} "
        "ORDER BY submitted_at, feedback_id",
        params=params,
    ).pl()
    catalogue = con.sql("SELECT * FROM catalogue ORDER BY item_code").pl()
    first_day, last_day = con.execute("SELECT first_day, last_day FROM mart_span").fetchall()[0]
    return Records.build(
        villages,
        disclosures,
        feedback,
        catalogue,
        first_day,
        last_day,
        district_settings(con),
        ActivityReader(con, scope),
    )


def scoring_scope(con: duckdb.DuckDBPyConnection, scope: Scope) -> Scope:
    """The district holding a street or village scope, else the scope itself, without the
    kind: a lead's score must not depend on who is looking, and the anomaly model compares
    each village with everything scored alongside it."""
    if scope.region_code is None:
        districts = con.execute(
            "SELECT region_code FROM regions WHERE level = 'district' LIMIT 2"
        ).fetchall()
        # The whole of a one-district database is that district: scored once, not twice.
        return Scope(districts[0][0]) if len(districts) == 1 else Scope()
    rows = con.execute(
        "SELECT level, district_code FROM regions WHERE region_code = ?", [scope.region_code]
    ).fetchall()
    if not rows or rows[0][0] in ("district", "city", "province"):
        return Scope(scope.region_code)
    return Scope(rows[0][1])


# Every district of a province scored ahead of its users (datastore/warmup.py), and then
# the next load's: episodes are small next to the time they take.
_SCORED = PerLoad(keep=256)


def scored_span(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    as_of: dt.date | None = None,
    seed: int = 0,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> pl.DataFrame:
    """Every episode of the scope's villages up to `as_of` (default: the data's last
    day), scored once per load, scope and as-of day in this process."""
    return _SCORED.get(
        con,
        (scope, as_of, seed, window_days),
        lambda: score_span(read_records(con, scope), seed, as_of, None, window_days),
    )


def scored_scopes() -> list[Scope]:
    """The scopes scored over the whole span in this process, the latest first: a new
    load is scored for them again before anybody asks (datastore/warmup.py)."""
    scopes: list[Scope] = []
    for scope, as_of, seed, window_days in _SCORED.latest_keys():
        if (as_of, seed, window_days) == (None, 0, DEFAULT_WINDOW_DAYS) and scope not in scopes:
            scopes.append(scope)
    return scopes


@scoped
def lead_episodes(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> pl.DataFrame:
    """The scope's lead episodes scored among its whole district up to `as_of`, those
    raised at some scoring day within [since, until] (default: the whole span), ongoing
    first."""
    episodes = scored_span(con, scoring_scope(con, scope), as_of)
    episodes = episodes.filter(
        (pl.col("last_seen") >= (since or dt.date.min))
        & (pl.col("first_seen") <= (until or dt.date.max))
    )
    if scope.region_code is None and scope.kind is None:
        return episodes
    condition, params = scope.villages()
    inside = con.sql(
        f"SELECT region_code FROM regions WHERE level = 'village' AND {condition}", params=params
    ).pl()
    return episodes.filter(pl.col("region_code").is_in(inside.get_column("region_code").implode()))


@scoped(cache=False)
def padded_villages(
    con: duckdb.DuckDBPyConnection, scope: Scope, day: dt.date, as_of: dt.date | None = None
) -> pl.DataFrame:
    """The scope's villages whose figures look padded on the scoring day `day`
    (models/padding.py), as things stood on `as_of`, with the inspectors' latest
    disposition. Not cached: a disposition recorded a moment ago counts."""
    live = live_on(lead_episodes(con, scope, as_of), day)
    flagged = padding_leads(live)
    return with_dispositions(flagged, dispositions.current(con, scope, flagged))
