"""What the pages read and write of the inspectors' casework (the SQLite store beside the
database, datastore/casework.py), held to the reader's scope like every other read: a lead or
village outside it is neither shown nor recorded on."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import duckdb
import polars as pl

from datastore import casework
from datastore.access import OutsideJurisdiction, within
from datastore.privacy import mask_columns
from datastore.reads import scoped
from datastore.scope import Scope
from datastore.sidecar import database_file
from models.indicators import REGISTRY


@contextlib.contextmanager
def _store(con: duckdb.DuckDBPyConnection) -> Iterator:
    """The casework store beside the database `con` reads, closed when the block ends."""
    store = casework.connect(casework.casework_path(database_file(con)))
    try:
        yield store
    finally:
        store.close()


def _villages_in(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[str]:
    condition, params = scope.villages()
    rows = con.execute(
        f"SELECT region_code FROM regions WHERE level = 'village' AND {condition}", params
    ).fetchall()
    return [code for (code,) in rows]


@scoped(cache=False)
def current(con: duckdb.DuckDBPyConnection, scope: Scope, leads: pl.DataFrame) -> pl.DataFrame:
    """The latest disposition of each of the scope's `leads` (`casework.current_dispositions`);
    leads of villages outside the scope are left out."""
    inside = leads.filter(pl.col("region_code").is_in(_villages_in(con, scope)))
    with _store(con) as store:
        latest = casework.current_dispositions(store, inside)
    return mask_columns(latest, ["note"], unmask=False)  # notes may quote a message


@scoped(cache=False)
def village_history(con: duckdb.DuckDBPyConnection, scope: Scope, code: str) -> pl.DataFrame:
    """Everything recorded on one village's leads, newest first; empty outside the scope."""
    with _store(con) as store:
        history = casework.village_history(store, code)
    if not within(con, scope, code):
        return history.clear()
    return mask_columns(history, ["note"], unmask=False)


@scoped(cache=False)
def record(
    con: duckdb.DuckDBPyConnection, scope: Scope, lead: dict, status: str, note: str, actor: str
) -> None:
    """Append an inspector's finding on a lead of the scope (`casework.record_disposition`)."""
    if not within(con, scope, lead["region_code"]):
        raise OutsideJurisdiction(f"lead:{lead['lead_id']}", scope.region_code)
    with _store(con) as store:
        casework.record_disposition(store, lead, status, note, actor)


@scoped(cache=False)
def lead_history(con: duckdb.DuckDBPyConnection, scope: Scope, lead: dict) -> pl.DataFrame:
    """Everything recorded on one lead episode of the scope, or carried over to it, oldest
    first (`casework.lead_history`); notes masked. Empty outside the scope."""
    with _store(con) as store:
        history = casework.lead_history(store, lead)
    if not within(con, scope, lead["region_code"]):
        return history.clear()
    return mask_columns(history, ["note"], unmask=False)


@scoped(cache=False)
def confirmation_rates(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Per indicator, over the scope's lead episodes concluded so far: how many were
    checked, how many confirmed (属实 or 部分属实), and the share
    (`casework.confirmation_rates`)."""
    with _store(con) as store:
        return casework.confirmation_rates(store, _villages_in(con, scope))


EVIDENCE_SCHEMA = {
    "indicator": pl.String,
    "kind": pl.String,  # feedback, disclosure or missing (a periodic item never published)
    "record_id": pl.String,
    "happened_at": pl.Datetime("us"),  # submitted or published; null for a missing item
    "title": pl.String,  # disclosure title, message topic, or the missing item's name
    "period": pl.String,
    "content": pl.String,  # what the resident wrote (masked), or the payee
    "amount": pl.Float64,
    "answered_at": pl.Datetime("us"),  # first reply, or the street's review
    "closed_at": pl.Datetime("us"),
}


@scoped
def evidence(
    con: duckdb.DuckDBPyConnection, scope: Scope, region_code: str, evidence_json: str
) -> pl.DataFrame:
    """The records behind a lead's indicators (its `evidence`: indicator → ids), every one
    of them, with what they hold (EVIDENCE_SCHEMA): messages with their text masked,
    disclosures with title, amount and payee, and periodic items never published with
    their period. Empty for a village outside the scope."""
    if not within(con, scope, region_code):
        return pl.DataFrame(schema=EVIDENCE_SCHEMA)
    wanted = [
        (indicator, record_id)
        for indicator, ids in json.loads(evidence_json or "{}").items()
        for record_id in ids
    ]
    pairs = pl.DataFrame(wanted, schema={"indicator": pl.String, "record_id": pl.String},
                         orient="row")  # fmt: skip
    table = pl.col("indicator").replace_strict(
        {k: v.evidence_table for k, v in REGISTRY.items()}, default="disclosures"
    )
    pairs = pairs.with_columns(table.alias("table"))
    ids = lambda name: pairs.filter(pl.col("table") == name).get_column("record_id").to_list()  # noqa: E731
    messages = con.sql(
        "SELECT feedback_id AS record_id, submitted_at AS happened_at, topic AS title, "
        "content, first_reply_at AS answered_at, closed_at FROM feedback "
        "WHERE region_code = ? AND list_contains(?, feedback_id)",
        params=[region_code, ids("feedback")],
    ).pl()
    disclosed = con.sql(
        "SELECT disclosure_id AS record_id, published_at AS happened_at, title, period, "
        "payee AS content, CAST(amount AS DOUBLE) AS amount, reviewed_at AS answered_at "
        "FROM disclosures WHERE region_code = ? AND list_contains(?, disclosure_id)",
        params=[region_code, ids("disclosures")],
    ).pl()
    catalogue = dict(con.execute("SELECT item_code, name_zh FROM catalogue").fetchall())
    missing = pairs.filter(~pl.col("table").is_in(["feedback", "disclosures"])).with_columns(
        pl.col("record_id")
        .str.split(" ")
        .list.first()
        .replace_strict(catalogue, default=pl.col("record_id").str.split(" ").list.first())
        .alias("title"),
        pl.col("record_id").str.split(" ").list.last().alias("period"),
        pl.lit("missing").alias("kind"),
    )
    found = pl.concat(
        [
            pairs.join(mask_columns(messages, ["content"], unmask=False), on="record_id")
            .with_columns(pl.lit("feedback").alias("kind")),
            pairs.join(disclosed, on="record_id").with_columns(pl.lit("disclosure").alias("kind")),
            missing,
        ],
        how="diagonal_relaxed",
    )  # fmt: skip
    for name, dtype in EVIDENCE_SCHEMA.items():
        if name not in found.columns:
            found = found.with_columns(pl.lit(None, dtype).alias(name))
    return (
        found.select(list(EVIDENCE_SCHEMA))
        .cast(EVIDENCE_SCHEMA)
        .sort("indicator", "happened_at", "record_id", nulls_last=True)
    )


@scoped
def evidence_record(
    con: duckdb.DuckDBPyConnection, scope: Scope, region_code: str, record_id: str, unmask: bool
) -> pl.DataFrame:
    """One message or disclosure of a village of the scope, by id, as the village profile
    shows it when a lead's evidence links to it (a message's text masked unless
    `unmask`); empty when the village has no such record or lies outside the scope."""
    if not within(con, scope, region_code):
        return pl.DataFrame()
    message = con.sql(
        "SELECT feedback_id, submitted_at, topic, content, status, first_reply_at, reply, "
        "closed_at, satisfaction FROM feedback WHERE region_code = ? AND feedback_id = ?",
        params=[region_code, record_id],
    ).pl()
    if message.height:
        return mask_columns(message, ["content", "reply"], unmask)
    return con.sql(
        "SELECT disclosure_id, category, item_code, title, period, published_at, reviewed_at, "
        "status, amount, payee FROM disclosures WHERE region_code = ? AND disclosure_id = ?",
        params=[region_code, record_id],
    ).pl()
