"""The platform export's tables as the ETL loads them (shared/platform-export-spec.md).

Each column knows its Chinese and English header, how its text is parsed, and whether
the spec requires it. Categorical values are stored as the English codes listed here.
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
class Column:
    name: str
    zh: str
    kind: str
    required: bool = False
    values: dict[str, str] = field(default_factory=dict)  # enum: source text -> code
    default: str | None = None  # enum code used when the cell is empty

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # empty: rows are events, identical rows are one event
    optional: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def has_updated_at(self) -> bool:
        return any(c.name == "updated_at" for c in self.columns)


def _enum(name: str, zh: str, values: dict[str, str], **kw) -> Column:
    # English codes are accepted as well as the Chinese labels.
    return Column(name, zh, ENUM, values={**values, **{v: v for v in values.values()}}, **kw)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "regions",
            "行政区划",
            (
                Column("region_code", "区划代码", CODE, required=True),
                Column("name", "名称", TEXT, required=True),
                _enum("level", "层级", LEVELS, required=True),
                Column("parent_code", "上级区划代码", CODE),
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
                Column("region_code", "所属区划代码", CODE, required=True),
                Column("trained_on", "培训日期", DATE),
            ),
            key=("admin_id",),
        ),
        Table(
            "users",
            "注册用户",
            (
                Column("user_id", "用户ID", CODE, required=True),
                Column("region_code", "村社区代码", CODE, required=True),
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
        ),
        Table(
            "activity",
            "访问日志",
            (
                Column("user_id", "用户ID", CODE, required=True),
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
        ),
        Table(
            "disclosures",
            "三务公开",
            (
                Column("disclosure_id", "公开ID", CODE, required=True),
                Column("region_code", "村社区代码", CODE, required=True),
                _enum(
                    "category",
                    "类别",
                    {"党务": "party", "村务": "village", "居务": "village", "财务": "finance"},
                    required=True,
                ),
                Column("item_code", "事项编码", CODE, required=True),
                Column("title", "标题", TEXT),
                Column("period", "所属期间", PERIOD),
                Column("published_at", "发布时间", TIMESTAMP, required=True),
                Column("publisher_id", "发布人ID", CODE),
                Column("reviewed_at", "审核时间", TIMESTAMP),
                Column("reviewer_id", "审核人ID", CODE),
                _enum(
                    "status",
                    "状态",
                    {"已发布": "published", "已更正": "corrected", "已撤回": "withdrawn"},
                    default="published",
                ),
                Column("amount", "金额(元)", AMOUNT),
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
                Column("region_code", "村社区代码", CODE, required=True),
                Column("user_id", "用户ID", CODE),
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
                Column("handler_id", "处理人ID", CODE),
                Column("updated_at", "更新时间", TIMESTAMP),
            ),
            key=("feedback_id",),
        ),
        Table(
            "petitions",
            "信访举报",
            (
                Column("petition_id", "信访件ID", CODE, required=True),
                Column("region_code", "村社区代码", CODE),
                Column("district_code", "区划代码", CODE),
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
        ),
    )
}

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
