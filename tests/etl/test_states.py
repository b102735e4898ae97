"""Records change state between exports; events repeat across overlapping exports."""

from __future__ import annotations

import datetime as dt

from tests.exports import VILLAGE, base_export, rows, snapshot, write_csv

FEEDBACK = [
    "留言ID",
    "村社区代码",
    "提交时间",
    "首次回复时间",
    "办结时间",
    "状态",
    "满意度",
    "更新时间",
]
AWAITING = ["F1", VILLAGE, "2022-08-01 10:00", "", "", "待回复", "", "2022-08-01 10:00"]
REPLIED = [
    "F1",
    VILLAGE,
    "2022-08-01 10:00",
    "2022-08-01 15:00",
    "",
    "已回复",
    "",
    "2022-08-01 15:00",
]
CLOSED = [
    "F1",
    VILLAGE,
    "2022-08-01 10:00",
    "2022-08-01 15:00",
    "2022-08-03 09:00",
    "已办结",
    "满意",
    "2022-08-03 09:00",
]


def _export(root, name, feedback_rows):
    folder = base_export(root / name)
    write_csv(folder / "feedback.csv", FEEDBACK, feedback_rows)
    return folder


def test_a_later_state_replaces_the_earlier_and_an_older_export_cannot_undo_it(tmp_path, load, db):
    first = load(_export(tmp_path, "day1", [AWAITING]))
    assert first.tables["feedback"].inserted == 1
    second = load(_export(tmp_path, "day3", [CLOSED]))
    assert (second.tables["feedback"].updated, second.tables["feedback"].inserted) == (1, 0)
    assert rows(db, "SELECT status, closed_at FROM feedback") == [
        ("closed", dt.datetime(2022, 8, 3, 9))
    ]
    # Re-loading the older export afterwards keeps the newer state.
    third = load(_export(tmp_path, "day1-again", [REPLIED]))
    assert third.tables["feedback"].unchanged == 1
    assert rows(db, "SELECT status, satisfaction FROM feedback") == [("closed", "satisfied")]
    assert rows(db, "SELECT load_id FROM feedback") == [(2,)]


def test_within_one_load_the_latest_update_wins_whatever_the_file_order(tmp_path, load, db):
    folder = base_export(tmp_path / "export")
    write_csv(folder / "feedback_a.csv", FEEDBACK, [CLOSED])
    write_csv(folder / "feedback_b.csv", FEEDBACK, [REPLIED])  # given later, but older
    result = load(folder)
    assert rows(db, "SELECT status FROM feedback") == [("closed",)]
    assert result.tables["feedback"].superseded == 1


def test_without_update_times_the_file_given_last_wins(tmp_path, load, db):
    header = ["区划代码", "名称", "层级", "上级区划代码"]
    first, second = tmp_path / "a", tmp_path / "b"
    write_csv(first / "regions_1.csv", header, [["210111000000", "旧名", "区县", ""]])
    write_csv(first / "regions_2.csv", header, [["210111000000", "苏家屯区", "区县", ""]])
    load(first)
    assert rows(db, "SELECT name FROM regions") == [("苏家屯区",)]
    write_csv(second / "regions.csv", header, [["210111000000", "苏家屯区（新）", "区县", ""]])
    result = load(second)
    assert result.tables["regions"].updated == 1
    assert rows(db, "SELECT name FROM regions") == [("苏家屯区（新）",)]


def test_users_cancelled_in_a_later_export(tmp_path, load, db):
    header = ["用户ID", "村社区代码", "注册时间", "状态", "注销时间", "更新时间"]
    a = base_export(tmp_path / "a")
    write_csv(
        a / "users_more.csv", header, [["U9", VILLAGE, "2022-01-01", "正常", "", "2022-01-01"]]
    )
    load(a)
    b = base_export(tmp_path / "b")
    write_csv(
        b / "users_more.csv",
        header,
        [["U9", VILLAGE, "2022-01-01", "注销", "2022-09-01", "2022-09-01"]],
    )
    load(b)
    assert rows(db, "SELECT status, cancelled_at FROM users WHERE user_id = 'U9'") == [
        ("cancelled", dt.datetime(2022, 9, 1))
    ]


def test_daily_exports_one_after_another_equal_one_load_of_them_all(tmp_path, load, db):
    """A month of daily exports, each repeating the previous day's activity and carrying the
    messages whose state changed, loads to the same tables as all files at once."""
    header = ["用户ID", "访问时间", "行为"]
    exports = []
    for day in range(1, 31):
        folder = base_export(tmp_path / f"day{day:02d}")
        events = [
            ["U1", f"2022-08-{d:02d} {h:02d}:00", "浏览"]
            for d in (day - 1, day)
            if d
            for h in (8, 20)
        ]
        write_csv(
            folder / f"activity_{day:02d}.csv",
            header,
            events,
            encoding="gb18030" if day % 2 else "utf-8",
        )
        submitted = f"2022-08-{day:02d} 09:00"
        message = [f"F{day}", VILLAGE, submitted, "", "", "待回复", "", submitted]
        changes = [message]
        if day > 1:
            replied_at = f"2022-08-{day:02d} 08:00"
            changes.append(
                [
                    f"F{day - 1}",
                    VILLAGE,
                    f"2022-08-{day - 1:02d} 09:00",
                    replied_at,
                    replied_at,
                    "已办结",
                    "满意",
                    replied_at,
                ]
            )
        write_csv(folder / "feedback.csv", FEEDBACK, changes)
        exports.append(folder)
    for folder in exports:
        load(folder)
    one_by_one = snapshot(db)
    assert len(one_by_one["activity"]) == 60
    assert len(one_by_one["feedback"]) == 30
    assert rows(db, "SELECT count(*) FROM feedback WHERE status = 'closed'") == [(29,)]

    all_at_once = tmp_path / "all.duckdb"
    from etl.load import load_exports

    load_exports(exports, all_at_once)
    assert snapshot(all_at_once) == one_by_one
    assert rows(db, "SELECT count(*) FROM loads") == [(30,)]
