"""Pausing Python's cyclic garbage collector around bulk work, in single-threaded processes.

Parsing a pool or drawing from it allocates millions of small acyclic objects (strings,
bytes, tuples); each allocation burst triggers collections that traverse every live container,
which can cost more than the work itself. None of these structures hold reference cycles, so
reference counting frees them and the cyclic collector can wait until the bulk step ends.

The collector is process-wide: pausing it in one thread of a server pauses it for every other
request too, which could then pile up garbage unchecked. So :func:`gc_paused` pauses only when
the process runs a single thread (a command line, the benchmark), and otherwise changes nothing.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block when this process runs one thread (re-entrant)."""
    was_enabled = gc.isenabled()
    pause = was_enabled and threading.active_count() == 1
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.enable()
