"""Leads as the dashboard reads them: scored among the whole district, shown for a scope."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from datastore.scope import Scope
from models.data import load
from models.leads import score_leads


def scoring_scope(con: duckdb.DuckDBPyConnection, scope: Scope) -> Scope:
    """The district holding a street or village scope, else the scope itself, without the
    kind: a lead's score must not depend on who is looking, and the anomaly model compares
    each village with everything scored alongside it."""
    if scope.region_code is None:
        return Scope()
    rows = con.execute(
        "SELECT level, district_code FROM regions WHERE region_code = ?", [scope.region_code]
    ).fetchall()
    if not rows or rows[0][0] in ("district", "city", "province"):
        return Scope(scope.region_code)
    return Scope(rows[0][1])


def current_leads(
    con: duckdb.DuckDBPyConnection, scope: Scope, as_of: dt.date | None = None, seed: int = 0
) -> pl.DataFrame:
    """The scope's leads as of `as_of` (default: the last day of the loaded data)."""
    scoring = scoring_scope(con, scope)
    leads = score_leads(load(con, scoring, as_of), seed)
    if scope == scoring:
        return leads
    condition, params = scope.villages()
    inside = con.sql(
        f"SELECT region_code FROM regions WHERE level = 'village' AND {condition}", params=params
    ).pl()
    return leads.filter(pl.col("region_code").is_in(inside.get_column("region_code").implode()))
