from __future__ import annotations

import pytest


@pytest.fixture
def db(monkeypatch, demo_copy):
    """A copy of the demo database, so that casework and audit written here stay here."""
    monkeypatch.setenv("SUNSHINE_DB", str(demo_copy))
    return demo_copy
