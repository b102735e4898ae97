"""#15: one language at a time. Every page is walked in each language, and what the page
itself says (titles, headings, captions, text, metric labels and help, buttons, widget
labels, table headers) holds no word of the other language, but for names (of places and
people), codes and a short list of terms kept as written.

Table cells are records as the platform wrote them (titles, messages, replies) and are not
checked, but for the columns the dashboard words itself."""

from __future__ import annotations

import re

import pytest

from datastore import ReadOnlyDatabase
from tests.app.session import open_page

PAGES = ["overview", "ranking", "registration", "disclosures", "messages", "leads", "village",
         "briefing", "home", "audit"]  # fmt: skip
ADMIN_PAGES = {"home", "audit"}
HAN = re.compile(r"[\u3400-\u9fff]+")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]{2,}")
# The platform's own values, quoted where a definition says which of them count.
QUOTED_CHINESE = {"满意", "基本满意", "未评价", "中文"}
# Names of formats, standards and commands, written so in Chinese too.
KEPT_LATIN = {"SHA-256", "OIDC", "PDF", "PPTX", "PNG", "ZIP", "CSV", "XLSX", "UTF-8", "GB18030",
              "English", "python", "etl", "load", "settings", "users", "add", "disable",
              "enable", "password", "unlock", "list", "IQR", "DuckDB", "demo"}  # fmt: skip
CODE = re.compile(r"`[^`]*`|\b[A-Z]+[0-9]+\b|\S*[/\\]\S*|\S+\.(?:csv|xlsx|zip|duckdb|py)\b")


@pytest.fixture(scope="module")
def names(demo_db) -> set[str]:
    con = ReadOnlyDatabase(demo_db[0]).cursor()
    return {name for (name,) in con.execute("SELECT name FROM regions").fetchall()}


def _said(app) -> list[str]:
    """What the page itself says, as opposed to the records it lists."""
    said = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning",
                 "info", "success"):  # fmt: skip
        said += [e.value for e in getattr(app, kind)]
    said += [f"{m.label} {m.help or ''}" for m in app.metric]
    said += [b.label for b in app.button] + [e.label for e in app.expander]
    for widget in (*app.selectbox, *app.multiselect, *app.radio, *app.text_input):
        said.append(widget.label)
    said += [" ".join(map(str, frame.value.columns)) for frame in app.dataframe]
    return said


def _foreign(text: str, english: bool, names: set[str]) -> list[str]:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = CODE.sub(" ", text)
    if english:
        return [w for w in HAN.findall(text) if w not in QUOTED_CHINESE]
    return [w for w in LATIN_WORD.findall(text) if w not in KEPT_LATIN]


# Columns whose cells the dashboard words itself (translations of codes, explanations).
WORDED_COLUMNS = {"overview": ["Type", "Why flagged", "Note"], "messages": ["Topic"],
                  "home": ["Table", "Reason", "Setting", "Value in force", "What it means"],
                  "leads": ["Type", "Progress", "Status"],
                  "briefing": ["Type", "This month", "Main reason", "Why flagged", "Note"]}  # fmt: skip


def _foreign_cells(app, page: str, names: set[str]) -> tuple[int, dict[str, list[str]]]:
    """(cells checked, those holding Chinese) of the columns the page words itself."""
    checked, found = 0, {}
    for frame in app.dataframe:
        for column in set(WORDED_COLUMNS[page]) & set(frame.value.columns):
            for cell in frame.value[column].dropna().astype(str):
                checked += 1
                if words := _foreign(cell, True, names):
                    found[cell[:120]] = words
    return checked, found


@pytest.mark.parametrize("page", PAGES)
def test_each_page_speaks_one_language_in_chinese_then_in_english(
    demo_db, monkeypatch, names, page
):
    """The page as it opens (Chinese), then switched to English in the same session.
    Opening the dashboard on a page is most of a case's cost, so the two languages, and
    the English tables' own words, are checked on one opening."""
    monkeypatch.setenv("SUNSHINE_DB", str(demo_db[0]))
    app = open_page(page, role="admin" if page in ADMIN_PAGES else "district_inspector")
    chinese = {text[:120]: words for text in _said(app) if (words := _foreign(text, False, names))}
    app.sidebar.radio[0].set_value("en").run()
    assert not app.exception
    english = {text[:120]: words for text in _said(app) if (words := _foreign(text, True, names))}
    assert not chinese and not english, {"zh": chinese, "en": english}
    if page in WORDED_COLUMNS:
        checked, found = _foreign_cells(app, page, names)
        assert checked and not found, found


def test_every_page_with_worded_columns_is_walked():
    assert set(WORDED_COLUMNS) <= set(PAGES)
