"""The briefing as an A4 PDF: its HTML printed by Chromium. The charts are inline SVG, so
their text (titles, axis ticks) stays text in the PDF, sharp at any zoom; the page's own
margin boxes carry the stamp and the page numbers."""

from __future__ import annotations

import html
import subprocess
import tempfile
from pathlib import Path

import polars as pl

from reports.briefing import (
    CASEWORK_HEADING,
    DEMO_MARK,
    Briefing,
    card_columns,
    chromium,
    render_charts,
)


def _table(
    frame: pl.DataFrame, numeric: set[str] = frozenset(), short: set[str] = frozenset()
) -> str:
    """A table; `numeric` columns aligned right, `short` ones (and numeric) never wrapped."""

    def kind(name: str) -> str:
        return "num" if name in numeric else "short" if name in short else ""

    head = "".join(f"<th class='{kind(c)}'>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='{kind(name)}'>{html.escape('' if v is None else str(v))}</td>"
            for name, v in zip(frame.columns, row, strict=True)
        )
        + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _casework(briefing: Briefing) -> str:
    """The casework section (#13), when the briefing carries it."""
    if briefing.casework is None:
        return ""
    numeric = set(briefing.casework.columns) - {"街道"}
    return f"<h2>{CASEWORK_HEADING}</h2>{_table(briefing.casework, numeric, {'街道'})}"


def to_html(briefing: Briefing, svgs: dict[str, bytes]) -> str:
    per_row = card_columns(len(briefing.cards))
    cards = "".join(
        "<div class='card'>"
        f"<div class='label'>{html.escape(c.label)}</div><div class='value'>{c.value}</div>"
        f"<div class='target'>{html.escape(c.target_text)}</div>"
        f"<div class='delta'>{html.escape(c.month_text)}</div>"
        f"<div class='delta'>{html.escape(c.year_text)}</div></div>"
        for c in briefing.cards
    )
    charts = "".join(
        f"<figure>{svg.decode('utf-8')}</figure>" for svg in svgs.values()
    )  # fmt: skip
    numeric = {c for c in briefing.ranking.columns if c.endswith("%")}
    numeric |= {"排名", "名次变化", "得分", "留言数", "已评价"}
    leads = briefing.leads.drop("主要原因")
    lead_table = (
        _table(leads, {"峰值分"}, {"类型", "本月"}) if leads.height else "<p>当前没有线索。</p>"
    )
    demo = (
        f"<div class='demo'>{DEMO_MARK}：由生成器按真实区划生成，不是真实平台数据。</div>"
        if briefing.demo
        else ""
    )
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
    <title>{html.escape(briefing.title)}</title><style>
    @page {{
      size: A4 portrait; margin: 16mm 14mm 18mm 14mm;
      @bottom-left {{ content: {_css_string(briefing.stamp)}; font-size: 8pt; color: #666;
                      font-family: 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif; }}
      @bottom-right {{ content: "第 " counter(page) " 页，共 " counter(pages) " 页";
                       font-size: 8pt; color: #666;
                       font-family: 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif; }}
    }}
    body {{ font-family: 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif;
            margin: 0; color: #222; font-size: 10pt; }}
    h1 {{ font-size: 19pt; margin: 0 0 4px; }}
    h2 {{ font-size: 13pt; margin: 16px 0 6px; break-after: avoid; }}
    .stamp, .rule {{ color: #666; font-size: 8.5pt; }}
    .demo {{ border: 1.5px solid #c0392b; color: #c0392b; font-weight: bold;
             padding: 4px 8px; margin: 8px 0; border-radius: 4px; }}
    .cards {{ display: grid; grid-template-columns: repeat({per_row}, 1fr);
              gap: 8px; }}
    .card {{ border: 1px solid #d0d7e1; background: #f4f6f9; border-radius: 6px;
             padding: 6px 10px; break-inside: avoid; }}
    .label {{ font-size: 9pt; color: #555; }} .value {{ font-size: 17pt; font-weight: bold; }}
    .target, .delta {{ font-size: 8pt; color: #666; }}
    table {{ border-collapse: collapse; font-size: 8.5pt; width: 100%; }}
    thead {{ display: table-header-group; }}
    tr {{ break-inside: avoid; }}
    th {{ background: #34495e; color: #fff; font-weight: normal; }}
    th, td {{ border: 1px solid #d0d7e1; padding: 2px 5px; text-align: left; vertical-align: top; }}
    td.num {{ text-align: right; white-space: nowrap; }}
    td.short, th.short, th.num {{ white-space: nowrap; }}
    figure {{ margin: 10px 0 0; break-inside: avoid; }}
    figure svg {{ width: 100%; height: auto; display: block; }}
    </style></head><body>
    <h1>{html.escape(briefing.title)}</h1>
    <div class="stamp">范围：{html.escape(briefing.scope)} · 期间：{briefing.period}
    · 数据截至 {briefing.data_date} · 内部资料 · 线索为核查提示，不是结论</div>
    {demo}
    <h2>主要指标</h2><div class="cards">{cards}</div>
    <h2>{html.escape(briefing.ranking_heading)}</h2>
    <div class="rule">{html.escape(briefing.ranking_rule)}</div>
    {_table(briefing.ranking, numeric, {"名称", "备注"})}
    <h2>重点线索</h2>{lead_table}
    {_casework(briefing)}
    <h2>图表</h2>{charts}
    </body></html>"""


def to_pdf(briefing: Briefing, svgs: dict[str, bytes] | None = None) -> bytes:
    """The PDF; `svgs` are the charts already drawn (drawn here when not given)."""
    browser = chromium()
    svgs = svgs if svgs is not None else render_charts(briefing, ("svg",))["svg"]
    with tempfile.TemporaryDirectory(prefix="briefing-") as folder:
        page, pdf = Path(folder) / "briefing.html", Path(folder) / "briefing.pdf"
        page.write_text(to_html(briefing, svgs), encoding="utf-8")
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run",
             f"--user-data-dir={folder}/profile", "--no-pdf-header-footer",
             f"--print-to-pdf={pdf}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return pdf.read_bytes()
