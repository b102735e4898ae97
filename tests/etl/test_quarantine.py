"""Each rule of the spec keeps its breaking row aside, names it, and loads the rest."""

from __future__ import annotations

from etl.validate import REASONS
from tests.exports import COMMUNITY, DISTRICT, STREET, VILLAGE, base_export, rows, write_csv

FEEDBACK = [
    "留言ID",
    "村社区代码",
    "用户ID",
    "提交时间",
    "首次回复时间",
    "办结时间",
    "状态",
    "满意度",
    "处理人ID",
]
DISCLOSURES = [
    "公开ID",
    "村社区代码",
    "类别",
    "事项编码",
    "所属期间",
    "发布时间",
    "发布人ID",
    "审核人ID",
    "金额(元)",
]

# (table, file, rows, expected quarantine lines as (row_number, column, value, reason))
CASES = [
    ("regions", ["区划代码", "名称", "层级", "上级区划代码", "户数"], [
        ["21011100100", "短代码村", "村社区", STREET, "1"],
        ["210111001300", "无上级村", "村社区", "210111009000", "1"],
        ["210111001301", "错层级村", "村社区", DISTRICT, "1"],
        ["210111001302", "负户数村", "村社区", STREET, "-3"],
        ["210111001303", "小数户村", "村社区", STREET, "3.5"],
        ["210111001304", "未知层级", "组", STREET, "1"],
        ["", "无代码", "村社区", STREET, "1"],
    ], [
        (2, "region_code", "21011100100", "invalid_code"),
        (3, "parent_code", "210111009000", "unknown_region"),
        (4, "parent_code", DISTRICT, "wrong_region_level"),
        (5, "households", "-3", "negative_value"),
        (6, "households", "3.5", "unparseable_integer"),
        (7, "level", "组", "unknown_value"),
        (8, "region_code", None, "missing_value"),
    ]),
    ("admins", ["管理员ID", "层级", "所属区划代码", "培训日期"], [
        ["A9", "街道", VILLAGE, "2022-01-01"],
        ["A8", "村社区", VILLAGE, "去年"],
    ], [
        (2, "region_code", VILLAGE, "wrong_region_level"),
        (3, "trained_on", "去年", "unparseable_date"),
    ]),
    ("users", ["用户ID", "村社区代码", "注册时间", "状态", "注销时间"], [
        ["U9", STREET, "2022-01-01", "正常", ""],
        ["U8", VILLAGE, "2022-02-01", "注销", "2022-01-01"],
        ["U7", "210111001999", "2022-02-01", "正常", ""],
        ["U6", VILLAGE, "2022-02-30", "正常", ""],
    ], [
        (2, "region_code", STREET, "wrong_region_level"),
        (3, "cancelled_at", "2022-01-01", "before_registration"),
        (4, "region_code", "210111001999", "unknown_region"),
        (5, "registered_at", "2022-02-30", "unparseable_datetime"),
    ]),
    ("disclosures", DISCLOSURES, [
        ["D1", VILLAGE, "财务", "XX99", "2022-07", "2022-08-01", "A3", "A2", "1"],
        ["D2", VILLAGE, "党务", "FW01", "2022-07", "2022-08-01", "A3", "A2", "1"],
        ["D3", VILLAGE, "财务", "FW01", "2022Q3", "2022-10-01", "A3", "A2", "1"],
        ["D4", VILLAGE, "财务", "FW01", "七月", "2022-08-01", "A3", "A2", "1"],
        ["D5", VILLAGE, "财务", "FW01", "2022-07", "2022-08-01", "A404", "A2", "1"],
        ["D6", VILLAGE, "财务", "FW01", "2022-07", "2022-08-01", "A3", "A2", "一千元"],
        ["D7", VILLAGE, "财务", "FW01", "2022-07", "2022-08-01", "A3", "A2", "-1"],
        ["D8", VILLAGE, "杂务", "FW01", "2022-07", "2022-08-01", "A3", "A2", "1"],
    ], [
        (2, "item_code", "XX99", "unknown_item"),
        (3, "category", "党务", "category_mismatch"),
        (4, "period", "2022Q3", "period_mismatch"),
        (5, "period", "七月", "unparseable_period"),
        (6, "publisher_id", "A404", "unknown_admin"),
        (7, "amount", "一千元", "unparseable_amount"),
        (8, "amount", "-1", "negative_value"),
        (9, "category", "杂务", "unknown_value"),
    ]),
    ("feedback", FEEDBACK, [
        ["F1", VILLAGE, "U1", "2022-08-01 10:00", "2022-08-01 09:59", "", "已回复", "", "A3"],
        ["F2", VILLAGE, "U1", "2022-08-01 10:00", "", "2022-07-31", "已办结", "", "A3"],
        ["F3", VILLAGE, "U404", "2022-08-01 10:00", "", "", "待回复", "", "A3"],
        ["F4", VILLAGE, "U1", "2022-08-01 10:00", "", "", "待回复", "很好", "A3"],
        ["F5", VILLAGE, "U1", "2022-08-01 10:00", "", "", "待回复", "", "A1"],
        ["F6", VILLAGE, "U1", "2022-08-01 10:00", "", "", "待回复", "", "A707"],
    ], [
        (2, "first_reply_at", "2022-08-01 09:59", "before_submission"),
        (3, "closed_at", "2022-07-31", "before_submission"),
        (4, "user_id", "U404", "unknown_user"),
        (5, "satisfaction", "很好", "unknown_value"),
        (7, "handler_id", "A707", "unknown_admin"),
    ]),
    ("petitions", ["信访件ID", "村社区代码", "区划代码", "受理时间", "办结时间", "越级"], [
        ["P1", "", "", "2022-08-01", "", "否"],
        ["P2", "", VILLAGE, "2022-08-01", "", "否"],
        ["P3", VILLAGE, "", "2022-08-01", "2022-07-01", "否"],
        ["P4", COMMUNITY, "", "2022-08-01", "", "也许"],
    ], [
        (2, "region_code", None, "no_region"),
        (3, "district_code", VILLAGE, "wrong_region_level"),
        (4, "closed_at", "2022-07-01", "before_receipt"),
        (5, "bypassed", "也许", "unparseable_boolean"),
    ]),
    ("activity", ["用户ID", "访问时间", "行为", "对象ID"], [
        ["U404", "2022-08-01 10:00", "浏览", ""],
        ["U1", "", "浏览", ""],
        ["U1", "2022-08-01 10:00", "点赞", ""],
        ["U1", "2022-08-01 10:00", "浏览", "D1\x1b[2J"],
    ], [
        (2, "user_id", "U404", "unknown_user"),
        (3, "ts", None, "missing_value"),
        (4, "action", "点赞", "unknown_value"),
        (5, "object_id", "D1\x1b[2J", "control_character"),
    ]),
]  # fmt: skip


def test_each_rule_quarantines_its_row_and_loads_the_rest(tmp_path, load, db):
    folder = base_export(tmp_path / "export")
    for table, header, body, _ in CASES:
        write_csv(folder / f"{table}_bad.csv", header, body)
    result = load(folder)
    for table, _, _, expected in CASES:
        found = rows(
            db,
            "SELECT row_number, column_name, value, reason FROM quarantine "
            "WHERE file = ? ORDER BY row_number, reason",
            [f"export/{table}_bad.csv"],
        )
        assert found == expected, table
        bad_rows = {e[0] for e in expected}
        assert result.tables[table].quarantined == len(bad_rows), table
    # Rows that broke nothing did load: the admin's message (F5) and the valid users.
    assert rows(db, "SELECT feedback_id FROM feedback") == [("F5",)]
    assert rows(db, "SELECT count(*) FROM users") == [(4,)]


def test_every_reason_has_a_case_and_a_description():
    covered = {e[3] for _, _, _, expected in CASES for e in expected}
    covered.add("conflicting_duplicate")  # tested below
    covered.add("out_of_range")  # only the catalogue has a maximum: tests/etl/test_fatal.py
    assert covered == set(REASONS)
    for zh, en in REASONS.values():
        assert zh and en


def test_keeps_the_whole_record_beside_the_reason(tmp_path, load, db):
    folder = base_export(tmp_path / "export")
    write_csv(
        folder / "activity.csv", ["用户ID", "访问时间", "行为"], [["U404", "2022-08-01", "浏览"]]
    )
    load(folder)
    assert rows(db, "SELECT record FROM quarantine") == [
        ('{"user_id":"U404","ts":"2022-08-01","action":"浏览"}',)
    ]


def test_same_key_twice_in_one_file_with_different_content_is_quarantined(tmp_path, load, db):
    folder = base_export(tmp_path / "export")
    header = ["留言ID", "村社区代码", "提交时间", "内容", "更新时间"]
    write_csv(
        folder / "feedback.csv",
        header,
        [
            ["F1", VILLAGE, "2022-08-01 10:00", "路灯坏了", "2022-08-01 10:00"],
            ["F1", VILLAGE, "2022-08-01 10:00", "水管坏了", "2022-08-01 10:00"],
            ["F2", VILLAGE, "2022-08-01 10:00", "同一行两次", "2022-08-01 10:00"],
            ["F2", VILLAGE, "2022-08-01 10:00", "同一行两次", "2022-08-01 10:00"],
            ["F3", VILLAGE, "2022-08-01 10:00", "先", "2022-08-01 10:00"],
            ["F3", VILLAGE, "2022-08-01 10:00", "后来改了", "2022-08-02 10:00"],
        ],
    )
    result = load(folder)
    assert rows(db, "SELECT row_number, reason FROM quarantine") == [
        (2, "conflicting_duplicate"),
        (3, "conflicting_duplicate"),
    ]
    # An identical repeat is one record; a later update is the record's newer version.
    assert rows(db, "SELECT feedback_id, content FROM feedback ORDER BY 1") == [
        ("F2", "同一行两次"),
        ("F3", "后来改了"),
    ]
    assert result.tables["feedback"].superseded == 2


def test_children_of_a_quarantined_region_are_quarantined_too(tmp_path, load, db):
    folder = tmp_path / "export"
    write_csv(
        folder / "regions.csv",
        ["区划代码", "名称", "层级", "上级区划代码"],
        [
            [DISTRICT, "苏家屯区", "区县", ""],
            [STREET, "解放街道", "街道", "210111999000"],
            [VILLAGE, "前进村", "村社区", STREET],
        ],
    )
    load(folder)
    assert rows(db, "SELECT row_number, column_name, reason FROM quarantine ORDER BY 1") == [
        (3, "parent_code", "unknown_region"),
        (4, "parent_code", "unknown_region"),
    ]
    assert rows(db, "SELECT region_code FROM regions") == [(DISTRICT,)]
