"""Python's cyclic garbage collector paused while the pages are made (issue #19).

A page step makes many short-lived objects and frees them by reference counting; but every
few hundred allocations the collector runs, and each collection of its oldest generation
walks every object alive, the site model's million included. In the pages step that was
40-75 % of the CPU at the issue's size (gathering the companies' public picks: 0.84 s with the
collector, 0.21 s without; the statistics 1.13 s and 0.45 s). The cycles made meanwhile are
collected once it runs again.

The collector is process-wide, so, as lottery/runtime/gcpause.py decides for the command line
(which the publisher may not import: pyproject.toml's import contracts), it is paused only
when the process runs a single thread (`lottery publish`, the benchmarks); a build inside
`lottery serve`, beside the web server's threads, runs with it on.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside when this process runs one thread (as it was after: a
    nested pause leaves it off)."""
    pause = gc.isenabled() and threading.active_count() == 1
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.enable()
