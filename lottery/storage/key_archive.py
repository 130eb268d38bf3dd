"""Switching a key file for its successor, the old one kept in ``keys/archive/``.

The office key pair (``office.key``/``.pub`` replaced by ``office-next.*``, archived as
``archive/office-<n>-<key id>.*``) and the secrets key (``secrets.key`` by
``secrets-next.key``, archived as ``archive/secrets-<n>.key``) switch the same way: the
current files are first hard-linked into the archive (a 0700 directory; a link keeps the
file's mode, so a private key stays 0600), the archive flushed to disk, then each next file
renamed over the current one and the keys directory flushed. Every step is idempotent, so a
crash at any point is finished by calling :func:`archive_and_switch_files` again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from .durable import fsync_dir

ARCHIVE_DIR = "archive"


def _number(path: Path) -> int | None:
    """``<n>`` of an archived ``<stem>-<n>[-<tag>].<suffix>`` name (None for another name)."""
    parts = path.name.split(".", 1)[0].split("-")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def _archived_stem(archive: Path, current: Path, stem: str, tag: str) -> str | None:
    """The archive name (without suffix) the current file already has there, if any: the
    same file (a hard link), or, with a ``tag``, a name ending in it."""
    for path in sorted(archive.glob(f"{stem}-*{current.suffix}")):
        if _number(path) is None:
            continue
        same = os.path.samefile(current, path)
        if same or (tag and path.name.endswith(f"{tag}{current.suffix}")):
            return path.name[: -len(current.suffix)]
    return None


def archive_and_switch_files(
    keys_dir: Path,
    stem: str,
    next_stem: str,
    suffixes: Sequence[str],
    tag: Callable[[], str] = lambda: "",
) -> None:
    """Put ``<next_stem><suffix>`` in place of ``<stem><suffix>`` for each suffix, the current
    files first hard-linked into ``archive/<stem>-<n><tag()><suffix>`` (``n`` one more than the
    largest archived; ``tag()``, asked only when something is archived, e.g. ``-<key id>``).

    The first suffix decides: while its next file exists, the current files are archived (once)
    and it is renamed; a next file of another suffix left by a crash is renamed in any case.
    """
    directory = Path(keys_dir)
    first_next, first = (
        directory / f"{next_stem}{suffixes[0]}",
        directory / f"{stem}{suffixes[0]}",
    )
    if first_next.exists():
        archive = directory / ARCHIVE_DIR
        archive.mkdir(mode=0o700, exist_ok=True)
        label = tag()
        name = _archived_stem(archive, first, stem, label)
        if name is None:
            numbers = [n for p in archive.glob(f"{stem}-*") if (n := _number(p)) is not None]
            name = f"{stem}-{max(numbers, default=0) + 1}{label}"
        for suffix in suffixes:
            with contextlib.suppress(FileExistsError):
                os.link(directory / f"{stem}{suffix}", archive / f"{name}{suffix}")
        fsync_dir(archive)
        os.replace(first_next, first)
    for suffix in suffixes[1:]:
        pending = directory / f"{next_stem}{suffix}"
        if pending.exists():
            os.replace(pending, directory / f"{stem}{suffix}")
    fsync_dir(directory)
