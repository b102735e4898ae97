"""Indicators fire on their constructed case and stay quiet on the near miss."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from models.data import Records, prepare
from models.indicators import REGISTRY
from schema.settings import DEFAULTS
from tests.models.synthetic import DISCLOSURE_SCHEMA, FEEDBACK_SCHEMA

T = dt.datetime
AS_OF = dt.date(2024, 6, 30)
FIRST_DAY = dt.date(2024, 1, 1)
STREET = "210111001000"


def _villages(n: int = 12) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "region_code": [f"2101110012{i:02d}" for i in range(n)],
            "name": [f"村{i}" for i in range(n)],
            "street_code": [STREET] * n,
            "district_code": ["210111000000"] * n,
            "kind": ["village"] * n,
            "households": [500] * n,
        }
    )


CATALOGUE = pl.DataFrame(
    {
        "item_code": ["FW01", "FW05", "DW05"],
        "category": ["finance", "finance", "party"],
        "frequency": ["monthly", "event", "monthly"],
        "due_days": [10, 7, 10],
    }
)


def _data(disclosures: list[dict] = (), feedback: list[dict] = (), settings=DEFAULTS):
    records = Records.build(
        _villages(),
        pl.DataFrame(list(disclosures), schema=DISCLOSURE_SCHEMA),
        pl.DataFrame(list(feedback), schema=FEEDBACK_SCHEMA),
        CATALOGUE,
        FIRST_DAY,
        AS_OF,
        settings,
    )
    return prepare(records, AS_OF)


def _payment(i: int, village: str, amount: float, payee: str, day: T) -> dict:
    return {"disclosure_id": f"D{i}", "region_code": village, "category": "finance", "item_code": "FW05",
            "period": day.strftime("%Y-%m-%d"), "period_start": day.date(), "period_end": day.date(),
            "published_at": day, "reviewed_at": None, "status": "published", "amount": amount,
            "payee": payee, "updated_at": day}  # fmt: skip


@pytest.mark.parametrize(("amounts", "fires"), [((49_999.0, 48_000.0, 45_000.0), True),
                                               ((49_999.0, 48_000.0, 50_000.0), False),
                                               ((49_999.0, 48_000.0), False)])  # fmt: skip
def test_split_payments_flags_three_payments_to_one_payee_just_under_the_threshold(amounts, fires):
    village = "210111001203"
    rows = [
        _payment(i, village, a, "沈阳某建材商店", T(2024, 6, 1 + 3 * i))
        for i, a in enumerate(amounts)
    ]
    hits = REGISTRY["split_payments"].evaluate(_data(disclosures=rows))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])
    if fires:
        assert hits.row(0, named=True)["evidence"] == ["D0", "D1", "D2"]


def test_split_payments_ignores_payments_spread_over_more_than_thirty_days():
    village = "210111001203"
    days = [T(2024, 4, 5), T(2024, 5, 1), T(2024, 6, 10)]
    rows = [_payment(i, village, 49_000.0, "某公司", d) for i, d in enumerate(days)]
    assert REGISTRY["split_payments"].evaluate(_data(disclosures=rows)).is_empty()


def _message(
    i, village, submitted, reply_hours, close_hours=None, user=None, topic="其他", satisfaction=None
):
    replied = submitted + dt.timedelta(hours=reply_hours) if reply_hours is not None else None
    closed = submitted + dt.timedelta(hours=close_hours) if close_hours is not None else None
    return {"feedback_id": f"F{village[-2:]}{i}", "region_code": village, "user_id": user or f"U{i}",
            "topic": topic, "submitted_at": submitted, "first_reply_at": replied,
            "closed_at": closed, "satisfaction": satisfaction}  # fmt: skip


def _ordinary_messages():
    rows = []
    for v in _villages().get_column("region_code"):
        for i in range(4):
            rows.append(
                _message(i, v, T(2024, 5, 1 + 5 * i, 9), 3 + i, 30 + i, satisfaction="satisfied")
            )
    return rows


@pytest.mark.parametrize(("reply_hours", "fires"), [(72, True), (20, False)])
def test_slow_reply_flags_replies_far_slower_than_peers_and_the_floor(reply_hours, fires):
    village = "210111001205"
    rows = [r for r in _ordinary_messages() if r["region_code"] != village]
    rows += [
        _message(i, village, T(2024, 5, 1 + 5 * i, 9), reply_hours, reply_hours + 5)
        for i in range(4)
    ]
    hits = REGISTRY["slow_reply"].evaluate(_data(feedback=rows))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


def test_slow_reply_stays_quiet_when_the_village_was_always_this_slow():
    village = "210111001205"
    rows = [r for r in _ordinary_messages() if r["region_code"] != village]
    rows += [_message(i, village, T(2024, 5, 1 + 5 * i, 9), 72, 80) for i in range(4)]
    rows += [
        _message(10 + i, village, T(2024, 1, 1 + 5 * i, 9), 60, 70) for i in range(4)
    ]  # history
    assert REGISTRY["slow_reply"].evaluate(_data(feedback=rows)).is_empty()


@pytest.mark.parametrize(("residents", "repeat_after_days", "fires"),
                         [(3, 10, True), (3, 40, False), (1, 10, False)])  # fmt: skip
def test_repeat_after_closure_flags_residents_writing_again_soon_after_closures(
    residents, repeat_after_days, fires
):
    village = "210111001207"
    rows = []
    for r in range(4):  # four residents write; `residents` of them again after closure
        user = f"U7{r}"
        first = _message(2 * r, village, T(2024, 5, 1 + r, 9), 2, 24, user=user, topic="征收拆迁")
        rows.append(first)
        if r < residents:
            again = first["submitted_at"] + dt.timedelta(days=1 + repeat_after_days)
            rows.append(_message(2 * r + 1, village, again, 2, 24, user=user, topic="征收拆迁"))
    hits = REGISTRY["repeat_after_closure"].evaluate(_data(feedback=_with_ordinary(village, rows)))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


def _monthly_items(village: str, months: list[int], late_days: int = 2) -> list[dict]:
    rows = []
    for m in months:
        start = dt.date(2024, m, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        published = T(end.year, end.month, end.day) + dt.timedelta(days=late_days)
        for item, category in (("FW01", "finance"), ("DW05", "party")):
            rows.append({"disclosure_id": f"{village}{item}{m}", "region_code": village,
                         "category": category, "item_code": item, "period": start.strftime("%Y-%m"),
                         "period_start": start, "period_end": end, "published_at": published,
                         "reviewed_at": published + dt.timedelta(hours=5), "status": "published",
                         "amount": None, "payee": None, "updated_at": published})  # fmt: skip
    return rows


@pytest.mark.parametrize(("published_months", "fires"), [([], True), ([3, 4], False)])
def test_missing_periodic_items_flags_a_village_letting_most_lapse(published_months, fires):
    village = "210111001209"
    rows = []
    for v in _villages().get_column("region_code"):
        rows += _monthly_items(v, published_months if v == village else [3, 4, 5])
    hits = REGISTRY["missing_periodic_items"].evaluate(_data(disclosures=rows))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


@pytest.mark.parametrize(("late_days", "fires"), [(40, True), (5, False)])
def test_late_disclosures_flags_publication_weeks_after_due(late_days, fires):
    village = "210111001209"
    rows = []
    for v in _villages().get_column("region_code"):
        rows += _monthly_items(v, [3, 4, 5], late_days=late_days if v == village else 3)
    hits = REGISTRY["late_disclosures"].evaluate(_data(disclosures=rows))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


def test_every_indicator_is_documented():
    assert list(REGISTRY) == [
        "missing_periodic_items", "unanswered_messages", "silent_admin", "slow_reply",
        "slow_clearance", "late_disclosures", "slow_review", "amount_outlier", "split_payments",
        "finance_corrections", "closed_without_reply", "dissatisfied_closures",
        "repeat_after_closure", "benford", "activity_surge", "activity_bursts",
        "crowded_minutes", "registration_bursts", "hollow_registrations",
    ]  # fmt: skip
    for indicator in REGISTRY.values():
        assert indicator.lead_type in ("inaction", "slow", "wrong")
        for text in (indicator.name_zh, indicator.name_en, indicator.measures,
                     indicator.rationale, indicator.threshold_rule):  # fmt: skip
            assert text.strip(), indicator.id
        assert indicator.min_sample >= 1
        module = __import__(f"models.indicators.{indicator.id}", fromlist=["x"])
        assert module.__doc__ and "Needs:" in module.__doc__, indicator.id


def _village_messages(village: str, n: int, **kw) -> list[dict]:
    return [_message(i, village, T(2024, 5, 1 + 4 * i, 9), **kw) for i in range(n)]


def _with_ordinary(village: str, rows: list[dict]) -> list[dict]:
    return [r for r in _ordinary_messages() if r["region_code"] != village] + rows


@pytest.mark.parametrize(("replied", "fires"), [(0, True), (2, False)])
def test_unanswered_messages_flags_a_village_leaving_most_without_reply(replied, fires):
    village = "210111001203"
    rows = _village_messages(village, 4, reply_hours=None)
    for row in rows[:replied]:
        row["first_reply_at"] = row["submitted_at"] + dt.timedelta(hours=2)
    hits = REGISTRY["unanswered_messages"].evaluate(_data(feedback=_with_ordinary(village, rows)))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


@pytest.mark.parametrize(("silent", "fires"), [(True, True), (False, False)])
def test_silent_admin_flags_a_village_publishing_and_answering_nothing_while_residents_write(
    silent, fires
):
    village = "210111001203"
    rows = []
    for v in _villages().get_column("region_code"):
        if v != village or not silent:
            rows += _monthly_items(v, [3, 4, 5])
    message = _message(1, village, T(2024, 5, 20, 9), reply_hours=None)
    hits = REGISTRY["silent_admin"].evaluate(_data(disclosures=rows, feedback=[message]))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


@pytest.mark.parametrize(("lag_hours", "fires"), [(240, True), (30, False)])
def test_slow_review_flags_reviews_taking_days(lag_hours, fires):
    village = "210111001209"
    rows = []
    for v in _villages().get_column("region_code"):
        items = _monthly_items(v, [3, 4, 5])
        if v == village:
            for item in items:
                item["reviewed_at"] = item["published_at"] + dt.timedelta(hours=lag_hours)
        rows += items
    hits = REGISTRY["slow_review"].evaluate(_data(disclosures=rows))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


@pytest.mark.parametrize(("changed", "fires"), [(3, True), (0, False)])
def test_finance_corrections_flags_accounts_that_keep_changing(changed, fires):
    village = "210111001203"
    rows = []
    for k, v in enumerate(_villages().get_column("region_code")):
        for i in range(6):
            row = _payment(100 * k + i, v, 1000.0 + i, "某", T(2024, 5, 1 + i))
            if v == village and i < changed:
                row["status"] = "corrected"
            rows.append(row)
    hits = REGISTRY["finance_corrections"].evaluate(_data(disclosures=rows))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


@pytest.mark.parametrize(("silently", "fires"), [(2, True), (1, False)])
def test_closed_without_reply_flags_closures_that_answered_nothing(silently, fires):
    village = "210111001203"
    rows = _village_messages(village, 3, reply_hours=2, close_hours=30)
    for row in rows[:silently]:
        row["first_reply_at"] = None
    hits = REGISTRY["closed_without_reply"].evaluate(_data(feedback=_with_ordinary(village, rows)))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


@pytest.mark.parametrize(("unhappy", "fires"), [(2, True), (1, False)])
def test_dissatisfied_closures_flags_closures_residents_rate_unsatisfactory(unhappy, fires):
    village = "210111001203"
    rows = _village_messages(village, 3, reply_hours=2, close_hours=30, satisfaction="satisfied")
    for row in rows[:unhappy]:
        row["satisfaction"] = "dissatisfied"
    hits = REGISTRY["dissatisfied_closures"].evaluate(_data(feedback=_with_ordinary(village, rows)))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


@pytest.mark.parametrize(("inflated", "fires"), [(2, True), (1, False)])
def test_amount_outlier_flags_several_payments_far_above_everyone_elses(inflated, fires):
    village = "210111001203"
    rows = []
    for k, v in enumerate(_villages().get_column("region_code")):
        for i in range(3):
            amount = 20_000.0 + 1_000 * ((k + i) % 5)
            if v == village and i < inflated:
                amount = 2_000_000.0
            rows.append(_payment(100 * k + i, v, amount, "某公司", T(2024, 5, 1 + i)))
    hits = REGISTRY["amount_outlier"].evaluate(_data(disclosures=rows))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


@pytest.mark.parametrize(("rounded", "fires"), [(True, True), (False, False)])
def test_benford_flags_a_large_ledger_of_made_up_amounts(rounded, fires):
    import numpy as np

    village = "210111001203"
    rng = np.random.default_rng(1)
    n = 6000
    amounts = rng.choice([5000.0, 5500.0, 6000.0], n) if rounded else 10 ** rng.uniform(2, 5, n)
    rows = [
        _payment(i, village, float(round(a, 2)), "某", T(2024, 5, 1)) for i, a in enumerate(amounts)
    ]
    hits = REGISTRY["benford"].evaluate(_data(disclosures=rows))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])


def test_benford_stays_silent_on_too_few_amounts():
    village = "210111001203"
    rows = [_payment(i, village, 5000.0, "某", T(2024, 5, 1)) for i in range(4999)]
    assert REGISTRY["benford"].evaluate(_data(disclosures=rows)).is_empty()


@pytest.mark.parametrize(("amounts", "fires"), [((19_400.0, 19_650.0, 19_100.0), True),
                                               ((19_400.0, 21_650.0, 19_100.0), False)])  # fmt: skip
def test_split_payments_sees_a_split_under_any_round_amount_without_its_setting(amounts, fires):
    village = "210111001203"
    rows = [
        _payment(i, village, a, "某工程队", T(2024, 5, 3 + 9 * i)) for i, a in enumerate(amounts)
    ]
    hits = REGISTRY["split_payments"].evaluate(_data(disclosures=rows))
    assert hits.get_column("region_code").to_list() == ([village] if fires else [])
    if fires:
        assert hits.row(0, named=True)["evidence"] == ["D0", "D1", "D2"]


def _event(i: int, village: str, day: T, late_days: float) -> dict:
    published = day + dt.timedelta(days=1 + 7 + late_days)  # due: end of day + 7 days
    return {"disclosure_id": f"E{village[-2:]}{i}", "region_code": village, "category": "finance",
            "item_code": "FW05", "period": day.strftime("%Y-%m-%d"), "period_start": day.date(),
            "period_end": day.date(), "published_at": published, "reviewed_at": None,
            "status": "published", "amount": None, "payee": None, "updated_at": published}  # fmt: skip


def test_late_disclosures_sees_periodic_items_weeks_late_among_events_on_time():
    village = "210111001209"
    rows = []
    for v in _villages().get_column("region_code"):
        rows += _monthly_items(v, [3, 4, 5], late_days=30 if v == village else 3)
        # Many event items, all on time: the median over every item stays 0.
        rows += [_event(i, v, T(2024, 4, 1) + dt.timedelta(days=3 * i), -3) for i in range(20)]
    hits = REGISTRY["late_disclosures"].evaluate(_data(disclosures=rows))
    assert hits.get_column("region_code").to_list() == [village]
    assert hits.row(0, named=True)["value"] == 1.0  # the periodic items' share
