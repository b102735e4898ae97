"""Type the text of an export's files and check it, in SQL that DuckDB runs while it reads.

The rules are declared with the tables (schema/tables.py): a column's kind, whether it
is required, its pattern, its maximum and what it refers to; a table's row rules. This
module compiles those declarations into DuckDB expressions, so that a file is typed and
checked in one streaming pass however large it is. A row breaking several rules is
reported once per rule; it is counted once.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from etl.readers import ExportError, ExportFile, PreparedFile, exact_rows, prepare
from schema.tables import (
    AMOUNT,
    BOOLEAN,
    CODE,
    DATE,
    ENUM,
    INTEGER,
    PARENT_LEVEL,
    PERIOD,
    TABLES,
    TEXT,
    TIMESTAMP,
    AnyOf,
    Column,
    NotBefore,
    Table,
)

FILE = "_file"
FILE_ORDER = "_file_order"
ROW = "_row"
RECORD = "_record"

# reason code -> (Chinese, English); the code is what the quarantine table stores.
REASONS: dict[str, tuple[str, str]] = {
    "missing_value": ("必填项为空", "required value is empty"),
    "unparseable_datetime": ("日期时间无法识别", "date-time not in a documented format"),
    "unparseable_date": ("日期无法识别", "date not in a documented format"),
    "unparseable_amount": ("金额无法识别", "amount is not a number"),
    "unparseable_integer": ("不是整数", "not a whole number"),
    "unparseable_boolean": ("应为“是”或“否”", "expected 是 or 否"),
    "unparseable_period": ("所属期间无法识别", "period not in a documented format"),
    "unknown_value": ("取值不在规定范围内", "value not among the documented ones"),
    "negative_value": ("数值为负", "negative number"),
    "out_of_range": ("数值超出允许范围", "number above the largest allowed"),
    "invalid_code": ("区划代码应为12位数字", "division code must be 12 digits"),
    "control_character": ("编码中含控制字符", "code holds control characters"),
    "unknown_region": ("区划代码不存在", "unknown region"),
    "wrong_region_level": ("区划层级不符", "region of the wrong level"),
    "unknown_item": ("事项编码不在公开目录中", "item code not in the disclosure catalogue"),
    "category_mismatch": ("类别与事项所属类别不符", "category differs from the item's category"),
    "period_mismatch": ("所属期间与事项公开频次不符", "period does not fit the item's frequency"),
    "unknown_user": ("用户不存在", "unknown user"),
    "unknown_admin": ("管理员不存在", "unknown administrator"),
    "before_submission": ("早于留言提交时间", "earlier than the message's submission"),
    "before_registration": ("早于注册时间", "earlier than the registration"),
    "before_receipt": ("早于受理时间", "earlier than the petition's receipt"),
    "no_region": ("村社区代码与区划代码均为空", "neither village nor district code given"),
    "conflicting_duplicate": (
        "同一文件中同一编号出现内容不同的记录",
        "same key twice in one file with different content",
    ),
}

_PARSE_FAILURE = {
    TIMESTAMP: "unparseable_datetime",
    DATE: "unparseable_date",
    AMOUNT: "unparseable_amount",
    INTEGER: "unparseable_integer",
    BOOLEAN: "unparseable_boolean",
    ENUM: "unknown_value",
    PERIOD: "unparseable_period",
}

# What Polars' and Python's strip() remove: Unicode White_Space.
WHITESPACE = (
    " \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_DATETIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S.%f"]
# The forms the platform writes, by the character after the year and then by the number of
# colons: each parses as it is, to the value its unified text gives. A cell tries the one
# its text can fit, since a failed parse costs some twenty times a successful one (a list
# of formats tried in turn made most of a disclosure file's typing).
_DIRECT_FORMATS = {
    "-": ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"),
    "/": ("%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S"),
    "年": ("%Y年%m月%d日", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日 %H:%M:%S"),
}
MAX_LINE_BYTES = 16 << 20
QUICK_LINE_BYTES = 2 << 20


def literal(value: object) -> str:
    """A SQL literal (strings quoted, None as NULL)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def parse_datetime(text: str) -> str:
    """Every date-time form of the spec (`2022-08-01 14:33:57`, `2022-08-01 14:33`,
    `2022/8/1 14:33`, `2022年8月1日 14:33`, ISO with T), a date alone meaning 00:00;
    NULL if none fits. The form its separator and colons name is tried first; only text
    it does not fit has its separators unified so that a few exact formats cover all. No
    text fits two of the forms, so the order changes no value."""
    unified = (
        f"trim(replace(regexp_replace(regexp_replace({text}, '\\s*[/年月]\\s*', '-', 'g'), "
        f"'\\s*日\\s*|T', ' ', 'g'), '：', ':'))"
    )
    formats = "[" + ", ".join(literal(f) for f in _DATETIME_FORMATS) + "]"
    colons = f"(strlen({text}) - strlen(replace({text}, ':', '')))"

    def by_colons(forms: tuple[str, ...]) -> str:
        whens = (f"WHEN {n} THEN try_strptime({text}, {literal(f)})" for n, f in enumerate(forms))
        return f"CASE {colons} {' '.join(whens)} END"

    # The usual dashed forms by their length (2022-08-01 14:33), cheaper than colons.
    by_length = " ".join(
        f"WHEN {length} THEN try_strptime({text}, {literal(form)})"
        for form, length in zip(_DIRECT_FORMATS["-"], (10, 16, 19), strict=True)
    )
    direct = " ".join(
        f"WHEN {literal(separator)} THEN "
        + (
            f"CASE strlen({text}) {by_length} ELSE {by_colons(forms)} END"
            if separator == "-"
            else by_colons(forms)
        )
        for separator, forms in _DIRECT_FORMATS.items()
    )
    return (
        f"coalesce(CASE substring({text}, 5, 1) {direct} END, try_strptime({unified}, {formats}))"
    )


def parse_amount(text: str) -> str:
    """Numbers and text such as `1,234.50`, `1234.5元`, `¥1,234`."""
    cleaned = f"regexp_replace({text}, '[,，\\s\\x{{3000}}元¥￥]|^RMB|^CNY', '', 'g')"
    number = "'[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?'"
    return (
        f"CASE WHEN regexp_full_match({cleaned}, {number}) "
        f"THEN TRY_CAST({cleaned} AS DECIMAL(18,2)) END"
    )


def parse_integer(text: str) -> str:
    cleaned = f"regexp_replace(regexp_replace({text}, '[,，\\s]', '', 'g'), '\\.0+$', '')"
    return (
        f"CASE WHEN regexp_full_match({cleaned}, '[+-]?[0-9]+') "
        f"THEN TRY_CAST({cleaned} AS BIGINT) END"
    )


def parse_boolean(text: str) -> str:
    mapping = {"是": True, "否": False, "y": True, "n": False, "yes": True, "no": False}
    mapping |= {"true": True, "false": False, "1": True, "0": False}
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in mapping.items())
    return f"CASE lower({text}) {cases} END"


def _enum(column: Column, text: str) -> str:
    cases = " ".join(f"WHEN {literal(k)} THEN {literal(v)}" for k, v in column.values.items())
    mapped = f"CASE {text} {cases} END"
    if column.default is None:
        return mapped
    # A default stands in for an empty cell only: other text outside the values is kept
    # aside as unknown_value, never silently replaced.
    return f"CASE WHEN {text} IS NULL THEN {literal(column.default)} ELSE {mapped} END"


def _period_text(name: str) -> str:
    """The period's text without white space, once for all its `_period_helpers`."""
    return f"regexp_replace(raw_{name}, '\\s', '', 'g') AS {name}__text"


_PERIOD_MONTH = "^(\\d{4})[-/.年](\\d{1,2})月?$"
_PERIOD_QUARTER = "^(\\d{4})(?:-?[Qq]|年?第)([1-4一二三四])(?:季度)?$"
_PERIOD_HALF = "^(\\d{4})(?:-?[Hh]([12])|年?([上下])半年)$"
_PERIOD_YEAR = "^(\\d{4})年?度?$"


def _period_helpers(name: str) -> list[str]:
    """Inner columns a period's label, bounds and frequency are computed from. The text is
    read as an event's date only when it has none of the period forms (none of which is a
    date): a failed date parse is what costs, and most periods are months or quarters."""
    t = f"{name}__text"
    forms = "|".join(
        f"(?:{p})" for p in (_PERIOD_MONTH, _PERIOD_QUARTER, _PERIOD_HALF, _PERIOD_YEAR)
    )
    return [
        f"regexp_extract({t}, '{_PERIOD_MONTH}', ['y', 'm']) AS {name}__m",
        f"regexp_extract({t}, '{_PERIOD_QUARTER}', ['y', 'q']) AS {name}__q",
        f"regexp_extract({t}, '{_PERIOD_HALF}', ['y', 'h', 'z']) AS {name}__h",
        f"regexp_extract({t}, '{_PERIOD_YEAR}', 1) AS {name}__y",
        f"CASE WHEN NOT regexp_matches({t}, '{forms}') THEN {parse_datetime(t)} END AS {name}__e",
    ]


def period_parts(name: str) -> dict[str, str]:
    """A disclosure's period: its normalised label, first and last day, and frequency."""
    m, q, h, y, e = (f"{name}__{p}" for p in "mqhye")
    month = f"TRY_CAST({m}.m AS INT)"
    is_month = f"({m}.y <> '' AND {month} BETWEEN 1 AND 12)"
    qn = (
        f"(CASE {q}.q WHEN '一' THEN 1 WHEN '二' THEN 2 WHEN '三' THEN 3 WHEN '四' THEN 4 "
        f"ELSE TRY_CAST({q}.q AS INT) END)"
    )
    hn = (
        f"(CASE WHEN {h}.h <> '' THEN TRY_CAST({h}.h AS INT) "
        f"WHEN {h}.z = '上' THEN 1 WHEN {h}.z = '下' THEN 2 END)"
    )
    is_q, is_h, is_y = f"({q}.y <> '')", f"({h}.y <> '')", f"({y} <> '')"
    qy, hy, yy = f"TRY_CAST({q}.y AS INT)", f"TRY_CAST({h}.y AS INT)", f"TRY_CAST({y} AS INT)"
    start = (
        f"CASE WHEN {is_month} THEN make_date(TRY_CAST({m}.y AS INT), {month}, 1) "
        f"WHEN {is_q} THEN make_date({qy}, ({qn} - 1) * 3 + 1, 1) "
        f"WHEN {is_h} THEN make_date({hy}, ({hn} - 1) * 6 + 1, 1) "
        f"WHEN {is_y} THEN make_date({yy}, 1, 1) ELSE CAST({e} AS DATE) END"
    )
    end = (
        f"CASE WHEN {is_month} THEN last_day(make_date(TRY_CAST({m}.y AS INT), {month}, 1)) "
        f"WHEN {is_q} THEN last_day(make_date({qy}, {qn} * 3, 1)) "
        f"WHEN {is_h} THEN last_day(make_date({hy}, {hn} * 6, 1)) "
        f"WHEN {is_y} THEN make_date({yy}, 12, 31) ELSE CAST({e} AS DATE) END"
    )
    frequency = (
        f"CASE WHEN {is_month} THEN 'monthly' WHEN {is_q} THEN 'quarterly' "
        f"WHEN {is_h} THEN 'semiannual' WHEN {is_y} THEN 'annual' "
        f"WHEN {e} IS NOT NULL THEN 'event' END"
    )
    label = (
        f"CASE WHEN {is_month} THEN strftime({start}, '%Y-%m') "
        f"WHEN {is_q} THEN {q}.y || 'Q' || {qn} WHEN {is_h} THEN {h}.y || 'H' || {hn} "
        f"WHEN {is_y} THEN {y} ELSE strftime({start}, '%Y-%m-%d') END"
    )
    return {"label": label, "start": start, "end": end, "frequency": frequency}


def typed(column: Column) -> str:
    """The column's value, typed, from its cleaned text `raw_<name>`."""
    raw = f"raw_{column.name}"
    if column.kind in (TEXT, CODE):
        return raw
    if column.kind == TIMESTAMP:
        return parse_datetime(raw)
    if column.kind == DATE:
        return f"CAST({parse_datetime(raw)} AS DATE)"
    if column.kind == AMOUNT:
        return parse_amount(raw)
    if column.kind == INTEGER:
        return parse_integer(raw)
    if column.kind == BOOLEAN:
        return parse_boolean(raw)
    if column.kind == ENUM:
        return _enum(column, raw)
    if column.kind == PERIOD:
        return period_parts(column.name)["label"]
    raise ValueError(column.kind)


@dataclass(frozen=True)
class Check:
    """Rows for which `fails` (SQL) is true break `reason`, reported against `column`."""

    column: str | None
    reason: str
    fails: str


def row_checks(table: Table, control_bytes: bool = True) -> list[Check]:
    """Rules that look at one row alone: each cell's type and pattern, the row rules.
    Codes are searched for control characters only in a file that has any."""
    checks = []
    for c in table.columns:
        raw, value = f"raw_{c.name}", c.name
        if c.required:
            checks.append(Check(c.name, "missing_value", f"{raw} IS NULL"))
        if c.kind in _PARSE_FAILURE:
            checks.append(
                Check(c.name, _PARSE_FAILURE[c.kind], f"{raw} IS NOT NULL AND {value} IS NULL")
            )
        if c.kind in (AMOUNT, INTEGER):
            checks.append(Check(c.name, "negative_value", f"{value} < 0"))
        if c.maximum is not None:
            checks.append(Check(c.name, "out_of_range", f"{value} > {c.maximum}"))
        if c.kind == CODE and control_bytes:
            checks.append(
                Check(c.name, "control_character", f"regexp_matches({raw}, '[[:cntrl:]]')")
            )
        if c.pattern is not None:
            pattern, reason = c.pattern
            checks.append(Check(c.name, reason, f"NOT regexp_matches({raw}, {literal(pattern)})"))
    for rule in table.rules:
        if isinstance(rule, NotBefore):
            checks.append(Check(rule.column, rule.reason, f"{rule.column} < {rule.other}"))
        elif isinstance(rule, AnyOf):
            given = " AND ".join(f"raw_{c} IS NULL" for c in rule.columns)
            checks.append(Check(rule.columns[0], rule.reason, given))
    return checks


def any_fails(checks: list[Check]) -> str:
    return " OR ".join(f"coalesce({c.fails}, FALSE)" for c in checks) or "FALSE"


def reference_checks(
    table: Table, lookups: dict[str, str], skip: frozenset[str] = frozenset()
) -> tuple[list[str], list[Check]]:
    """Rules that need other tables, as LEFT JOINs onto the rows (aliased `f`) and the
    checks over them. `lookups` gives each referenced table's rows as SQL: regions
    (region_code, level), catalogue (item_code, category, frequency), others their key.
    The columns in `skip` are left out."""
    joins, checks = [], []
    for i, c in enumerate(t for t in table.columns if t.references and t.name not in skip):
        ref, alias, value = c.references, f"ref{i}", f"f.{c.name}"
        if ref.table == "regions":
            joins.append(
                f"LEFT JOIN ({lookups['regions']}) {alias} ON {alias}.region_code = {value}"
            )
            checks.append(
                Check(c.name, ref.reason, f"{value} IS NOT NULL AND {alias}.region_code IS NULL")
            )
            if ref.parent:
                cases = " ".join(
                    f"WHEN {literal(k)} THEN {literal(v)}" for k, v in PARENT_LEVEL.items() if v
                )
                expected = f"(CASE f.level {cases} END)"
                wrong = (
                    f"({alias}.level <> {expected}) "
                    f"OR ({expected} IS NULL AND {value} IS NOT NULL) "
                    f"OR ({expected} IS NOT NULL AND {value} IS NULL)"
                )
            else:
                expected = f"f.{ref.level_of}" if ref.level_of else literal(ref.level)
                wrong = f"{alias}.level <> {expected}"
            checks.append(Check(c.name, "wrong_region_level", wrong))
        else:
            key = "item_code" if ref.table == "catalogue" else _key_of(ref.table)
            joins.append(f"LEFT JOIN ({lookups[ref.table]}) {alias} ON {alias}.{key} = {value}")
            checks.append(
                Check(c.name, ref.reason, f"{value} IS NOT NULL AND {alias}.{key} IS NULL")
            )
            for agree in ref.agree:
                own = table.column(agree.column)
                mine = f"f.{agree.column}__frequency" if own.kind == PERIOD else f"f.{agree.column}"
                checks.append(
                    Check(agree.column, agree.reason, f"{mine} <> {alias}.{agree.target}")
                )
    return joins, checks


def _key_of(table_name: str) -> str:
    return TABLES[table_name].key[0]


def lookups_from(schema: str = "main") -> dict[str, str]:
    """What `reference_checks` compares against: the merged tables of `schema`."""
    found = {
        "regions": f"SELECT region_code, level FROM {schema}.regions",
        "catalogue": f"SELECT item_code, category, frequency FROM {schema}.catalogue",
    }
    for name, table in TABLES.items():
        if table.key and name not in found:
            found[name] = f"SELECT {table.key[0]} FROM {schema}.{name}"  # one row per key
    return found


def _cleaned(position: int) -> str:
    """The cell's text without surrounding white space; NULL if nothing is left. Trimming
    Unicode white space is slow, so text that starts and ends with a printable ASCII or
    CJK character (nearly all of it) is taken as it is. The code points of its first and
    last characters come from `_ends` (computed once each: half the cost of typing an
    activity file went into taking them again for every comparison)."""
    c, first, last = f"c{position}", f"_first{position}", f"_last{position}"

    def plain(char: str) -> str:
        return f"({char} BETWEEN 33 AND 126 OR {char} > 12288)"

    return (
        f"CASE WHEN {plain(first)} AND {plain(last)} THEN {c} "
        f"ELSE NULLIF(trim({c}, {literal(WHITESPACE)}), '') END"
    )


def _ends(positions: list[int]) -> str:
    """The code points of the first and last characters of the cells `_cleaned` reads
    (`c[-1]` finds the last one at half the cost of taking `length(c)` first)."""
    return ", ".join(f"ord(c{p}) AS _first{p}, ord(c{p}[-1]) AS _last{p}" for p in positions)


def _source(
    con: duckdb.DuckDBPyConnection,
    prepared: PreparedFile,
    parallel: bool = True,
    line_bytes: int = MAX_LINE_BYTES,
) -> str:
    """A FROM clause giving the file's rows as columns c0… (and _row when exact)."""
    if prepared.workbook is not None or prepared.exact_rows:
        return _materialised_source(con, prepared)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(prepared.width)) + "}"
    buffer = f"buffer_size = {2 * line_bytes}, " if line_bytes < MAX_LINE_BYTES else ""
    return (
        f"read_csv({literal(str(prepared.csv_path))}, header = false, "
        f"skip = {prepared.header_line + 1}, auto_detect = false, columns = {columns}, "
        "delim = ',', quote = '\"', escape = '\"', null_padding = true, strict_mode = false, "
        f"max_line_size = {line_bytes}, {buffer}parallel = {literal(parallel)})"
    )


def _materialised_source(con: duckdb.DuckDBPyConnection, prepared: PreparedFile) -> str:
    names = [ROW, *(f"c{i}" for i in range(prepared.width))]
    schema = pa.schema([(ROW, pa.int64()), *((n, pa.string()) for n in names[1:])])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE src (_row BIGINT, "
        + ", ".join(f"{n} VARCHAR" for n in names[1:])
        + ")"
    )
    batch: list[tuple[int, list]] = []

    def flush() -> None:
        columns = [[n for n, _ in batch]]
        for i in range(prepared.width):
            columns.append([r[i] if i < len(r) else None for _, r in batch])
        con.register("src_batch", pa.Table.from_arrays(columns, schema=schema))
        con.execute("INSERT INTO src SELECT * FROM src_batch")
        con.unregister("src_batch")
        batch.clear()

    for number, row in exact_rows(prepared):
        batch.append((number, [None if v == "" else v for v in row]))
        if len(batch) >= 50_000:
            flush()
    if batch:
        flush()
    return "src"


@dataclass
class Staged:
    """One file's rows in the temporary table `f`: raw_* text, typed columns, _ok, _empty."""

    prepared: PreparedFile
    order: int
    first_row: int | None  # DuckDB's reader: f's rowid + first_row; else f has a _row column
    rows_read: int
    raw_kept: bool  # every row's text is in f, not only the broken rows' and typed columns''

    def row(self, rowid: str = "rowid", prefix: str = "") -> str:
        """SQL giving a row's number in its file, as a spreadsheet shows it."""
        if self.first_row is None:
            return f"{prefix}{ROW}"
        return f"({rowid} + {self.first_row})"


def stage(
    con: duckdb.DuckDBPyConnection, prepared: PreparedFile, order: int, keep_raw: bool = False
) -> Staged:
    """Read one file into `f`, typed and checked row by row, in one pass. The text as the
    file gave it is kept for the typed columns (dates, amounts, values from a list…) and
    for rows that break a rule, and for every row with `keep_raw` or when the file is read
    row by row: a text or code column's value is its text, so a row a later check refuses
    gets its text back without the file being read again (`recover_raw`)."""
    table = prepared.file.table
    present = {name: position for position, name in prepared.mapping.items()}
    materialised = prepared.workbook is not None or prepared.exact_rows
    keep_raw = keep_raw or materialised
    raw = [
        f"{_cleaned(present[c.name]) if c.name in present else 'NULL::VARCHAR'} AS raw_{c.name}"
        for c in table.columns
    ]
    periods = [c.name for c in table.columns if c.kind == PERIOD]
    helpers = [h for name in periods for h in _period_helpers(name)]
    texts = "".join(f", {_period_text(name)}" for name in periods)
    values = [f"{typed(c)} AS {c.name}" for c in table.columns]
    kept = [c.name for c in table.columns]
    for c in table.columns:
        if c.kind == PERIOD:
            parts = period_parts(c.name)
            values += [f"{parts[p]} AS {c.name}__{p}" for p in ("start", "end", "frequency")]
            kept += [f"{c.name}__{p}" for p in ("start", "end", "frequency")]
    checks = row_checks(table, prepared.control_bytes)
    empty = " AND ".join(f"raw_{name} IS NULL" for name in present) or "TRUE"
    first = prepared.header_line + 2
    if keep_raw:
        outputs = "*"
    else:
        outputs = ", ".join(
            [*kept, "_empty", "_ok"]
            + [
                f"CASE WHEN _ok THEN NULL ELSE raw_{c.name} END AS raw_{c.name}"
                if c.kind in (TEXT, CODE)
                else f"raw_{c.name}"
                for c in table.columns
            ]
        )

    ends = _ends(sorted(present.values()))

    def query(source: str) -> str:
        row = f"{ROW}, " if materialised else ""
        return f"""
            CREATE OR REPLACE TEMP TABLE f AS SELECT {outputs} FROM (
            SELECT *, {empty} AS _empty, NOT ({any_fails(checks)}) AS _ok FROM (
                SELECT *, {", ".join(values)} FROM (
                    SELECT *{", " if helpers else ""}{", ".join(helpers)} FROM (
                        SELECT {row}{", ".join(raw)}{texts} FROM (
                            SELECT *{", " if present else ""}{ends} FROM {source})))))"""

    _on_source(con, prepared, query)
    if materialised:
        con.execute("DROP TABLE IF EXISTS src")
    rows_read = con.execute("SELECT count(*) FROM f WHERE NOT _empty").fetchall()[0][0]
    prepared.rows_read = rows_read
    return Staged(prepared, order, None if materialised else first, rows_read, keep_raw)


def recover_raw(con: duckdb.DuckDBPyConnection, staged: Staged, rows: str) -> None:
    """Put the file's text back into the rows of the temporary table `rows`: for the few
    valid-looking rows a later check refuses, whose text columns `stage` kept as values
    only (a text or code column's value is its cleaned text)."""
    if staged.raw_kept:
        return
    text = [c.name for c in staged.prepared.file.table.columns if c.kind in (TEXT, CODE)]
    restored = ", ".join(f"coalesce(raw_{c}, {c}) AS raw_{c}" for c in text)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {rows} AS SELECT * REPLACE ({restored}) FROM {rows}")


def _line_bound(prepared: PreparedFile) -> int:
    """The longest line DuckDB is told to expect. It reads a file in buffers twice that,
    one per thread, so a small bound lets a 20 MB file be read on every core; but a line
    longer than its buffer can be lost without an error, so the small bound is given only
    to a file whose lines are known to be far shorter (GB18030 grows by half as UTF-8)."""
    measured = prepared.longest_line
    if measured is not None and 2 * measured < QUICK_LINE_BYTES:
        return min(QUICK_LINE_BYTES, MAX_LINE_BYTES)
    return MAX_LINE_BYTES


def _on_source(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, query) -> None:
    """Run `query(source)` on the file, as ExportError if DuckDB cannot read it."""
    line_bytes, parallel = _line_bound(prepared), True
    try:
        while True:
            try:
                con.execute(query(_source(con, prepared, parallel, line_bytes)))
                return
            except duckdb.Error as exc:
                if "quoted new lines" not in str(exc) or not parallel:
                    raise
                # DuckDB's parallel reader cannot pad short rows of a file with line
                # breaks inside quotes: read that file on one thread, whose rows may be
                # longer than its lines.
                line_bytes, parallel = MAX_LINE_BYTES, False
    except duckdb.Error as exc:
        message = str(exc).split("\n\n")[0].replace("\n", " ")
        raise ExportError(f"{prepared.file.name}: not readable as CSV: {message}") from None


def record(table: Table, present: list[str], alias: str = "") -> str:
    """The row as the file gave it: JSON of its present columns' text."""
    prefix = f"{alias}." if alias else ""
    fields = ", ".join(
        f"{c.name} := {prefix}raw_{c.name}" for c in table.columns if c.name in present
    )
    return f"to_json(struct_pack({fields}))" if fields else "'{}'"


def _details(
    checks: list[Check], source: str, row: str, file_sql: str, order: int, rec: str
) -> str:
    parts = []
    for check in checks:
        value = f"raw_{check.column}" if check.column else "NULL::VARCHAR"
        parts.append(
            f"SELECT {file_sql} AS {FILE}, {order} AS {FILE_ORDER}, {row} AS {ROW}, "
            f"{literal(check.column)} AS column_name, {value} AS value, "
            f"{literal(check.reason)} AS reason, {rec} AS {RECORD} "
            f"FROM {source} WHERE coalesce({check.fails}, FALSE)"
        )
    return " UNION ALL ".join(parts)


VIOLATIONS_DDL = f"""
CREATE TEMP TABLE IF NOT EXISTS violations (
    table_name VARCHAR, {FILE} VARCHAR, {FILE_ORDER} INTEGER, {ROW} BIGINT,
    column_name VARCHAR, value VARCHAR, reason VARCHAR, {RECORD} VARCHAR
)"""


def keep_violations(con: duckdb.DuckDBPyConnection, table: Table, query: str) -> None:
    if query:
        con.execute(f"INSERT INTO violations SELECT {literal(table.name)}, * FROM ({query})")


def missing_values(column: str) -> str:
    """The temporary table `check_rows` leaves of the values of `column` that name nothing
    (one column, `value`), when it was given the column's distinct values."""
    return f"missing_{column}"


def check_rows(
    con: duckdb.DuckDBPyConnection,
    staged: Staged,
    lookups: dict[str, str] | None,
    distinct: dict[str, str] | None = None,
) -> None:
    """Keep aside the rows of `f` that break a row rule, repeat a key with other content,
    or (with `lookups`) name what does not exist; the view `valid` gives the rest.
    `distinct` may give, for a column naming another table's key, SQL of its values among
    the rows that pass the row rules: those few are looked up instead of every row (a
    month of events names 1.6 M users in 5 M rows), and the rows naming a missing one are
    found by a join to the missing (`missing_values`)."""
    prepared, table = staged.prepared, staged.prepared.file.table
    name, rec = literal(prepared.file.name), record(table, prepared.columns_present)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE bad AS SELECT *, rowid AS _rid, {staged.row()} AS _line "
        "FROM f WHERE NOT _ok AND NOT _empty"
    )
    if _count(con, "bad"):
        details = _details(row_checks(table), "bad", "_line", name, staged.order, rec)
        keep_violations(con, table, details)
    con.execute("CREATE OR REPLACE TEMP TABLE dropped AS SELECT _rid FROM bad")
    if table.key:
        key = table.key[0]
        repeated = con.execute(
            f"SELECT count({key}) <> count(DISTINCT {key}) FROM f WHERE NOT _empty"
        ).fetchall()[0][0]
        if repeated:
            _conflicting_duplicates(con, staged, rec)
    distinct = distinct or {}
    joins, checks = (
        reference_checks(table, lookups, frozenset(distinct)) if lookups is not None else ([], [])
    )
    for column, values in distinct.items():
        ref = table.column(column).references
        missing = missing_values(column)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {missing} AS SELECT DISTINCT d.{column} AS value
            FROM ({values}) d ANTI JOIN ({lookups[ref.table]}) l
                ON l.{_key_of(ref.table)} = d.{column}
            WHERE d.{column} IS NOT NULL"""
        )
        if _count(con, missing):
            joins.append(f"LEFT JOIN {missing} ON {missing}.value = f.{column}")
            checks.append(Check(column, ref.reason, f"{missing}.value IS NOT NULL"))
    if checks:
        flags = ", ".join(f"coalesce({c.fails}, FALSE) AS k{i}" for i, c in enumerate(checks))
        # The lookups are joined to the row ids alone; the few rows they refuse are then
        # fetched whole (carrying every column through the join costs more than it).
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE ctx AS SELECT * FROM (
                SELECT f.rowid AS _rid, {flags} FROM f {" ".join(joins)}
                WHERE f._ok AND NOT f._empty AND f.rowid NOT IN (SELECT _rid FROM dropped))
            WHERE {" OR ".join(f"k{i}" for i in range(len(checks)))}"""
        )
        if _count(con, "ctx"):
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE ctx AS
                SELECT f.*, c.*, {staged.row("f.rowid", "f.")} AS _line
                FROM ctx c JOIN f ON f.rowid = c._rid"""
            )
            recover_raw(con, staged, "ctx")
            flagged = [Check(c.column, c.reason, f"k{i}") for i, c in enumerate(checks)]
            keep_violations(con, table, _details(flagged, "ctx", "_line", name, staged.order, rec))
            con.execute("INSERT INTO dropped SELECT _rid FROM ctx")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW valid AS SELECT *, {staged.row()} AS _line FROM f "
        "WHERE _ok AND NOT _empty AND rowid NOT IN (SELECT _rid FROM dropped)"
    )


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _conflicting_duplicates(con: duckdb.DuckDBPyConnection, staged: Staged, rec: str) -> None:
    """The same key twice in one file, at the same update time, with different content."""
    table = staged.prepared.file.table
    group = [*table.key, *(["updated_at"] if table.has_updated_at else [])]
    content = [c.name for c in table.columns if c.name not in group]
    on = " AND ".join(f"f.{g} IS NOT DISTINCT FROM d.{g}" for g in group)
    key = table.key[0]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE dup AS
        SELECT f.rowid AS _rid, f.* FROM f JOIN (
            SELECT {", ".join(group)} FROM f WHERE NOT _empty GROUP BY ALL
            HAVING count(DISTINCT struct_pack({", ".join(f"{c} := {c}" for c in content)})) > 1
        ) d ON {on} WHERE NOT f._empty"""
    )
    recover_raw(con, staged, "dup")
    check = Check(key, "conflicting_duplicate", "TRUE")
    name = literal(staged.prepared.file.name)
    keep_violations(
        con, table, _details([check], "dup", staged.row("_rid"), name, staged.order, rec)
    )
    con.execute("INSERT INTO dropped SELECT _rid FROM dup")


def describe(reason: str, value: object) -> str:
    if reason == "unknown_value":
        return f"unknown {value!r}"
    return f"{REASONS[reason][1]}: {value!r}"


def read_reference_file(path: Path, table: Table) -> pl.DataFrame:
    """A district's own reference file (the disclosure catalogue, its settings) read as an
    export's file is, with the same rules; any row breaking one stops the load."""
    if not path.is_file():
        raise ExportError(f"{path}: no such file")
    file = ExportFile(str(path), table, path.stat().st_size, path=path)
    with tempfile.TemporaryDirectory(prefix="sunshine-ref-") as work:
        prepared = prepare(file, Path(work), 0)
        con = duckdb.connect()
        try:
            con.execute(VIOLATIONS_DDL)
            staged = stage(con, prepared, 0)
            check_rows(con, staged, None)
            bad = con.execute(
                f"SELECT {ROW}, column_name, value, reason FROM violations ORDER BY {ROW}, reason"
            ).fetchall()
            if bad:
                row, column, value, reason = bad[0]
                if reason == "conflicting_duplicate":
                    raise ExportError(f"{path}: row {row}: {column} {value!r} is listed twice")
                raise ExportError(f"{path}: row {row}, column {column}: {describe(reason, value)}")
            columns = ", ".join(c.name for c in table.columns)
            frame = con.sql(f"SELECT {columns} FROM valid ORDER BY _line").pl()
        finally:
            con.close()
    if table.key and frame.get_column(table.key[0]).is_duplicated().any():
        raise ExportError(f"{path}: a {table.key[0]} is listed twice")
    return frame
