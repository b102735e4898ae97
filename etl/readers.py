"""Find an export's files and read each one into a frame of text columns named as the spec.

An export is a folder or a .zip. Every file that holds data is matched to a table by the
start of its name; CSV (UTF-8, UTF-8 with BOM or GB18030) and Excel workbooks are read
without guessing types, so that the validator sees exactly what the file says.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import polars as pl
import python_calamine

from schema.tables import TABLES, Table

ROW = "_row"  # the row's number in its file, as a spreadsheet would show it
HEADER_SEARCH_ROWS = 20
DATA_SUFFIXES = {".csv", ".xlsx", ".xls", ".xlsm"}
IGNORED_NAMES = re.compile(r"^(\.|~\$|__MACOSX$|thumbs\.db$|desktop\.ini$)", re.IGNORECASE)


class ExportError(Exception):
    """A file that stops the load: nothing is written when one is raised."""


@dataclass
class ExportFile:
    name: str  # shown in messages and stored with every row: export folder / path inside it
    data: bytes
    table: Table | None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class RawTable:
    file: ExportFile
    format: str  # csv-utf8, csv-utf8-bom, csv-gb18030, xlsx
    frame: pl.DataFrame  # one String column per spec column present, plus ROW
    columns_present: list[str]
    warnings: list[str] = field(default_factory=list)


def table_for(filename: str) -> Table | None:
    stem = PurePosixPath(filename).name.lower()
    return next((t for t in TABLES.values() if stem.startswith(t.name)), None)


def _natural_key(name: str) -> list:
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name)]


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    # Archives made on Chinese Windows store GBK names without the UTF-8 flag.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def list_export(path: Path) -> tuple[list[ExportFile], list[str]]:
    """The export's data files in the order they count (later wins), and warnings."""
    if not path.exists():
        raise ExportError(f"{path}: no such file or folder")
    entries: list[tuple[str, bytes]] = []
    if path.is_dir():
        for p in path.rglob("*"):
            rel = p.relative_to(path)
            if p.is_file() and not any(IGNORED_NAMES.match(part) for part in rel.parts):
                entries.append((rel.as_posix(), p.read_bytes()))
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = _zip_member_name(info)
                parts = PurePosixPath(name).parts
                if info.is_dir() or any(IGNORED_NAMES.match(part) for part in parts):
                    continue
                entries.append((name, archive.read(info)))
    else:
        raise ExportError(f"{path}: an export is a folder or a .zip file")

    files, warnings = [], []
    for rel, data in sorted(entries, key=lambda e: _natural_key(e[0])):
        name = f"{path.name}/{rel}"
        table = table_for(rel)
        suffix = PurePosixPath(rel).suffix.lower()
        if table is None:
            if suffix in DATA_SUFFIXES:
                tables = ", ".join(TABLES)
                raise ExportError(
                    f"{name}: cannot tell which table this file holds; "
                    f"its name must start with one of {tables}"
                )
            warnings.append(f"{name}: not a data file, ignored")
            continue
        files.append(ExportFile(name, data, table))
    if not files:
        raise ExportError(f"{path}: no data files found")
    return files, warnings


def normalise_header(text: str) -> str:
    text = text.replace("\ufeff", "").strip().lower()
    text = text.replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", text)


def _header_lookup(table: Table) -> dict[str, str]:
    lookup = {}
    for c in table.columns:
        lookup[normalise_header(c.zh)] = c.name
        lookup[normalise_header(c.name)] = c.name
    if table.name == "disclosures":
        lookup[normalise_header("金额")] = "amount"
    return lookup


def _find_header(rows: list[list[str | None]], table: Table) -> int | None:
    """Index of the header row: the first row naming the most of the table's columns."""
    lookup = _header_lookup(table)
    best, best_hits = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = len({lookup[h] for h in (normalise_header(c or "") for c in row) if h in lookup})
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _map_columns(
    file: ExportFile, table: Table, header: list[str | None]
) -> tuple[dict[int, str], list[str]]:
    lookup = _header_lookup(table)
    mapping: dict[int, str] = {}
    warnings = []
    for position, cell in enumerate(header):
        label = (cell or "").replace("\ufeff", "").strip()
        if not label:
            continue
        name = lookup.get(normalise_header(label))
        if name is None:
            warnings.append(f"{file.name}: unknown column {label!r} ignored")
        elif name in mapping.values():
            raise ExportError(f"{file.name}: column {label!r} names {name}, which is given twice")
        else:
            mapping[position] = name
    missing = [c for c in table.columns if c.required and c.name not in mapping.values()]
    if missing:
        names = ", ".join(f"{c.zh} ({c.name})" for c in missing)
        raise ExportError(f"{file.name}: required header missing: {names}")
    return mapping, warnings


def _decode(file: ExportFile) -> tuple[str, str]:
    data = file.data
    if b"\x00" in data[:4096]:
        raise ExportError(f"{file.name}: not a CSV or Excel file (binary content)")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "csv-utf8-bom"
    try:
        return data.decode("utf-8"), "csv-utf8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "csv-gb18030"
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"{file.name}: neither UTF-8 nor GB18030 text (byte {exc.start})"
        ) from None


def _read_csv(file: ExportFile) -> RawTable:
    table = file.table
    try:
        text, fmt = _decode(file)
    except UnicodeDecodeError as exc:
        raise ExportError(f"{file.name}: invalid UTF-8 after its BOM (byte {exc.start})") from None
    lines = io.StringIO(text)
    head_rows = [next(csv.reader([lines.readline()]), []) for _ in range(HEADER_SEARCH_ROWS)]
    header_index = _find_header(head_rows, table)
    if header_index is None:
        names = ", ".join(c.zh for c in table.columns if c.required)
        raise ExportError(f"{file.name}: no header row naming {table.name} columns ({names})")
    header = head_rows[header_index]
    mapping, warnings = _map_columns(file, table, header)
    width = max(len(header), max(mapping) + 1)
    raw_names = [f"c{i}" for i in range(width)]
    try:
        frame = pl.read_csv(
            text.encode("utf-8"),
            has_header=False,
            skip_lines=header_index + 1,
            new_columns=raw_names,
            schema={n: pl.String for n in raw_names},
            truncate_ragged_lines=True,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError as exc:
        raise ExportError(f"{file.name}: not readable as CSV: {exc}") from None
    first_data_row = header_index + 2  # 1-based row numbers; the header is its own row
    frame = frame.select(
        pl.int_range(first_data_row, first_data_row + pl.len(), dtype=pl.Int64).alias(ROW),
        *[pl.col(f"c{pos}").alias(name) for pos, name in mapping.items()],
    )
    return RawTable(file, fmt, frame, list(mapping.values()), warnings)


def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _read_workbook(file: ExportFile) -> RawTable:
    table = file.table
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(file.data))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise ExportError(f"{file.name}: not readable as an Excel workbook: {exc}") from None
    cells = [[_cell_text(v) for v in row] for row in rows]
    header_index = _find_header(cells, table)
    if header_index is None:
        names = ", ".join(c.zh for c in table.columns if c.required)
        raise ExportError(f"{file.name}: no header row naming {table.name} columns ({names})")
    mapping, warnings = _map_columns(file, table, cells[header_index])
    body = cells[header_index + 1 :]
    columns = {
        name: pl.Series(name, [r[pos] if pos < len(r) else None for r in body], dtype=pl.String)
        for pos, name in mapping.items()
    }
    first_data_row = header_index + 2
    frame = pl.DataFrame(
        {ROW: pl.int_range(first_data_row, first_data_row + len(body), eager=True), **columns}
    ).with_columns(pl.col(ROW).cast(pl.Int64))
    return RawTable(file, "xlsx", frame, list(mapping.values()), warnings)


def read_file(file: ExportFile) -> RawTable:
    """Read one file; raise ExportError when it cannot be read as its table."""
    is_workbook = file.data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
    raw = _read_workbook(file) if is_workbook else _read_csv(file)
    text_columns = [c for c in raw.frame.columns if c != ROW]
    cleaned = raw.frame.with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in text_columns
    )
    # Blank lines and rows of empty cells carry nothing: they are not records.
    raw.frame = cleaned.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in text_columns))
    return raw
