"""The district's settings file (`etl load --settings FILE`): read, checked against
schema/settings.py, and kept in the `settings` table beside the catalogue. A load
without `--settings` keeps the values already stored."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import polars as pl

from etl.readers import ExportError
from schema.settings import SETTINGS_DDL, SettingsError, parse_settings


def _text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExportError(f"{path}: settings file is neither UTF-8 nor GB18030 text")


def read_settings(path: Path) -> pl.DataFrame:
    """key, value, note of a settings file; ExportError naming file, row, key and value
    for anything that cannot be used."""
    try:
        text = _text(path)
    except OSError as exc:
        raise ExportError(f"{path}: settings file not readable: {exc}") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ExportError(f"{path}: settings file is empty; it needs the columns key,value")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ("key", "value") if c not in header]
    if missing:
        raise ExportError(f"{path}: settings file lacks column(s) {', '.join(missing)}")
    key_at, value_at = header.index("key"), header.index("value")
    note_at = header.index("note") if "note" in header else None

    def cell(row: list[str], at: int | None) -> str:
        return row[at] if at is not None and at < len(row) else ""

    numbered = [(n, cell(r, key_at), cell(r, value_at)) for n, r in enumerate(rows[1:], 2)]
    try:
        values = parse_settings(path, numbered)
    except SettingsError as exc:
        raise ExportError(str(exc)) from None
    notes = {cell(r, key_at).strip(): cell(r, note_at).strip() or None for r in rows[1:]}
    return pl.DataFrame(
        {
            "key": list(values),
            "value": list(values.values()),
            "note": [notes.get(k) for k in values],
        },
        schema={"key": pl.String, "value": pl.Float64, "note": pl.String},
    )


def install_settings(con: duckdb.DuckDBPyConnection, path: Path | None) -> None:
    """Replace the stored settings with the file's; without a file, keep them."""
    con.execute(SETTINGS_DDL)
    if path is None:
        return
    frame = read_settings(path).with_columns(pl.lit(path.name).alias("source"))
    con.execute("DELETE FROM settings")
    con.register("settings_rows", frame.select("key", "value", "source", "note").to_arrow())
    con.execute("INSERT INTO settings SELECT * FROM settings_rows")
    con.unregister("settings_rows")
