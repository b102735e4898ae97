"""Turn the text of an export's files into typed rows, keeping aside every row that breaks a rule.

All parsing and checking is vectorised in Polars. A row breaking several rules is reported
once per rule; it is counted once.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from etl.readers import ROW, RawTable
from schema.tables import (
    AMOUNT,
    BOOLEAN,
    CODE,
    DATE,
    ENUM,
    INTEGER,
    PARENT_LEVEL,
    PERIOD,
    TEXT,
    TIMESTAMP,
    Table,
)

FILE = "_file"
FILE_ORDER = "_file_order"
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
    "invalid_code": ("区划代码应为12位数字", "division code must be 12 digits"),
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

_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S%.f")
_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


def parse_datetime(text: pl.Expr) -> pl.Expr:
    """Every date-time form of the spec (`2022-08-01 14:33:57`, `2022-08-01 14:33`,
    `2022/8/1 14:33`, `2022年8月1日 14:33`, ISO with T), a date alone meaning 00:00;
    null if none fits. Separators are unified first so that a few exact formats cover all."""
    unified = (
        text.str.replace_all(r"\s*[/年月]\s*", "-")
        .str.replace_all(r"\s*日\s*|T", " ")
        .str.replace_all("：", ":")
        .str.strip_chars()
    )
    return pl.coalesce(
        unified.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in _DATETIME_FORMATS
    )


def parse_amount(text: pl.Expr) -> pl.Expr:
    """Numbers and text such as `1,234.50`, `1234.5元`, `¥1,234`."""
    cleaned = text.str.replace_all(r"[,，\s元¥￥]|^RMB|^CNY", "")
    return cleaned.cast(pl.Decimal(18, 2), strict=False)


def parse_integer(text: pl.Expr) -> pl.Expr:
    cleaned = text.str.replace_all(r"[,，\s]", "").str.replace(r"\.0+$", "")
    return cleaned.cast(pl.Int64, strict=False)


def parse_boolean(text: pl.Expr) -> pl.Expr:
    mapping = {"是": True, "否": False, "y": True, "n": False, "yes": True, "no": False}
    mapping |= {"true": True, "false": False, "1": True, "0": False}
    return text.str.to_lowercase().replace_strict(mapping, default=None, return_dtype=pl.Boolean)


def parse_period(text: pl.Expr) -> dict[str, pl.Expr]:
    """A disclosure's period label: its normalised form, first and last day, and frequency."""
    t = text.str.replace_all(r"\s", "")
    month = t.str.extract_groups(r"^(\d{4})[-/.年](\d{1,2})月?$")
    quarter = t.str.extract_groups(r"^(\d{4})(?:-?[Qq]|年?第)([1-4一二三四])(?:季度)?$")
    half = t.str.extract_groups(r"^(\d{4})(?:-?[Hh]([12])|年?([上下])半年)$")
    year = t.str.extract(r"^(\d{4})年?度?$", 1)
    event = parse_datetime(t)

    m_year, m_month = month.struct.field("1").cast(pl.Int32), month.struct.field("2")
    m_month = m_month.cast(pl.Int32)
    q_year = quarter.struct.field("1").cast(pl.Int32)
    q = quarter.struct.field("2").replace(_CN_DIGITS).cast(pl.Int32)
    h_year = half.struct.field("1").cast(pl.Int32)
    h = pl.coalesce(
        half.struct.field("2").cast(pl.Int32),
        half.struct.field("3").replace_strict({"上": 1, "下": 2}, default=None),
    )
    y = year.cast(pl.Int32)
    valid_month = m_month.is_between(1, 12)

    def first(yy: pl.Expr, mm: pl.Expr) -> pl.Expr:
        return pl.date(yy, mm, 1)

    start = (
        pl.when(valid_month)
        .then(first(m_year, m_month))
        .when(q.is_not_null())
        .then(first(q_year, (q - 1) * 3 + 1))
        .when(h.is_not_null())
        .then(first(h_year, (h - 1) * 6 + 1))
        .when(y.is_not_null())
        .then(first(y, pl.lit(1)))
        .otherwise(event.dt.date())
    )
    end = (
        pl.when(valid_month)
        .then(first(m_year, m_month).dt.month_end())
        .when(q.is_not_null())
        .then(first(q_year, q * 3).dt.month_end())
        .when(h.is_not_null())
        .then(first(h_year, h * 6).dt.month_end())
        .when(y.is_not_null())
        .then(pl.date(y, 12, 31))
        .otherwise(event.dt.date())
    )
    frequency = (
        pl.when(valid_month)
        .then(pl.lit("monthly"))
        .when(q.is_not_null())
        .then(pl.lit("quarterly"))
        .when(h.is_not_null())
        .then(pl.lit("semiannual"))
        .when(y.is_not_null())
        .then(pl.lit("annual"))
        .when(event.is_not_null())
        .then(pl.lit("event"))
    )
    label = (
        pl.when(valid_month)
        .then(start.dt.strftime("%Y-%m"))
        .when(q.is_not_null())
        .then(pl.format("{}Q{}", q_year, q))
        .when(h.is_not_null())
        .then(pl.format("{}H{}", h_year, h))
        .when(y.is_not_null())
        .then(y.cast(pl.String))
        .otherwise(start.dt.strftime("%Y-%m-%d"))
    )
    return {"label": label, "start": start, "end": end, "frequency": frequency}


_PARSE_FAILURE = {
    TIMESTAMP: "unparseable_datetime",
    DATE: "unparseable_date",
    AMOUNT: "unparseable_amount",
    INTEGER: "unparseable_integer",
    BOOLEAN: "unparseable_boolean",
    ENUM: "unknown_value",
    PERIOD: "unparseable_period",
}


@dataclass
class Check:
    """Rows for which `fails` is true break `reason`, reported against `column`."""

    column: str | None
    reason: str
    fails: pl.Expr


def _typed_expr(table: Table, name: str) -> pl.Expr:
    column = table.column(name)
    raw = pl.col(name)
    if column.kind in (TEXT, CODE):
        return raw
    if column.kind == TIMESTAMP:
        return parse_datetime(raw)
    if column.kind == DATE:
        return parse_datetime(raw).dt.date()
    if column.kind == AMOUNT:
        return parse_amount(raw)
    if column.kind == INTEGER:
        return parse_integer(raw)
    if column.kind == BOOLEAN:
        return parse_boolean(raw)
    if column.kind == ENUM:
        typed = raw.replace_strict(column.values, default=None, return_dtype=pl.String)
        return typed if column.default is None else typed.fill_null(pl.lit(column.default))
    if column.kind == PERIOD:
        return parse_period(raw)["label"]
    raise ValueError(column.kind)


def _violations(frame: pl.DataFrame, checks: list[Check]) -> pl.DataFrame:
    parts = []
    for check in checks:
        value = pl.col(f"raw_{check.column}") if check.column else pl.lit(None, pl.String)
        parts.append(
            frame.filter(check.fails.fill_null(False)).select(
                FILE,
                FILE_ORDER,
                ROW,
                pl.lit(check.column, pl.String).alias("column_name"),
                value.alias("value"),
                pl.lit(check.reason).alias("reason"),
                RECORD,
            )
        )
    return pl.concat(parts) if parts else empty_violations()


def empty_violations() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            FILE: pl.String,
            FILE_ORDER: pl.Int32,
            ROW: pl.Int64,
            "column_name": pl.String,
            "value": pl.String,
            "reason": pl.String,
            RECORD: pl.String,
        }
    )


def parse_file(raw: RawTable, file_order: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed rows of one file (with the raw text kept as raw_*) and its row-level violations."""
    table = raw.file.table
    spec_columns = [c.name for c in table.columns]
    frame = raw.frame.with_columns(
        pl.lit(None, pl.String).alias(c) for c in spec_columns if c not in raw.frame.columns
    )
    raw_columns = [c for c in spec_columns if c in raw.columns_present]
    frame = frame.select(
        pl.lit(raw.file.name).alias(FILE),
        pl.lit(file_order, pl.Int32).alias(FILE_ORDER),
        ROW,
        pl.struct(raw_columns).struct.json_encode().alias(RECORD),
        *[pl.col(c).alias(f"raw_{c}") for c in spec_columns],
        *[_typed_expr(table, c).alias(c) for c in spec_columns],
        *_derived_exprs(table),
    )
    checks: list[Check] = []
    for column in table.columns:
        raw_value, typed = pl.col(f"raw_{column.name}"), pl.col(column.name)
        if column.required:
            checks.append(Check(column.name, "missing_value", raw_value.is_null()))
        if column.kind in _PARSE_FAILURE:
            failed = raw_value.is_not_null() & typed.is_null()
            checks.append(Check(column.name, _PARSE_FAILURE[column.kind], failed))
        if column.kind in (AMOUNT, INTEGER):
            checks.append(Check(column.name, "negative_value", typed < 0))
    checks += _row_rules(table)
    violations = _violations(frame, checks)
    if table.key:
        violations = pl.concat([violations, _conflicting_duplicates(frame, table)])
    return frame, violations


def _derived_exprs(table: Table) -> list[pl.Expr]:
    if table.name != "disclosures":
        return []
    period = parse_period(pl.col("period"))
    return [
        period["start"].alias("period_start"),
        period["end"].alias("period_end"),
        period["frequency"].alias("_period_frequency"),
    ]


def _row_rules(table: Table) -> list[Check]:
    """Rules that look at one row alone, beyond the type of each cell."""
    c = pl.col
    if table.name == "regions":
        return [Check("region_code", "invalid_code", ~c("region_code").str.contains(r"^\d{12}$"))]
    if table.name == "users":
        return [
            Check("cancelled_at", "before_registration", c("cancelled_at") < c("registered_at"))
        ]
    if table.name == "feedback":
        return [
            Check("first_reply_at", "before_submission", c("first_reply_at") < c("submitted_at")),
            Check("closed_at", "before_submission", c("closed_at") < c("submitted_at")),
        ]
    if table.name == "petitions":
        no_region = c("raw_region_code").is_null() & c("raw_district_code").is_null()
        return [
            Check("region_code", "no_region", no_region),
            Check("closed_at", "before_receipt", c("closed_at") < c("received_at")),
        ]
    return []


def _conflicting_duplicates(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    """The same key twice in one file, at the same update time, with different content."""
    group = [FILE, *table.key, *(["updated_at"] if table.has_updated_at else [])]
    content = [c.name for c in table.columns if c.name not in group]
    conflicting = (
        frame.group_by(group)
        .agg(pl.struct(content).n_unique().alias("versions"))
        .filter(pl.col("versions") > 1)
        .drop("versions")
    )
    if conflicting.is_empty():
        return empty_violations()
    key = table.key[0]
    return frame.join(conflicting, on=group, nulls_equal=True).select(
        FILE,
        FILE_ORDER,
        ROW,
        pl.lit(key).alias("column_name"),
        pl.col(f"raw_{key}").alias("value"),
        pl.lit("conflicting_duplicate").alias("reason"),
        RECORD,
    )


@dataclass
class References:
    """What rows are checked against: existing rows merged with the ones this load brings."""

    regions: pl.DataFrame  # region_code, level
    catalogue: pl.DataFrame  # item_code, category, frequency
    admin_ids: pl.Series
    user_ids: pl.Series


def _region_checks(column: str, level: str | pl.Expr) -> list[Check]:
    return [
        Check(
            column, "unknown_region", pl.col(column).is_not_null() & pl.col("_ref_level").is_null()
        ),
        Check(column, "wrong_region_level", pl.col("_ref_level") != level),
    ]


def _with_region_level(frame: pl.DataFrame, column: str, refs: References) -> pl.DataFrame:
    lookup = refs.regions.select(
        pl.col("region_code").alias(column), pl.col("level").alias("_ref_level")
    )
    return frame.drop("_ref_level", strict=False).join(lookup, on=column, how="left")


def _membership(frame: pl.DataFrame, column: str, ids: pl.Series, reason: str) -> pl.DataFrame:
    known = frame.get_column(column).is_in(ids.implode(), nulls_equal=False)
    fails = frame.get_column(column).is_not_null() & ~known
    return _violations(
        frame.with_columns(fails.alias("_fails")), [Check(column, reason, pl.col("_fails"))]
    )


def context_violations(frame: pl.DataFrame, table: Table, refs: References) -> pl.DataFrame:
    """Rules that need other tables: regions, the catalogue, users and administrators."""
    parts = []
    if table.name == "regions":
        parents = refs.regions.select(
            pl.col("region_code").alias("parent_code"), pl.col("level").alias("_parent_level")
        )
        checked = frame.join(parents, on="parent_code", how="left").with_columns(
            pl.col("level").replace_strict(PARENT_LEVEL, default=None).alias("_expected")
        )
        checks = [
            Check(
                "parent_code",
                "unknown_region",
                pl.col("parent_code").is_not_null() & pl.col("_parent_level").is_null(),
            ),
            Check(
                "parent_code",
                "wrong_region_level",
                (pl.col("_parent_level") != pl.col("_expected"))
                | (pl.col("_expected").is_null() & pl.col("parent_code").is_not_null())
                | (pl.col("_expected").is_not_null() & pl.col("parent_code").is_null()),
            ),
        ]
        parts.append(_violations(checked, checks))
    elif table.name == "admins":
        checked = _with_region_level(frame, "region_code", refs)
        parts.append(_violations(checked, _region_checks("region_code", pl.col("level"))))
    elif table.name in ("users", "disclosures", "feedback"):
        checked = _with_region_level(frame, "region_code", refs)
        parts.append(_violations(checked, _region_checks("region_code", "village")))
    elif table.name == "petitions":
        checked = _with_region_level(frame, "region_code", refs)
        parts.append(_violations(checked, _region_checks("region_code", "village")))
        checked = _with_region_level(frame, "district_code", refs)
        parts.append(_violations(checked, _region_checks("district_code", "district")))

    if table.name == "disclosures":
        items = refs.catalogue.select(
            "item_code",
            pl.col("category").alias("_item_category"),
            pl.col("frequency").alias("_item_frequency"),
        )
        checked = frame.join(items, on="item_code", how="left")
        checks = [
            Check("item_code", "unknown_item", pl.col("_item_category").is_null()),
            Check("category", "category_mismatch", pl.col("category") != pl.col("_item_category")),
            Check(
                "period",
                "period_mismatch",
                pl.col("_period_frequency") != pl.col("_item_frequency"),
            ),
        ]
        parts.append(_violations(checked, checks))
        for column in ("publisher_id", "reviewer_id"):
            parts.append(_membership(frame, column, refs.admin_ids, "unknown_admin"))
    if table.name == "feedback":
        parts.append(_membership(frame, "user_id", refs.user_ids, "unknown_user"))
        parts.append(_membership(frame, "handler_id", refs.admin_ids, "unknown_admin"))
    if table.name == "activity":
        parts.append(_membership(frame, "user_id", refs.user_ids, "unknown_user"))
    return pl.concat(parts) if parts else empty_violations()


def _row_key() -> pl.Expr:
    return pl.col(FILE_ORDER).cast(pl.Int64) * (1 << 32) + pl.col(ROW)


def without(frame: pl.DataFrame, violations: pl.DataFrame) -> pl.DataFrame:
    """The rows of `frame` that broke no rule."""
    if violations.is_empty():
        return frame
    bad = violations.select(_row_key()).to_series().unique()
    return frame.filter(~_row_key().is_in(bad.implode()))
