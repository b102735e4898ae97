"""Where the daily digest goes and how: the configuration, and the channels — an outbox
folder (always), a WeCom (企业微信) or DingTalk (钉钉) group robot, and e-mail over SMTP —
each tried a bounded number of times.

Group robots take JSON posted to the webhook URL and answer `{"errcode": 0, ...}`:
- WeCom: `{"msgtype": "markdown", "markdown": {"content": …}}` (at most 4,096 bytes of
  UTF-8), then `{"msgtype": "image", "image": {"base64": …, "md5": …}}` (the PNG itself, at
  most 2 MB, and the MD5 of its bytes before encoding).
- DingTalk: `{"msgtype": "markdown", "markdown": {"title": …, "text": …}}`; its markdown
  shows images by URL only. The card therefore reaches DingTalk only when `image_base_url`
  is configured: the PNG is written under the outbox's `public/` folder with an
  unguessable name, which the operator serves at that URL (inside the network, where the
  group's members' clients can fetch it). Without it, DingTalk gets the full text of the
  digest and a link to the dashboard, and the card goes by e-mail and the outbox.
  A robot with 加签 security gets `timestamp` and `sign` (HMAC-SHA256 of
  "timestamp\\nsecret", base64, URL-encoded) added to its URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import smtplib
import ssl
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from datastore.access import ROLES
from datastore.digests import Recipient

log = logging.getLogger("reports.daily")

ROBOT_TEXT_LIMIT = 4000  # bytes: WeCom's markdown takes at most 4,096
WECOM_IMAGE_LIMIT = 2 * 1024 * 1024
WEBHOOK_KINDS = ("wecom", "dingtalk")


class ConfigError(ValueError):
    """The digest configuration is missing or wrong; the message names the file and key."""


class DeliveryError(Exception):
    """One attempt at a channel failed; the message says why (never the webhook's key)."""


@dataclass(frozen=True)
class Webhook:
    kind: str  # wecom or dingtalk
    url: str
    secret: str | None = None  # DingTalk 加签


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    security: str = "starttls"  # ssl, starttls or none
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Destination:
    """A recipient and where its digest goes."""

    recipient: Recipient
    webhook: Webhook | None = None
    emails: tuple[str, ...] = ()
    account: str | None = None  # role and region taken from this built-in account

    def channels(self, with_card: bool) -> list[str]:
        """The channels of one delivery, in sending order; the outbox always."""
        names = ["outbox"]
        if self.webhook and self.webhook.kind == "wecom":
            names += ["wecom/markdown"] + (["wecom/image"] if with_card else [])
        elif self.webhook:
            names.append("dingtalk/markdown")
        return names + [f"email:{address}" for address in self.emails]


@dataclass(frozen=True)
class DigestConfig:
    source: str  # where it was read from, for messages
    outbox: Path
    destinations: tuple[Destination, ...]
    dashboard_url: str | None = None
    image_base_url: str | None = None
    smtp: Smtp | None = None
    attempts: int = 3
    retry_seconds: float = 30.0
    timeout_seconds: float = 15.0


def config_path(db_path: Path) -> Path:
    """`sunshine.duckdb` → `sunshine.digest.toml` beside it."""
    return db_path.with_name(f"{db_path.stem}.digest.toml")


def find_config(db_path: Path, given: Path | None, secrets_file: Path) -> tuple[dict, str]:
    """The configuration's table and where it came from: the file given, else the one
    beside the database, else the `[digest]` table of .streamlit/secrets.toml."""
    for path in (given, config_path(db_path)):
        if path is None:
            continue
        if not path.exists():
            if path is given:
                raise ConfigError(f"{path}: no such file")
            continue
        return _read_toml(path), str(path)
    if secrets_file.exists():
        table = _read_toml(secrets_file).get("digest")
        if table is not None:
            return table, f"{secrets_file} [digest]"
    raise ConfigError(
        f"no digest configuration: write {config_path(db_path)} "
        "(see deploy/digest.toml.example) or a [digest] table in .streamlit/secrets.toml"
    )


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def parse_config(table: dict, source: str, db_path: Path) -> DigestConfig:
    """Check and type the configuration; a wrong value names its key."""

    def fail(key: str, why: str):
        raise ConfigError(f"{source}: {key}: {why}")

    outbox = Path(table.get("outbox", "outbox"))
    if not outbox.is_absolute():
        outbox = db_path.parent / outbox
    smtp = None
    if "smtp" in table:
        s = table["smtp"]
        for key in ("host", "sender"):
            if not s.get(key):
                fail(f"smtp.{key}", "required")
        security = s.get("security", "starttls")
        if security not in ("ssl", "starttls", "none"):
            fail("smtp.security", "one of ssl, starttls, none")
        port = s.get("port", {"ssl": 465, "starttls": 587, "none": 25}[security])
        smtp = Smtp(
            s["host"], int(port), s["sender"], security, s.get("username"), s.get("password")
        )
    destinations, names = [], set()
    for i, entry in enumerate(table.get("recipients", [])):
        key = f"recipients[{i}]"
        account = entry.get("account")
        name = entry.get("name") or account
        if not name:
            fail(f"{key}.name", "a recipient needs a name (or an account)")
        if name in names:
            fail(f"{key}.name", f"{name!r} is used twice")
        names.add(name)
        role = entry.get("role")
        region = entry.get("region")
        if account is None:
            if role not in ROLES:
                fail(f"{key}.role", f"one of {', '.join(ROLES)}")
            if not region:
                fail(f"{key}.region", "the code of a district or street, or 'all'")
        webhook = None
        if "webhook" in entry:
            w = entry["webhook"]
            if w.get("kind") not in WEBHOOK_KINDS:
                fail(f"{key}.webhook.kind", "wecom or dingtalk")
            if not str(w.get("url", "")).startswith(("http://", "https://")):
                fail(f"{key}.webhook.url", "an http(s) URL")
            webhook = Webhook(w["kind"], w["url"], w.get("secret"))
        emails = entry.get("email", [])
        emails = (emails,) if isinstance(emails, str) else tuple(emails)
        if emails and smtp is None:
            fail(f"{key}.email", "e-mail needs an [smtp] table")
        recipient = Recipient(name, role or "", None if region == "all" else region)
        destinations.append(Destination(recipient, webhook, emails, account))
    if not destinations:
        fail("recipients", "no recipient configured")
    return DigestConfig(
        source=source,
        outbox=outbox,
        destinations=tuple(destinations),
        dashboard_url=(table.get("dashboard_url") or "").rstrip("/") or None,
        image_base_url=(table.get("image_base_url") or "").rstrip("/") or None,
        smtp=smtp,
        attempts=max(1, int(table.get("attempts", 3))),
        retry_seconds=float(table.get("retry_seconds", 30)),
        timeout_seconds=float(table.get("timeout_seconds", 15)),
    )


@dataclass
class Message:
    """One delivery's content: the title (subject), plain text, robot markdown, and the
    card, if any, with its file name."""

    kind: str  # digest or warning
    title: str
    text: str
    markdown: str
    png: bytes | None = None
    stem: str = "digest"
    image_urls: dict[str, str] = field(default_factory=dict)


def safe_name(text: str) -> str:
    """A file or folder name from a recipient's or scope's name."""
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text).strip("._") or "recipient"


def write_outbox(folder: Path, message: Message) -> list[Path]:
    """The digest as files in `folder`: PNG card, Markdown and plain text."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, content in ((".md", message.markdown), (".txt", message.text)):
        path = folder / f"{message.stem}{suffix}"
        path.write_text(content, encoding="utf-8")
        written.append(path)
    if message.png is not None:
        path = folder / f"{message.stem}.png"
        path.write_bytes(message.png)
        written.append(path)
    return written


def publish_image(outbox: Path, base_url: str, png: bytes) -> str:
    """Put the card where `image_base_url` serves it, under a name nobody can guess."""
    public = outbox / "public"
    public.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}.png"
    (public / name).write_bytes(png)
    return f"{base_url}/{name}"


def signed(url: str, secret: str | None, now_ms: int | None = None) -> str:
    """A DingTalk webhook URL with the 加签 timestamp and signature."""
    if not secret:
        return url
    stamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"


def robot_payloads(webhook: Webhook, message: Message) -> dict[str, dict]:
    """channel → JSON body, in the robot's own message format."""
    if webhook.kind == "wecom":
        payloads = {
            "wecom/markdown": {"msgtype": "markdown", "markdown": {"content": message.markdown}}
        }
        if message.png is not None:
            if len(message.png) > WECOM_IMAGE_LIMIT:
                raise DeliveryError(f"the card is {len(message.png):,} bytes; WeCom takes 2 MB")
            payloads["wecom/image"] = {
                "msgtype": "image",
                "image": {
                    "base64": base64.b64encode(message.png).decode(),
                    "md5": hashlib.md5(message.png).hexdigest(),
                },
            }
        return payloads
    text = message.markdown
    if "dingtalk" in message.image_urls:
        text = f"![{message.title}]({message.image_urls['dingtalk']})\n\n{text}"
    return {
        "dingtalk/markdown": {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": text},
        }
    }


def post_json(webhook: Webhook, payload: dict, timeout: float) -> None:
    """Post one robot message; raise DeliveryError unless the robot answers errcode 0."""
    url = signed(webhook.url, webhook.secret) if webhook.kind == "dingtalk" else webhook.url
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"cannot reach the robot: {getattr(exc, 'reason', exc)}") from exc
    try:
        answer_json = json.loads(body)
    except ValueError as exc:
        raise DeliveryError(f"the robot's answer is not JSON: {body[:120]!r}") from exc
    if answer_json.get("errcode") != 0:
        raise DeliveryError(
            f"the robot refused: errcode {answer_json.get('errcode')} {answer_json.get('errmsg')}"
        )


def send_email(smtp: Smtp, to: str, message: Message, timeout: float) -> None:
    """One e-mail to one address (each address is a delivery of its own, so that one
    refused address is retried alone), the card attached."""
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = smtp.sender
    mail["To"] = to
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=smtp.host)
    mail.set_content(message.text)
    if message.png is not None:
        mail.add_attachment(
            message.png, maintype="image", subtype="png", filename=f"{message.stem}.png"
        )
    try:
        if smtp.security == "ssl":
            server = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        with server:
            if smtp.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if smtp.username:
                server.login(smtp.username, smtp.password or "")
            server.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {exc}") from exc


def attempt(
    send: Callable[[], None], attempts: int, wait: float, label: str
) -> tuple[bool, int, str]:
    """Try `send` up to `attempts` times, `wait` seconds apart: (sent, tries, last error)."""
    error = ""
    for tries in range(1, attempts + 1):
        try:
            send()
        except Exception as exc:  # whatever goes wrong, the other channels still go
            error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
            log.warning("%s: attempt %d of %d failed: %s", label, tries, attempts, error)
            if tries < attempts:
                time.sleep(wait)
        else:
            return True, tries, ""
    return False, attempts, error
