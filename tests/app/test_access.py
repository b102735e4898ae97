"""Who sees what, page by page: every role against data outside its jurisdiction, through
pages, hand-made URLs, filters and chart selections; privacy masking; sign-in and audit."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from datastore import ReadOnlyDatabase
from datastore.scope import Scope
from datastore.scoring import lead_episodes
from tests.app.session import DASHBOARD, add_account, audit_rows, open_page, page_text, sign_in

DISTRICT = "210111000000"
OWN_STREET = "210111009000"  # 林盛街道: it has leads (labelled villages) to show
OTHER_STREET = "210111010000"  # 沙河街道
OTHER_VILLAGE = "210111010203"  # 鲍家洼子社区村民委员会, in 沙河街道
ANALYSIS_PAGES = ("overview", "registration", "disclosures", "messages", "leads", "village",
                  "briefing")  # fmt: skip
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


@pytest.fixture(scope="module")
def places(demo_db):
    """Village names by street, and a lead of each street."""
    con = ReadOnlyDatabase(demo_db[0]).cursor()
    villages = con.sql(
        "SELECT region_code, name, street_code FROM regions WHERE level = 'village'"
    ).pl()
    leads = lead_episodes(con, Scope(DISTRICT))
    return {
        "other_names": villages.filter(pl.col("street_code") == OTHER_STREET)
        .get_column("name")
        .to_list(),
        "own_codes": villages.filter(pl.col("street_code") == OWN_STREET)
        .get_column("region_code")
        .to_list(),
        "other_lead": leads.filter(pl.col("street_code") == OTHER_STREET).row(0, named=True),
    }


def open_as(role: str, page: str | None = None, of: str | None = None, **params) -> AppTest:
    return open_page(page, role, of, **params)


REFUSED = "该内容不在您的辖区范围内，无法查看。此次请求已记入审计日志。"


@pytest.mark.parametrize("page", ANALYSIS_PAGES)
def test_street_inspector_gets_nothing_of_another_street_from_a_hand_made_url(db, places, page):
    app = open_as("street_inspector", page, OWN_STREET, street=OTHER_STREET)
    assert REFUSED in [e.value for e in app.error]
    text = page_text(app)
    assert "沙河街道" not in text
    assert not [name for name in places["other_names"] if name in text]
    refused = audit_rows(db, "refused")
    assert refused[0]["target"] == f"street:{OTHER_STREET}"
    assert refused[0]["actor"] == "demo-street_inspector"


def test_street_inspector_refused_a_village_and_a_lead_elsewhere(db, places):
    app = open_as("street_inspector", "village", OWN_STREET, village=OTHER_VILLAGE)
    assert REFUSED in [e.value for e in app.error]
    assert "鲍家洼子" not in page_text(app)
    lead = places["other_lead"]
    app = open_as("street_inspector", "leads", OWN_STREET, lead=lead["lead_id"])
    assert REFUSED in [e.value for e in app.error]
    assert lead["name"] not in page_text(app)
    assert [e["target"] for e in audit_rows(db, "refused")] == [
        f"lead:{lead['lead_id']}",
        f"village:{OTHER_VILLAGE}",
    ]


def test_a_chart_selection_cannot_reach_another_street(db, places):
    app = open_as("street_inspector", "registration", OWN_STREET)
    app.session_state[f"activity_by_unit_{OWN_STREET}"] = {
        "selection": {"points": [{"customdata": OTHER_VILLAGE}], "point_indices": [0]}
    }
    app.run()
    assert REFUSED in [e.value for e in app.error]
    assert "鲍家洼子" not in page_text(app)


@pytest.mark.parametrize("page", ANALYSIS_PAGES)
def test_street_inspector_sees_only_their_street(db, places, page):
    app = open_as("street_inspector", page, OWN_STREET)
    assert not app.error
    text = page_text(app)
    assert not [name for name in places["other_names"] if name in text]
    street_box = next(s for s in app.sidebar.selectbox if s.label == "街道")
    assert street_box.options == ["林盛街道"]


def test_street_inspector_leads_and_ledger_hold_only_their_street(db, places):
    con = ReadOnlyDatabase(db).cursor()
    district = lead_episodes(con, Scope(DISTRICT))
    street = district.get_column("street_code")[0]  # a street with leads
    app = open_as("street_inspector", "leads", street)
    shown = app.dataframe[0].value
    own = lead_episodes(con, Scope(street))
    assert list(shown["名称"]) == own.get_column("name").to_list()
    villages = con.execute(
        "SELECT region_code FROM regions WHERE street_code = ?", [street]
    ).fetchall()
    assert set(own.get_column("region_code")) <= {v for (v,) in villages}
    # The leads are the district's scores, whoever looks.
    same = district.filter(pl.col("street_code") == street)
    assert own.get_column("score").to_list() == same.get_column("score").to_list()


def test_village_comparison_leaves_out_the_district_for_a_street_inspector(db, places):
    app = open_as("street_inspector", "village", OWN_STREET, village=places["own_codes"][0])
    assert list(app.dataframe[0].value.columns) == ["指标", "本村", "所在街道"]
    app = open_as("district_inspector", "village", village=places["own_codes"][0])
    assert list(app.dataframe[0].value.columns) == ["指标", "本村", "所在街道", "全区"]


def test_leadership_reads_but_does_not_record_or_unmask(db):
    app = open_as("leadership", "leads")
    assert not [b for b in app.button if b.label == "保存"]
    assert "您的角色只能查看" in page_text(app)
    app = open_as("leadership", "village", village=OTHER_VILLAGE)
    assert not [t for t in app.sidebar.toggle if t.label == "显示完整个人信息"]


@pytest.mark.parametrize(("role", "page"), [("leadership", "home"), ("district_inspector", "audit"),
                                            ("admin", "leads"), ("admin", "village")])  # fmt: skip
def test_pages_outside_a_role_are_refused_and_audited(db, role, page):
    app = open_as(role, page, village=OTHER_VILLAGE)
    assert [e.value for e in app.error] == [REFUSED]
    assert "鲍家洼子" not in page_text(app)
    path = {"home": "data"}.get(page, page)
    assert audit_rows(db, "refused")[0]["target"] == f"page:{path}"


def _village_with_personal_data(db) -> str:
    con = ReadOnlyDatabase(db).cursor()
    return con.execute(
        # A mobile standing alone (eleven digits inside an ID number are not one), and the
        # village with most such messages, ties broken by code so every run picks the same.
        "SELECT region_code FROM feedback "
        "WHERE regexp_matches(content, '(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)') "
        "AND regexp_matches(content, '身份证号') GROUP BY 1 "
        "ORDER BY count(*) DESC, region_code LIMIT 1"
    ).fetchall()[0][0]


def test_message_text_is_masked_unless_an_entitled_user_unmasks_and_is_audited(db):
    village = _village_with_personal_data(db)
    app = open_as("district_inspector", "village", village=village)
    messages = app.dataframe[-2].value.to_csv()
    assert "内容" in app.dataframe[-2].value.columns
    assert not MOBILE.search(messages) and not ID_NUMBER.search(messages)
    assert re.search(r"1[3-9]\d\*{4}\d{4}", messages)
    assert re.search(r"\d{4}\*{10}\d{3}[\dX]", messages)
    assert not audit_rows(db, "unmask")

    next(t for t in app.sidebar.toggle if t.label == "显示完整个人信息").set_value(True).run()
    messages = app.dataframe[-2].value.to_csv()
    assert MOBILE.search(messages) and ID_NUMBER.search(messages)
    assert [e["target"] for e in audit_rows(db, "unmask")] == [f"village:{village}"]


def test_quarantined_records_are_masked_on_the_data_page(db):
    app = open_as("admin", "home")
    text = page_text(app)
    assert "原始记录（已脱敏）" in text
    assert not MOBILE.search(text) and not ID_NUMBER.search(text)


def test_signing_in_with_an_account_failures_lockout_and_sign_out(db):
    add_account(db, "jiefang", "street_inspector", OWN_STREET)
    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    sign_in(app, "jiefang", "wrong password")
    assert [e.value for e in app.error] == ["用户名或密码错误。"]
    assert not app.dataframe  # nothing shown before sign-in
    sign_in(app, "jiefang")
    assert not app.exception and not app.error
    assert "林盛街道" in app.title[0].value
    assert "当前用户：jiefang（测试）（街道纪检监察干部）" in [c.value for c in app.sidebar.caption]
    next(b for b in app.sidebar.button if b.label == "退出登录").click()
    app.run()
    assert [b.label for b in app.button] == ["登录"]
    actions = [e["action"] for e in audit_rows(db)]
    assert actions[:3] == ["sign_out", "sign_in", "sign_in_failed"]
    # The password typed is in no entry.
    assert "wrong password" not in json.dumps(audit_rows(db), ensure_ascii=False)


def test_five_wrong_passwords_lock_the_account(db):
    add_account(db, "jiefang", "street_inspector", OWN_STREET)
    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    for _ in range(5):
        sign_in(app, "jiefang", "wrong password")
    assert "账号已锁定" in app.error[0].value
    sign_in(app, "jiefang")  # the right password, too late
    assert "账号已锁定" in app.error[0].value
    assert not app.dataframe
    assert [e["action"] for e in audit_rows(db)][:2] == ["locked", "locked"]


def test_identity_provider_sign_in_maps_to_an_account(db, monkeypatch):
    monkeypatch.setenv("SUNSHINE_SIGN_IN", "oidc")
    add_account(db, "wang", "district_inspector", DISTRICT, oidc_email="Wang@example.gov.cn")
    app = AppTest.from_file(DASHBOARD, default_timeout=120)
    app.user = {"is_logged_in": True, "email": "wang@example.gov.cn"}
    app.run()
    assert not app.exception and not app.error
    assert "苏家屯区" in app.title[0].value
    assert audit_rows(db, "sign_in")[0]["detail"] == "oidc"

    stranger = AppTest.from_file(DASHBOARD, default_timeout=120)
    stranger.user = {"is_logged_in": True, "email": "someone@example.com"}
    stranger.run()
    assert "尚未开通本系统账号" in stranger.error[0].value
    assert not stranger.dataframe
    assert audit_rows(db, "refused")[0]["target"] == "someone@example.com"

    signed_out = AppTest.from_file(DASHBOARD, default_timeout=120)
    signed_out.user = {"is_logged_in": False}
    signed_out.run()
    assert [b.label for b in signed_out.button] == ["通过统一身份认证登录"]
    assert not signed_out.dataframe and not signed_out.metric


def test_administrators_read_the_audit_trail_and_opening_it_is_audited(db):
    open_as("street_inspector", "leads", OWN_STREET, street=OTHER_STREET)
    app = open_as("admin", "audit")
    entries = app.dataframe[0].value
    assert "越权请求被拒绝" in set(entries["操作"])
    assert f"street:{OTHER_STREET}" in set(entries["对象"])
    assert [e["actor"] for e in audit_rows(db, "view_audit")] == ["demo-admin"]


def test_switching_the_demo_role_goes_to_a_page_of_the_new_role_without_a_refusal(db):
    app = open_as("district_inspector", "leads")
    next(s for s in app.sidebar.selectbox if s.label == "以何种角色查看").set_value("admin").run()
    assert not app.exception and not app.error
    assert app.title[0].value == "数据概况"
    assert not audit_rows(db, "refused")
    assert [e["action"] for e in audit_rows(db)][:2] == ["sign_in", "sign_out"]
