"""The daily 17:00 digest: for each recipient, its own jurisdiction's ranking, the day's
figures, the leads first raised since its last digest and (once they exist) overdue
rectifications, as a PNG card and as text, delivered once per day and channel.

The card is a Plotly figure drawn to PNG by kaleido through the system Chromium, as the
briefing's charts are, so that Chinese renders with the installed CJK font.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from charts import PALETTE
from datastore import PROJECT_ROOT, ReadOnlyDatabase, accounts, digests, status
from datastore import daily as source
from datastore.access import ANALYSIS_PAGES, ROLES, region_level
from datastore.digests import Recipient
from datastore.scope import EVERYTHING
from metrics import daily
from metrics.glossary import METRICS
from models.indicators import LEAD_TYPES
from reports.briefing import chart_png
from reports.delivery import (
    ROBOT_TEXT_LIMIT,
    ConfigError,
    DigestConfig,
    Message,
    attempt,
    find_config,
    parse_config,
    post_json,
    publish_image,
    robot_payloads,
    safe_name,
    send_email,
    write_outbox,
)
from schema.timing import daily_window, local_now

log = logging.getLogger("reports.daily")

INTERNAL = "内部资料"
FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"
UNIT_LABEL = {"street": "街道", "village": "村（社区）"}


@dataclass
class Digest:
    day: dt.date
    recipient: Recipient
    scope_name: str
    unit_level: str  # the units ranked: street or village
    data_end: dt.datetime
    generated_at: dt.datetime
    figures: dict  # the scope as a whole on the day
    before: dict  # and on the day before
    ranking: pl.DataFrame  # metrics.daily.ranking for the day
    leads: pl.DataFrame  # datastore.daily.LEAD_COLUMNS
    leads_since: dt.date
    rectifications: pl.DataFrame | None  # None: the feature does not exist yet
    dashboard_url: str | None

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        return daily_window(self.day)

    @property
    def heading(self) -> str:
        return f"{self.scope_name} {self.day:%Y-%m-%d} 阳光三务日报（17:00）"

    @property
    def title(self) -> str:
        """The heading marked internal: the e-mail subject and the robots' title."""
        return f"【{INTERNAL}】{self.heading}"

    @property
    def stamp(self) -> str:
        start, end = self.window
        return (
            f"范围：{self.scope_name} · 统计时段：{start:%m-%d %H:%M} 至 {end:%m-%d %H:%M} · "
            f"数据截至 {self.data_end:%Y-%m-%d %H:%M} · 生成于 {self.generated_at:%Y-%m-%d %H:%M}"
            f" · {INTERNAL}"
        )

    @property
    def stem(self) -> str:
        return f"阳光三务日报_{safe_name(self.scope_name)}_{self.day:%Y%m%d}"

    def lead_link(self, lead_id: str) -> str | None:
        if not self.dashboard_url:
            return None
        return f"{self.dashboard_url}/leads?lead={lead_id}&as_of={self.day:%Y-%m-%d}"


def scope_name(con, region_code: str | None) -> str:
    if region_code is None:
        return "全部地区"
    rows = con.execute("SELECT name FROM regions WHERE region_code = ?", [region_code]).fetchall()
    return rows[0][0] if rows else region_code


def unit_level_of(con, region_code: str | None) -> str:
    """Streets are ranked in a district (or more), villages in a street."""
    if region_code is not None and region_level(con, region_code) == "street":
        return "village"
    return "street"


def build(
    con,
    recipient: Recipient,
    day: dt.date,
    since: dt.date,
    dashboard_url: str | None = None,
    generated_at: dt.datetime | None = None,
) -> Digest:
    """The recipient's digest for `day`, read within its own jurisdiction only."""
    scope = recipient.scope
    level = unit_level_of(con, recipient.region_code)
    report = daily.day_report(con, scope, level, day)
    total = report["total"]
    on = total.filter(pl.col("period_start") == day)
    before = total.filter(pl.col("period_start") == day - dt.timedelta(days=1))
    return Digest(
        day=day,
        recipient=recipient,
        scope_name=scope_name(con, recipient.region_code),
        unit_level=level,
        data_end=source.data_span(con).data_end,
        generated_at=generated_at or local_now(),
        figures=on.row(0, named=True) if on.height else {},
        before=before.row(0, named=True) if before.height else {},
        ranking=report["units"],
        leads=source.new_leads(con, scope, since, day),
        leads_since=since,
        rectifications=(
            source.overdue_rectifications(con, scope, day)
            if source.rectifications_available()
            else None
        ),
        dashboard_url=dashboard_url,
    )


def _label(metric: str) -> str:
    return METRICS[metric].zh


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _fraction(done: int, due: int) -> str:
    return f"{done}/{due}" if due else "—"


def _change(change: int | None) -> str:
    if change is None:
        return "—"
    return "持平" if change == 0 else (f"↑{change}" if change > 0 else f"↓{-change}")


def figure_lines(digest: Digest) -> list[tuple[str, str]]:
    """(label, value) of the day's figures for the whole scope, with the day before."""
    f, b = digest.figures, digest.before
    score, previous = f.get("daily_score"), b.get("daily_score")
    change = f"（前一日 {previous:.1f}）" if previous is not None else "（前一日无应办事项）"
    return [
        (_label("daily_score"), ("—" if score is None else f"{score:.1f}") + change),
        (
            _label("daily_disclosure_rate"),
            f"{_pct(f.get('daily_disclosure_rate'))}（{_label('daily_due_published')} "
            f"{f.get('daily_due_published', 0)} / {_label('daily_due_items')} "
            f"{f.get('daily_due_items', 0)}；{_label('daily_published')} "
            f"{f.get('daily_published', 0)} 条）",
        ),
        (
            _label("daily_reply_rate"),
            f"{_pct(f.get('daily_reply_rate'))}（{_label('daily_same_day_replies')} "
            f"{f.get('daily_same_day_replies', 0)} / {_label('daily_replies_due')} "
            f"{f.get('daily_replies_due', 0)}）",
        ),
        (
            _label("daily_overdue_clearance_rate"),
            f"{_pct(f.get('daily_overdue_clearance_rate'))}（{_label('daily_overdue_cleared')} "
            f"{f.get('daily_overdue_cleared', 0)} / {_label('daily_overdue')} "
            f"{f.get('daily_overdue', 0)}；{_label('daily_overdue_left')} "
            f"{f.get('daily_overdue_left', 0)} 条）",
        ),
        (
            _label("daily_new_registrations"),
            f"{f.get('daily_new_registrations', 0)} 人（{_label('daily_new_households')} "
            f"{f.get('daily_new_households', 0)} 户）",
        ),
    ]


RANKING_HEADER = [
    "排名",
    "较前日",
    "名称",
    "得分",
    "公开",
    "回应",
    "清零",
    "仍超期",
    "新注册",
    "备注",
]


def ranking_rows(digest: Digest) -> list[list[str]]:
    rows = []
    for r in digest.ranking.iter_rows(named=True):
        rows.append(
            [
                "—" if r["rank"] is None else str(r["rank"]),
                _change(r["rank_change"]),
                r["name"] or r["region_code"],
                "—" if r["daily_score"] is None else f"{r['daily_score']:.1f}",
                _fraction(r["daily_due_published"], r["daily_due_items"]),
                _fraction(r["daily_same_day_replies"], r["daily_replies_due"]),
                _fraction(r["daily_overdue_cleared"], r["daily_overdue"]),
                str(r["daily_overdue_left"]),
                str(r["daily_new_registrations"]),
                r["note"] or "",
            ]
        )
    return rows


def _lead_line(digest: Digest, lead: dict) -> str:
    kind = LEAD_TYPES[lead["lead_type"]][0]
    line = (
        f"{lead['name']} · {kind} · 分值 {lead['score']:.3f} · "
        f"{lead['window_start']:%Y-%m-%d} 至 {lead['window_end']:%Y-%m-%d}"
    )
    return line


def leads_heading(digest: Digest) -> str:
    return (
        f"新线索（{digest.leads_since:%m-%d} 日报以来首次出现，{digest.leads.height} 条；"
        "线索是核查提示，不是结论）"
    )


def _rectification_line(item: dict) -> str:
    return (
        f"{item['name']} · {item['problem']} · 责任人 {item['responsible']} · "
        f"期限 {item['deadline']:%Y-%m-%d} · 已逾期 {item['days_overdue']} 天"
    )


def rule_text(digest: Digest) -> str:
    return (
        f"得分：{_label('daily_disclosure_rate')}、{_label('daily_reply_rate')}、"
        f"{_label('daily_overdue_clearance_rate')}等权平均（只计有应办事项的几项）；"
        f"公开、回应、清零为“完成/应办”；新注册只列示不计分。"
    )


def _ranking_line(row: list[str], gap: str, bold: bool = False) -> str:
    """One unit of the ranking on a line, as a bullet (a numbered markdown list would
    renumber tied ranks); an unranked unit says why instead of a score."""
    rank, change, name, score, disclosed, replied, cleared, left, registered, note = row
    if rank == "—":
        return f"- {name}：{note}{gap}仍超期 {left}{gap}新注册 {registered}"
    score = f"**{score}** 分" if bold else f"{score} 分"
    return (
        f"- 第{rank}名 {name}{gap}{score}（{change}）{gap}公开 {disclosed}{gap}回应 {replied}"
        f"{gap}清零 {cleared}{gap}仍超期 {left}{gap}新注册 {registered}"
    )


def to_text(digest: Digest) -> str:
    """The digest as plain text (e-mail body, outbox)."""
    lines = [digest.title, digest.stamp, "", "一、当日工作"]
    lines += [f"  {label}：{value}" for label, value in figure_lines(digest)]
    lines += ["", f"二、{UNIT_LABEL[digest.unit_level]}排名（较前日）", "  " + rule_text(digest)]
    for row in ranking_rows(digest):
        lines.append("  " + _ranking_line(row, "  "))
    lines += ["", "三、" + leads_heading(digest)]
    if digest.leads.is_empty():
        lines.append("  无")
    for lead in digest.leads.iter_rows(named=True):
        link = digest.lead_link(lead["lead_id"])
        lines.append(f"  - {_lead_line(digest, lead)}" + (f"\n    {link}" if link else ""))
    if digest.rectifications is not None:
        lines += ["", f"四、逾期整改（{digest.rectifications.height} 项）"]
        if digest.rectifications.is_empty():
            lines.append("  无")
        lines += [
            f"  - {_rectification_line(r)}" for r in digest.rectifications.iter_rows(named=True)
        ]
    lines += ["", INTERNAL + "，请勿外传。"]
    return "\n".join(lines) + "\n"


def to_markdown(digest: Digest, limit: int = ROBOT_TEXT_LIMIT) -> str:
    """The digest in the robots' markdown (no tables: neither robot draws them), cut to
    `limit` bytes of UTF-8 by dropping the ranking's last rows first."""
    head = [f"### {digest.title}", f"> {digest.stamp}", "", "**当日工作**"]
    head += [f"- {label}：{value}" for label, value in figure_lines(digest)]
    head += ["", f"**{UNIT_LABEL[digest.unit_level]}排名**（较前日）"]
    rows = [_ranking_line(row, " ", bold=True) for row in ranking_rows(digest)]
    tail = ["", f"**{leads_heading(digest)}**"]
    if digest.leads.is_empty():
        tail.append("无")
    for lead in digest.leads.iter_rows(named=True):
        link = digest.lead_link(lead["lead_id"])
        text = _lead_line(digest, lead)
        tail.append(f"- [{text}]({link})" if link else f"- {text}")
    if digest.rectifications is not None:
        tail += ["", f"**逾期整改（{digest.rectifications.height} 项）**"]
        tail += [f"- {_rectification_line(r)}" for r in digest.rectifications.iter_rows(named=True)]
        if digest.rectifications.is_empty():
            tail.append("无")
    if digest.dashboard_url:
        tail += [
            "",
            f"[在看板中查看日排名]({digest.dashboard_url}/ranking?grain=day"
            f"&day={digest.day:%Y-%m-%d})",
        ]
    tail += ["", f"{INTERNAL}，请勿外传。"]

    def joined(kept: list[str], dropped: int) -> str:
        more = [f"……另有 {dropped} 个单位，见图片或看板"] if dropped else []
        return "\n".join(head + kept + more + tail)

    for keep in range(len(rows), -1, -1):
        text = joined(rows[:keep], len(rows) - keep)
        if len(text.encode("utf-8")) <= limit:
            return text
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def card(digest: Digest) -> go.Figure:
    """The PNG card: title, stamp, the day's figures, the ranking, new leads and (once the
    feature exists) overdue rectifications, each as a table."""
    sections = [("当日工作", ["指标", "数值"], [list(p) for p in figure_lines(digest)], [1, 4])]
    sections.append(
        (
            f"{UNIT_LABEL[digest.unit_level]}排名（较前日）",
            [*RANKING_HEADER[:2], UNIT_LABEL[digest.unit_level], *RANKING_HEADER[3:]],
            ranking_rows(digest),
            [0.6, 0.8, 2.2, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 1.6],
        )
    )
    lead_rows = [
        [
            r["name"],
            LEAD_TYPES[r["lead_type"]][0],
            f"{r['score']:.3f}",
            f"{r['window_start']:%Y-%m-%d} 至 {r['window_end']:%Y-%m-%d}",
        ]
        for r in digest.leads.iter_rows(named=True)
    ] or [["无", "", "", ""]]
    sections.append(
        (leads_heading(digest), ["村（社区）", "类型", "分值", "时间窗口"], lead_rows, [2, 1, 1, 2])
    )
    if digest.rectifications is not None:
        rect_rows = [
            [
                r["name"],
                r["problem"],
                r["responsible"],
                f"{r['deadline']:%Y-%m-%d}",
                str(r["days_overdue"]),
            ]
            for r in digest.rectifications.iter_rows(named=True)
        ] or [["无", "", "", "", ""]]
        sections.append(
            (
                "逾期整改",
                ["村（社区）", "问题", "责任人", "期限", "逾期天数"],
                rect_rows,
                [2, 3, 1, 1, 1],
            )
        )
    row_px, head_px = 26, 30
    heights = [head_px + row_px * len(rows) + 8 for _, _, rows, _ in sections]
    gap = 46
    figure = make_subplots(
        rows=len(sections),
        cols=1,
        specs=[[{"type": "table"}] for _ in sections],
        subplot_titles=[title for title, *_ in sections],
        row_heights=heights,
        vertical_spacing=gap / (sum(heights) + gap * len(sections)),
    )
    for i, (_, header, rows, widths) in enumerate(sections, start=1):
        columns = [list(column) for column in zip(*rows, strict=True)]
        figure.add_trace(
            go.Table(
                columnwidth=widths,
                header={
                    "values": header,
                    "fill_color": PALETTE[0],
                    "font": {"color": "white", "size": 14, "family": FONT},
                    "align": "left",
                    "height": head_px,
                },
                cells={
                    "values": columns,
                    "align": "left",
                    "height": row_px,
                    "font": {"size": 13, "family": FONT},
                    "fill_color": [["#ffffff", "#f6f6f6"] * (len(rows) // 2 + 1)],
                },
            ),
            row=i,
            col=1,
        )
    height = sum(heights) + gap * len(sections) + 110
    figure.update_layout(
        title={
            "text": digest.heading,
            "xref": "paper",
            "x": 0,
            "y": 1 - 18 / height,
            "yanchor": "top",
            "font": {"size": 22, "family": FONT},
        },
        font={"family": FONT},
        margin={"l": 20, "r": 20, "t": 100, "b": 20},
        height=height,
        annotations=[
            *figure.layout.annotations,
            {
                "text": digest.stamp,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 1,
                "yshift": 62,
                "xanchor": "left",
                "showarrow": False,
                "font": {"size": 12, "color": "#555", "family": FONT},
            },
            {
                "text": INTERNAL,
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 1,
                "yshift": 88,
                "xanchor": "right",
                "showarrow": False,
                "bordercolor": PALETTE[0],
                "borderwidth": 2,
                "borderpad": 4,
                "font": {"size": 16, "color": PALETTE[0], "family": FONT},
            },
        ],
    )
    figure.update_annotations(selector={"text": digest.stamp}, xanchor="left")
    return figure


@contextlib.contextmanager
def card_drawer():
    """A function drawing cards to PNG with one Chromium for the whole run, started on the
    first card (about 0.2 s a card after that instead of several seconds each)."""
    import kaleido

    started = False

    def draw(digest: Digest) -> bytes:
        nonlocal started
        if not started:
            kaleido.start_sync_server(silence_warnings=True)
            started = True
        return card_png(digest)

    try:
        with warnings.catch_warnings():
            # Plotly passes its (empty) browser options on every call; the server has its own.
            warnings.filterwarnings("ignore", "The kopts argument is ignored")
            yield draw
    finally:
        if started:
            kaleido.stop_sync_server(silence_warnings=True)


def card_png(digest: Digest) -> bytes:
    figure = card(digest)
    return chart_png(figure, width=1100, height=figure.layout.height)


def digest_message(digest: Digest, png: bytes | None) -> Message:
    return Message(
        kind="digest",
        title=digest.title,
        text=to_text(digest),
        markdown=to_markdown(digest),
        png=png,
        stem=digest.stem,
    )


def warning_message(scope: str, day: dt.date, reason: str, data_end: str) -> Message:
    """Sent instead of a digest built on data that does not cover the day."""
    title = f"【{INTERNAL}】{scope} {day:%Y-%m-%d} 日报未生成：数据未更新"
    body = [
        title,
        f"原因：{reason}",
        f"现有数据截至 {data_end}。为免按过时数据排名，今日不发日报；数据装载成功后重新运行"
        f" `python -m reports daily --date {day:%Y-%m-%d}` 即补发。",
        "",
        f"{INTERNAL}，请勿外传。",
    ]
    markdown = "\n".join([f"### {title}", "", *(f"> {line}" for line in body[1:3]), "", body[-1]])
    return Message(
        "warning", title, "\n".join(body) + "\n", markdown, None, f"日报未生成_{day:%Y%m%d}"
    )


def staleness(con, access, day: dt.date) -> str | None:
    """Why the data cannot make `day`'s digest, or None: nothing loaded, data ending before
    the day, or the latest load (in the audit trail) failed and no load has finished since,
    while the data stops short of the day's 17:00."""
    span = source.data_span(con)
    if span is None:
        return "尚未装载任何数据"
    if span.data_end < dt.datetime.combine(day, dt.time()):
        return f"数据只到 {span.data_end:%Y-%m-%d %H:%M}，不含 {day:%Y-%m-%d} 当天"
    last = digests.last_load(access)
    if last and last["failed"] and span.data_end < daily_window(day)[1]:
        loads = status.load_history(con, EVERYTHING, 1).rows
        finished = loads.get_column("finished_at")[0] if loads.height else None
        failed_at = dt.datetime.fromisoformat(last["at"])
        if finished is None or finished < failed_at:
            return f"最近一次数据装载失败（{last['at']}：{last['detail']}）"
    return None


@dataclass
class RunResult:
    day: dt.date
    kind: str  # digest or warning
    sent: list[tuple[str, str]]  # (recipient, channel)
    skipped: list[tuple[str, str]]  # already sent earlier that day
    failed: list[tuple[str, str, str]]  # (recipient, channel, error)
    reason: str | None = None  # why a warning went instead

    @property
    def ok(self) -> bool:
        return not self.failed


def resolve(con, access, config: DigestConfig) -> list:
    """The configured destinations with role and region checked against the accounts and
    the regions (a street inspector needs a street, the others a district or 'all')."""
    known = {r["username"]: r for r in accounts.accounts(access).iter_rows(named=True)}
    resolved = []
    for destination in config.destinations:
        recipient = destination.recipient
        if destination.account is not None:
            account = known.get(destination.account)
            if account is None or not account["active"]:
                raise ConfigError(f"{config.source}: no active account {destination.account!r}")
            recipient = replace(recipient, role=account["role"], region_code=account["region_code"])
        area = ROLES[recipient.role].area
        code = recipient.region_code
        if code is None:
            if area == "street":
                raise ConfigError(
                    f"{config.source}: {recipient.name}: a street inspector needs "
                    "the code of one street"
                )
            resolved.append(replace(destination, recipient=recipient))
            continue
        level = region_level(con, code)
        if level != area:
            raise ConfigError(
                f"{config.source}: {recipient.name}: {recipient.role} needs a "
                f"{area} code; {code} is {level or 'not in the database'}"
            )
        rows = con.execute(
            "SELECT street_code, district_code FROM regions WHERE region_code = ?", [code]
        ).fetchall()
        street, district = rows[0]
        recipient = replace(recipient, street_code=street, district_code=district)
        resolved.append(replace(destination, recipient=recipient))
    return resolved


@dataclass
class _Run:
    """One run's state: what it reads from and writes to, and what it found."""

    con: object  # the database, read-only
    access: object  # accounts and the audit trail
    ledger: object  # the delivery ledger
    config: DigestConfig
    day: dt.date
    now: dt.datetime
    reason: str | None  # why a warning goes instead of the digest
    data_end: str
    result: RunResult
    draw: object = None  # draws a card, one browser for the run
    actor: tuple[str, str] = ("", "")  # who runs it and from where, for the audit trail

    @property
    def kind(self) -> str:
        return self.result.kind

    def deliver(self, destination) -> None:
        """Send what was not sent yet of the day's digest or warning to one recipient."""
        recipient, day, kind = destination.recipient, self.day, self.kind
        if kind == "digest" and not ANALYSIS_PAGES & ROLES[recipient.role].pages:
            return  # administrators get warnings, not the figures
        channels = destination.channels(with_card=kind == "digest")
        pending = [
            c for c in channels if not digests.was_sent(self.ledger, day, kind, recipient.name, c)
        ]
        self.result.skipped += [(recipient.name, c) for c in channels if c not in pending]
        if not pending:
            log.info("%s %s %s: sent before, nothing to do", day, kind, recipient.name)
            return
        try:
            message = self.message(destination)
        except Exception as exc:  # one recipient's digest failing must not stop the others
            log.exception("%s %s %s: could not be built", day, kind, recipient.name)
            for channel in pending:
                self.finish(recipient, channel, False, 0, f"not built: {exc}")
            return
        folder = self.config.outbox / f"{day:%Y-%m-%d}" / safe_name(recipient.name)
        webhook, timeout = destination.webhook, self.config.timeout_seconds

        def send(channel: str) -> None:
            if channel == "outbox":
                write_outbox(folder, message)
            elif channel.startswith("email:"):
                send_email(self.config.smtp, channel.removeprefix("email:"), message, timeout)
            else:
                post_json(webhook, robot_payloads(webhook, message)[channel], timeout)

        for channel in pending:
            sent, tries, error = attempt(
                lambda channel=channel: send(channel),
                self.config.attempts,
                self.config.retry_seconds,
                f"{day} {kind} {recipient.name} {channel}",
            )
            self.finish(recipient, channel, sent, tries, error)

    def message(self, destination) -> Message:
        recipient, day = destination.recipient, self.day
        if self.kind == "digest":
            since = digests.last_digest_day(self.ledger, recipient.name, day)
            since = since or day - dt.timedelta(days=1)
            digest = build(self.con, recipient, day, since, self.config.dashboard_url, self.now)
            message = digest_message(digest, self.draw(digest))
        else:
            scope = scope_name(self.con, recipient.region_code)
            message = warning_message(scope, day, self.reason, self.data_end)
        webhook, base_url = destination.webhook, self.config.image_base_url
        if webhook and webhook.kind == "dingtalk" and message.png and base_url:
            message.image_urls["dingtalk"] = publish_image(
                self.config.outbox, base_url, message.png
            )
        return message

    def finish(self, recipient, channel: str, sent: bool, tries: int, error: str) -> None:
        """Record, audit and log one delivery's outcome."""
        day, kind = self.day, self.kind
        digests.record(self.ledger, day, kind, recipient, channel, sent, tries, error)
        detail = (
            f"{channel}: sent (attempt {tries})"
            if sent
            else f"{channel}: failed after {tries} attempts: {error}"
        )
        actor, origin = self.actor
        target = f"{day:%Y-%m-%d} {kind} → {recipient.name}"
        accounts.audit(self.access, actor, "admin", "digest", target, detail, origin)
        if sent:
            log.info("%s %s %s %s: sent", day, kind, recipient.name, channel)
            self.result.sent.append((recipient.name, channel))
        else:
            log.error("%s %s %s %s: failed: %s", day, kind, recipient.name, channel, error)
            self.result.failed.append((recipient.name, channel, error))


def run(
    db_path: Path,
    day: dt.date | None = None,
    config_file: Path | None = None,
    now: dt.datetime | None = None,
    secrets_file: Path = PROJECT_ROOT / ".streamlit" / "secrets.toml",
) -> RunResult:
    """Send `day`'s digest (default: today) to every configured recipient, or a warning when
    the data does not cover the day; what was sent for that day before is not sent again.
    One recipient's or channel's failure never stops the others."""
    from etl.users import command_line_actor

    table, source_name = find_config(db_path, config_file, secrets_file)
    config = parse_config(table, source_name, db_path)
    now = now or local_now()
    day = day or now.date()
    database = ReadOnlyDatabase(db_path)
    con = database.cursor()
    access = accounts.connect(accounts.access_path(db_path))
    ledger_file = digests.ledger_path(db_path)
    ledger = digests.connect(ledger_file)
    try:
        destinations = resolve(con, access, config)
        reason = staleness(con, access, day)
        span = source.data_span(con)
        state = _Run(
            con, access, ledger, config, day, now, reason,
            f"{span.data_end:%Y-%m-%d %H:%M}" if span else "—",
            RunResult(day, "warning" if reason else "digest", [], [], [], reason),
            actor=command_line_actor(),
        )  # fmt: skip
        with digests.run_lock(ledger_file), card_drawer() as state.draw:
            for destination in destinations:
                state.deliver(destination)
        return state.result
    finally:
        ledger.close()
        access.close()
        database.close()
