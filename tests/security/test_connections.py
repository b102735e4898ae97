"""#12 item 11: the side stores (casework, accounts and audit) are closed once read: a
sqlite3 connection's own `with` only commits, so every page run used to leave one open
until the garbage collector found it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.app.session import open_page


class Tracked(sqlite3.Connection):
    """A connection that remembers whether it was closed (the page runs in another thread,
    where nothing else about it can be asked)."""

    closed = False

    def close(self) -> None:
        self.closed = True
        super().close()


@pytest.fixture
def opened(monkeypatch) -> list[Tracked]:
    """Every SQLite connection made from now on, held here: only close() closes it."""
    made = []
    connect = sqlite3.connect

    def recording(*args, **kwargs):
        made.append(connect(*args, factory=Tracked, **kwargs))
        return made[-1]

    monkeypatch.setattr(sqlite3, "connect", recording)
    return made


def _still_open(connections: list[Tracked]) -> list[Tracked]:
    return [con for con in connections if not con.closed]


@pytest.mark.parametrize(("page", "role"), [("leads", "district_inspector"),
                                            ("village", "district_inspector"),
                                            ("audit", "admin")])  # fmt: skip
def test_a_page_run_leaves_no_side_store_open(db: Path, opened, page, role):
    open_page(page, role)
    assert opened, "the page reads a side store"
    assert _still_open(opened) == []
