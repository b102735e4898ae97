"""The inspectors' casework: dated lead snapshots and dispositions, kept in a small SQLite
file beside the database. The loader replaces the DuckDB file whole on every load; this
file is never replaced, so what inspectors record survives reloads and re-scoring, and
the dashboard and the command line can both write to it (SQLite locks per write)."""

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
FINAL = {"confirmed", "partly_confirmed", "unfounded"}
HITS = {"confirmed", "partly_confirmed"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    snapshot_id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    window_start TEXT NOT NULL,
    seed INTEGER NOT NULL,
    leads INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS leads (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(snapshot_id),
    lead_id TEXT NOT NULL,
    region_code TEXT NOT NULL,
    name TEXT NOT NULL,
    street_code TEXT,
    lead_type TEXT NOT NULL,
    score REAL NOT NULL,
    window_start TEXT NOT NULL,
    window_end TEXT NOT NULL,
    indicators TEXT NOT NULL,
    explanation TEXT NOT NULL,
    evidence TEXT NOT NULL,
    model_score REAL NOT NULL,
    PRIMARY KEY (snapshot_id, lead_id)
);
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
""" + append_only("dispositions", "dispositions are append-only")


def casework_path(db_path: Path) -> Path:
    return sidecar_path(db_path, "casework")


def connect(path: Path) -> sqlite3.Connection:
    return connect_sidecar(path, SCHEMA)


def store_snapshot(
    con: sqlite3.Connection, leads: pl.DataFrame, as_of: dt.date, window_start: dt.date, seed: int
) -> int:
    """Keep one scoring run; return its id."""
    with con:
        cursor = con.execute(
            "INSERT INTO snapshots (created_at, as_of, window_start, seed, leads) "
            "VALUES (?, ?, ?, ?, ?)",
            [local_now().isoformat(sep=" "), as_of.isoformat(), window_start.isoformat(), seed,
             leads.height],
        )  # fmt: skip
        snapshot_id = cursor.lastrowid
        rows = leads.with_columns(
            pl.col("window_start", "window_end").dt.strftime("%Y-%m-%d")
        ).iter_rows()
        columns = ", ".join(leads.columns)
        marks = ", ".join("?" for _ in leads.columns)
        con.executemany(
            f"INSERT INTO leads (snapshot_id, {columns}) VALUES (?, {marks})",
            [(snapshot_id, *row) for row in rows],
        )
    return snapshot_id


def snapshots(con: sqlite3.Connection) -> pl.DataFrame:
    return pl.read_database("SELECT * FROM snapshots ORDER BY snapshot_id DESC", con)


def snapshot_leads(con: sqlite3.Connection, snapshot_id: int) -> pl.DataFrame:
    frame = pl.read_database(
        "SELECT * FROM leads WHERE snapshot_id = ? ORDER BY score DESC, region_code",
        con,
        execute_options={"parameters": [snapshot_id]},
    )
    return frame.with_columns(pl.col("window_start", "window_end").str.to_date())


def record_disposition(
    con: sqlite3.Connection, lead: dict, status: str, note: str, actor: str
) -> None:
    """Append what an inspector found about a lead; earlier entries stay as they were."""
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
             status, note, actor, local_now().isoformat(sep=" ")],
        )  # fmt: skip


def current_dispositions(con: sqlite3.Connection, leads: pl.DataFrame) -> pl.DataFrame:
    """For each lead, the latest disposition recorded on the same village and type over
    an overlapping window (so it carries over to re-scored leads): lead_id, status, note,
    actor, recorded_at; status 'pending' where nothing was recorded."""
    history = pl.read_database("SELECT * FROM dispositions ORDER BY disposition_id", con)
    base = leads.select("lead_id", "region_code", "lead_type", "window_start", "window_end")
    if history.is_empty():
        return base.select(
            "lead_id",
            pl.lit("pending").alias("status"),
            pl.lit(None, pl.String).alias("note"),
            pl.lit(None, pl.String).alias("actor"),
            pl.lit(None, pl.String).alias("recorded_at"),
        )
    history = history.with_columns(
        pl.col("window_start").str.to_date().alias("d_start"),
        pl.col("window_end").str.to_date().alias("d_end"),
    ).select("region_code", "lead_type", "d_start", "d_end", "disposition_id", "status", "note",
             "actor", "recorded_at")  # fmt: skip
    matched = (
        base.join(history, on=["region_code", "lead_type"], how="left")
        .filter(
            pl.col("disposition_id").is_null()
            | (
                (pl.col("d_start") <= pl.col("window_end"))
                & (pl.col("d_end") >= pl.col("window_start"))
            )
        )
        .sort("disposition_id", descending=True, nulls_last=True)
        .unique("lead_id", keep="first")
    )
    return (
        base.select("lead_id")
        .join(matched, on="lead_id", how="left")
        .select(
            "lead_id",
            pl.col("status").fill_null("pending"),
            "note",
            "actor",
            "recorded_at",
        )
    )


def village_history(con: sqlite3.Connection, region_code: str) -> pl.DataFrame:
    """Everything recorded on one village's leads, newest first."""
    return pl.read_database(
        "SELECT recorded_at, lead_type, window_start, window_end, status, note, actor, lead_id "
        "FROM dispositions WHERE region_code = ? ORDER BY disposition_id DESC",
        con,
        execute_options={"parameters": [region_code]},
        schema_overrides={"note": pl.String, "actor": pl.String},
    )


def indicator_hit_rates(con: sqlite3.Connection) -> pl.DataFrame:
    """Per indicator: leads concluded (属实/部分属实/不属实) whose evidence included it, how
    many were found true at least in part, and the hit rate. The latest conclusion per
    lead counts."""
    history = pl.read_database("SELECT * FROM dispositions ORDER BY disposition_id", con)
    concluded = history.filter(pl.col("status").is_in(list(FINAL))).unique("lead_id", keep="last")
    if concluded.is_empty():
        return pl.DataFrame(
            schema={
                "indicator": pl.String,
                "concluded": pl.Int64,
                "hits": pl.Int64,
                "hit_rate": pl.Float64,
            }
        )
    per_indicator = concluded.with_columns(
        pl.col("indicators")
        .map_elements(
            lambda s: [i["indicator"] for i in json.loads(s)], return_dtype=pl.List(pl.String)
        )
        .alias("indicator")
    ).explode("indicator")
    return (
        per_indicator.drop_nulls("indicator")
        .group_by("indicator")
        .agg(pl.len().alias("concluded"), pl.col("status").is_in(list(HITS)).sum().alias("hits"))
        .with_columns((pl.col("hits") / pl.col("concluded")).alias("hit_rate"))
        .sort("indicator")
    )
