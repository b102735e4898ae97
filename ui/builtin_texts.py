"""Streamlit's own words (the file uploader's "Upload" and "200MB per file • ZIP", a
form's "Press Enter to submit form", the keyboard's "Skip to main content") and the
document's language are English whatever the page's language, and Streamlit has no
setting for them: they are drawn over, in the page's language, by a stylesheet (and the
document's `lang`) written on each run."""

from __future__ import annotations

import json

import streamlit as st

from ui.i18n import language, t


def _replaced(selector: str, text: str, size: str) -> str:
    """CSS that hides `selector`'s own text and shows `text` in its place."""
    return (
        f"{selector} {{ font-size: 0 !important; }}\n"
        f"{selector}::after {{ content: {json.dumps(text, ensure_ascii=False)}; "
        f"font-size: {size}; }}\n"
    )


def builtin_texts() -> None:
    """Add the stylesheet to the page (once per run, from dashboard.py)."""
    uploader = '[data-testid="stFileUploaderDropzone"]'
    css = (
        _replaced('[data-testid="InputInstructions"]', t("builtin_press_enter"), "12px")
        + _replaced('[data-testid="stSkipToContent"]', t("builtin_skip_to_content"), "14px")
        + _replaced(
            f'{uploader} button [data-testid="stMarkdownContainer"] p', t("builtin_upload"), "14px"
        )
        + _replaced(
            f'{uploader} [data-testid="stFileUploaderDropzoneInstructions"] span',
            t("builtin_upload_limit"),
            "14px",
        )
    )
    # The document says lang="en" whatever the page's language: browsers then offer to
    # translate a Chinese page "from English", and read it aloud as English.
    lang = "zh-CN" if language() == "zh" else "en"
    st.html(
        f"<style>{css}</style><script>document.documentElement.lang = {json.dumps(lang)};</script>",
        unsafe_allow_javascript=True,
    )
