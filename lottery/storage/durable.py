"""Durable file-system changes: a rename or a link is on disk only once its directory is.

Every atomic replacement here (write a temporary file, ``fsync`` it, ``rename`` it over the old
one) ends with :func:`fsync_dir` of the directory, so that a crash after the call leaves the
new name, never the old one or none.
"""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Flush ``directory``'s entries (names created, renamed or removed in it) to disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
