"""Each table's export files, month by month as the platform delivers them, with a few bad
rows planted for the loader to quarantine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from demo.formats import (
    Planted,
    amount_text,
    as_of,
    changed_in,
    datetime_value,
    time_text,
    write_csv,
    write_xlsx,
)
from demo.people import month_activity
from demo.window import DAY, HOUR, Window, seconds
from schema.timing import next_month


def write_regions(regions: pl.DataFrame, window: Window, out: Path) -> None:
    title = "、".join(regions.filter(pl.col("level") == "district").get_column("name").head(3))
    write_xlsx(
        regions.select(
            "region_code", "name", "level", "parent_code", "kind", "households", "population"
        ),
        out / "regions.xlsx",
        "regions",
        f"{title}阳光三务数据导出",
        window.taken_at,
    )


def write_admins(admins: pl.DataFrame, out: Path, planted: Planted) -> None:
    bad_admin = (
        admins.filter(pl.col("level") == "street")
        .head(1)
        .with_columns(pl.lit("A_BAD_LEVEL").alias("admin_id"), pl.lit("village").alias("level"))
    )  # a village administrator recorded against a street
    planted.add("admins")
    write_csv(
        pl.concat([admins, bad_admin]).with_columns(pl.col("trained_on").cast(pl.String)),
        out / "admins.csv",
        "admins",
        encoding="gb18030",
    )


def write_petitions(petitions: pl.DataFrame, out: Path, planted: Planted) -> None:
    write_csv(
        petitions.select(
            "petition_id",
            "region_code",
            "district_code",
            time_text("received_s", "iso"),
            "kind",
            time_text("closed_s", "iso"),
            pl.when(pl.col("bypassed"))
            .then(pl.lit("是"))
            .otherwise(pl.lit("否"))
            .alias("bypassed"),
        ).vstack(
            pl.DataFrame(
                {
                    "petition_id": ["P_BAD_NOREGION"],
                    "region_code": [None],
                    "district_code": [None],
                    "received_at": ["2024-01-01 09:00:00"],
                    "kind": ["其他"],
                    "closed_at": [None],
                    "bypassed": ["否"],
                },
                schema_overrides={
                    "region_code": pl.String,
                    "district_code": pl.String,
                    "closed_at": pl.String,
                },
            )
        ),
        out / "petitions.csv",
        "petitions",
        encoding="gb18030",
    )
    planted.add("petitions")


def write_users(users, window, month_starts, out, rng, planted) -> None:
    def snapshot(frame: pl.DataFrame, cutoff: int) -> pl.DataFrame:
        cancelled = as_of("cancelled_s", cutoff)
        return (
            frame.with_columns(cancelled.alias("cancelled_s"))
            .select(
                "user_id",
                "region_code",
                "household_id",
                time_text("registered_s", "iso"),
                "role",
                pl.when(pl.col("cancelled_s") >= 0)
                .then(pl.lit("cancelled"))
                .otherwise(pl.lit("active"))
                .alias("status"),
                time_text("cancelled_s", "iso"),
                pl.max_horizontal("registered_s", "cancelled_s").alias("updated_s"),
            )
            .with_columns(time_text("updated_s", "iso"))
            .drop("updated_s")
        )

    base = users.filter(pl.col("registered_s") < window.start_s)
    bad = pl.DataFrame(
        {
            "user_id": ["U_BAD_REGION1", "U_BAD_REGION2"],
            "region_code": ["210111999999"] * 2,
            "household_id": [None, None],
            "registered_s": [window.start_s - DAY] * 2,
            "cancelled_s": [-1, -1],
            "role": ["resident"] * 2,
        },
        schema_overrides={"household_id": pl.String},
    )
    planted.add("users", 2)
    write_csv(
        snapshot(pl.concat([base, bad], how="diagonal_relaxed"), window.start_s),
        out / "users_base.csv",
        "users",
        encoding="gb18030",
    )
    for i, month in enumerate(month_starts):
        first, cutoff = seconds(month), min(seconds(next_month(month)), window.end_s)
        changed = users.filter(changed_in(["registered_s", "cancelled_s"], first, cutoff))
        english = i % 2 == 1
        write_csv(
            snapshot(changed, cutoff),
            out / f"users_{month:%Y%m}.csv",
            "users",
            encoding="utf-8-sig" if english else "gb18030",
            english=english,
            shuffle=rng if english else None,
            extra_column=english,
        )


def _disclosures_of_month(d: pl.DataFrame, first: int, cutoff: int) -> pl.DataFrame:
    """Disclosures published by `cutoff` that were published, reviewed or changed in the
    month: what the month's file holds."""
    return d.filter(
        (pl.col("published_s") < cutoff)
        & changed_in(["published_s", "reviewed_s", "changed_s"], first, cutoff)
    )


def _styles_of(rows: pl.DataFrame, drawn: dict[str, int], own_rng) -> np.ndarray:
    """How each row's amount is spelt: as drawn for the rows the generator made, from
    `own_rng` for rows the scenarios added or moved into the month."""
    style = np.array([drawn.get(i, -1) for i in rows["disclosure_id"]], dtype=np.int64)
    missing = style < 0
    if missing.any():
        style[missing] = own_rng.integers(0, 4, int(missing.sum()))
    return style


def _month_text(rows: pl.DataFrame, cutoff: int, style: str, amount_styles) -> pl.DataFrame:
    """The month's disclosures as its file writes them: each as it stood at `cutoff`."""
    changed = (pl.col("changed_s") >= 0) & (pl.col("changed_s") < cutoff)
    frame = rows.with_columns(
        as_of("reviewed_s", cutoff).alias("reviewed_s"),
        pl.when(changed).then("final_status").otherwise(pl.lit("published")).alias("status"),
        pl.when(changed).then("final_amount").otherwise("amount").alias("amount"),
    ).with_columns(
        pl.max_horizontal("published_s", "reviewed_s", pl.when(changed).then("changed_s")).alias(
            "updated_s"
        ),
        pl.when(pl.col("reviewed_s") >= 0).then("reviewer_id").alias("reviewer_id"),
    )
    # Community disclosures say 居务 where villages say 村务: the same category.
    category = pl.when(
        (pl.col("category") == "village") & pl.col("region_code").str.slice(9, 1).eq("0")
    )
    return frame.select(
        "disclosure_id",
        "region_code",
        category.then(pl.lit("居务")).otherwise("category").alias("category"),
        "item_code",
        "title",
        "period",
        time_text("published_s", style),
        "publisher_id",
        time_text("reviewed_s", style),
        "reviewer_id",
        "status",
        "amount",
        "payee",
        time_text("updated_s", style),
    ).with_columns(amount_text(frame.get_column("amount"), amount_styles).alias("amount"))


def write_disclosures(
    d, window, month_starts, out, rng, planted, generated: pl.DataFrame, own_rng
) -> None:
    """`d`: the disclosures as exported; `generated`: as the generator made them, before
    the scenarios changed them. The main generator draws one amount style for each row the
    generator made, as many draws as ever whatever the scenarios did, and the bad rows are
    copied from generated rows, so that the scenarios change no other village's rows."""
    styles = ["iso", "minute", "slash", "chinese"]
    encodings = ["gb18030", "utf-8-sig", "utf-8"]
    for i, month in enumerate(month_starts):
        first, cutoff = seconds(month), min(seconds(next_month(month)), window.end_s)
        made = _disclosures_of_month(generated, first, cutoff)
        drawn = dict(zip(made["disclosure_id"], rng.integers(0, 4, len(made)), strict=True))
        rows = _disclosures_of_month(d, first, cutoff)
        style = styles[i % len(styles)]
        text = _month_text(rows, cutoff, style, _styles_of(rows, drawn, own_rng))
        if i == len(month_starts) - 1:
            made_text = _month_text(made, cutoff, style, _styles_of(made, drawn, own_rng))
            text = pl.concat([text, bad_disclosures(made_text, planted)])
        write_csv(
            text,
            out / f"disclosures_{month:%Y%m}.csv",
            "disclosures",
            encoding=encodings[i % len(encodings)],
        )


def bad_disclosures(text: pl.DataFrame, planted: Planted) -> pl.DataFrame:
    sample = text.filter(pl.col("item_code") == "FW01").head(1)
    party = text.filter(pl.col("item_code") == "DW05").head(1)
    bad = [
        sample.with_columns(
            pl.lit("D_BAD_ITEM").alias("disclosure_id"), pl.lit("XX99").alias("item_code")
        ),
        sample.with_columns(
            pl.lit("D_BAD_AMOUNT").alias("disclosure_id"), pl.lit("-5,000.00").alias("amount")
        ),
        sample.with_columns(
            pl.lit("D_BAD_DATE").alias("disclosure_id"),
            pl.lit("2024-13-45 10:00:00").alias("published_at"),
        ),
        party.with_columns(
            pl.lit("D_BAD_CATEGORY").alias("disclosure_id"), pl.lit("财务").alias("category")
        ),
        sample.with_columns(pl.lit("D_BAD_TWICE").alias("disclosure_id")),
        sample.with_columns(
            pl.lit("D_BAD_TWICE").alias("disclosure_id"), pl.lit("另一标题").alias("title")
        ),
    ]
    planted.add("disclosures", 6)
    return pl.concat(bad)


def write_feedback(f, window, month_starts, out, rng, planted) -> None:
    for i, month in enumerate(month_starts):
        first, cutoff = seconds(month), min(seconds(next_month(month)), window.end_s)
        rows = f.filter(
            (pl.col("submitted_s") < cutoff)
            & changed_in(["submitted_s", "first_reply_s", "closed_s"], first, cutoff)
        ).with_columns(
            as_of("first_reply_s", cutoff).alias("first_reply_s"),
            as_of("closed_s", cutoff).alias("closed_s"),
        )
        state = rows.with_columns(
            pl.when(pl.col("closed_s") >= 0)
            .then(pl.lit("closed"))
            .when(pl.col("first_reply_s") >= 0)
            .then(pl.lit("replied"))
            .otherwise(pl.lit("awaiting_reply"))
            .alias("status"),
            pl.when(pl.col("closed_s") >= 0).then("satisfaction").alias("satisfaction"),
            pl.when(pl.col("first_reply_s") >= 0)
            .then(pl.lit("已收到，正在协调处理。"))
            .alias("reply"),
            pl.max_horizontal("submitted_s", "first_reply_s", "closed_s").alias("updated_s"),
        )
        last = i == len(month_starts) - 1
        if last:
            # The latest month comes as the platform's Excel export, with native date cells.
            excel = state.select(
                "feedback_id",
                "region_code",
                "user_id",
                datetime_value("submitted_s"),
                "topic",
                "content",
                datetime_value("first_reply_s"),
                "reply",
                datetime_value("closed_s"),
                "status",
                "satisfaction",
                "handler_id",
                datetime_value("updated_s"),
            )
            write_xlsx(
                excel,
                out / f"feedback_{month:%Y%m}.xlsx",
                "feedback",
                "群众留言导出",
                window.taken_at,
            )
            continue
        text = state.select(
            "feedback_id",
            "region_code",
            "user_id",
            time_text("submitted_s", "iso"),
            "topic",
            "content",
            time_text("first_reply_s", "iso"),
            "reply",
            time_text("closed_s", "iso"),
            "status",
            "satisfaction",
            "handler_id",
            time_text("updated_s", "iso"),
        )
        if i == 0:
            good = text.head(2)
            text = pl.concat(
                [
                    text,
                    good.with_columns(
                        pl.lit("F_BAD_REPLY").alias("feedback_id"),
                        pl.col("submitted_at")
                        .str.replace(r"^(\d{4})", "2099")
                        .alias("submitted_at"),
                    ).head(1),
                    good.with_columns(
                        pl.lit("F_BAD_USER").alias("feedback_id"),
                        pl.lit("U_NOBODY").alias("user_id"),
                    ).head(1),
                ]
            )
            planted.add("feedback", 2)
        write_csv(
            text,
            out / f"feedback_{month:%Y%m}.csv",
            "feedback",
            encoding="utf-8-sig" if i % 2 else "gb18030",
        )


def write_activity(
    users,
    behaviour,
    feedback,
    window,
    month_starts,
    out,
    rng,
    planted,
    light,
    progress,
    added: Callable[[dt.date, pl.DataFrame], pl.DataFrame] | None = None,
) -> int:
    """Monthly activity files, each repeating the previous month's last day (exports overlap).
    `added(month, events)` gives the events the scenarios add to the month's generated ones.
    Returns the number of distinct events written."""
    posts = feedback.select(
        "user_id",
        pl.col("submitted_s").alias("ts_s"),
        pl.lit("post").alias("action"),
        pl.col("feedback_id").alias("object_id"),
    )
    rated = (
        feedback.filter((pl.col("closed_s") >= 0) & (pl.col("satisfaction") != "not_rated"))
        .select(
            "user_id",
            (pl.col("closed_s") + HOUR).alias("ts_s"),
            pl.lit("rate").alias("action"),
            pl.col("feedback_id").alias("object_id"),
        )
        .filter(pl.col("ts_s") < window.end_s)
    )
    interactions = pl.concat([posts, rated])
    distinct = 0
    previous_tail = None
    styles = [("utf-8", True, "iso"), ("utf-8-sig", False, "iso"), ("gb18030", False, "slash")]
    for i, month in enumerate(month_starts):
        progress(0.25 + 0.2 * i / len(month_starts), f"生成访问日志 {month:%Y-%m}")
        first, cutoff = seconds(month), min(seconds(next_month(month)), window.end_s)
        events = pl.concat(
            [
                month_activity(users, behaviour, month, rng).with_columns(
                    pl.lit(None, pl.String).alias("object_id")
                ),
                interactions.filter(pl.col("ts_s").is_between(first, cutoff, closed="left")),
            ]
        ).filter(pl.col("ts_s") < window.end_s)
        generated = events
        if added is not None:
            events = pl.concat([events, added(month, events)]).filter(pl.col("ts_s") < window.end_s)
        distinct += events.unique().height
        written = events if previous_tail is None else pl.concat([previous_tail, events])
        previous_tail = events.filter(pl.col("ts_s") >= cutoff - DAY)
        encoding, english, style = ("utf-8", True, "iso") if light else styles[i % 3]
        columns = ("user_id", time_text("ts_s", style).alias("ts"), "action", "object_id")
        text = written.sort("ts_s").select(*columns)
        if i == 0:  # bad rows copied from generated events, whatever the scenarios added
            sample = generated.sort("ts_s").select(*columns).head(3)
            text = pl.concat(
                [
                    text,
                    sample.head(2).with_columns(pl.lit("点赞").alias("action")),
                    sample.tail(1).with_columns(pl.lit("U_NOBODY").alias("user_id")),
                ]
            )
            planted.add("activity", 3)
        write_csv(
            text, out / f"activity_{month:%Y%m}.csv", "activity", encoding=encoding, english=english
        )
    if not light and previous_tail is not None:
        # The platform's daily increment of the last day, as Excel: it repeats rows above.
        last_day = (
            previous_tail.sort("ts_s")
            .with_columns(pl.from_epoch("ts_s", time_unit="s").alias("ts"))
            .select("user_id", "ts", "action", "object_id")
        )
        write_xlsx(
            last_day,
            out / f"Activity-{window.end:%Y%m%d}.xlsx",
            "activity",
            "访问日志导出",
            window.taken_at,
        )
    return distinct
