"""阳光三务监督看板: `streamlit run dashboard.py`. Builds the demo database on first run."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.database import ensure_database
from ui.i18n import LANGUAGES, language, t

VIEWS = Path(__file__).parent / "views"

st.set_page_config(page_title="阳光三务监督看板", page_icon=":material/wb_sunny:", layout="wide")

with st.sidebar:
    chosen = st.radio(
        t("language"),
        list(LANGUAGES),
        index=list(LANGUAGES).index(language()),
        format_func=LANGUAGES.get,
        horizontal=True,
        key="lang",
    )
    if chosen != "zh":
        st.query_params["lang"] = chosen
    else:
        st.query_params.pop("lang", None)

ensure_database(t("building_demo"))

page = st.navigation(
    [
        st.Page(
            VIEWS / "overview.py",
            title=t("overview"),
            icon=":material/dashboard:",
            url_path="overview",
            default=True,
        ),
        st.Page(
            VIEWS / "registration.py",
            title=t("registration"),
            icon=":material/group:",
            url_path="registration",
        ),
        st.Page(
            VIEWS / "disclosures.py",
            title=t("disclosures"),
            icon=":material/article:",
            url_path="disclosures",
        ),
        st.Page(
            VIEWS / "messages.py", title=t("messages"), icon=":material/forum:", url_path="messages"
        ),
        st.Page(VIEWS / "leads.py", title=t("leads"), icon=":material/flag:", url_path="leads"),
        st.Page(
            VIEWS / "village.py",
            title=t("village_profile"),
            icon=":material/home_work:",
            url_path="village",
        ),
        st.Page(
            VIEWS / "briefing.py",
            title=t("briefing"),
            icon=":material/slideshow:",
            url_path="briefing",
        ),
        st.Page(VIEWS / "home.py", title=t("home"), icon=":material/database:", url_path="data"),
    ]
)
page.run()
