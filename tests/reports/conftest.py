"""Real local servers on 127.0.0.1 for the digest's deliveries, started by the tests: an
HTTP server that records what group robots are posted and answers as WeCom and DingTalk
do, and an SMTP server (aiosmtpd) that keeps every message it accepts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

DINGTALK_SECRET = "SEC-test-secret"


class Robots(BaseHTTPRequestHandler):
    """/wecom/… and /dingtalk/… answer errcode 0 (a DingTalk one only when signed with
    DINGTALK_SECRET); /broken/… answers HTTP 500; /refuse/… errcode 93000."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.server.posts.append({"path": url.path, "query": query, "json": json.loads(body)})
        kind = url.path.split("/")[1]
        if kind == "broken":
            self.send_response(500)
            self.end_headers()
            return
        answer = {"errcode": 0, "errmsg": "ok"}
        if kind == "refuse" or (kind == "dingtalk" and not _signed(query)):
            answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def _signed(query: dict) -> bool:
    stamp = query.get("timestamp", "")
    expected = base64.b64encode(
        hmac.new(DINGTALK_SECRET.encode(), f"{stamp}\n{DINGTALK_SECRET}".encode(),
                 hashlib.sha256).digest()
    ).decode()  # fmt: skip
    return bool(stamp) and hmac.compare_digest(expected, query.get("sign", ""))


@pytest.fixture(scope="module")
def robots():
    """(base URL, the list of posts: path, query and JSON of each), for a module's tests."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Robots)
    server.posts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server.posts
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class Mailbox:
    """Accepts mail for anyone but nobody@…, and keeps it parsed."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {"to": list(envelope.rcpt_tos),
             "message": message_from_bytes(envelope.content, policy=policy.default)}
        )  # fmt: skip
        return "250 Message accepted"


@pytest.fixture(scope="module")
def smtp():
    """(port, the mailbox), for a module's tests."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, mailbox
    controller.stop()
