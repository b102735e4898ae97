"""The two casework ledgers as Excel workbooks that go straight into a report: 问题线索台账
(one row per lead episode) and 整改台账 (one row per rectification item), with the
commissions' usual Chinese headers in their usual order, dates as dates, names not
codes, set column widths, a frozen header, A4 landscape, and the scope, the date and
内部资料 in the printed header. The rows come from datastore.rectifications.ledgers."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import xlsxwriter

# (header, column of the rows, width in characters); the order is the ledgers' own.
COLUMNS = (
    ("序号", None, 6),
    ("问题线索来源", "source", 22),
    ("村（社区）", "village", 16),
    ("所属街道", "street", 12),
    ("问题类型", "type", 9),
    ("问题描述", "problem", 40),
    ("核查情况", "finding", 28),
    ("责任单位", "unit", 16),
    ("责任人", "person", 10),
    ("整改措施", "measures", 28),
    ("整改时限", "deadline", 12),
    ("整改进展", "progress", 24),
    ("复核结果", "verdict", 32),
    ("销号时间", "closed_at", 17),
    ("备注", "remark", 24),
)
HEADERS = [header for header, _, _ in COLUMNS]
# The problem ledger also says which episode each row is, when it was seen and its score.
LEAD_EXTRA = (
    ("线索编号", "lead_id", 26),
    ("首次发现", "first_seen", 12),
    ("最近发现", "last_seen", 12),
    ("峰值分", "score", 8),
)
TITLES = {"leads": "问题线索台账", "items": "整改台账"}
A4 = 9


def workbook(kind: str, rows: pl.DataFrame, scope_name: str, day: dt.date) -> bytes:
    """The ledger `kind` ('leads' or 'items') of `rows` as an .xlsx file."""
    title = TITLES[kind]
    columns = COLUMNS + (LEAD_EXTRA if kind == "leads" else ())
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet(title)
    font = {"font_name": "宋体", "font_size": 10, "valign": "top", "border": 1}
    text = book.add_format({**font, "text_wrap": True})
    date = book.add_format({**font, "num_format": "yyyy-mm-dd"})
    moment = book.add_format({**font, "num_format": "yyyy-mm-dd hh:mm"})
    number = book.add_format({**font, "num_format": "0.000"})
    head = book.add_format({**font, "bold": True, "align": "center", "valign": "vcenter",
                            "text_wrap": True, "bg_color": "#D9D9D9"})  # fmt: skip
    heading = book.add_format({"font_name": "黑体", "font_size": 16, "bold": True,
                               "align": "center"})  # fmt: skip
    stamp = book.add_format({"font_name": "宋体", "font_size": 10})

    stamp_text = f"范围：{scope_name}　导出日期：{day:%Y-%m-%d}　内部资料，请勿外传"
    sheet.merge_range(0, 0, 0, len(columns) - 1, title, heading)
    sheet.merge_range(1, 0, 1, len(columns) - 1, stamp_text, stamp)
    for c, (header, _, width) in enumerate(columns):
        sheet.set_column(c, c, width)
        sheet.write(2, c, header, head)
    sheet.set_row(2, 30)
    for r, row in enumerate(rows.iter_rows(named=True), start=3):
        for c, (_, key, _) in enumerate(columns):
            value = r - 2 if key is None else row[key]
            if value is None or value == "":
                sheet.write_blank(r, c, None, text)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, moment)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            elif isinstance(value, float):
                sheet.write_number(r, c, value, number)
            elif isinstance(value, int):
                sheet.write_number(r, c, value, text)
            else:
                sheet.write_string(r, c, str(value), text)
    sheet.freeze_panes(3, 0)
    sheet.repeat_rows(2)
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)  # every column on the page's width, as many pages as it takes
    sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    sheet.set_header(f"&L&9范围：{scope_name}&C&12{title}&R&9内部资料　导出日期 {day:%Y-%m-%d}")
    sheet.set_footer("&C&9第 &P 页，共 &N 页")
    book.close()
    return buffer.getvalue()


def file_name(kind: str, scope_name: str, day: dt.date) -> str:
    return f"{TITLES[kind]}_{scope_name}_{day:%Y%m%d}.xlsx"
