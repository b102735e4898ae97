"""A small hand-made district for the padded-figure indicators: three streets of eight
villages whose residents registered in 2023 and visit the platform at scattered times from
January to June 2024, and a few villages that pad their figures in the window (April to
June, scored as of 2024-06-30), each beside a near miss. Written as a platform export and
loaded through the loader, so the marts and the SQL reads are the real ones."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.exports import write_csv

AS_OF = dt.date(2024, 6, 30)
DISTRICT = "210111000000"
MONTHS = [dt.date(2024, m, 1) for m in range(1, 7)]
WINDOW_MONTHS = MONTHS[3:]  # April to June: the 90 days before 2024-06-30
STREETS = {"210111001000": "一街道", "210111002000": "二街道", "210111003000": "三街道"}
# Hours at which residents visit of their own accord (weights), as on the platform.
HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.3, 0.4, 1, 3, 6, 8, 7, 6, 5, 5, 5, 5, 5, 5, 6, 7, 9, 10, 9, 6, 3], float
)
HOUR_WEIGHTS /= HOUR_WEIGHTS.sum()


def code(street: int, village: int) -> str:
    return f"21011100{street}2{village:02d}"


# The villages that do something, by what they do.
SURGE = code(1, 1)  # residents' activity leaps to 85 % in the window, at ordinary times
SURGE_NEAR = code(1, 2)  # activity up by 6 points
BURSTS = code(1, 3)  # 120 idle residents logged in each month in three one-hour sittings
BURSTS_NEAR = code(1, 4)  # 120 idle residents visiting over the month's last ten days
CROWD = code(2, 1)  # 150 idle residents logged in within five minutes each month
CROWD_NEAR = code(2, 2)  # a meeting: 60 residents in the same minutes, also active alone
GROWTH = code(2, 3)  # a campaign signs up 80 households over four weeks; they then visit
REGISTRATION_BURST = code(2, 4)  # 100 accounts created within ninety minutes on 31 May
HOLLOW = code(3, 1)  # 40 new accounts without a household
CANCELLED = code(3, 2)  # 40 new accounts cancelled five days after the May ranking
HOLLOW_NEAR = code(3, 3)  # 42 new accounts, 2 of them without a household


@dataclass
class World:
    regions: list[list] = field(default_factory=list)
    users: list[list] = field(default_factory=list)
    events: list[tuple[str, dt.datetime]] = field(default_factory=list)
    next_user: int = 1

    def account(
        self,
        village: str,
        household: str | None,
        registered: dt.datetime,
        cancelled: dt.datetime | None = None,
    ) -> str:
        user_id = f"U{self.next_user:06d}"
        self.next_user += 1
        status = "注销" if cancelled else "正常"
        self.users.append(
            [user_id, village, household or "", _text(registered), "群众", status,
             _text(cancelled) if cancelled else "", _text(cancelled or registered)]
        )  # fmt: skip
        return user_id


def _text(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


def _ordinary_time(
    rng: np.random.Generator, month: dt.date, days: int | None = None
) -> dt.datetime:
    """A moment a resident might choose: any day of the month (or of its last `days`), at an
    hour weighted as residents' visits are, to the minute."""
    length = calendar.monthrange(month.year, month.month)[1]
    first = length - days if days else 0
    day = int(rng.integers(first, length))
    hour = int(rng.choice(24, p=HOUR_WEIGHTS))
    return dt.datetime.combine(month, dt.time()) + dt.timedelta(
        days=day, hours=hour, minutes=int(rng.integers(0, 60))
    )


def _visits(world: World, rng, user: str, month: dt.date, days: int | None = None) -> None:
    for _ in range(1 + rng.poisson(1.5)):
        world.events.append((user, _ordinary_time(rng, month, days)))


def _sitting(world: World, users: list[str], start: dt.datetime, per_minute: float) -> None:
    """Someone logging `users` in one after another, `per_minute` a minute."""
    for i, user in enumerate(users):
        world.events.append((user, start + dt.timedelta(minutes=int(i / per_minute))))


def build(folder: Path, seed: int = 0) -> Path:
    """Write the export to `folder` and return it."""
    rng = np.random.default_rng(seed)
    world = World()
    world.regions.append([DISTRICT, "测试区", "区县", "", "", "", ""])
    residents: dict[str, list[str]] = {}
    for s, (street, street_name) in enumerate(STREETS.items(), start=1):
        world.regions.append([street, street_name, "街道", DISTRICT, "", "", ""])
        for v in range(1, 9):
            village = code(s, v)
            households = int(rng.integers(180, 260))
            world.regions.append(
                [village, f"{street_name}{v}村", "村社区", street, "村", households, households * 3]
            )
            # GROWTH's last 80 households sign up in the campaign.
            registered = households - 80 if village == GROWTH else households
            accounts = []
            for h in range(registered):
                household = f"{village}-{h:05d}"
                for _ in range(1 + int(rng.random() < 0.15)):
                    at = dt.datetime(2023, 1, 1) + dt.timedelta(
                        minutes=int(rng.integers(0, 500_000))
                    )
                    accounts.append(world.account(village, household, at))
            residents[village] = accounts
            # A trickle of newcomers in the window, as every village has.
            for k in range(int(rng.integers(0, 4))):
                at = _ordinary_time(rng, WINDOW_MONTHS[k % 3])
                world.account(village, f"{village}-{9000 + k:05d}", at)

    for village, accounts in residents.items():
        usual = 0.25 + 0.1 * rng.random()
        for month in MONTHS:
            padded = month in WINDOW_MONTHS
            p = usual
            if padded and village == SURGE:
                p = 0.85
            elif padded and village == SURGE_NEAR:
                p = usual + 0.06
            active = [u for u in accounts if rng.random() < p]
            for user in active:
                _visits(world, rng, user, month)
            chosen = set(active)
            idle = [u for u in accounts if u not in chosen]
            last_day = dt.datetime(
                month.year, month.month, calendar.monthrange(2024, month.month)[1]
            )
            if padded and village == BURSTS:
                for sitting in range(3):  # 15:00 on each of the month's last three days
                    chosen = idle[40 * sitting : 40 * (sitting + 1)]
                    at = last_day - dt.timedelta(days=sitting) + dt.timedelta(hours=15)
                    _sitting(world, chosen, at, 0.7)
            elif padded and village == BURSTS_NEAR:
                for user in idle[:120]:
                    world.events.append((user, _ordinary_time(rng, month, days=10)))
            elif padded and village == CROWD:
                _sitting(world, idle[:150], last_day + dt.timedelta(hours=16, minutes=50), 30)
            elif padded and village == CROWD_NEAR:
                meeting = active[:60]  # residents who also visit on their own
                _sitting(world, meeting, last_day + dt.timedelta(days=-10, hours=10), 20)

    _campaign(world, rng)
    _registrations(world, rng)

    write_csv(
        folder / "regions.csv",
        ["区划代码", "名称", "层级", "上级区划代码", "类型", "户数", "常住人口"],
        world.regions,
    )
    write_csv(
        folder / "users.csv",
        ["用户ID", "村社区代码", "户号", "注册时间", "用户类型", "状态", "注销时间", "更新时间"],
        world.users,
    )
    write_csv(
        folder / "activity.csv",
        ["用户ID", "访问时间", "行为", "对象ID"],
        [[user, _text(at), "浏览", ""] for user, at in sorted(world.events, key=lambda e: e[1])],
    )
    return folder


def _campaign(world: World, rng) -> None:
    """GROWTH signs up 80 households on working days from 8 April to 3 May, during office
    hours, nine of them at a sign-up desk in one hour; the newcomers then visit as others do."""
    households = [f"{GROWTH}-{h:05d}" for h in range(1000, 1080)]
    days = [dt.date(2024, 4, 8) + dt.timedelta(days=d) for d in range(26)]
    working = [d for d in days if d.weekday() < 5]
    newcomers = []
    for i, household in enumerate(households):
        if i < 9:
            at = dt.datetime(2024, 4, 20, 9, 0) + dt.timedelta(minutes=6 * i)
        else:
            day = working[int(rng.integers(0, len(working)))]
            at = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(
                minutes=int(rng.integers(0, 8 * 60))
            )
        newcomers.append((world.account(GROWTH, household, at), at))
    for user, registered in newcomers:
        for month in WINDOW_MONTHS:
            if month >= registered.date().replace(day=1) and rng.random() < 0.45:
                for _ in range(1 + rng.poisson(1.5)):
                    at = _ordinary_time(rng, month)
                    if at > registered:
                        world.events.append((user, at))


def _registrations(world: World, rng) -> None:
    # 100 accounts for new households, created between 15:00 and 16:30 on 31 May.
    for i in range(100):
        at = dt.datetime(2024, 5, 31, 15, 0) + dt.timedelta(minutes=int(i * 0.9))
        world.account(REGISTRATION_BURST, f"{REGISTRATION_BURST}-{5000 + i:05d}", at)
    # Accounts over May, two a day at ordinary times: without a household, cancelled right
    # after the ranking, or (the near miss) with households, two of them without.
    for i in range(42):
        day = dt.datetime(2024, 5, 1 + i % 20, 9) + dt.timedelta(minutes=int(rng.integers(0, 600)))
        if i < 40:
            world.account(HOLLOW, None, day)
            world.account(
                CANCELLED, f"{CANCELLED}-{6000 + i:05d}", day + dt.timedelta(days=10),
                cancelled=dt.datetime(2024, 6, 5, 10, i),
            )  # fmt: skip
        world.account(HOLLOW_NEAR, None if i < 2 else f"{HOLLOW_NEAR}-{7000 + i:05d}", day)
