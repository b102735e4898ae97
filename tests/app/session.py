"""Getting into the dashboard under AppTest as a given user."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from datastore import accounts
from tests.conftest import ROOT

DASHBOARD = str(ROOT / "dashboard.py")
PASSWORD = "correct horse battery"


def open_page(
    page: str | None = None, role: str | None = None, of: str | None = None, **params: str
) -> AppTest:
    """The dashboard run once, then on `page` with the URL parameters given; as the demo's
    `role` (a street inspector `of` a street) when one is given."""
    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    if role:
        as_demo_role(app, role, of)
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    if page:
        app.switch_page(f"views/{page}.py")
        for name, value in params.items():
            app.query_params[name] = value
        app.run()
    assert not app.exception
    return app


def as_demo_role(app: AppTest, role: str, street: str | None = None) -> AppTest:
    """Pick a role in the demo's role picker (before the first run)."""
    app.session_state["demo_role"] = role
    if street:
        app.session_state["demo_street"] = street
    return app


def add_account(db: Path, username: str, role: str, region: str, **kw) -> None:
    con = accounts.connect(accounts.access_path(db))
    try:
        accounts.add_account(con, username, f"{username}（测试）", role, region, PASSWORD, **kw)
    finally:
        con.close()


def sign_in(app: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    """Fill and send the sign-in form of a dashboard that asks for one."""
    app.run()
    app.text_input[0].input(username)
    app.text_input[1].input(password)
    next(b for b in app.button if b.label == "登录").click()
    return app.run()


def audit_rows(db: Path, action: str | None = None) -> list[dict]:
    con = accounts.connect(accounts.access_path(db))
    try:
        entries = accounts.audit_entries(con, actions=[action] if action else None)
    finally:
        con.close()
    return entries.to_dicts()


def page_text(app: AppTest) -> str:
    """Everything a page shows as text: headings, text, tables, metrics, options, charts."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning",
                 "info", "success"):  # fmt: skip
        parts += [e.value for e in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    parts += [frame.value.to_csv() for frame in app.dataframe]
    for box in (*app.selectbox, *app.multiselect):
        if box.label != "所在街道":  # the demo's own role picker lists every street
            parts += [str(option) for option in box.options]
    parts += [chart.proto.spec for chart in app.get("plotly_chart")]
    return "\n".join(parts)
