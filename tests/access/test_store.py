"""Accounts, the audit trail, the jurisdiction check and masking, without Streamlit."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import sys
from contextlib import redirect_stderr, redirect_stdout

import polars as pl
import pytest

from datastore import ReadOnlyDatabase, accounts
from datastore.access import OutsideJurisdiction, check_scopes
from datastore.privacy import mask
from datastore.scope import Scope
from etl.__main__ import main as etl_main

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path):
    con = accounts.connect(tmp_path / "x.access.sqlite")
    yield con
    con.close()


def test_passwords_are_stored_as_argon2_hashes_only(store, tmp_path):
    accounts.add_account(store, "li", "李某", "street_inspector", "210111001000", PASSWORD)
    stored = store.execute("SELECT password_hash FROM accounts").fetchall()[0][0]
    assert stored.startswith("$argon2id$")
    store.execute("PRAGMA wal_checkpoint(FULL)")
    for path in tmp_path.iterdir():
        assert PASSWORD.encode() not in path.read_bytes()
    assert "password" not in " ".join(accounts.accounts(store).columns)


def test_short_passwords_and_unknown_roles_are_refused(store):
    with pytest.raises(accounts.AccountError, match="at least 10"):
        accounts.add_account(store, "li", "李某", "leadership", "210111000000", "short")
    with pytest.raises(accounts.AccountError, match="unknown role"):
        accounts.add_account(store, "li", "李某", "mayor", "210111000000", PASSWORD)


def test_lockout_after_five_wrong_passwords_lifts_after_the_lock_or_an_unlock(store):
    accounts.add_account(store, "li", "李某", "leadership", "210111000000", PASSWORD)
    now = dt.datetime(2026, 11, 1, 9)
    reasons = []
    for _ in range(5):
        with pytest.raises(accounts.SignInRefused) as refused:
            accounts.sign_in(store, "li", "wrong", now)
        reasons.append(refused.value.reason)
    assert reasons == ["wrong_password"] * 4 + ["locked"]
    with pytest.raises(accounts.SignInRefused, match="locked"):
        accounts.sign_in(store, "li", PASSWORD, now + dt.timedelta(minutes=14))
    user = accounts.sign_in(store, "li", PASSWORD, now + dt.timedelta(minutes=16))
    assert (user.username, user.role, user.via) == ("li", "leadership", "password")
    for _ in range(5):
        with pytest.raises(accounts.SignInRefused):
            accounts.sign_in(store, "li", "wrong", now)
    accounts.unlock(store, "li")
    assert accounts.sign_in(store, "li", PASSWORD, now).username == "li"


def test_disabled_and_unknown_accounts_cannot_sign_in(store):
    accounts.add_account(store, "li", "李某", "leadership", "210111000000", PASSWORD)
    accounts.set_active(store, "li", False)
    with pytest.raises(accounts.SignInRefused, match="disabled"):
        accounts.sign_in(store, "li", PASSWORD)
    with pytest.raises(accounts.SignInRefused, match="unknown"):
        accounts.sign_in(store, "nobody", PASSWORD)


def test_the_audit_trail_is_append_only(store):
    accounts.audit(store, "li", "leadership", "sign_in", "", "password", "10.0.0.1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.execute("UPDATE audit SET actor = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.execute("DELETE FROM audit")
    with pytest.raises(ValueError, match="unknown audit action"):
        accounts.audit(store, "li", "leadership", "rename")
    entries = accounts.audit_entries(store)
    assert entries.select("actor", "action", "origin").row(0) == ("li", "sign_in", "10.0.0.1")


def test_the_jurisdiction_check_refuses_scopes_outside(demo_db):
    con = ReadOnlyDatabase(demo_db[0]).cursor()
    street = Scope("210111001000")
    check_scopes(con, street, (street, Scope("210111001201"), "not a scope", 3))
    for outside in (Scope("210111010000"), Scope("210111000000"), Scope(), Scope("nonsense")):
        with pytest.raises(OutsideJurisdiction):
            check_scopes(con, street, (outside,))
    check_scopes(con, Scope("210111000000"), (Scope("210111010203"),))
    check_scopes(con, Scope(), (Scope(),))


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("其他问题反映,联系电话13992430841", "其他问题反映,联系电话139****0841"),
        ("本人张伟，身份证号210111198001011234", "本人张**，身份证号2101**********1234"),
        ("身份证21011119800101123X。", "身份证2101**********123X。"),
        ("13800001111,13900002222", "138****1111,139****2222"),
        ("电话024-31234567", "电话024-****4567"),
        ("联系人：李四", "联系人：李**"),
        ("村民反映环境卫生", "村民反映环境卫生"),
        ("账号6222021234567890123", "账号6222021234567890123"),
    ],
)
def test_masking(text, masked):
    assert pl.select(mask(pl.lit(text))).item() == masked


def _cli(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(out):
            code = etl_main(list(argv))
    finally:
        sys.stdin = saved
    return code, out.getvalue()


def test_accounts_command_line_audits_every_change_and_never_echoes_passwords(demo_db, tmp_path):
    db = tmp_path / "sunshine.duckdb"
    db.write_bytes(demo_db[0].read_bytes())
    code, out = _cli("users", "--db", str(db), "add", "jiefang", "--name", "解放街道王某",
                     "--role", "street_inspector", "--region", "210111001000",
                     "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert code == 0, out
    code, out = _cli("users", "--db", str(db), "add", "wrong", "--name", "某",
                     "--role", "street_inspector", "--region", "210111000000",
                     "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert code == 2 and "needs a street code; 210111000000 is a district" in out
    assert _cli("users", "--db", str(db), "disable", "jiefang")[0] == 0
    code, listing = _cli("users", "--db", str(db), "list")
    assert "jiefang" in listing and "disabled" in listing
    assert _cli("users", "--db", str(db), "password", "jiefang", "--password-stdin",
                stdin="another long password\n")[0] == 0  # fmt: skip
    con = accounts.connect(accounts.access_path(db))
    entries = accounts.audit_entries(con)
    con.close()
    assert entries.get_column("detail").to_list() == [
        "password set", "disabled", "added street_inspector 210111001000"
    ]  # fmt: skip
    assert set(entries.get_column("action")) == {"account"}
    everything = out + listing + entries.write_csv()
    assert PASSWORD not in everything and "another long password" not in everything


def test_loads_from_the_command_line_are_audited(sample_export, tmp_path):
    db = tmp_path / "sunshine.duckdb"
    code, out = _cli("load", "--quiet", "--db", str(db), str(sample_export))
    assert code == 0, out
    con = accounts.connect(accounts.access_path(db))
    entries = accounts.audit_entries(con)
    con.close()
    entry = entries.row(0, named=True)
    assert entry["action"] == "load" and entry["actor"].startswith("cli:")
    assert str(sample_export) in entry["target"] and "rows read" in entry["detail"]
