"""`python -m reports daily` end to end on the tiny export of tests/daily_export.py, against
the local robot and SMTP servers of conftest.py: what arrived, once; a failing endpoint
retried, logged, audited and listed for the data page; a street inspector's digest that
holds its street only; a warning instead of a digest when the data is stale; and the
card's Chinese drawn as glyphs."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import shutil
from pathlib import Path

import polars as pl
import pytest
from PIL import Image

from datastore import ReadOnlyDatabase, accounts, digests
from datastore.daily import LEAD_COLUMNS, new_leads
from datastore.scope import Scope
from datastore.scoring import lead_episodes
from etl.__main__ import main as etl_main
from metrics import daily as metrics_daily
from reports import daily
from reports.__main__ import main as reports_main
from tests.app.session import audit_rows
from tests.browser.test_dashboard import NEIGHBOURS, _title_pixels_differing
from tests.daily_export import DISTRICT, NAMES, S1, S2, V11, V12, V13, V21, load_export
from tests.reports.conftest import DINGTALK_SECRET

DAY = dt.date(2026, 3, 12)
NOW = dt.datetime(2026, 3, 12, 17, 0, 5)
PNG = b"\x89PNG\r\n\x1a\n"
S1_NAMES = [NAMES[v] for v in (V11, V12, V13)]
ELSEWHERE = [NAMES[V21], NAMES[S2]]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """Databases loaded from the whole export and from one taken at 14:00 on the 12th."""
    folder = tmp_path_factory.mktemp("exports")
    return {
        name: load_export(folder / name, after_cutoff)
        for name, after_cutoff in (("whole", True), ("early", False))
    }


def _database(exports, tmp_path, which: str = "whole") -> Path:
    db = tmp_path / "data" / "sunshine.duckdb"
    db.parent.mkdir()
    shutil.copyfile(exports[which][0], db)
    return db


def _config(db: Path, base: str, port: int, **extra: str) -> Path:
    path = db.with_name("sunshine.digest.toml")
    path.write_text(
        f"""
dashboard_url = "https://dashboard.example.gov.cn/"
attempts = 2
retry_seconds = 0
timeout_seconds = 5
{"".join(f'{k} = "{v}"{chr(10)}' for k, v in extra.items())}
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
sender = "阳光三务监督看板 <digest@example.gov.cn>"

[[recipients]]
name = "区纪委监委"
role = "district_inspector"
region = "{DISTRICT}"
email = ["district@example.gov.cn"]
webhook = {{ kind = "wecom", url = "{base}/wecom/district" }}

[[recipients]]
name = "解放街道纪工委"
role = "street_inspector"
region = "{S1}"
email = "s1@example.gov.cn"
webhook = {{ kind = "dingtalk", url = "{base}/dingtalk/s1?access_token=t1", secret = "{DINGTALK_SECRET}" }}

[[recipients]]
name = "八一街道纪工委"
role = "street_inspector"
region = "{S2}"
email = ["s2@example.gov.cn", "nobody@example.gov.cn"]
webhook = {{ kind = "wecom", url = "{base}/broken/s2" }}

[[recipients]]
name = "系统管理员"
role = "admin"
region = "{DISTRICT}"
email = "admin@example.gov.cn"
""",
        encoding="utf-8",
    )
    return path


def _posts(posts: list, path: str) -> list[dict]:
    return [p["json"] for p in posts if p["path"] == path]


def _mail(messages: list, address: str) -> list:
    return [m["message"] for m in messages if m["to"] == [address]]


@pytest.fixture(scope="module")
def delivered(exports, tmp_path_factory, robots, smtp):
    """The digest of the 12th sent by `run`, then the command line run again the same day:
    what each run returned and what reached the servers after each."""
    base, posts = robots
    port, mailbox = smtp
    posts.clear()
    mailbox.messages.clear()
    db = _database(exports, tmp_path_factory.mktemp("delivered"))
    config = _config(db, base, port, image_base_url="https://files.example.gov.cn/digest")
    with config.open("a", encoding="utf-8") as extra:  # role and region from an account
        extra.write('\n[[recipients]]\naccount = "zhang"\n')
    con = accounts.connect(accounts.access_path(db))
    accounts.add_account(
        con, "zhang", "张某（解放街道）", "street_inspector", S1, oidc_email="z@x.cn"
    )
    con.close()
    first = daily.run(db, DAY, now=NOW)
    after_first = (list(posts), list(mailbox.messages), audit_rows(db, "digest"))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = reports_main(["daily", "--date", "2026-03-12", "--db", str(db)])
    return {
        "db": db,
        "first": first,
        "posts": after_first[0],
        "mail": after_first[1],
        "audit": after_first[2],
        "again": {"status": status, "out": out.getvalue(), "err": err.getvalue(),
                  "posts": posts[len(after_first[0]):],
                  "mail": mailbox.messages[len(after_first[1]):]},
    }  # fmt: skip


def test_every_channel_gets_the_digest_in_its_own_format(delivered):
    db, result, posts, mail = (delivered[k] for k in ("db", "first", "posts", "mail"))
    assert result.kind == "digest" and result.reason is None
    district = _posts(posts, "/wecom/district")
    assert [p["msgtype"] for p in district] == ["markdown", "image"]
    card = base64.b64decode(district[1]["image"]["base64"])
    assert card[:8] == PNG and hashlib.md5(card).hexdigest() == district[1]["image"]["md5"]
    outbox = db.parent / "outbox" / "2026-03-12" / "区纪委监委"
    assert (outbox / "阳光三务日报_苏家屯区_20260312.png").read_bytes() == card
    markdown = district[0]["markdown"]["content"]
    assert markdown.startswith("### 【内部资料】苏家屯区 2026-03-12 阳光三务日报（17:00）")
    assert (
        "- 第1名 解放街道 **55.6** 分（↑1）" in markdown
        and "- 第2名 八一街道 **0.0** 分（↓1）" in markdown
    )
    assert len(markdown.encode()) <= 4096
    # DingTalk: the server accepts only a valid signature; the card goes by its URL.
    (dingtalk,) = _posts(posts, "/dingtalk/s1")
    assert dingtalk["msgtype"] == "markdown" and "解放街道" in dingtalk["markdown"]["title"]
    first_line = dingtalk["markdown"]["text"].splitlines()[0]
    assert first_line.startswith("![【内部资料】解放街道 2026-03-12 阳光三务日报（17:00）]"
                                 "(https://files.example.gov.cn/digest/")  # fmt: skip
    name = first_line.rsplit("/", 1)[1].rstrip(")")
    assert (db.parent / "outbox" / "public" / name).read_bytes()[:8] == PNG
    # E-mail: one each, the card attached; the other street's mail went despite its robot.
    for address in ("district@example.gov.cn", "s1@example.gov.cn", "s2@example.gov.cn"):
        (message,) = _mail(mail, address)
        assert message["Subject"].startswith("【内部资料】")
        (attachment,) = list(message.iter_attachments())
        assert attachment.get_content_type() == "image/png"
        assert attachment.get_content()[:8] == PNG
    assert not _mail(mail, "admin@example.gov.cn")  # administrators get warnings only
    # A recipient taken from an account gets its street's digest.
    text = db.parent / "outbox" / "2026-03-12" / "zhang" / "阳光三务日报_解放街道_20260312.txt"
    assert "广场社区" in text.read_text(encoding="utf-8")


def test_a_failing_robot_is_retried_audited_and_listed_and_stops_nobody(delivered):
    db, result, posts = delivered["db"], delivered["first"], delivered["posts"]
    # Each of its two messages tried twice, then given up.
    assert [p["msgtype"] for p in _posts(posts, "/broken/s2")] == ["markdown"] * 2 + ["image"] * 2
    assert sorted((name, channel) for name, channel, _ in result.failed) == [
        ("八一街道纪工委", "email:nobody@example.gov.cn"),
        ("八一街道纪工委", "wecom/image"),
        ("八一街道纪工委", "wecom/markdown"),
    ]
    errors = {(n, c): e for n, c, e in result.failed}
    assert errors[("八一街道纪工委", "wecom/markdown")] == "HTTP 500 Internal Server Error"
    assert "550" in errors[("八一街道纪工委", "email:nobody@example.gov.cn")]
    assert len(result.sent) == 10  # outbox ×4, WeCom ×2, DingTalk, e-mail ×3
    audited = delivered["audit"]
    assert len(audited) == len(result.sent) + len(result.failed)
    assert {e["action"] for e in audited} == {"digest"}
    assert any("wecom/markdown: failed after 2 attempts: HTTP 500" in e["detail"] for e in audited)
    problems = digests.recent_problems(db, Scope(DISTRICT))
    assert sorted(problems.get_column("channel")) == [
        "email:nobody@example.gov.cn", "wecom/image", "wecom/markdown"
    ]  # fmt: skip
    assert digests.recent_problems(db, Scope(S1)).is_empty()  # not the other street's


def test_a_second_run_the_same_day_sends_nothing_twice(delivered):
    again = delivered["again"]
    assert {p["path"] for p in again["posts"]} == {"/broken/s2"}  # only what failed
    assert len(again["posts"]) == 4 and again["mail"] == []
    assert again["status"] == 1
    assert "2026-03-12: digest: 0 sent, 10 sent before, 3 failed" in again["out"]
    assert "八一街道纪工委 wecom/markdown: HTTP 500" in again["err"]


def test_a_street_inspectors_digest_holds_its_street_and_never_the_district(delivered):
    db, posts, mail = delivered["db"], delivered["posts"], delivered["mail"]
    (dingtalk,) = _posts(posts, "/dingtalk/s1")
    (message,) = _mail(mail, "s1@example.gov.cn")
    outbox = db.parent / "outbox" / "2026-03-12" / "解放街道纪工委"
    texts = {
        "robot": dingtalk["markdown"]["text"],
        "mail": message.get_body(("plain",)).get_content(),
        "outbox": (outbox / "阳光三务日报_解放街道_20260312.txt").read_text(encoding="utf-8"),
    }
    for where, text in texts.items():
        assert all(name in text for name in S1_NAMES), where
        assert not [name for name in ELSEWHERE if name in text], where
        assert NAMES[DISTRICT] not in text, where
    assert "- 第1名 广场社区  66.7 分（持平）" in texts["outbox"]
    assert "- 幸福村：当日无应办事项" in texts["outbox"]
    # The card is built from the same digest: its cells hold the street's villages only.
    con = ReadOnlyDatabase(db).cursor()
    recipient = digests.Recipient("解放街道纪工委", "street_inspector", S1, S1, DISTRICT)
    digest = daily.build(con, recipient, DAY, DAY - dt.timedelta(days=1), None, NOW)
    drawn = str(daily.card(digest).to_dict())
    assert all(name in drawn for name in S1_NAMES)
    assert not [name for name in ELSEWHERE if name in drawn]
    assert set(digest.leads.get_column("region_code")) <= {V11, V12, V13}


def test_the_cards_chinese_is_drawn_with_real_glyphs(exports, tmp_path):
    db = _database(exports, tmp_path)
    con = ReadOnlyDatabase(db).cursor()
    recipient = digests.Recipient("解放街道纪工委", "street_inspector", S1, S1, DISTRICT)
    digest = daily.build(con, recipient, DAY, DAY - dt.timedelta(days=1), None, NOW)
    with daily.card_drawer() as draw:
        png = draw(digest)
        again = draw(digest)
        # Without a CJK font every character is the same box, and swapping each for its
        # neighbour in Unicode would draw the same picture.
        swapped = daily.card(digest)
        swapped.update_layout(title_text=digest.heading.translate(NEIGHBOURS))
        other = daily.chart_png(swapped, width=1100, height=swapped.layout.height)
    assert png[:8] == PNG and Image.open(io.BytesIO(png)).size[0] == 2200
    assert _title_pixels_differing(png, again) < 0.001
    assert _title_pixels_differing(png, other) > 0.01


def test_a_failed_load_sends_a_warning_instead_and_the_digest_follows_a_good_load(
    exports, tmp_path, robots, smtp, capsys
):
    base, posts = robots
    port, mailbox = smtp
    posts.clear()
    mailbox.messages.clear()
    db = _database(exports, tmp_path, "early")  # taken at 14:00, before the 17:00 cut-off
    _config(db, base, port)
    assert etl_main(["load", str(tmp_path / "inbox" / "2026-03-12"), "--db", str(db)]) == 2

    result = daily.run(db, DAY, now=NOW)
    assert result.kind == "warning" and "最近一次数据装载失败" in result.reason
    (warning,) = _posts(posts, "/wecom/district")
    assert warning["msgtype"] == "markdown"  # no card built on stale data
    assert "日报未生成" in warning["markdown"]["content"]
    (mail,) = _mail(mailbox.messages, "admin@example.gov.cn")  # the administrator too
    assert "数据未更新" in mail["Subject"] and not list(mail.iter_attachments())
    assert "现有数据截至 2026-03-12 14:00" in mail.get_content()
    assert daily.run(db, DAY, now=NOW).sent == []  # and only once

    # The export is loaded after all: the digest goes, once.
    _, export, catalogue = exports["early"]
    assert etl_main(["load", str(export), "--db", str(db), "--catalogue", str(catalogue),
                     "--quiet"]) == 0  # fmt: skip
    capsys.readouterr()
    later = daily.run(db, DAY, now=NOW + dt.timedelta(hours=1))
    assert later.kind == "digest"
    sent = [p["msgtype"] for p in _posts(posts, "/wecom/district")]
    assert sent == ["markdown", "markdown", "image"]
    assert len(_mail(mailbox.messages, "admin@example.gov.cn")) == 1


def test_data_that_does_not_reach_the_day_gets_a_warning(exports, tmp_path, robots, smtp):
    base, _ = robots
    port, _ = smtp
    db = _database(exports, tmp_path)
    _config(db, base, port)
    result = daily.run(db, DAY + dt.timedelta(days=1), now=NOW + dt.timedelta(days=1))
    assert result.kind == "warning"
    assert result.reason == "数据只到 2026-03-12 18:00，不含 2026-03-13 当天"


def test_without_a_configuration_the_command_line_says_where_to_write_one(
    exports, tmp_path, capsys
):
    db = _database(exports, tmp_path)
    assert reports_main(["daily", "--date", "2026-03-12", "--db", str(db)]) == 2
    assert f"no digest configuration: write {db.with_name('sunshine.digest.toml')}" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("recipient", "message"),
    [
        ('name = "x"\nrole = "inspector"\nregion = "1"', "recipients[0].role: one of"),
        (f'name = "x"\nrole = "street_inspector"\nregion = "{DISTRICT}"', "needs a street code"),
        (f'name = "x"\nrole = "leadership"\nregion = "{S1}"', "needs a district code"),
        ('account = "nobody"', "no active account 'nobody'"),
        (f'name = "x"\nrole = "leadership"\nregion = "{DISTRICT}"\nemail = "a@b.cn"',
         "e-mail needs an [smtp] table"),
    ],
)  # fmt: skip
def test_a_wrong_configuration_names_what_is_wrong(exports, tmp_path, recipient, message):
    db = _database(exports, tmp_path)
    config = tmp_path / "digest.toml"
    config.write_text(f"[[recipients]]\n{recipient}\n", encoding="utf-8")
    with pytest.raises(daily.ConfigError, match=message.replace("[", r"\[")):
        daily.run(db, DAY, config, now=NOW)


def test_the_robot_markdown_keeps_within_4096_bytes_by_dropping_the_last_units():
    ranking = pl.DataFrame(
        {"region_code": [f"V{i:03}" for i in range(200)],
         "name": [f"第{i}号社区村民委员会" for i in range(200)],
         "rank": list(range(1, 201)), "rank_change": [0] * 200,
         "daily_score": [100.0 - i / 2 for i in range(200)], "note": [None] * 200,
         **{c: [1] * 200 for c in metrics_daily.COUNTS}}
    )  # fmt: skip
    digest = daily.Digest(
        DAY, digests.Recipient("x", "district_inspector", DISTRICT), "苏家屯区", "village",
        NOW, NOW, {}, {}, ranking, pl.DataFrame(schema=LEAD_COLUMNS), DAY, None, None,
    )  # fmt: skip
    markdown = daily.to_markdown(digest)
    assert len(markdown.encode("utf-8")) <= 4000
    kept = markdown.count("- 第")
    assert 10 < kept < 200 and f"……另有 {200 - kept} 个单位，见图片或看板" in markdown
    assert markdown.endswith("内部资料，请勿外传。")
    assert markdown.count("第0号") == 1  # the top of the ranking is kept
    assert daily.to_text(digest).count("- 第") == 200  # the text has them all


def test_new_leads_are_those_not_raised_the_day_before_each_linked_to_the_dashboard(delivered):
    db = delivered["db"]
    con = ReadOnlyDatabase(db).cursor()
    scope, before = Scope(DISTRICT), DAY - dt.timedelta(days=1)
    fresh = new_leads(con, scope, before, DAY)
    assert list(fresh.columns) == list(LEAD_COLUMNS)
    going = pl.col("ongoing")
    raised = lead_episodes(con, scope, DAY).filter(going).select("region_code", "lead_type").rows()
    earlier = (
        lead_episodes(con, scope, before).filter(going).select("region_code", "lead_type").rows()
    )
    pairs = fresh.select("region_code", "lead_type").rows()
    assert set(pairs) == set(raised) - set(earlier)
    assert new_leads(con, scope, DAY, DAY).is_empty()  # nothing is new against itself
    (text,) = [p["markdown"]["content"] for p in _posts(delivered["posts"], "/wecom/district")
               if p["msgtype"] == "markdown"]  # fmt: skip
    assert f"新线索（03-11 日报以来首次出现，{fresh.height} 条" in text
    for lead in fresh.iter_rows(named=True):
        assert (f"https://dashboard.example.gov.cn/leads?lead={lead['lead_id']}&as_of=2026-03-12"
                in text)  # fmt: skip
