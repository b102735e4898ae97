"""A load recomputes only the marts it touched; after any sequence of loads they hold
exactly what a rebuild from scratch gives, row for row."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from datastore import ReadOnlyDatabase, partition_view
from etl import store
from etl.refresh import MART_TABLES, refresh_marts
from schema.tables import TABLES
from tests.exports import COMMUNITY, REGIONS, VILLAGE, base_export, write_csv

ACTIVITY = ["用户ID", "访问时间", "行为", "对象ID"]
FEEDBACK = [
    "留言ID",
    "村社区代码",
    "用户ID",
    "提交时间",
    "首次回复时间",
    "办结时间",
    "状态",
    "满意度",
    "更新时间",
]
USERS = ["用户ID", "村社区代码", "户号", "注册时间", "用户类型", "状态", "注销时间", "更新时间"]
DISCLOSURES = [
    "公开ID",
    "村社区代码",
    "类别",
    "事项编码",
    "所属期间",
    "发布时间",
    "状态",
    "更新时间",
]


def _marts(con) -> dict[str, list[tuple]]:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in MART_TABLES}


def _rebuilt(db, tmp_path) -> dict[str, list[tuple]]:
    copy = tmp_path / "rebuild" / "copy.duckdb"
    store.copy_database(db, copy)
    with duckdb.connect(str(copy)) as con:
        listed = "SELECT path FROM storage_parts WHERE table_name = 'activity'"
        files = [copy.parent / p for (p,) in con.execute(listed).fetchall()]
        con.execute(f"CREATE TEMP VIEW activity AS {partition_view(TABLES['activity'], files)}")
        refresh_marts(con)
        return _marts(con)


def _loaded(db) -> dict[str, list[tuple]]:
    database = ReadOnlyDatabase(db)
    try:
        return _marts(database.cursor())
    finally:
        database.close()


def _day(folder, activity=(), feedback=(), users=(), disclosures=(), regions=None):
    base_export(folder)
    if regions:
        write_csv(folder / "regions_more.csv", REGIONS[0], regions)
    if activity:
        write_csv(folder / "activity.csv", ACTIVITY, [list(r) for r in activity])
    if feedback:
        write_csv(folder / "feedback.csv", FEEDBACK, [list(r) for r in feedback])
    if users:
        write_csv(folder / "users_more.csv", USERS, [list(r) for r in users])
    if disclosures:
        write_csv(folder / "disclosures.csv", DISCLOSURES, [list(r) for r in disclosures])
    return folder


def _views(user, days, hour=9):
    return [(user, f"2022-08-{d:02d} {hour:02d}:00", "浏览", "") for d in days]


SEQUENCE_FIRST_DAY, SEQUENCE_LAST_DAY = dt.date(2022, 8, 1), dt.date(2022, 8, 8)
U9 = ("U9", VILLAGE, f"{VILLAGE}-00009", "2022-08-04 10:00", "群众", "正常", "", "2022-08-04 10:00")
U2_MOVED = (
    "U2",
    COMMUNITY,
    f"{COMMUNITY}-00009",
    "2022-01-02 09:30",
    "群众",
    "正常",
    "",
    "2022-08-06 18:00",
)
SEQUENCE = [
    # Three days of visits, a message waiting and a disclosure.
    dict(
        activity=_views("U1", (1, 2, 3)) + _views("U3", (2,)),
        feedback=[
            ("F1", VILLAGE, "U1", "2022-08-01 10:00", "", "", "待回复", "", "2022-08-01 10:00")
        ],
        disclosures=[
            (
                "D1",
                VILLAGE,
                "财务",
                "FW01",
                "2022-07",
                "2022-08-08 10:00",
                "已发布",
                "2022-08-08 10:00",
            )
        ],
    ),
    # The next days: the span moves on, a user registers, the message is answered.
    dict(
        activity=_views("U1", (3, 4, 5)) + _views("U9", (5,)),
        users=[U9],
        feedback=[
            (
                "F1",
                VILLAGE,
                "U1",
                "2022-08-01 10:00",
                "2022-08-04 09:00",
                "",
                "已回复",
                "",
                "2022-08-04 09:00",
            ),
            ("F2", COMMUNITY, "U3", "2022-08-05 11:00", "", "", "待回复", "", "2022-08-05 11:00"),
        ],
    ),
    # A cancellation, a closure, a corrected disclosure and a village's households.
    dict(
        activity=_views("U3", (6,)),
        users=[
            (
                "U1",
                VILLAGE,
                f"{VILLAGE}-00001",
                "2022-01-01 08:00",
                "群众",
                "注销",
                "2022-08-06 12:00",
                "2022-08-06 12:00",
            )
        ],
        feedback=[
            (
                "F1",
                VILLAGE,
                "U1",
                "2022-08-01 10:00",
                "2022-08-04 09:00",
                "2022-08-06 09:00",
                "已办结",
                "满意",
                "2022-08-06 09:00",
            ),
        ],
        disclosures=[
            (
                "D1",
                VILLAGE,
                "财务",
                "FW01",
                "2022-07",
                "2022-08-12 10:00",
                "已更正",
                "2022-08-06 10:00",
            )
        ],
        regions=[[VILLAGE, "前进村", "村社区", "210111001000", "村", "120", "260"]],
    ),
    # Older data arrives: the span's first day moves back a month.
    dict(
        activity=[*_views("U2", (1,)), ("U2", "2022-07-20 08:00", "登录", "")],
        feedback=[
            (
                "F0",
                COMMUNITY,
                "U3",
                "2022-07-25 10:00",
                "2022-07-25 11:00",
                "2022-08-02 10:00",
                "已办结",
                "不满意",
                "2022-08-02 10:00",
            ),
            ("F5", COMMUNITY, "U3", "2022-07-28 10:00", "", "", "待回复", "", "2022-07-28 10:00"),
        ],
    ),
    # A message of the month before is closed; the span stays where it was.
    dict(
        feedback=[
            (
                "F5",
                COMMUNITY,
                "U3",
                "2022-07-28 10:00",
                "2022-08-03 10:00",
                "2022-08-03 10:00",
                "已办结",
                "满意",
                "2022-08-03 10:00",
            )
        ],
    ),
    # A user moves to another village; the same export again changes nothing.
    dict(users=[U2_MOVED], activity=_views("U2", (6,), hour=20)),
    dict(users=[U2_MOVED]),
    # A late timestamp on the last day only moves the data's last moment.
    dict(activity=[("U3", "2022-08-06 23:30", "浏览", "")]),
]


@pytest.mark.parametrize("upto", [len(SEQUENCE)])
def test_marts_after_a_sequence_of_loads_equal_a_rebuild(tmp_path, load, db, upto):
    for i, day in enumerate(SEQUENCE[:upto]):
        load(_day(tmp_path / f"day{i}", **day))
        assert _loaded(db) == _rebuilt(db, tmp_path / f"check{i}"), f"after load {i}"


def _spy_on_village_marts(monkeypatch) -> list[tuple[list[str], dt.date, dt.date]]:
    """The villages and window of every `village_marts` call the loads make from now on."""
    from etl import refresh

    computed = []
    village_marts = refresh.village_marts

    def spy(tables, span, *args, **kwargs):
        codes = tables["regions"].collect().get_column("region_code").to_list()
        computed.append((codes, span.first_day, span.last_day))
        return village_marts(tables, span, *args, **kwargs)

    monkeypatch.setattr(refresh, "village_marts", spy)
    return computed


def test_a_load_recomputes_only_the_villages_and_months_it_touched(tmp_path, load, db, monkeypatch):
    load(_day(tmp_path / "first", **SEQUENCE[0]))
    computed = _spy_on_village_marts(monkeypatch)
    message = (
        "F7",
        COMMUNITY,
        "U3",
        "2022-08-02 10:00",
        "2022-08-02 11:00",
        "",
        "已回复",
        "",
        "2022-08-02 11:00",
    )
    load(_day(tmp_path / "second", feedback=[message]))
    assert computed == [([COMMUNITY], SEQUENCE_FIRST_DAY, SEQUENCE_LAST_DAY)]
    assert _loaded(db) == _rebuilt(db, tmp_path / "check")

    computed.clear()
    load(_day(tmp_path / "again", feedback=[message]))  # nothing new: nothing recomputed
    assert computed == []


U1_CANCELLED = ("U1", VILLAGE, f"{VILLAGE}-00001", "2022-01-01 08:00", "群众", "注销",
                "2022-08-07 12:00", "2022-08-07 12:00")  # fmt: skip
U3_CANCELLED_UNDATED = ("U3", COMMUNITY, f"{COMMUNITY}-00001", "2022-01-03 10:00", "群众",
                        "注销", "", "2022-08-08 09:00")  # fmt: skip


def test_the_loaders_active_residents_are_the_definitions(tmp_path, load, db):
    """The loader counts active residents in SQL (marts.active_residents_sql); the marts
    it stores equal those marts.village_marts gives from the same tables in Polars,
    registrations and cancellations (dated or not) inside the span included."""
    from etl.refresh import data_span
    from metrics.marts import village_marts

    for i, day in enumerate(SEQUENCE):
        load(_day(tmp_path / f"day{i}", **day))
    cancelling = [*_views("U1", (6, 7, 8), hour=10), *_views("U3", (7, 8), hour=10)]
    load(_day(tmp_path / "cancel", users=[U1_CANCELLED, U3_CANCELLED_UNDATED], activity=cancelling))
    database = ReadOnlyDatabase(db)
    try:
        con = database.cursor()
        names = ("regions", "users", "activity", "feedback", "disclosures", "catalogue")
        tables = {n: con.sql(f"SELECT * FROM {n}").pl().lazy() for n in names}
        expected = village_marts(tables, data_span(con))
        stored = {
            g: con.sql(f"SELECT * FROM mart_village_{g} ORDER BY region_code, period_start").pl()
            for g in expected
        }
    finally:
        database.close()
    for grain, frame in expected.items():
        assert stored[grain].get_column("active_residents").sum() > 0
        assert stored[grain].equals(frame), grain


def test_each_village_is_recomputed_over_its_own_dirty_months(tmp_path, load, db, monkeypatch):
    """A message of July closed in August and the data's end moving on: the message's
    village is recomputed from July, the others only for August (not every village from
    the earliest month any of them needs)."""
    for i, day in enumerate(SEQUENCE[:4]):
        load(_day(tmp_path / f"day{i}", **day))
    computed = _spy_on_village_marts(monkeypatch)
    later = [("U3", "2022-08-09 09:00", "浏览", "")]
    load(_day(tmp_path / "closed", feedback=SEQUENCE[4]["feedback"], activity=later))
    july, last = dt.date(2022, 7, 20), dt.date(2022, 8, 9)
    assert computed == [([COMMUNITY], july, last), ([VILLAGE], dt.date(2022, 8, 1), last)]
    assert _loaded(db) == _rebuilt(db, tmp_path / "check")


def _user_months(db) -> tuple[list[tuple], list[tuple]]:
    """The user-months the database keeps, and those its events give."""
    from datastore import resolve_part
    from etl.store import USER_MONTHS
    from metrics.marts import user_months_sql

    with duckdb.connect(str(db), read_only=True) as con:

        def files(name: str) -> list[str]:
            listed = con.execute(
                "SELECT path, absolute FROM storage_parts WHERE table_name = ? ORDER BY month",
                [name],
            ).fetchall()
            return [str(resolve_part(db, path, absolute)) for path, absolute in listed]

        months = con.execute(
            "SELECT month, count(*) FROM storage_parts WHERE table_name = ? GROUP BY ALL",
            [USER_MONTHS.name],
        ).fetchall()
        assert all(n == 1 for _, n in months), months  # one file per month
        kept = con.execute(
            "SELECT user_id, month, days FROM read_parquet(?) ORDER BY ALL",
            [files(USER_MONTHS.name)],
        ).fetchall()
        derived = con.execute(
            f"SELECT * FROM ({user_months_sql('read_parquet(?)')}) ORDER BY ALL",
            [files("activity")],
        ).fetchall()
    return kept, derived


def test_the_user_months_kept_are_those_of_the_events(tmp_path, load, db, monkeypatch):
    """The loader keeps each month's users and their days of activity beside the events,
    updated with them: after loads of new days, older data, an overlapping re-load, a
    day whose event differs from a stored one only in its action, events of an unknown
    user, a compaction and a core written before they were kept, they are what the
    events give."""
    monkeypatch.setattr(store, "MAX_PARTS_PER_MONTH", 3)
    for i, day in enumerate(SEQUENCE):
        load(_day(tmp_path / f"day{i}", **day))
        kept, derived = _user_months(db)
        assert kept == derived, i
    overlapping = _views("U1", (4, 5, 9)) + _views("U9", (9,))
    load(_day(tmp_path / "overlap", activity=overlapping))
    changed = [("U3", "2022-08-06 09:00", "登录", ""), *_views("U2", (31,))]
    load(_day(tmp_path / "changed", activity=changed, users=[U2_MOVED]))
    unknown = _views("U404", (7,)) + _views("U1", (9,), hour=11)  # U404 is kept aside
    load(_day(tmp_path / "unknown", activity=unknown))
    assert not [u for u in _user_months(db)[0] if u[0] == "U404"]
    september = [("U1", "2022-09-01 08:00", "浏览", ""), ("U3", "2022-09-02 08:00", "浏览", "")]
    two_files = _day(tmp_path / "two-files", activity=september[:1])
    write_csv(two_files / "activity_more.csv", ACTIVITY, [list(r) for r in september])
    load(two_files)  # a month first loaded from two files, one repeating the other
    kept, derived = _user_months(db)
    assert kept == derived
    assert ("U1", dt.date(2022, 8, 1), 0b100011111) in kept  # the 1st to 5th, and the 9th
    assert ("U2", dt.date(2022, 8, 1), 1 | 1 << 5 | 1 << 30) in kept
    assert ("U2", dt.date(2022, 7, 1), 1 << 19) in kept
    assert ("U1", dt.date(2022, 9, 1), 1) in kept

    with duckdb.connect(str(db)) as con:  # as a core written before they were kept
        con.execute("DELETE FROM storage_parts WHERE table_name = ?", [store.USER_MONTHS.name])
    load(_day(tmp_path / "after", activity=_views("U3", (10,))))
    kept, derived = _user_months(db)
    assert kept == derived
    assert ("U3", dt.date(2022, 8, 1), 1 << 1 | 1 << 5 | 1 << 9) in kept
    assert _loaded(db) == _rebuilt(db, tmp_path / "check")
