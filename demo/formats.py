"""How the platform writes its exports: date-time styles, amounts, Chinese headers and values,
CSV encodings and Excel files with a title row."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from schema.tables import TABLES

TIME_STYLES = {
    "iso": "%Y-%m-%d %H:%M:%S",
    "minute": "%Y-%m-%d %H:%M",
    "slash": "%Y/%-m/%-d %H:%M",
    "chinese": "%Y年%-m月%-d日 %H:%M",
}

ZH_VALUES = {
    name: {
        column.name: {code: zh for zh, code in reversed(column.values.items()) if zh != code}
        for column in table.columns
        if column.values
    }
    for name, table in TABLES.items()
}


def time_text(column: str, style: str) -> pl.Expr:
    """Seconds (negative: none) as text in one of the spec's date-time styles."""
    return (
        pl.when(pl.col(column) >= 0)
        .then(pl.from_epoch(column, time_unit="s").dt.strftime(TIME_STYLES[style]))
        .alias(column.removesuffix("_s") + "_at")
    )


def datetime_value(column: str) -> pl.Expr:
    """Seconds (negative: none) as a date-time value, for Excel's native date cells."""
    return (
        pl.when(pl.col(column) >= 0)
        .then(pl.from_epoch(column, time_unit="s"))
        .alias(column.removesuffix("_s") + "_at")
    )


def as_of(column: str, cutoff: int) -> pl.Expr:
    """The event time if it had happened by `cutoff`, else none."""
    return (
        pl.when((pl.col(column) >= 0) & (pl.col(column) < cutoff))
        .then(pl.col(column))
        .otherwise(-1)
    )


def changed_in(columns: list[str], first: int, cutoff: int) -> pl.Expr:
    return pl.any_horizontal(pl.col(c).is_between(first, cutoff, closed="left") for c in columns)


def zh_values(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    mapping = ZH_VALUES[table]
    return frame.with_columns(
        pl.col(c).replace(m) for c, m in mapping.items() if c in frame.columns
    )


def write_csv(
    frame: pl.DataFrame,
    path: Path,
    table: str,
    *,
    encoding: str = "utf-8",
    english: bool = False,
    shuffle: np.random.Generator | None = None,
    extra_column: bool = False,
) -> None:
    """Write a table's rows (text columns named as the spec) the way the platform does."""
    spec = TABLES[table]
    if not english:
        frame = zh_values(frame, table).rename(
            {c.name: c.zh for c in spec.columns if c.name in frame.columns}
        )
    if shuffle is not None:
        frame = frame.select(shuffle.permutation(frame.columns).tolist())
    if extra_column:
        frame = frame.with_columns(pl.lit("").alias("备注"))
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    data = buffer.getvalue()
    if encoding == "gb18030":
        data = data.decode("utf-8").encode("gb18030")
    elif encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)


def write_xlsx(
    frame: pl.DataFrame, path: Path, table: str, title: str, created: dt.datetime
) -> None:
    """An Excel export: a title row above Chinese headers, date-times as native date cells.
    `created` is stamped as the file's creation time (xlsxwriter would stamp the clock's,
    and the same export would differ from one run to the next)."""
    spec = TABLES[table]
    frame = zh_values(frame, table)
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": created})
    sheet = workbook.add_worksheet("导出")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write(0, 0, title)
    for col, name in enumerate(frame.columns):
        sheet.write(1, col, spec.column(name).zh)
    for row, values in enumerate(frame.iter_rows(), start=2):
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, dt.datetime):
                sheet.write_datetime(row, col, value, date_format)
            else:
                sheet.write(row, col, value)
    workbook.close()


def amount_text(amounts: pl.Series, style: np.ndarray) -> pl.Series:
    """Amounts as the platform writes them, in `style` 0 to 3: plain, with thousands
    separators, 元 or ¥."""
    out = []
    for value, s in zip(amounts.to_list(), style, strict=True):
        if value is None:
            out.append(None)
        elif s == 0:
            out.append(f"{value:.2f}")
        elif s == 1:
            out.append(f"{value:,.2f}")
        elif s == 2:
            out.append(f"{value:.2f}元")
        else:
            out.append(f"¥{value:,.2f}")
    return pl.Series(out, dtype=pl.String)


@dataclass
class Planted:
    """Bad rows the generator put into the export, per table: the loader must quarantine them."""

    rows: dict[str, int]

    def add(self, table: str, n: int = 1) -> None:
        self.rows[table] = self.rows.get(table, 0) + n
