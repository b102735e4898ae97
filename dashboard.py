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

# (file in views/, text key, icon, URL path); the first is the default page.
PAGES = (
    ("overview.py", "overview", "dashboard", "overview"),
    ("registration.py", "registration", "group", "registration"),
    ("disclosures.py", "disclosures", "article", "disclosures"),
    ("messages.py", "messages", "forum", "messages"),
    ("leads.py", "leads", "flag", "leads"),
    ("village.py", "village_profile", "home_work", "village"),
    ("briefing.py", "briefing", "slideshow", "briefing"),
    ("home.py", "home", "database", "data"),
)
page = st.navigation(
    [
        st.Page(
            VIEWS / file, title=t(key), icon=f":material/{icon}:", url_path=path, default=i == 0
        )
        for i, (file, key, icon, path) in enumerate(PAGES)
    ]
)
page.run()
