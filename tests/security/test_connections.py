"""#12 item 11: the side stores (casework, accounts and audit) are closed once read; a
page run leaves no SQLite file open."""

from __future__ import annotations

import gc
import os
from pathlib import Path

from tests.app.session import open_page


def _open_files(suffix: str) -> list[str]:
    gc.collect()
    names = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.endswith(suffix):
            names.append(target)
    return names


def test_pages_leave_no_side_store_open(db: Path):
    before = len(_open_files(".sqlite"))
    for _ in range(3):
        for page in ("leads", "village", "audit", "home"):
            role = "admin" if page in ("audit", "home") else "district_inspector"
            open_page(page, role)
    assert len(_open_files(".sqlite")) == before
