"""Find an export's files and prepare each one for DuckDB to read, streaming.

An export is a folder or a .zip. Every file that holds data is matched to a table by the
start of its name. Nothing here holds a file whole in memory: a CSV is read once, in
chunks, to hash it, to tell UTF-8 from GB18030 and to find its header; a GB18030 file
or a zip member is written out as UTF-8 for DuckDB's `read_csv`; an Excel workbook is
read row by row. A zip's members are checked against caps on their size and on their
compression ratio before and while they are inflated, so that no archive can fill the
memory or the disk.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import python_calamine

from schema.tables import TABLES, Table

HEADER_SEARCH_ROWS = 20
HEAD_BYTES = 256 * 1024  # where the header is looked for
CHUNK = 4 * 1024 * 1024
# Files up to this size have their longest line measured, so that DuckDB may read them in
# small buffers, on every core (etl/validate.py); a larger file has buffers enough.
MEASURED_LINES_BYTES = 64 << 20
DATA_SUFFIXES = {".csv", ".xlsx", ".xls", ".xlsm"}
IGNORED_NAMES = re.compile(r"^(\.|~\$|__MACOSX$|thumbs\.db$|desktop\.ini$)", re.IGNORECASE)

# Caps on what a zip may inflate to. A province's year is about 3 GB of CSV, a month of
# it 200 MB, and CSV compresses about tenfold; a ratio far above that is a zip bomb.
MAX_MEMBER_BYTES = 8 << 30
MAX_ARCHIVE_BYTES = 32 << 30
MAX_RATIO = 200
RATIO_FLOOR = 1 << 20  # small members may compress as well as they like


class ExportError(Exception):
    """A file that stops the load: nothing is written when one is raised."""


@dataclass
class ExportFile:
    name: str  # shown in messages and stored with every row: export folder / path inside it
    table: Table | None
    size: int  # bytes, as the folder or the zip's directory says
    path: Path | None = None  # the file itself when it sits in a folder
    _open: Callable[[], BinaryIO] | None = None  # a zip member's inflated bytes

    def open(self) -> BinaryIO:
        return self.path.open("rb") if self.path is not None else self._open()


@dataclass
class PreparedFile:
    """A file ready to be staged: where DuckDB reads it from and which column is which."""

    file: ExportFile
    format: str  # csv-utf8, csv-utf8-bom, csv-gb18030, xlsx
    mapping: dict[int, str]  # position in the row -> spec column
    width: int  # positions read
    header_line: int  # 0-based index of the header among the file's first rows
    sha256: str
    bytes: int
    warnings: list[str] = field(default_factory=list)
    csv_path: Path | None = None  # a UTF-8 CSV for DuckDB
    exact_rows: bool = False  # blank lines: read row by row so that row numbers stay right
    workbook: Path | None = None
    rows_read: int = 0  # rows holding anything, once staged
    control_bytes: bool = True  # holds control characters other than line breaks
    longest_line: int | None = None  # bytes as the export wrote them, measured when small

    @property
    def columns_present(self) -> list[str]:
        return list(self.mapping.values())


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


def check_zip_sizes(path: Path, infos: list[zipfile.ZipInfo], label: str) -> None:
    """Refuse an archive whose directory announces more than the caps allow."""
    total = 0
    for info in infos:
        if info.file_size > MAX_MEMBER_BYTES:
            raise ExportError(
                f"{label}/{info.filename}: inflates to {info.file_size:,} bytes, "
                f"more than the {MAX_MEMBER_BYTES:,} allowed for one file"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise ExportError(
                f"{label}/{info.filename}: compressed {ratio:,.0f} to 1, more than "
                f"{MAX_RATIO} to 1: not an export but a zip bomb"
            )
        total += info.file_size
    if total > MAX_ARCHIVE_BYTES:
        raise ExportError(
            f"{path}: inflates to {total:,} bytes, more than the {MAX_ARCHIVE_BYTES:,} allowed"
        )


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExportError(f"{path}: the zip archive is damaged ({exc})") from None


def _member_opener(path: Path, info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
    def open_member() -> BinaryIO:
        archive = _open_zip(path)
        try:
            return _CappedMember(archive, archive.open(info), info.file_size)
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError) as exc:
            archive.close()
            raise ExportError(
                f"{path}/{info.filename}: the zip archive is damaged ({exc})"
            ) from None

    return open_member


class _CappedMember(io.RawIOBase):
    """A zip member's bytes, stopped as soon as it inflates beyond what its directory
    entry said (a forged entry), and with damage reported as ExportError."""

    def __init__(self, archive: zipfile.ZipFile, member: BinaryIO, declared: int):
        self._archive, self._member, self._left = archive, member, declared

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._member.read(min(len(buffer), self._left + 1))
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise ExportError(
                f"{self._archive.filename}: the zip archive is damaged ({exc})"
            ) from None
        self._left -= len(data)
        if self._left < 0:
            raise ExportError(
                f"{self._archive.filename}: a member inflates beyond its declared size: "
                "the zip archive is damaged or forged"
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        with suppress(Exception):
            self._member.close()
        self._archive.close()
        super().close()


def list_export(path: Path) -> tuple[list[ExportFile], list[str]]:
    """The export's data files in the order they count (later wins), and warnings."""
    if not path.exists():
        raise ExportError(f"{path}: no such file or folder")
    entries: list[tuple[str, ExportFile]] = []
    if path.is_dir():
        for p in path.rglob("*"):
            rel = p.relative_to(path)
            if p.is_file() and not any(IGNORED_NAMES.match(part) for part in rel.parts):
                name = rel.as_posix()
                entries.append((name, ExportFile("", None, p.stat().st_size, path=p)))
    elif zipfile.is_zipfile(path):
        with _open_zip(path) as archive:
            infos = [
                info
                for info in archive.infolist()
                if not info.is_dir()
                and not any(
                    IGNORED_NAMES.match(part)
                    for part in PurePosixPath(_zip_member_name(info)).parts
                )
            ]
        check_zip_sizes(path, infos, path.name)
        for info in infos:
            opener = _member_opener(path, info)
            entries.append(
                (_zip_member_name(info), ExportFile("", None, info.file_size, _open=opener))
            )
    elif path.suffix.lower() == ".zip":
        raise ExportError(f"{path}: the zip archive is damaged (not a zip file)")
    else:
        raise ExportError(f"{path}: an export is a folder or a .zip file")

    files, warnings = [], []
    for rel, file in sorted(entries, key=lambda e: _natural_key(e[0])):
        file.name = f"{path.name}/{rel}"
        file.table = table_for(rel)
        suffix = PurePosixPath(rel).suffix.lower()
        if file.table is None:
            if suffix in DATA_SUFFIXES:
                tables = ", ".join(TABLES)
                raise ExportError(
                    f"{file.name}: cannot tell which table this file holds; "
                    f"its name must start with one of {tables}"
                )
            warnings.append(f"{file.name}: not a data file, ignored")
            continue
        files.append(file)
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
        for label in (c.zh, c.name, *c.aliases):
            lookup[normalise_header(label)] = c.name
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
    name: str, table: Table, header: list[str | None]
) -> tuple[dict[int, str], list[str]]:
    lookup = _header_lookup(table)
    mapping: dict[int, str] = {}
    warnings = []
    for position, cell in enumerate(header):
        label = (cell or "").replace("\ufeff", "").strip()
        if not label:
            continue
        column = lookup.get(normalise_header(label))
        if column is None:
            warnings.append(f"{name}: unknown column {label!r} ignored")
        elif column in mapping.values():
            raise ExportError(f"{name}: column {label!r} names {column}, which is given twice")
        else:
            mapping[position] = column
    missing = [c for c in table.columns if c.required and c.name not in mapping.values()]
    if missing:
        names = ", ".join(f"{c.zh} ({c.name})" for c in missing)
        raise ExportError(f"{name}: required header missing: {names}")
    return mapping, warnings


def _no_header(name: str, table: Table) -> ExportError:
    names = ", ".join(c.zh for c in table.columns if c.required)
    return ExportError(f"{name}: no header row naming {table.name} columns ({names})")


@dataclass
class _Scan:
    """What one pass over a file's bytes tells."""

    sha256: str
    size: int
    head: bytes
    utf8: bool
    bad_utf8_at: int | None
    blank_lines: bool
    control_bytes: bool
    longest_line: int | None  # bytes, when measured


# Bytes that are control characters other than the line breaks every CSV has; deleting
# every other byte leaves a chunk's control bytes (nothing, nearly always) at little cost.
_CONTROL = bytes(range(32)).replace(b"\n", b"").replace(b"\r", b"") + b"\x7f"
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)


def _scan(stream: BinaryIO, copy_to: BinaryIO | None = None, measure_lines: bool = False) -> _Scan:
    """Hash, check UTF-8 and look for blank lines in one pass (copying when asked), and
    measure the longest line when asked."""
    digest, decoder = hashlib.sha256(), codecs.getincrementaldecoder("utf-8")()
    head, size, utf8, bad_at, blank, tail, control = b"", 0, True, None, False, b"", False
    longest, line = 0, 0  # the longest line so far, and the bytes of the line under way
    while chunk := stream.read(CHUNK):
        if measure_lines:
            pieces = chunk.split(b"\n")
            if len(pieces) == 1:
                line += len(chunk)
            else:
                longest = max(longest, line + len(pieces[0]), *map(len, pieces[1:-1]))
                line = len(pieces[-1])
        if not control:
            control = len(chunk.translate(None, _NOT_CONTROL)) > 0
        digest.update(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        # ASCII is UTF-8: only other text is decoded (most of an export is ASCII), and
        # the pattern only looks where a line is empty.
        if utf8 and not (chunk.isascii() and not decoder.getstate()[0]):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                utf8, bad_at = False, size + exc.start
        if not blank:
            # The chunk and the seam with the last one are searched apart: joining them
            # would copy every chunk (a fifth of this pass), for the few that need it.
            seam = tail + chunk[:3]
            if _may_hold_blank_line(chunk) or _may_hold_blank_line(seam):
                blank = re.search(rb"\n\r?\n(?=[^\r\n])", tail + chunk) is not None
            tail = (tail + chunk[-3:])[-3:]
        size += len(chunk)
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8, bad_at = False, size
    longest_line = max(longest, line) if measure_lines else None
    return _Scan(digest.hexdigest(), size, head, utf8, bad_at, blank, control, longest_line)


def _may_hold_blank_line(data: bytes) -> bool:
    return b"\n\n" in data or (b"\r" in data and b"\n\r\n" in data)


def _head_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines()[:HEADER_SEARCH_ROWS]:
        try:
            rows.append(next(csv.reader([line]), []))
        except csv.Error:
            rows.append([])
    return rows


def _transcode_gb18030(source: Path, target: Path, name: str) -> None:
    """GB18030 to UTF-8, streaming: glibc's iconv when there is one (several times faster
    than Python's codec), else Python's."""
    iconv = shutil.which("iconv")
    if iconv:
        with target.open("wb") as out:
            done = subprocess.run(
                [iconv, "-f", "GB18030", "-t", "UTF-8", str(source)],
                stdout=out,
                stderr=subprocess.PIPE,
                check=False,
            )
        if done.returncode == 0:
            return
    decoder = codecs.getincrementaldecoder("gb18030")()
    offset = 0
    with source.open("rb") as src, target.open("w", encoding="utf-8", newline="") as out:
        while chunk := src.read(CHUNK):
            try:
                out.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                raise ExportError(
                    f"{name}: neither UTF-8 nor GB18030 text (byte {offset + exc.start})"
                ) from None
            offset += len(chunk)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            raise ExportError(f"{name}: neither UTF-8 nor GB18030 text (byte {offset})") from None


def _is_workbook(head: bytes) -> bool:
    return head[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def prepare(file: ExportFile, work: Path, index: int) -> PreparedFile:
    """Read the file once, find its header and make it readable by DuckDB as UTF-8 CSV
    (or by the workbook reader); raise ExportError when it cannot be read as its table."""
    local = file.path
    measure = file.size <= MEASURED_LINES_BYTES
    if local is None:  # a zip member: inflate it once, hashing on the way
        local = work / f"member-{index}"
        with file.open() as stream, local.open("wb") as out:
            scan = _scan(stream, out, measure)
    else:
        with file.open() as stream:
            scan = _scan(stream, measure_lines=measure)
    if _is_workbook(scan.head):
        return _prepare_workbook(file, local, scan)
    if b"\x00" in scan.head[:4096]:
        raise ExportError(f"{file.name}: not a CSV or Excel file (binary content)")

    if scan.head.startswith(b"\xef\xbb\xbf"):
        if not scan.utf8:
            raise ExportError(f"{file.name}: invalid UTF-8 after its BOM (byte {scan.bad_utf8_at})")
        fmt, csv_path = "csv-utf8-bom", local
    elif scan.utf8:
        fmt, csv_path = "csv-utf8", local
    else:
        fmt, csv_path = "csv-gb18030", work / f"utf8-{index}.csv"
        _transcode_gb18030(local, csv_path, file.name)
        if local != file.path:
            local.unlink()
    with csv_path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    rows = _head_rows(text)
    header_line = _find_header(rows, file.table)
    if header_line is None:
        raise _no_header(file.name, file.table)
    header = rows[header_line]
    mapping, warnings = _map_columns(file.name, file.table, header)
    return PreparedFile(
        file,
        fmt,
        mapping,
        max(len(header), max(mapping) + 1),
        header_line,
        scan.sha256,
        scan.size,
        warnings,
        csv_path=csv_path,
        exact_rows=scan.blank_lines,
        control_bytes=scan.control_bytes,
        longest_line=scan.longest_line,
    )


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


def _workbook_rows(path: Path, name: str) -> Iterator[list[str | None]]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        for row in sheet.iter_rows():
            yield [_cell_text(v) for v in row]
    except ExportError:
        raise
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise ExportError(f"{name}: not readable as an Excel workbook: {exc}") from None


def _prepare_workbook(file: ExportFile, local: Path, scan: _Scan) -> PreparedFile:
    if scan.head[:4] == b"PK\x03\x04":
        # An .xlsx is itself a zip: the same caps, before calamine inflates anything.
        try:
            with zipfile.ZipFile(local) as book:
                check_zip_sizes(local, book.infolist(), file.name)
        except zipfile.BadZipFile as exc:
            raise ExportError(f"{file.name}: not readable as an Excel workbook: {exc}") from None
    head_rows = []
    for row in _workbook_rows(local, file.name):
        head_rows.append(row)
        if len(head_rows) >= HEADER_SEARCH_ROWS:
            break
    header_line = _find_header(head_rows, file.table)
    if header_line is None:
        raise _no_header(file.name, file.table)
    mapping, warnings = _map_columns(file.name, file.table, head_rows[header_line])
    width = max(len(head_rows[header_line]), max(mapping) + 1)
    return PreparedFile(
        file, "xlsx", mapping, width, header_line, scan.sha256, scan.size, warnings, workbook=local
    )


def exact_rows(prepared: PreparedFile) -> Iterator[tuple[int, list[str | None]]]:
    """(row number as a spreadsheet shows it, cells) of every row after the header, for
    workbooks and for CSV files whose blank lines DuckDB's reader would not count."""
    first = prepared.header_line + 2
    if prepared.workbook is not None:
        rows: Iterator[list[str | None]] = _workbook_rows(prepared.workbook, prepared.file.name)
        yield from ((n, r) for n, r in enumerate(rows, start=1) if n >= first)
        return
    csv.field_size_limit(1 << 30)
    with prepared.csv_path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            for number, row in enumerate(csv.reader(handle), start=1):
                if number >= first:
                    yield number, row
        except csv.Error as exc:
            raise ExportError(f"{prepared.file.name}: not readable as CSV: {exc}") from None
