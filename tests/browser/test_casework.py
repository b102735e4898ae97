"""#13 in a real Chromium: a lead found 属实, a rectification item opened on it, the unit's
report, the data re-check, 销号, and the rectification ledger downloaded and opened. A
server of its own, so that its casework does not meet the other browser tests'."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3

import openpyxl
import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from datastore.casework import casework_path
from tests.browser.conftest import serve, stop
from tests.browser.test_dashboard import settle, visit

MENDED = "210111005007-slow-202510"  # slow replies that stopped after October 2025


@pytest.fixture(scope="module")
def own_server(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("casework_served")
    db = folder / "sunshine.duckdb"
    shutil.copyfile(demo_db[0], db)
    base, process, log = serve(db, folder)
    yield base, db
    stop(process, log)


def _form(page: Page, containing: str):
    return page.locator("[data-testid='stForm']").filter(has_text=containing)


def _choose(page: Page, form, option: str) -> None:
    form.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # the list closes when the page scrolls
    form.locator("[data-testid='stSelectbox']").first.get_by_role("button", name="Open").click()
    page.get_by_role("option", name=option, exact=True).click()


def _date(form, label: str, value: str) -> None:
    """Type a date into a date field's year, month and day segments."""
    year, month, day = value.split("/")
    for segment, digits in (("year", year), ("month", month), ("day", day)):
        field = form.get_by_role("spinbutton", name=f"{segment}, {label}")
        field.click()
        field.press_sequentially(digits)
    expect(form.get_by_role("spinbutton", name=f"day, {label}")).to_have_attribute(
        "aria-valuenow", str(int(day))
    )


def _download(page, button):
    """The file a download button gives. A click that lands as the page reruns after
    the last change (a busy machine delays the rerun past `settle`) can be lost with the
    button it was on: the page settles again and the button is clicked once more."""
    for attempt in range(3):
        try:
            with page.expect_download(timeout=40_000) as download:
                button.click()
            return download.value
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            settle(page)


def test_a_lead_to_rectification_recheck_and_closing_through_the_page(
    page: Page, own_server, shoot, tmp_path
):
    base, db = own_server
    visit(page, base, f"leads?lead={MENDED}")
    expect(page.get_by_text("核查结论为属实或部分属实后，可提出整改意见。")).to_be_visible()

    disposition = page.locator("[data-testid='stForm']").filter(has_text="核查说明")
    _choose(page, disposition, "属实")
    disposition.get_by_label("核查说明").fill("经调阅留言台账，情况属实")
    disposition.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已记录。")).to_be_visible()
    settle(page)
    # Read anew at once: the rectification form follows the confirmed finding.
    opening = _form(page, "新增整改项")
    expect(opening).to_be_visible()
    opening.get_by_label("存在问题").fill("群众留言回复长期滞后")
    opening.get_by_label("责任人").fill("王某（村党组织书记）")
    opening.get_by_label("整改措施").fill("建立当日回复制度，逐条回复积压留言")
    _date(opening, "整改时限", "2026/06/30")
    opening.get_by_role("button", name="新增整改项").click()
    expect(page.get_by_text("整改项 1 · 逾期")).to_be_visible()
    settle(page)

    item = _form(page, "操作")
    _choose(page, item, "单位报告整改完成")
    _date(item, "日期：报告整改完成时填单位所报完成日期，延期时填新的整改时限", "2026/07/01")
    item.get_by_label("说明").fill("已逐条回复，制度已上墙")
    item.get_by_role("button", name="提交").click()
    expect(page.get_by_text("整改项 1 · 已整改（待复核）")).to_be_visible()
    expect(page.get_by_text(re.compile("^数据复核通过"))).to_be_visible()
    expect(page.get_by_text("复核区间：2026-07-01 至 2026-10-31", exact=False)).to_be_visible()
    settle(page)
    shoot("recheck")

    item = _form(page, "操作")
    _choose(page, item, "销号")
    item.get_by_label("说明").fill("数据复核通过，同意销号")
    item.get_by_role("button", name="提交").click()
    expect(page.get_by_text("整改项 1 · 已销号")).to_be_visible()
    settle(page)
    with sqlite3.connect(casework_path(db)) as con:
        kinds = con.execute(
            "SELECT kind, happened_on FROM rectification_events ORDER BY event_id"
        ).fetchall()
    assert kinds == [("reported", "2026-07-01"), ("closed", None)]

    download = _download(page, page.get_by_role("button", name="导出整改台账（Excel）"))
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2][:3] == ("序号", "问题线索来源", "村（社区）")
    (row,) = rows[3:]
    assert row[2] == "铜兴社区" and row[11] == "已销号：数据复核通过，同意销号"
    assert row[12].startswith("数据复核通过（2026-07-01 至 2026-10-31）")
