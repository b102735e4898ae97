"""Leads as the dashboard reads them: scored for a scope as of the data's last day."""

from __future__ import annotations

import duckdb
import polars as pl

from datastore.scope import Scope
from models.data import load
from models.leads import score_leads


def current_leads(con: duckdb.DuckDBPyConnection, scope: Scope, seed: int = 0) -> pl.DataFrame:
    """The scope's leads as of the last day of the loaded data."""
    return score_leads(load(con, scope), seed)
