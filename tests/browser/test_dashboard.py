"""The dashboard in a real Chromium: every page, the drill from a street to a village to a
lead, a disposition, and the briefing's exported files."""

from __future__ import annotations

import datetime as dt
import io
import re
import sqlite3
import zipfile
from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageChops
from playwright.sync_api import Page, expect
from pptx import Presentation

from datastore import ReadOnlyDatabase
from datastore.casework import casework_path
from datastore.scope import Scope
from datastore.scoring import lead_episodes
from reports import briefing as report
from schema.timing import local_now
from tests.app.session import audit_rows
from tests.security.personal_data import unmasked_numbers

DISTRICT = "210111000000"
NEIGHBOURS = {code: code + 1 for code in range(0x4E00, 0x9FFF)}
PAGES = {
    "": "苏家屯区 · 2026-10",
    "ranking": "苏家屯区 · 排名",
    "registration": "注册与活跃",
    "disclosures": "三务公开",
    "messages": "群众留言",
    "leads": "问题线索",
    "village": "村社区画像",
    "briefing": "阳光三务监督简报",
    "data": "数据概况",
    "audit": "审计日志",
}


def settle(page: Page) -> None:
    """Wait as Streamlit's own end-to-end suite does: connected, script done, no skeleton.
    A navigation's run may start just after the old run's state is seen, so the state must
    hold for a moment."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    done = "[data-testid='stApp'][data-test-script-state='notRunning']"
    for _ in range(2):
        page.wait_for_selector(done)
        page.wait_for_timeout(400)
    page.wait_for_selector(done)
    expect(page.locator("[data-testid='stSkeleton']")).to_have_count(0)


def visit(page: Page, base: str, path: str) -> None:
    page.goto(f"{base}/{path}")
    settle(page)
    expect(page.locator("h1").first).to_be_visible()
    expect(page.locator("[data-testid='stException']")).to_have_count(0)


MASKED_MOBILE = re.compile(r"1[3-9]\d\*{4}\d{4}")
# Every text and attribute value of the page (the tables' cells included), without scripts,
# styles, drawings and layout attributes, whose numbers are coordinates, not phones.
PAGE_TEXT = """() => {
    const layout = new Set(["style", "class", "id", "href", "src", "d", "transform",
                            "viewBox", "points", "width", "height", "x", "y"]);
    const copy = document.body.cloneNode(true);
    copy.querySelectorAll("script, style, svg").forEach(e => e.remove());
    const parts = [];
    for (const e of copy.querySelectorAll("*")) {
        for (const a of e.attributes) if (!layout.has(a.name)) parts.push(a.value);
        for (const n of e.childNodes) if (n.nodeType === 3) parts.push(n.textContent);
    }
    return parts.join("\\n");
}"""


def click_bar(page: Page, chart_key: str, code: str) -> None:
    """Click the bar whose customdata is `code`: Plotly's drag layer swallows element
    clicks, so click the bar's centre with the mouse."""
    chart = page.locator(f".st-key-{chart_key} .js-plotly-plot")
    expect(chart).to_be_visible()
    codes = chart.evaluate("node => node.data[0].customdata")
    bar = chart.locator(".bars .point").nth(codes.index(code))
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def as_role(page: Page, role: str) -> None:
    """Pick a role in the demo's role picker."""
    picker = page.get_by_role("combobox", name="以何种角色查看")
    page.locator("[data-testid='stSelectbox']").filter(has=picker).get_by_role(
        "button", name="Open"
    ).click()
    page.get_by_role("option", name=role).click()
    settle(page)


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_opens_in_chinese_with_no_unmasked_personal_data(
    page: Page, server, shoot, path
):
    base, _ = server
    if path in ("data", "audit"):
        # An administrator's pages; a new URL would start a new session, so pick the role
        # and follow the sidebar.
        visit(page, base, "")
        as_role(page, "系统管理员")
        page.locator("[data-testid='stSidebarNav']").get_by_text(PAGES[path]).click()
        settle(page)
    else:
        visit(page, base, path)
    expect(page.locator("h1").first).to_contain_text(PAGES[path])
    expect(page.get_by_text("演示模式：以下均为系统生成的演示数据")).to_be_visible()
    assert unmasked_numbers(page.evaluate(PAGE_TEXT)) == []
    if path == "data":
        # Streamlit's own English on the uploader is drawn over in Chinese (ui/builtin_texts.py).
        drawn = page.evaluate(
            """() => [...document.querySelectorAll(
                "[data-testid='stFileUploaderDropzone'] button p, "
                + "[data-testid='stFileUploaderDropzoneInstructions'] span")]
              .map(e => [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content])"""
        )
        assert drawn == [["0px", '"上传"'], ["0px", '"单个文件不超过 200MB · ZIP"']]
    shoot(path or "overview")


# Where a card's value or label is wider than its card (ellipsis, "99.…").
CUT_CARD_TEXTS = """() => [...document.querySelectorAll(
    "[data-testid='stMetricValue'] div, [data-testid='stMetricLabel'] p")]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""


@pytest.mark.parametrize(
    ("path", "notice"),
    [
        ("overview", None),  # the default page's own path, though it is served at "/"
        ("no-such-page", "链接中的页面不存在，已为您打开首页。"),
        ("no-such-page?lang=en", "The link names no page of this dashboard"),
    ],
)
def test_a_link_to_no_page_is_said_in_the_page_language_over_the_overview(
    page: Page, server, path, notice
):
    base, _ = server
    visit(page, base, path)
    # Streamlit's own answer is an English modal ("Page not found") whatever the language.
    expect(page.locator("[data-testid='stDialog']")).to_have_count(0)
    expect(page.locator("h1").first).to_contain_text("overview" if "en" in path else "总览")
    main = page.locator("[data-testid='stMain']")
    if notice is None:
        expect(main.get_by_text("链接中的页面不存在")).to_have_count(0)
    else:
        expect(main.get_by_text(notice)).to_have_count(1)
    assert page.evaluate(CUT_CARD_TEXTS) == []
    # The document's language is the page's (Streamlit's own says "en" on every page).
    english = "en" in path
    assert page.evaluate("document.documentElement.lang") == ("en" if english else "zh-CN")
    # The keyboard's first stop, Streamlit's own "Skip to main content", in the page's words.
    skip = page.evaluate(
        """() => getComputedStyle(
            document.querySelector("[data-testid='stSkipToContent']"), "::after").content"""
    )
    assert skip == ('"Skip to main content"' if english else '"跳到正文"')


def test_a_village_page_shows_personal_data_masked(page: Page, server):
    base, db = server
    village = (
        ReadOnlyDatabase(db)
        .cursor()
        .execute(
            "SELECT region_code FROM feedback WHERE regexp_matches(content, '1[3-9][0-9]{9}') "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        )
        .fetchall()[0][0]
    )
    visit(page, base, f"village?village={village}")
    expect(page.get_by_text("群众留言记录")).to_be_visible()
    page.wait_for_function("document.body.innerHTML.match(/1[3-9][0-9][*]{4}[0-9]{4}/)")
    text = page.evaluate(PAGE_TEXT)
    assert MASKED_MOBILE.search(text)  # the finder sees the table's text
    assert unmasked_numbers(text) == []


def test_street_then_village_then_lead_then_disposition(page: Page, server, shoot):
    base, db = server
    con = ReadOnlyDatabase(db).cursor()
    lead = lead_episodes(con, Scope(DISTRICT)).row(0, named=True)
    street, village = lead["street_code"], lead["region_code"]
    street_name = con.execute(
        "SELECT name FROM regions WHERE region_code = ?", [street]
    ).fetchall()[0][0]

    visit(page, base, "registration")
    click_bar(page, "activity_by_unit_all", street)
    page.wait_for_url(re.compile(f"street={street}"))
    settle(page)
    expect(page.locator("h1").first).to_contain_text(street_name)
    shoot("street")

    click_bar(page, f"activity_by_unit_{street}", village)
    page.wait_for_url(re.compile(f"/village\\?.*village={village}"))
    settle(page)
    expect(page.locator("h1").first).to_contain_text(lead["name"])
    shoot("village")
    with page.expect_download() as table:  # made only when asked for
        page.get_by_role("button", name="下载 CSV").first.click()
    assert "留言ID" in Path(table.value.path()).read_text(encoding="utf-8-sig")
    # The file can arrive before the run that audits its download has finished.
    settle(page)
    assert audit_rows(db, "download")[0]["target"] == table.value.suggested_filename

    page.get_by_role("link", name="查看线索与核查记录").first.click()
    page.wait_for_url(re.compile(f"/leads\\?.*lead={lead['lead_id']}"))
    settle(page)
    expect(page.locator("h3").first).to_contain_text(lead["name"])

    form = page.locator("[data-testid='stForm']")
    status = form.get_by_role("combobox", name="状态")
    # The list closes when the page scrolls, as it does to bring the form into view.
    form.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    form.locator("[data-testid='stSelectbox']").get_by_role("button", name="Open").click()
    page.get_by_role("option", name="核查中").click()
    expect(status).to_have_value("核查中")
    form.get_by_label("核查说明").fill("已调阅台账，约谈村书记")
    expect(form).to_contain_text("记录人：演示用户")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已记录。")).to_be_visible()
    shoot("disposition")
    with sqlite3.connect(casework_path(db)) as casework:
        recorded = casework.execute(
            "SELECT lead_id, status, note, actor FROM dispositions"
        ).fetchall()
    actor = "演示用户 (demo-district_inspector)"
    assert recorded == [(lead["lead_id"], "checking", "已调阅台账，约谈村书记", actor)]


def _download(page: Page, label: str, folder) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("button", name=label).click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path.read_bytes()


def test_briefing_exports_hold_the_chinese_titles(page: Page, server, shoot, tmp_path):
    base, db = server
    visit(page, base, "briefing")
    title = page.locator("h1").first.inner_text()
    assert title == "苏家屯区2026-10阳光三务监督简报"
    page.get_by_role("button", name=re.compile("^生成导出文件")).click()
    expect(page.get_by_role("button", name="下载 PDF")).to_be_visible(timeout=120_000)
    shoot("exports")

    pdf = pypdf.PdfReader(io.BytesIO(_download(page, "下载 PDF", tmp_path)))
    assert title in pdf.pages[0].extract_text()
    deck = Presentation(io.BytesIO(_download(page, "下载 PPTX", tmp_path)))
    assert title in [s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame]
    with zipfile.ZipFile(io.BytesIO(_download(page, "下载图表 PNG（zip）", tmp_path))) as charts:
        names = charts.namelist()
        assert names == [f"{title}_{name}.png" for name in (report.TREND, report.HEATMAP)]
        exported = charts.read(names[0])
    assert exported[:8] == b"\x89PNG\r\n\x1a\n"
    # The server is shared with the other browser tests, which download tables too.
    downloads = [e["target"] for e in audit_rows(db, "download") if title in e["target"]]
    assert sorted(downloads) == sorted(
        [f"{title}_{local_now():%Y%m%d}.pdf", f"{title}_{local_now():%Y%m%d}.pptx",
         f"{title}_{local_now():%Y%m%d}_图表.zip"]
    )  # fmt: skip
    assert [e["target"] for e in audit_rows(db, "export")] == [title]

    # Without a CJK font every Chinese character is the same empty box: the chart drawn
    # again with each character of its title swapped for its neighbour would look the same.
    brief = report.build(ReadOnlyDatabase(db).cursor(), Scope(DISTRICT), "district",
                         dt.date(2026, 10, 1))  # fmt: skip
    figure = brief.charts[report.TREND]
    assert _title_pixels_differing(report.chart_png(figure), exported) < 0.001
    title = figure.layout.title.text
    figure.update_layout(title_text=title.translate(NEIGHBOURS))
    assert figure.layout.title.text != title
    assert _title_pixels_differing(report.chart_png(figure), exported) > 0.01


def _title_pixels_differing(png: bytes, other: bytes) -> float:
    """The share of pixels that differ in the top strip, where the title is."""
    first, second = (Image.open(io.BytesIO(b)).convert("L") for b in (png, other))
    strip = (0, 0, first.width // 2, 50 * 2)  # exported at scale 2
    difference = ImageChops.difference(first.crop(strip), second.crop(strip))
    changed = sum(count for level, count in enumerate(difference.histogram()) if level > 32)
    return changed / (strip[2] * strip[3])
