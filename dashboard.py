"""阳光三务监督看板: `streamlit run dashboard.py`. Builds the demo database on first run.

`streamlit run` imports this file to find its server (`app`: Streamlit with the session
routes of ui/sessions.py, and the background scoring of datastore/warmup.py), then runs
it as a script, `main()`, for every browser session.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from datastore import default_db_path
from datastore.access import OutsideJurisdiction
from datastore.warmup import keep_scored
from ui import sessions
from ui.auth import current_user, refuse
from ui.builtin_texts import builtin_texts
from ui.database import ensure_database
from ui.i18n import LANGUAGES, language, t
from ui.navigation import say_if_no_such_page
from ui.printing import print_stylesheet

VIEWS = Path(__file__).parent / "views"
# (file in views/, text key, icon, URL path); the first the user may open is the default.
PAGES = (
    ("overview.py", "overview", "dashboard", "overview"),
    ("ranking.py", "ranking", "leaderboard", "ranking"),
    ("registration.py", "registration", "group", "registration"),
    ("disclosures.py", "disclosures", "article", "disclosures"),
    ("messages.py", "messages", "forum", "messages"),
    ("leads.py", "leads", "flag", "leads"),
    ("village.py", "village_profile", "home_work", "village"),
    ("briefing.py", "briefing", "slideshow", "briefing"),
    ("home.py", "home", "database", "data"),
    ("audit.py", "audit", "policy", "audit"),
)


def main() -> None:
    st.set_page_config(
        page_title="阳光三务监督看板", page_icon=":material/wb_sunny:", layout="wide"
    )
    print_stylesheet()
    builtin_texts()

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
    user = current_user()

    default = next(path for *_, path in PAGES if user.may_open(path))
    pages = {
        path: st.Page(
            VIEWS / file,
            title=t(key),
            icon=f":material/{icon}:",
            url_path=path,
            default=path == default,
            visibility="visible" if user.may_open(path) else "hidden",
        )
        for file, key, icon, path in PAGES
    }
    page = st.navigation(list(pages.values()))
    say_if_no_such_page(default)
    opened = next(path for path, candidate in pages.items() if candidate is page)
    # Right after signing in (or switching the demo's role) the page in the URL may be one
    # the role does not have: go to the role's first page. Asked for later, it is refused.
    just_signed_in = st.session_state.pop("just_signed_in", False)
    if not user.may_open(opened):
        if just_signed_in:
            st.switch_page(pages[default])
        refuse(f"page:{opened}")
    try:
        page.run()
    except OutsideJurisdiction as exc:
        refuse(exc.asked)


if __name__ == "__main__":
    main()
else:
    app = st.App(__file__, routes=sessions.ROUTES)
    # The server scores each database a load swaps in before its users ask for the leads.
    keep_scored(default_db_path())
