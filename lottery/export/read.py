"""Reading a public export from a directory: the `get(path)` the verifier and publisher use."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def file_getter(root: Path) -> Callable[[str], bytes]:
    """A ``get(path)`` over a directory; a missing file raises KeyError."""
    base = root.resolve()

    def get(path: str) -> bytes:
        target = (base / path).resolve()
        if base not in target.parents and target != base:
            raise KeyError(path)
        try:
            return target.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise KeyError(path) from exc

    return get


def published_blobs(root: Path) -> Callable[[str], bool]:
    """Whether a blob is in the export at ``root`` (one listing of ``blobs/``, not a read
    per blob: a blob is named by its SHA-256, so a name present is the content)."""
    try:
        names = set(os.listdir(root / "blobs"))
    except OSError:
        names = set()
    return names.__contains__
