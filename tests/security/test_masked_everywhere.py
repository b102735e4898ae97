"""#12 item 3 on the pages: numbers written every way are masked in every page that shows
message text (the tables shown are what their CSV and Excel downloads hold), in the rows
kept aside and in the audit trail."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from datastore import accounts
from etl.load import load_exports
from schema.tables import TABLES
from tests.app.session import DASHBOARD, add_account, page_text, sign_in
from tests.exports import write_csv
from tests.security.districts import OWN, OWN_VILLAGE, two_districts
from tests.security.personal_data import unmasked_numbers, variant_messages

WRITTEN = variant_messages(40)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("variants")
    export = two_districts(folder / "export", messages_per_village=1)
    columns = ["feedback_id", "region_code", "user_id", "submitted_at", "content",
               "first_reply_at", "reply", "status"]  # fmt: skip
    rows = [[f"V{n}", OWN_VILLAGE, "U1", f"2025-02-{1 + n % 20:02d} 10:00:00", text,
             f"2025-02-{1 + n % 20:02d} 12:00:00", f"已联系{WRITTEN[-1 - n][4:]}", "已回复"]
            for n, text in enumerate(WRITTEN)]  # fmt: skip
    rows.append(["V-bad", OWN_VILLAGE, "U-nobody", "2025-02-01 10:00:00", WRITTEN[0], "", "",
                 "待回复"])  # fmt: skip
    write_csv(export / "feedback_variants.csv", [TABLES["feedback"].column(c).zh for c in columns],
              rows)  # fmt: skip
    db = folder / "sunshine.duckdb"
    load_exports([export], db)
    add_account(db, "inspector", "district_inspector", OWN)
    add_account(db, "admin", "admin", OWN)
    with accounts.opened(accounts.access_path(db)) as con:
        accounts.audit(con, "inspector", "district_inspector", "disposition", "lead-1",
                       f"verified: {WRITTEN[3]}", "", OWN)  # fmt: skip
    return db


def _page(monkeypatch, db, username: str, page: str, **params) -> str:
    monkeypatch.setenv("SUNSHINE_DB", str(db))
    app = sign_in(AppTest.from_file(DASHBOARD, default_timeout=120), username)
    app.switch_page(f"views/{page}.py")
    for name, value in params.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception
    return page_text(app)


def test_the_variants_are_numbers_the_finder_sees():
    assert all(len(unmasked_numbers(text)) == 2 for text in WRITTEN)


@pytest.mark.parametrize(
    ("username", "page", "params"),
    [("inspector", "village", {"village": OWN_VILLAGE}), ("admin", "home", {}),
     ("admin", "audit", {})],
)  # fmt: skip
def test_no_number_survives_on_a_page(monkeypatch, db, username, page, params):
    text = _page(monkeypatch, db, username, page, **params)
    assert "*" in text
    assert unmasked_numbers(text) == []
