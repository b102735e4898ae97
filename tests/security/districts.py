"""A hand-made export of two districts, each with personal data in its messages and rows
kept aside, for checking that one district's people see nothing of the other's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from schema.tables import TABLES
from tests.exports import write_csv

OWN, OTHER = "210111000000", "210112000000"
OWN_STREET, OTHER_STREET = "210111001000", "210112001000"
OWN_VILLAGE, OTHER_VILLAGE = "210111001201", "210112001201"
OTHER_PHONE = "13911112222"  # only in the other district's rows
FIRST_DAY = dt.datetime(2025, 1, 1, 9)


def _header(table: str, columns: list[str]) -> list[str]:
    return [TABLES[table].column(c).zh for c in columns]


def two_districts(folder: Path, messages_per_village: int = 3) -> Path:
    """Two districts of one street and one village each. Each village's residents leave
    `messages_per_village` messages, two hours apart, none answered; each district has a
    message kept aside (its user is unknown) and a user kept aside (a bad date)."""
    regions = [
        [OWN, "苏家屯区", "区县", "", "", "", ""],
        [OWN_STREET, "解放街道", "街道", OWN, "", "", ""],
        [OWN_VILLAGE, "前进村", "村社区", OWN_STREET, "村", "100", "260"],
        [OTHER, "浑南区", "区县", "", "", "", ""],
        [OTHER_STREET, "浑河街道", "街道", OTHER, "", "", ""],
        [OTHER_VILLAGE, "远方村", "村社区", OTHER_STREET, "村", "90", "200"],
    ]
    region_columns = ["region_code", "name", "level", "parent_code", "kind", "households",
                      "population"]  # fmt: skip
    write_csv(folder / "regions.csv", _header("regions", region_columns), regions)
    users = [
        ["U1", OWN_VILLAGE, "2024-01-01 08:00:00"],
        ["U2", OTHER_VILLAGE, "2024-01-01 08:00:00"],
        ["U3", OWN_VILLAGE, "not a date"],
        ["U4", OTHER_VILLAGE, "not a date"],
    ]
    write_csv(folder / "users.csv", _header("users", ["user_id", "region_code", "registered_at"]),
              users)  # fmt: skip
    feedback = []
    for village, user, phone in ((OWN_VILLAGE, "U1", "13800001111"),
                                 (OTHER_VILLAGE, "U2", OTHER_PHONE)):  # fmt: skip
        for n in range(messages_per_village):
            at = FIRST_DAY + dt.timedelta(hours=2 * n)
            feedback.append([f"{village}-{n:05d}", village, user, f"{at:%Y-%m-%d %H:%M:%S}",
                             "道路交通", f"路灯坏了，电话{phone}", "待回复"])  # fmt: skip
        feedback.append([f"{village}-bad", village, "U-nobody", f"{FIRST_DAY:%Y-%m-%d %H:%M:%S}",
                         "其他", f"本人电话{phone}", "待回复"])  # fmt: skip
    columns = ["feedback_id", "region_code", "user_id", "submitted_at", "topic", "content",
               "status"]  # fmt: skip
    write_csv(folder / "feedback.csv", _header("feedback", columns), feedback)
    return folder
