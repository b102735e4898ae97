"""Every variant the export spec allows loads to the same rows."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal

import pytest

from tests.exports import (
    ADMINS,
    COMMUNITY,
    REGIONS,
    USERS,
    VILLAGE,
    base_export,
    rows,
    write_csv,
    write_xlsx,
)

DISCLOSURE_HEADER = [
    "公开ID",
    "村社区代码",
    "类别",
    "事项编码",
    "所属期间",
    "发布时间",
    "金额(元)",
    "收款方",
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_reads_csv_in_each_encoding(tmp_path, load, db, encoding):
    folder = tmp_path / "export"
    write_csv(folder / "regions.csv", *REGIONS, encoding=encoding)
    write_csv(folder / "users.csv", *USERS, encoding=encoding)
    load(folder)
    assert rows(db, "SELECT name FROM regions WHERE region_code = ?", [COMMUNITY]) == [
        ("广场社区",)
    ]
    assert rows(db, "SELECT count(*) FROM users") == [(4,)]
    fmt = rows(db, "SELECT DISTINCT format FROM load_files")
    assert fmt == [
        ({"utf-8": "csv-utf8", "utf-8-sig": "csv-utf8-bom"}.get(encoding, "csv-gb18030"),)
    ]


@pytest.mark.parametrize("title", [None, "苏家屯区阳光三务数据导出"])
def test_reads_xlsx_with_or_without_a_title_row(tmp_path, load, db, title):
    folder = tmp_path / "export"
    header, body = REGIONS
    # Excel keeps numbers as numbers: households arrive as 100.0.
    body = [[*r[:5], float(r[5].replace(",", "")) if r[5] else "", r[6]] for r in body]
    write_xlsx(folder / "Regions-20220801.xlsx", header, body, title=title)
    result = load(folder)
    assert result.tables["regions"].inserted == 4
    assert rows(db, "SELECT households FROM regions WHERE region_code = ?", [COMMUNITY]) == [
        (2000,)
    ]
    first_row = rows(db, "SELECT min(row_number) FROM quarantine")
    assert first_row == [(None,)]


def test_reads_english_headers_in_any_order_and_warns_of_extra_columns(tmp_path, load, db):
    folder = base_export(tmp_path / "export")
    header = ["ts", "备注", "action", "User_ID", "object_id"]
    write_csv(
        folder / "activity_1.csv",
        header,
        [
            ["2022-08-01 10:00:00", "x", "登录", "U1", ""],
            ["2022-08-01 10:05", "", "view", "U2", "D9"],
        ],
    )
    result = load(folder)
    assert rows(db, "SELECT user_id, ts, action, object_id FROM activity ORDER BY ts") == [
        ("U1", dt.datetime(2022, 8, 1, 10, 0), "login", None),
        ("U2", dt.datetime(2022, 8, 1, 10, 5), "view", "D9"),
    ]
    assert "export/activity_1.csv: unknown column '备注' ignored" in result.warnings


def test_parses_every_documented_date_time_form_and_excel_date_cells(tmp_path, load, db):
    folder = base_export(tmp_path / "export")
    header = ["用户ID", "访问时间", "行为"]
    forms = [
        "2022-08-01 14:33:57",
        "2022-08-01 14:33",
        "2022/8/1 14:34",
        "2022年8月1日 14:35",
        "2022-08-02",
        "2022-08-02T06:07:08",
        "2022-08-02 06:07:09.250",
    ]
    write_csv(folder / "activity_a.csv", header, [["U1", f, "浏览"] for f in forms])
    write_xlsx(folder / "activity_b.xlsx", header, [["U2", dt.datetime(2022, 8, 3, 9, 15), "登录"]])
    load(folder)
    assert [t for (t,) in rows(db, "SELECT ts FROM activity ORDER BY ts")] == [
        dt.datetime(2022, 8, 1, 14, 33, 0),
        dt.datetime(2022, 8, 1, 14, 33, 57),
        dt.datetime(2022, 8, 1, 14, 34),
        dt.datetime(2022, 8, 1, 14, 35),
        dt.datetime(2022, 8, 2, 0, 0),
        dt.datetime(2022, 8, 2, 6, 7, 8),
        dt.datetime(2022, 8, 2, 6, 7, 9, 250_000),
        dt.datetime(2022, 8, 3, 9, 15),
    ]
    assert rows(db, "SELECT trained_on FROM admins ORDER BY admin_id") == [
        (dt.date(2022, 1, 5),),
        (dt.date(2022, 1, 6),),
        (dt.date(2022, 1, 7),),
    ]


def test_reads_amounts_written_as_text_and_both_names_of_the_village_category(tmp_path, load, db):
    folder = base_export(tmp_path / "export")
    write_csv(
        folder / "disclosures_1.csv",
        DISCLOSURE_HEADER,
        [
            ["D1", VILLAGE, "财务", "FW01", "2022-07", "2022-08-05 10:00", "1,234.50", "张某"],
            ["D2", VILLAGE, "财务", "FW01", "2022-07", "2022-08-05 10:00", "1234.5元", "李某"],
            ["D3", VILLAGE, "财务", "FW01", "2022-07", "2022-08-05 10:00", "¥1,234", "李某"],
            ["D4", VILLAGE, "财务", "FW01", "2022-07", "2022-08-05 10:00", "88", "李某"],
            ["D5", VILLAGE, "村务", "CW02", "2022Q3", "2022-10-05 10:00", "", ""],
            ["D6", COMMUNITY, "居务", "CW02", "2022年第三季度", "2022-10-05 10:00", "", ""],
            ["D7", VILLAGE, "党务", "DW03", "2022H1", "2022-07-05 10:00", "", ""],
            ["D8", VILLAGE, "党务", "DW03", "2022年下半年", "2023-01-05 10:00", "", ""],
            ["D9", VILLAGE, "党务", "DW06", "2022", "2023-01-05 10:00", "", ""],
            ["D10", VILLAGE, "党务", "DW01", "2022-08-27", "2022-08-29 10:00", "", ""],
        ],
    )
    load(folder)
    assert rows(
        db, "SELECT disclosure_id, category, amount, period, period_start, period_end "
        "FROM disclosures ORDER BY length(disclosure_id), disclosure_id",
    ) == [
        ("D1", "finance", Decimal("1234.50"), "2022-07", dt.date(2022, 7, 1), dt.date(2022, 7, 31)),
        ("D2", "finance", Decimal("1234.50"), "2022-07", dt.date(2022, 7, 1), dt.date(2022, 7, 31)),
        ("D3", "finance", Decimal("1234.00"), "2022-07", dt.date(2022, 7, 1), dt.date(2022, 7, 31)),
        ("D4", "finance", Decimal("88.00"), "2022-07", dt.date(2022, 7, 1), dt.date(2022, 7, 31)),
        ("D5", "village", None, "2022Q3", dt.date(2022, 7, 1), dt.date(2022, 9, 30)),
        ("D6", "village", None, "2022Q3", dt.date(2022, 7, 1), dt.date(2022, 9, 30)),
        ("D7", "party", None, "2022H1", dt.date(2022, 1, 1), dt.date(2022, 6, 30)),
        ("D8", "party", None, "2022H2", dt.date(2022, 7, 1), dt.date(2022, 12, 31)),
        ("D9", "party", None, "2022", dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
        ("D10", "party", None, "2022-08-27", dt.date(2022, 8, 27), dt.date(2022, 8, 27)),
    ]  # fmt: skip


def test_many_files_per_table_and_codes_keep_leading_zeros(tmp_path, load, db):
    folder = tmp_path / "export"
    write_csv(folder / "regions.csv", *REGIONS)
    header, body = USERS
    write_csv(folder / "users_1.csv", header, body[:2])
    write_csv(
        folder / "USERS_2.csv", header, [["007", VILLAGE, "0001", "2022-01-01", "", "", "", ""]]
    )
    write_csv(folder / "users-3.csv", header, body[2:], encoding="gb18030")
    load(folder)
    assert rows(db, "SELECT user_id, household_id FROM users ORDER BY user_id") == [
        ("007", "0001"),
        ("U1", f"{VILLAGE}-00001"),
        ("U2", f"{VILLAGE}-00002"),
        ("U3", f"{COMMUNITY}-00001"),
        ("U4", None),  # an empty cell is null
    ]
    assert rows(db, "SELECT role, status FROM users WHERE user_id = 'U3'") == [
        ("resident", "active")
    ]


def test_reads_a_zip_export_with_gbk_file_names(tmp_path, load, db):
    folder = base_export(tmp_path / "export")
    archive = tmp_path / "导出.zip"
    # Windows archivers store GBK names without zip's UTF-8 flag. Python always sets the flag
    # for non-ASCII names, so write ASCII names of the same length and patch in GBK bytes.
    gbk_folder = "导出".encode("gbk")
    with zipfile.ZipFile(archive, "w") as z:
        for path in folder.iterdir():
            z.write(path, "XXXX/" + path.name)
        z.writestr("XXXX/YYYY.txt", "这不是数据文件")
    data = archive.read_bytes().replace(b"XXXX/", gbk_folder + b"/")
    archive.write_bytes(data.replace(b"YYYY.txt", "说明".encode("gbk") + b".txt"))
    result = load(archive)
    assert result.tables["users"].inserted == 4
    assert "导出.zip/导出/说明.txt: not a data file, ignored" in result.warnings
    assert rows(db, "SELECT count(*) FROM load_files WHERE file LIKE '导出.zip/导出/%'") == [(3,)]


def test_admins_header_variants_with_full_width_brackets(tmp_path, load, db):
    folder = base_export(tmp_path / "export")
    header = ["公开ID", "村社区代码", "类别", "事项编码", "发布时间", "金额（元）"]
    write_csv(
        folder / "disclosures.csv", header, [["D1", VILLAGE, "财务", "FW05", "2022-08-01", "5"]]
    )
    load(folder)
    assert rows(db, "SELECT amount FROM disclosures") == [(Decimal("5.00"),)]
    assert len(ADMINS[1]) == rows(db, "SELECT count(*) FROM admins")[0][0]
