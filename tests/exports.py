"""Build small platform exports by hand, in any of the spec's variants."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import xlsxwriter

from datastore import ReadOnlyDatabase

DISTRICT, STREET, VILLAGE, COMMUNITY = (
    "210111000000",
    "210111001000",
    "210111001201",
    "210111001002",
)

REGIONS = (
    ["区划代码", "名称", "层级", "上级区划代码", "类型", "户数", "常住人口"],
    [
        [DISTRICT, "苏家屯区", "区县", "", "", "", ""],
        [STREET, "解放街道", "街道", DISTRICT, "", "", ""],
        [VILLAGE, "前进村", "村社区", STREET, "村", "100", "260"],
        [COMMUNITY, "广场社区", "村社区", STREET, "社区", "2,000", "5100"],
    ],
)
ADMINS = (
    ["管理员ID", "姓名", "层级", "所属区划代码", "培训日期"],
    [
        ["A1", "王某某", "区县", DISTRICT, "2022-01-05"],
        ["A2", "李某某", "街道", STREET, "2022/1/6"],
        ["A3", "张某某", "村社区", VILLAGE, "2022年1月7日"],
    ],
)
USERS = (
    ["用户ID", "村社区代码", "户号", "注册时间", "用户类型", "状态", "注销时间", "更新时间"],
    [
        ["U1", VILLAGE, f"{VILLAGE}-00001", "2022-01-01 08:00:00", "群众", "正常", "", "2022-01-01 08:00:00"],
        ["U2", VILLAGE, f"{VILLAGE}-00002", "2022-01-02 09:30", "群众", "正常", "", ""],
        ["U3", COMMUNITY, f"{COMMUNITY}-00001", "2022/1/3 10:00", "", "", "", ""],
        ["U4", COMMUNITY, "", "2022年1月4日 11:00", "管理员", "正常", "", ""],
    ],
)  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("gb18030" if encoding == "gb18030" else "utf-8")
    if encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list], title: str | None = None) -> Path:
    """Cells that are datetime objects become native Excel date cells."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    first = 0
    if title:
        sheet.write(0, 0, title)
        first = 1
    for c, name in enumerate(header):
        sheet.write(first, c, name)
    for r, row in enumerate(rows, start=first + 1):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, date_format)
            elif value not in ("", None):
                sheet.write(r, c, value)
    workbook.close()
    return path


def base_export(folder: Path) -> Path:
    """A valid export: one district, one street, a village and a community, three admins,
    four users."""
    write_csv(folder / "regions.csv", *REGIONS)
    write_csv(folder / "admins.csv", *ADMINS, encoding="gb18030")
    write_csv(folder / "users.csv", *USERS, encoding="utf-8-sig")
    return folder


def rows(db: Path, query: str, params: list | None = None) -> list[tuple]:
    """Rows of a query on the database as readers see it (the events' files included)."""
    database = ReadOnlyDatabase(db)
    try:
        return database.cursor().execute(query, params or []).fetchall()
    finally:
        database.close()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every data table's rows, sorted, without the bookkeeping column load_id."""
    tables = ["regions", "admins", "users", "activity", "disclosures", "feedback", "petitions"]
    tables.append("catalogue")
    out = {}
    database = ReadOnlyDatabase(db)
    try:
        con = database.cursor()
        for table in tables:
            found = con.execute(f"SELECT * FROM {table} LIMIT 0").description
            listed = ", ".join(c[0] for c in found if c[0] != "load_id")
            out[table] = con.execute(f"SELECT {listed} FROM {table} ORDER BY ALL").fetchall()
    finally:
        database.close()
    return out
