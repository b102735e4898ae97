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

SCHEMA = """
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
             status, note, actor, local_now().isoformat(sep=" ")],
        )  # fmt: skip


def _history(con: sqlite3.Connection, where: str = "TRUE", params: tuple = ()) -> pl.DataFrame:
    return pl.read_database(
        f"SELECT * FROM dispositions WHERE {where} ORDER BY disposition_id",
        con,
        execute_options={"parameters": list(params)},
        schema_overrides={"note": pl.String, "actor": pl.String},
    )


def current_dispositions(con: sqlite3.Connection, leads: pl.DataFrame) -> pl.DataFrame:
    """For each of `leads` (episodes): the latest disposition recorded on it, or, where
    none was, on an episode of the same village and type whose span overlaps it:
    lead_id, status, note, actor, recorded_at; status 'pending' where nothing was
    recorded."""
    base = leads.select("lead_id", "region_code", "lead_type", "window_start", "window_end")
    history = _history(con)
    if history.is_empty():
        return base.select(
            "lead_id",
            pl.lit("pending").alias("status"),
            pl.lit(None, pl.String).alias("note"),
            pl.lit(None, pl.String).alias("actor"),
            pl.lit(None, pl.String).alias("recorded_at"),
        )
    history = history.select(
        "region_code", "lead_type", pl.col("lead_id").alias("recorded_on"),
        pl.col("window_start").str.to_date().alias("d_start"),
        pl.col("window_end").str.to_date().alias("d_end"),
        "disposition_id", "status", "note", "actor", "recorded_at",
    )  # fmt: skip
    matched = (
        base.join(history, on=["region_code", "lead_type"], how="left")
        .filter(
            pl.col("disposition_id").is_null()
            | (pl.col("recorded_on") == pl.col("lead_id"))
            | (
                (pl.col("d_start") <= pl.col("window_end"))
                & (pl.col("d_end") >= pl.col("window_start"))
            )
        )
        # Recorded on this very episode first, then the latest.
        .sort(
            [pl.col("recorded_on") == pl.col("lead_id"), "disposition_id"],
            descending=True,
            nulls_last=True,
        )
        .unique("lead_id", keep="first")
    )
    return (
        base.select("lead_id")
        .join(matched, on="lead_id", how="left")
        .select("lead_id", pl.col("status").fill_null("pending"), "note", "actor", "recorded_at")
    )


def village_history(con: sqlite3.Connection, region_code: str) -> pl.DataFrame:
    """Everything recorded on one village's lead episodes, newest first."""
    columns = ["recorded_at", "lead_type", "window_start", "window_end", "status", "note",
               "actor", "lead_id"]  # fmt: skip
    return _history(con, "region_code = ?", (region_code,)).reverse().select(columns)
