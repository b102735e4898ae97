"""A small district generator of its own, independent of the demo's, for testing the
indicators on local practice and magnitudes they were not written against: its own
pace of replies and reviews, its own sizes of payments, its own approval threshold, and
misconduct of any kind and magnitude in chosen villages and months.

    records = generate(District(seed=3, reply_hours=20), [Misconduct("inflate", 5, ...)])

gives models.data.Records directly (no export files), so that a sweep of magnitudes
runs in a second.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from models.data import Records
from schema.settings import DEFAULTS
from schema.timing import month_end, next_month

DISTRICT_CODE = "210111000000"
QUARTERLY = {"CW02": "village", "CW08": "village", "FW02": "finance", "FW03": "finance",
             "DW02": "party", "DW04": "party"}  # fmt: skip
CATALOGUE = pl.DataFrame(
    {
        "item_code": ["FW01", "DW05", *QUARTERLY, "FW05", "CW03"],
        "category": ["finance", "party", *QUARTERLY.values(), "finance", "village"],
        "frequency": ["monthly", "monthly", *["quarterly"] * len(QUARTERLY), "event", "event"],
        "due_days": [10, 10, *[10] * len(QUARTERLY), 7, 7],
    }
)
KINDS = ("slow_reply", "slow_clearance", "late", "slow_review", "inflate", "split",
         "corrections", "closed_silently", "dissatisfied", "repeat", "unanswered", "missing")  # fmt: skip
TOPICS = ["环境卫生", "涉农补贴", "三资管理", "征收拆迁", "基础设施", "低保救助", "党务", "其他"]
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class District:
    """A district's size and local practice."""

    seed: int = 0
    streets: int = 4
    villages_per_street: int = 12
    start: dt.date = dt.date(2024, 1, 1)
    months: int = 6
    messages_per_month: float = 2.0  # per village
    reply_hours: float = 4.0  # median hours to a first reply
    reply_spread: float = 0.8  # of log hours
    close_hours: float = 48.0  # median hours from reply to closure
    review_hours: float = 12.0  # median hours from publication to the street's review
    ledger_lines: int = 4  # FW01 payment lines a month
    ledger_amount: float = 3_000.0  # median FW01 payment, yuan
    project_amount: float = 30_000.0  # median FW05 payment
    projects_per_month: float = 0.6
    events_per_month: float = 2.0  # CW03 events
    on_time: float = 0.95  # share of items published by their due date

    @property
    def end(self) -> dt.date:
        day = self.start
        for _ in range(self.months):
            day = next_month(day)
        return day - DAY


@dataclass(frozen=True)
class Misconduct:
    """`kind` (KINDS) in village number `village` from `start` for `months`, at
    `magnitude` (hours, days, times or yuan as the kind needs) on a `share` of its rows."""

    kind: str
    village: int
    start: dt.date
    months: int = 3
    magnitude: float = 1.0
    share: float = 1.0

    def covers(self, at: dt.datetime | dt.date) -> bool:
        day = at.date() if isinstance(at, dt.datetime) else at
        end = self.start
        for _ in range(self.months):
            end = next_month(end)
        return self.start <= day < end


def _villages(district: District) -> pl.DataFrame:
    rows = []
    for s in range(district.streets):
        for v in range(district.villages_per_street):
            number = s * district.villages_per_street + v
            rows.append(
                {
                    "region_code": f"2101110{s + 1:02d}{200 + v:03d}",
                    "name": f"V{number:02d}",
                    "street_code": f"2101110{s + 1:02d}000",
                    "district_code": DISTRICT_CODE,
                    "kind": "village",
                    "households": 500,
                }
            )
    return pl.DataFrame(rows)


def _at(day: dt.date, hours: float) -> dt.datetime:
    return (dt.datetime.combine(day, dt.time()) + hours * HOUR).replace(second=0, microsecond=0)


def generate(
    district: District,
    misconduct: list[Misconduct] = (),
    settings: dict[str, float] | None = None,
) -> Records:
    rng = np.random.default_rng(district.seed)
    villages = _villages(district)
    codes = villages.get_column("region_code").to_list()
    acting = {}
    for m in misconduct:
        acting.setdefault(m.village, []).append(m)

    def doing(v: int, kind: str, at) -> Misconduct | None:
        for m in acting.get(v, []):
            if m.kind == kind and m.covers(at) and rng.random() < m.share:
                return m
        return None

    disclosures: list[dict] = []
    feedback: list[dict] = []
    months = []
    month = district.start
    while month <= district.end:
        months.append(month)
        month = next_month(month)

    def disclose(v, item, category, start, end, published, amount=None, payee=None):
        review = doing(v, "slow_review", published)
        lag = (review.magnitude if review else district.review_hours) * rng.lognormal(0, 0.5)
        changed = doing(v, "corrections", published) if category == "finance" else None
        status = "corrected" if changed or rng.random() < 0.01 else "published"
        disclosures.append(
            {"disclosure_id": f"D{len(disclosures) + 1:07d}", "region_code": codes[v],
             "category": category, "item_code": item, "period": f"{start:%Y-%m}",
             "period_start": start, "period_end": end, "published_at": published,
             "reviewed_at": published + lag * HOUR, "status": status,
             "amount": None if amount is None else round(float(amount), 2), "payee": payee,
             "updated_at": published + 5 * DAY if status == "corrected" else published}
        )  # fmt: skip

    def periodic_publication(v, end, due_days):
        due = _at(end + DAY, 24 * due_days)
        if doing(v, "missing", due):
            return None
        late = doing(v, "late", due)
        if late:
            return due + late.magnitude * DAY * rng.uniform(0.9, 1.1)
        if rng.random() < district.on_time:
            return due - rng.uniform(0.1, 0.95) * due_days * DAY
        return due + rng.exponential(2.0) * DAY + HOUR

    for v in range(len(codes)):
        payees = [f"{s}某" for s in "王李张刘陈杨赵黄周吴徐孙马朱胡郭"]
        for month in months:
            end = month_end(month)
            for item, category in (("FW01", "finance"), ("DW05", "party")):
                published = periodic_publication(v, end, 10)
                if published is None:
                    continue
                lines = district.ledger_lines if item == "FW01" else 1
                for line in range(lines):
                    amount = payee = None
                    if item == "FW01":
                        amount = district.ledger_amount * rng.lognormal(0, 0.9)
                        inflated = doing(v, "inflate", published)
                        amount *= inflated.magnitude if inflated else 1.0
                        payee = payees[rng.integers(len(payees))]
                    disclose(v, item, category, month, end, published + line * 7 * HOUR,
                             amount, payee)  # fmt: skip
            if month.month % 3 == 0:
                quarter = month.replace(month=month.month - 2)
                for item, category in QUARTERLY.items():
                    published = periodic_publication(v, end, 10)
                    if published is not None:
                        disclose(v, item, category, quarter, end, published)
            for item, rate, amount in (
                ("FW05", district.projects_per_month, district.project_amount),
                ("CW03", district.events_per_month, None),
            ):
                for _ in range(rng.poisson(rate)):
                    day = month + rng.integers(0, (end - month).days + 1) * DAY
                    published = _at(day, 24 + rng.uniform(0, 24 * 6))
                    paid = None if amount is None else amount * rng.lognormal(0, 1.0)
                    payee = None if amount is None else f"某某{rng.integers(1, 40)}号工程队"
                    disclose(v, item, "finance" if amount else "village", day, day, published,
                             paid, payee)  # fmt: skip
            split = next(
                (m for m in acting.get(v, []) if m.kind == "split" and m.covers(month)), None
            )
            if split:
                first = _at(month + rng.integers(0, 12) * DAY, 9)
                for part in range(3):
                    paid = split.magnitude * rng.uniform(0.9, 0.999)
                    disclose(v, "FW05", "finance", first.date(), first.date(),
                             first + part * rng.uniform(1, 4) * DAY, paid, f"{v}号建材商店")  # fmt: skip

            for _ in range(rng.poisson(district.messages_per_month)):
                submitted = _at(month, rng.uniform(0, 24 * ((end - month).days + 1)))
                user, topic = f"U{v:02d}{rng.integers(200):03d}", TOPICS[rng.integers(8)]
                feedback.append(_message(district, rng, v, codes[v], submitted, user, topic, doing))
                repeat = doing(v, "repeat", submitted)
                closed = feedback[-1]["closed_at"]
                if repeat and closed is not None and rng.random() < min(repeat.magnitude / 3, 1):
                    again = closed + rng.uniform(1, 10) * DAY
                    feedback.append(_message(district, rng, v, codes[v], again, user, topic, doing))
    for i, row in enumerate(feedback, 1):
        row["feedback_id"] = f"F{i:07d}"
    last = dt.datetime.combine(district.end + DAY, dt.time())
    disclosures = [d for d in disclosures if d["published_at"] < last]
    feedback = [f for f in feedback if f["submitted_at"] < last]
    return Records.build(
        villages,
        pl.DataFrame(disclosures, schema=DISCLOSURE_SCHEMA).sort("published_at", "disclosure_id"),
        pl.DataFrame(feedback, schema=FEEDBACK_SCHEMA).sort("submitted_at", "feedback_id"),
        CATALOGUE,
        district.start,
        district.end,
        DEFAULTS.with_values(settings or {}),
    )


def _message(district, rng, v, code, submitted, user, topic, doing) -> dict:
    slow = doing(v, "slow_reply", submitted)
    reply_hours = (slow.magnitude if slow else district.reply_hours) * rng.lognormal(
        0, 0.3 if slow else district.reply_spread
    )
    replied = submitted + reply_hours * HOUR
    clearing = doing(v, "slow_clearance", submitted)
    close_hours = (clearing.magnitude * 24 if clearing else district.close_hours) * rng.lognormal(
        0, 0.5
    )
    closed = replied + close_hours * HOUR
    if doing(v, "closed_silently", submitted):
        replied, closed = None, submitted + rng.uniform(1, 12) * HOUR
    if doing(v, "unanswered", submitted) or rng.random() < 0.01:
        replied = closed = None
    unhappy = doing(v, "dissatisfied", submitted)
    satisfaction = (
        "dissatisfied"
        if unhappy
        else rng.choice(
            ["satisfied", "fairly_satisfied", "dissatisfied", "not_rated"],
            p=[0.82, 0.12, 0.03, 0.03],
        )
    )
    return {"feedback_id": "", "region_code": code, "user_id": user, "topic": topic,
            "submitted_at": submitted, "first_reply_at": replied, "closed_at": closed,
            "satisfaction": satisfaction if closed is not None else None}  # fmt: skip


DISCLOSURE_SCHEMA = {
    "disclosure_id": pl.String, "region_code": pl.String, "category": pl.String,
    "item_code": pl.String, "period": pl.String, "period_start": pl.Date, "period_end": pl.Date,
    "published_at": pl.Datetime("us"), "reviewed_at": pl.Datetime("us"), "status": pl.String,
    "amount": pl.Decimal(18, 2), "payee": pl.String, "updated_at": pl.Datetime("us"),
}  # fmt: skip
FEEDBACK_SCHEMA = {
    "feedback_id": pl.String, "region_code": pl.String, "user_id": pl.String, "topic": pl.String,
    "submitted_at": pl.Datetime("us"), "first_reply_at": pl.Datetime("us"),
    "closed_at": pl.Datetime("us"), "satisfaction": pl.String,
}  # fmt: skip
