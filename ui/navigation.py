"""A URL naming no page. Streamlit answers it with a modal of its own, in English whatever
the page's language ("Page not found … Running the app's main page"), and has no setting
for it; its other modals (a lost connection) look the same, so a stylesheet cannot tell
them apart. The notice is therefore taken over here, at the one function Streamlit sends
it from (pinned version: tests/browser/test_dashboard.py opens an unknown path), and said
in the main area, in the page's language."""

from __future__ import annotations

import streamlit as st
from streamlit.commands import navigation as _streamlit_navigation

from ui.i18n import t

_ASKED_FOR_NO_PAGE = "asked_for_no_page"


def _note_no_such_page(ctx) -> None:
    st.session_state[_ASKED_FOR_NO_PAGE] = ctx.pages_manager.intended_page_name


_streamlit_navigation.send_page_not_found = _note_no_such_page


def say_if_no_such_page(default_path: str) -> None:
    """After `st.navigation`: if the URL named no page, say so above the page shown. The
    default page is served at "/", and Streamlit finds no page at its own path: a link to
    /overview is no error, it opens the overview."""
    asked = st.session_state.pop(_ASKED_FOR_NO_PAGE, None)
    if asked is not None and asked.strip("/") != default_path:
        st.warning(t("no_such_page"), icon=":material/link_off:")
