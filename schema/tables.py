"""The platform export's tables as the ETL loads them (shared/platform-export-spec.md).

Each column knows its Chinese and English header, how its text is parsed, whether the
spec requires it and what it must agree with (its pattern, the table it refers to);
each table lists the rules that look at a whole row. The loader compiles these
declarations into its checks (etl/validate.py): nothing about a table's rules lives
anywhere else. Categorical values are stored as the English codes listed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TEXT = "text"
CODE = "code"  # an identifier: kept as text, leading zeros included
TIMESTAMP = "timestamp"
DATE = "date"
INTEGER = "integer"
AMOUNT = "amount"
ENUM = "enum"
BOOLEAN = "boolean"
PERIOD = "period"

SQL_TYPES = {
    TEXT: "VARCHAR",
    CODE: "VARCHAR",
    TIMESTAMP: "TIMESTAMP",
    DATE: "DATE",
    INTEGER: "BIGINT",
    AMOUNT: "DECIMAL(18,2)",
    ENUM: "VARCHAR",
    BOOLEAN: "BOOLEAN",
    PERIOD: "VARCHAR",
}

LEVELS = {"区县": "district", "街道": "street", "村社区": "village"}
PARENT_LEVEL = {"district": None, "street": "district", "village": "street"}


@dataclass(frozen=True)
class Agree:
    """The row's `column` must equal the referenced row's `target` (a period column
    compares its frequency)."""

    column: str
    target: str
    reason: str


@dataclass(frozen=True)
class Ref:
    """The value names a row of `table` (by its key); `reason` when it names none.

    Regions also have a level: `level` (a constant), `level_of` (the level named by
    another column of the row) or `parent` (the level above the row's own `level`)."""

    table: str
    reason: str
    level: str | None = None
    level_of: str | None = None
    parent: bool = False
    agree: tuple[Agree, ...] = ()


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    kind: str
    required: bool = False
    values: dict[str, str] = field(default_factory=dict)  # enum: source text -> code
    default: str | None = None  # enum code used when the cell is empty (only then)
    aliases: tuple[str, ...] = ()  # further headers naming the column
    pattern: tuple[str, str] | None = None  # (regular expression the text must match, reason)
    maximum: int | None = None  # integers: the largest value allowed
    references: Ref | None = None

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class NotBefore:
    """`column`, when given, is not earlier than `other`."""

    column: str
    other: str
    reason: str


@dataclass(frozen=True)
class AnyOf:
    """At least one of `columns` is given (reported against the first)."""

    columns: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # empty: rows are events, identical rows are one event
    optional: bool = False
    rules: tuple[NotBefore | AnyOf, ...] = ()
    # Stored as one immutable file per month of this column (events only), not in the
    # database file: a daily load adds a file instead of rewriting the table.
    partition_by: str | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def has_updated_at(self) -> bool:
        return any(c.name == "updated_at" for c in self.columns)


def _enum(name: str, zh: str, values: dict[str, str], **kw) -> Column:
    # English codes are accepted as well as the Chinese labels.
    return Column(name, zh, ENUM, values={**values, **{v: v for v in values.values()}}, **kw)


VILLAGE = Ref("regions", "unknown_region", level="village")
ADMIN = Ref("admins", "unknown_admin")
USER = Ref("users", "unknown_user")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "regions",
            "行政区划",
            (
                Column(
                    "region_code",
                    "区划代码",
                    CODE,
                    required=True,
                    pattern=(r"^\d{12}$", "invalid_code"),
                ),
                Column("name", "名称", TEXT, required=True),
                _enum("level", "层级", LEVELS, required=True),
                Column(
                    "parent_code",
                    "上级区划代码",
                    CODE,
                    references=Ref("regions", "unknown_region", parent=True),
                ),
                _enum("kind", "类型", {"村": "village", "社区": "community"}),
                Column("households", "户数", INTEGER),
                Column("population", "常住人口", INTEGER),
            ),
            key=("region_code",),
        ),
        Table(
            "admins",
            "管理员",
            (
                Column("admin_id", "管理员ID", CODE, required=True),
                Column("name", "姓名", TEXT),
                _enum("level", "层级", LEVELS, required=True),
                Column(
                    "region_code",
                    "所属区划代码",
                    CODE,
                    required=True,
                    references=Ref("regions", "unknown_region", level_of="level"),
                ),
                Column("trained_on", "培训日期", DATE),
            ),
            key=("admin_id",),
        ),
        Table(
            "users",
            "注册用户",
            (
                Column("user_id", "用户ID", CODE, required=True),
                Column("region_code", "村社区代码", CODE, required=True, references=VILLAGE),
                Column("household_id", "户号", CODE),
                Column("registered_at", "注册时间", TIMESTAMP, required=True),
                _enum(
                    "role", "用户类型", {"群众": "resident", "管理员": "admin"}, default="resident"
                ),
                _enum("status", "状态", {"正常": "active", "注销": "cancelled"}, default="active"),
                Column("cancelled_at", "注销时间", TIMESTAMP),
                Column("updated_at", "更新时间", TIMESTAMP),
            ),
            key=("user_id",),
            rules=(NotBefore("cancelled_at", "registered_at", "before_registration"),),
        ),
        Table(
            "activity",
            "访问日志",
            (
                Column("user_id", "用户ID", CODE, required=True, references=USER),
                Column("ts", "访问时间", TIMESTAMP, required=True),
                _enum(
                    "action",
                    "行为",
                    {"登录": "login", "浏览": "view", "留言": "post", "评价": "rate"},
                    required=True,
                ),
                Column("object_id", "对象ID", CODE),
            ),
            key=(),
            partition_by="ts",
        ),
        Table(
            "disclosures",
            "三务公开",
            (
                Column("disclosure_id", "公开ID", CODE, required=True),
                Column("region_code", "村社区代码", CODE, required=True, references=VILLAGE),
                _enum(
                    "category",
                    "类别",
                    {"党务": "party", "村务": "village", "居务": "village", "财务": "finance"},
                    required=True,
                ),
                Column(
                    "item_code",
                    "事项编码",
                    CODE,
                    required=True,
                    references=Ref(
                        "catalogue",
                        "unknown_item",
                        agree=(
                            Agree("category", "category", "category_mismatch"),
                            Agree("period", "frequency", "period_mismatch"),
                        ),
                    ),
                ),
                Column("title", "标题", TEXT),
                Column("period", "所属期间", PERIOD),
                Column("published_at", "发布时间", TIMESTAMP, required=True),
                Column("publisher_id", "发布人ID", CODE, references=ADMIN),
                Column("reviewed_at", "审核时间", TIMESTAMP),
                Column("reviewer_id", "审核人ID", CODE, references=ADMIN),
                _enum(
                    "status",
                    "状态",
                    {"已发布": "published", "已更正": "corrected", "已撤回": "withdrawn"},
                    default="published",
                ),
                Column("amount", "金额(元)", AMOUNT, aliases=("金额",)),
                Column("payee", "收款方", TEXT),
                Column("updated_at", "更新时间", TIMESTAMP),
            ),
            key=("disclosure_id",),
        ),
        Table(
            "feedback",
            "群众留言",
            (
                Column("feedback_id", "留言ID", CODE, required=True),
                Column("region_code", "村社区代码", CODE, required=True, references=VILLAGE),
                Column("user_id", "用户ID", CODE, references=USER),
                Column("submitted_at", "提交时间", TIMESTAMP, required=True),
                Column("topic", "问题类别", TEXT),
                Column("content", "内容", TEXT),
                Column("first_reply_at", "首次回复时间", TIMESTAMP),
                Column("reply", "回复内容", TEXT),
                Column("closed_at", "办结时间", TIMESTAMP),
                _enum(
                    "status",
                    "状态",
                    {"待回复": "awaiting_reply", "已回复": "replied", "已办结": "closed"},
                ),
                _enum(
                    "satisfaction",
                    "满意度",
                    {
                        "满意": "satisfied",
                        "基本满意": "fairly_satisfied",
                        "不满意": "dissatisfied",
                        "未评价": "not_rated",
                    },
                ),
                Column("handler_id", "处理人ID", CODE, references=ADMIN),
                Column("updated_at", "更新时间", TIMESTAMP),
            ),
            key=("feedback_id",),
            rules=(
                NotBefore("first_reply_at", "submitted_at", "before_submission"),
                NotBefore("closed_at", "submitted_at", "before_submission"),
            ),
        ),
        Table(
            "petitions",
            "信访举报",
            (
                Column("petition_id", "信访件ID", CODE, required=True),
                Column("region_code", "村社区代码", CODE, references=VILLAGE),
                Column(
                    "district_code",
                    "区划代码",
                    CODE,
                    references=Ref("regions", "unknown_region", level="district"),
                ),
                Column("received_at", "受理时间", TIMESTAMP, required=True),
                _enum(
                    "kind",
                    "类型",
                    {
                        "检举控告": "accusation",
                        "申诉": "appeal",
                        "意见建议": "suggestion",
                        "其他": "other",
                    },
                ),
                Column("closed_at", "办结时间", TIMESTAMP),
                Column("bypassed", "越级", BOOLEAN),
            ),
            key=("petition_id",),
            optional=True,
            rules=(
                AnyOf(("region_code", "district_code"), "no_region"),
                NotBefore("closed_at", "received_at", "before_receipt"),
            ),
        ),
    )
}

# The disclosure catalogue, a district's own file read like an export's: any row breaking
# a rule stops the load instead of being kept aside. Due days stay within a year, so that
# every item falling due in a period is found by looking 400 days back (metrics/marts.py).
CATALOGUE = Table(
    "catalogue",
    "公开目录",
    (
        Column("item_code", "事项编码", CODE, required=True),
        _enum(
            "category",
            "类别",
            {"党务": "party", "村务": "village", "财务": "finance"},
            required=True,
        ),
        Column("name_zh", "事项名称", TEXT, required=True),
        Column("name_en", "英文名称", TEXT, required=True),
        _enum(
            "frequency",
            "公开频次",
            {
                "每月": "monthly",
                "每季度": "quarterly",
                "每半年": "semiannual",
                "每年": "annual",
                "随时": "event",
            },
            required=True,
        ),
        Column("due_days", "期限天数", INTEGER, required=True, maximum=366),
    ),
    key=("item_code",),
)

# Loading order: a table is validated against the tables before it.
LOAD_ORDER = ("regions", "admins", "users", "disclosures", "feedback", "petitions", "activity")

# Columns the loader derives and stores beside the spec's columns.
DERIVED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "regions": (("street_code", "VARCHAR"), ("district_code", "VARCHAR")),
    "disclosures": (("period_start", "DATE"), ("period_end", "DATE")),
}

CATALOGUE_DDL = """
CREATE TABLE IF NOT EXISTS catalogue (
    item_code VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    name_zh VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    frequency VARCHAR NOT NULL,
    due_days INTEGER NOT NULL
)"""

BOOKKEEPING_DDL = (
    "CREATE SEQUENCE IF NOT EXISTS load_id_seq START 1",
    """
    CREATE TABLE IF NOT EXISTS loads (
        load_id BIGINT NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL,
        source VARCHAR NOT NULL,
        files INTEGER NOT NULL,
        rows_read BIGINT NOT NULL,
        rows_inserted BIGINT NOT NULL,
        rows_updated BIGINT NOT NULL,
        rows_unchanged BIGINT NOT NULL,
        rows_superseded BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL,
        demo BOOLEAN NOT NULL DEFAULT FALSE  -- made by `etl demo`, not a real export
    )""",
    """
    CREATE TABLE IF NOT EXISTS load_files (
        load_id BIGINT NOT NULL,
        file VARCHAR NOT NULL,
        table_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        bytes BIGINT NOT NULL,
        format VARCHAR NOT NULL,
        rows_read BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL,
        warnings VARCHAR[]
    )""",
    """
    CREATE TABLE IF NOT EXISTS load_tables (
        load_id BIGINT NOT NULL,
        table_name VARCHAR NOT NULL,
        rows_read BIGINT NOT NULL,
        rows_inserted BIGINT NOT NULL,
        rows_updated BIGINT NOT NULL,
        rows_unchanged BIGINT NOT NULL,
        rows_superseded BIGINT NOT NULL,
        rows_quarantined BIGINT NOT NULL
    )""",
    """
    CREATE TABLE IF NOT EXISTS quarantine (
        load_id BIGINT NOT NULL,
        table_name VARCHAR NOT NULL,
        file VARCHAR NOT NULL,
        row_number BIGINT NOT NULL,
        column_name VARCHAR,
        value VARCHAR,
        reason VARCHAR NOT NULL,
        record VARCHAR
    )""",
    # Files written before the demo flag existed: their loads count as real.
    "ALTER TABLE loads ADD COLUMN IF NOT EXISTS demo BOOLEAN DEFAULT FALSE",
)


def table_ddl(table: Table) -> str:
    columns = [f"{c.name} {c.sql_type}" for c in table.columns]
    columns += [f"{name} {sql_type}" for name, sql_type in DERIVED_COLUMNS.get(table.name, ())]
    columns.append("load_id BIGINT NOT NULL")
    return f"CREATE TABLE IF NOT EXISTS {table.name} (\n    " + ",\n    ".join(columns) + "\n)"


def stored_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns] + [n for n, _ in DERIVED_COLUMNS.get(table.name, ())]
