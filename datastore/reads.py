"""The reads pages may make, registered by name: `scoped` reads take the reader's Scope and
apply it in SQL; `global_read`s concern no jurisdiction (the data's span, the catalogue).

Minimal registry, to be replaced by the access work's datastore/reads.py when it lands."""

from __future__ import annotations

from collections.abc import Callable

READS: dict[str, Callable] = {}


def _register(fn: Callable, kind: str) -> Callable:
    fn.read_kind = kind
    READS[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def scoped(fn: Callable) -> Callable:
    """A read whose arguments include the Scope it is held to."""
    return _register(fn, "scoped")


def global_read(fn: Callable) -> Callable:
    """A read that no jurisdiction narrows."""
    return _register(fn, "global")
