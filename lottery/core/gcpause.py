"""Pausing Python's cyclic garbage collector around bulk work.

Parsing a pool or drawing from it allocates millions of small acyclic objects (strings,
bytes, tuples); each allocation burst triggers collections that traverse every live container,
which can cost more than the work itself. None of these structures hold reference cycles, so
reference counting frees them and the cyclic collector can wait until the bulk step ends.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the duration of the block (re-entrant)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def bulk(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run ``fn`` with the cyclic collector paused."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return fn(*args, **kwargs)

    return wrapper
