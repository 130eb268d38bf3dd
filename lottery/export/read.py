"""Reading a public export from a directory: the `get(path)` the verifier and publisher use."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from lottery.core.canonical import sha256_hex


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
    per blob). The site builder's question about its own export, which the service writes
    by replacing files, never into one (docs/site-publishing.md); a verifier of someone
    else's export hashes instead (:func:`hashed_blobs`)."""
    try:
        names = set(os.listdir(root / "blobs"))
    except OSError:
        names = set()
    return names.__contains__


_DIGEST = re.compile(r"[0-9a-f]{64}")


def hashed_blobs(root: Path) -> Callable[[str], bool]:
    """Whether a blob is in the export at ``root`` with the content its name says: read and
    hashed (not parsed, not opened). What ``lottery verify --state`` asks of an old record's
    blob: a listing would trust a file changed in place under its name (docs/verifier.md)."""
    folder = root / "blobs"

    def present(digest: str) -> bool:
        if not _DIGEST.fullmatch(digest):
            return False
        try:
            data = (folder / digest).read_bytes()
        except OSError:
            return False
        return sha256_hex(data) == digest

    return present
