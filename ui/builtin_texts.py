"""Streamlit's own words on a widget (the file uploader's "Drag and drop file here", "Limit
200MB per file", "Browse files", a form's "Press Enter to submit form") are English
whatever the page's language, and Streamlit has no setting for them: they are drawn over,
in the page's language, by a stylesheet written on each run."""

from __future__ import annotations

import json

import streamlit as st

from ui.i18n import t


def _replaced(selector: str, text: str, size: str) -> str:
    """CSS that hides `selector`'s own text and shows `text` in its place."""
    return (
        f"{selector} {{ font-size: 0 !important; }}\n"
        f"{selector}::after {{ content: {json.dumps(text)}; font-size: {size}; }}\n"
    )


def builtin_texts() -> None:
    """Add the stylesheet to the page (once per run, from dashboard.py)."""
    uploader = '[data-testid="stFileUploaderDropzone"]'
    css = (
        _replaced('[data-testid="InputInstructions"]', t("builtin_press_enter"), "12px")
        + _replaced(f"{uploader} button", t("builtin_browse_files"), "14px")
        + '[data-testid="stFileUploaderDropzoneInstructions"] > div > * { display: none; }\n'
        + _replaced(
            '[data-testid="stFileUploaderDropzoneInstructions"] > div',
            t("builtin_drop_here"),
            "14px",
        )
    )
    st.html(f"<style>{css}</style>")
