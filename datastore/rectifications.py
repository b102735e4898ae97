"""Rectification (整改) as the pages, the digest and the ledgers read and write it, held to
the reader's scope: items opened on confirmed leads, their progress, reports, returns and
closing (datastore/casework.py keeps them, append-only), their data re-check
(models/recheck.py), the follow-up lists (督办), the casework summary by street and the
rows of the two ledgers (reports/ledgers.py writes them).

Deadlines are days of the calendar, not of the data: an item is overdue on `today` (the
page's real day, the digest's day) when its deadline has passed with no report."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import polars as pl

from datastore import casework
from datastore.access import OutsideJurisdiction, within
from datastore.dispositions import _store
from datastore.per_load import PerLoad
from datastore.privacy import mask_columns
from datastore.reads import scoped
from datastore.scope import Scope
from datastore.scoring import district_settings, lead_episodes, read_records, scoring_scope
from models.data import Records
from models.indicators import LEAD_TYPES, REGISTRY
from models.recheck import Recheck, recheck

TEXTS = ["note", "problem", "measures", "person", "progress", "close_note"]
ITEM_COLUMNS = [
    "rectification_id", "lead_id", "recorded_on", "region_code", "name", "street_code",
    "street_name", "lead_type", "problem", "unit_code", "unit_name", "person", "measures",
    "deadline", "first_deadline", "extensions", "state", "days_overdue", "reported_on",
    "progress", "closed_at", "close_note", "close_recheck", "recheck_from", "indicators",
    "actor", "recorded_at",
]  # fmt: skip


def _regions(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """The scope's villages with their street's name: region_code, name, street_code,
    street_name."""
    condition, params = scope.villages("v.region_code")
    return con.sql(
        "SELECT v.region_code, v.name, v.street_code, s.name AS street_name FROM regions v "
        "LEFT JOIN regions s ON s.region_code = v.street_code "
        f"WHERE v.level = 'village' AND {condition} ORDER BY v.region_code",
        params=params,
    ).pl()


def _unit_names(con: duckdb.DuckDBPyConnection, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = con.execute(
        "SELECT region_code, name FROM regions "
        f"WHERE region_code IN ({', '.join('?' * len(codes))})",
        codes,
    ).fetchall()
    return dict(rows)


def _items(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    today: dt.date,
    leads: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(items, events) of the scope's villages: every item with its state on `today`,
    names and, with `leads`, only those attached to them (lead_id the episode's)."""
    regions = _regions(con, scope)
    villages = regions.get_column("region_code").to_list()
    with _store(con) as store:
        items = casework.rectification_items(store, villages)
        events = casework.rectification_events(
            store, items.get_column("rectification_id").to_list()
        )
    states = casework.item_states(items, events, today)
    if leads is not None:
        states = casework.item_for_lead(states, leads)
    else:
        states = states.with_columns(pl.col("lead_id").alias("recorded_on"))
    units = _unit_names(con, states.get_column("unit_code").unique().to_list())
    states = states.join(regions, on="region_code", how="left").with_columns(
        pl.col("unit_code").replace_strict(units, default=pl.col("unit_code")).alias("unit_name")
    )
    return states.select(ITEM_COLUMNS).sort("rectification_id"), events


def _one_lead(lead: dict) -> pl.DataFrame:
    return pl.DataFrame([lead]).select(
        pl.col("lead_id").cast(pl.String), pl.col("region_code").cast(pl.String),
        pl.col("lead_type").cast(pl.String), pl.col("window_start").cast(pl.Date),
        pl.col("window_end").cast(pl.Date),
    )  # fmt: skip


@scoped(cache=False)
def lead_items(
    con: duckdb.DuckDBPyConnection, scope: Scope, lead: dict, today: dt.date
) -> pl.DataFrame:
    """The rectification items of one lead episode of the scope (ITEM_COLUMNS), with their
    state on `today`; texts masked. Empty outside the scope."""
    if not within(con, scope, lead["region_code"]):
        return pl.DataFrame(schema={c: pl.String for c in ITEM_COLUMNS}).clear()
    items, _ = _items(con, Scope(lead["region_code"]), today, _one_lead(lead))
    return mask_columns(items, TEXTS, unmask=False)


@scoped(cache=False)
def lead_events(con: duckdb.DuckDBPyConnection, scope: Scope, lead: dict) -> pl.DataFrame:
    """Everything recorded on the lead's items, oldest first: rectification_id, kind,
    happened_on, note (masked), actor, recorded_at."""
    if not within(con, scope, lead["region_code"]):
        return pl.DataFrame(schema=casework.EVENT_SCHEMA)
    every_day = dt.date.max - dt.timedelta(days=1)  # whatever was recorded, whenever
    items, events = _items(con, Scope(lead["region_code"]), every_day, _one_lead(lead))
    ids = items.get_column("rectification_id").to_list()
    kept = events.filter(pl.col("rectification_id").is_in(ids)).sort("event_id")
    return mask_columns(
        kept.select("rectification_id", "kind", "happened_on", "note", "actor", "recorded_at"),
        ["note"],
        unmask=False,
    )


def _check_lead(con: duckdb.DuckDBPyConnection, scope: Scope, lead: dict) -> None:
    if not within(con, scope, lead["region_code"]):
        raise OutsideJurisdiction(f"lead:{lead['lead_id']}", scope.region_code)
    with _store(con) as store:
        status = casework.current_dispositions(store, _one_lead(lead)).get_column("status")[0]
    if status not in casework.CONFIRMED:
        raise ValueError(
            f"lead {lead['lead_id']} is {casework.STATUSES[status][1]}: rectification "
            "follows a lead found confirmed or partly confirmed"
        )


def unit_choices(con: duckdb.DuckDBPyConnection, region_code: str) -> dict[str, str]:
    """Who can be made responsible for a village's rectification: the village or its
    street (code → name)."""
    rows = con.execute(
        "SELECT v.region_code, v.name, s.region_code, s.name FROM regions v "
        "JOIN regions s ON s.region_code = v.street_code WHERE v.region_code = ?",
        [region_code],
    ).fetchall()
    return {rows[0][0]: rows[0][1], rows[0][2]: rows[0][3]} if rows else {}


@scoped(cache=False)
def responsible_units(
    con: duckdb.DuckDBPyConnection, scope: Scope, region_code: str
) -> dict[str, str]:
    """The units that may be responsible for a village of the scope (`unit_choices`)."""
    return unit_choices(con, region_code) if within(con, scope, region_code) else {}


@scoped(cache=False)
def add(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    lead: dict,
    problem: str,
    unit_code: str,
    person: str,
    measures: str,
    deadline: dt.date,
    actor: str,
) -> int:
    """Open a rectification item on a confirmed (or partly confirmed) lead of the scope;
    the responsible unit is the lead's village or its street. Its id."""
    _check_lead(con, scope, lead)
    if unit_code not in unit_choices(con, lead["region_code"]):
        raise ValueError(f"{unit_code!r} is neither the lead's village nor its street")
    with _store(con) as store:
        return casework.record_rectification(
            store, lead, problem, unit_code, person, measures, deadline, actor
        )


@scoped(cache=False)
def record_event(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    rectification_id: int,
    kind: str,
    note: str,
    actor: str,
    today: dt.date,
    happened_on: dt.date | None = None,
) -> None:
    """Append a progress note, a report of completion (on `happened_on`), a later deadline
    (`happened_on`), a return to rectification or the closing (销号) to an item of the
    scope. A closing keeps the data
    re-check's verdict as it stood (shown, never forced)."""
    items, _ = _items(con, scope, today)
    item = items.filter(pl.col("rectification_id") == rectification_id)
    if item.is_empty():
        raise OutsideJurisdiction(f"rectification:{rectification_id}", scope.region_code)
    row = item.row(0, named=True)
    shown = None
    if kind == "closed":
        shown = _recheck(con, row["region_code"], row["indicators"], row["recheck_from"])
        shown = shown.summary_zh()
    with _store(con) as store:
        casework.record_rectification_event(
            store, rectification_id, kind, note, actor, today, happened_on, shown
        )


_RECORDS = PerLoad(keep=2)


def _district_records(con: duckdb.DuckDBPyConnection, region_code: str) -> Records:
    """The records of the district holding a village, read once per load."""
    district = scoring_scope(con, Scope(region_code))
    return _RECORDS.get(con, district, lambda: read_records(con, district))


def _recheck(
    con: duckdb.DuckDBPyConnection,
    region_code: str,
    indicators: str,
    start: dt.date | None,
    windows: dict | None = None,
) -> Recheck:
    return recheck(_district_records(con, region_code), region_code, indicators, start, windows)


@scoped
def data_recheck(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    region_code: str,
    indicators: str,
    start: dt.date | None,
) -> Recheck:
    """The data re-check of an item of a village of the scope: its lead's `indicators`
    measured again from `start` (the item's recheck_from) to the data's last day, among
    the district's villages (models/recheck.py)."""
    if not within(con, scope, region_code):
        raise OutsideJurisdiction(f"village:{region_code}", scope.region_code)
    return _recheck(con, region_code, indicators, start)


def overdue_items(con: duckdb.DuckDBPyConnection, scope: Scope, today: dt.date) -> pl.DataFrame:
    """The scope's items overdue on `today`, most overdue first (ITEM_COLUMNS)."""
    items, _ = _items(con, scope, today)
    return items.filter(pl.col("state") == "overdue").sort(
        ["days_overdue", "rectification_id"], descending=[True, False]
    )


def _with_status(con: duckdb.DuckDBPyConnection, leads: pl.DataFrame) -> pl.DataFrame:
    with _store(con) as store:
        current = casework.current_dispositions(store, leads)
    return leads.join(current, on="lead_id", how="left")


@scoped(cache=False)
def follow_up(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    today: dt.date,
    pending_days: int | None = None,
) -> dict:
    """督办 for the scope on `today`: `overdue`, the items past their deadline with no
    report (ITEM_COLUMNS, most overdue first), and `pending`, the lead episodes still
    待核查 more than `pending_days` (default: the district's setting) after they were
    first raised (lead_id, region_code, name, street_name, lead_type, first_seen,
    days_pending, score), longest first; `pending_days` as applied."""
    days = int(district_settings(con).pending_days if pending_days is None else pending_days)
    overdue = mask_columns(overdue_items(con, scope, today), TEXTS, unmask=False)
    leads = _with_status(con, lead_episodes(con, scope))
    pending = (
        leads.filter(pl.col("status") == "pending")
        .with_columns((pl.lit(today) - pl.col("first_seen")).dt.total_days().alias("days_pending"))
        .filter(pl.col("days_pending") > days)
        .join(_regions(con, scope).select("region_code", "street_name"), on="region_code")
        .select(
            "lead_id",
            "region_code",
            "name",
            "street_name",
            "lead_type",
            "first_seen",
            "days_pending",
            "score",
        )
        .sort(["days_pending", "score"], descending=True)
    )
    return {"overdue": overdue, "pending": pending, "pending_days": days}


SUMMARY_COLUMNS = {
    "street_code": pl.String, "street_name": pl.String, "raised": pl.Int64,
    "checking": pl.Int64, "concluded": pl.Int64, "confirmed": pl.Int64, "items": pl.Int64,
    "closed": pl.Int64, "overdue": pl.Int64,
}  # fmt: skip


def _period_leads(
    con: duckdb.DuckDBPyConnection, scope: Scope, since: dt.date, until: dt.date
) -> pl.DataFrame:
    """The scope's lead episodes first raised within [since, until], with their status."""
    leads = lead_episodes(con, scope, None, since, until).filter(
        pl.col("first_seen").is_between(since, until)
    )
    return _with_status(con, leads)


@scoped(cache=False)
def summary(
    con: duckdb.DuckDBPyConnection, scope: Scope, since: dt.date, until: dt.date, today: dt.date
) -> pl.DataFrame:
    """The casework of the leads first raised within [since, until], by street
    (SUMMARY_COLUMNS), every street of the scope, then the total (street_code null): leads
    raised; their latest disposition 核查中 (checking), concluded (属实, 部分属实 or 不属实)
    and confirmed (属实 or 部分属实); their rectification items, closed (已销号) and
    overdue on `today`."""
    regions = _regions(con, scope)
    leads = _period_leads(con, scope, since, until)
    items, _ = _items(con, scope, today, leads)
    per_lead = leads.group_by("street_code").agg(
        pl.len().alias("raised"),
        (pl.col("status") == "checking").sum().alias("checking"),
        pl.col("status").is_in(casework.CONCLUDED).sum().alias("concluded"),
        pl.col("status").is_in(casework.CONFIRMED).sum().alias("confirmed"),
    )
    per_item = (
        items.unique("rectification_id")
        .group_by("street_code")
        .agg(
            pl.len().alias("items"),
            (pl.col("state") == "closed").sum().alias("closed"),
            (pl.col("state") == "overdue").sum().alias("overdue"),
        )
    )
    streets = regions.select("street_code", "street_name").unique().sort("street_code")
    counts = [c for c in SUMMARY_COLUMNS if c not in ("street_code", "street_name")]
    table = (
        streets.join(per_lead, on="street_code", how="left")
        .join(per_item, on="street_code", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in counts)
    )
    total = table.select(
        pl.lit(None, pl.String).alias("street_code"),
        pl.lit("合计").alias("street_name"),
        *(pl.col(c).sum() for c in counts),
    )
    return pl.concat([table.cast(SUMMARY_COLUMNS), total.cast(SUMMARY_COLUMNS)])


def _put_off(item: dict) -> str | None:
    if not item["extensions"]:
        return None
    return f"原定时限 {item['first_deadline']:%Y-%m-%d}，延期 {item['extensions']} 次"


def _source(indicators: str) -> str:
    names = [REGISTRY[h["indicator"]].name_zh for h in json.loads(indicators or "[]")
             if h["indicator"] in REGISTRY]  # fmt: skip
    return "阳光三务平台数据监测" + (f"（{'、'.join(names)}）" if names else "（异常模型）")


def _finding(row: dict) -> str:
    status = casework.STATUSES[row["status"]][0]
    if row["status"] == "pending" or not row.get("recorded_at"):
        return status
    who = f"{row['actor']}，{row['recorded_at'][:10]}"
    return f"{status}（{who}）" + (f"：{row['note']}" if row.get("note") else "")


def _numbered(rows: list[dict], key: str) -> str:
    """One ledger cell for several items: numbered when there are more than one."""
    if len(rows) == 1:
        return str(rows[0][key])
    return "；".join(f"{i}. {row[key]}" for i, row in enumerate(rows, 1))


def _progress(row: dict) -> str:
    state = casework.RECTIFICATION_STATES[row["state"]][0]
    return f"{state}：{row['progress']}" if row.get("progress") else state


@scoped(cache=False)
def ledgers(
    con: duckdb.DuckDBPyConnection, scope: Scope, since: dt.date, until: dt.date, today: dt.date
) -> dict[str, pl.DataFrame]:
    """The rows of the problem ledger (`leads`: one per lead episode raised within
    [since, until]) and the rectification ledger (`items`: one per item of those leads),
    in words: names, not codes; dates as dates; notes masked; the data re-check's verdict
    (as shown at closing, for a closed item)."""
    leads = _period_leads(con, scope, since, until)
    leads = mask_columns(leads, ["note"], unmask=False)
    regions = _regions(con, scope).select("region_code", "street_name")
    leads = leads.join(regions, on="region_code", how="left")
    items, _ = _items(con, scope, today, leads)
    # An item recorded on one episode and overlapping another is listed once, on its own.
    items = (
        items.sort([pl.col("recorded_on") == pl.col("lead_id"), "rectification_id"],
                   descending=[True, False])
        .unique("rectification_id", keep="first")
        .sort("rectification_id")
    )  # fmt: skip
    items = mask_columns(items, TEXTS, unmask=False)
    windows: dict = {}
    verdicts = [
        row["close_recheck"]
        if row["state"] == "closed" and row["close_recheck"]
        else _recheck(
            con, row["region_code"], row["indicators"], row["recheck_from"], windows
        ).summary_zh()
        for row in items.iter_rows(named=True)
    ]
    items = items.with_columns(pl.Series("verdict", verdicts, dtype=pl.String))
    by_lead = {row["lead_id"]: row for row in leads.iter_rows(named=True)}
    type_zh = {k: v[0] for k, v in LEAD_TYPES.items()}

    def closed_day(value: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(value) if value else None

    item_rows = []
    for row in items.iter_rows(named=True):
        lead = by_lead[row["lead_id"]]
        item_rows.append({
            "lead": lead["lead_id"], "source": _source(lead["indicators"]), "village": lead["name"],
            "street": lead["street_name"], "type": type_zh[lead["lead_type"]],
            "problem": row["problem"], "finding": _finding(lead), "unit": row["unit_name"],
            "person": row["person"], "measures": row["measures"], "deadline": row["deadline"],
            "progress": _progress(row), "verdict": row["verdict"],
            "closed_at": closed_day(row["closed_at"]),
            "remark": "；".join(p for p in (row["close_note"], _put_off(row),
                                            f"线索编号 {lead['lead_id']}") if p),
        })  # fmt: skip
    lead_rows = []
    for lead in leads.sort("first_seen", "lead_id").iter_rows(named=True):
        own = [r for r in item_rows if r["lead"] == lead["lead_id"]]
        open_deadlines = [r["deadline"] for r in own if r["closed_at"] is None]
        closings = [r["closed_at"] for r in own]
        months = lead["months"]
        lead_rows.append({
            "source": _source(lead["indicators"]), "village": lead["name"],
            "street": lead["street_name"], "type": type_zh[lead["lead_type"]],
            "problem": lead["explanation"], "finding": _finding(lead),
            "unit": _numbered(own, "unit"), "person": _numbered(own, "person"),
            "measures": _numbered(own, "measures"),
            "deadline": min(open_deadlines) if open_deadlines else
            (max(r["deadline"] for r in own) if own else None),
            "progress": _numbered(own, "progress"), "verdict": _numbered(own, "verdict"),
            "closed_at": max(closings) if own and all(closings) else None,
            "remark": f"{months[0]} 至 {months[-1]} 连续 {len(months)} 个月出现"
            + ("，仍在持续" if lead["ongoing"] else ""),
            "lead_id": lead["lead_id"], "first_seen": lead["first_seen"],
            "last_seen": lead["last_seen"], "score": round(lead["score"], 3),
        })  # fmt: skip
    schema = {"source": pl.String, "village": pl.String, "street": pl.String, "type": pl.String,
              "problem": pl.String, "finding": pl.String, "unit": pl.String,
              "person": pl.String, "measures": pl.String, "deadline": pl.Date,
              "progress": pl.String, "verdict": pl.String, "closed_at": pl.Datetime,
              "remark": pl.String}  # fmt: skip
    extra = {"lead_id": pl.String, "first_seen": pl.Date, "last_seen": pl.Date,
             "score": pl.Float64}  # fmt: skip
    return {
        "leads": pl.DataFrame(lead_rows, schema={**schema, **extra}),
        "items": pl.DataFrame(item_rows, schema={"lead": pl.String, **schema}).drop("lead"),
    }
