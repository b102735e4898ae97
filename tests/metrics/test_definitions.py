"""Every definition of the glossary on frames computed by hand, edges included."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datastore.figures import OUTPUT_COLUMNS
from metrics.glossary import METRICS
from metrics.marts import Span, registration_by_day, village_marts
from metrics.rollup import rollup

V1, V2, STREET, DISTRICT = "210111001201", "210111001202", "210111001000", "210111000000"
T = dt.datetime
SPAN = Span(dt.date(2024, 1, 1), dt.date(2024, 2, 29), T(2024, 2, 29, 23, 59))


def _tables(**overrides: pl.DataFrame) -> dict[str, pl.LazyFrame]:
    empty = {
        "regions": pl.DataFrame(
            {
                "region_code": [DISTRICT, STREET, V1, V2],
                "name": ["区", "街道", "一村", "二村"],
                "level": ["district", "street", "village", "village"],
                "households": [None, None, 4, 0],
                "street_code": [None, STREET, STREET, STREET],
                "district_code": [DISTRICT, DISTRICT, DISTRICT, DISTRICT],
            }
        ),
        "users": pl.DataFrame(
            schema={"user_id": pl.String, "region_code": pl.String, "household_id": pl.String,
                    "registered_at": pl.Datetime("us"), "role": pl.String, "status": pl.String,
                    "cancelled_at": pl.Datetime("us"), "updated_at": pl.Datetime("us")}
        ),
        "activity": pl.DataFrame(schema={"user_id": pl.String, "ts": pl.Datetime("us")}),
        "feedback": pl.DataFrame(
            schema={"feedback_id": pl.String, "region_code": pl.String, "user_id": pl.String,
                    "topic": pl.String, "status": pl.String, "satisfaction": pl.String,
                    "handler_id": pl.String, "submitted_at": pl.Datetime("us"),
                    "first_reply_at": pl.Datetime("us"), "closed_at": pl.Datetime("us")}
        ),
        "disclosures": pl.DataFrame(
            schema={"region_code": pl.String, "category": pl.String, "item_code": pl.String,
                    "period_start": pl.Date, "period_end": pl.Date,
                    "published_at": pl.Datetime("us"), "status": pl.String}
        ),
        "catalogue": pl.DataFrame(
            {"item_code": ["FW01", "DW01"], "frequency": ["monthly", "event"], "due_days": [10, 7]}
        ),
        "petitions": pl.DataFrame(
            schema={"region_code": pl.String, "district_code": pl.String,
                    "received_at": pl.Datetime("us"), "kind": pl.String}
        ),
    }  # fmt: skip
    for name, frame in overrides.items():
        empty[name] = pl.concat([empty[name].head(0), frame], how="diagonal_relaxed")
    return {name: frame.lazy() for name, frame in empty.items()}


def _month(tables, column: str, level: str = "village") -> dict:
    from metrics.marts import feedback_facts, petitions_by_period

    mart = village_marts(tables, SPAN, ("month",))["month"].lazy()
    frame = rollup(
        mart,
        feedback_facts(tables["feedback"]),
        petitions_by_period(tables["petitions"], "month"),
        tables["regions"],
        level,
        "month",
    ).collect()
    return {
        (r["region_code"], r["period_start"].strftime("%Y-%m")): r[column]
        for r in frame.iter_rows(named=True)
    }


def _users(*rows):
    columns = [
        "user_id",
        "region_code",
        "household_id",
        "registered_at",
        "role",
        "status",
        "cancelled_at",
        "updated_at",
    ]
    return pl.DataFrame([dict(zip(columns, r, strict=True)) for r in rows])


def _feedback(*rows):
    columns = [
        "feedback_id",
        "region_code",
        "submitted_at",
        "first_reply_at",
        "closed_at",
        "satisfaction",
    ]
    return pl.DataFrame([dict(zip(columns, r, strict=True)) for r in rows])


def test_registration_counts_households_on_the_books_at_the_end():
    users = _users(
        # Household h1: two members; one cancels in January, the other stays.
        ("u1", V1, "h1", T(2023, 5, 1), "resident", "active", None, None),
        ("u2", V1, "h1", T(2023, 6, 1), "resident", "cancelled", T(2024, 1, 10), T(2024, 1, 10)),
        # h2 registers on the last second of January.
        ("u3", V1, "h2", T(2024, 1, 31, 23, 59, 59), "resident", "active", None, None),
        # h3's only member cancels on 1 February at 00:00: registered at January's end only.
        ("u4", V1, "h3", T(2023, 1, 1), "resident", "cancelled", T(2024, 2, 1), T(2024, 2, 1)),
        # Cancelled without a time: taken as cancelled when last updated (in January).
        ("u5", V1, "h4", T(2023, 1, 1), "resident", "cancelled", None, T(2024, 1, 5)),
        # Administrators are not residents.
        ("a1", V1, "h9", T(2023, 1, 1), "admin", "active", None, None),
    )
    rates = _month(_tables(users=users), "registration_rate")
    assert rates[(V1, "2024-01")] == 3 / 4  # h1, h2, h3 of 4 households
    assert rates[(V1, "2024-02")] == 2 / 4  # h3 gone
    assert rates[(V2, "2024-01")] is None  # no households: no rate, not 0


def test_activity_counts_residents_on_the_books_at_the_end_who_did_anything():
    users = _users(
        ("u1", V1, "h1", T(2023, 1, 1), "resident", "active", None, None),
        ("u2", V1, "h2", T(2023, 1, 1), "resident", "active", None, None),
        ("u3", V1, "h3", T(2023, 1, 1), "resident", "cancelled", T(2024, 1, 20), T(2024, 1, 20)),
        ("u4", V1, "h4", T(2024, 2, 10), "resident", "active", None, None),
    )
    activity = pl.DataFrame(
        {
            "user_id": ["u1", "u1", "u3", "u2", "u4"],
            "ts": [
                T(2024, 1, 3),
                T(2024, 1, 31, 23, 59),
                T(2024, 1, 5),
                T(2024, 2, 1),
                T(2024, 2, 11),
            ],
        }
    )
    rates = _month(_tables(users=users, activity=activity), "activity_rate")
    assert rates[(V1, "2024-01")] == 1 / 2  # u1 of u1, u2 (u3 cancelled before the end)
    assert rates[(V1, "2024-02")] == 2 / 3  # u2 and u4 of u1, u2, u4


def test_reply_on_the_same_calendar_day_and_seven_day_clearance():
    feedback = _feedback(
        ("f1", V1, T(2024, 1, 10, 8, 0), T(2024, 1, 10, 23, 59), T(2024, 1, 17, 8, 0), "satisfied"),
        (
            "f2",
            V1,
            T(2024, 1, 10, 8, 0),
            T(2024, 1, 11, 0, 1),
            T(2024, 1, 17, 8, 1),
            "dissatisfied",
        ),
        ("f3", V1, T(2024, 1, 31, 23, 59, 30), None, None, None),  # January, on the boundary
        ("f4", V1, T(2024, 2, 1, 0, 0), T(2024, 2, 1, 1, 0), T(2024, 2, 1, 2, 0), "not_rated"),
    )
    tables = _tables(feedback=feedback)
    assert _month(tables, "feedback")[(V1, "2024-01")] == 3
    assert _month(tables, "feedback")[(V1, "2024-02")] == 1
    assert _month(tables, "same_day_reply_rate")[(V1, "2024-01")] == 1 / 3
    assert _month(tables, "closed_7d_rate")[(V1, "2024-01")] == 1 / 3  # exactly 7 × 24 h counts
    assert _month(tables, "median_reply_hours")[(V1, "2024-01")] == pytest.approx(
        (15 + 59 / 60 + 16 + 1 / 60) / 2
    )
    assert _month(tables, "satisfaction_rate")[(V1, "2024-01")] == 1 / 2
    assert _month(tables, "satisfaction_rate")[(V1, "2024-02")] is None  # nothing rated
    assert _month(tables, "same_day_reply_rate")[(V2, "2024-01")] is None  # no messages


def test_backlog_and_overdue_at_the_end_by_age():
    feedback = _feedback(
        ("f1", V1, T(2024, 1, 31, 12, 0), None, None, None),  # ½ day old at January's end
        ("f2", V1, T(2024, 1, 25, 0, 0), None, None, None),  # 7 days exactly: not overdue
        ("f3", V1, T(2024, 1, 24, 23, 0), None, T(2024, 2, 1, 0, 0), None),  # closed at the end
        ("f4", V1, T(2023, 12, 1, 0, 0), None, None, None),  # 61 days
        ("f5", V1, T(2024, 1, 20, 0, 0), None, T(2024, 1, 30), None),  # closed before
    )
    tables = _tables(feedback=feedback)
    january = {c: _month(tables, c)[(V1, "2024-01")] for c in
               ("backlog", "overdue", "open_le_1d", "open_1_7d", "open_7_30d", "open_gt_30d")}  # fmt: skip
    assert january == {
        "backlog": 4,  # f1, f2, f3 (closed at February's first instant), f4
        "overdue": 2,  # f3 (7 days 1 hour), f4
        "open_le_1d": 1,
        "open_1_7d": 1,
        "open_7_30d": 1,
        "open_gt_30d": 1,
    }
    # February ends with the data (29 Feb 23:59): f1, f2 and f4 are still open.
    assert _month(tables, "backlog")[(V1, "2024-02")] == 3


def test_disclosures_on_time_withdrawn_and_corrected():
    disclosures = pl.DataFrame(
        {
            "region_code": [V1] * 5,
            "category": ["finance", "finance", "finance", "party", "finance"],
            "item_code": ["FW01", "FW01", "FW01", "DW01", "FW01"],
            "period_start": [dt.date(2024, 1, 1)] * 3 + [dt.date(2024, 1, 20), dt.date(2024, 1, 1)],
            "period_end": [dt.date(2024, 1, 31)] * 3 + [dt.date(2024, 1, 20), dt.date(2024, 1, 31)],
            # Due: 31 Jan + 10 days, 23:59:59 → 10 Feb; the event of 20 Jan + 7 days → 27 Jan.
            "published_at": [
                T(2024, 2, 10, 23, 59, 59),
                T(2024, 2, 11, 0, 0),
                T(2024, 2, 3),
                T(2024, 1, 28),
                T(2024, 2, 5),
            ],
            "status": ["published", "corrected", "withdrawn", "published", "published"],
        }
    )
    tables = _tables(disclosures=disclosures)
    assert _month(tables, "disclosures_finance")[(V1, "2024-02")] == 3  # withdrawn excluded
    assert _month(tables, "disclosures_party")[(V1, "2024-01")] == 1
    assert _month(tables, "on_time_rate")[(V1, "2024-02")] == 2 / 3
    assert _month(tables, "on_time_rate")[(V1, "2024-01")] == 0.0  # a day late
    assert _month(tables, "on_time_rate")[(V2, "2024-02")] is None


def test_completeness_of_periodic_items_falling_due_in_the_period():
    disclosures = pl.DataFrame(
        {
            "region_code": [V1, V1, V2],
            "category": ["finance"] * 3,
            "item_code": ["FW01"] * 3,
            "period_start": [dt.date(2023, 12, 1), dt.date(2024, 1, 1), dt.date(2024, 1, 1)],
            "period_end": [dt.date(2023, 12, 31), dt.date(2024, 1, 31), dt.date(2024, 1, 31)],
            "published_at": [T(2024, 1, 25), T(2024, 3, 1), T(2024, 2, 2)],
            "status": ["published", "published", "withdrawn"],
        }
    )
    tables = _tables(disclosures=disclosures)
    # December's FW01 falls due on 10 January, January's on 10 February.
    assert _month(tables, "completeness")[(V1, "2024-01")] == 1.0  # late, but by the end
    assert _month(tables, "completeness")[(V1, "2024-02")] == 0.0  # published after February
    assert _month(tables, "completeness")[(V2, "2024-02")] == 0.0  # withdrawn does not count
    assert _month(tables, "completeness", "street")[(STREET, "2024-01")] == 1 / 2


def test_street_rates_are_ratios_of_sums_not_averages_of_ratios():
    feedback = _feedback(
        ("f1", V1, T(2024, 1, 10, 8), T(2024, 1, 10, 9), None, None),
        ("f2", V2, T(2024, 1, 10, 8), T(2024, 1, 12, 9), None, None),
        ("f3", V2, T(2024, 1, 10, 8), T(2024, 1, 13, 9), None, None),
        ("f4", V2, T(2024, 1, 10, 8), T(2024, 1, 14, 9), None, None),
    )
    tables = _tables(feedback=feedback)
    assert (
        _month(tables, "same_day_reply_rate", "street")[(STREET, "2024-01")] == 1 / 4
    )  # not (1 + 0) / 2
    # The street's median comes from its four messages, not from the villages' medians.
    assert _month(tables, "median_reply_hours", "street")[(STREET, "2024-01")] == (49 + 73) / 2


def test_petitions_year_on_year_at_the_district():
    received = [T(2023, 1, 5), T(2023, 1, 6), T(2024, 1, 5), T(2024, 1, 7), T(2024, 1, 9)]
    petitions = pl.DataFrame(
        {
            "region_code": [V1, None, V1, V2, None],
            "district_code": [None, DISTRICT, None, None, DISTRICT],
            "received_at": received,
            "kind": ["accusation", "appeal", "accusation", "other", "other"],
        }
    )
    tables = _tables(petitions=petitions)
    assert _month(tables, "petitions", "district")[(DISTRICT, "2024-01")] == 3
    assert _month(tables, "petitions_yoy", "district")[(DISTRICT, "2024-01")] == (3 - 2) / 2
    assert _month(tables, "accusations_yoy", "district")[(DISTRICT, "2024-01")] == 0.0
    assert _month(tables, "petitions", "village")[(V1, "2024-01")] == 1  # district-only ones go up


def test_every_published_metric_has_a_definition():
    undefined = [
        c for c in OUTPUT_COLUMNS if c not in ("region_code", "name", "period") and c not in METRICS
    ]
    assert undefined == []
    for metric in METRICS.values():
        assert metric.zh and metric.en and metric.definition_zh and metric.definition_en
        assert metric.unit in ("rate", "count", "hours")


def test_cities_and_the_province_roll_up_several_districts():
    other_district, other_street, other_village = "210112000000", "210112001000", "210112001201"
    regions = pl.DataFrame(
        {
            "region_code": [other_district, other_street, other_village],
            "name": ["另区", "另街道", "另村"],
            "level": ["district", "street", "village"],
            "households": [None, None, 6],
            "street_code": [None, other_street, other_street],
            "district_code": [other_district] * 3,
        }
    )
    users = _users(
        ("u1", V1, "h1", T(2023, 1, 1), "resident", "active", None, None),
        ("u2", other_village, "h1", T(2023, 1, 1), "resident", "active", None, None),
    )
    regions = pl.concat([_tables()["regions"].collect(), regions], how="diagonal_relaxed")
    tables = _tables(regions=regions, users=users)
    assert _month(tables, "registration_rate", "city") == {
        ("210100000000", "2024-01"): 2 / 10,
        ("210100000000", "2024-02"): 2 / 10,
    }
    assert _month(tables, "name", "province")[("210000000000", "2024-01")] == "辽宁省"
    assert len(_month(tables, "registration_rate", "district")) == 4  # two districts × two months


_DAY0 = dt.date(2024, 1, 1)
_member = st.tuples(
    st.sampled_from([V1, V2]),
    st.sampled_from(["h1", "h2", "h3", None]),
    st.integers(-3, 12),  # registered on this day of the span (before it when negative)
    st.integers(0, 15) | st.none(),  # cancelled so many days later, or never
    st.integers(0, 23),  # hour of both
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_member, max_size=12))
def test_a_household_is_registered_while_any_member_is_on_the_books(members):
    """`registration_by_day` against a count made day by day: households (several members
    registering and cancelling in any order, at any hour, some on the same day) and
    residents on the books at each day's end."""
    span = Span(_DAY0, _DAY0 + dt.timedelta(days=9), T(2024, 1, 10, 12))
    rows = []
    for i, (village, household, day, stays, hour) in enumerate(members):
        registered = T(2024, 1, 1, hour) + dt.timedelta(days=day)
        cancelled = None if stays is None else registered + dt.timedelta(days=stays, hours=1)
        rows.append((f"u{i}", village, household, registered, cancelled))
    residents = pl.LazyFrame(
        rows,
        schema={"user_id": pl.String, "region_code": pl.String, "household_id": pl.String,
                "registered_at": pl.Datetime("us"), "cancelled_at": pl.Datetime("us")},
        orient="row",
    )  # fmt: skip
    villages = pl.LazyFrame({"region_code": [V1, V2]})
    got = {
        (r["region_code"], r["day"]): (r["residents"], r["registered_households"])
        for r in registration_by_day(residents, villages, span).collect().iter_rows(named=True)
    }
    for offset in range(10):
        day = _DAY0 + dt.timedelta(days=offset)
        end = T(day.year, day.month, day.day) + dt.timedelta(days=1)
        for village in (V1, V2):
            on_books = [
                household
                for _, v, household, registered, cancelled in rows
                if v == village and registered < end and (cancelled is None or cancelled >= end)
            ]
            households = {h for h in on_books if h is not None}
            assert got[(village, day)] == (len(on_books), len(households)), (village, day)
