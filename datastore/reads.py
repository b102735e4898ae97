"""The reads the pages make, registered in READS by how their jurisdiction is checked:
a `scoped` read takes a Scope as its first argument after the connection, which must lie
within the reader's jurisdiction; a `global_read` holds nothing of any one jurisdiction
(the catalogue, the district's settings)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

READS: dict[str, Callable] = {}  # "module.function" → the function


def _register(is_scoped: bool) -> Callable[[F], F]:
    def mark(fn: F) -> F:
        fn.scoped = is_scoped
        READS[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return mark


scoped = _register(True)
global_read = _register(False)
