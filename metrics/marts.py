"""Village × period marts: the numerators and denominators of every metric, as pure Polars.

LazyFrame in, LazyFrame out, no I/O. Periods are calendar days or months, half-open in
local time: a period holds what happened at or after its first instant and before the
next period's. "The end" of a period is evaluated at `as_of`: the next period's first
instant, or, for a period still running, just after the last moment of the loaded data.
Figures at the end of a month are those at the end of its last day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from schema.timing import (
    OVERDUE_DAYS,
    close_hours,
    closed_within_7_days,
    replied_same_day,
    reply_hours,
)

GRAINS = ("day", "month")
RATED = ["satisfied", "fairly_satisfied", "dissatisfied"]
SATISFIED = ["satisfied", "fairly_satisfied"]
CATEGORY_COLUMNS = {
    "party": "disclosures_party",
    "village": "disclosures_village",
    "finance": "disclosures_finance",
}
AGE_BUCKETS = (  # (column, more than days, at most days)
    ("open_le_1d", None, 1),
    ("open_1_7d", 1, 7),
    ("open_7_30d", 7, 30),
    ("open_gt_30d", 30, None),
)
# Columns of the village marts that add up across villages and days.
COUNT_COLUMNS = (
    "households", "registered_households", "residents", "active_residents",
    "feedback", "replied", "same_day_replies", "closed_7d", "rated", "satisfied",
    "backlog", "overdue", *(b[0] for b in AGE_BUCKETS),
    *CATEGORY_COLUMNS.values(), "disclosures_with_due", "disclosures_on_time",
    "due_items", "due_items_published",
)  # fmt: skip
# Counts taken at the end of a period rather than summed over it.
END_OF_PERIOD_COLUMNS = (
    "households", "registered_households", "residents",
    "backlog", "overdue", *(b[0] for b in AGE_BUCKETS),
)  # fmt: skip


@dataclass(frozen=True)
class Span:
    """The loaded data's days: first and last calendar day, and its last moment."""

    first_day: dt.date
    last_day: dt.date
    data_end: dt.datetime

    @property
    def as_of_cap(self) -> dt.datetime:
        return self.data_end + dt.timedelta(microseconds=1)


def period_start(ts: pl.Expr, grain: str) -> pl.Expr:
    day = ts.dt.date() if grain == "day" else ts.dt.date().dt.month_start()
    return day.alias("period_start")


def periods(span: Span, grain: str) -> pl.LazyFrame:
    """One row per period of the span: period_start, last_day (within the span), as_of."""
    starts = pl.date_range(
        span.first_day if grain == "day" else span.first_day.replace(day=1),
        span.last_day,
        "1d" if grain == "day" else "1mo",
        eager=True,
    )
    frame = pl.LazyFrame({"period_start": starts})
    following = (
        pl.col("period_start").dt.offset_by("1d")
        if grain == "day"
        else pl.col("period_start").dt.offset_by("1mo")
    )
    return frame.with_columns(
        pl.min_horizontal(following - pl.duration(days=1), pl.lit(span.last_day)).alias("last_day"),
        pl.min_horizontal(following.cast(pl.Datetime("us")), pl.lit(span.as_of_cap)).alias("as_of"),
    )


def residents(users: pl.LazyFrame) -> pl.LazyFrame:
    """Residents with the moment their registration ended, if it did. A cancelled user
    without a cancellation time is taken as cancelled when last updated."""
    cancelled = (
        pl.when(pl.col("status") == "cancelled")
        .then(pl.coalesce("cancelled_at", "updated_at", "registered_at"))
        .alias("cancelled_at")
    )
    return users.filter(pl.col("role") == "resident").select(
        "user_id", "region_code", "household_id", "registered_at", cancelled
    )


def _deltas_by_day(events: pl.LazyFrame, span: Span, value: str) -> pl.LazyFrame:
    """Sum +1/-1 events per village and day, those before the span counted on its first day."""
    day = pl.max_horizontal(pl.col("at").dt.date(), pl.lit(span.first_day))
    return (
        events.filter(pl.col("at").dt.date() <= span.last_day)
        .group_by("region_code", day.alias("day"))
        .agg(pl.col("delta").sum().alias(value))
    )


def registration_by_day(
    resident_rows: pl.LazyFrame, villages: pl.LazyFrame, span: Span
) -> pl.LazyFrame:
    """region_code, day, residents and registered households at the end of each day."""
    starts = resident_rows.select("region_code", "household_id", at="registered_at", delta=1)
    ends = resident_rows.filter(pl.col("cancelled_at").is_not_null()).select(
        "region_code", "household_id", at="cancelled_at", delta=-1
    )
    user_events = pl.concat([starts, ends]).with_columns(pl.col("delta").cast(pl.Int32))
    in_households = user_events.filter(pl.col("household_id").is_not_null())
    household = ["region_code", "household_id"]
    several = (
        resident_rows.filter(pl.col("household_id").is_not_null())
        .group_by(household)
        .agg(pl.col("user_id").n_unique().alias("members"))
        .filter(pl.col("members") > 1)
        .select(household)
    )
    # A household is registered while any of its users is. With one member that is the
    # member's own registration; with several, it starts when the count of registered
    # members rises from zero and ends when that count falls back to zero. The count is
    # a running total over the rows sorted by household, less the total before the
    # household's first row: windows over the two keys cost half of this function.
    running = pl.col("delta").cum_sum()
    first_of_household = pl.any_horizontal(
        pl.col(c).ne_missing(pl.col(c).shift(1)) for c in household
    )
    before_household = pl.when(first_of_household).then(running - pl.col("delta")).forward_fill()
    shared = (
        in_households.join(several, on=household, how="semi")
        .group_by(*household, "at")
        .agg(pl.col("delta").sum())
        .sort(*household, "at")
        .with_columns((running - before_household).alias("count"))
        .with_columns((pl.col("count") - pl.col("delta")).alias("before"))
        .select(
            "region_code",
            "at",
            delta=pl.when((pl.col("before") <= 0) & (pl.col("count") > 0))
            .then(1)
            .when((pl.col("before") > 0) & (pl.col("count") <= 0))
            .then(-1)
            .otherwise(0)
            .cast(pl.Int32),
        )
    )
    household_events = pl.concat(
        [
            in_households.join(several, on=household, how="anti").select(
                "region_code", "at", "delta"
            ),
            shared,
        ]
    )
    days = pl.LazyFrame({"day": pl.date_range(span.first_day, span.last_day, "1d", eager=True)})
    grid = villages.select("region_code").join(days, how="cross")
    return (
        grid.join(
            _deltas_by_day(user_events, span, "residents"), on=["region_code", "day"], how="left"
        )
        .join(
            _deltas_by_day(household_events, span, "registered_households"),
            on=["region_code", "day"],
            how="left",
        )
        .with_columns(pl.col("residents", "registered_households").fill_null(0))
        .sort("region_code", "day")
        .with_columns(pl.col("residents", "registered_households").cum_sum().over("region_code"))
    )


def daily_visits(activity: pl.LazyFrame) -> pl.LazyFrame:
    """user_id, day: who did anything on which day."""
    return activity.select("user_id", pl.col("ts").dt.date().alias("day")).unique()


def active_residents(
    visits: pl.LazyFrame, resident_rows: pl.LazyFrame, span: Span, grain: str
) -> pl.LazyFrame:
    """region_code, period_start, active_residents: residents on the books at the period's
    end who did anything in it. `visits` are `daily_visits`."""
    dated = visits.select("user_id", period_start(pl.col("day"), grain))
    if grain != "day":
        dated = dated.unique()
    on_books_at_end = (pl.col("registered_at") < pl.col("as_of")) & (
        pl.col("cancelled_at").is_null() | (pl.col("cancelled_at") >= pl.col("as_of"))
    )
    return (
        dated.join(periods(span, grain).select("period_start", "as_of"), on="period_start")
        .join(
            resident_rows.select("user_id", "region_code", "registered_at", "cancelled_at"),
            on="user_id",
        )
        .filter(on_books_at_end)
        .group_by("region_code", "period_start")
        .agg(pl.len().cast(pl.Int64).alias("active_residents"))
    )


# The same two definitions as SQL, for the loader to run where the events are (a province's
# month of visits is millions of rows; DuckDB counts them without handing them over). They
# must agree with `residents` and `active_residents`: tests/etl/test_incremental_marts.py
# compares the two on the same tables.
def residents_sql(users: str) -> str:
    """SELECT user_id, region_code, registered_at, cancelled_at of `users`' residents, as
    `residents` gives them."""
    return f"""SELECT user_id, region_code, registered_at,
        CASE WHEN status = 'cancelled' THEN coalesce(cancelled_at, updated_at, registered_at)
        END AS cancelled_at
        FROM {users} WHERE role = 'resident'"""


def user_months_sql(events: str) -> str:
    """SELECT user_id, month, days: one row per user and month in which the user did
    anything among `events` (user_id, ts), `days` a bit mask of those days (bit 0 the 1st).
    The loader keeps these beside the events: a province's month is 5 M events but 1.6 M
    users, and the active residents of every day and of the month are counted from them."""
    return f"""SELECT user_id, date_trunc('month', ts)::DATE AS month,
        bit_or((1::UINTEGER << (dayofmonth(ts) - 1)::UINTEGER)) AS days
        FROM {events} GROUP BY user_id, month"""


def _on_books(at: str) -> str:
    return f"registered_at < {at} AND (cancelled_at IS NULL OR cancelled_at >= {at})"


def village_months_sql(
    user_months: str, resident_rows: str, as_of_cap: str, restrict: str = ""
) -> str:
    """SELECT region_code, month, month_active, steady, unsteady: what `active_residents_sql`
    counts, from `user_months` (`user_months_sql`) joined once to `resident_rows`
    (`residents_sql`). `as_of_cap` is SQL for the data's last moment plus a microsecond: a
    period's end is never later. `restrict` is a join on the joined rows (`r`: the
    resident, `u`: the user's month) that keeps only some villages' months.

    month_active: the residents active in the month and on the books at its end. A resident
    on the books from the end of the month's first day to the month's end is counted on
    every day of the mask: `steady` sums those masks bit by bit (31 counts, `_spread`);
    `unsteady` lists the few registered or cancelled within the month, to be counted day
    by day."""
    month_end = f"least(month + INTERVAL 1 MONTH, {as_of_cap})"
    steady = (
        f"registered_at < least(month + INTERVAL 1 DAY, {as_of_cap}) "
        f"AND (cancelled_at IS NULL OR cancelled_at >= {month_end})"
    )
    sums = ", ".join(
        f"sum({_spread(f'steady_days >> {first}')}) AS s{first}"
        for first in range(0, 31, _DAYS_PER_SUM)
    )
    counts = ", ".join(
        f"((s{day - day % _DAYS_PER_SUM} >> {_LANE_BITS * (day % _DAYS_PER_SUM)}) "
        f"& {(1 << _LANE_BITS) - 1})::BIGINT"
        for day in range(31)
    )
    return f"""SELECT region_code, month, month_active, [{counts}] AS steady, unsteady FROM (
        SELECT region_code, month,
            count(*) FILTER (WHERE {_on_books(month_end)}) AS month_active, {sums},
            list({{'days': days, 'registered_at': registered_at, 'cancelled_at': cancelled_at}})
                FILTER (WHERE steady_days = 0) AS unsteady
        FROM (SELECT *, CASE WHEN {steady} THEN days ELSE 0::UINTEGER END AS steady_days
            FROM (SELECT u.month, u.days, r.region_code, r.registered_at, r.cancelled_at
                FROM {user_months} u JOIN ({resident_rows}) r ON r.user_id = u.user_id
                {restrict}))
        GROUP BY region_code, month)"""


# The 31 day counts of `village_months_sql`, summed four days at a time: each day's bit is
# moved to a 32-bit lane of its own in a HUGEINT, so that one sum counts four days. A lane
# holds a count up to 2^32 - 1, the top one (HUGEINT is signed) up to 2^31 - 1, and a
# village's month has far fewer residents; past that DuckDB would raise, not wrap. Eight
# sums in place of 31 take a quarter off the statement's time on a province.
_DAYS_PER_SUM = 4
_LANE_BITS = 32


def _spread(days: str) -> str:
    """The low four bits of `days` (bit i for day i) with bit i moved to bit 32·i.
    Multiplying by Σ 2^(31·i) places copy i of the four bits at 31·i: bit i of copy i
    lands at 32·i, the copies do not overlap (4 < 31), and no other bit of any copy falls
    on a 32·k."""
    four = (1 << _DAYS_PER_SUM) - 1
    spread = sum(1 << ((_LANE_BITS - 1) * i) for i in range(_DAYS_PER_SUM))
    lanes = sum(1 << (_LANE_BITS * i) for i in range(_DAYS_PER_SUM))
    return f"(((({days}) & {four})::HUGEINT * {spread}::HUGEINT) & {lanes}::HUGEINT)"


def active_residents_sql(village_months: str, grain: str, as_of_cap: str) -> str:
    """SELECT region_code, period_start, active_residents, as `active_residents` counts them,
    from `village_months` (`village_months_sql`)."""
    if grain == "month":
        return f"""SELECT region_code, month AS period_start,
                month_active::BIGINT AS active_residents
            FROM {village_months} WHERE month_active > 0"""
    every_day = f"""SELECT region_code, month, unnest(range(31))::INTEGER AS i, unnest(steady) AS n
        FROM {village_months}"""
    some_days = f"""SELECT region_code, month, i, 1 AS n FROM (
            SELECT region_code, month, u.registered_at, u.cancelled_at,
                unnest(list_filter(range(31), lambda b: ((u.days >> b) & 1) = 1))::INTEGER AS i
            FROM (SELECT region_code, month, unnest(unsteady) AS u FROM {village_months}))
        WHERE {_on_books(f"least(month + i + 1, {as_of_cap})")}"""
    return f"""SELECT region_code, (month + i)::DATE AS period_start,
            sum(n)::BIGINT AS active_residents
        FROM ({every_day} UNION ALL {some_days}) WHERE n > 0
        GROUP BY region_code, period_start"""


def active_by_period(
    activity: pl.LazyFrame,
    resident_rows: pl.LazyFrame,
    span: Span,
    grains: tuple[str, ...] = GRAINS,
) -> dict[str, pl.LazyFrame]:
    """region_code, period_start, active_residents for each grain, from the events of `span`."""
    visits = daily_visits(activity).collect().lazy()
    return {g: active_residents(visits, resident_rows, span, g) for g in grains}


def feedback_facts(feedback: pl.LazyFrame) -> pl.LazyFrame:
    """One row per message with what the metrics ask of it."""
    return feedback.select(
        "feedback_id", "region_code", "user_id", "topic", "status", "satisfaction",
        "handler_id", "submitted_at", "first_reply_at", "closed_at",
        reply_hours().alias("reply_hours"),
        close_hours().alias("close_hours"),
        replied_same_day().alias("same_day"),
        closed_within_7_days().alias("closed_7d"),
        pl.col("satisfaction").is_in(RATED).alias("rated"),
        pl.col("satisfaction").is_in(SATISFIED).alias("is_satisfied"),
    )  # fmt: skip


def feedback_by_period(facts: pl.LazyFrame, grain: str) -> pl.LazyFrame:
    return facts.group_by("region_code", period_start(pl.col("submitted_at"), grain)).agg(
        pl.len().alias("feedback"),
        pl.col("first_reply_at").is_not_null().sum().alias("replied"),
        pl.col("same_day").sum().alias("same_day_replies"),
        pl.col("closed_7d").sum().alias("closed_7d"),
        pl.col("rated").sum().alias("rated"),
        pl.col("is_satisfied").sum().alias("satisfied"),
    )


def backlog_by_day(facts: pl.LazyFrame, span: Span) -> pl.LazyFrame:
    """region_code, day: messages open at the end of each day, by age."""
    days = periods(span, "day").select(pl.col("period_start").alias("day"), "as_of")
    # Open at the end of day D: submitted before D+1 and not closed before D+1.
    first_open = pl.max_horizontal(pl.col("submitted_at").dt.date(), pl.lit(span.first_day))
    last_open = pl.min_horizontal(
        (pl.col("closed_at").dt.date() - pl.duration(days=1)).fill_null(pl.lit(span.last_day)),
        pl.lit(span.last_day),
    )
    open_days = (
        facts.select("region_code", "submitted_at", first_open.alias("a"), last_open.alias("b"))
        .filter(pl.col("a") <= pl.col("b"))
        .with_columns(pl.date_ranges("a", "b").alias("day"))
        .explode("day")
        .join(days, on="day")
        .with_columns((pl.col("as_of") - pl.col("submitted_at")).alias("age"))
    )

    def aged(more: int | None, at_most: int | None) -> pl.Expr:
        condition = pl.lit(True)
        if more is not None:
            condition &= pl.col("age") > pl.duration(days=more)
        if at_most is not None:
            condition &= pl.col("age") <= pl.duration(days=at_most)
        return condition.sum()

    return open_days.group_by("region_code", "day").agg(
        pl.len().alias("backlog"),
        aged(OVERDUE_DAYS, None).alias("overdue"),
        *[aged(more, at_most).alias(name) for name, more, at_most in AGE_BUCKETS],
    )


def due_time(period_end: pl.Expr, due_days: pl.Expr) -> pl.Expr:
    """The first instant after a disclosure's deadline: the end of its period's (or event's)
    last day plus due_days."""
    return (period_end + pl.duration(days=due_days + 1)).cast(pl.Datetime("us"))


def disclosures_by_period(
    disclosures: pl.LazyFrame, catalogue: pl.LazyFrame, grain: str
) -> pl.LazyFrame:
    published = disclosures.filter(pl.col("status") != "withdrawn").join(
        catalogue.select("item_code", "due_days"), on="item_code", how="left"
    )
    deadline = due_time(pl.col("period_end"), pl.col("due_days"))
    return published.group_by("region_code", period_start(pl.col("published_at"), grain)).agg(
        *[(pl.col("category") == c).sum().alias(name) for c, name in CATEGORY_COLUMNS.items()],
        deadline.is_not_null().sum().alias("disclosures_with_due"),
        (pl.col("published_at") < deadline).sum().alias("disclosures_on_time"),
    )


_MONTHS_PER = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


def item_periods(catalogue: pl.LazyFrame, first: dt.date, last: dt.date) -> pl.LazyFrame:
    """Every period of every periodic item that ends between `first` and `last`."""
    months = pl.date_range(first.replace(day=1), last, "1mo", eager=True)
    month_frame = pl.LazyFrame({"month": months})
    items = catalogue.filter(pl.col("frequency").is_in(list(_MONTHS_PER))).with_columns(
        pl.col("frequency").replace_strict(_MONTHS_PER, return_dtype=pl.Int32).alias("every")
    )
    return (
        items.join(month_frame, how="cross")
        # A period starts in a month whose index (0-based in the year) is a multiple of it.
        .filter((pl.col("month").dt.month() - 1) % pl.col("every") == 0)
        .with_columns(
            pl.col("month").alias("period_start"),
            pl.col("month")
            .dt.offset_by(pl.format("{}mo", pl.col("every")))
            .sub(pl.duration(days=1))
            .alias("period_end"),
        )
        .filter(pl.col("period_end") <= last)
        .select("item_code", "due_days", "period_start", "period_end")
    )


def due_items(
    disclosures: pl.LazyFrame,
    catalogue: pl.LazyFrame,
    villages: pl.LazyFrame,
    span: Span,
    grain: str,
) -> pl.LazyFrame:
    """One row per periodic (village, item, period) falling due in a period of the span:
    region_code, item_code, period_start, period_end, due, p (the period it falls due in),
    as_of (that period's end) and published_at (the first non-withdrawn publication)."""
    reach_back = span.first_day - dt.timedelta(days=400)  # the longest period plus its due days
    expected = (
        villages.select("region_code")
        .join(item_periods(catalogue, reach_back, span.last_day), how="cross")
        .with_columns(due_time(pl.col("period_end"), pl.col("due_days")).alias("due"))
        .with_columns(period_start((pl.col("due") - pl.duration(microseconds=1)), grain).alias("p"))
        .join(periods(span, grain).select(pl.col("period_start").alias("p"), "as_of"), on="p")
        .filter(pl.col("due") <= pl.col("as_of"))
    )
    first_published = (
        disclosures.filter(pl.col("status") != "withdrawn")
        .group_by("region_code", "item_code", "period_start", "period_end")
        .agg(pl.col("published_at").min())
    )
    return expected.join(
        first_published, on=["region_code", "item_code", "period_start", "period_end"], how="left"
    )


def completeness_by_period(
    disclosures: pl.LazyFrame,
    catalogue: pl.LazyFrame,
    villages: pl.LazyFrame,
    span: Span,
    grain: str,
) -> pl.LazyFrame:
    """region_code, period_start, due_items, due_items_published."""
    return (
        due_items(disclosures, catalogue, villages, span, grain)
        .group_by("region_code", pl.col("p").alias("period_start"))
        .agg(
            pl.len().alias("due_items"),
            (pl.col("published_at") < pl.col("as_of")).sum().alias("due_items_published"),
        )
    )


def petitions_by_period(petitions: pl.LazyFrame, grain: str) -> pl.LazyFrame:
    """region_code (the village, else the district), period_start, petitions, accusations:
    every period of the petitions table, not only the span, for year-on-year change."""
    return petitions.group_by(
        pl.coalesce("region_code", "district_code").alias("region_code"),
        period_start(pl.col("received_at"), grain),
    ).agg(
        pl.len().alias("petitions"),
        (pl.col("kind") == "accusation").sum().alias("accusations"),
    )


def village_marts(
    tables: dict[str, pl.LazyFrame],
    span: Span,
    grains: tuple[str, ...] = GRAINS,
    active: dict[str, pl.LazyFrame] | None = None,
) -> dict[str, pl.DataFrame]:
    """For each grain, one row per village per period with every count the metrics need.
    What the grains share (residents, visits, the state at each day's end) is computed once.

    The rows of a period depend only on the period's own data, the history before it and
    the data's last moment, never on where `span` starts: a span of whole months gives
    the same rows for them as the whole span does. `active` gives the active residents
    per grain when the caller has counted them month by month (`active_by_period`), so
    that the events need not be held at once."""
    villages = tables["regions"].filter(pl.col("level") == "village")
    resident_rows, facts = pl.collect_all(
        [residents(tables["users"]), feedback_facts(tables["feedback"])]
    )
    if active is None:
        active = active_by_period(tables["activity"], resident_rows.lazy(), span, grains)
    end_of_day = (
        registration_by_day(resident_rows.lazy(), villages, span)
        .join(backlog_by_day(facts.lazy(), span), on=["region_code", "day"], how="left")
        .collect()
    )
    marts = []
    for grain in grains:
        grid = villages.select("region_code", pl.col("households").fill_null(0)).join(
            periods(span, grain).select("period_start", "last_day"), how="cross"
        )
        frame = grid.join(
            end_of_day.lazy().rename({"day": "last_day"}),
            on=["region_code", "last_day"],
            how="left",
        )
        for part in (
            active[grain],
            feedback_by_period(facts.lazy(), grain),
            disclosures_by_period(tables["disclosures"], tables["catalogue"], grain),
            completeness_by_period(
                tables["disclosures"], tables["catalogue"], villages, span, grain
            ),
        ):
            frame = frame.join(part, on=["region_code", "period_start"], how="left")
        marts.append(
            frame.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNT_COLUMNS)
            .select("region_code", "period_start", *COUNT_COLUMNS)
            .sort("region_code", "period_start")
        )
    return dict(zip(grains, pl.collect_all(marts), strict=True))


def data_span(tables: dict[str, pl.LazyFrame]) -> Span | None:
    """From the first to the last moment of activity, messages and disclosures."""
    moments = pl.concat(
        [
            tables["activity"].select(pl.col("ts").alias("t")),
            tables["feedback"].select(pl.col("submitted_at").alias("t")),
            tables["feedback"].select(pl.col("first_reply_at").alias("t")),
            tables["feedback"].select(pl.col("closed_at").alias("t")),
            tables["disclosures"].select(pl.col("published_at").alias("t")),
        ]
    ).select(pl.col("t").min().alias("first"), pl.col("t").max().alias("last"))
    first, last = moments.collect().row(0)
    if first is None:
        return None
    return Span(first.date(), last.date(), last)
