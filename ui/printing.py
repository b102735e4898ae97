"""Printing a page (Ctrl+P): the stylesheet that lays it out on A4 without the sidebar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PRINT_CSS = Path(__file__).with_name("print.css")


def print_stylesheet() -> None:
    """Add the print stylesheet to the page (once per run, from dashboard.py); it takes no
    room on screen."""
    st.html(PRINT_CSS)
