"""会议简报: a clean page for one period and scope, exported as PDF, PPTX and chart PNGs."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from reports import briefing as report
from ui.auth import audit
from ui.database import query
from ui.filters import filters_or_stop, scope_label
from ui.i18n import t
from ui.widgets import download

filters = filters_or_stop()
suffix = scope_label("", filters.kind)
brief = query(report.build, filters.scope, filters.level, filters.month, filters.as_of, suffix)
# Casework changes between loads: read anew, not from the cached briefing.
brief = replace(brief, casework=query(report.casework_table, filters.scope, filters.month))
st.title(brief.title)
st.caption(
    f"范围：{brief.scope} · 期间：{brief.period} · 数据截至 {brief.data_date}"
    " · 线索为核查提示，不是结论"
)
for column, (metric, value, change) in zip(
    st.columns(len(brief.headline)), brief.headline, strict=True
):
    column.metric(metric, value, delta=None if change == "—" else change)
st.subheader("“三率”排名")
st.dataframe(brief.ranking, hide_index=True, placeholder="—", width="stretch")
st.subheader("重点线索")
st.dataframe(brief.leads, hide_index=True, placeholder="—", width="stretch")
st.subheader("线索核查与整改情况（今年以来）")
st.dataframe(brief.casework, hide_index=True, placeholder="—", width="stretch")
for name, figure in brief.charts.items():
    st.plotly_chart(figure, key=f"briefing_{name}")

key = f"exports_{brief.title}_{brief.data_date}"
if st.button(t("prepare_exports")):
    try:
        with st.spinner(t("prepare_exports")):
            st.session_state[key] = {
                "pdf": report.to_pdf(brief),
                "pptx": report.to_pptx(brief),
                "png": report.charts_zip(brief),
            }
    except report.ExportUnavailable as exc:
        st.error(str(exc))
    else:
        audit("export", brief.title, "PDF, PPTX, PNG")
files = st.session_state.get(key)
if files:
    stem = report.file_stem(brief)
    left, middle, right = st.columns(3)
    for column, kind, label, file_name, mime in (
        (left, "pdf", t("download_pdf"), f"{stem}.pdf", "application/pdf"),
        (middle, "pptx", t("download_pptx"), f"{stem}.pptx", None),
        (right, "png", t("download_png"), f"{stem}_图表.zip", None),
    ):
        with column:
            size = f"{len(files[kind]):,} bytes"
            download(label, files[kind], file_name, kind, size, mime=mime)
