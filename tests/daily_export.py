"""A tiny hand-made export around one day, 12 March 2026, whose daily figures are worked out
by hand below: the daily ranking's tests (metrics, digest, page) all read it.

The day's window is 11 March 17:00 – 12 March 17:00; the day before's 10 March 17:00 –
11 March 17:00. Two monthly items (DW05, FW01) fall due on 10 March for February; the
catalogue has no other periodic item, so each village owes exactly those two.

Villages: 前进村 V11, 广场社区 V12, 幸福村 V13 (解放街道 S1); 红旗村 V21 (八一街道 S2).

                         12 March (the day)              11 March (the day before)
                  due  done  replies  overdue  reg   due  done  replies  overdue  reg
  前进村 V11        1    1     1/2      0/1    2/1    1    0      —        0/1     0
  广场社区 V12      2    1     1/1      1/2    0      2    0     0/1       0/1    1/1
  幸福村 V13        0    0      —        —     0      0    0      —         —      0
  红旗村 V21        1    0      —        —     0      2    1     1/1       1/1     0

(reg: new registrations / new households.) Scores, three rates equally weighted over
those with something due:
  12 March: V11 (1 + ½ + 0)/3 = 50, V12 (½ + 1 + ½)/3 = 66.7, V21 0, V13 nothing due;
            S1 (⅔ + ⅔ + ⅓)/3 = 55.6, S2 0.
  11 March: V11 0, V12 0, V21 (½ + 1 + 1)/3 = 83.3; S1 0, S2 83.3.
"""

from __future__ import annotations

from pathlib import Path

from etl.load import load_exports
from tests.exports import write_csv

DISTRICT, S1, S2 = "210111000000", "210111001000", "210111002000"
V11, V12, V13, V21 = "210111001201", "210111001002", "210111001203", "210111002201"
NAMES = {
    DISTRICT: "苏家屯区",
    S1: "解放街道",
    S2: "八一街道",
    V11: "前进村",
    V12: "广场社区",
    V13: "幸福村",
    V21: "红旗村",
}

REGIONS = (
    ["区划代码", "名称", "层级", "上级区划代码", "类型", "户数", "常住人口"],
    [
        [DISTRICT, NAMES[DISTRICT], "区县", "", "", "", ""],
        [S1, NAMES[S1], "街道", DISTRICT, "", "", ""],
        [S2, NAMES[S2], "街道", DISTRICT, "", "", ""],
        [V11, NAMES[V11], "村社区", S1, "村", "10", "30"],
        [V12, NAMES[V12], "村社区", S1, "社区", "20", "50"],
        [V13, NAMES[V13], "村社区", S1, "村", "8", "20"],
        [V21, NAMES[V21], "村社区", S2, "村", "5", "12"],
    ],
)
CATALOGUE = (
    ["item_code", "category", "name_zh", "name_en", "frequency", "due_days"],
    [
        ["DW05", "party", "主题党日活动", "Monthly themed party day", "monthly", "10"],
        ["FW01", "finance", "月度财务收支明细", "Monthly ledger", "monthly", "10"],
        ["CW01", "village", "村民(代表)会议决议及执行", "Assembly resolutions", "event", "7"],
    ],
)
USERS = (
    ["用户ID", "村社区代码", "户号", "注册时间", "用户类型", "状态", "注销时间", "更新时间"],
    [
        ["u1", V11, "h1", "2026-02-01 08:00", "群众", "正常", "", ""],
        ["u2", V11, "h1", "2026-03-12 09:00", "群众", "正常", "", ""],  # a family member
        ["u3", V11, "h2", "2026-03-12 16:59", "群众", "正常", "", ""],  # a new household
        ["u4", V11, "h3", "2026-03-12 17:00", "群众", "正常", "", ""],  # the next day's
        ["u5", V12, "h5", "2026-03-11 12:00", "群众", "正常", "", ""],  # the day before's
        ["u6", V21, "", "2026-03-12 10:00", "管理员", "正常", "", ""],  # not a resident
        ["u7", V21, "h7", "2026-03-11 18:00", "群众", "注销", "2026-03-12 08:00", "2026-03-12 08:00"],
        ["u8", V13, "h8", "2026-02-01 08:00", "群众", "正常", "", ""],
        ["u9", V21, "h9", "2026-02-01 08:00", "群众", "正常", "", ""],
        ["u10", V12, "h10", "2026-02-01 08:00", "群众", "正常", "", ""],
    ],
)  # fmt: skip
ACTIVITY = (["用户ID", "访问时间", "行为"], [["u1", "2026-03-01 08:00", "登录"]])
FEEDBACK = (
    ["留言ID", "村社区代码", "用户ID", "提交时间", "首次回复时间", "办结时间", "状态", "满意度"],
    [
        # judged on the 12th: submitted on the 11th
        ["m1", V11, "u1", "2026-03-11 09:00", "2026-03-11 15:00", "2026-03-12 10:00", "已办结", "满意"],
        ["m2", V11, "u1", "2026-03-11 22:00", "2026-03-12 08:00", "", "已回复", ""],
        ["m3", V12, "u10", "2026-03-11 18:00", "2026-03-11 23:30", "", "已回复", ""],
        # judged on the 11th: submitted on the 10th
        ["m4", V21, "u9", "2026-03-10 12:00", "2026-03-10 13:00", "2026-03-10 14:00", "已办结", "满意"],
        ["m5", V12, "u10", "2026-03-10 20:00", "", "", "待回复", ""],
        # judged on the 13th
        ["m6", V21, "u9", "2026-03-12 10:00", "2026-03-12 11:00", "", "已回复", ""],
        # overdue (open more than 7 × 24 hours)
        ["o1", V11, "u1", "2026-03-02 08:00", "2026-03-02 09:00", "", "已回复", ""],
        ["o2", V12, "u10", "2026-03-03 12:00", "2026-03-03 13:00", "2026-03-12 14:00", "已办结", ""],
        ["o3", V21, "u9", "2026-03-04 16:00", "2026-03-04 17:00", "2026-03-11 16:30", "已办结", ""],
        ["o4", V21, "u9", "2026-03-05 18:00", "2026-03-05 19:00", "2026-03-12 17:30", "已办结", ""],
        ["o5", V12, "u10", "2026-03-05 10:00", "2026-03-05 11:00", "", "已回复", ""],
    ],
)  # fmt: skip
DISCLOSURES = (
    ["公开ID", "村社区代码", "类别", "事项编码", "标题", "所属期间", "发布时间", "状态"],
    [
        ["d1", V11, "党务", "DW05", "2月主题党日", "2026-02", "2026-03-05 10:00", "已发布"],
        ["d2", V11, "财务", "FW01", "2月财务收支", "2026-02", "2026-03-12 09:00", "已发布"],
        ["d3", V11, "财务", "FW01", "2月财务收支（撤回）", "2026-02", "2026-03-12 10:00", "已撤回"],
        ["d4", V12, "党务", "DW05", "2月主题党日", "2026-02", "2026-03-11 20:00", "已发布"],
        ["d5", V21, "党务", "DW05", "2月主题党日", "2026-02", "2026-03-11 10:00", "已发布"],
        ["d6", V21, "财务", "FW01", "2月财务收支", "2026-02", "2026-03-12 18:00", "已发布"],
        ["d7", V21, "村务", "CW01", "村民代表会议决议", "2026-03-08", "2026-03-12 11:00", "已发布"],
        ["d8", V13, "党务", "DW05", "2月主题党日", "2026-02", "2026-03-03 09:00", "已发布"],
        ["d9", V13, "财务", "FW01", "2月财务收支", "2026-02", "2026-03-03 09:00", "已发布"],
    ],
)  # fmt: skip


def write_export(folder: Path, after_cutoff: bool = True) -> tuple[Path, Path]:
    """The export folder and the catalogue file beside it. Without `after_cutoff`, the
    export is one taken before 17:00 on the 12th: nothing after 14:00 that day."""
    tables = {"regions": REGIONS, "users": USERS, "activity": ACTIVITY, "feedback": FEEDBACK,
              "disclosures": DISCLOSURES}  # fmt: skip
    if not after_cutoff:
        tables["feedback"] = (FEEDBACK[0], [r for r in FEEDBACK[1] if r[0] != "o4"])
        tables["disclosures"] = (DISCLOSURES[0], [r for r in DISCLOSURES[1] if r[0] != "d6"])
    for name, table in tables.items():
        write_csv(folder / f"{name}.csv", *table)
    return folder, write_csv(folder.parent / "catalogue.csv", *CATALOGUE)


def load_export(folder: Path, after_cutoff: bool = True) -> tuple[Path, Path, Path]:
    """The export written and loaded in `folder`: (database, export, catalogue)."""
    export, catalogue = write_export(folder / "export", after_cutoff)
    db = folder / "sunshine.duckdb"
    load_exports([export], db, catalogue=catalogue)
    return db, export, catalogue
