"""The inspectors' casework store: what they found about each lead, kept in a small SQLite
file beside the database (pages read and write it through datastore/dispositions.py,
held to their scope). The loader replaces the DuckDB file whole on every load; this file
is never replaced and only ever appended to, so what inspectors record survives reloads
and re-scoring, and the dashboard and the command line can both write to it (SQLite
locks per write).

A disposition attaches to a lead episode (models/episodes.py) by its id, which stays the
same while later loads extend the episode; it carries over to an episode of the same
village and type whose span overlaps the one it was recorded on (the episode re-scored
on corrected data may start a month apart)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import polars as pl

from datastore.sidecar import append_only, connect_sidecar, sidecar_path
from schema.timing import local_now

STATUSES = {
    "pending": ("待核查", "to check"),
    "checking": ("核查中", "being checked"),
    "confirmed": ("属实", "confirmed"),
    "partly_confirmed": ("部分属实", "partly confirmed"),
    "unfounded": ("不属实", "unfounded"),
}

# Concluded: checked and found one way or the other. Confirmed: true at least in part.
CONCLUDED = ("confirmed", "partly_confirmed", "unfounded")
CONFIRMED = ("confirmed", "partly_confirmed")

# A rectification item's states (整改). `overdue` is `in_progress` past its deadline.
RECTIFICATION_STATES = {
    "in_progress": ("整改中", "being rectified"),
    "reported": ("已整改（待复核）", "reported done (to review)"),
    "closed": ("已销号", "closed"),
    "overdue": ("逾期", "overdue"),
}
# What can happen to an item after it is opened: a progress note, the unit's report that
# it is done (with the day it says), a later deadline granted (延期, with the new day and
# the reason), the inspector sending it back, and closing it (销号).
EVENTS = ("progress", "reported", "extended", "reopened", "closed")

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS dispositions (
    disposition_id INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code TEXT NOT NULL,
    lead_type TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    lead_id TEXT NOT NULL,
    indicators TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    actor TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rectifications (
    rectification_id INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    lead_type TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    indicators TEXT NOT NULL,
    problem TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    person TEXT NOT NULL,
    measures TEXT NOT NULL,
    deadline TEXT NOT NULL,
    actor TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rectification_events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    rectification_id INTEGER NOT NULL REFERENCES rectifications (rectification_id),
    kind TEXT NOT NULL,
    happened_on TEXT,
    note TEXT NOT NULL,
    recheck TEXT,
    actor TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
"""
    + append_only("dispositions", "dispositions are append-only")
    + append_only("rectifications", "rectification items are append-only")
    + append_only("rectification_events", "rectification events are append-only")
)


def casework_path(db_path: Path) -> Path:
    return sidecar_path(db_path, "casework")


def connect(path: Path) -> sqlite3.Connection:
    return connect_sidecar(path, SCHEMA)


def _now() -> str:
    return local_now().isoformat(sep=" ", timespec="seconds")


class Refusal(ValueError):
    """A record refused for what the user entered. The message is for logs; the page says
    it in its own language from `key` (ui/i18n.py) and `params` (a field's label key, a
    state or an event kind, dates)."""

    def __init__(self, message: str, key: str, **params):
        super().__init__(message)
        self.key = key
        self.params = params


# The label of each field a record needs, as the forms name it (ui/i18n.py).
FIELD_LABELS = {"problem": "rect_problem", "responsible_unit": "rect_unit",
                "responsible_person": "rect_person", "measures": "rect_measures",
                "note": "rect_note", "actor": "actor"}  # fmt: skip


def _required(**values: str) -> None:
    for name, value in values.items():
        if not str(value or "").strip():
            raise Refusal(
                f"a rectification item needs its {name}", "refused_missing",
                field=FIELD_LABELS[name],
            )  # fmt: skip


def record_disposition(
    con: sqlite3.Connection, lead: dict, status: str, note: str, actor: str
) -> None:
    """Append what an inspector found about a lead episode; earlier entries stay."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    if not actor.strip():
        raise ValueError("a disposition needs the name of who recorded it")
    window = [str(lead["window_start"]), str(lead["window_end"])]
    with con:
        con.execute(
            "INSERT INTO dispositions (region_code, lead_type, window_start, window_end, lead_id, "
            "indicators, status, note, actor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [lead["region_code"], lead["lead_type"], *window, lead["lead_id"], lead["indicators"],
             status, note, actor, _now()],
        )  # fmt: skip


def _rows(con: sqlite3.Connection, table: str, schema: dict, where: str, params: list):
    return pl.read_database(
        f"SELECT {', '.join(schema)} FROM {table} WHERE {where} ORDER BY 1",
        con,
        execute_options={"parameters": params},
        schema_overrides=schema,
    ).cast(schema)


DISPOSITION_SCHEMA = {
    "disposition_id": pl.Int64, "region_code": pl.String, "lead_type": pl.String,
    "window_start": pl.String, "window_end": pl.String, "lead_id": pl.String,
    "indicators": pl.String, "status": pl.String, "note": pl.String, "actor": pl.String,
    "recorded_at": pl.String,
}  # fmt: skip


def _history(con: sqlite3.Connection, where: str = "TRUE", params: tuple = ()) -> pl.DataFrame:
    return _rows(con, "dispositions", DISPOSITION_SCHEMA, where, list(params))


def _attached(leads: pl.DataFrame, recorded: pl.DataFrame) -> pl.DataFrame:
    """Each row of `recorded` (region_code, lead_type, lead_id, window_start, window_end as
    text, …) paired with each of `leads` (episodes) it belongs to: recorded on that very
    episode, or on one of the same village and type whose span overlaps it. `lead_id` is
    the episode's, `recorded_on` the one it was recorded on."""
    base = leads.select("lead_id", "region_code", "lead_type", "window_start", "window_end")
    recorded = recorded.rename({"lead_id": "recorded_on"}).with_columns(
        pl.col("window_start").str.to_date().alias("d_start"),
        pl.col("window_end").str.to_date().alias("d_end"),
    )
    return (
        base.join(recorded.drop("window_start", "window_end"), on=["region_code", "lead_type"])
        .filter(
            (pl.col("recorded_on") == pl.col("lead_id"))
            | (
                (pl.col("d_start") <= pl.col("window_end"))
                & (pl.col("d_end") >= pl.col("window_start"))
            )
        )
        .drop("d_start", "d_end", "window_start", "window_end")
    )


def current_dispositions(con: sqlite3.Connection, leads: pl.DataFrame) -> pl.DataFrame:
    """For each of `leads` (episodes): the latest disposition recorded on it, or, where
    none was, on an episode of the same village and type whose span overlaps it:
    lead_id, status, note, actor, recorded_at; status 'pending' where nothing was
    recorded."""
    matched = (
        _attached(leads, _history(con))
        # Recorded on this very episode first, then the latest.
        .sort([pl.col("recorded_on") == pl.col("lead_id"), "disposition_id"], descending=True)
        .unique("lead_id", keep="first")
    )
    return (
        leads.select("lead_id")
        .join(matched, on="lead_id", how="left")
        .select(
            "lead_id",
            pl.col("status").fill_null("pending"),
            pl.col("note").cast(pl.String),
            pl.col("actor").cast(pl.String),
            pl.col("recorded_at").cast(pl.String),
        )
    )


def lead_history(con: sqlite3.Connection, lead: dict) -> pl.DataFrame:
    """Everything recorded on the episode `lead` (or carried over to it), oldest first:
    recorded_at, status, note, actor, recorded_on (the episode it was recorded on)."""
    one = pl.DataFrame([lead]).select(
        pl.col("lead_id").cast(pl.String), pl.col("region_code").cast(pl.String),
        pl.col("lead_type").cast(pl.String), pl.col("window_start").cast(pl.Date),
        pl.col("window_end").cast(pl.Date),
    )  # fmt: skip
    return (
        _attached(one, _history(con, "region_code = ?", (lead["region_code"],)))
        .sort("disposition_id")
        .select("recorded_at", "status", "note", "actor", "recorded_on")
    )


def village_history(con: sqlite3.Connection, region_code: str) -> pl.DataFrame:
    """Everything recorded on one village's lead episodes, newest first."""
    columns = ["recorded_at", "lead_type", "window_start", "window_end", "status", "note",
               "actor", "lead_id"]  # fmt: skip
    return _history(con, "region_code = ?", (region_code,)).reverse().select(columns)


def confirmation_rates(con: sqlite3.Connection, villages: list[str]) -> pl.DataFrame:
    """Per indicator, over the lead episodes of `villages` concluded so far (the latest
    disposition recorded on each is 属实, 部分属实 or 不属实): how many whose indicators
    included it were concluded (checked), how many of those were confirmed at least in
    part (confirmed), and the share (rate). Indicators never concluded are left out."""
    schema = {"indicator": pl.String, "checked": pl.Int64, "confirmed": pl.Int64,
              "rate": pl.Float64}  # fmt: skip
    latest = (
        _history(con)
        .filter(pl.col("region_code").is_in(villages))
        .unique("lead_id", keep="last", maintain_order=True)
    )
    concluded = latest.filter(pl.col("status").is_in(CONCLUDED))
    if concluded.is_empty():
        return pl.DataFrame(schema=schema)
    fired = concluded.with_columns(
        pl.col("indicators")
        .map_elements(
            lambda text: [hit["indicator"] for hit in json.loads(text)],
            return_dtype=pl.List(pl.String),
        )
        .alias("indicator")
    ).explode("indicator")
    return (
        fired.drop_nulls("indicator")
        .group_by("indicator")
        .agg(
            pl.len().cast(pl.Int64).alias("checked"),
            pl.col("status").is_in(CONFIRMED).sum().cast(pl.Int64).alias("confirmed"),
        )
        .with_columns((pl.col("confirmed") / pl.col("checked")).alias("rate"))
        .sort("indicator")
        .cast(schema)
    )


def record_rectification(
    con: sqlite3.Connection,
    lead: dict,
    problem: str,
    unit_code: str,
    person: str,
    measures: str,
    deadline: dt.date,
    actor: str,
) -> int:
    """Open a rectification item on a lead episode; its id. The lead's indicators are kept
    with it: they are the 'before' of its data re-check."""
    _required(problem=problem, responsible_unit=unit_code, responsible_person=person,
              measures=measures, actor=actor)  # fmt: skip
    if not isinstance(deadline, dt.date):
        raise ValueError(f"a rectification item needs a deadline date, not {deadline!r}")
    with con:
        cursor = con.execute(
            "INSERT INTO rectifications (lead_id, region_code, lead_type, window_start, "
            "window_end, indicators, problem, unit_code, person, measures, deadline, actor, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [lead["lead_id"], lead["region_code"], lead["lead_type"], str(lead["window_start"]),
             str(lead["window_end"]), lead["indicators"], problem.strip(), unit_code,
             person.strip(), measures.strip(), deadline.isoformat(), actor, _now()],
        )  # fmt: skip
    return int(cursor.lastrowid)


ITEM_SCHEMA = {
    "rectification_id": pl.Int64, "lead_id": pl.String, "region_code": pl.String,
    "lead_type": pl.String, "window_start": pl.String, "window_end": pl.String,
    "indicators": pl.String, "problem": pl.String, "unit_code": pl.String,
    "person": pl.String, "measures": pl.String, "deadline": pl.String, "actor": pl.String,
    "recorded_at": pl.String,
}  # fmt: skip
EVENT_SCHEMA = {
    "event_id": pl.Int64, "rectification_id": pl.Int64, "kind": pl.String,
    "happened_on": pl.String, "note": pl.String, "recheck": pl.String, "actor": pl.String,
    "recorded_at": pl.String,
}  # fmt: skip


def rectification_items(con: sqlite3.Connection, villages: list[str]) -> pl.DataFrame:
    """Every rectification item on the lead episodes of `villages` (ITEM_SCHEMA, deadline
    a date), oldest first."""
    marks = ", ".join("?" * len(villages)) or "NULL"
    items = _rows(con, "rectifications", ITEM_SCHEMA, f"region_code IN ({marks})", villages)
    return items.with_columns(pl.col("deadline").str.to_date())


def rectification_events(con: sqlite3.Connection, ids: list[int]) -> pl.DataFrame:
    """Everything recorded on the items `ids` (EVENT_SCHEMA, happened_on a date), oldest
    first."""
    marks = ", ".join("?" * len(ids)) or "NULL"
    events = _rows(con, "rectification_events", EVENT_SCHEMA, f"rectification_id IN ({marks})", ids)
    return events.with_columns(pl.col("happened_on").str.to_date())


def item_for_lead(items: pl.DataFrame, leads: pl.DataFrame) -> pl.DataFrame:
    """The items of `items` that belong to each of `leads` (recorded on it, or on an
    overlapping episode of the same village and type), with the episode's `lead_id` and
    the one it was recorded on (`recorded_on`)."""
    return _attached(leads, items)


def record_rectification_event(
    con: sqlite3.Connection,
    rectification_id: int,
    kind: str,
    note: str,
    actor: str,
    today: dt.date,
    happened_on: dt.date | None = None,
    recheck: str | None = None,
) -> None:
    """Append a progress note, a report that the item is done (on `happened_on`, not after
    `today`), a later deadline (`happened_on`, after the deadline in force and not before
    `today`, with the reason), a return to rectification, or its closing (销号, with a note
    and the data re-check shown at the time) to an item; refused when the item's state
    does not allow it. The first deadline is kept: a later one is an event, never an edit."""
    if kind not in EVENTS:
        raise ValueError(f"unknown rectification event {kind!r}; one of {', '.join(EVENTS)}")
    if not actor.strip():
        raise ValueError("a rectification event needs the name of who recorded it")
    items = _rows(con, "rectifications", ITEM_SCHEMA, "rectification_id = ?", [rectification_id])
    if items.is_empty():
        raise ValueError(f"no rectification item {rectification_id}")
    item = items.with_columns(pl.col("deadline").str.to_date())
    current = item_states(item, rectification_events(con, [rectification_id]), today).row(
        0, named=True
    )
    state = current["state"]
    allowed = {
        "progress": ("in_progress", "overdue", "reported"),
        "reported": ("in_progress", "overdue"),
        "extended": ("in_progress", "overdue"),
        "reopened": ("reported",),
        "closed": ("in_progress", "overdue", "reported"),
    }[kind]
    if state not in allowed:
        raise Refusal(
            f"rectification item {rectification_id} is {RECTIFICATION_STATES[state][1]}: "
            f"no {kind} now",
            "refused_state", state=state, kind=kind,
        )  # fmt: skip
    if kind in ("progress", "extended", "closed", "reopened"):
        _required(note=note)
    if kind == "reported" and (happened_on is None or happened_on > today):
        raise Refusal(
            "a report of rectification needs the day it was done, not after today",
            "refused_report_day", today=f"{today:%Y-%m-%d}",
        )  # fmt: skip
    if kind == "extended" and (
        happened_on is None or happened_on <= current["deadline"] or happened_on < today
    ):
        raise Refusal(
            f"a later deadline must fall after the deadline in force "
            f"({current['deadline']:%Y-%m-%d}) and not before today ({today:%Y-%m-%d}), "
            f"not {happened_on}",
            "refused_later_deadline", deadline=f"{current['deadline']:%Y-%m-%d}",
            today=f"{today:%Y-%m-%d}",
        )  # fmt: skip
    with con:
        con.execute(
            "INSERT INTO rectification_events (rectification_id, kind, happened_on, note, "
            "recheck, actor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [rectification_id, kind, happened_on.isoformat() if happened_on else None,
             note.strip(), recheck, actor, _now()],
        )  # fmt: skip


def item_states(items: pl.DataFrame, events: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """`items` with their state on `today` (RECTIFICATION_STATES) from what was recorded by
    its end: closed once closed; reported done after the latest report unless sent back
    since; otherwise overdue past the deadline, else in progress. The deadline is the one
    in force (the latest granted by then), first_deadline the one set when the item was
    opened, extensions how many times it was put off. Also: reported_on (the
    day the latest report said), closed_at, close_note, close_recheck, progress (the
    latest note of any kind), days_overdue (past the deadline while not reported or
    closed; null otherwise) and recheck_from (the first day the data re-check measures:
    the day reported, else the day after a deadline that has passed; null before)."""
    cutoff = (today + dt.timedelta(days=1)).isoformat()
    by_then = events.filter(pl.col("recorded_at") < cutoff).sort("event_id")
    turning = by_then.filter(pl.col("kind").is_in(["reported", "reopened", "closed"]))
    last_turn = turning.group_by("rectification_id").agg(
        pl.col("kind").last().alias("last_kind"),
        pl.col("happened_on").filter(pl.col("kind") == "reported").last().alias("reported_on"),
    )
    closing = by_then.filter(pl.col("kind") == "closed").select(
        "rectification_id",
        pl.col("recorded_at").alias("closed_at"),
        pl.col("note").alias("close_note"),
        pl.col("recheck").alias("close_recheck"),
    )
    latest_note = by_then.group_by("rectification_id").agg(pl.col("note").last().alias("progress"))
    put_off = (
        by_then.filter(pl.col("kind") == "extended")
        .group_by("rectification_id")
        .agg(pl.col("happened_on").last().alias("extended_to"), pl.len().alias("extensions"))
    )
    past_deadline = pl.col("deadline") < today
    after_deadline = pl.when(past_deadline).then(pl.col("deadline") + pl.duration(days=1))
    state = (
        pl.when(pl.col("last_kind") == "closed")
        .then(pl.lit("closed"))
        .when(pl.col("last_kind") == "reported")
        .then(pl.lit("reported"))
        .when(past_deadline)
        .then(pl.lit("overdue"))
        .otherwise(pl.lit("in_progress"))
    )
    return (
        items.join(put_off, on="rectification_id", how="left")
        .with_columns(
            pl.col("deadline").alias("first_deadline"),
            pl.coalesce("extended_to", "deadline").alias("deadline"),
            pl.col("extensions").fill_null(0).cast(pl.Int64),
        )
        .drop("extended_to")
        .join(last_turn, on="rectification_id", how="left")
        .join(closing, on="rectification_id", how="left")
        .join(latest_note, on="rectification_id", how="left")
        .with_columns(state.alias("state"))
        .with_columns(
            pl.when(pl.col("state") == "overdue")
            .then((pl.lit(today) - pl.col("deadline")).dt.total_days())
            .alias("days_overdue"),
            pl.when(pl.col("last_kind").is_in(["reported", "closed"]))
            .then(pl.col("reported_on"))
            .fill_null(after_deadline)
            .alias("recheck_from"),
        )
        .drop("last_kind")
    )
