"""会议简报: a clean page for one period and scope, exported as PDF, PPTX and chart PNGs."""

from __future__ import annotations

import streamlit as st

from datastore import status
from datastore.figures import region_metrics, span
from datastore.scoring import lead_episodes
from reports import briefing as report
from schema.timing import month_end
from ui.auth import audit
from ui.database import query
from ui.filters import filters_or_stop, scope_label
from ui.i18n import language, t
from ui.widgets import download

filters = filters_or_stop()
english = language() == "en"
# The same reads as the overview's, so that their cached results serve both.
inputs = (
    filters.month,
    filters.level,
    query(region_metrics, filters.scope, filters.level, "month", None, filters.month),
    query(region_metrics, filters.scope, report.unit_level(filters.level), "month", None,
          filters.month),
    query(lead_episodes, filters.scope, filters.as_of, filters.month, month_end(filters.month)),
    filters.as_of or query(span, filters.scope).data_end,
    query(status.demo_data, filters.scope),
    scope_label("", filters.kind),
)  # fmt: skip
# The briefing is issued in Chinese: the English page shows it in English, and exports
# the Chinese one.
issued = report.assemble(*inputs)
issued.casework = query(report.casework_table, filters.scope, filters.month)
brief = report.assemble(*inputs, english=True) if english else issued
if english:
    brief.casework = query(report.casework_table, filters.scope, filters.month, True)
st.title(brief.title)
st.caption(f"{brief.stamp} · {t('briefing_prompt_not_finding')}")
if brief.demo:
    st.warning(t("briefing_demo_warning"))
if english:
    st.info(t("briefing_issued_in_chinese"))
per_row = report.card_columns(len(brief.cards))
for start in range(0, len(brief.cards), per_row):
    row = brief.cards[start : start + per_row]
    for column, card in zip(st.columns(per_row), row, strict=False):
        column.metric(card.label, card.value, delta=card.month_change, border=True,
                      help=f"{card.target_text}；{card.month_text}；{card.year_text}")  # fmt: skip
        column.caption(f"{card.target_text} · {card.year_text}")
st.subheader(brief.ranking_heading)
st.caption(brief.ranking_rule)
rows = min(brief.ranking.height, 20) + 1
st.dataframe(brief.ranking, hide_index=True, placeholder="—", width="stretch", height=35 * rows + 3)
st.subheader(t("briefing_leads_heading"))
st.dataframe(brief.leads, hide_index=True, placeholder="—", width="stretch")
st.subheader(t("briefing_casework_heading"))
st.dataframe(brief.casework, hide_index=True, placeholder="—", width="stretch")
for name, figure in brief.charts.items():
    st.plotly_chart(figure, key=f"briefing_{name}")

key = f"exports_{issued.title}_{issued.data_date}"
if st.button(t("prepare_exports")):
    try:
        with st.spinner(t("prepare_exports")):
            st.session_state[key] = report.exports(issued)
    except report.ExportUnavailable as exc:
        st.error(str(exc))
    else:
        audit("export", issued.title, "PDF, PPTX, PNG")
files = st.session_state.get(key)
if files:
    stem = report.file_stem(issued)
    left, middle, right = st.columns(3)
    for column, kind, label, file_name, mime in (
        (left, "pdf", t("download_pdf"), f"{stem}.pdf", "application/pdf"),
        (middle, "pptx", t("download_pptx"), f"{stem}.pptx", None),
        (right, "png", t("download_png"), f"{stem}_图表.zip", None),
    ):
        with column:
            size = f"{len(files[kind]):,} bytes"
            download(label, files[kind], file_name, kind, size, mime=mime)
